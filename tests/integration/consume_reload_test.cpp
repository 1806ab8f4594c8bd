// Filter rules reloaded live by a real `logtracer consume` while events flow:
// a SIGHUP (the file changed where inotify cannot see it) and a save by rename
// each swap the rules, an invalid edit is rejected and the running rules stay.
// The verifier checks every event: it was processed once or dropped (counted
// per rule), and the outcomes in input order follow the rule versions in the
// order they were applied, each version a contiguous stretch: no event lost,
// duplicated or judged by a mix of two versions.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <thread>

#include "consume_util.h"

namespace lt::it {
namespace {

using kafka::testing::unique_name;
using kafka::testing::wait_until;

const char* const kServices[] = {"alpha", "beta", "gamma", "delta"};

std::string message_of(int seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "seq=%06d", seq);
  return buf;
}

// Version v (1-based) drops the service kServices[v - 1].
std::string rules(int version) {
  const std::string s = kServices[version - 1];
  return "  filters:\n    - {name: drop-" + s + ", query: \"service:" + s + "\"}\n";
}

// Writes events seq=0,1,2... to one partition, services in turn, paced, until stopped.
class EventStream {
 public:
  explicit EventStream(const std::string& topic)
      : thread_([this, topic] {
          auto producer = kafka::Producer::create(kafka::testing::local_config("it-reload-input"));
          if (!producer) return;
          for (int seq = 0; !stop_.load() && seq < 50'000; ++seq) {
            const std::string payload =
                event_json(new_event_id(), kServices[seq % 4], message_of(seq), {{"seq", std::to_string(seq)}});
            while ((*producer)->produce({.topic = topic, .key = "k", .payload = payload},
                                        [this](const kafka::DeliveryReport& r) {
                                          if (!r.ok()) ++failed_;
                                        }))
              std::this_thread::sleep_for(1ms);
            produced_.store(seq + 1);
            std::this_thread::sleep_for(2ms);  // pacing, so that the swaps land mid-stream
          }
          (void)(*producer)->flush(30s);
          done_.store(true);
        }) {}
  ~EventStream() { stop(); }
  // Events handed to the producer so far (all delivered once stop() returned).
  int produced() const { return produced_.load(); }
  int failed() const { return failed_.load(); }
  void stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  bool finished() const { return done_.load(); }

