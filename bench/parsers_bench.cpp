// Parse throughput (lines/s, bytes/s) of each preset on its Loghub sample, side
// by side with the alternatives a user would pick for the same lines: the
// equivalent `regex` pattern, and `raw` (no parsing) as the ceiling.
// Run: build/<dir>/parsers_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/json_codec.h"
#include "parsers/loghub_formats.h"
#include "parsers/parser.h"

namespace {

using namespace lt::parsers;

std::vector<std::string> loghub_lines(std::string_view dataset) {
  const auto dir = std::filesystem::path(__FILE__).parent_path().parent_path() / "tests/data/loghub" /
                   std::string(dataset);
  std::ifstream in(dir / (std::string(dataset) + "_2k.log"), std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void run(benchmark::State& state, const std::vector<std::string>& lines, const std::string& parser,
         const std::string& pattern) {
  if (lines.empty()) {
    state.SkipWithError("no lines: tests/data/loghub not found next to bench/");
    return;
  }
  auto made = make_parser(ParserOptions{parser, pattern});
  if (auto* error = std::get_if<std::string>(&made)) {
    state.SkipWithError(error->c_str());
    return;
  }
  auto& p = std::get<std::unique_ptr<LineParser>>(made);
  size_t bytes = 0;
  for (const auto& l : lines) bytes += l.size() + 1;
  lt::LogEvent event;
  size_t partial = 0;
  for (auto _ : state) {
    for (const auto& l : lines) {
      event.clear();
      partial += p->parse(l, event) == ParseStatus::Partial;
      benchmark::DoNotOptimize(event.message.data());
    }
  }
  if (partial != 0) state.SkipWithError("lines did not parse");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * lines.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

// The same Zookeeper events as JSON and logfmt lines, for the structured parsers.
std::vector<std::string> structured_lines(bool json) {
  auto made = make_parser(ParserOptions{"log4j", ""});
  auto& log4j = std::get<std::unique_ptr<LineParser>>(made);
  std::vector<std::string> out;
  for (const auto& l : loghub_lines("Zookeeper")) {
    lt::LogEvent e;
    e.service = "zookeeper";
    log4j->parse(l, e);
    if (json) {
      out.push_back(lt::to_json(e));
      continue;
    }
    std::string line = "ts=" + lt::format_rfc3339(e.timestamp) + " level=" + std::string(lt::to_string(e.level)) +
                       " service=zookeeper thread=\"" + e.attribute("thread")->value + "\" line=" +
                       e.attribute("line")->value + " msg=\"";
    for (char c : e.message) {
      if (c == '"' || c == '\\') line += '\\';
      line += c;
    }
    out.push_back(line + "\"");
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  for (const auto& f : kLoghubFormats) {
    const auto lines = loghub_lines(f.dataset);
    const std::string name(f.dataset);
    benchmark::RegisterBenchmark((name + "/preset:" + std::string(f.preset)).c_str(), run, lines,
                                 std::string(f.preset), std::string());
    benchmark::RegisterBenchmark((name + "/regex").c_str(), run, lines, "regex", std::string(f.regex));
    benchmark::RegisterBenchmark((name + "/raw").c_str(), run, lines, "raw", std::string());
  }
  benchmark::RegisterBenchmark("Zookeeper-as-json/json", run, structured_lines(true), "json", std::string());
  benchmark::RegisterBenchmark("Zookeeper-as-logfmt/logfmt", run, structured_lines(false), "logfmt", std::string());
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
