// Plain value types for topic/partition/offset triples and message headers,
// and their conversion to and from librdkafka's partition lists.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/client_config.h"

namespace lt::kafka {

struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;
  // For commits and stores: the offset of the *next* record to read
  // (last processed + 1). RD_KAFKA_OFFSET_INVALID (-1001) when unknown.
  std::int64_t offset = RD_KAFKA_OFFSET_INVALID;

  bool operator==(const TopicPartition&) const = default;
  auto operator<=>(const TopicPartition&) const = default;
};

// A header as sent (views into the caller's buffers; copied by produce()).
struct Header {
  std::string_view key;
  std::string_view value;
};

PartitionListPtr to_partition_list(const std::vector<TopicPartition>& partitions);
std::vector<TopicPartition> from_partition_list(const rd_kafka_topic_partition_list_t* list);

// "logs.raw[0]@42, logs.raw[1]" for log lines and errors.
std::string describe(const std::vector<TopicPartition>& partitions);

}  // namespace lt::kafka
