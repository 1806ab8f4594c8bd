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
  EXPECT_EQ(e.attribute("raw")->value, R"({"card":"[REDACTED]"})") << "nested JSON is redacted value by value";
}

TEST(Redact, UrlPasswordsWithAnEmptyUserOrAnAtSignInside) {
  auto r = make();
  EXPECT_EQ(redacted(*r, "cache redis://:hunter2@cache:6379/0 up"), "cache redis://:[REDACTED]@cache:6379/0 up");
  // An unencoded '@' in the password must not leave its tail ("ss") visible.
  EXPECT_EQ(redacted(*r, "db postgres://app:p@ss@db.internal/main"), "db postgres://app:[REDACTED]@db.internal/main");
}

TEST(Redact, NestedJsonStaysValidAndKeysStay) {
  RedactOptions o;
  o.attributes = {"*"};
  auto r = make(o);
  LogEvent e;
  e.set_attribute("req",
                  R"({"user": {"email" : "bob@example.com", "id": 42}, "headers": ["Authorization: Bearer abcdefgh12345678"],)"
                  R"( "pan": 4111111111111111, "amount": 4111111111111112, "ts": 1732752000123, "bob@example.com": true})",
                  AttrType::Raw);
  // Escapes are decoded before matching (\u0040 is '@') and the result is re-encoded.
  e.set_attribute("esc", R"({"note":"mail \"carol\u0040example.com\"\n"})", AttrType::Raw);
  e.set_attribute("card", "5555555555554444", AttrType::Number);
  e.set_attribute("count", "1234567812345678", AttrType::Number);  // fails Luhn: a number, kept
  r->process(e);
  EXPECT_EQ(e.attribute("req")->value,
            R"({"user": {"email" : "[REDACTED]", "id": 42}, "headers": ["Authorization: [REDACTED]"],)"
            R"( "pan": "[REDACTED]", "amount": 4111111111111112, "ts": 1732752000123, "bob@example.com": true})");
  EXPECT_EQ(e.attribute("esc")->value, R"({"note":"mail \"[REDACTED]\"\n"})");
  EXPECT_EQ(e.attribute("card")->value, "[REDACTED]");
  EXPECT_EQ(e.attribute("card")->type, AttrType::String);
  EXPECT_EQ(e.attribute("count")->value, "1234567812345678");
  EXPECT_EQ(e.attribute("count")->type, AttrType::Number);
}

TEST(Redact, ScrubCoversDeadLetterPayloadsAsTextOrJson) {
  auto r = make();
  std::string raw = "not json at all: Authorization: Bearer abcdefgh12345678 from dave@example.com";
  r->scrub(raw, false);
  EXPECT_EQ(raw, "not json at all: Authorization: [REDACTED] from [REDACTED]");
  // A replacement holding a quote cannot break the JSON of an encoded event.
  RedactOptions quoted;
  quoted.replacement = R"(<"gone">)";
  auto q = make(quoted);
  std::string json = R"({"message":"login eve@example.com","n":1})";
  q->scrub(json, true);
  EXPECT_EQ(json, R"({"message":"login <\"gone\">","n":1})");
}

TEST(Redact, MalformedNestedJsonIsLeftAloneNotCorrupted) {
  auto r = make();
  for (std::string s : {std::string(R"({"a":"x@example.com)"), std::string(R"({"a":"bad \q x@example.com"})"),
                        std::string(R"({"a":"\u12"})"), std::string("\"\\"), std::string("-4111111111111111")}) {
    const std::string before = s;
    r->redact_json(s);
    EXPECT_EQ(s, before);
  }
}

TEST(Redact, HugeInputsAreRedactedCompletely) {
  auto r = make();
  std::string big;
  for (int i = 0; i < 50000; ++i) big += "user" + std::to_string(i) + "@example.com paid 4111 1111 1111 1111; ";
  EXPECT_EQ(r->redact(big), 100000u);
  EXPECT_EQ(big.find("@example.com"), std::string::npos);
  EXPECT_EQ(big.find("4111"), std::string::npos);
  std::string json = "[";
  for (int i = 0; i < 50000; ++i) json += std::string(i ? "," : "") + "\"u" + std::to_string(i) + "@example.com\"";
  json += "]";
  EXPECT_EQ(r->redact_json(json), 50000u);
  EXPECT_EQ(json.find("@example.com"), std::string::npos);
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
  std::string bad_card = "\xff 4111111111111111 \xfe Bearer abcdefgh12345678\xc3";
  r->redact(bad_card);
  EXPECT_EQ(bad_card, "\xff [REDACTED] \xfe Bearer [REDACTED]\xc3");
  // Invalid UTF-8 inside nested JSON: the value is still redacted (and re-encoded with U+FFFD).
  std::string bad_json = "{\"k\":\"\xff a@example.com\"}";
  r->redact_json(bad_json);
  EXPECT_EQ(bad_json, "{\"k\":\"\xef\xbf\xbd [REDACTED]\"}");
}

}  // namespace
}  // namespace lt
