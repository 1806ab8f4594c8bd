// A file tailed by `logtracer produce` while it is appended, rotated by rename,
// rotated by copytruncate and truncated: every line reaches Kafka exactly once.
#include <gtest/gtest.h>

#include <cstdio>

#include "test_util.h"

namespace lt::it {
namespace {

class Appender {
 public:
  explicit Appender(const std::string& path) : f_(std::fopen(path.c_str(), "a")) {}
  ~Appender() { close(); }
  void lines(int from, int to) {
    for (int i = from; i < to; ++i) std::fprintf(f_, "%s\n", seq_line("file", i).c_str());
    std::fflush(f_);
  }
  void close() {
    if (f_) std::fclose(f_);
    f_ = nullptr;
  }
  explicit operator bool() const { return f_ != nullptr; }

 private:
  std::FILE* f_;
};

TEST(ProduceFile, AppendRenameRotationAndCopytruncateEachLineExactlyOnce) {
  TempDir dir;
  TestTopic topic("it.produce.file");
  ASSERT_EQ(topic.error(), "") << "is the broker up? scripts/kafka start";
  const std::string app_log = dir.file("app.log");
  const std::string config = dir.file("producer.yaml");
  std::ofstream(config) << producer_config(topic.name(), dir.file("checkpoints"),
                                           file_source("app", app_log, "      rotate_wait: 5s\n"));
  const std::string log = dir.file("produce.log");

  auto writer = std::make_unique<Appender>(app_log);
  ASSERT_TRUE(*writer);
  writer->lines(0, 100);  // already there at start: start_at beginning reads them

  TopicReader reader(topic.name());
  ASSERT_EQ(reader.error(), "");
  Child child({"produce", "--config", config}, log);
  ASSERT_GT(child.pid(), 0);
  auto seen_all = [&](int n) {
    return [&reader, n] { return tally(reader.messages(), "file", n).missing == 0; };
  };
  const auto t0 = Clock::now();

  ASSERT_TRUE(reader.read_until(seen_all(100), 30s)) << "initial content\n" << read_file(log);
  ASSERT_TRUE(child.alive()) << read_file(log);

  // Appended while running, in several writes.
  for (int from = 100; from < 300; from += 50) writer->lines(from, from + 50);
  ASSERT_TRUE(reader.read_until(seen_all(300), 30s)) << "appends\n" << read_file(log);

  // Rename rotation right after a burst, without waiting for the producer: what
  // it has not read yet must come from app.log.1. The writer keeps its descriptor
  // a little (lines land in app.log.1 after the rename), then reopens app.log.
  writer->lines(300, 400);
  std::filesystem::rename(app_log, dir.file("app.log.1"));
  writer->lines(400, 420);
  writer->close();
  writer = std::make_unique<Appender>(app_log);
  writer->lines(420, 500);
  ASSERT_TRUE(reader.read_until(seen_all(500), 30s))
      << "rename rotation: " << tally(reader.messages(), "file", 500).missing << " missing\n" << read_file(log);

  // copytruncate: copy aside (not matched by the path), truncate in place, write
  // a few lines shorter than the old content, then more.
  std::filesystem::copy_file(app_log, dir.file("app.log.2"));
  writer->close();
  ASSERT_EQ(::truncate(app_log.c_str(), 0), 0);
  writer = std::make_unique<Appender>(app_log);
  writer->lines(500, 510);
  ASSERT_TRUE(reader.read_until(seen_all(510), 30s))
      << "copytruncate: " << tally(reader.messages(), "file", 510).missing << " missing\n" << read_file(log);
  writer->lines(510, 700);
  ASSERT_TRUE(reader.read_until(seen_all(700), 30s)) << "after copytruncate\n" << read_file(log);

  // Plain truncation to zero and a rewrite of the file.
  writer->close();
  ASSERT_EQ(::truncate(app_log.c_str(), 0), 0);
  writer = std::make_unique<Appender>(app_log);
  writer->lines(700, 705);
  ASSERT_TRUE(reader.read_until(seen_all(705), 30s)) << "truncate\n" << read_file(log);
  writer->lines(705, 900);
  ASSERT_TRUE(reader.read_until(seen_all(900), 30s)) << "after truncate\n" << read_file(log);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();

  // Late duplicates (a re-read of a rotated file) would show up here.
  reader.read_for(2s);
  const Tally t = tally(reader.messages(), "file", 900);
  EXPECT_EQ(t.missing, 0);
  EXPECT_EQ(t.duplicates, 0) << "first duplicated line " << t.first_duplicate << ", last " << t.last_duplicate;
  EXPECT_EQ(reader.total(), 900u) << "events that are not our lines";
  EXPECT_EQ(reader.decode_errors(), 0);
  EXPECT_EQ(reader.count_service("app"), 900u);
  EXPECT_TRUE(child.alive()) << read_file(log);

  // SIGTERM drains and exits cleanly.
  child.kill(SIGTERM);
  auto status = child.wait_exit(30s);
  ASSERT_TRUE(status.has_value()) << "no exit 30 s after SIGTERM\n" << read_file(log);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << read_file(log);
  std::printf("[ file ] 900 lines through append, rename, copytruncate, truncate in %lld ms\n",
              static_cast<long long>(elapsed));
}

}  // namespace
}  // namespace lt::it
