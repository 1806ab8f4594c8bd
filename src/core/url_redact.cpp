#include "core/url_redact.h"

namespace lt {
namespace {

constexpr std::string_view kMask = "***";

struct UrlParts {
  std::string_view scheme;    // "https://" (with the separator), may be empty
  std::string_view userinfo;  // "user:pass" (without '@'), may be empty
  bool has_userinfo = false;
  std::string_view host;      // "h:8"
  std::string_view path;      // "/a/b", may be empty
  std::string_view query;     // "token=x&v" (without '?')
  bool has_query = false;
  std::string_view fragment;  // without '#'
  bool has_fragment = false;
};

UrlParts split(std::string_view url) {
  UrlParts p;
  std::string_view rest = url;
  if (const auto sep = rest.find("://"); sep != std::string_view::npos) {
    p.scheme = rest.substr(0, sep + 3);
    rest.remove_prefix(sep + 3);
  }
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) {
    p.fragment = rest.substr(hash + 1);
    p.has_fragment = true;
    rest = rest.substr(0, hash);
  }
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    p.query = rest.substr(q + 1);
    p.has_query = true;
    rest = rest.substr(0, q);
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) p.path = rest.substr(slash);
  // The last '@' ends the userinfo: a password may itself contain an unencoded '@'.
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    p.userinfo = authority.substr(0, at);
    p.has_userinfo = true;
    authority.remove_prefix(at + 1);
  }
  p.host = authority;
  return p;
}

std::string masked_query(std::string_view query) {
  std::string out;
  while (true) {
    const auto amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    if (!item.empty()) {
      const auto eq = item.find('=');
      out.append(item.substr(0, eq == std::string_view::npos ? item.size() : eq));
      out += '=';
      out.append(kMask);
    }
    if (amp == std::string_view::npos) break;
    out += '&';
    query.remove_prefix(amp + 1);
  }
  return out;
}

std::string masked_path(std::string_view path, UrlSecrecy secrecy) {
  if (secrecy == UrlSecrecy::Path && path.size() > 1) return "/...";
  return std::string(path);
}

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  if (from.empty() || from == to) return;
  for (std::size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size()) text.replace(at, from.size(), to);
}

}  // namespace

std::string redact_url(std::string_view url, UrlSecrecy secrecy) {
  const UrlParts p = split(url);
  std::string out(p.scheme);
  if (p.has_userinfo) {
    out.append(kMask);
    out += '@';
  }
  out.append(p.host);
  out += masked_path(p.path, secrecy);
  if (p.has_query) {
    out += '?';
    out += masked_query(p.query);
  }
  if (p.has_fragment && !p.fragment.empty()) {
    out += '#';
    out.append(kMask);
  }
  return out;
}

void scrub_url(std::string& message, std::string_view url, UrlSecrecy secrecy) {
  const UrlParts p = split(url);
  // Longest pieces first, so a part does not break up the larger text it sits in.
  replace_all(message, url, redact_url(url, secrecy));
  if (p.has_query && !p.query.empty()) replace_all(message, p.query, masked_query(p.query));
  if (secrecy == UrlSecrecy::Path && p.path.size() > 1) replace_all(message, p.path, masked_path(p.path, secrecy));
  if (p.has_userinfo && !p.userinfo.empty()) replace_all(message, std::string(p.userinfo) + "@", std::string(kMask) + "@");
  if (p.has_fragment && p.fragment.size() > 1) replace_all(message, p.fragment, kMask);
}

bool url_has_userinfo(std::string_view url) noexcept { return split(url).has_userinfo; }

}  // namespace lt
