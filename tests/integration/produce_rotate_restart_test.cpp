// kill -9 of `logtracer produce` tailing app.log (start_at: end), then, while it
// is down, more lines in app.log, rotation by rename (app.log -> app.log.1) and
// a new app.log written to: the restarted producer sends the rotated file's
// unread tail and the whole new file, so no line is missing. And copytruncate
// while it is down, followed by more new lines than the checkpoint's offset:
// same inode, long enough, but other content, so it is read from its start.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>

#include "test_util.h"

namespace lt::it {
namespace {

void append_lines(const std::string& path, const std::string& tag, int from, int to) {
  std::FILE* f = std::fopen(path.c_str(), "a");
  ASSERT_NE(f, nullptr);
  for (int i = from; i < to; ++i) std::fprintf(f, "%s\n", seq_line(tag, i).c_str());
  std::fclose(f);
}

TEST(ProduceRotateRestart, RotatedWhileDownNothingMissing) {
  constexpr int kTail = 700;     // appended to app.log after the kill: unread when it is rotated away
  constexpr int kNewFile = 900;  // written to the new app.log while the producer is down
  const ProducerFiles files;
  const std::string &app_log = files.app_log, &checkpoints = files.checkpoints, &config = files.config;
  TestTopic topic("it.produce.rotate");
  ASSERT_EQ(topic.error(), "") << "is the broker up? scripts/kafka start";
  // The default start_at (end): it must apply to the first run only.
  std::ofstream(config) << producer_config(topic.name(), checkpoints,
                                           "    - name: app\n      type: file\n      paths: [" + app_log +
                                               "]\n      poll_interval: 50ms\n      rotate_wait: 1s\n");
  const std::string& log = files.log;

  TopicReader reader(topic.name());
  ASSERT_EQ(reader.error(), "");
  int written = 0;
  {
    Child first({"produce", "--config", config}, log);
    ASSERT_GT(first.pid(), 0);
    // The producer opened app.log at its (empty) end once it logged so; lines come after.
    ASSERT_TRUE(kafka::testing::wait_until(
        [&] { return read_file(log).find("tailing " + app_log) != std::string::npos; }, 30s, 20ms))
        << read_file(log);
    LineWriter writer(app_log, "rot", 100, 5ms);
    ASSERT_TRUE(reader.read_until([&] { return reader.total() > 3000; }, 60s)) << reader.total() << "\n"
                                                                               << read_file(log);
    first.kill(SIGKILL);  // mid-stream: the writer is still appending
    ASSERT_TRUE(first.wait_exit(10s).has_value());
    writer.stop();
    written = writer.written();
  }
  append_lines(app_log, "rot", written, written + kTail);
  std::filesystem::rename(app_log, app_log + ".1");
  append_lines(app_log, "rot", written + kTail, written + kTail + kNewFile);
  const int lines = written + kTail + kNewFile;

  Child second({"produce", "--config", config}, log);
  ASSERT_GT(second.pid(), 0);
  auto next_check = Clock::now();  // a full tally is O(lines): at most every 200 ms
  const bool done = reader.read_until(
      [&] {
        if (reader.total() < static_cast<std::size_t>(lines) || Clock::now() < next_check) return false;
        next_check = Clock::now() + 200ms;
        return tally(reader.messages(), "rot", lines).missing == 0;
      },
      60s);
  const Tally t = tally(reader.messages(), "rot", lines);
  EXPECT_TRUE(done) << read_file(log);
  EXPECT_EQ(t.missing, 0) << "of " << lines << "\n" << read_file(log);
  EXPECT_EQ(t.duplicates, t.distinct_duplicated) << "a line was sent three times or more";
  EXPECT_EQ(reader.decode_errors(), 0);
  EXPECT_TRUE(second.alive()) << read_file(log);
  EXPECT_NE(read_file(log).find("was rotated to " + app_log + ".1"), std::string::npos) << read_file(log);
  std::printf("[ rotate-restart ] %d lines (%d before the kill), duplicates %d\n", lines, written, t.duplicates);
}

TEST(ProduceRotateRestart, CopytruncatedWhileDownAndWrittenPastTheOffsetNothingMissing) {
  constexpr int kBefore = 2000;  // sent and checkpointed before the stop
  constexpr int kAfter = 3000;   // the new content: longer than the checkpoint's offset
  const ProducerFiles files;
  const std::string &app_log = files.app_log, &log = files.log;
  TestTopic topic("it.produce.copytruncate");
  ASSERT_EQ(topic.error(), "") << "is the broker up? scripts/kafka start";
  std::ofstream(files.config) << producer_config(topic.name(), files.checkpoints, file_source("app", app_log));
  append_lines(app_log, "ct", 0, kBefore);

  TopicReader reader(topic.name());
  ASSERT_EQ(reader.error(), "");
  {
    Child first({"produce", "--config", files.config}, log);
    ASSERT_GT(first.pid(), 0);
    ASSERT_TRUE(reader.read_until([&] { return reader.total() >= static_cast<std::size_t>(kBefore); }, 60s))
        << reader.total() << "\n" << read_file(log);
    first.kill(SIGTERM);  // drains: the checkpoint ends at the file's end
    const auto status = first.wait_exit(60s);
    ASSERT_TRUE(status.has_value()) << read_file(log);
    ASSERT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << read_file(log);
  }
  // logrotate's copytruncate: copy aside, empty the file in place (same inode);
  // then the application writes more than there was before.
  std::filesystem::copy_file(app_log, app_log + ".1");
  std::filesystem::resize_file(app_log, 0);
  append_lines(app_log, "ct-new", 0, kAfter);

  Child second({"produce", "--config", files.config}, log);
  ASSERT_GT(second.pid(), 0);
  auto next_check = Clock::now();
  const bool done = reader.read_until(
      [&] {
        if (reader.total() < static_cast<std::size_t>(kBefore + kAfter) || Clock::now() < next_check) return false;
        next_check = Clock::now() + 200ms;
        return tally(reader.messages(), "ct-new", kAfter).missing == 0;
      },
      60s);
  const Tally after = tally(reader.messages(), "ct-new", kAfter);
  const Tally before = tally(reader.messages(), "ct", kBefore);
  EXPECT_TRUE(done) << read_file(log);
  EXPECT_EQ(after.missing, 0) << "of the " << kAfter << " lines written after the copytruncate\n" << read_file(log);
  EXPECT_EQ(after.duplicates, 0);
  EXPECT_EQ(before.missing, 0);
  EXPECT_EQ(before.duplicates, 0) << "the copy aside is not under the source's paths: not sent again";
  EXPECT_EQ(reader.decode_errors(), 0);
  EXPECT_NE(read_file(log).find("no longer starts with the bytes checkpointed"), std::string::npos) << read_file(log);
}

}  // namespace
}  // namespace lt::it
