#include "config/diagnostics.h"

#include <algorithm>

namespace lt::config {

std::string Diagnostic::to_string() const {
  std::string out = file.empty() ? std::string("<config>") : file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += severity == Severity::Error ? ": error: " : ": warning: ";
  out += message;
  return out;
}

void Diagnostics::error(std::string_view path, std::string message, int column_offset) {
  report(Severity::Error, path, std::move(message), column_offset);
}

void Diagnostics::warning(std::string_view path, std::string message, int column_offset) {
  report(Severity::Warning, path, std::move(message), column_offset);
}

void Diagnostics::add(Severity severity, int line, int column, std::string message) {
  items_.push_back(Diagnostic{file_, line, column, severity, std::move(message)});
}

void Diagnostics::record_position(std::string path, int line, int column) {
  positions_.insert_or_assign(std::move(path), std::make_pair(line, column));
}

std::pair<int, int> Diagnostics::position_of(std::string_view path) const {
  auto it = positions_.find(path);
  return it == positions_.end() ? std::make_pair(0, 0) : it->second;
}

std::vector<std::string> Diagnostics::recorded_paths() const {
  std::vector<std::string> paths;
  paths.reserve(positions_.size());
  for (const auto& [path, position] : positions_) paths.push_back(path);
  return paths;
}

void Diagnostics::report(Severity severity, std::string_view path, std::string message, int column_offset) {
  std::string_view probe = path;
  bool exact = true;
  while (true) {
    if (auto it = positions_.find(probe); it != positions_.end()) {
      int column = it->second.second + (exact ? column_offset : 0);
      add(severity, it->second.first, column, std::move(message));
      return;
    }
    if (probe.empty()) break;
    exact = false;
    // Drop the last segment: "a.b[2].c" -> "a.b[2]" -> "a.b" -> "a" -> "".
    auto cut = probe.find_last_of(".[");
    probe = cut == std::string_view::npos ? std::string_view() : probe.substr(0, cut);
  }
  add(severity, 0, 0, std::move(message));
}

bool Diagnostics::has_errors() const { return error_count() > 0; }

std::size_t Diagnostics::error_count() const {
  return static_cast<std::size_t>(std::count_if(items_.begin(), items_.end(),
                                                [](const Diagnostic& d) { return d.severity == Severity::Error; }));
}

}  // namespace lt::config
