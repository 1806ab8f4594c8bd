// Problems found in a config file, each with its position: "FILE:LINE:COL: error: message".
// Validators address keys by instance path ("consumer.filters[1].query"); positions are looked up for them.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace lt::config {

enum class Severity { Error, Warning };

struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 = position unknown
  int column = 0;  // 1-based
  Severity severity = Severity::Error;
  std::string message;

  // "config.yaml:3:14: error: kafka.linger_ms: expected an integer, got 'abc'"
  std::string to_string() const;
};

class Diagnostics {
 public:
  explicit Diagnostics(std::string file = {}) : file_(std::move(file)) {}

  // `path` is an instance path: "kafka.brokers", "producer.sources[2].paths", "producer.sources[2]".
  // The position is the nearest recorded one (the key itself, else its enclosing object).
  // `column_offset` moves right within the value (e.g. to point into a query string).
  void error(std::string_view path, std::string message, int column_offset = 0);
  void warning(std::string_view path, std::string message, int column_offset = 0);
  // A problem at an explicit position (1-based).
  void add(Severity severity, int line, int column, std::string message);

  // Where `path` sits in the file (recorded by the loader while it reads the YAML).
  void record_position(std::string path, int line, int column);
  // The recorded position of exactly `path`, as (line, column); (0, 0) when unknown.
  std::pair<int, int> position_of(std::string_view path) const;
  // Every instance path the file wrote (its keys and list items), sorted.
  std::vector<std::string> recorded_paths() const;

  const std::vector<Diagnostic>& items() const { return items_; }
  bool has_errors() const;
  std::size_t error_count() const;
  const std::string& file() const { return file_; }

 private:
  void report(Severity severity, std::string_view path, std::string message, int column_offset);

  std::string file_;
  std::vector<Diagnostic> items_;
  std::map<std::string, std::pair<int, int>, std::less<>> positions_;
};

}  // namespace lt::config
