// `make stack` (scripts/stack) on a broker of its own: events flow from the
// producer through two consumers of one group to the dashboard's API, and keep
// flowing from every service after one consumer is killed with SIGKILL (the
// other takes over its partitions). Then `stop` leaves no process behind.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdlib>

#include "test_util.h"

namespace lt::it {
namespace {


// `count` consecutive free ports (the admin ports of scripts/stack are consecutive).
int free_port_run(int count) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const int first = free_port();
    bool all = first > 0 && first + count < 65535;
    for (int i = 1; all && i < count; ++i) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      addr.sin_port = htons(static_cast<std::uint16_t>(first + i));
      all = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
      ::close(fd);
    }
    if (all) return first;
  }
  return 0;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// scripts/stack with its own broker, ports and var dir; stopped on destruction.
class Stack {
 public:
  explicit Stack(const std::string& dir) : dir_(dir) {
    const int kafka = free_port_run(2), admin = free_port_run(3);
    dashboard_port_ = free_port();
    env_ = "env -u LT_KAFKA_BROKERS LT_STACK_DIR=" + dir + "/var LT_KAFKA_DIR=" + dir + "/kafka" +
           " LT_KAFKA_PORT=" + std::to_string(kafka) + " LT_KAFKA_CONTROLLER_PORT=" + std::to_string(kafka + 1) +
           " LT_KAFKA_HEAP=384m LT_STACK_DASHBOARD_PORT=" + std::to_string(dashboard_port_) +
           " LT_STACK_ADMIN_PORT=" + std::to_string(admin) + " LT_STACK_INGEST_PORT=" + std::to_string(free_port()) +
           " LT_STACK_RATE=50 LT_BINARY=" + LT_BINARY + " " + LT_SOURCE_DIR + "/scripts/stack ";
  }
  ~Stack() {
    if (started_) run("stop");
  }
  // The exit status of `scripts/stack <command>`; its output is appended to output().
  int run(const std::string& command) {
    if (command == "start") started_ = true;
    const int status = std::system((env_ + command + " >>" + dir_ + "/stack.out 2>&1").c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::string output() const { return read_file(dir_ + "/stack.out"); }
  std::string var(const std::string& file) const { return dir_ + "/var/" + file; }
  int dashboard_port() const { return dashboard_port_; }
  std::string logs() const {
    std::string all = output();
    for (const char* f : {"producer.log", "consumer-1.log", "consumer-2.log", "dashboard.log"})
      all += std::string("\n==> ") + f + "\n" + read_file(var(f));
    return all;
  }

 private:
  std::string dir_;
  std::string env_;
  int dashboard_port_ = 0;
  bool started_ = false;
};

// Running, and not a zombie waiting for a reaper (these processes are not our children).
bool alive(pid_t pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const auto paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

TEST(Stack, EventsFlowToTheDashboardAndSurviveAKilledConsumer) {
  TempDir dir;
  Stack stack(dir.path());
  ASSERT_EQ(stack.run("start"), 0) << stack.logs();
  const std::string url = "http://127.0.0.1:" + std::to_string(stack.dashboard_port());
  EXPECT_NE(stack.output().find("open " + url), std::string::npos) << stack.output();
  EXPECT_EQ(stack.run("status"), 0) << stack.output();

  // Producer -> logs.raw -> consumers -> logs.processed -> dashboard.
  const int port = stack.dashboard_port();
  std::string body;
  ASSERT_TRUE(kafka::testing::wait_until(
      [&] {
        body = http_get(port, "/api/v1/events?q=service:checkout&limit=5");
        return body.find("\"service\":\"checkout\"") != std::string::npos;
      },
      60s, 250ms))
      << body << "\n" << stack.logs();
  // Processed by the consumers' pipeline (config/stack/consumer.yaml adds cluster=stack).
  EXPECT_NE(body.find("\"cluster\":\"stack\""), std::string::npos) << body;

  // Both consumers hold partitions of logs.raw: once each was assigned, the group
  // has rebalanced with both members, 3 partitions over 2, at least one each.
  ASSERT_TRUE(kafka::testing::wait_until(
      [&] { return read_file(stack.var("consumer-2.log")).find("consume: assigned logs.raw[") != std::string::npos; },
      30s, 250ms))
      << stack.logs();
  ASSERT_TRUE(kafka::testing::wait_until(
      [&] { return read_file(stack.var("consumer-1.log")).find("consume: assigned logs.raw[") != std::string::npos; },
      30s, 250ms))
      << stack.logs();

  // SIGKILL one consumer: no goodbye to the group, its partitions stall until the
  // session timeout, then the other consumer takes them over.
  const pid_t victim = std::stoi(read_file(stack.var("consumer-1.pid")));
  const pid_t survivor = std::stoi(read_file(stack.var("consumer-2.pid")));
  ASSERT_TRUE(alive(victim) && alive(survivor));
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  const std::int64_t killed_at = now_ms() + 1000;  // events generated after this went through the survivor only
  EXPECT_TRUE(kafka::testing::wait_until([&] { return !alive(victim); }, 10s, 50ms));

  // New events from every service (so from every partition that carries one) keep arriving.
  std::vector<std::string> waiting = {"checkout", "payments", "auth", "search", "inventory"};
  kafka::testing::wait_until(
      [&] {
        std::erase_if(waiting, [&](const std::string& s) {
          body = http_get(port, "/api/v1/events?q=service:" + s + "&from=" + std::to_string(killed_at) + "&limit=1");
          return body.find("\"service\":\"" + s + "\"") != std::string::npos;
        });
        return waiting.empty();
      },
      60s, 500ms);
  EXPECT_TRUE(waiting.empty()) << "no new events after the kill from " << waiting.front() << "\n" << stack.logs();
  EXPECT_TRUE(alive(survivor)) << stack.logs();
  EXPECT_EQ(stack.run("status"), 3) << "status should report the killed consumer\n" << stack.output();

  // stop: every process and the broker it started are gone.
  const pid_t producer = std::stoi(read_file(stack.var("producer.pid")));
  const pid_t dashboard = std::stoi(read_file(stack.var("dashboard.pid")));
  ASSERT_EQ(stack.run("stop"), 0) << stack.output();
  for (pid_t pid : {producer, survivor, dashboard}) EXPECT_FALSE(alive(pid)) << "pid " << pid << " still running";
  EXPECT_NE(stack.run("status"), 0);
  EXPECT_NE(stack.output().find("broker: not running"), std::string::npos) << stack.output();
}

}  // namespace
}  // namespace lt::it
