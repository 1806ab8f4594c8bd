#include "sources/stdin_input.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "sources/testing_sink.h"

namespace lt::sources {
namespace {

using testing::eventually;
using testing::TestSink;

struct Pipe {
  Pipe() { EXPECT_EQ(::pipe(fds), 0); }
  ~Pipe() {
    close_write();
    ::close(fds[0]);
  }
  void write(const std::string& s) { ASSERT_EQ(::write(fds[1], s.data(), s.size()), static_cast<ssize_t>(s.size())); }
  void close_write() {
    if (fds[1] >= 0) ::close(fds[1]);
    fds[1] = -1;
  }
  int fds[2] = {-1, -1};
};

std::unique_ptr<StdinSource> make(const std::string& name, int fd, const std::string& multiline = "") {
  SourceOptions common;
  common.name = name;
  common.type = "stdin";
  common.service = "app";
  common.multiline_start = multiline;
  StdinOptions so;
  so.fd = fd;
  so.multiline_flush_ms = 100;
  return std::make_unique<StdinSource>(common, so, testing::message_parser);
}

TEST(StdinSource, BatchingSinkGetsEveryLineInOrderAndFinishesOnItsAcks) {
  Pipe pipe;
  auto src = make(testing::unique_name("stdin_batch"), pipe.fds[0]);
  TestSink sink(TestSink::Mode::Hold, /*batches=*/true);
  ASSERT_FALSE(src->start(sink));
  std::string text;
  for (int i = 0; i < 1500; ++i) text += "l" + std::to_string(i) + "\n";
  pipe.write(text + "last without newline");
  pipe.close_write();
  ASSERT_TRUE(sink.wait_count(1501));
  EXPECT_GE(sink.batches_taken(), 3u);  // at most 512 lines per batch
  EXPECT_FALSE(src->finished());        // nothing acknowledged yet
  sink.ack_held();
  EXPECT_TRUE(eventually([&] { return src->finished(); }));
  EXPECT_TRUE(src->fully_acknowledged());
  src->stop();
  const auto msgs = sink.messages();
  ASSERT_EQ(msgs.size(), 1501u);
  for (int i = 0; i < 1500; ++i) EXPECT_EQ(msgs[i], "l" + std::to_string(i));
  EXPECT_EQ(msgs.back(), "last without newline");
  EXPECT_EQ(src->metrics().events.value(), 1501u);
}

TEST(StdinSource, ReadsUntilEofAndFinishesWhenAllAcknowledged) {
  Pipe pipe;
  auto src = make(testing::unique_name("stdin_basic"), pipe.fds[0]);
  TestSink sink(TestSink::Mode::Hold);
  ASSERT_FALSE(src->start(sink));
  pipe.write("alpha\nbeta\n");
  ASSERT_TRUE(sink.wait_count(2));
  pipe.write("gamma without newline");
  pipe.close_write();
  ASSERT_TRUE(sink.wait_count(3));
  // EOF reached, but nothing acknowledged yet: not finished.
  EXPECT_FALSE(src->finished());
  sink.ack_held();
  EXPECT_TRUE(eventually([&] { return src->finished(); }));
  EXPECT_TRUE(src->fully_acknowledged());
  src->stop();
  EXPECT_EQ(sink.messages(), (std::vector<std::string>{"alpha", "beta", "gamma without newline"}));
  EXPECT_EQ(sink.events()[0].source, "stdin");
  EXPECT_EQ(sink.events()[0].service, "app");
}

TEST(StdinSource, MultilineEventIsCompletedAtEof) {
  Pipe pipe;
  auto src = make(testing::unique_name("stdin_multi"), pipe.fds[0], "^[A-Z]+ ");
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  pipe.write("ERROR boom\n  at x\n  at y\nINFO fine\n  tail\n");
  pipe.close_write();
  ASSERT_TRUE(eventually([&] { return src->finished(); }));
  src->stop();
  EXPECT_EQ(sink.messages(), (std::vector<std::string>{"ERROR boom\n  at x\n  at y", "INFO fine\n  tail"}));
}

TEST(StdinSource, AFailedLineMeansNotFullyAcknowledged) {
  Pipe pipe;
  auto src = make(testing::unique_name("stdin_fail"), pipe.fds[0]);
  TestSink sink(TestSink::Mode::Hold);
  ASSERT_FALSE(src->start(sink));
  pipe.write("one\ntwo\n");
  pipe.close_write();
  ASSERT_TRUE(sink.wait_count(2));
  sink.fail_first_held();
  EXPECT_TRUE(eventually([&] { return src->finished(); }));
  EXPECT_FALSE(src->fully_acknowledged());
  src->stop(std::chrono::milliseconds(0));
  // Both were in flight when one failed: counted as lost (an upper bound; "two" was acknowledged).
  EXPECT_EQ(src->metrics().lost.value(), 2u);
  EXPECT_FALSE(src->fully_acknowledged());
}

TEST(StdinSource, BackpressureHoldsLinesUntilTheSinkAccepts) {
  Pipe pipe;
  auto src = make(testing::unique_name("stdin_bp"), pipe.fds[0]);
  TestSink sink(TestSink::Mode::Refuse);
  ASSERT_FALSE(src->start(sink));
  std::string lines;
  for (int i = 0; i < 1000; ++i) lines += "line " + std::to_string(i) + "\n";
  pipe.write(lines);
  pipe.close_write();
  EXPECT_TRUE(eventually([&] { return src->metrics().paused.value() == 1.0; }));
  EXPECT_FALSE(src->finished());
  sink.set_mode(TestSink::Mode::AckNow);
  EXPECT_TRUE(eventually([&] { return src->finished(); }));
  src->stop();
  ASSERT_EQ(sink.count(), 1000u);
  EXPECT_EQ(sink.messages()[999], "line 999");
}

}  // namespace
}  // namespace lt::sources
