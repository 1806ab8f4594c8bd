#include "query/query.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

namespace lt::query {
namespace {

// Five events, named A..E so a row's expectation reads as the set of letters that match.
std::vector<LogEvent> sample_events() {
  std::vector<LogEvent> events(5);
  LogEvent& a = events[0];
  a.id = "01JDA";
  a.level = Level::Error;
  a.service = "checkout";
  a.environment = "production";
  a.host = "web-1";
  a.source = "file:/var/log/checkout.log";
  a.message = "POST /api/checkout failed: upstream Timeout after 3000 ms";
  a.timestamp = 1'764'284'400'000'000'000;  // 2025-11-27T23:00:00Z
  a.set_attribute("status", "504", AttrType::Number);
  a.set_attribute("latency_ms", "3000.5", AttrType::Number);
  a.set_attribute("user_id", "u-42");

  LogEvent& b = events[1];
  b.id = "01JDB";
  b.level = Level::Info;
  b.service = "checkout";
  b.environment = "production";
  b.host = "web-2";
  b.message = "GET /api/cart 200 in 12 ms";
  b.timestamp = 1'764'284'460'000'000'000;  // 2025-11-27T23:01:00Z
  b.set_attribute("status", "200", AttrType::Number);
  b.set_attribute("latency_ms", "12", AttrType::Number);
  b.set_attribute("user_id", "u-7");

  LogEvent& c = events[2];
  c.id = "01JDC";
  c.level = Level::Warn;
  c.service = "payments";
  c.environment = "staging";
  c.host = "db-1";
  c.message = "retrying payment: connection refused by 10.0.0.5 (timeout)";
  c.trace_id = "abc123";
  c.timestamp = 1'764'284'520'000'000'000;  // 2025-11-27T23:02:00Z
  c.set_attribute("status", "503", AttrType::Number);
  c.set_attribute("latency_ms", "250", AttrType::Number);
  c.set_attribute("user_id", "u-42");

  LogEvent& d = events[3];
  d.id = "01JDD";
  d.level = Level::Debug;
  d.service = "auth";
  d.environment = "production";
  d.host = "web-1";
  d.message = "user u-9 logged in";
  d.timestamp = 1'764'284'580'000'000'000;
  d.set_attribute("latency_ms", "n/a");
  d.set_attribute("empty", "");

  LogEvent& e = events[4];
  e.id = "01JDE";
  e.level = Level::Fatal;
  e.service = "my svc";
  e.host = "";
  e.message = "Out of memory: killed process 1234 \"worker\" C:\\tmp";
  e.timestamp = 1'764'284'640'000'000'000;
  e.set_attribute("status", "500");
  return events;
}

std::string matching(const Query& q, const std::vector<LogEvent>& events) {
  std::string out;
  for (std::size_t i = 0; i < events.size(); ++i)
    if (q.matches(events[i])) out += static_cast<char>('A' + i);
  return out;
}

Query must_compile(std::string_view text) {
  auto r = Query::compile(text);
  if (auto* e = std::get_if<QueryError>(&r)) {
    ADD_FAILURE() << "query '" << text << "' failed: " << e->message;
    return Query();
  }
  return std::get<Query>(std::move(r));
}

struct MatchCase {
  const char* query;
  const char* matches;  // letters of the sample events that match
};

class MatchTable : public ::testing::TestWithParam<MatchCase> {};

TEST_P(MatchTable, MatchesExactlyTheExpectedEvents) {
  const auto events = sample_events();
  const auto q = must_compile(GetParam().query);
  EXPECT_EQ(matching(q, events), GetParam().matches) << "query: " << GetParam().query << "\nplan: " << q.explain();
}

const MatchCase kMatchCases[] = {
    // empty and blank
    {"", "ABCDE"},
    {"   \t ", "ABCDE"},
    {"*", "ABCDE"},
    // bare words and phrases, smart case
    {"timeout", "AC"},
    {"TIMEOUT", ""},
    {"Timeout", "A"},
    {"api", "AB"},
    {"\"connection refused\"", "C"},
    {"\"Connection refused\"", ""},
    {"\"refused connection\"", ""},
    {"\"\"", "ABCDE"},
    {"\"\\\"worker\\\"\"", "E"},
    {"\"C:\\\\tmp\"", "E"},
    {"ms", "AB"},
    {"time*out", "AC"},
    {"p*n", "BC"},
    {"é", ""},
    // fields: equality, aliases, smart case, wildcards
    {"service:checkout", "AB"},
    {"service:CHECKOUT", ""},
    {"service:Checkout", ""},
    {"service:check", ""},
    {"service:check*", "AB"},
    {"service:*out", "AB"},
    {"service:c*t", "AB"},
    {"service_name:auth", "D"},
    {"service=checkout", "AB"},
    {"service!=checkout", "CDE"},
    {"env:production", "ABD"},
    {"environment:staging", "C"},
    {"host:web-*", "ABD"},
    {"hostname:db-1", "C"},
    {"host:*", "ABCD"},
    {"source:file*", "A"},
    {"id:01jdc", "C"},
    {"trace_id:abc123", "C"},
    {"trace_id:*", "C"},
    {"user_id:u-42", "AC"},
    {"user_id:U-42", ""},
    {"user_id:u-4", ""},
    {"missing:x", ""},
    {"service:\"my svc\"", "E"},
    {"service:\"my*\"", ""},
    {"service:my*", "E"},
    {"timestamp:2025-11-27T23:01*", "B"},
    // message field is substring search, like a bare word
    {"message:timeout", "AC"},
    {"msg:\"logged in\"", "D"},
    {"message:*", "ABCDE"},
    // levels
    {"level:error", "A"},
    {"level:ERROR", "A"},
    {"level:Error", "A"},
    {"level=warn", "C"},
    {"level!=info", "ACDE"},
    {"level>=WARN", "ACE"},
    {"level>warn", "AE"},
    {"level<=info", "BD"},
    {"level<INFO", "D"},
    {"level<trace", ""},
    {"level>=trace", "ABCDE"},
    {"level:*", "ABCDE"},
    {"level:*r*", "AC"},  // TRACE WARN ERROR; no TRACE event
    {"level:/^(WARN|ERROR)$/", "AC"},
    {"level:\"fatal\"", "E"},
    // numbers
    {"status>=500", "ACE"},
    {"status>500", "AC"},
    {"status<500", "B"},
    {"status<=200", "B"},
    {"status:200", "B"},
    {"latency_ms>250", "A"},
    {"latency_ms>=250", "AC"},
    {"latency_ms<1e2", "B"},
    {"latency_ms>-1", "ABC"},
    {"latency_ms>=3000.5", "A"},
    {"latency_ms:n*", "D"},
    {"missing>0", ""},
    {"user_id>0", ""},
    {"timestamp>=2025-11-27T23:02:00Z", "CDE"},
    {"timestamp<2025-11-27T23:01:00Z", "A"},
    // regexes
    {"/time.?out/", "C"},
    {"/time.?out/i", "AC"},
    {"/^[A-Z]+ \\/api/", "AB"},
    {"/\\d{4}/", "AE"},
    {"service:/^pay/", "C"},
    {"service:/OUT/i", "AB"},
    {"host:/web-[12]/", "ABD"},
    {"message:/logged/", "D"},
    {"user_id:/^u-4/", "AC"},
    {"missing:/x/", ""},
    // exists
    {"exists:trace_id", "C"},
    {"exists:status", "ABCE"},
    {"exists:empty", "D"},
    {"exists:host", "ABCD"},
    {"exists:level", "ABCDE"},
    {"exists:\"user_id\"", "ABC"},
    {"-exists:status", "D"},
    // boolean structure and precedence: NOT > AND > OR
    {"timeout service:checkout", "A"},
    {"timeout and service:checkout", "A"},
    {"timeout AND service:checkout", "A"},
    {"timeout And service:checkout", "A"},
    {"timeout or service:auth", "ACD"},
    {"timeout OR service:auth", "ACD"},
    {"not timeout", "BDE"},
    {"NOT timeout", "BDE"},
    {"-timeout", "BDE"},
    {"-service:checkout", "CDE"},
    {"-(service:checkout or service:auth)", "CE"},
    {"not not timeout", "AC"},
    {"--timeout", "AC"},
    {"service:checkout or service:auth level:debug", "ABD"},
    {"(service:checkout or service:auth) level:debug", "D"},
    {"service:auth level:debug or service:checkout", "ABD"},
    {"not service:checkout or level:info", "BCDE"},
    {"not (service:checkout or level:info)", "CDE"},
    {"a or b or c", "ABCE"},
    {"level:error or level:warn or level:fatal", "ACE"},
    {"level>=warn level<=error", "AC"},
    {"level>=warn -level:warn", "AE"},
    {"((timeout))", "AC"},
    {"(timeout)(refused)", "C"},
    {"timeout -(level:warn)", "A"},
    {"status>=500 -service:checkout", "CE"},
    {"service:checkout level>=WARN timeout", "A"},
    // keywords are case-insensitive; quote them to search for the words
    {"\"and\"", ""},
    {"\"in\"", "BCD"},
    // invalid UTF-8 in a term is matched byte for byte, never a crash
    {"\xff\xfe", ""},
    {"service:\xc3", ""},
};

INSTANTIATE_TEST_SUITE_P(Query, MatchTable, ::testing::ValuesIn(kMatchCases));

struct ErrorCase {
  const char* query;
  std::size_t column;
  const char* message;  // the whole message
};

class ErrorTable : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ErrorTable, ReportsColumnAndExpectation) {
  auto r = Query::compile(GetParam().query);
  auto* e = std::get_if<QueryError>(&r);
  ASSERT_NE(e, nullptr) << "query compiled: " << GetParam().query;
  EXPECT_EQ(e->column, GetParam().column) << GetParam().query;
  EXPECT_EQ(e->message, GetParam().message) << GetParam().query;
}

const ErrorCase kErrorCases[] = {
    {"level>=WRN", 8, "unknown level 'WRN' at column 8; expected one of TRACE DEBUG INFO WARN ERROR FATAL"},
    {"level:warning", 7, "unknown level 'warning' at column 7; expected one of TRACE DEBUG INFO WARN ERROR FATAL"},
    {"level:x*", 7, "no level matches 'x*' at column 7; expected one of TRACE DEBUG INFO WARN ERROR FATAL"},
    {"(timeout", 9, "missing ')' at column 9; expected ')' to close '(' at column 1"},
    {"a (b (c)", 9, "missing ')' at column 9; expected ')' to close '(' at column 3"},
    {"timeout)", 8, "unbalanced ')' at column 8; expected an opening '(' before it"},
    {")", 1, "unbalanced ')' at column 1; expected a term or an opening '(' before it"},
    {"()", 2, "empty parentheses at column 2; expected a term inside"},
    {"a and", 6, "missing term after 'and' at column 6; expected a term"},
    {"a AND or b", 7, "missing term after 'AND' at column 7; expected a term"},
    {"a or", 5, "missing term after 'or' at column 5; expected a term"},
    {"(a or) b", 6, "missing term after 'or' at column 6; expected a term"},
    {"or a", 1, "unexpected 'or' at column 1; expected a term before it"},
    {"and", 1, "unexpected 'and' at column 1; expected a term before it"},
    {"not", 4, "missing term after 'not' at column 4; expected a term to negate"},
    {"a -", 3, "dangling '-' at column 3; expected a term right after it"},
    {"-or a", 2, "missing term after '-' at column 2; expected a term to negate"},
    {"\"abc", 1, "unterminated quote at column 1; expected a closing '\"'"},
    {"service:\"my svc", 9, "unterminated quote at column 9; expected a closing '\"'"},
    {"\"a\"b", 4, "unexpected text after the closing quote at column 4; expected a space or ')' after the closing quote"},
    {"/abc", 1, "unterminated regex at column 1; expected a closing '/'"},
    {"//", 1, "empty regex at column 1; expected a pattern between the slashes"},
    {"/api/users", 6,
     "unexpected text after the regex at column 6; expected a space or ')' after the regex (to search for text with "
     "slashes, quote it: \"/api/users\")"},
    {"/a(/", 1, "bad regex (missing ): a() at column 1; expected an RE2 pattern"},
    {"/(a)\\1/", 1, "bad regex (invalid escape sequence: \\1) at column 1; expected an RE2 pattern"},
    {":x", 1, "empty field name at column 1; expected a field name before ':' (quote the text to search for it literally)"},
    {">=5", 1, "empty field name at column 1; expected a field name before '>' (quote the text to search for it literally)"},
    {"service:", 9, "missing value after 'service:' at column 9; expected a value, a \"quoted value\" or a /regex/"},
    {"(service:)", 10, "missing value after 'service:' at column 10; expected a value, a \"quoted value\" or a /regex/"},
    {"service:(a b)", 9, "unexpected '(' after 'service:' at column 9; expected a single value (write (f:a OR f:b) to accept several)"},
    {"status>=abc", 9, "bad number 'abc' at column 9; expected a number after 'status>='"},
    {"status>5x", 8, "bad number '5x' at column 8; expected a number after 'status>'"},
    {"latency_ms<\"\"", 12, "bad number '' at column 12; expected a number after 'latency_ms<'"},
    {"latency_ms<nan", 12, "bad number 'nan' at column 12; expected a number after 'latency_ms<'"},
    {"status>+5", 8, "bad number '+5' at column 8; expected a number after 'status>'"},
    {"timestamp>yesterday", 11,
     "bad timestamp 'yesterday' at column 11; expected an RFC 3339 time like 2026-11-27T23:08:51Z after 'timestamp>'"},
    {"exists:", 8, "missing value after 'exists:' at column 8; expected a value, a \"quoted value\" or a /regex/"},
    {"exists:9x", 8, "bad field name '9x' after 'exists:' at column 8; expected a field name"},
    {"é level>=WRN", 10, "unknown level 'WRN' at column 10; expected one of TRACE DEBUG INFO WARN ERROR FATAL"},
    {"level:\xff", 7, "unknown level '\xef\xbf\xbd' at column 7; expected one of TRACE DEBUG INFO WARN ERROR FATAL"},
};

INSTANTIATE_TEST_SUITE_P(Query, ErrorTable, ::testing::ValuesIn(kErrorCases));

TEST(QueryLimits, RejectsOverlongQuery) {
  const std::string q(kMaxQueryBytes + 1, 'a');
  auto r = Query::compile(q);
  auto* e = std::get_if<QueryError>(&r);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->column, kMaxQueryBytes + 1);
  EXPECT_EQ(e->message, "query too long (4097 bytes) at column 4097; expected at most 4096 bytes");
  EXPECT_TRUE(std::holds_alternative<Query>(Query::compile(std::string(kMaxQueryBytes, 'a'))));
}

