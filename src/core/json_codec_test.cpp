#include "core/json_codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/utf8.h"

namespace lt {
namespace {

LogEvent sample_event() {
  LogEvent e;
  e.id = "01JDZQ4X8V3W2Y1Z0A9B8C7D6E";
  e.timestamp = 1'764'284'931'123'456'789;
  e.level = Level::Error;
  e.service = "checkout";
  e.environment = "production";
  e.host = "web-1";
  e.source = "file:/var/log/app.log";
  e.message = "payment \"declined\"\n\tcode=51 \\ done";
  e.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  e.span_id = "00f067aa0ba902b7";
  e.attributes = {{"user_id", "u-42", AttrType::String},
                  {"status", "502", AttrType::Number},
                  {"cached", "false", AttrType::Bool},
                  {"ctx", "{\"a\":[1,2]}", AttrType::Raw},
                  {"none", "", AttrType::Null}};
  return e;
}

TEST(JsonCodec, RoundTripsEveryField) {
  const LogEvent in = sample_event();
  EventDecoder dec;
  LogEvent out;
  auto err = dec.decode(to_json(in), out);
  ASSERT_FALSE(err) << err->message();
  EXPECT_EQ(in, out);
}

TEST(JsonCodec, CanonicalFormIsStable) {
  LogEvent e;
  e.id = "X";
  e.timestamp = 0;
  e.message = "hi";
  EXPECT_EQ(to_json(e),
            R"({"id":"X","timestamp":"1970-01-01T00:00:00.000Z","level":"INFO","service":"","environment":"","host":"","source":"","message":"hi"})");
  // The timestamp keeps the fractional digits it needs (3, 6 or 9), on both paths.
  e.timestamp = 1'764'284'931'123'400'000;
  EXPECT_NE(to_json(e).find(R"("timestamp":"2025-11-27T23:08:51.123400Z")"), std::string::npos) << to_json(e);
  e.message = "needs \"escaping\"";
  e.timestamp = 1'764'284'931'123'456'789;
  EXPECT_NE(to_json(e).find(R"("timestamp":"2025-11-27T23:08:51.123456789Z")"), std::string::npos) << to_json(e);
}

// Events whose strings need no escaping take a fast path; one escape anywhere
// takes the escaping one. Both must write the same JSON: an event encoded with a
// plain message equals, but for that message, the same event whose message
// ends in a newline.
TEST(JsonCodec, PlainAndEscapingPathsWriteTheSameJson) {
  std::vector<LogEvent> variants;
  LogEvent full = sample_event();
  full.message = "payment declined code=51";
  full.attributes.push_back({"empty_number", "", AttrType::Number});
  full.attributes.push_back({"empty_string", "", AttrType::String});
  variants.push_back(full);
  LogEvent bare = full;
  bare.trace_id.clear();
  bare.span_id.clear();
  bare.attributes.clear();
  variants.push_back(bare);
  LogEvent only_span = bare;
  only_span.span_id = "00f067aa0ba902b7";
  only_span.attributes = {{"n", "1", AttrType::Number}};
  variants.push_back(only_span);
  LogEvent empty;
  variants.push_back(empty);
  for (const LogEvent& plain : variants) {
    LogEvent escaped = plain;
    escaped.message += "\n";
    std::string expected = to_json(plain);
    const std::string needle = "\"message\":\"" + plain.message + "\"";
    const auto at = expected.find(needle);
    ASSERT_NE(at, std::string::npos) << expected;
    expected.insert(at + needle.size() - 1, "\\n");
    EXPECT_EQ(to_json(escaped), expected);
    // Appending keeps what the buffer held.
    std::string out = "prefix";
    encode_json(plain, out);
    EXPECT_EQ(out, "prefix" + to_json(plain));
    EventDecoder dec;
    LogEvent back;
    ASSERT_FALSE(dec.decode(to_json(plain), back));
    EXPECT_EQ(back.message, plain.message);
    EXPECT_EQ(back.attributes.size(), plain.attributes.size());
    // The size hint is exact for plain events and short of escaped ones.
    EXPECT_EQ(encoded_size_hint(plain), to_json(plain).size());
    EXPECT_LT(encoded_size_hint(escaped), to_json(escaped).size());
  }
}

TEST(JsonCodec, AcceptsCommonAliases) {
  EventDecoder dec;
  LogEvent e;
  auto err = dec.decode(
      R"({"service_name":"payments","environment":"staging","severity_level":"warning","msg":"slow","@timestamp":"2026-11-27T10:00:00.5+01:00","hostname":"db-2","traceId":"t1"})",
      e);
  ASSERT_FALSE(err) << err->message();
  EXPECT_EQ(e.service, "payments");
  EXPECT_EQ(e.environment, "staging");
  EXPECT_EQ(e.level, Level::Warn);
  EXPECT_EQ(e.message, "slow");
  EXPECT_EQ(e.host, "db-2");
  EXPECT_EQ(e.trace_id, "t1");
  EXPECT_EQ(format_rfc3339(e.timestamp), "2026-11-27T09:00:00.500000000Z");
}

TEST(JsonCodec, EpochTimestampsByMagnitude) {
  EventDecoder dec;
  LogEvent e;
  for (const char* doc : {R"({"msg":"a","ts":1764284931})", R"({"msg":"a","ts":1764284931000})",
                          R"({"msg":"a","ts":1764284931000000})", R"({"msg":"a","time":"1764284931"})"}) {
    ASSERT_FALSE(dec.decode(doc, e)) << doc;
    EXPECT_EQ(e.timestamp, 1'764'284'931'000'000'000) << doc;
  }
}

TEST(JsonCodec, LevelAliasesAndNumbers) {
  EventDecoder dec;
  LogEvent e;
  const std::pair<const char*, Level> cases[] = {
      {R"({"msg":"a","lvl":"err"})", Level::Error},      {R"({"msg":"a","level":"CRITICAL"})", Level::Fatal},
      {R"({"msg":"a","severity":"notice"})", Level::Info}, {R"({"msg":"a","level":50})", Level::Error},
      {R"({"msg":"a","level":"trace"})", Level::Trace},  {R"({"msg":"a","level":"Debug"})", Level::Debug},
  };
  for (const auto& [doc, want] : cases) {
    ASSERT_FALSE(dec.decode(doc, e)) << doc;
    EXPECT_EQ(e.level, want) << doc;
  }
}

TEST(JsonCodec, UnknownLevelIsKeptNotLost) {
  EventDecoder dec;
  LogEvent e;
  ASSERT_FALSE(dec.decode(R"({"msg":"a","level":"loud"})", e));
  EXPECT_EQ(e.level, Level::Info);
  ASSERT_NE(e.attribute("original_level"), nullptr);
  EXPECT_EQ(e.attribute("original_level")->value, "loud");
}

TEST(JsonCodec, CanonicalNameWinsAndAliasIsKept) {
  EventDecoder dec;
  LogEvent e;
  ASSERT_FALSE(dec.decode(R"({"msg":"alias","message":"canonical"})", e));
  EXPECT_EQ(e.message, "canonical");
  ASSERT_NE(e.attribute("msg"), nullptr);
  EXPECT_EQ(e.attribute("msg")->value, "alias");
}

TEST(JsonCodec, UnknownFieldsBecomeTypedAttributes) {
  EventDecoder dec;
  LogEvent e;
  ASSERT_FALSE(dec.decode(R"({"message":"m","status":503,"ok":true,"tags":["a","b"],"n":null,"latency_ms":12.5})", e));
  ASSERT_EQ(e.attributes.size(), 5u);
  EXPECT_EQ(*e.attribute("status"), (Attribute{"status", "503", AttrType::Number}));
  EXPECT_EQ(*e.attribute("ok"), (Attribute{"ok", "true", AttrType::Bool}));
  EXPECT_EQ(*e.attribute("tags"), (Attribute{"tags", R"(["a","b"])", AttrType::Raw}));
  EXPECT_EQ(e.attribute("n")->type, AttrType::Null);
  EXPECT_EQ(e.attribute("latency_ms")->value, "12.5");
}

struct BadInput {
  std::string input;
  DecodeErrc code;
};

class JsonCodecBadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(JsonCodecBadInput, IsATypedErrorNeverACrash) {
  EventDecoder dec(DecodeOptions{.max_bytes = 4096, .max_depth = 16});
  LogEvent e;
  auto err = dec.decode(GetParam().input, e);
  ASSERT_TRUE(err.has_value()) << GetParam().input;
  EXPECT_EQ(err->code, GetParam().code) << err->message();
  EXPECT_FALSE(err->message().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Garbage, JsonCodecBadInput,
    ::testing::Values(BadInput{"", DecodeErrc::NotJson}, BadInput{"   \n", DecodeErrc::NotJson},
                      BadInput{"hello world", DecodeErrc::NotJson}, BadInput{"{\"message\":", DecodeErrc::NotJson},
                      BadInput{"{\"message\":\"a\"} trailing", DecodeErrc::NotJson},
                      BadInput{"[1,2,3]", DecodeErrc::NotObject}, BadInput{"42", DecodeErrc::NotObject},
                      BadInput{"\"str\"", DecodeErrc::NotObject},
                      BadInput{"{\"message\":\"\xff\xfe\"}", DecodeErrc::InvalidUtf8},
                      BadInput{"{\"message\":\"a\",\"x\":" + std::string(40, '[') + std::string(40, ']') + "}",
                               DecodeErrc::TooDeep},
                      BadInput{"{\"message\":\"" + std::string(5000, 'a') + "\"}", DecodeErrc::TooLarge},
                      BadInput{R"({"message":42})", DecodeErrc::WrongType},
                      BadInput{R"({"message":"m","service":{"a":1}})", DecodeErrc::WrongType},
                      BadInput{R"({"message":"m","level":true})", DecodeErrc::WrongType},
                      BadInput{R"({"message":"m","timestamp":[1]})", DecodeErrc::WrongType},
                      BadInput{R"({"message":"m","attributes":"x"})", DecodeErrc::WrongType},
                      BadInput{R"({"service":"s"})", DecodeErrc::MissingMessage}));

TEST(JsonCodec, DecoderIsReusableAfterErrors) {
  EventDecoder dec;
  LogEvent e;
  EXPECT_TRUE(dec.decode("{bad", e));
  ASSERT_FALSE(dec.decode(R"({"message":"fine","service":"s"})", e));
  EXPECT_EQ(e.message, "fine");
  EXPECT_EQ(e.service, "s");
}

TEST(JsonCodec, EncoderRepairsInvalidUtf8AndEscapesControls) {
  LogEvent e;
  e.id = "i";
  static constexpr char kText[] = "bad \xC3\x28 byte \x01 end \xF0\x9F\x98\x80";
  e.message = std::string(kText, sizeof kText - 1);
  const std::string json = to_json(e);
  EXPECT_TRUE(is_valid_utf8(json));
  EXPECT_NE(json.find("\\u0001"), std::string::npos);
  EXPECT_NE(json.find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD for the bad byte
  EXPECT_NE(json.find("\xF0\x9F\x98\x80"), std::string::npos);  // valid emoji kept
  EventDecoder dec;
  LogEvent back;
  ASSERT_FALSE(dec.decode(json, back));
}

// Reference escaping, byte by byte, for strings that are valid UTF-8.
std::string reference_json_string(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c == '\b') out += "\\b";
    else if (c == '\f') out += "\\f";
    else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

TEST(JsonCodec, StringEscapingMatchesReferenceAtEveryPosition) {
  // Special bytes at every offset around the 16-byte blocks of the fast scan.
  const std::string specials[] = {"\"", "\\", "\n", std::string(1, '\x01'), "\xC3\xA9", "\xF0\x9F\x98\x80"};
  for (std::size_t len = 0; len < 40; ++len) {
    for (std::size_t pos = 0; pos <= len; ++pos) {
      for (const auto& sp : specials) {
        std::string text(len, 'a');
        text.insert(pos, sp);
        std::string out;
        append_json_string(text, out);
        ASSERT_EQ(out, reference_json_string(text)) << "len " << len << " pos " << pos;
      }
    }
  }
  // Invalid UTF-8 past the first block is still repaired.
  std::string bad(20, 'x');
  bad += "\xFF";
  std::string out;
  append_json_string(bad, out);
  EXPECT_EQ(out, "\"" + std::string(20, 'x') + "\xEF\xBF\xBD\"");
}

TEST(JsonCodec, HugeValidEventWithinLimit) {
  EventDecoder dec(DecodeOptions{.max_bytes = 8 << 20});
  LogEvent in;
  in.id = "big";
  in.message.assign(4 << 20, 'x');
  LogEvent out;
  ASSERT_FALSE(dec.decode(to_json(in), out));
  EXPECT_EQ(out.message.size(), in.message.size());
}

TEST(JsonCodec, FillDefaultsAssignsIdAndTime) {
  LogEvent e;
  fill_defaults(e);
  EXPECT_EQ(e.id.size(), 26u);
  EXPECT_GT(e.timestamp, 0);
  const std::string id = e.id;
  fill_defaults(e);
  EXPECT_EQ(e.id, id);
}

TEST(JsonCodec, EncodeWithinCutsTheMessageOnACharacterBoundaryAndFlagsIt) {
  LogEvent e = sample_event();
  // 3-byte characters and quotes that escape to 2 bytes: the cut must not split either.
  e.message.clear();
  for (int i = 0; i < 20'000; ++i) e.message += i % 2 ? "\xE2\x82\xAC" : "\"";
  const std::size_t limit = 10'000;
  std::string out = "prefix";
  ASSERT_EQ(encode_json_within(e, out, limit), FitResult::Truncated);
  const std::string_view json = std::string_view(out).substr(6);
  EXPECT_LE(json.size(), limit);
  EXPECT_GT(json.size(), limit / 2) << "cut no more than needed";
  EXPECT_TRUE(is_valid_utf8(json));
  LogEvent back;
  EventDecoder decoder;
  ASSERT_FALSE(decoder.decode(json, back).has_value());
  ASSERT_NE(back.attribute("truncated"), nullptr);
  EXPECT_EQ(back.attribute("truncated")->value, "true");
  EXPECT_EQ(back.message, e.message);
  EXPECT_TRUE(is_valid_utf8(back.message));
  EXPECT_EQ(back.attribute("user_id")->value, "u-42") << "only the message is cut";
}

TEST(JsonCodec, EncodeWithinLeavesAFittingEventAloneAndGivesUpOnHugeOtherFields) {
  LogEvent small = sample_event();
  std::string out;
  EXPECT_EQ(encode_json_within(small, out, 10'000), FitResult::Fits);
  EXPECT_EQ(out, to_json(sample_event()));

  LogEvent big = sample_event();
  big.set_attribute("blob", std::string(50'000, 'x'));
  const LogEvent before = big;
  out.clear();
  EXPECT_EQ(encode_json_within(big, out, 10'000), FitResult::TooLarge);
  EXPECT_EQ(big, before) << "unchanged, unflagged";
  EXPECT_EQ(out, to_json(before));
}

}  // namespace
}  // namespace lt
