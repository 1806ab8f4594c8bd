#include "parsers/regex_parser.h"

#include <re2/re2.h>

#include <vector>

#include "parsers/scan.h"
#include "parsers/well_known_fields.h"

namespace lt::parsers {

namespace {

struct Group {
  std::string name;
  WellKnown field;
};

class RegexParser final : public LineParser {
 public:
  RegexParser(std::unique_ptr<RE2> re, std::vector<Group> groups)
      : re_(std::move(re)), groups_(std::move(groups)), matches_(groups_.size()) {}

  ParseStatus parse(std::string_view raw, LogEvent& out) override {
    const std::string_view line = prepare_line(raw, scratch_);
    if (!re_->Match(re2::StringPiece(line.data(), line.size()), 0, line.size(), RE2::UNANCHORED, matches_.data(),
                    static_cast<int>(matches_.size())))
      return mark_partial(out, line, "regex: the line does not match the pattern");
    std::string_view date, time, message;
    bool have_message = false;
    for (size_t i = 1; i < groups_.size(); ++i) {
      const re2::StringPiece& m = matches_[i];
      if (m.data() == nullptr) continue;  // the group did not take part in the match
      const std::string_view value(m.data(), m.size());
      switch (groups_[i].field) {
        case WellKnown::None:
          if (!groups_[i].name.empty()) set_typed_attribute(out, groups_[i].name, value);
          break;
        case WellKnown::Date: date = value; break;
        case WellKnown::Time: time = value; break;
        case WellKnown::Message:
          message = value;
          have_message = true;
          break;
        default:
          if (!value.empty()) assign_well_known(out, groups_[i].field, value);
      }
    }
    if (!date.empty() && !time.empty()) {
      timestamp_text_.assign(date).append(" ").append(time);
      apply_timestamp_text(out, timestamp_text_);
    } else if (!date.empty() || !time.empty()) {
      apply_timestamp_text(out, date.empty() ? time : date);
    }
    out.message.assign(have_message ? message : line);
    return ParseStatus::Ok;
  }

 private:
  std::unique_ptr<RE2> re_;
  std::vector<Group> groups_;  // index = capture group number; [0] is the whole match
  std::vector<re2::StringPiece> matches_;
  std::string scratch_;
  std::string timestamp_text_;
};

}  // namespace

std::string to_re2_named_groups(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() + 8);
  bool escaped = false;
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char ch = pattern[i];
    out += ch;
    if (escaped) {
      escaped = false;
      continue;
    }
    if (ch == '\\') {
      escaped = true;
    } else if (ch == '[') {
      in_class = true;
    } else if (ch == ']') {
      in_class = false;
    } else if (ch == '(' && !in_class && pattern.substr(i + 1, 2) == "?<" && i + 3 < pattern.size() &&
               pattern[i + 3] != '=' && pattern[i + 3] != '!') {
      out += "?P<";
      i += 2;
    }
  }
  return out;
}

ParserOrError make_regex_parser(const ParserOptions& options) {
  if (options.pattern.empty()) return std::string("regex: a pattern is required");
  const std::string pattern = to_re2_named_groups(options.pattern);
  RE2::Options re_options;
  re_options.set_log_errors(false);
  auto re = std::make_unique<RE2>(pattern, re_options);
  if (!re->ok()) {
    std::string error = "regex: " + re->error();
    const size_t at = re->error_arg().empty() ? std::string::npos : pattern.find(re->error_arg());
    if (at != std::string::npos) error += " (at column " + std::to_string(at + 1) + ")";
    error += " in pattern '" + options.pattern + "'";
    return error;
  }
  const auto& named = re->NamedCapturingGroups();
  if (named.empty())
    return "regex: the pattern has no named group; name what you capture, e.g. (?P<level>\\w+) (?P<message>.*)";
  std::vector<Group> groups(static_cast<size_t>(re->NumberOfCapturingGroups()) + 1);
  for (const auto& [name, index] : named) groups[static_cast<size_t>(index)] = Group{name, classify_field_name(name)};
  return std::make_unique<RegexParser>(std::move(re), std::move(groups));
}

}  // namespace lt::parsers
