// Masking the credentials a URL may carry (user:pass@, query values, a secret path such as a
// Slack webhook's) before the URL reaches a log line, an error message, `validate --print` or a topic.
#pragma once

#include <string>
#include <string_view>

namespace lt {

enum class UrlSecrecy {
  Query,  // userinfo and query values are masked; scheme, host, port and path stay readable
  Path,   // the path is masked too: for webhook URLs the path itself is the credential
};

// "https://u:p@h:8/a/b?token=x&v#f" -> "https://***@h:8/a/b?token=***&v=***"  (Query)
//                                   -> "https://***@h:8/...?token=***&v=***"   (Path)
// Text that is not a URL is returned with the same rules applied as far as they fit.
std::string redact_url(std::string_view url, UrlSecrecy secrecy = UrlSecrecy::Query);

// Replaces in `message` every occurrence of the secret parts of `url` (the whole URL, its
// userinfo, query and, under UrlSecrecy::Path, its path) with their masked forms.
void scrub_url(std::string& message, std::string_view url, UrlSecrecy secrecy = UrlSecrecy::Query);

// Whether `url` carries a user name or password ("https://user:pass@host/").
bool url_has_userinfo(std::string_view url) noexcept;

}  // namespace lt