 private:
  std::atomic<bool> stop_{false}, done_{false};
  std::atomic<int> produced_{0}, failed_{0};
  std::thread thread_;
};

TEST(ConsumeReload, FilterRulesSwapWithoutLossAndAnInvalidEditIsRejected) {
  ConsumeTopics t("it.reload");
  ASSERT_EQ(t.error(), "");
  TempDir dir;
  // The consumer watches conf/; the file it reads first is a symlink into real/,
  // whose changes inotify on conf/ does not see: only SIGHUP reloads them.
  std::filesystem::create_directories(dir.file("conf"));
  std::filesystem::create_directories(dir.file("real"));
  const std::string config = dir.file("conf/consume.yaml"), real = dir.file("real/consume.yaml");
  const std::string log = dir.file("consume.log");
  const std::string group = unique_name("it.reload");
  auto config_text = [&](const std::string& filters) {
    return consume_config(t, group, "  workers: 1\n  enrich: {processing_host: false}\n" + filters);
  };
  write_by_rename(real, config_text(rules(1)));
  std::filesystem::create_symlink(real, config);
  Child consumer({"consume", "--config", config}, log);

  int port = 0;
  ASSERT_TRUE(wait_until([&] { return (port = admin_port(log)) != 0 || !consumer.alive(); }, 30s, 50ms) && port)
      << read_file(log);
  auto metric = [&](const std::string& name, const std::string& labels) {
    return metric_value(http_get(port, "/metrics"), name, labels);
  };
  auto reloads = [&](const char* result) {
    return std::max(0.0, metric("logtracer_config_reloads_total", std::string("result=\"") + result + "\""));
  };
  // Waits until the consumer dropped `n` more events by `rule`.
  auto wait_dropped = [&](const std::string& rule, double n) {
    const double before = std::max(0.0, metric("logtracer_filter_dropped_total", "rule=\"" + rule + "\""));
    return wait_until([&] { return metric("logtracer_filter_dropped_total", "rule=\"" + rule + "\"") >= before + n; },
                      30s, 50ms);
  };

  EventStream stream(t.raw.name());
  ASSERT_TRUE(wait_dropped("drop-alpha", 50)) << "version 1 never applied\n" << read_file(log).substr(0, 4000);

  // Swap 1: SIGHUP.
  write_by_rename(real, config_text(rules(2)));
  consumer.kill(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return reloads("ok") >= 1; }, 15s, 50ms)) << read_file(log).substr(0, 4000);
  ASSERT_TRUE(wait_dropped("drop-beta", 50)) << read_file(log).substr(0, 4000);

  // Swap 2: saved by rename over the watched name (the symlink is replaced by a file).
  write_by_rename(config, config_text(rules(3)));
  ASSERT_TRUE(wait_until([&] { return reloads("ok") >= 2; }, 15s, 50ms)) << read_file(log).substr(0, 4000);
  ASSERT_TRUE(wait_dropped("drop-gamma", 50)) << read_file(log).substr(0, 4000);

  // An invalid edit: rejected, version 3 keeps running.
  write_by_rename(config, config_text("  filters:\n    - {name: broken, query: \"service:(\"}\n"));
  ASSERT_TRUE(wait_until([&] { return reloads("failed") >= 1; }, 15s, 50ms)) << read_file(log).substr(0, 4000);
  EXPECT_NE(read_file(log).find("config reload rejected"), std::string::npos);
  ASSERT_TRUE(wait_dropped("drop-gamma", 50)) << "the old rules stopped after an invalid edit";
  EXPECT_EQ(reloads("ok"), 2);

  stream.stop();
  ASSERT_TRUE(stream.finished());
  ASSERT_EQ(stream.failed(), 0);
  const int total = stream.produced();

  // Every event accounted for: processed (once) or dropped.
  RecordReader reader({t.processed.name()});
  ASSERT_EQ(reader.error(), "");
  double dropped = 0;
  ASSERT_TRUE(reader.read_until(
      [&] {
        dropped = metric("logtracer_consumer_events_total", "outcome=\"dropped\"");
        return static_cast<double>(reader.records().size()) + dropped >= total;
      },
      45s))
      << "processed " << reader.records().size() << " + dropped " << dropped << " of " << total;
  reader.read_for(1s);  // a late duplicate would show here

  std::vector<int> seen(static_cast<std::size_t>(total), 0);
  for (const auto& r : reader.records()) {
    LogEvent e;
    ASSERT_FALSE(EventDecoder().decode(r.payload, e)) << r.payload;
    const int seq = std::stoi(e.attribute("seq")->value);
    ASSERT_GE(seq, 0);
    ASSERT_LT(seq, total);
    ++seen[static_cast<std::size_t>(seq)];
  }
  int processed = 0, duplicated = 0;
  std::map<std::string, int> dropped_by;
  for (int seq = 0; seq < total; ++seq) {
    processed += seen[static_cast<std::size_t>(seq)] > 0;
    duplicated += seen[static_cast<std::size_t>(seq)] > 1;
    if (!seen[static_cast<std::size_t>(seq)]) ++dropped_by[kServices[seq % 4]];
  }
  EXPECT_EQ(duplicated, 0);
  EXPECT_EQ(processed + dropped, total) << "lost: neither processed nor dropped";
  EXPECT_EQ(metric("logtracer_consumer_events_total", "outcome=\"dead_lettered\""), 0);
  EXPECT_EQ(dropped_by["delta"], 0) << "no version drops delta";
  for (const char* s : {"alpha", "beta", "gamma"})
    EXPECT_EQ(metric("logtracer_filter_dropped_total", std::string("rule=\"drop-") + s + "\""), dropped_by[s]) << s;

  // In input order (one partition, one worker), each event's fate names the
  // versions it is consistent with; they must be applied 1, 2, 3, never back.
  int version = 1;
  std::map<int, int> first_of{{1, 0}};
  for (int seq = 0; seq < total; ++seq) {
    const int s = seq % 4;  // drops happen under version s + 1
    const bool was_dropped = seen[static_cast<std::size_t>(seq)] == 0;
    if (s == 3) continue;
    if (was_dropped) {
      ASSERT_GE(s + 1, version) << message_of(seq) << " dropped by version " << s + 1 << " after version " << version;
      version = s + 1;
    } else if (version == s + 1) {
      // Kept although the current version drops it: only a later version fits.
      ASSERT_LT(version, 3) << message_of(seq) << " kept under version 3";
      ++version;
    }
    first_of.emplace(version, seq);
  }
  EXPECT_EQ(version, 3);
  std::printf("[ verifier ] %d events: %d processed, %.0f dropped (alpha %d, beta %d, gamma %d); version 2 from "
              "seq %d, version 3 from seq %d\n",
              total, processed, dropped, dropped_by["alpha"], dropped_by["beta"], dropped_by["gamma"], first_of[2],
              first_of[3]);

  expect_clean_stop(consumer, log);
}

}  // namespace
}  // namespace lt::it