TEST(QueryLimits, RejectsDeepNestingWithoutExhaustingTheStack) {
  for (const std::string unit : {"(", "not ", "-", "-("}) {
    std::string q;
    while (q.size() + unit.size() <= kMaxQueryBytes - 1) q += unit;
    q += "a";
    auto r = Query::compile(q);
    auto* e = std::get_if<QueryError>(&r);
    ASSERT_NE(e, nullptr) << unit;
    EXPECT_NE(e->message.find("nesting deeper than 64"), std::string::npos) << e->message;
  }
  // 63 levels are fine.
  std::string ok = std::string(63, '(') + "timeout" + std::string(63, ')');
  const auto events = sample_events();
  EXPECT_EQ(matching(must_compile(ok), events), "AC");
}

TEST(QueryLimits, RejectsTooManyAndTooLargeRegexes) {
  std::string many;
  for (int i = 0; i < 17; ++i) many += "/a" + std::to_string(i) + "/ ";
  auto r = Query::compile(many);
  ASSERT_TRUE(std::holds_alternative<QueryError>(r));
  EXPECT_NE(std::get<QueryError>(r).message.find("too many regexes"), std::string::npos);

  auto big = Query::compile("/((((a{100}){100}){100}){100})/");
  ASSERT_TRUE(std::holds_alternative<QueryError>(big));
  EXPECT_EQ(std::get<QueryError>(big).column, 1u);
  const auto& msg = std::get<QueryError>(big).message;
  EXPECT_TRUE(msg.find("bad regex") != std::string::npos || msg.find("regex too large") != std::string::npos) << msg;

  auto large = Query::compile("/\\pL{200}/");
  ASSERT_TRUE(std::holds_alternative<QueryError>(large));
  EXPECT_NE(std::get<QueryError>(large).message.find("too"), std::string::npos) << std::get<QueryError>(large).message;
}

