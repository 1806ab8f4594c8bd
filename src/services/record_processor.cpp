#include "services/record_processor.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "core/time.h"

namespace lt::services {

RecordProcessor::RecordProcessor(std::shared_ptr<PipelineSlot> pipeline, RetryPolicy retry, EventObserver* observer,
                                 DecodeOptions decode)
    : pipeline_(std::move(pipeline)),
      backoff_(retry),
      observer_(observer),
      decoder_(decode),
      in_(MetricsRegistry::global().counter("logtracer_consumer_events_total", "Records taken by the consumer, by outcome.",
                                            {{"outcome", "in"}})),
      processed_(MetricsRegistry::global().counter("logtracer_consumer_events_total", "", {{"outcome", "processed"}})),
      dropped_(MetricsRegistry::global().counter("logtracer_consumer_events_total", "", {{"outcome", "dropped"}})),
      dead_lettered_(
          MetricsRegistry::global().counter("logtracer_consumer_events_total", "", {{"outcome", "dead_lettered"}})),
      retries_(MetricsRegistry::global().counter("logtracer_consumer_retries_total",
                                                 "Retries of transient processing failures.")) {}

Counter& dead_lettered_counter(std::string_view stage) {
  return MetricsRegistry::global().counter("logtracer_consumer_dead_lettered_total",
                                           "Records sent to the dead-letter topic, by the stage that failed.",
                                           {{"stage", std::string(stage)}});
}

std::vector<std::pair<std::string, std::string>> dead_letter_headers(std::string_view code, std::string message,
                                                                     std::string_view stage, const Origin& origin,
                                                                     int attempts) {
  return {{std::string(kDlqErrorCode), std::string(code)},
          {std::string(kDlqErrorMessage), std::move(message)},
          {std::string(kDlqStage), std::string(stage)},
          {std::string(kDlqTopic), std::string(origin.topic)},
          {std::string(kDlqPartition), std::to_string(origin.partition)},
          {std::string(kDlqOffset), std::to_string(origin.offset)},
          {std::string(kDlqFailedAt), format_rfc3339(now_ns())},
          {std::string(kDlqAttempts), std::to_string(attempts)}};
}

std::shared_ptr<AckGroup> join_outputs(const AckRef& record, const std::vector<Output>& outputs) {
  std::shared_ptr<AckBatch> alerts;
  for (const auto& out : outputs)
    if (out.alerts) alerts = out.alerts;
  const std::size_t count = outputs.size() + (alerts ? 1 : 0);
  if (count == 0) record.ack();  // filtered out: done with it
  if (count <= 1) return nullptr;
  auto group = AckGroup::create(record, static_cast<int>(count));
  if (alerts) alerts->then([group](bool ok) { ok ? group->ack() : group->fail(); });
  return group;
}

void RecordProcessor::dead_letter(std::string_view key, std::string_view payload, const Origin& origin,
                                  std::string_view code, std::string_view message, std::string_view stage,
                                  int attempts, bool json_payload, std::vector<Output>& out) {
  dead_lettered_.inc();
  dead_lettered_counter(stage).inc();  // cold path: a registry lookup is fine
  Output& o = out.emplace_back();
  o.kind = Output::Kind::DeadLetter;
  o.key.assign(key);
  o.payload.assign(payload);
  std::string why(message);
  // A dead letter leaves the consumer too: the redact step scrubs it like an event.
  if (const auto pipeline = pipeline_->load()) {
    pipeline->scrub(o.payload, json_payload);
    pipeline->scrub(why, false);
  }
  o.headers = dead_letter_headers(code, std::move(why), stage, origin, attempts);
}

void RecordProcessor::process_record(std::string_view key, std::string_view payload, const Origin& origin,
                                     std::vector<Output>& out) {
  if (auto err = decoder_.decode(payload, scratch_)) {
    in_.inc();
    dead_letter(key, payload, origin, to_string(err->code), err->message(), "decode", 1, false, out);
    return;
  }
  fill_defaults(scratch_);
  process_event(std::move(scratch_), key, origin, out, payload);
  scratch_ = LogEvent{};
}

void RecordProcessor::process_event(LogEvent event, std::string_view original_key, const Origin& origin,
                                    std::vector<Output>& out, std::string_view original) {
  in_.inc();
  const std::shared_ptr<const Pipeline> pipeline = pipeline_->load();
  int attempts = 1;
  if (pipeline) {
    PipelineResult r = pipeline->run(event);
    const auto start = std::chrono::steady_clock::now();
    // Transient failures (an HTTP lookup timing out) are retried from the failed
    // stage, bounded in attempts and time; what still fails is dead-lettered.
    while (r.outcome.failed() && r.outcome.error.retriable() && attempts < backoff_.policy().max_attempts) {
      const auto delay = backoff_.next_delay(attempts);
      if (std::chrono::steady_clock::now() - start + delay > backoff_.policy().max_elapsed) break;
      std::this_thread::sleep_for(delay);
      retries_.inc();
      ++attempts;
      r = pipeline->run(event, r.stage);
    }
    if (r.outcome.dropped()) {
      dropped_.inc();
      return;
    }
    if (r.outcome.failed()) {
      // The record as it came, not the partly enriched event: `dlq replay` sends
      // it back to the input topic. Without input bytes (`run`), the event as decoded.
      if (original.empty()) {
        payload_.clear();
        encode_json(event, payload_);
        original = payload_;
      }
      dead_letter(original_key, original, origin, r.outcome.error.code, r.outcome.error.message, r.stage_name,
                  attempts, true, out);
      return;
    }
  }
  std::shared_ptr<AckBatch> alerts = observer_ ? observer_->observe(event) : nullptr;
  processed_.inc();
  Output& o = out.emplace_back();
  o.alerts = std::move(alerts);
  o.kind = Output::Kind::Processed;
  o.key.assign(original_key.empty() ? std::string_view(event.service) : original_key);
  encode_json(event, o.payload);
  o.event = std::move(event);
}

}  // namespace lt::services
