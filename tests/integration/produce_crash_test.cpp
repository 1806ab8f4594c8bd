// kill -9 of `logtracer produce` while it tails a file appended continuously,
// then a restart on the same checkpoint dir: no line missing, and the re-sent
// lines are only those that were unacknowledged at the kill (the checkpoint is
// written on every ack): one contiguous range, each at most twice, no more than
// the events the producer may hold in flight.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>

#include "sources/source.h"
#include "test_util.h"

namespace lt::it {
namespace {

TEST(ProduceCrash, KillNineMidStreamThenRestartLosesNothing) {
  constexpr int kBufferEvents = 5000;
  // Events in flight (sent, not yet acknowledged) at most: the file source gets
  // ack_window slots (producer.buffer_events, clamped as in cmd/produce.cpp), one
  // per batch of at most kMaxBatchEvents. Only these may be re-sent after kill -9.
  const std::size_t ack_window = std::clamp<std::size_t>(kBufferEvents, 64, 1'000'000);
  const std::size_t in_flight_bound = ack_window * sources::kMaxBatchEvents;
  // This test's lines all have one key, so one partition: deliveries complete in
  // order, and the delivered-but-uncommitted events are those in librdkafka's
  // queue (queue.buffering.max.messages = buffer_events) plus the acknowledged
  // part of the oldest pending batch (and, for the moment a checkpoint write
  // takes, the batches acknowledged meanwhile).
  const std::size_t one_partition_bound = kBufferEvents + sources::kMaxBatchEvents;
  const ProducerFiles files;
  const std::string &app_log = files.app_log, &checkpoints = files.checkpoints, &config = files.config;
  TestTopic topic("it.produce.crash");
  ASSERT_EQ(topic.error(), "") << "is the broker up? scripts/kafka start";
  std::ofstream(config) << producer_config(topic.name(), checkpoints,
                                           file_source("app", app_log),
                                           "  buffer_events: " + std::to_string(kBufferEvents) + "\n");
  const std::string& log = files.log;

  // Appended in batches of 200 lines every ~5 ms for the whole test (pacing only).
  LineWriter writer(app_log, "crash", 200, 5ms);

  TopicReader reader(topic.name());
  ASSERT_EQ(reader.error(), "");
  const auto t0 = Clock::now();
  std::size_t seen_at_kill = 0;
  int written_at_kill = 0;
  {
    Child first({"produce", "--config", config}, log);
    ASSERT_GT(first.pid(), 0);
    // Run until checkpoints exist, then some more, so the kill lands mid-stream.
    auto checkpointed_at = Clock::time_point::max();
    ASSERT_TRUE(reader.read_until(
        [&] {
          const auto now = Clock::now();
          if (checkpointed_at == Clock::time_point::max() && std::filesystem::exists(checkpoints) &&
              !std::filesystem::is_empty(checkpoints))
            checkpointed_at = now;
          return checkpointed_at != Clock::time_point::max() && now - checkpointed_at > 1700ms &&
                 reader.total() > 10'000;
        },
        60s))
        << reader.total() << " events, checkpoints: " << std::filesystem::exists(checkpoints) << "\n"
        << read_file(log);
    first.kill(SIGKILL);
    ASSERT_TRUE(first.wait_exit(10s).has_value());
    seen_at_kill = reader.total();
    written_at_kill = writer.written();
  }

  Child second({"produce", "--config", config}, log);
  ASSERT_GT(second.pid(), 0);
  // The second instance catches up and follows new lines, then the writer stops.
  ASSERT_TRUE(reader.read_until([&] { return reader.total() > static_cast<std::size_t>(written_at_kill); }, 60s))
      << read_file(log);
  writer.stop();
  const int lines = writer.written();
  auto next_check = Clock::now();  // a full tally is O(lines): at most every 200 ms
  const bool done = reader.read_until(
      [&] {
        if (reader.total() < static_cast<std::size_t>(lines) || Clock::now() < next_check) return false;
        next_check = Clock::now() + 200ms;
        return tally(reader.messages(), "crash", lines).missing == 0;
      },
      120s);
  reader.read_for(2s);  // anything still in flight
  const Tally t = tally(reader.messages(), "crash", lines);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  EXPECT_TRUE(done) << read_file(log);
  EXPECT_EQ(t.missing, 0) << "of " << lines;
  EXPECT_EQ(reader.total(), static_cast<std::size_t>(lines + t.duplicates)) << "events that are not our lines";
  EXPECT_EQ(reader.decode_errors(), 0);
  EXPECT_TRUE(second.alive()) << read_file(log);
  EXPECT_EQ(t.duplicates, t.distinct_duplicated) << "a line was sent three times or more";
  if (t.duplicates > 0) {
    EXPECT_EQ(t.last_duplicate - t.first_duplicate + 1, t.distinct_duplicated) << "re-sent lines not contiguous";
    EXPECT_LE(static_cast<std::size_t>(t.last_duplicate), seen_at_kill + kBufferEvents)
        << "re-sent a line the first instance never got acknowledged";
  }
  EXPECT_LE(static_cast<std::size_t>(t.duplicates), in_flight_bound)
      << "re-sent more than the events that can be in flight: acknowledged lines were re-sent";
  EXPECT_LE(static_cast<std::size_t>(t.duplicates), one_partition_bound)
      << "re-sent more than librdkafka's queue plus one batch: acknowledged lines were re-sent";
  std::printf("[ crash ] %d lines, killed at %zu seen / %d written, duplicates %d (lines %d..%d), "
              "bounds %zu (one partition) / %zu (ack window x batch), total %lld ms\n",
              lines, seen_at_kill, written_at_kill, t.duplicates, t.first_duplicate, t.last_duplicate,
              one_partition_bound, in_flight_bound, static_cast<long long>(elapsed));
}

}  // namespace
}  // namespace lt::it
