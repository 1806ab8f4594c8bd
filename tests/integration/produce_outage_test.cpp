// The broker is stopped for 20 s while a file and two generators feed
// `logtracer produce`: the process stays up and answers /healthz, its sources
// report paused, its memory grows by no more than its buffer settings allow
// (the fast "flood" generator alone would buffer several times that), and once
// the broker is back every event of the file and the other generator arrives.
// It stops a private broker started for it (scripts/kafka with its own dir and
// ports), not the shared one; CMakeLists.txt still runs "outage" tests with
// RUN_SERIAL so that the 20 s window and the restart are not starved of CPU.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <netinet/in.h>
#include <sys/socket.h>

#include "test_util.h"

namespace lt::it {
namespace {


// A broker of its own (scripts/kafka with another dir and ports), so stopping it
// disturbs no other test using the shared one; stopped and deleted at the end.
class PrivateBroker {
 public:
  explicit PrivateBroker(const std::string& dir)
      : dir_(dir), port_(free_port()), controller_port_(free_port()) {}
  ~PrivateBroker() {
    run("stop");
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string brokers() const { return "127.0.0.1:" + std::to_string(port_); }
  // Exit status of `scripts/kafka action` on this broker; its output goes to dir/script.log.
  int run(const std::string& action) const {
    const std::string command = "LT_KAFKA_DIR=" + dir_ + " LT_KAFKA_PORT=" + std::to_string(port_) +
                                " LT_KAFKA_CONTROLLER_PORT=" + std::to_string(controller_port_) +
                                " LT_KAFKA_HEAP=256m " + std::string(LT_SOURCE_DIR) + "/scripts/kafka " + action +
                                " >>" + dir_ + ".script.log 2>&1";
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::string script_log() const { return read_file(dir_ + ".script.log"); }

 private:
  std::string dir_;
  int port_;
  int controller_port_;
};

TEST(ProduceOutage, BrokerDownTwentySecondsNothingMissingMemoryBounded) {
  constexpr int kGeneratorLimit = 30'000;
  // The flood generator's rate: in 20 s that is 800k events of a few hundred
  // bytes each, far above the bound below if nothing paused it.
  constexpr int kFloodRate = 40'000;
  constexpr std::int64_t kBufferEvents = 20'000;
  constexpr std::int64_t kBufferBytes = 8 << 20;
  // librdkafka's queue (buffer_bytes of payload plus per-message overhead), the
  // batches the sink and the sources hold, and slack for the allocator and threads.
  constexpr std::int64_t kRssGrowthLimitKib = (2 * kBufferBytes + kBufferEvents * 1024 + (48 << 20)) / 1024;
  TempDir dir;
  PrivateBroker broker(dir.file("kafka"));
  const auto broker_start = Clock::now();
  ASSERT_EQ(broker.run("start"), 0) << broker.script_log();
  std::printf("[ outage ] private broker %s started in %lld ms\n", broker.brokers().c_str(),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - broker_start).count()));
  // Every client of this test (topic, reader, the producer's config) goes there.
  ::setenv("LT_KAFKA_BROKERS", broker.brokers().c_str(), 1);
  TestTopic topic("it.produce.outage");
  ASSERT_EQ(topic.error(), "") << broker.script_log();
  const std::string app_log = dir.file("app.log");
  { std::ofstream touch(app_log); }
  const std::string config = dir.file("producer.yaml");
  auto config_text = [&](bool flood) {
    return producer_config(topic.name(), dir.file("checkpoints"),
                           file_source("app", app_log) +
                               "    - name: sim\n"
                               "      type: generator\n"
                               "      services: [sim]\n"
                               "      rate: 2000\n"
                               "      limit: " + std::to_string(kGeneratorLimit) + "\n" +
                               (flood ? "    - name: flood\n"
                                        "      type: generator\n"
                                        "      services: [flood]\n"
                                        "      rate: " + std::to_string(kFloodRate) + "\n"
                                      : std::string()),
                           "  buffer_events: " + std::to_string(kBufferEvents) + "\n" +
                               "  buffer_bytes: " + std::to_string(kBufferBytes) + "\n",
                           "127.0.0.1:0");
  };
  std::ofstream(config) << config_text(true);
  const std::string log = dir.file("produce.log");

  // The file grows at ~200 lines/s during the whole test (pacing, not synchronisation).
  LineWriter writer(app_log, "outage", 1, 5ms);

  TopicReader reader(topic.name());
  ASSERT_EQ(reader.error(), "");
  Child child({"produce", "--config", config}, log);
  ASSERT_GT(child.pid(), 0);
  ASSERT_TRUE(reader.read_until([&] { return reader.count_service("app") >= 200 && reader.count_service("sim") >= 1000; },
                                30s))
      << read_file(log);
  int port = 0;
  ASSERT_TRUE(kafka::testing::wait_until([&] { return (port = admin_port(log)) != 0; }, 10s)) << read_file(log);
  EXPECT_NE(http_get(port, "/healthz").find(" 200 "), std::string::npos);

