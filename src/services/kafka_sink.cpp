#include "services/kafka_sink.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "core/json_codec.h"
#include "services/config_map.h"

namespace lt::services {

KafkaSink::KafkaSink(kafka::Producer& producer, std::string topic)
    : producer_(producer),
      topic_(std::move(topic)),
      rejected_(MetricsRegistry::global().counter("logtracer_kafka_produce_rejected_total",
                                                  "Events the producer refused permanently (failed, not dropped).",
                                                  {{"topic", topic_}})) {}

bool KafkaSink::send(Envelope& env, std::chrono::milliseconds wait) {
  thread_local std::string payload;
  payload.clear();
  encode_json(env.event, payload);
  const kafka::OutgoingMessage msg{.topic = topic_, .key = env.event.service, .payload = payload};
  const auto deadline = std::chrono::steady_clock::now() + wait;
  auto pause = std::chrono::microseconds(200);
  while (true) {
    kafka::Status st = env.ack ? producer_.produce(msg, env.ack) : producer_.produce(msg);
    if (!st) return true;
    if (!st->retriable()) {
      // The broker will never take this event (e.g. larger than message.max.bytes):
      // fail it so the source knows, rather than pretend it was sent.
      rejected_.inc();
      spdlog::error("kafka: cannot produce event {} to {}: {}", env.event.id, topic_, st->message);
      env.ack.fail();
      return true;
    }
    // Queue full (the broker is slow or away): wait for delivery reports to make room.
    if (std::chrono::steady_clock::now() + pause > deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(1000));
  }
}

std::variant<RawTopicOutput, Error> connect_raw_topic(const config::Config& cfg) {
  auto producer = kafka::Producer::create(kafka_client(cfg.kafka), kafka_producer(cfg.kafka, &cfg.producer));
  if (!producer) return producer.error();
  RawTopicOutput out;
  out.producer = std::move(producer).value();
  out.sink = std::make_unique<KafkaSink>(*out.producer, cfg.kafka.topics.raw);
  return out;
}

}  // namespace lt::services
