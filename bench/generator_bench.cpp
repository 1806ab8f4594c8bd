// Producer-side source throughput without Kafka: how fast the generator and the
// file tail can hand acknowledged events to a sink that acks at once. The
// Kafka figures (bench/ scripts, docs/benchmarks.md) are bounded by these.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "sources/file_tail.h"
#include "sources/generator.h"

namespace {

using namespace lt;
using namespace lt::sources;

class CountingSink final : public EventSink {
 public:
  bool send(Envelope& env, std::chrono::milliseconds) override {
    bytes_.fetch_add(env.event.message.size(), std::memory_order_relaxed);
    env.ack.ack();
    count_.fetch_add(1, std::memory_order_release);
    return true;
  }
  std::uint64_t count() const { return count_.load(std::memory_order_acquire); }
  void wait_for(std::uint64_t n) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (count() < n && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
  }

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

}  // namespace

BENCHMARK_MAIN();
