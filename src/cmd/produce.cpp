// `logtracer produce`: sources → LogEvent → Kafka, with hot-reloaded sources.
#include <spdlog/spdlog.h>

#include <thread>

#include "cmd/commands.h"
#include "config/load.h"
#include "kafka/producer.h"
#include "services/admin_server.h"
#include "services/config_map.h"
#include "services/config_reload.h"
#include "services/kafka_sink.h"
#include "services/signals.h"
#include "sources/source_config.h"
#include "sources/source_manager.h"

namespace lt::cmd {
namespace {

struct ProduceArgs {
  std::string config;
  bool stdin_source = false;
  std::string service = "stdin";
  std::string environment = "production";
  std::string parser = "raw";
};

// Forwards to the current sink, so the source manager survives a Kafka reconnect.
class SwitchableSink : public EventSink {
 public:
  void set(EventSink* sink) { sink_.store(sink); }
  bool send(Envelope& env, std::chrono::milliseconds wait) override {
    EventSink* s = sink_.load();
    return s && s->send(env, wait);
  }
  bool accepts_batches() const override {
    EventSink* s = sink_.load();
    return s && s->accepts_batches();
  }
  bool send_batch(EventBatch& batch, std::chrono::milliseconds wait) override {
    EventSink* s = sink_.load();
    return s && s->send_batch(batch, wait);
  }

 private:
  std::atomic<EventSink*> sink_{nullptr};
};

void log_outcome(const sources::SourceManager::Outcome& o) {
  for (const auto& n : o.started) spdlog::info("source '{}' started", n);
  for (const auto& n : o.restarted) spdlog::info("source '{}' restarted with its new settings", n);
  for (const auto& n : o.stopped) spdlog::info("source '{}' stopped", n);
  for (const auto& e : o.errors) spdlog::error("{}", e.message);
}

int run_produce(const ProduceArgs& args) {
  services::SignalWatcher signals;
  auto loaded_config = services::load_config_or_report(args.config);
  if (!loaded_config) return 1;
  config::Config cfg = std::move(*loaded_config);
  // The sources of a config (plus --stdin), or why they cannot be built.
  auto specs_for = [&args](const config::Config& c) -> std::variant<std::vector<sources::SourceSpec>, Error> {
    config::ProducerConfig producer = c.producer;
    if (args.stdin_source) {
      config::SourceConfig s;
      s.name = "stdin";
      s.type = "stdin";
      s.service = args.service;
      s.environment = args.environment;
      s.parser = args.parser;
      producer.sources.push_back(s);
    }
    auto specs = sources::source_specs_from_config(producer);
    if (auto* list = std::get_if<std::vector<sources::SourceSpec>>(&specs)) {
      // The producer buffer bounds the events in flight per source, too.
      for (auto& spec : *list)
        spec.common.ack_window = std::clamp<std::uint64_t>(c.producer.buffer_events, 64, 1'000'000);
    }
    return specs;
  };
  auto initial = specs_for(cfg);
  if (auto* e = std::get_if<Error>(&initial)) {
    spdlog::error("{}", e->message);
    return 1;
  }
  if (std::get<0>(initial).empty()) {
    spdlog::error("no sources: add some under producer.sources in {} or use --stdin",
                  args.config.empty() ? "a config file (--config)" : args.config);
    return 1;
  }

  auto connected = services::connect_raw_topic(cfg);
  if (auto* e = std::get_if<Error>(&connected)) {
    spdlog::error("kafka: {}", e->message);
    return 1;
  }
  services::RawTopicOutput out = std::move(std::get<services::RawTopicOutput>(connected));
  SwitchableSink sink;
  sink.set(out.sink.get());

  sources::SourceManager manager(sink);
  log_outcome(manager.apply(std::get<0>(initial)));
  if (manager.names().empty()) return 1;

  auto admin = services::start_admin_server(cfg.producer.admin, [&]() -> std::string {
    if (auto fatal = out.producer->fatal_error()) return fatal->message;
    return "";
  });
  if (auto* e = std::get_if<Error>(&admin)) {
    spdlog::error("{}", e->message);
    return 1;
  }

  auto watcher = services::watch_config(args.config, signals, [&](const config::Config& next) -> std::optional<Error> {
    auto next_specs = specs_for(next);
    if (auto* e = std::get_if<Error>(&next_specs)) return *e;
    if (!(next.kafka == cfg.kafka)) {
      // Reconnect: drain every source into the old producer, then switch.
      spdlog::info("kafka settings changed: draining sources and reconnecting");
      manager.stop_all();
      if (!out.sink->drain(std::chrono::seconds(30))) spdlog::warn("kafka: batches still queued after 30 s");
      if (auto st = out.producer->flush(std::chrono::seconds(30))) spdlog::warn("flush: {}", st->message);
      auto fresh = services::connect_raw_topic(next);
      if (auto* e = std::get_if<Error>(&fresh)) {
        log_outcome(manager.apply(std::get<0>(specs_for(cfg))));
        return Error::transient(e->code, "kafka: " + e->message + "; keeping the previous connection");
      }
      services::RawTopicOutput replacement = std::move(std::get<services::RawTopicOutput>(fresh));
      sink.set(replacement.sink.get());
      out = std::move(replacement);
    }
    log_outcome(manager.apply(std::get<0>(next_specs)));
    cfg = next;
    return std::nullopt;
  });

  while (!signals.stop_requested().load()) {
    if (manager.all_finished()) break;  // only finite sources (stdin, a generator with a limit) finish
    if (auto fatal = out.producer->fatal_error()) {
      spdlog::error("kafka producer failed: {}", fatal->message);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (watcher) watcher->stop();
  spdlog::info("stopping: draining sources and flushing to Kafka");
  // Asked after each source's drain: before it, events merely in flight under
  // load would make a clean shutdown exit 1. The drain is as long as the flush
  // below, so whatever Kafka acknowledges in time counts.
  const bool all_acked = manager.stop_all(std::chrono::seconds(30));
  if (!out.sink->drain(std::chrono::seconds(30))) {
    spdlog::error("kafka: batches still queued after 30 s");
    return 1;
  }
  if (auto st = out.producer->flush(std::chrono::seconds(30))) {
    spdlog::error("flush: {}", st->message);
    return 1;
  }
  return all_acked ? 0 : 1;
}

}  // namespace

void add_produce(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ProduceArgs>();
  auto* sub = app.add_subcommand("produce", "Collect logs from the configured sources and ship them to Kafka");
  sub->add_option("-c,--config", args->config, "Config file (YAML); reloaded on change and on SIGHUP")
      ->check(CLI::ExistingFile);
  sub->add_flag("--stdin", args->stdin_source, "Also read events from standard input (one per line) until EOF");
  sub->add_option("--service", args->service, "Service name for --stdin events")->capture_default_str();
  sub->add_option("--environment", args->environment, "Environment for --stdin events")->capture_default_str();
  sub->add_option("--parser", args->parser, "Parser for --stdin lines: json logfmt regex nginx apache syslog log4j raw")
      ->capture_default_str();
  sub->footer(
      "Examples:\n"
      "  logtracer produce --config config/producer.yaml\n"
      "  my-app 2>&1 | logtracer produce --stdin --service my-app --parser json\n"
      "Sources advance only after Kafka acknowledged their events; SIGTERM drains and exits.");
  sub->callback([args, &exit_code] { exit_code = run_produce(*args); });
}

}  // namespace lt::cmd
