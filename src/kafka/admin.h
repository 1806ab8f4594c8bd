// Topic administration (create, delete, describe partitions) for tests, setup
// commands and benchmarks; not on any hot path.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "kafka/client_config.h"

namespace lt::kafka {

class Admin {
 public:
  static Result<std::unique_ptr<Admin>> create(const ClientConfig& config);

  // Creates the topic and waits (within `timeout`) until every partition has a
  // leader in the metadata, so a producer or consumer can use it at once.
  // An existing topic is an error (kafka.topic_already_exists) unless `exist_ok`.
  [[nodiscard]] Status create_topic(std::string_view name, int partitions,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(30),
                                    int replication_factor = 1, bool exist_ok = false);
  // A missing topic is kafka.unknown_topic_or_part (permanent).
  [[nodiscard]] Status delete_topic(std::string_view name,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Number of partitions with a leader, or an error if the topic is unknown.
  Result<int> partition_count(std::string_view name, std::chrono::milliseconds timeout);

 private:
  explicit Admin(HandlePtr rk) : rk_(std::move(rk)) {}
  HandlePtr rk_;
};

}  // namespace lt::kafka
