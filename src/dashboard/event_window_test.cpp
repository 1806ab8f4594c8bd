#include "dashboard/event_window.h"

#include <gtest/gtest.h>

#include "dashboard/alert_store.h"

namespace lt::dashboard {
namespace {

constexpr TimestampNs kSec = 1'000'000'000;
constexpr TimestampNs kT0 = 1'764'000'000 * kSec;

LogEvent ev(std::string id, TimestampNs t, Level level, std::string service, std::string host, std::string msg) {
  LogEvent e;
  e.id = std::move(id);
  e.timestamp = t;
  e.level = level;
  e.service = std::move(service);
  e.environment = "prod";
  e.host = std::move(host);
  e.message = std::move(msg);
  return e;
}

query::Query compile(std::string_view text) {
  auto r = query::Query::compile(text);
  if (auto* err = std::get_if<query::QueryError>(&r)) ADD_FAILURE() << err->message;
  return std::get<query::Query>(std::move(r));
}

TEST(EventWindow, BoundedByCountEvictsOldest) {
  EventWindow w({.max_events = 3, .max_bytes = 1 << 30});
  for (int i = 0; i < 5; ++i) w.add(ev("e" + std::to_string(i), kT0 + i, Level::Info, "api", "h1", "m"));
  EXPECT_EQ(w.size(), 3u);
  EXPECT_EQ(w.evicted(), 2u);
  EXPECT_EQ(w.find("e1"), nullptr);
  EXPECT_NE(w.find("e2"), nullptr);
}

TEST(EventWindow, BoundedByBytes) {
  EventWindow w({.max_events = 1000, .max_bytes = 20'000});
  for (int i = 0; i < 100; ++i) w.add(ev("e" + std::to_string(i), kT0 + i, Level::Info, "api", "h1", std::string(1000, 'x')));
  EXPECT_LE(w.bytes(), 20'000u);
  EXPECT_GT(w.size(), 3u);
  EXPECT_LT(w.size(), 20u);
  EXPECT_NE(w.find("e99"), nullptr);  // the newest survive
}

TEST(EventWindow, DuplicateIdsAreKeptOnce) {
  EventWindow w;
  EXPECT_NE(w.add(ev("same", kT0, Level::Info, "api", "h", "a")), nullptr);
  EXPECT_EQ(w.add(ev("same", kT0, Level::Info, "api", "h", "a")), nullptr);
  EXPECT_EQ(w.size(), 1u);
}

TEST(EventWindow, SearchNewestFirstWithPagingAndQueryAndTime) {
  EventWindow w;
  for (int i = 0; i < 10; ++i)
    w.add(ev("e" + std::to_string(i), kT0 + i * kSec, i % 2 ? Level::Error : Level::Info, "api", "h", "msg " + std::to_string(i)));
  auto all = compile("");
  auto p1 = w.search(all, {}, 4);
  ASSERT_EQ(p1.events.size(), 4u);
  EXPECT_EQ(p1.events[0]->event.id, "e9");
  EXPECT_EQ(p1.events[3]->event.id, "e6");
  EXPECT_TRUE(p1.more);
  auto p2 = w.search(all, {}, 4, p1.events.back()->event.id);
  ASSERT_EQ(p2.events.size(), 4u);
  EXPECT_EQ(p2.events[0]->event.id, "e5");
  auto p3 = w.search(all, {}, 4, p2.events.back()->event.id);
  ASSERT_EQ(p3.events.size(), 2u);
  EXPECT_FALSE(p3.more);

  auto errors = w.search(compile("level:ERROR"), {}, 100);
  ASSERT_EQ(errors.events.size(), 5u);
  for (auto& e : errors.events) EXPECT_EQ(e->event.level, Level::Error);

  auto ranged = w.search(all, {kT0 + 2 * kSec, kT0 + 5 * kSec}, 100);
  ASSERT_EQ(ranged.events.size(), 3u);
  EXPECT_EQ(ranged.events[0]->event.id, "e4");
  EXPECT_EQ(ranged.events[2]->event.id, "e2");

  EXPECT_TRUE(w.search(all, {}, 4, "not-there").cursor_unknown);
}

TEST(EventWindow, HistogramCountsPerLevelPerBucket) {
  EventWindow w;
  w.add(ev("a", kT0 + 0 * kSec, Level::Info, "api", "h", "x"));
  w.add(ev("b", kT0 + 1 * kSec, Level::Error, "api", "h", "x"));
  w.add(ev("c", kT0 + 5 * kSec, Level::Error, "api", "h", "x"));
  w.add(ev("d", kT0 + 9 * kSec, Level::Warn, "api", "h", "x"));
  w.add(ev("out", kT0 + 20 * kSec, Level::Fatal, "api", "h", "x"));
  auto h = w.histogram(compile(""), {kT0, kT0 + 10 * kSec}, 5);
  ASSERT_EQ(h.counts.size(), 5u);
  EXPECT_EQ(h.step, 2 * kSec);
  EXPECT_EQ(h.counts[0][static_cast<int>(Level::Info)], 1u);
  EXPECT_EQ(h.counts[0][static_cast<int>(Level::Error)], 1u);
  EXPECT_EQ(h.counts[2][static_cast<int>(Level::Error)], 1u);
  EXPECT_EQ(h.counts[4][static_cast<int>(Level::Warn)], 1u);
  std::uint64_t fatal = 0;
  for (auto& b : h.counts) fatal += b[static_cast<int>(Level::Fatal)];
  EXPECT_EQ(fatal, 0u);
  // Unbounded range: taken from the window, so every event lands in a bucket.
  auto all = w.histogram(compile("level:ERROR"), {}, 10);
  std::uint64_t total = 0;
  for (auto& b : all.counts)
    for (auto n : b) total += n;
  EXPECT_EQ(total, 2u);
}

TEST(EventWindow, FacetsTopValuesForQuery) {
  EventWindow w;
  int n = 0;
  auto add = [&](std::string svc, std::string host, Level l) {
    ++n;
    w.add(ev("f" + std::to_string(n), kT0 + n, l, std::move(svc), std::move(host), "x"));
  };
  add("api", "h1", Level::Error);
  add("api", "h2", Level::Error);
  add("api", "h1", Level::Info);
  add("web", "h1", Level::Error);
  auto f = w.facets(compile("level:ERROR"), {}, 10);
  EXPECT_EQ(f.matched, 3u);
  ASSERT_EQ(f.fields[0].size(), 2u);
  EXPECT_EQ(f.fields[0][0].value, "api");
  EXPECT_EQ(f.fields[0][0].count, 2u);
  EXPECT_EQ(f.fields[0][1].value, "web");
  ASSERT_EQ(f.fields[3].size(), 1u);
  EXPECT_EQ(f.fields[3][0].value, "ERROR");
  auto top1 = w.facets(compile(""), {}, 1);
  EXPECT_EQ(top1.fields[2].size(), 1u);
  EXPECT_EQ(top1.fields[2][0].value, "h1");
}

TEST(EventWindow, ContextIsSameServiceAndHostAroundTheEvent) {
  EventWindow w;
  for (int i = 0; i < 10; ++i) {
    w.add(ev("a" + std::to_string(i), kT0 + i, Level::Info, "api", "h1", "a"));
    w.add(ev("b" + std::to_string(i), kT0 + i, Level::Info, "api", "h2", "b"));
  }
  auto c = w.context("a5", 2);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->event->event.id, "a5");
  ASSERT_EQ(c->before.size(), 2u);
  EXPECT_EQ(c->before[0]->event.id, "a3");
  EXPECT_EQ(c->before[1]->event.id, "a4");
  ASSERT_EQ(c->after.size(), 2u);
  EXPECT_EQ(c->after[0]->event.id, "a6");
  EXPECT_FALSE(w.context("nope", 2));
}

TEST(EventWindow, StoredJsonIsValidEvenForHostileText) {
  EventWindow w;
  auto e = w.add(ev("x", kT0, Level::Info, "api", "h", "<script>alert(1)</script>\x1b]8;;javascript:x\x07\xff\""));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->json.find("\x1b"), std::string::npos);
  EXPECT_NE(e->json.find("\\u001b"), std::string::npos);
  EXPECT_EQ(e->json.find('\xff'), std::string::npos);
}

TEST(AlertStore, KeepsLatestStatePerAlertAndRejectsGarbage) {
  AlertStore s(10, 100);
  EXPECT_TRUE(s.ingest(R"({"alert_id":"a1","state":"firing","rule":"errors"})"));
  EXPECT_TRUE(s.ingest(R"({"alert_id":"a2","state":"firing","rule":"lat"})"));
  EXPECT_TRUE(s.ingest(R"({"alert_id":"a1","state":"resolved","rule":"errors"})"));
  EXPECT_FALSE(s.ingest("not json"));
  EXPECT_FALSE(s.ingest(R"({"alert_id":"a3","state":"weird"})"));
  EXPECT_FALSE(s.ingest(R"([1,2])"));
  EXPECT_FALSE(s.ingest("{\"alert_id\":\"\xff\",\"state\":\"firing\"}"));
  EXPECT_EQ(s.firing(), 1u);
  std::string json = s.render_json();
  EXPECT_EQ(json.find(R"({"firing":[{"alert_id":"a2")"), 0u) << json;
  EXPECT_NE(json.find(R"("recent":[{"alert_id":"a1","state":"resolved")"), std::string::npos) << json;
}

TEST(DeadLetterStore, RendersOriginalBytesAsSafeText) {
  DeadLetterStore s(2, 8);
  s.ingest({.code = "decode.not_json", .message = "bad", .stage = "decode", .origin_topic = "logs.raw",
            .origin_partition = 3, .origin_offset = 42, .failed_at = kT0, .attempts = 1, .payload = "\xff<b>\"x"});
  s.ingest({.code = "c2", .payload = std::string(100, 'y')});
  s.ingest({.code = "c3", .payload = "z"});
  EXPECT_EQ(s.total(), 3u);
  std::string json = s.render_json();
  EXPECT_EQ(json.find(R"({"total":3,"recent":[{"code":"c3")"), 0u) << json;
  EXPECT_NE(json.find(R"("payload":"yyyyyyyy","payload_truncated":true)"), std::string::npos) << json;
  EXPECT_EQ(json.find("decode.not_json"), std::string::npos);  // only the 2 most recent are kept
}

}  // namespace
}  // namespace lt::dashboard
