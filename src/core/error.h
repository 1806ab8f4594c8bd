// Errors as values for the hot path, classified by what a caller can do about
// them: retry (transient), give up on this item (permanent), or stop (fatal).
#pragma once

#include <string>
#include <utility>

namespace lt {

enum class ErrorClass { Transient, Permanent, Fatal };

struct Error {
  ErrorClass klass = ErrorClass::Permanent;
  std::string code;     // short machine-readable name: "decode.not_json", "kafka.msg_timed_out"
  std::string message;  // what happened and where, for a person

  bool retriable() const noexcept { return klass == ErrorClass::Transient; }
  bool fatal() const noexcept { return klass == ErrorClass::Fatal; }

  static Error transient(std::string code, std::string message) {
    return {ErrorClass::Transient, std::move(code), std::move(message)};
  }
  static Error permanent(std::string code, std::string message) {
    return {ErrorClass::Permanent, std::move(code), std::move(message)};
  }
  static Error make_fatal(std::string code, std::string message) {
    return {ErrorClass::Fatal, std::move(code), std::move(message)};
  }
};

}  // namespace lt
