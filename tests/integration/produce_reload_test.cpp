// The config of a running `logtracer produce` is rewritten by rename (as editors
// save): an added source starts within 5 s, a removed one stops, an unchanged one
// keeps going, the pid stays; an invalid edit is logged as file:line:col and
// leaves the running sources alone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.h"

namespace lt::it {
namespace {

std::string generator(const std::string& name, int rate = 50) {
  return "    - name: " + name +
         "\n"
         "      type: generator\n"
         "      services: [" +
         name +
         "]\n"
         "      rate: " +
         std::to_string(rate) + "\n";
}

void append_lines(const std::string& path, int from, int to) {
  std::ofstream out(path, std::ios::app);
  for (int i = from; i < to; ++i) out << seq_line("keep", i) << '\n';
}

TEST(ProduceReload, RenameAddsAndRemovesSourcesLiveAndAnInvalidEditKeepsThemRunning) {
  TempDir dir;
  TestTopic topic("it.produce.reload");
  ASSERT_EQ(topic.error(), "") << "is the broker up? scripts/kafka start";
  const std::string config = dir.file("producer.yaml");
  const std::string checkpoints = dir.file("checkpoints");
  const std::string keep_log = dir.file("keep.log");
  // The unchanged source is a file, so a reload that restarted it would show as
  // re-sent (or skipped) lines.
  const std::string keep = file_source("keep", keep_log);
  const std::string admin = "127.0.0.1:0";
  append_lines(keep_log, 0, 500);
  write_by_rename(config, producer_config(topic.name(), checkpoints, keep + generator("alpha"), "", admin));
  const std::string log = dir.file("produce.log");

  TopicReader reader(topic.name());
  ASSERT_EQ(reader.error(), "");
  Child child({"produce", "--config", config}, log);
  const pid_t pid = child.pid();
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(reader.read_until([&] { return reader.count_service("keep") > 0 && reader.count_service("alpha") > 0; },
                                30s))
      << read_file(log);

  // Add beta, remove alpha, while the kept file is being written.
  append_lines(keep_log, 500, 700);
  write_by_rename(config, producer_config(topic.name(), checkpoints, keep + generator("beta"), "", admin));
  const auto edited = Clock::now();
  append_lines(keep_log, 700, 1000);
  const bool beta_seen = reader.read_until([&] { return reader.count_service("beta") > 0; }, 10s);
  const auto beta_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - edited).count();
  ASSERT_TRUE(beta_seen) << "no event of the added source 10 s after the edit\n" << read_file(log);
  EXPECT_LE(beta_ms, 5000) << "added source's first event after " << beta_ms << " ms";
  ASSERT_TRUE(child.alive()) << read_file(log);
  EXPECT_EQ(child.pid(), pid);
  EXPECT_EQ(::kill(pid, 0), 0) << "same process still running";

  // Removed source: what was in flight arrives within a second or two, then nothing.
  reader.read_for(2s);
  const std::size_t alpha_after_stop = reader.count_service("alpha");
  reader.read_for(2s);
  EXPECT_EQ(reader.count_service("alpha"), alpha_after_stop) << "removed source still produces";
  EXPECT_TRUE(reader.read_until([&] { return tally(reader.messages(), "keep", 1000).missing == 0; }, 10s))
      << "unchanged source lost lines across the reload";

  // Invalid edit: an unknown key. Rejected with its position; the sources stay.
  write_by_rename(config, producer_config(topic.name(), checkpoints, keep + generator("gamma"),
                                          "  bufer_events: 5\n", admin));
  const std::regex positioned(regex_escape(config) + R"(:\d+:\d+: error: unknown key 'bufer_events')");
  EXPECT_TRUE(kafka::testing::wait_until([&] { return std::regex_search(read_file(log), positioned); }, 10s, 50ms))
      << "no file:line:col error in the log:\n" << read_file(log);
  const std::size_t beta_at_reject = reader.count_service("beta");
  append_lines(keep_log, 1000, 1200);
  EXPECT_TRUE(reader.read_until(
      [&] {
        return reader.count_service("beta") > beta_at_reject + 20 && tally(reader.messages(), "keep", 1200).missing == 0;
      },
      10s))
      << "running sources stopped after a rejected edit\n" << read_file(log);
  reader.read_for(1s);
  EXPECT_EQ(reader.count_service("gamma"), 0u) << "the rejected config was applied";
  EXPECT_TRUE(child.alive()) << read_file(log);
  EXPECT_EQ(reader.decode_errors(), 0);
  const Tally t = tally(reader.messages(), "keep", 1200);
  EXPECT_EQ(t.missing, 0);
  EXPECT_EQ(t.duplicates, 0) << "a reload re-sent lines of the unchanged source";
  EXPECT_EQ(reader.count_service("keep"), 1200u);
  const int port = admin_port(log);
  ASSERT_NE(port, 0) << read_file(log);
  const std::string metrics = http_get(port, "/metrics");
  EXPECT_THAT(metrics, ::testing::HasSubstr("logtracer_config_reloads_total{result=\"ok\"} 1\n")) << metrics;
  EXPECT_THAT(metrics, ::testing::HasSubstr("logtracer_config_reloads_total{result=\"failed\"} 1\n")) << metrics;
  std::printf("[ reload ] added source's first event %lld ms after the rename\n", static_cast<long long>(beta_ms));
}

}  // namespace
}  // namespace lt::it
