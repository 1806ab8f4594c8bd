// `logtracer consume`: a member of the processing consumer group.
#include <spdlog/spdlog.h>

#include <thread>

#include "cmd/commands.h"
#include "config/load.h"
#include "services/admin_server.h"
#include "services/alerting.h"
#include "services/config_map.h"
#include "services/config_reload.h"
#include "services/consume_service.h"
#include "services/pipeline_builder.h"
#include "services/signals.h"

namespace lt::cmd {
namespace {

struct ConsumeArgs {
  std::string config;
  std::string group;
};

int run_consume(const ConsumeArgs& args) {
  services::SignalWatcher signals;
  auto loaded_config = services::load_config_or_report(args.config);
  if (!loaded_config) return 1;
  config::Config cfg = std::move(*loaded_config);
  if (!args.group.empty()) cfg.consumer.group_id = args.group;

  auto pipeline = services::build_pipeline(cfg.consumer);
  if (auto* e = std::get_if<Error>(&pipeline)) {
    spdlog::error("{}", e->message);
    return 1;
  }
  auto slot = std::make_shared<PipelineSlot>(std::get<0>(pipeline));

  // Alert notifications go to the alerts topic through the service's producer.
  std::atomic<services::ConsumeService*> service_ptr{nullptr};
  auto publish = services::alerts_to_kafka(
      [&service_ptr] {
        auto* s = service_ptr.load();
        return s ? s->producer() : nullptr;
      }, cfg.kafka.topics.alerts);
  std::unique_ptr<services::AlertRunner> alerts;
  {
    auto runner = services::AlertRunner::create(cfg.consumer, publish);
    if (auto* e = std::get_if<Error>(&runner)) {
      spdlog::error("alerts: {}", e->message);
      return 1;
    }
    alerts = std::get<0>(std::move(runner));
  }

  services::ConsumeService service(services::consume_options(cfg), slot, alerts.get());
  if (auto err = service.start()) {
    spdlog::error("kafka: {}", err->message);
    return 1;
  }
  service_ptr = &service;

  auto admin = services::start_admin_server(cfg.consumer.admin, [] { return std::string(); });
  if (auto* e = std::get_if<Error>(&admin)) {
    spdlog::error("{}", e->message);
    return 1;
  }

  auto watcher = services::watch_config(args.config, signals, [&](const config::Config& next) -> std::optional<Error> {
    if (!(next.kafka == cfg.kafka) || next.consumer.group_id != cfg.consumer.group_id ||
        next.consumer.guarantee != cfg.consumer.guarantee || next.consumer.workers != cfg.consumer.workers) {
      spdlog::warn("kafka, group_id, guarantee and workers take effect at the next restart");
    }
    return services::reload_processing(next.consumer, *slot, *alerts);
  });

  auto err = service.run(signals.stop_requested());
  if (watcher) watcher->stop();
  alerts->stop();
  if (err) {
    spdlog::error("consume: {}", err->message);
    return 1;
  }
  return 0;
}

}  // namespace

void add_consume(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ConsumeArgs>();
  auto* sub = app.add_subcommand("consume",
                                 "Process logs as a member of a Kafka consumer group: filter, enrich, redact, alert, "
                                 "dead-letter");
  sub->add_option("-c,--config", args->config, "Config file (YAML); filters, enrichment and alerts reload live")
      ->check(CLI::ExistingFile);
  sub->add_option("--group", args->group, "Consumer group id (overrides consumer.group_id)");
  sub->footer(
      "Example: logtracer consume --config config/consumer.yaml\n"
      "Run as many as you like with the same group id: they share the partitions of kafka.topics.raw.\n"
      "An input offset is committed only after every output of the record was acknowledged (at_least_once),\n"
      "or inside a Kafka transaction with the outputs (guarantee: exactly_once). SIGTERM drains and exits.");
  sub->callback([args, &exit_code] { exit_code = run_consume(*args); });
}

}  // namespace lt::cmd
