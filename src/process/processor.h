// One processing step of the consumer (filter, geoip, lookup, http_lookup,
// static, redact): the uniform interface that Pipeline runs in order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.h"
#include "core/log_event.h"

namespace lt {

// What a step decided for one event. Keep continues to the next step; Drop
// stops the event on purpose (a filter rule); Fail stops it with an error whose
// class tells the caller whether a retry can help (Transient) or not.
struct Outcome {
  enum class Kind : std::uint8_t { Keep, Drop, Fail };

  Kind kind = Kind::Keep;
  std::string_view rule;  // Drop: the rule that dropped it; owned by the processor
  Error error;            // Fail only

  static Outcome keep() noexcept { return {}; }
  static Outcome drop(std::string_view rule) noexcept { return {Kind::Drop, rule, {}}; }
  static Outcome fail(Error e) { return {Kind::Fail, {}, std::move(e)}; }

  bool kept() const noexcept { return kind == Kind::Keep; }
  bool dropped() const noexcept { return kind == Kind::Drop; }
  bool failed() const noexcept { return kind == Kind::Fail; }
};

std::string_view to_string(Outcome::Kind kind) noexcept;

class Processor {
 public:
  virtual ~Processor() = default;
  // The step's kind ("filter", "geoip", ...): the `stage` / `enricher` metric label.
  virtual std::string_view name() const = 0;
  // Called concurrently by every processing worker: implementations keep their
  // configuration immutable and guard what they must mutate (caches, reloads).
  // Running a step again on the same event gives the same result, so a caller
  // may retry a failed step. Never throws.
  virtual Outcome process(LogEvent& event) const = 0;
  // Text that leaves the consumer without passing process(): a dead-lettered
  // payload (`json`: the event's canonical JSON; otherwise the raw record) and
  // the error message quoting it. Steps that remove data (redact) rewrite it.
  virtual void scrub(std::string& /*text*/, bool /*json*/) const {}
};

}  // namespace lt
