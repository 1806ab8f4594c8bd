#include "process/redact.h"

#include <gtest/gtest.h>

#include <random>

namespace lt {
namespace {

std::unique_ptr<Redact> make(RedactOptions o = {}) {
  auto r = Redact::create(std::move(o));
  if (auto* e = std::get_if<Error>(&r)) {
    ADD_FAILURE() << e->message;
    return nullptr;
  }
  return std::move(std::get<0>(r));
}

std::string redacted(const Redact& r, std::string s) {
  r.redact(s);
  return s;
}

TEST(Luhn, KnownNumbers) {
  EXPECT_TRUE(luhn_valid("4111111111111111"));
  EXPECT_TRUE(luhn_valid("4111 1111 1111 1111"));
  EXPECT_TRUE(luhn_valid("5555555555554444"));
  EXPECT_TRUE(luhn_valid("378282246310005"));  // Amex, 15 digits
  EXPECT_FALSE(luhn_valid("4111111111111112"));
  EXPECT_FALSE(luhn_valid("1234567812345678"));
  EXPECT_FALSE(luhn_valid(""));
}

TEST(Redact, Emails) {
  auto r = make();
  EXPECT_EQ(redacted(*r, "mail to alice.smith+tag@example.co.uk failed"), "mail to [REDACTED] failed");
  EXPECT_EQ(redacted(*r, "a@b.io and c_d@e-f.org"), "[REDACTED] and [REDACTED]");
  // Not emails: no dot-TLD, an @-mention, a Python decorator.
  EXPECT_EQ(redacted(*r, "ping @bob at host@localhost @decorator"), "ping @bob at host@localhost @decorator");
}

// The email scan is hand-written; the regex it stands for is the reference.
TEST(Redact, EmailScanMatchesTheRegexItReplaces) {
  RedactOptions o;
  o.card_numbers = o.bearer_tokens = o.url_passwords = false;
  auto r = make(o);
  const RE2 email(R"([A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})");
  ASSERT_TRUE(email.ok());
  std::mt19937 rng(7);
  const std::string alphabet = "ab1Z._%+-@@.. x_";
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const std::size_t len = rng() % 24;
    for (std::size_t k = 0; k < len; ++k) text += alphabet[rng() % alphabet.size()];
    std::string expected = text;
    RE2::GlobalReplace(&expected, email, "[REDACTED]");
    ASSERT_EQ(redacted(*r, text), expected) << "input: " << text;
  }
}

TEST(Redact, CardNumbersPassingLuhn) {
  auto r = make();
  EXPECT_EQ(redacted(*r, "paid with 4111111111111111 ok"), "paid with [REDACTED] ok");
  EXPECT_EQ(redacted(*r, "card 4111 1111 1111 1111."), "card [REDACTED].");
  EXPECT_EQ(redacted(*r, "card 5555-5555-5555-4444,"), "card [REDACTED],");
  EXPECT_EQ(redacted(*r, "amex 3782 822463 10005"), "amex [REDACTED]");
  EXPECT_EQ(redacted(*r, "4111111111111111"), "[REDACTED]");
  // A card among other numbers in the same run.
  EXPECT_EQ(redacted(*r, "order 12 4111 1111 1111 1111"), "order 12 [REDACTED]");
}

TEST(Redact, NumbersThatAreNotCardsStay) {
  auto r = make();
  const char* keep[] = {
      "id 4111111111111112 fails Luhn",          // 16 digits, bad checksum
      "id 1234567812345678",                     // 16 digits, bad checksum
      "short 411111111111",                      // 12 digits
      "long 41111111111111111111111",            // 23 digits
      "token abc4111111111111111 glued to text",  // part of an identifier
      "ts 2026-11-27 23:15:31.123 took 12ms",    // dates and times
      "ip 192.168.100.200 port 8080",
      "double  4111  1111  1111  1111 spaces",    // two spaces: not one number
  };
  for (const char* s : keep) EXPECT_EQ(redacted(*r, s), s);
}

TEST(Redact, BearerAndAuthorization) {
  auto r = make();
  EXPECT_EQ(redacted(*r, "GET / Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc-_ def"),
            "GET / Authorization: [REDACTED] def");
  EXPECT_EQ(redacted(*r, "authorization=Basic dXNlcjpwYXNz;"), "authorization=[REDACTED];");
  EXPECT_EQ(redacted(*r, R"({"authorization":"sk_live_123"})"), R"({"authorization":"[REDACTED]"})");
  EXPECT_EQ(redacted(*r, "sent bearer abcdefgh12345678== upstream"), "sent bearer [REDACTED] upstream");
  // Prose stays.
  EXPECT_EQ(redacted(*r, "the bearer of bad news"), "the bearer of bad news");
  EXPECT_EQ(redacted(*r, "authorization failed for bob"), "authorization failed for bob");
}

TEST(Redact, UrlPasswords) {
  auto r = make();
  EXPECT_EQ(redacted(*r, "connect postgres://app:s3cr3t!@db.internal:5432/main"),
            "connect postgres://app:[REDACTED]@db.internal:5432/main");
  EXPECT_EQ(redacted(*r, "https://u:p@h"), "https://u:[REDACTED]@h");
  // No password, or a port only: unchanged.
  EXPECT_EQ(redacted(*r, "https://example.com:8443/path"), "https://example.com:8443/path");
  EXPECT_EQ(redacted(*r, "ssh://git@gitserver/x"), "ssh://git@gitserver/x");
}

TEST(Redact, CustomPatternsWithCaptureGroups) {
  RedactOptions o;
  o.patterns = {{"ssn", R"(\b\d{3}-\d{2}-\d{4}\b)", "***-**-****"},
                {"api_key", R"((api_key=)[A-Za-z0-9]+)", "\\1<hidden>"}};
  auto r = make(o);
  EXPECT_EQ(redacted(*r, "ssn 123-45-6789 api_key=abcDEF123 x"), "ssn ***-**-**** api_key=<hidden> x");
}

TEST(Redact, BadCustomPatternIsAnErrorNotACrash) {
  RedactOptions o;
  o.patterns = {{"broken", "(unclosed", "x"}};
  auto r = Redact::create(o);
  ASSERT_TRUE(std::holds_alternative<Error>(r));
  EXPECT_NE(std::get<Error>(r).message.find("broken"), std::string::npos);
  o.patterns = {{"badref", "(a)", "\\2"}};
  EXPECT_TRUE(std::holds_alternative<Error>(Redact::create(o)));
}

TEST(Redact, BuiltinsCanBeSwitchedOff) {
  RedactOptions o;
  o.emails = false;
  o.card_numbers = false;
  auto r = make(o);
  EXPECT_EQ(redacted(*r, "a@b.io 4111111111111111"), "a@b.io 4111111111111111");
}

TEST(Redact, ProcessCoversMessageAndConfiguredAttributesOnly) {
  RedactOptions o;
  o.attributes = {"user.email"};
  auto r = make(o);
  LogEvent e;
  e.message = "login bob@example.com";
  e.set_attribute("user.email", "bob@example.com");
  e.set_attribute("note", "carol@example.com");
  e.set_attribute("raw", R"({"card":4111111111111111})", AttrType::Raw);
  EXPECT_TRUE(r->process(e).kept());
  EXPECT_EQ(e.message, "login [REDACTED]");
  EXPECT_EQ(e.attribute("user.email")->value, "[REDACTED]");
  EXPECT_EQ(e.attribute("note")->value, "carol@example.com");

  RedactOptions all;
  all.attributes = {"*"};
  auto r2 = make(all);
  r2->process(e);
  EXPECT_EQ(e.attribute("note")->value, "[REDACTED]");
  EXPECT_EQ(e.attribute("raw")->value, R"({"card":4111111111111111})") << "raw JSON is never rewritten";
}

TEST(Redact, CountsPerKind) {
  MetricsRegistry m;
  auto r = std::get<0>(Redact::create({}, m));
  std::string s = "a@b.io c@d.io 4111111111111111";
  EXPECT_EQ(r->redact(s), 3u);
  EXPECT_EQ(m.counter("logtracer_redact_total", "", {{"kind", "email"}}).value(), 2u);
  EXPECT_EQ(m.counter("logtracer_redact_total", "", {{"kind", "card"}}).value(), 1u);
}

TEST(Redact, GarbageHugeAndInvalidUtf8InputsDoNotCrash) {
  auto r = make();
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 2000; ++i) {
    std::string s(static_cast<size_t>(rng() % 300), '\0');
    for (auto& c : s) c = static_cast<char>(byte(rng));
    r->redact(s);
  }
  std::string digits(1 << 20, '4');  // one huge digit run
  EXPECT_EQ(r->redact(digits), 0u);
  std::string groups;
  for (int i = 0; i < 10000; ++i) groups += "1 ";
  EXPECT_EQ(r->redact(groups), 0u);
  std::string bad = "\xff\xfe user@example.com \xc3";
  r->redact(bad);
  EXPECT_EQ(bad, "\xff\xfe [REDACTED] \xc3");
}

}  // namespace
}  // namespace lt
