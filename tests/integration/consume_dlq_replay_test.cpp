// `logtracer dlq replay` against a real `logtracer consume`: records that failed
// (poison bytes, a lookup service that is down) are dead-lettered; a dry run
// lists them and sends nothing; once the service is back, a replay filtered by
// error code sends only those dead letters back to the input topic, with the
// lt.replayed_from header, and the consumer then processes each of them once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>

#include "consume_util.h"
#include "net/http_test_server.h"

namespace lt::it {
namespace {

using kafka::testing::unique_name;
using net::testing::TestHttpServer;
using net::testing::TestRequest;
using net::testing::TestResponse;

constexpr int kValid = 10;
constexpr int kPoison = 4;

// "N dead letters read, M <verb>" from the command's summary line, as {N, M} ({-1, -1} if absent).
std::pair<long, long> summary(const std::string& output, const std::string& verb) {
  const std::regex line("([0-9]+) dead letters read, ([0-9]+) " + verb);
  std::smatch m;
  if (!std::regex_search(output, m, line)) return {-1, -1};
  return {std::stol(m[1]), std::stol(m[2])};
}

TEST(DlqReplay, DryRunSendsNothingAndAFilteredReplayIsProcessedOnceTheCauseIsFixed) {
  ConsumeTopics t("it.dlqreplay");
  ASSERT_EQ(t.error(), "");

  // The user service is down (503) until the test "fixes" it.
  std::atomic<bool> fixed{false};
  TestHttpServer users([&](const TestRequest& req) -> TestResponse {
    if (!fixed.load()) return {503, R"({"error":"down"})"};
    const std::string id = req.target.substr(req.target.rfind('/') + 1);
    return {200, R"({"name":"User )" + id + R"("})"};
  });

  TempDir dir;
  const std::string config = dir.file("consume.yaml"), log = dir.file("consume.log");
  write_by_rename(config, consume_config(t, unique_name("it.dlqreplay"),
                                         "  workers: 1\n"
                                         "  retry: {max_attempts: 2, initial_backoff: 5ms, max_backoff: 10ms, "
                                         "max_elapsed: 5s}\n"
                                         "  enrich:\n"
                                         "    processing_host: false\n"
                                         "    http_lookup:\n"
                                         "      url: " + users.url("/users/{key}") + "\n"
                                         "      key_field: user_id\n"
                                         "      timeout: 500ms\n"
                                         "      breaker_failures: 1000\n"));
  Child consumer({"consume", "--config", config}, log);

  // Valid events (each needs the lookup) and poison records, interleaved.
  std::vector<std::pair<std::string, std::string>> input;
  std::map<std::string, std::string> user_of;  // event id -> user id
  std::set<std::string> poison;
  for (int i = 0; i < kValid; ++i) {
    const std::string id = new_event_id(), user = "u" + std::to_string(i);
    user_of[id] = user;
    input.emplace_back("k" + std::to_string(i), event_json(id, "checkout", "order " + std::to_string(i),
                                                            {{"user_id", user}}));
    if (i < kPoison) {
      const std::string bad = "poison-" + std::to_string(i) + " {not json";
      poison.insert(bad);
      input.emplace_back("p" + std::to_string(i), bad);
    }
  }
  ASSERT_EQ(produce_records(t.raw.name(), input), kValid + kPoison);

  // Everything fails: the poison to decode, the events to the lookup.
  RecordReader reader({t.raw.name(), t.processed.name(), t.dlq.name()});
  ASSERT_EQ(reader.error(), "");
  ASSERT_TRUE(reader.read_until([&] { return reader.of(t.dlq.name()).size() >= kValid + kPoison; }, 45s))
      << "dead letters: " << reader.of(t.dlq.name()).size() << "\n" << read_file(log).substr(0, 4000);
  std::map<std::string, const Record*> dead_event;  // event id -> dead letter
  std::string lookup_code;
  for (const Record* r : reader.of(t.dlq.name())) {
    if (poison.count(r->payload)) {
      EXPECT_EQ(r->header("lt.stage"), "decode");
      EXPECT_EQ(r->header("lt.error.code"), "decode.not_json");
      continue;
    }
    LogEvent e;
    ASSERT_FALSE(EventDecoder().decode(r->payload, e)) << r->payload;
    ASSERT_TRUE(user_of.count(e.id)) << "a dead letter nobody wrote: " << r->payload;
    EXPECT_EQ(r->header("lt.stage"), "http_lookup");
    EXPECT_EQ(r->header("lt.attempts"), "2");
    EXPECT_EQ(r->header("lt.origin.topic"), t.raw.name());
    lookup_code = r->header("lt.error.code");
    dead_event[e.id] = r;
  }
  ASSERT_EQ(dead_event.size(), static_cast<std::size_t>(kValid));
  ASSERT_FALSE(lookup_code.empty());
  EXPECT_TRUE(reader.of(t.processed.name()).empty());

  const std::vector<std::string> replay = {"dlq", "replay", "--config", config, "--idle", "3"};
  auto with = [&](std::vector<std::string> extra) {
    auto args = replay;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  std::string out;

  // Dry runs: every dead letter listed, filters applied, nothing sent.
  ASSERT_EQ(run_command(with({"--dry-run"}), dir.file("dry.log"), out), 0) << out;
  EXPECT_EQ(summary(out, "would be replayed"), std::make_pair(long{kValid + kPoison}, long{kValid + kPoison})) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("dry run: nothing sent"));
  ASSERT_EQ(run_command(with({"--dry-run", "--code", "decode.not_json"}), dir.file("dry.log"), out), 0) << out;
  EXPECT_EQ(summary(out, "would be replayed"), std::make_pair(long{kValid + kPoison}, long{kPoison})) << out;
  ASSERT_EQ(run_command(with({"--dry-run", "--contains", "poison-2 "}), dir.file("dry.log"), out), 0) << out;
  EXPECT_EQ(summary(out, "would be replayed"), std::make_pair(long{kValid + kPoison}, 1L)) << out;
  EXPECT_EQ(reader.high_watermark(t.raw.name()), kValid + kPoison) << "a dry run sent records";

  // The cause is fixed; only the lookup failures go back.
  fixed = true;
  ASSERT_EQ(run_command(with({"--code", lookup_code}), dir.file("replay.log"), out), 0) << out;
  EXPECT_EQ(summary(out, "replayed to " + t.raw.name()), std::make_pair(long{kValid + kPoison}, long{kValid}))
      << out;

  std::map<std::string, int> processed;
  ASSERT_TRUE(reader.read_until(
      [&] {
        processed.clear();
        for (const Record* r : reader.of(t.processed.name())) {
          LogEvent e;
          if (!EventDecoder().decode(r->payload, e)) ++processed[e.id];
        }
        return processed.size() == user_of.size() &&
               reader.of(t.raw.name()).size() == static_cast<std::size_t>(2 * kValid + kPoison);
      },
      30s))
      << "processed " << processed.size() << ", raw " << reader.of(t.raw.name()).size() << "\n"
      << read_file(log).substr(0, 4000);

  // What went back: each lookup failure once, with the dead letter it came from; no poison.
  std::set<std::string> replayed_ids;
  for (const Record* r : reader.of(t.raw.name())) {
    if (r->offset < kValid + kPoison) {
      EXPECT_EQ(r->header("lt.replayed_from"), "") << "an original record has the replay header";
      continue;
    }
    EXPECT_FALSE(poison.count(r->payload)) << "a poison record was replayed: the filter was ignored";
    LogEvent e;
    ASSERT_FALSE(EventDecoder().decode(r->payload, e)) << r->payload;
    ASSERT_TRUE(dead_event.count(e.id)) << r->payload;
    const Record& dead = *dead_event[e.id];
    EXPECT_EQ(r->header("lt.replayed_from"), t.dlq.name() + "[0]@" + std::to_string(dead.offset));
    EXPECT_EQ(r->key, dead.key);
    EXPECT_EQ(r->payload, dead.payload);
    EXPECT_TRUE(replayed_ids.insert(e.id).second) << "replayed twice: " << e.id;
  }
  EXPECT_EQ(replayed_ids.size(), static_cast<std::size_t>(kValid));

  // ... and was processed exactly once, now with the lookup's fields.
  for (const Record* r : reader.of(t.processed.name())) {
    LogEvent e;
    ASSERT_FALSE(EventDecoder().decode(r->payload, e));
    const Attribute* name = e.attribute("user.name");
    ASSERT_NE(name, nullptr) << r->payload;
    EXPECT_EQ(name->value, "User " + user_of[e.id]);
  }
  for (const auto& [id, n] : processed) EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(reader.high_watermark(t.dlq.name()), kValid + kPoison) << "a replayed record failed again";

  expect_clean_stop(consumer, log);
}

}  // namespace
}  // namespace lt::it
