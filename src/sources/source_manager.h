// Owns the running sources by name and applies a new list of specs in place
// (hot reload): unchanged ones keep running, others are drained and replaced.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sources/source.h"

namespace lt::sources {

class SourceManager {
 public:
  using Factory = std::function<std::variant<std::unique_ptr<Source>, Error>(const SourceSpec&)>;

  // `factory` defaults to make_source. `drain` bounds how long stopping one
  // source waits for its in-flight events to be acknowledged.
  explicit SourceManager(EventSink& sink, Factory factory = {},
                         std::chrono::milliseconds drain = std::chrono::seconds(5));
  ~SourceManager();
  SourceManager(const SourceManager&) = delete;
  SourceManager& operator=(const SourceManager&) = delete;

  struct Outcome {
    std::vector<std::string> started, restarted, stopped, unchanged;
    std::vector<Error> errors;  // a source that could not be (re)started; the others are applied
    bool ok() const noexcept { return errors.empty(); }
  };
  // Unchanged specs keep running untouched; removed ones are stopped (drained,
  // checkpoint saved); changed ones are stopped BEFORE their replacement starts
  // from the saved checkpoint, so a reload neither loses nor duplicates events.
  Outcome apply(const std::vector<SourceSpec>& specs);

  // Stops every source, waiting up to `drain` in all (default: the constructor's)
  // for their in-flight events; true when all of them were acknowledged by then.
  bool stop_all(std::optional<std::chrono::milliseconds> drain = std::nullopt);
  std::vector<std::string> names() const;
  // Borrowed pointer, valid until the next apply()/stop_all().
  Source* find(const std::string& name) const;
  // Every running source finished (only finite ones can: stdin at EOF, generator at its limit).
  bool all_finished() const;

 private:
  struct Running {
    SourceSpec spec;
    std::unique_ptr<Source> source;
  };
  EventSink& sink_;
  Factory factory_;
  std::chrono::milliseconds drain_;
  mutable std::mutex mu_;
  std::map<std::string, Running> running_;
};

}  // namespace lt::sources
