// The stdin source: `app | logtracer produce --stdin --service app` reads lines
// from a descriptor until EOF, then waits for them to be acknowledged.
#pragma once

#include <atomic>
#include <thread>

#include "sources/source.h"

namespace lt::sources {

class StdinSource final : public Source {
 public:
  StdinSource(SourceOptions common, StdinOptions options, ParserFactory parsers);
  ~StdinSource() override;

  std::optional<Error> start(EventSink& sink) override;
  void stop(std::chrono::milliseconds drain = std::chrono::seconds(5)) override;
  // True after EOF once every line was acknowledged or failed: the process may
  // exit, with a status from fully_acknowledged().
  bool finished() const override;
  // A pipe cannot be rewound, so a failed line stays failed: false then.
  bool fully_acknowledged() const override;

 private:
  void run();

  StdinOptions stdin_;
  ParserFactory parsers_;
  std::shared_ptr<AckTracker> tracker_;
  EventSink* sink_ = nullptr;
  StopSignal stop_;
  std::thread thread_;
  std::atomic<std::int64_t> sent_{0};
  std::atomic<bool> eof_{false};
  std::atomic<bool> lost_{false};
  bool started_ = false;
};

}  // namespace lt::sources
