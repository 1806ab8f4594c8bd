// Producer-side source throughput without Kafka: how fast the generator and the
// file tail can hand acknowledged events to a sink that acks at once. The
// Kafka figures (bench/ scripts, docs/benchmarks.md) are bounded by these.
// The reading thread's CPU per line on the scripts/bench input (log4j):
//   generator_bench --benchmark_filter='Log4j|EventBuilder' --benchmark_repetitions=5
// (BM_FileTailLog4jToSink: counter cpu_ns/line, all threads of the process).
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <time.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "parsers/parser.h"
#include "sources/checkpoint_store.h"
#include "sources/file_tail.h"
#include "sources/generator.h"

namespace {

using namespace lt;
using namespace lt::sources;

// Waits (two minutes at most) until `sink` counted `n` events.
template <typename Sink>
void wait_count(const Sink& sink, std::uint64_t n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (sink.count() < n && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::microseconds(200));
}

class CountingSink final : public EventSink {
 public:
  bool send(Envelope& env, std::chrono::milliseconds) override {
    bytes_.fetch_add(env.event.message.size(), std::memory_order_relaxed);
    env.ack.ack();
    count_.fetch_add(1, std::memory_order_release);
    return true;
  }
  std::uint64_t count() const { return count_.load(std::memory_order_acquire); }
  void wait_for(std::uint64_t n) const { wait_count(*this, n); }

