// Live-tail fan-out under load, end to end: events produced into Kafka at a fixed
// rate, a running `logtracer dashboard` consuming them, and N WebSocket clients
// with different queries receiving them. Reports the server's CPU and the
// event-to-client latency (producer stamp → client receipt). With --kcat it
// measures `kcat -C` reading the same stream instead: the cost of only reading it.
//
// A standalone program (not Google Benchmark): scripts/bench starts the
// dashboard, passes its URL and pid, and takes medians over runs.
//
//   fanout_bench --url http://127.0.0.1:PORT --server-pid PID --topic T [--rate 20000]
//                [--clients 100] [--warmup 5] [--duration 20] [--brokers B]
//   fanout_bench --kcat --topic T ...
// Prints one JSON object on stdout.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/json_codec.h"
#include "net/http_server.h"
#include "core/log_event.h"
#include "core/time.h"
#include "kafka/admin.h"
#include "kafka/producer.h"
#include "net/http_client.h"

extern char** environ;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string url;
  int server_pid = 0;
  std::string brokers = "127.0.0.1:9092";
  std::string topic;
  int partitions = 3;
  int rate = 20'000;
  int clients = 100;
  int client_threads = 2;
  int match_all = 10;  // of the clients, how many subscribe to everything (the heaviest)
  int warmup_s = 5;
  int duration_s = 20;
  bool kcat = false;
  std::vector<std::string> create_only;  // --create-topics T1,T2...: create them and exit
};

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "fanout_bench: %s\n", msg.c_str());
  std::exit(2);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die(std::string(a) + " needs a value");
      return argv[++i];
    };
    if (a == "--url") o.url = next();
    else if (a == "--server-pid") o.server_pid = std::stoi(next());
    else if (a == "--brokers") o.brokers = next();
    else if (a == "--topic") o.topic = next();
    else if (a == "--partitions") o.partitions = std::stoi(next());
    else if (a == "--rate") o.rate = std::stoi(next());
    else if (a == "--clients") o.clients = std::stoi(next());
    else if (a == "--match-all") o.match_all = std::stoi(next());
    else if (a == "--client-threads") o.client_threads = std::stoi(next());
    else if (a == "--warmup") o.warmup_s = std::stoi(next());
    else if (a == "--duration") o.duration_s = std::stoi(next());
    else if (a == "--kcat") o.kcat = true;
    else if (a == "--create-topics") {
      std::string list = next();
      for (std::size_t p = 0; p <= list.size();) {
        std::size_t c = std::min(list.find(',', p), list.size());
        if (c > p) o.create_only.push_back(list.substr(p, c - p));
        p = c + 1;
      }
    }
    else die("unknown argument " + std::string(a));
  }
  if (!o.create_only.empty()) return o;
  if (o.topic.empty()) die("--topic is required");
  if (!o.kcat && o.url.empty()) die("--url is required (or --kcat)");
  return o;
}