TEST(QueryRobustness, GarbageNeverCrashesAndErrorsPointInsideTheQuery) {
  std::mt19937 rng(12345);
  const std::string alphabet = "ab:()\"/\\-*<>=! \tlevelWARNservice\xc3\xa9\xff\x00andornot0123456789.e";
  const auto events = sample_events();
  int compiled = 0, rejected = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string q;
    const int len = static_cast<int>(rng() % 40);
    for (int k = 0; k < len; ++k) q += alphabet[rng() % alphabet.size()];
    auto r = Query::compile(q);
    if (auto* e = std::get_if<QueryError>(&r)) {
      ++rejected;
      EXPECT_GE(e->column, 1u) << q;
      EXPECT_LE(e->column, q.size() + 1) << q;
      EXPECT_NE(e->message.find(" at column "), std::string::npos) << e->message;
      continue;
    }
    ++compiled;
    const auto& query = std::get<Query>(r);
    std::vector<Span> spans;
    for (const auto& ev : events) {
      (void)query.matches(ev);
      query.highlight(ev, spans);
    }
    for (const auto& s : spans) EXPECT_LE(s.begin, s.end);
  }
  EXPECT_GT(compiled, 1000);
  EXPECT_GT(rejected, 1000);
}

TEST(QueryRobustness, HugeAndBinaryEventsAreSafe) {
  LogEvent e;
  e.message.assign(1 << 20, 'x');
  e.message += "needle";
  e.message += std::string("\0\xff\xfe", 3);
  e.set_attribute("status", std::string(300, '9'));  // 1e300: still a double
  EXPECT_TRUE(must_compile("needle").matches(e));
  EXPECT_TRUE(must_compile("NEEDLE").matches(e) == false);
  EXPECT_TRUE(must_compile("x*needle").matches(e));
  EXPECT_TRUE(must_compile("/x+needle/").matches(e));
  EXPECT_TRUE(must_compile("status>1").matches(e));
  std::vector<Span> spans;
  must_compile("xxxxxxxxxxxxxxxx").highlight(e, spans);
  ASSERT_EQ(spans.size(), 1u);  // 10000 touching matches, merged into one span
  EXPECT_EQ(spans[0].begin, 0u);
}

