#include "process/pipeline.h"

#include <string>

namespace lt {

std::string_view to_string(Outcome::Kind kind) noexcept {
  switch (kind) {
    case Outcome::Kind::Keep: return "keep";
    case Outcome::Kind::Drop: return "drop";
    case Outcome::Kind::Fail: return "fail";
  }
  return "unknown";
}

Pipeline::Pipeline(std::vector<std::unique_ptr<Processor>> steps, MetricsRegistry& metrics) {
  static const std::string kName = "logtracer_process_events_total";
  static const std::string kHelp = "Events leaving each processing stage, by outcome (keep, drop, fail).";
  steps_.reserve(steps.size());
  for (auto& p : steps) {
    if (!p) continue;
    const std::string stage(p->name());
    auto counter = [&](const char* outcome) {
      return &metrics.counter(kName, kHelp, {{"stage", stage}, {"outcome", outcome}});
    };
    Step s{std::move(p), counter("keep"), counter("drop"), counter("fail")};
    steps_.push_back(std::move(s));
  }
}

PipelineResult Pipeline::run(LogEvent& event, std::size_t from_stage) const {
  for (std::size_t i = from_stage; i < steps_.size(); ++i) {
    const Step& s = steps_[i];
    Outcome out = s.processor->process(event);
    switch (out.kind) {
      case Outcome::Kind::Keep:
        s.kept->inc();
        continue;
      case Outcome::Kind::Drop:
        s.dropped->inc();
        break;
      case Outcome::Kind::Fail:
        s.failed->inc();
        break;
    }
    return {std::move(out), i, s.processor->name()};
  }
  return {Outcome::keep(), steps_.size(), {}};
}

}  // namespace lt