// ------------------------------------------------------------------ CPU
// utime + stime, in seconds (10 ms resolution), from the fields of a /proc stat line
// after the command name's closing parenthesis at `close`.
double stat_cpu_seconds(const std::string& stat, std::size_t close) {
  std::istringstream in(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// utime + stime of a process, in seconds.
double process_cpu_seconds(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) die("cannot read /proc/" + std::to_string(pid) + "/stat");
  return stat_cpu_seconds(stat, close);
}

// CPU seconds per thread name (threads of one name summed): where the server's CPU goes.
std::map<std::string, double> thread_cpu_seconds(int pid) {
  std::map<std::string, double> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream f(entry.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::string name = stat.substr(open + 1, close - open - 1);
    // "http-0", "http-1" and librdkafka's "rdk:broker1" become one row each kind.
    while (!name.empty() && (std::isdigit(static_cast<unsigned char>(name.back())) || name.back() == '-')) name.pop_back();
    out[name] += stat_cpu_seconds(stat, close);
  }
  return out;
}

// The dashboard's own view (/api/v1/stats): consumer lag and events it skipped for slow clients.
std::string dashboard_stats(const std::string& url) {
  lt::net::HttpClient client;
  auto res = client.get(url + "/api/v1/stats");
  if (auto* r = std::get_if<lt::net::HttpResponse>(&res)) return r->body;
  return "null";
}

double self_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](timeval t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

// ------------------------------------------------------------------ events
// A mixed fleet, shaped like bench/query_bench.cpp: eight services, sixteen
// hosts, INFO-heavy levels, half HTTP access lines, half application messages.
constexpr std::array<std::string_view, 8> kServices = {"checkout", "payments", "auth",  "search",
                                                       "inventory", "gateway", "billing", "shipping"};
constexpr std::array<std::string_view, 10> kAppMessages = {
    "upstream timeout after 3000 ms calling inventory",
    "retrying request (attempt 2 of 5): connection refused",
    "cache miss for key user:profile, loading from database",
    "payment authorised for order, amount 42.10 EUR",
    "user logged in from a new device",
    "slow query: SELECT * FROM orders WHERE customer_id = ? took 812 ms",
    "scheduled job finished: 1204 records reconciled",
    "circuit breaker half-open, probing downstream",
    "token refreshed for session",
    "queue depth 1200 above threshold 1000"};
constexpr std::array<std::string_view, 5> kPaths = {"/api/v1/orders", "/api/v1/cart", "/api/v1/search",
                                                    "/api/v1/login", "/healthz"};

class EventMaker {
 public:
  explicit EventMaker(std::string run) : run_(std::move(run)) {}

  // The event's JSON with timestamp = now: the stamp the clients measure from.
  void next(std::string& out, std::string_view& key) {
    ++seq_;
    ev_.clear();
    ev_.id = run_ + "-" + std::to_string(seq_);
    ev_.timestamp = lt::now_ns();
    int lv = static_cast<int>(rnd_() % 100);
    ev_.level = lv < 20 ? lt::Level::Debug : lv < 80 ? lt::Level::Info : lv < 92 ? lt::Level::Warn
                                         : lv < 99 ? lt::Level::Error : lt::Level::Fatal;
    ev_.service = kServices[rnd_() % kServices.size()];
    ev_.environment = "production";
    ev_.host = "web-" + std::to_string(rnd_() % 16);
    ev_.source = "bench";
    int status = 200;
    if (rnd_() % 2) {
      unsigned r = rnd_() % 100;
      status = r < 85 ? 200 : r < 92 ? 404 : r < 97 ? 500 : 503;
      ev_.message = std::string(rnd_() % 3 ? "GET " : "POST ") + std::string(kPaths[rnd_() % kPaths.size()]) +
                    " HTTP/1.1 " + std::to_string(status) + " " + std::to_string(rnd_() % 20000) + " bytes in " +
                    std::to_string(rnd_() % 900) + " ms";
    } else {
      ev_.message = kAppMessages[rnd_() % kAppMessages.size()];
    }
    ev_.set_attribute("status", std::to_string(status), lt::AttrType::Number);
    ev_.set_attribute("latency_ms", std::to_string(rnd_() % 1500), lt::AttrType::Number);
    ev_.set_attribute("user_id", "u-" + std::to_string(rnd_() % 10000));
    out.clear();
    lt::encode_json(ev_, out);
    key = ev_.service;
  }

 private:
  std::string run_;
  std::uint64_t seq_ = 0;
  std::mt19937 rnd_{42};
  lt::LogEvent ev_;
};

// 100 different queries of the kinds people keep open: everything, one service,
// a level, a word, a host, and combinations.
std::vector<std::string> make_queries(int n, int match_all) {
  std::vector<std::string> q;
  for (int i = 0; i < match_all; ++i) q.emplace_back("");
  for (auto s : kServices) {
    std::string svc = "service:" + std::string(s);
    for (std::string_view extra : {"", " level>=WARN", " -level:debug", " timeout", " status>=500"})
      q.push_back(svc + std::string(extra));
  }
  for (int h = 0; h < 16; ++h) q.push_back("host:web-" + std::to_string(h));
  for (std::string_view s : {"level>=WARN", "level:ERROR", "level>=ERROR", "level:INFO", "-level:debug",
                             "level:FATAL", "timeout", "\"connection refused\"", "\"/api/v1/orders\"",
                             "retry*", "cache miss", "/time[sd]? ?out|refused/", "status>=500",
                             "latency_ms>1000", "status>=500 or latency_ms>1000", "host:web-1* -level:debug",
                             "slow query", "POST", "env:production level>=WARN", "user_id:u-42*"})
    q.emplace_back(s);
  for (int h = 0; q.size() < static_cast<std::size_t>(n); ++h)
    q.push_back("host:web-" + std::to_string(h % 16) + " level>=WARN" + (h >= 16 ? " timeout" : ""));
  q.resize(static_cast<std::size_t>(n));
  return q;
}

// ------------------------------------------------------------------ latency
// One per client (or for kcat), touched by one thread at a time; merged after the run.
struct Stats {
  const std::atomic<bool>* measuring = nullptr;
  std::vector<std::uint32_t> latency_us;
  std::uint64_t events = 0;          // received in the window
  std::uint64_t events_total = 0;    // received at all
  std::uint64_t skipped = 0;         // announced by the server in the window
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;
  std::uint64_t unparsed = 0;

  // Every `"timestamp":"…"` in `text` is one event; `now` is when it arrived.
  void on_events(std::string_view text, lt::TimestampNs now) {
    static constexpr std::string_view kTs = "\"timestamp\":\"";
    bool in_window = measuring->load(std::memory_order_relaxed);
    std::size_t pos = 0;
    while ((pos = text.find(kTs, pos)) != std::string_view::npos) {
      pos += kTs.size();
      std::size_t end = text.find('"', pos);
      if (end == std::string_view::npos) break;
      ++events_total;
      if (in_window) {
        ++events;
        auto ts = lt::parse_rfc3339(text.substr(pos, end - pos));
        if (!ts) {
          ++unparsed;
        } else {
          std::int64_t us = std::max<std::int64_t>(0, (now - *ts) / 1000);
          latency_us.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>(us, UINT32_MAX)));
        }
      }
      pos = end;
    }
    if (in_window) {
      ++frames;
      bytes += text.size();
    }
  }

  void merge(const Stats& o) {
    latency_us.insert(latency_us.end(), o.latency_us.begin(), o.latency_us.end());
    events += o.events;
    events_total += o.events_total;
    skipped += o.skipped;
    frames += o.frames;
    bytes += o.bytes;
    unparsed += o.unparsed;
  }
};

