// Helpers for the parser tests: build a parser by name or fail the test, and
// check that everything a parser emitted is valid UTF-8 and valid JSON numbers.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/utf8.h"
#include "parsers/parser.h"
#include "parsers/scan.h"

namespace lt::parsers::testing {

inline std::unique_ptr<LineParser> parser_named(std::string name, std::string pattern = {}) {
  auto made = make_parser(ParserOptions{std::move(name), std::move(pattern)});
  if (auto* error = std::get_if<std::string>(&made)) {
    ADD_FAILURE() << *error;
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<LineParser>>(made));
}

inline ::testing::AssertionResult well_formed(const LogEvent& e) {
  for (const std::string* s : {&e.id, &e.service, &e.environment, &e.host, &e.source, &e.message, &e.trace_id,
                               &e.span_id})
    if (!is_valid_utf8(*s)) return ::testing::AssertionFailure() << "invalid UTF-8 in a field: " << *s;
  for (const auto& a : e.attributes) {
    if (!is_valid_utf8(a.key) || !is_valid_utf8(a.value))
      return ::testing::AssertionFailure() << "invalid UTF-8 in attribute " << a.key;
    // The encoder writes Number attributes verbatim: anything else breaks the JSON.
    if (a.type == AttrType::Number && !is_json_number(a.value))
      return ::testing::AssertionFailure() << "attribute " << a.key << " typed Number: " << a.value;
  }
  return ::testing::AssertionSuccess();
}

inline std::string attr(const LogEvent& e, std::string_view key) {
  const Attribute* a = e.attribute(key);
  return a ? a->value : std::string("<absent>");
}

}  // namespace lt::parsers::testing
