// The `redact` step: removes credentials and personal data from the message and
// chosen attributes before an event leaves the consumer (emails, card numbers
// passing Luhn, bearer/Authorization tokens, URL passwords, custom RE2 patterns).
#pragma once

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <re2/re2.h>

#include "core/metrics.h"
#include "process/processor.h"
#include "query/text_search.h"

namespace lt {

struct RedactPattern {
  std::string name;                      // metric label and error context
  std::string pattern;                   // RE2 syntax
  std::string replacement = "[REDACTED]";  // may use \1..\9 for capture groups
};

struct RedactOptions {
  bool emails = true;         // local@domain.tld
  bool card_numbers = true;   // 13–19 digits, single spaces/dashes between groups, valid Luhn checksum
  bool bearer_tokens = true;  // "Bearer <token>" (8+ token chars) and the value of "Authorization: ..." / "authorization=..."
  bool url_passwords = true;  // scheme://user:pass@host → scheme://user:[REDACTED]@host
  std::vector<RedactPattern> patterns;  // applied after the built-ins, in order
  bool message = true;                  // redact the message
  // Attributes to redact too; "*" means every one. Strings are redacted as
  // text, nested JSON value by value (it stays valid JSON), and a number that
  // is a card number becomes the replacement string.
  std::vector<std::string> attributes;
  std::string replacement = "[REDACTED]";  // for the built-ins
};

class Redact final : public Processor {
 public:
  // Fails (for a person to read) when a custom pattern does not compile.
  static std::variant<std::unique_ptr<Redact>, Error> create(RedactOptions options,
                                                             MetricsRegistry& metrics = MetricsRegistry::global());
  ~Redact() override;

  std::string_view name() const override { return "redact"; }
  Outcome process(LogEvent& event) const override;
  void scrub(std::string& text, bool json) const override {
    if (json) redact_json(text);
    else redact(text);
  }

  // Redacts `text` in place; returns how many secrets were replaced.
  std::size_t redact(std::string& text) const;
  // Redacts the string values (and card-number numbers) inside a JSON text, keeping it valid JSON.
  std::size_t redact_json(std::string& json) const;

 private:
  struct Rule {
    std::unique_ptr<RE2> re;
    std::string rewrite;
    Counter* counter;
  };
  explicit Redact(RedactOptions options);
  std::size_t redact_cards(std::string& text) const;
  std::size_t redact_emails(std::string& text) const;
  std::size_t redact_attribute(Attribute& a) const;

  RedactOptions options_;
  bool all_attributes_ = false;
  Rule url_password_, authorization_, bearer_;
  query::Substring authorization_word_, bearer_word_;  // case-insensitive
  Counter* email_ = nullptr;
  Counter* cards_ = nullptr;
  std::vector<Rule> custom_;
};

// The Luhn (mod 10) checksum over the decimal digits of `digits` (other chars ignored).
bool luhn_valid(std::string_view digits) noexcept;

}  // namespace lt
