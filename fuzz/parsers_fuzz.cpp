// libFuzzer target: the first byte picks a parser (or the multiline assembler),
// the rest is the line. Whatever comes in, everything emitted is valid UTF-8, a
// Partial keeps the (repaired) raw line, and records stay within their size limit.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.h"
#include "parsers/multiline.h"
#include "parsers/parser.h"
#include "parsers/scan.h"

namespace {

using namespace lt::parsers;

constexpr const char* kRegex = R"(^(?P<timestamp>\S+ \S+) (?P<level>\w+) +\[(?P<thread>[^\]]*)\] (?P<message>.*)$)";
constexpr std::size_t kRecordLimit = 256;

std::vector<std::unique_ptr<LineParser>> make_all() {
  std::vector<std::unique_ptr<LineParser>> parsers;
  for (const auto& d : parser_descriptors()) {
    auto made = d.make(ParserOptions{std::string(d.name), d.needs_pattern ? kRegex : ""});
    if (!std::holds_alternative<std::unique_ptr<LineParser>>(made)) std::abort();
    parsers.push_back(std::move(std::get<std::unique_ptr<LineParser>>(made)));
  }
  return parsers;
}

void check_valid(const std::string& s) {
  if (!lt::is_valid_utf8(s)) std::abort();
}

void fuzz_multiline(std::string_view input) {
  static auto assembler = std::get<MultilineAssembler>(MultilineAssembler::make(R"(^\S)", kRecordLimit));
  auto check = [](const std::optional<MultilineAssembler::Record>& r) {
    if (!r) return;
    if (r->text.size() > kRecordLimit || r->lines == 0) std::abort();
  };
  std::size_t start = 0;
  while (start <= input.size()) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    check(assembler.feed(input.substr(start, end - start), end));
    start = end + 1;
  }
  check(assembler.flush());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto parsers = make_all();
  if (size == 0) return 0;
  const std::string_view line(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t pick = data[0] % (parsers.size() + 1);
  if (pick == parsers.size()) {
    fuzz_multiline(line);
    return 0;
  }
  lt::LogEvent event;
  event.service = "ctx";
  const ParseStatus status = parsers[pick]->parse(line, event);
  for (const std::string* s : {&event.message, &event.host, &event.service, &event.environment, &event.source,
                               &event.id, &event.trace_id, &event.span_id})
    check_valid(*s);
  for (const auto& a : event.attributes) {
    check_valid(a.key);
    check_valid(a.value);
    if (a.type == lt::AttrType::Number && !is_json_number(a.value)) std::abort();
  }
  if (status == ParseStatus::Partial) {
    std::string expected;
    lt::append_sanitized_utf8(strip_line_end(line), expected);
    if (event.message != expected || !event.attribute("parse_error")) std::abort();
  }
  return 0;
}
