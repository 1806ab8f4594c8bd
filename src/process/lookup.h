// The `lookup` enrichment step: adds the columns of a table row (CSV with a
// header, or JSON) matched by an event field, e.g. user_id → user.name, user.plan.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <variant>

#include "core/metrics.h"
#include "process/processor.h"

namespace lt {

struct LookupOptions {
  // A CSV file with a header row, or JSON: an object of objects keyed by the
  // key ({"u1": {"name": "Ann"}}) or an array of objects holding the key column.
  std::string file;
  std::string key_field = "user_id";  // event field (or attribute) whose value is looked up
  std::string key_column;             // column holding the key; empty: same name as key_field
  std::string prefix = "user.";
  // How often the file is checked (inode, size, mtime) for changes; 0 never reloads.
  std::chrono::milliseconds check_interval{1000};
};

class LookupTable final : public Processor {
 public:
  // Loads the file now; fails with file and line when it cannot.
  static std::variant<std::unique_ptr<LookupTable>, Error> create(LookupOptions options,
                                                                  MetricsRegistry& metrics = MetricsRegistry::global());
  ~LookupTable() override;
  std::string_view name() const override { return "lookup"; }
  // Never fails the event; a missing key or row is a miss.
  Outcome process(LogEvent& event) const override;

  // Reloads when the file changed since the last load. A file that does not
  // parse keeps the previous table in force (counted, logged once per change).
  // Returns the error of a failed reload.
  std::optional<Error> reload_if_changed() const;
  std::size_t size() const;

  struct Table;

 private:
  struct FileId {
    std::uint64_t inode = 0, size = 0;
    std::int64_t mtime_ns = 0;
    bool operator==(const FileId&) const = default;
  };
  explicit LookupTable(LookupOptions options) : options_(std::move(options)) {}
  void maybe_reload() const;

  LookupOptions options_;
  mutable std::atomic<std::shared_ptr<const Table>> table_;
  mutable std::mutex reload_mu_;
  mutable FileId seen_;  // of the last load attempt, good or bad (guarded by reload_mu_)
  mutable std::atomic<std::int64_t> next_check_ns_{0};
  Counter* hit_ = nullptr;
  Counter* miss_ = nullptr;
  Counter* reload_ok_ = nullptr;
  Counter* reload_error_ = nullptr;
};

// Parses a lookup file's text (exposed for tests and `validate`).
std::variant<std::shared_ptr<const LookupTable::Table>, Error> parse_lookup_table(std::string_view text,
                                                                                  const LookupOptions& options);

}  // namespace lt