  // Outage. The baseline is taken after the producer ran at full speed, so its
  // allocator arenas and librdkafka's threads are already there.
  const std::int64_t rss_before = rss_kib(child.pid());
  const auto outage_start = Clock::now();
  ASSERT_EQ(broker.run("stop"), 0) << broker.script_log();
  std::int64_t max_rss = 0;
  bool healthz_answered = false;
  bool flood_paused = false, app_paused = false;
  int samples = 0;
  while (Clock::now() - outage_start < 20s) {
    ASSERT_TRUE(child.alive()) << "producer died during the outage\n" << read_file(log);
    max_rss = std::max(max_rss, rss_kib(child.pid()));
    ++samples;
    if (!flood_paused || !app_paused) {
      const std::string m = http_get(port, "/metrics");
      flood_paused = flood_paused || m.find("logtracer_source_paused{source=\"flood\"} 1\n") != std::string::npos;
      app_paused = app_paused || m.find("logtracer_source_paused{source=\"app\"} 1\n") != std::string::npos;
    }
    if (!healthz_answered && Clock::now() - outage_start > 10s)
      healthz_answered = http_get(port, "/healthz").rfind("HTTP/1.1 ", 0) == 0;
    std::this_thread::sleep_for(200ms);  // sampling period
  }
  const std::string metrics_during = http_get(port, "/metrics");
  const auto restart_begin = Clock::now();
  ASSERT_EQ(broker.run("start"), 0) << "broker did not come back\n" << broker.script_log();
  const auto restart_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - restart_begin).count();
  EXPECT_TRUE(healthz_answered) << "/healthz did not answer during the outage";
  EXPECT_TRUE(flood_paused) << "the flood generator never reported paused during the 20 s outage";
  EXPECT_TRUE(app_paused) << "the file source never reported paused during the 20 s outage";
  EXPECT_LT(max_rss - rss_before, kRssGrowthLimitKib)
      << "RSS grew from " << rss_before << " to " << max_rss << " KiB during the outage";

  // The flood has done its job: removed by a live reload, so the reader below
  // only has its backlog to get through.
  write_by_rename(config, config_text(false));
  EXPECT_TRUE(kafka::testing::wait_until(
      [&] { return read_file(log).find("source flood stopped") != std::string::npos; }, 30s))
      << read_file(log);

  // A few more seconds of writing once the broker is back, then everything must arrive.
  const int written_at_restart = writer.written();
  kafka::testing::wait_until([&] { return writer.written() >= written_at_restart + 500; }, 30s);
  writer.stop();
  const int lines = writer.written();
  auto next_check = Clock::now();  // a full tally is O(lines): at most every 200 ms
  const bool complete = reader.read_until(
      [&] {
        if (reader.count_service("app") < static_cast<std::size_t>(lines) ||
            reader.distinct_ids("sim") < static_cast<std::size_t>(kGeneratorLimit) || Clock::now() < next_check)
          return false;
        next_check = Clock::now() + 200ms;
        return tally(reader.messages(), "outage", lines).missing == 0;
      },
      180s);
  reader.read_for(2s);
  const Tally t = tally(reader.messages(), "outage", lines);
  EXPECT_TRUE(complete) << read_file(log);
  EXPECT_EQ(t.missing, 0) << "of " << lines << " file lines";
  EXPECT_EQ(t.duplicates, 0) << "idempotent producer: a broker restart must not duplicate";
  EXPECT_EQ(reader.distinct_ids("sim"), static_cast<std::size_t>(kGeneratorLimit)) << "generator events lost";
  EXPECT_EQ(reader.count_service("sim"), static_cast<std::size_t>(kGeneratorLimit)) << "generator events duplicated";
  EXPECT_TRUE(child.alive()) << read_file(log);
  std::printf("[ outage ] %d file lines + %d generated + %zu flood, RSS %lld -> max %lld KiB (limit +%lld) over %d samples, "
              "broker restart %lld ms, "
              "dups %d, reader re-reads %zu\n",
              lines, kGeneratorLimit, reader.count_service("flood"), static_cast<long long>(rss_before), static_cast<long long>(max_rss),
              static_cast<long long>(kRssGrowthLimitKib), samples, static_cast<long long>(restart_ms),
              t.duplicates, reader.rereads());
  if (::testing::Test::HasFailure())
    std::printf("metrics during outage:\n%s\nproducer log:\n%s\n", metrics_during.c_str(), read_file(log).c_str());
}

}  // namespace
}  // namespace lt::it