TEST(QueryApi, DefaultAndBlankQueriesMatchEverything) {
  Query q;
  EXPECT_TRUE(q.match_all());
  EXPECT_EQ(q.text(), "");
  EXPECT_TRUE(q.matches(LogEvent{}));
  auto blank = must_compile("  ");
  EXPECT_TRUE(blank.match_all());
  EXPECT_EQ(blank.text(), "  ");
  EXPECT_FALSE(must_compile("timeout").match_all());
  EXPECT_EQ(must_compile("timeout").text(), "timeout");
}

TEST(QueryApi, CopiesShareTheCompiledPredicate) {
  const auto events = sample_events();
  Query original = must_compile("service:checkout");
  Query copy = original;
  Query moved = std::move(original);
  EXPECT_EQ(matching(copy, events), "AB");
  EXPECT_EQ(matching(moved, events), "AB");
  copy = must_compile("level:debug");
  EXPECT_EQ(matching(copy, events), "D");
  EXPECT_EQ(matching(moved, events), "AB");
}

TEST(QueryPlan, CheapTestsRunFirstAndLevelTestsMerge) {
  EXPECT_EQ(must_compile("/time.*out/ timeout service:checkout level>=WARN").explain(),
            "and(level in {WARN,ERROR,FATAL}, service = 'checkout' (any case), message contains 'timeout' (any case), "
            "message =~ /time.*out/)");
  EXPECT_EQ(must_compile("latency_ms>250 or level:error or level:fatal").explain(),
            "or(level in {ERROR,FATAL}, latency_ms > 250)");
  EXPECT_EQ(must_compile("level>=warn level<=error").explain(), "level in {WARN,ERROR}");
  EXPECT_EQ(must_compile("not level:info").explain(), "level in {TRACE,DEBUG,WARN,ERROR,FATAL}");
  EXPECT_EQ(must_compile("level:info -level:info").explain(), "none");
  EXPECT_EQ(must_compile("not not a").explain(), "message contains 'a' (any case)");
  EXPECT_EQ(must_compile("a (b c)").explain(),
            "and(message contains 'a' (any case), message contains 'b' (any case), message contains 'c' (any case))");
  EXPECT_EQ(must_compile("host:web-* Timeout").explain(), "and(host = glob 'web-*' (any case), message contains 'Timeout')");
  EXPECT_EQ(must_compile("timestamp>=2026-01-01T00:00:00Z").explain(), "timestamp >= 2026-01-01T00:00:00.000000000Z");
}