 private:
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> bytes_{0};
};

void BM_SimulatorNext(benchmark::State& state) {
  GeneratorOptions o;
  EventSimulator sim(o);
  LogEvent ev;
  for (auto _ : state) {
    ev.clear();
    sim.next(ev, false);
    benchmark::DoNotOptimize(ev.message.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SimulatorNext);

void BM_GeneratorToSink(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  for (auto _ : state) {
    SourceOptions c;
    c.name = "bench_gen";
    GeneratorOptions o;
    o.rate = 0;
    o.limit = n;
    GeneratorSource src(c, o);
    CountingSink sink;
    src.start(sink);
    sink.wait_for(n);
    src.stop();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_GeneratorToSink)->Arg(200000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_FileTailToSink(benchmark::State& state) {
  const auto lines = static_cast<std::uint64_t>(state.range(0));
  char tmpl[] = "/tmp/lt_bench_tail_XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const std::string path = dir + "/app.log";
  {
    std::ofstream out(path);
    for (std::uint64_t i = 0; i < lines; ++i)
      out << "2026-11-27T23:08:51.123Z INFO [worker-3] com.example.Checkout - order " << i
          << " placed by u-1234 in 23 ms\n";
  }
  const auto bytes = std::filesystem::file_size(path);
  for (auto _ : state) {
    SourceOptions c;
    c.name = "bench_tail";
    FileOptions f;
    f.paths = {path};
    f.start_at_beginning = true;
    f.poll_interval_ms = 1;
    FileTailSource src(c, f, nullptr);  // no parser: the raw line is the message
    CountingSink sink;
    src.start(sink);
    sink.wait_for(lines);
    src.stop();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_FileTailToSink)->Arg(500000)->Unit(benchmark::kMillisecond)->UseRealTime();

// The lines scripts/bench writes (make_log_file): log4j layout, 1 in 23 an ERROR.
std::vector<std::string> log4j_lines(std::size_t n) {
  static constexpr const char* kServices[] = {"checkout", "payments", "auth", "search", "inventory"};
  static constexpr const char* kPaths[] = {"/api/cart", "/api/login", "/api/search", "/api/orders", "/healthz"};
  std::mt19937 rnd(42);
  auto pick = [&](int n) { return static_cast<int>(rnd() % static_cast<unsigned>(n)); };
  std::vector<std::string> out;
  out.reserve(n);
  char buf[256];
  for (std::size_t i = 0; i < n; ++i) {
    const int r = pick(23);
    const int status = r < 20 ? 200 : r == 20 ? 404 : r == 21 ? 500 : 503;
    std::snprintf(buf, sizeof buf,
                  "2026-11-27 10:%02zu:%02zu,%03zu %s [http-%d] %s.Handler - %s %s/%d %d %dms client=81.2.69.%d "
                  "user=u-%d seq=%zu",
                  i / 60000 % 60, i / 1000 % 60, i % 1000, status >= 500 ? "ERROR" : "INFO", pick(16),
                  kServices[pick(5)], pick(2) ? "GET" : "POST", kPaths[pick(5)], pick(100000), status,
                  1 + pick(899), pick(256), pick(10000), i);
    out.emplace_back(buf);
  }
  return out;
}

// Takes whole batches and recycles their storage as the Kafka sink does (its
// spare batches come back to the source), acknowledging at once: what remains
// is the reading thread's own cost.
class RecyclingBatchSink final : public EventSink {
 public:
  bool send(Envelope& env, std::chrono::milliseconds) override {
    env.ack.ack();
    count_.fetch_add(1, std::memory_order_release);
    return true;
  }
  bool accepts_batches() const override { return true; }
  bool send_batch(EventBatch& batch, std::chrono::milliseconds) override {
    const std::size_t n = std::exchange(batch.size, 0);
    std::swap(spare_, batch.events);
    AckRef ack = std::exchange(batch.ack, AckRef{});
    benchmark::DoNotOptimize(spare_.data());
    ack.ack();
    count_.fetch_add(n, std::memory_order_release);
    return true;
  }
  std::uint64_t count() const { return count_.load(std::memory_order_acquire); }
  void wait_for(std::uint64_t n) const { wait_count(*this, n); }

 private:
  std::vector<LogEvent> spare_;
  std::atomic<std::uint64_t> count_{0};
};

double process_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// The file source's reading thread as `logtracer produce` runs it on the
// scripts/bench input: read blocks, split lines, parse (arg 1: log4j, 0: raw),
// build events (context, id), batch. Counter cpu_ns/line is the process CPU
// (all threads) per line: the figure the 2-core producer budget is spent in.
void BM_FileTailLog4jToSink(benchmark::State& state) {
  const auto lines = static_cast<std::uint64_t>(state.range(0));
  const bool log4j = state.range(1) != 0;
  char tmpl[] = "/tmp/lt_bench_tail_XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const std::string path = dir + "/app.log";
  {
    std::ofstream out(path);
    for (const auto& l : log4j_lines(lines)) out << l << '\n';
  }
  const auto bytes = std::filesystem::file_size(path);
  double cpu = 0;
  for (auto _ : state) {
    SourceOptions c;
    c.name = "bench_tail_l4j";
    c.service = "checkout";
    c.environment = "prod";
    c.parser = parsers::ParserOptions{log4j ? "log4j" : "raw", ""};
    FileOptions f;
    f.paths = {path};
    f.start_at_beginning = true;
    f.poll_interval_ms = 1;
    const double before = process_cpu_ns();
    FileTailSource src(c, f, [&] {
      return std::get<std::unique_ptr<parsers::LineParser>>(parsers::make_parser(c.parser));
    });
    RecyclingBatchSink sink;
    src.start(sink);
    sink.wait_for(lines);
    src.stop();
    cpu += process_cpu_ns() - before;
    if (sink.count() != lines) state.SkipWithError("not every line arrived");
  }
  state.counters["cpu_ns/line"] = cpu / static_cast<double>(state.iterations() * lines);
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_FileTailLog4jToSink)
    ->Args({1000000, 1})
    ->Args({1000000, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();

// The log4j parser alone on those lines (one event reused, as the source does).
void BM_Log4jParse(benchmark::State& state) {
  const auto lines = log4j_lines(10000);
  auto parser = std::get<std::unique_ptr<parsers::LineParser>>(parsers::make_parser({"log4j", ""}));
  LogEvent ev;
  std::size_t i = 0, partial = 0;
  for (auto _ : state) {
    ev.clear();
    partial += parser->parse(lines[i], ev) != parsers::ParseStatus::Ok;
    benchmark::DoNotOptimize(ev.message.data());
    if (++i == lines.size()) i = 0;
  }
  if (partial != 0) state.SkipWithError("lines did not parse");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Log4jParse);

// EventBuilder::build with the log4j parser: clear, context, parse, time, id.
void BM_EventBuilderBuild(benchmark::State& state) {
  const auto lines = log4j_lines(10000);
  SourceOptions c;
  c.name = "bench_builder";
  c.service = "checkout";
  c.environment = "prod";
  SourceMetrics metrics(c.name);
  EventBuilder builder(c, std::get<std::unique_ptr<parsers::LineParser>>(parsers::make_parser({"log4j", ""})),
                       metrics);
  LogEvent ev;
  const std::string label = "file:/var/log/app/checkout.log";
  TimestampNs now = now_ns();
  std::size_t i = 0;
  for (auto _ : state) {
    builder.build(lines[i], label, false, ev, now);
    benchmark::DoNotOptimize(ev.id.data());
    if (++i == lines.size()) {
      i = 0;
      now = now_ns();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EventBuilderBuild);

// One checkpoint save as the file source's saver thread does it after each
// acknowledgement (about once per millisecond at 1M lines/s): one file, its
// offset advanced. Wall time, since its cost is almost all kernel time.
//   generator_bench --benchmark_filter=CheckpointSave --benchmark_repetitions=5
void BM_CheckpointSave(benchmark::State& state) {
  char tmpl[] = "/tmp/lt_bench_ckpt_XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  {
    CheckpointStore store(dir, "bench_ckpt");
    // With the hash of the file's first 1 KiB, as the file source saves every entry.
    std::vector<FileCheckpoint> entries{{2049, 1234567, 0, "/var/log/app/checkout.log", 0x9e3779b97f4a7c15, 1024}};
    for (auto _ : state) {
      entries[0].offset += 4096;
      if (store.save(entries)) {
        state.SkipWithError("save failed");
        break;
      }
    }
    state.SetItemsProcessed(state.iterations());
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_CheckpointSave)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
