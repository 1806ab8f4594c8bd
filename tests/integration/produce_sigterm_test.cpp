// SIGTERM while a fast generator and a continuously appended file keep events in
// flight: `logtracer produce` drains, exits 0, and leaves a checkpoint at exactly
// what Kafka acknowledged, so a restart sends every remaining line once and
// none again.
#include <gtest/gtest.h>

#include <cstdio>

#include "test_util.h"

namespace lt::it {
namespace {

TEST(ProduceSigterm, CleanDrainUnderLoadExitsZeroAndRestartsWithoutDuplicates) {
  const ProducerFiles files;
  const std::string &app_log = files.app_log, &checkpoints = files.checkpoints, &config = files.config;
  TestTopic topic("it.produce.sigterm");
  ASSERT_EQ(topic.error(), "") << "is the broker up? scripts/kafka start";
  std::ofstream(config) << producer_config(topic.name(), checkpoints,
                                           file_source("app", app_log) +
                                               "    - name: gen\n      type: generator\n      rate: 50000\n"
                                               "      services: [gen]\n");
  const std::string& log = files.log;

  TopicReader reader(topic.name());
  ASSERT_EQ(reader.error(), "");
  LineWriter writer(app_log, "term", 200, 5ms);
  std::size_t gen_at_exit = 0;
  {
    Child first({"produce", "--config", config}, log);
    ASSERT_GT(first.pid(), 0);
    ASSERT_TRUE(reader.read_until(
        [&] { return reader.count_service("gen") > 20'000 && reader.count_service("app") > 20'000; }, 60s))
        << read_file(log);
    first.kill(SIGTERM);  // both sources have events sent and not yet acknowledged
    const auto status = first.wait_exit(60s);
    ASSERT_TRUE(status.has_value()) << "still running 60 s after SIGTERM\n" << read_file(log);
    EXPECT_TRUE(WIFEXITED(*status)) << read_file(log);
    EXPECT_EQ(WEXITSTATUS(*status), 0) << read_file(log);
    // Whatever the drain flushed is readable now; the generator is gone.
    reader.read_for(3s);
    gen_at_exit = reader.count_service("gen");
    EXPECT_EQ(reader.distinct_ids("gen"), gen_at_exit) << "a generated event was sent twice";
  }
  writer.stop();
  const int lines = writer.written();

  Child second({"produce", "--config", config}, log);
  ASSERT_GT(second.pid(), 0);
  auto next_check = Clock::now();
  const bool done = reader.read_until(
      [&] {
        if (reader.count_service("app") < static_cast<std::size_t>(lines) || Clock::now() < next_check) return false;
        next_check = Clock::now() + 200ms;
        return tally(reader.messages(), "term", lines).missing == 0;
      },
      60s);
  reader.read_for(1s);  // a re-sent line would arrive with the rest
  const Tally t = tally(reader.messages(), "term", lines);
  EXPECT_TRUE(done) << read_file(log);
  EXPECT_EQ(t.missing, 0) << "of " << lines;
  EXPECT_EQ(t.duplicates, 0) << "lines " << t.first_duplicate << ".." << t.last_duplicate
                             << " re-sent after a clean stop: the checkpoint lagged what Kafka acknowledged";
  EXPECT_EQ(reader.decode_errors(), 0);
  std::printf("[ sigterm ] %d file lines, %zu generated events before the SIGTERM exit\n", lines, gen_at_exit);
}

}  // namespace
}  // namespace lt::it
