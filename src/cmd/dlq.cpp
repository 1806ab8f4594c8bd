// `logtracer dlq replay`: sends dead letters back to the input topic once their
// cause is fixed. Reads the DLQ from the start (or --since) without committing,
// so a dry run and a replay see the same records.
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdio>
#include <random>

#include "cmd/commands.h"
#include "config/load.h"
#include "core/time.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "services/config_map.h"
#include "services/kafka_check.h"
#include "services/record_processor.h"

namespace lt::cmd {
namespace {

struct ReplayArgs {
  std::string config;
  std::string code;
  std::string contains;
  std::string since;
  std::uint64_t limit = 0;
  bool dry_run = false;
  double idle_seconds = 5;
};

int run_replay(const ReplayArgs& args) {
  auto loaded_config = services::load_config_or_report(args.config);
  if (!loaded_config) return 1;
  config::Config cfg = std::move(*loaded_config);
  std::int64_t since_ms = 0;
  if (!args.since.empty()) {
    auto ts = parse_rfc3339(args.since);
    if (!ts) {
      spdlog::error("--since '{}' is not an RFC 3339 time (e.g. 2026-11-27T10:00:00Z)", args.since);
      return 2;
    }
    since_ms = *ts / 1'000'000;
  }
  const auto client = services::kafka_client(cfg.kafka);
  if (auto e = services::check_kafka(client, "dlq replay")) {
    spdlog::error("kafka: {}", e->message);
    return 1;
  }
  kafka::ConsumerOptions copts;
  std::random_device rd;
  copts.group_id = "logtracer-dlq-replay-" + std::to_string(rd());  // never commits: a fresh group reads from the start
  copts.auto_commit = false;
  // --idle counts from the assignment: joining the group can take longer than
  // --idle, and a replay that gave up before it read anything would say "0 read".
  bool assigned = false;
  copts.hooks.on_assigned = [&assigned](const std::vector<kafka::TopicPartition>& parts) {
    if (!parts.empty()) assigned = true;
  };
  auto consumer = kafka::Consumer::create(client, copts);
  if (!consumer) {
    spdlog::error("kafka: {}", consumer.error().message);
    return 1;
  }
  std::unique_ptr<kafka::Producer> producer;
  if (!args.dry_run) {
    auto p = kafka::Producer::create(client, services::kafka_producer(cfg.kafka, nullptr));
    if (!p) {
      spdlog::error("kafka: {}", p.error().message);
      return 1;
    }
    producer = std::move(p).value();
  }
  if (auto st = (*consumer)->subscribe({cfg.kafka.topics.dlq})) {
    spdlog::error("kafka: {}", st->message);
    return 1;
  }
  std::uint64_t seen = 0, matched = 0;
  std::atomic<std::uint64_t> delivered{0}, failed{0};
  const auto started = std::chrono::steady_clock::now();
  auto last_record = started;
  constexpr auto kAssignTimeout = std::chrono::seconds(60);
  while (true) {
    const auto now = std::chrono::steady_clock::now();
    if (!assigned) {
      if (now - started > kAssignTimeout) {
        spdlog::error("kafka: no partition of {} assigned within {} s", cfg.kafka.topics.dlq,
                      std::chrono::duration_cast<std::chrono::seconds>(kAssignTimeout).count());
        (void)(*consumer)->close();
        return 1;
      }
      last_record = now;
    } else if (now - last_record >= std::chrono::duration<double>(args.idle_seconds)) {
      break;
    }
    kafka::Message msg = (*consumer)->poll(std::chrono::milliseconds(200));
    if (!msg) continue;
    if (auto err = msg.error()) {
      spdlog::warn("{}", err->message);
      continue;
    }
    last_record = std::chrono::steady_clock::now();
    ++seen;
    if (since_ms && msg.timestamp_ms() >= 0 && msg.timestamp_ms() < since_ms) continue;
    const auto code = msg.header(services::kDlqErrorCode).value_or("");
    if (!args.code.empty() && code != args.code) continue;
    if (!args.contains.empty() && msg.payload().find(args.contains) == std::string_view::npos &&
        msg.header(services::kDlqErrorMessage).value_or("").find(args.contains) == std::string_view::npos)
      continue;
    ++matched;
    const std::string origin = std::string(msg.header(services::kDlqTopic).value_or("?")) + "[" +
                               std::string(msg.header(services::kDlqPartition).value_or("?")) + "]@" +
                               std::string(msg.header(services::kDlqOffset).value_or("?"));
    if (args.dry_run) {
      std::printf("would replay %s[%d]@%lld from %s: %.*s\n", std::string(msg.topic()).c_str(), msg.partition(),
                  static_cast<long long>(msg.offset()), origin.c_str(), static_cast<int>(code.size()), code.data());
    } else {
      const std::string replayed = std::string(msg.topic()) + "[" + std::to_string(msg.partition()) + "]@" +
                                   std::to_string(msg.offset());
      const kafka::Header headers[] = {{"lt.replayed_from", replayed}};
      const kafka::OutgoingMessage out{
          .topic = cfg.kafka.topics.raw, .key = msg.key(), .payload = msg.payload(), .headers = headers};
      while (true) {
        auto st = producer->produce(out, [&](const kafka::DeliveryReport& r) { (r.ok() ? delivered : failed)++; });
        if (!st) break;
        if (!st->retriable()) {
          spdlog::error("replay of {}: {}", replayed, st->message);
          ++failed;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
    if (args.limit && matched >= args.limit) break;
  }
  (void)(*consumer)->close();
  if (producer) {
    if (auto st = producer->flush(std::chrono::seconds(60))) spdlog::error("flush: {}", st->message);
  }
  if (args.dry_run) {
    std::printf("%llu dead letters read, %llu would be replayed to %s (dry run: nothing sent)\n",
                static_cast<unsigned long long>(seen), static_cast<unsigned long long>(matched),
                cfg.kafka.topics.raw.c_str());
    return 0;
  }
  std::printf("%llu dead letters read, %llu replayed to %s, %llu failed\n", static_cast<unsigned long long>(seen),
              static_cast<unsigned long long>(delivered.load()), cfg.kafka.topics.raw.c_str(),
              static_cast<unsigned long long>(failed.load()));
  return failed.load() == 0 && delivered.load() == matched ? 0 : 1;
}

}  // namespace

void add_dlq(CLI::App& app, int& exit_code) {
  auto* dlq = app.add_subcommand("dlq", "Work with the dead-letter topic (kafka.topics.dlq)");
  dlq->require_subcommand(1);
  auto args = std::make_shared<ReplayArgs>();
  auto* replay = dlq->add_subcommand("replay", "Send dead letters back to the input topic (kafka.topics.raw)");
  replay->add_option("-c,--config", args->config, "Config file (YAML)")->check(CLI::ExistingFile);
  replay->add_option("--code", args->code, "Only dead letters with this error code (header lt.error.code), "
                                           "e.g. decode.not_json");
  replay->add_option("--contains", args->contains, "Only dead letters whose bytes or error message contain this text");
  replay->add_option("--since", args->since, "Only dead letters written at or after this RFC 3339 time");
  replay->add_option("--limit", args->limit, "Replay at most this many");
  replay->add_flag("--dry-run", args->dry_run, "List what would be replayed; send nothing");
  replay
      ->add_option("--idle", args->idle_seconds,
                   "Stop after this many seconds without a new dead letter (counted from the partition assignment)")
      ->capture_default_str();
  replay->footer(
      "Examples:\n"
      "  logtracer dlq replay --config config/consumer.yaml --code decode.not_json --dry-run\n"
      "  logtracer dlq replay --config config/consumer.yaml --since 2026-11-27T10:00:00Z --limit 1000\n"
      "Reads kafka.topics.dlq from the start (or --since) without committing, sends each match to\n"
      "kafka.topics.raw with the header lt.replayed_from, and exits once --idle seconds pass without a new\n"
      "dead letter. Exit status 0 when every match was delivered. Fix the cause first (docs/operations.md).");
  replay->callback([args, &exit_code] { exit_code = run_replay(*args); });
}

}  // namespace lt::cmd
