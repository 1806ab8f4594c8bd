// librdkafka errors turned into lt::Error, classified by what a caller can do:
// retry (Transient), give up on this item (Permanent), recreate the client (Fatal).
#pragma once

#include <librdkafka/rdkafka.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "core/error.h"

namespace lt::kafka {

// Class of a bare error code (delivery reports and most legacy APIs only give a
// code). Timeouts, broker/transport trouble, leader moves and a full local queue
// are transient; _FATAL is fatal; everything else is permanent.
ErrorClass classify(rd_kafka_resp_err_t code) noexcept;

// "kafka.msg_timed_out", "kafka.queue_full", "kafka.topic_authorization_failed".
std::string error_code_name(rd_kafka_resp_err_t code);

// `context` says what was being done ("produce to logs.raw", "commit offsets").
Error make_error(rd_kafka_resp_err_t code, std::string_view context);
// Uses librdkafka's own classification (is_fatal, is_retriable) for rich errors.
// Does not take ownership of `error`.
Error make_error(const rd_kafka_error_t* error, std::string_view context);

// Either a value or an Error (std::expected is C++23).
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  T* operator->() { return &std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// The outcome of a call that returns nothing: nullopt on success.
using Status = std::optional<Error>;

}  // namespace lt::kafka
