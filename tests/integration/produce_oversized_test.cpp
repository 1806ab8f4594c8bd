// A line bigger than Kafka accepts (message.max.bytes, 1 MB by default) must not
// stall its file: `logtracer produce` cuts the event's message to fit, flags it
// `truncated`, and moves on to the next line. Before, the broker's permanent
// refusal failed the batch and the file was re-read from the same line forever.
#include <gtest/gtest.h>

#include "core/utf8.h"
#include "test_util.h"

namespace lt::it {
namespace {

struct Received {
  std::string message;
  bool truncated = false;
  std::size_t bytes = 0;
};

// Every event of the topic, in order.
std::vector<Received> read_all(kafka::Consumer& consumer, std::vector<Received> have, std::chrono::milliseconds for_) {
  EventDecoder decoder;
  LogEvent event;
  const auto deadline = Clock::now() + for_;
  while (Clock::now() < deadline) {
    kafka::Message m = consumer.poll(100ms);
    if (!m || m.error()) continue;
    if (decoder.decode(m.payload(), event)) continue;
    const Attribute* flag = event.attribute("truncated");
    have.push_back({event.message, flag && flag->value == "true", m.payload().size()});
  }
  return have;
}

TEST(ProduceOversized, A2MBLineArrivesCutToFitAndFlaggedAndTheFileMovesOn) {
  TempDir dir;
  TestTopic topic("it.produce.oversized");
  ASSERT_EQ(topic.error(), "") << "is the broker up? scripts/kafka start";
  const std::string app_log = dir.file("app.log");
  // 2 MB of two-byte characters: a cut in the middle of one would be invalid UTF-8.
  std::string big = "oversized ";
  while (big.size() < 2'000'000) big += "\xC3\xA9";
  {
    std::ofstream out(app_log);
    out << seq_line("before", 0) << "\n" << big << "\n" << seq_line("after", 0) << "\n";
  }
  const std::string config = dir.file("producer.yaml");
  std::ofstream(config) << producer_config(topic.name(), dir.file("checkpoints"),
                                           file_source("app", app_log, "      max_line_bytes: 4MiB\n"));
  const std::string log = dir.file("produce.log");

  kafka::ConsumerOptions options;
  options.group_id = kafka::testing::unique_name("it.reader");
  auto consumer = kafka::Consumer::create(kafka::testing::local_config("it-reader"), options);
  ASSERT_TRUE(consumer) << consumer.error().message;
  ASSERT_FALSE((*consumer)->subscribe({topic.name()}));

  Child child({"produce", "--config", config}, log);
  ASSERT_GT(child.pid(), 0);
  std::vector<Received> got;
  const auto deadline = Clock::now() + 40s;
  auto has_after = [&] {
    return std::any_of(got.begin(), got.end(), [](const Received& r) { return r.message == seq_line("after", 0); });
  };
  while (!has_after() && Clock::now() < deadline) got = read_all(**consumer, std::move(got), 500ms);
  ASSERT_TRUE(has_after()) << "the line after the big one never arrived (the file is stuck)\n" << read_file(log);
  // Re-reads of a stuck line would keep coming: watch a little longer.
  got = read_all(**consumer, std::move(got), 2s);

  ASSERT_EQ(got.size(), 3U) << read_file(log);
  EXPECT_EQ(got[0].message, seq_line("before", 0));
  EXPECT_FALSE(got[0].truncated);
  const Received& cut = got[1];
  EXPECT_TRUE(cut.truncated);
  EXPECT_EQ(cut.message.rfind("oversized \xC3\xA9", 0), 0U) << "the head of the line is kept";
  EXPECT_TRUE(is_valid_utf8(cut.message));
  EXPECT_LE(cut.bytes, 1'000'000U) << "within the producer's message.max.bytes";
  EXPECT_GT(cut.message.size(), 900'000U) << "cut no more than needed";
  EXPECT_EQ(got[2].message, seq_line("after", 0));
  EXPECT_FALSE(got[2].truncated);
  EXPECT_NE(read_file(log).find("cut to fit"), std::string::npos) << read_file(log);

  child.kill(SIGTERM);
  auto status = child.wait_exit(30s);
  ASSERT_TRUE(status.has_value()) << read_file(log);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << read_file(log);
  (void)(*consumer)->close();
}

}  // namespace
}  // namespace lt::it