double percentile_ms(std::vector<std::uint32_t>& v, double p) {
  if (v.empty()) return -1;
  auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k] / 1000.0;
}

// ------------------------------------------------------------------ WebSocket clients
class TailClient : public std::enable_shared_from_this<TailClient> {
 public:
  TailClient(asio::io_context& io, const std::atomic<bool>& measuring, std::string host, std::string target)
      : ws_(io), host_(std::move(host)), target_(std::move(target)) {
    stats_.measuring = &measuring;
  }
  Stats& stats() { return stats_; }
  const std::string& target() const { return target_; }

  void start(const tcp::resolver::results_type& endpoints, std::atomic<int>& ready) {
    ready_ = &ready;
    beast::get_lowest_layer(ws_).async_connect(endpoints, [self = shared_from_this()](beast::error_code ec,
                                                                                      const tcp::endpoint&) {
      if (ec) die("connect: " + ec.message());
      self->ws_.async_handshake(self->host_, self->target_, [self](beast::error_code ec2) {
        if (ec2) die("WebSocket handshake " + self->target_ + ": " + ec2.message());
        self->ws_.read_message_max(64 << 20);
        self->read();
      });
    });
  }
  void close() {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
  }
  bool open() const { return open_; }

 private:
  void read() {
    ws_.async_read(buf_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->open_ = false;
        return;
      }
      lt::TimestampNs now = lt::now_ns();
      auto data = self->buf_.cdata();
      std::string_view text(static_cast<const char*>(data.data()), data.size());
      self->on_message(text, now);
      self->buf_.consume(self->buf_.size());
      self->read();
    });
  }
  void on_message(std::string_view text, lt::TimestampNs now) {
    if (text.starts_with(R"({"type":"events")")) {
      stats_.on_events(text, now);
    } else if (text.starts_with(R"({"type":"skipped","count":)")) {
      std::uint64_t n = 0;
      auto digits = text.substr(std::strlen(R"({"type":"skipped","count":)"));
      std::from_chars(digits.data(), digits.data() + digits.size(), n);
      if (stats_.measuring->load(std::memory_order_relaxed)) stats_.skipped += n;
    } else if (text.starts_with(R"({"type":"hello")")) {
      open_ = true;
      ready_->fetch_add(1);
    } else {
      die("unexpected message: " + std::string(text.substr(0, 200)));
    }
  }

  websocket::stream<beast::tcp_stream> ws_;
  Stats stats_;
  std::string host_, target_;
  beast::flat_buffer buf_;
  std::atomic<int>* ready_ = nullptr;
  bool open_ = false;
};

// ------------------------------------------------------------------ kcat baseline
struct Kcat {
  pid_t pid = -1;
  int out_fd = -1;
};

