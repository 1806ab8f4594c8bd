#include "kafka/errors.h"

#include <cctype>

namespace lt::kafka {

ErrorClass classify(rd_kafka_resp_err_t code) noexcept {
  switch (code) {
    case RD_KAFKA_RESP_ERR__FATAL:
      return ErrorClass::Fatal;
    // Local conditions that go away by themselves.
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
    case RD_KAFKA_RESP_ERR__PREV_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR__IN_PROGRESS:
    case RD_KAFKA_RESP_ERR__RETRY:
    case RD_KAFKA_RESP_ERR__NODE_UPDATE:
    case RD_KAFKA_RESP_ERR__ISR_INSUFF:
    // Broker conditions that a retry (after metadata refresh) can fix.
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:  // auto-created or still propagating
    case RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
    case RD_KAFKA_RESP_ERR_FETCH_SESSION_ID_NOT_FOUND:
    case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED:
      return ErrorClass::Transient;
    default:
      return ErrorClass::Permanent;
  }
}

std::string error_code_name(rd_kafka_resp_err_t code) {
  std::string_view name = rd_kafka_err2name(code);
  while (!name.empty() && name.front() == '_') name.remove_prefix(1);
  std::string out = "kafka.";
  out.reserve(out.size() + name.size());
  for (char c : name) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

static std::string describe(std::string_view context, const char* what) {
  std::string message(context);
  if (!message.empty()) message += ": ";
  message += what;
  return message;
}

Error make_error(rd_kafka_resp_err_t code, std::string_view context) {
  return {classify(code), error_code_name(code), describe(context, rd_kafka_err2str(code))};
}

Error make_error(const rd_kafka_error_t* error, std::string_view context) {
  const rd_kafka_resp_err_t code = rd_kafka_error_code(error);
  ErrorClass klass = classify(code);
  if (rd_kafka_error_is_fatal(error)) {
    klass = ErrorClass::Fatal;
  } else if (rd_kafka_error_is_retriable(error)) {
    klass = ErrorClass::Transient;
  }
  return {klass, error_code_name(code), describe(context, rd_kafka_error_string(error))};
}

}  // namespace lt::kafka
