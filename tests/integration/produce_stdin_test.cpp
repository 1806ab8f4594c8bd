// `lines | logtracer produce --stdin --service app` against the real broker:
// exit 0 after EOF (only once Kafka acknowledged), every line in the topic once.
#include <gtest/gtest.h>

#include "test_util.h"

namespace lt::it {
namespace {

TEST(ProduceStdin, EveryLineArrivesOnceAndTheProcessExitsZeroAfterEof) {
  constexpr int kLines = 5000;
  TempDir dir;
  TestTopic topic("it.produce.stdin");
  ASSERT_EQ(topic.error(), "") << "is the broker up? scripts/kafka start";
  const std::string config = dir.file("producer.yaml");
  std::ofstream(config) << producer_config(topic.name(), dir.file("checkpoints"), "    []\n");
  const std::string log = dir.file("produce.log");

  const auto started = Clock::now();
  {
    Child child({"produce", "--config", config, "--stdin", "--service", "app"}, log, /*stdin_pipe=*/true);
    ASSERT_GT(child.pid(), 0);
    std::string batch;
    for (int i = 0; i < kLines; ++i) batch += seq_line("stdin", i) + "\n";
    ASSERT_TRUE(child.write_stdin(batch)) << read_file(log);
    child.close_stdin();
    auto status = child.wait_exit(60s);
    ASSERT_TRUE(status.has_value()) << "still running 60 s after EOF\n" << read_file(log);
    ASSERT_TRUE(WIFEXITED(*status)) << "killed by a signal\n" << read_file(log);
    EXPECT_EQ(WEXITSTATUS(*status), 0) << read_file(log);
  }
  const auto exit_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();

  // Exit 0 promises the broker has them: the reader finds them, none missing.
  Tally t;
  {
    TopicReader reader(topic.name());
    ASSERT_EQ(reader.error(), "");
    reader.read_until([&] { return reader.total() >= static_cast<std::size_t>(kLines); }, 60s);
    reader.read_for(1s);
    t = tally(reader.messages(), "stdin", kLines);
    EXPECT_EQ(reader.total(), static_cast<std::size_t>(kLines));
    EXPECT_EQ(reader.count_service("app"), static_cast<std::size_t>(kLines)) << "--service app on every event";
    EXPECT_EQ(reader.decode_errors(), 0);
  }
  EXPECT_EQ(t.missing, 0);
  EXPECT_EQ(t.duplicates, 0);
  std::printf("[ stdin ] %d lines, exit after %lld ms\n", kLines, static_cast<long long>(exit_ms));
}

TEST(ProduceStdin, EmptyInputExitsZero) {
  TempDir dir;
  TestTopic topic("it.produce.stdin0");
  ASSERT_EQ(topic.error(), "");
  const std::string config = dir.file("producer.yaml");
  std::ofstream(config) << producer_config(topic.name(), dir.file("checkpoints"), "    []\n");
  Child child({"produce", "--config", config, "--stdin", "--service", "app"}, dir.file("log"), true);
  child.close_stdin();
  auto status = child.wait_exit(30s);
  ASSERT_TRUE(status.has_value()) << read_file(dir.file("log"));
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0) << read_file(dir.file("log"));
}

}  // namespace
}  // namespace lt::it