Kcat spawn_kcat(const Options& o) {
  int fds[2];
  if (pipe(fds) != 0) die("pipe");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  std::vector<std::string> args = {"kcat", "-C", "-q", "-b", o.brokers, "-t", o.topic, "-o", "end"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  Kcat k;
  if (posix_spawnp(&k.pid, "kcat", &fa, nullptr, argv.data(), environ) != 0) die("cannot start kcat");
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  k.out_fd = fds[0];
  return k;
}

// Reads kcat's lines until EOF; each line is one event.
void read_kcat(int fd, Stats& stats) {
  std::string pending;
  std::vector<char> buf(1 << 16);
  for (;;) {
    ssize_t n = read(fd, buf.data(), buf.size());
    if (n <= 0) return;
    lt::TimestampNs now = lt::now_ns();
    pending.append(buf.data(), static_cast<std::size_t>(n));
    std::size_t last_nl = pending.rfind('\n');
    if (last_nl == std::string::npos) continue;
    stats.on_events(std::string_view(pending).substr(0, last_nl + 1), now);
    pending.erase(0, last_nl + 1);
  }
}

// ------------------------------------------------------------------ producer
struct ProduceResult {
  std::uint64_t produced = 0;
  std::uint64_t queue_full = 0;
};

// Produces `rate` events/s, paced per millisecond, until `stop`.
ProduceResult produce(lt::kafka::Producer& producer, const Options& o, const std::atomic<bool>& stop) {
  EventMaker maker("fb" + std::to_string(getpid()) + "x" + std::to_string(lt::now_ns() % 1'000'000'000));
  ProduceResult r;
  std::string json;
  std::string_view key;
  auto t0 = Clock::now();
  while (!stop.load()) {
    double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    auto due = static_cast<std::uint64_t>(elapsed * o.rate);
    while (r.produced < due) {
      maker.next(json, key);
      lt::kafka::OutgoingMessage m;
      m.topic = o.topic;
      m.key = key;
      m.payload = json;
      if (auto st = producer.produce(m)) {
        ++r.queue_full;
        break;
      }
      ++r.produced;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_args(argc, argv);

  lt::kafka::ClientConfig kc;
  kc.brokers = o.brokers;
  kc.client_id = "fanout-bench";
  {
    // The dashboard should find its topics when it subscribes, so scripts/bench creates them first.
    auto admin = lt::kafka::Admin::create(kc);
    if (!admin) die("admin: " + admin.error().message);
    std::vector<std::string> topics = o.create_only.empty() ? std::vector{o.topic} : o.create_only;
    for (const auto& t : topics)
      if (auto st = (*admin)->create_topic(t, o.partitions, std::chrono::seconds(30), 1, true))
        die("create topic " + t + ": " + st->message);
    if (!o.create_only.empty()) return 0;
  }
  // What `logtracer consume` uses to write the processed topic: lz4, linger 20 ms, acks=all, idempotent.
  auto created = lt::kafka::Producer::create(kc, lt::kafka::ProducerOptions{});
  if (!created) die("producer: " + created.error().message);
  auto producer = std::move(created.value());

  std::atomic<bool> measuring{false};
  Stats stats;
  stats.measuring = &measuring;
  asio::io_context io;
  std::vector<std::shared_ptr<TailClient>> clients;
  std::thread receiver;
  std::vector<std::thread> extra_receivers;
  Kcat kcat;
  int measured_pid = o.server_pid;

  if (o.kcat) {
    kcat = spawn_kcat(o);
    measured_pid = kcat.pid;
    receiver = std::thread([&] { read_kcat(kcat.out_fd, stats); });
  } else {
    std::string rest = o.url.substr(o.url.find("://") + 3);
    std::string hostport = rest.substr(0, rest.find('/'));
    std::string host = hostport.substr(0, hostport.rfind(':'));
    std::string port = hostport.substr(hostport.rfind(':') + 1);
    tcp::resolver resolver(io);
    auto endpoints = resolver.resolve(host, port);
    std::atomic<int> ready{0};
    for (const std::string& q : make_queries(o.clients, o.match_all)) {
      auto c = std::make_shared<TailClient>(io, measuring, hostport, "/api/v1/tail?q=" + lt::net::percent_encode(q));
      c->start(endpoints, ready);
      clients.push_back(std::move(c));
    }
    // Several threads, so one stalled reader thread does not delay every client; each
    // client's operations stay sequential (read, handle, read), so no strand is needed.
    for (int t = 1; t < o.client_threads; ++t) extra_receivers.emplace_back([&] { io.run(); });
    receiver = std::thread([&] { io.run(); });
    auto deadline = Clock::now() + std::chrono::seconds(30);
    while (ready.load() < o.clients && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (ready.load() < o.clients) die("only " + std::to_string(ready.load()) + " clients connected");
  }
  if (measured_pid <= 0) die("--server-pid is required");

  std::atomic<bool> stop{false};
  ProduceResult produced;
  std::thread producer_thread([&] { produced = produce(*producer, o, stop); });

  std::this_thread::sleep_for(std::chrono::seconds(o.warmup_s));
  double cpu0 = process_cpu_seconds(measured_pid);
  auto threads0 = thread_cpu_seconds(measured_pid);
  double self0 = self_cpu_seconds();
  auto t0 = Clock::now();
  measuring.store(true);
  std::this_thread::sleep_for(std::chrono::seconds(o.duration_s));
  measuring.store(false);
  double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  double cpu1 = process_cpu_seconds(measured_pid);
  auto threads1 = thread_cpu_seconds(measured_pid);
  std::string server_stats = o.kcat ? "null" : dashboard_stats(o.url);
  double self1 = self_cpu_seconds();

  stop.store(true);
  producer_thread.join();
  if (auto st = producer->flush(std::chrono::seconds(10))) std::fprintf(stderr, "fanout_bench: flush: %s\n", st->message.c_str());

  int still_open = 0;
  if (o.kcat) {
    kill(kcat.pid, SIGTERM);
    receiver.join();
    waitpid(kcat.pid, nullptr, 0);
    close(kcat.out_fd);
  } else {
    for (auto& c : clients) still_open += c->open();
    asio::post(io, [&] {
      for (auto& c : clients) c->close();
    });
    io.stop();
    receiver.join();
    for (auto& t : extra_receivers) t.join();
    // The slowest clients, on stderr: which queries suffer when latency is high.
    std::vector<std::pair<double, std::string>> worst;
    for (auto& c : clients) {
      std::vector<std::uint32_t> v = c->stats().latency_us;
      worst.emplace_back(percentile_ms(v, 0.99), c->target() + " events=" + std::to_string(c->stats().events) +
                                                     " skipped=" + std::to_string(c->stats().skipped));
      stats.merge(c->stats());
    }
    std::sort(worst.rbegin(), worst.rend());
    for (std::size_t i = 0; i < worst.size() && i < 5; ++i)
      std::fprintf(stderr, "fanout_bench: p99 %.1f ms %s\n", worst[i].first, worst[i].second.c_str());
  }

  double p50 = percentile_ms(stats.latency_us, 0.50);
  double p99 = percentile_ms(stats.latency_us, 0.99);
  double p999 = percentile_ms(stats.latency_us, 0.999);
  double max = stats.latency_us.empty() ? -1 : *std::max_element(stats.latency_us.begin(), stats.latency_us.end()) / 1000.0;
  std::string thread_json;
  for (const auto& [name, secs] : threads1) {
    if (!thread_json.empty()) thread_json += ',';
    thread_json += "\"" + name + "\":" + std::to_string((secs - threads0[name]) / wall);
  }
  std::printf(
      "{\"mode\":\"%s\",\"rate\":%d,\"clients\":%d,\"match_all\":%d,\"window_s\":%.2f,\"produced\":%llu,\"queue_full\":%llu,"
      "\"cpu_cores\":%.4f,\"bench_cpu_cores\":%.4f,\"events\":%llu,\"events_per_s\":%.0f,\"mb_per_s\":%.2f,"
      "\"frames\":%llu,\"skipped\":%llu,\"unparsed\":%llu,\"clients_open\":%d,"
      "\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"p999_ms\":%.2f,\"max_ms\":%.2f,\"server_stats\":%s,\"threads\":{%s}}\n",
      o.kcat ? "kcat" : "dashboard", o.rate, o.kcat ? 1 : o.clients, o.kcat ? 1 : o.match_all, wall,
      static_cast<unsigned long long>(produced.produced), static_cast<unsigned long long>(produced.queue_full),
      (cpu1 - cpu0) / wall, (self1 - self0) / wall, static_cast<unsigned long long>(stats.events),
      static_cast<double>(stats.events) / wall, static_cast<double>(stats.bytes) / wall / 1e6,
      static_cast<unsigned long long>(stats.frames), static_cast<unsigned long long>(stats.skipped),
      static_cast<unsigned long long>(stats.unparsed), still_open, p50, p99, p999, max, server_stats.c_str(),
      thread_json.c_str());
  return 0;
}