struct HighlightCase {
  const char* query;
  const char* message;
  std::vector<Span> spans;
};

class HighlightTable : public ::testing::TestWithParam<HighlightCase> {};

TEST_P(HighlightTable, ReportsSortedMergedSpansOfPositiveMessageTerms) {
  LogEvent e;
  e.message = GetParam().message;
  e.service = "checkout";
  std::vector<Span> spans{{99, 100}};  // highlight appends
  must_compile(GetParam().query).highlight(e, spans);
  ASSERT_FALSE(spans.empty());
  EXPECT_EQ(spans.front(), (Span{99, 100}));
  spans.erase(spans.begin());
  EXPECT_EQ(spans, GetParam().spans) << GetParam().query;
}

const HighlightCase kHighlightCases[] = {
    {"timeout", "Timeout then timeout", {{0, 7}, {13, 20}}},
    {"Timeout", "Timeout then timeout", {{0, 7}}},
    {"\"then t\"", "Timeout then timeout", {{8, 14}}},
    {"time*out", "a timeXout b", {{2, 10}}},
    {"/t[a-z]+t/", "Timeout then timeout", {{13, 20}}},
    {"/t[a-z]+t/i", "Timeout then timeout", {{0, 7}, {13, 20}}},
    {"/o+/", "foo boo", {{1, 3}, {5, 7}}},
    {"/x*/", "abc", {}},  // empty matches are not spans
    {"service:checkout", "timeout", {}},  // field terms do not highlight the message
    {"-timeout", "timeout", {}},
    {"not (timeout or then)", "timeout then", {}},
    {"not not then", "timeout then", {{8, 12}}},
    {"tim timeout", "timeout", {{0, 7}}},  // overlapping spans merge
    {"time out", "timeout", {{0, 7}}},     // touching spans merge
    {"out or time", "timeout timeout", {{0, 7}, {8, 15}}},
    {"message:then", "timeout then", {{8, 12}}},
    {"msg:/then$/", "timeout then", {{8, 12}}},
    {"aa", "aaaaa", {{0, 4}}},  // non-overlapping occurrences
};

INSTANTIATE_TEST_SUITE_P(Query, HighlightTable, ::testing::ValuesIn(kHighlightCases));

TEST(QueryThreads, OneQueryEvaluatedFromManyThreadsAgreesWithOneThread) {
  const auto events = sample_events();
  const auto q = must_compile("(service:checkout /T[a-z]+/ or status>=503) -level:debug");
  const std::string expected = matching(q, events);
  ASSERT_EQ(expected, "AC");
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i)
        if (matching(q, events) != expected) ++mismatches[t];
    });
  }
  for (auto& th : threads) th.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

}  // namespace
}  // namespace lt::query
