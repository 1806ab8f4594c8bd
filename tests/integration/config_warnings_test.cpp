// A config that loads with warnings (here an `insecure: true` ingest or syslog listener on a
// non-loopback address) starts, and says so in the service's own output at start and at every
// reload: the person running it sees the warning, not only whoever ran `validate`.
// `run` joins its stages in-process and `produce` only needs a broker address, so no broker is used.
#include <gtest/gtest.h>

#include "test_util.h"

namespace lt::it {
namespace {

using lt::testing::write_file;

const std::string kIngestWarning =
    "producer.sources[0].listen: 0.0.0.0:0 is reachable from other machines without TLS or authentication "
    "(insecure: true)";
const std::string kSyslogWarning =
    "producer.sources[1].listen: 0.0.0.0:0 is reachable from other machines without TLS or authentication "
    "(insecure: true)";

std::string config(const TempDir& dir, bool with_syslog) {
  return "kafka:\n  topics:\n    raw: lt-it-warnings-" + std::to_string(::getpid()) + "\n"
         "producer:\n"
         "  checkpoint_dir: " + dir.file("ckpt") + "\n"
         "  sources:\n"
         "    - name: ingest\n"
         "      type: http\n"
         "      listen: 0.0.0.0:0\n"
         "      insecure: true\n" +
         (with_syslog ? "    - name: sys\n"
                        "      type: syslog\n"
                        "      listen: 0.0.0.0:0\n"
                        "      insecure: true\n"
                      : "") +
         "dashboard:\n  listen: 127.0.0.1:0\n";
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = 0; (at = text.find(needle, at)) != std::string::npos; at += needle.size()) ++n;
  return n;
}

TEST(ConfigWarnings, RunLogsThemAtStartAndAtReload) {
  TempDir dir;
  const std::string cfg = dir.file("run.yaml");
  write_file(cfg, config(dir, false));
  const std::string log = dir.file("run.log");
  Child child({"run", "--config", cfg}, log);
  ASSERT_TRUE(kafka::testing::wait_until(
      [&] { return read_file(log).find(kIngestWarning) != std::string::npos || !child.alive(); }, 20s))
      << read_file(log);
  ASSERT_TRUE(child.alive()) << "a warning does not stop the service:\n" << read_file(log);
  EXPECT_NE(read_file(log).find("warn"), std::string::npos) << read_file(log);

  write_by_rename(cfg, config(dir, true));
  // The file watcher starts a moment after the warning: SIGHUP until the reload happened.
  ASSERT_TRUE(kafka::testing::wait_until([&] {
    if (read_file(log).find("config reloaded") != std::string::npos || !child.alive()) return true;
    child.kill(SIGHUP);
    return false;
  }, 20s, 500ms)) << read_file(log);
  const std::string text = read_file(log);
  EXPECT_NE(text.find(kSyslogWarning), std::string::npos) << text;
  EXPECT_GE(count(text, kIngestWarning), 2u) << "at start and again at the reload:\n" << text;
  child.kill(SIGTERM);
  EXPECT_TRUE(child.wait_exit(20s)) << read_file(log);
}

TEST(ConfigWarnings, ProduceLogsThemAtStart) {
  TempDir dir;
  const std::string cfg = dir.file("produce.yaml");
  // Nothing listens on this port of the sec range: the producer starts without a broker.
  write_file(cfg, "kafka:\n  brokers: 127.0.0.1:19699\n" + config(dir, false).substr(std::string("kafka:\n").size()));
  const std::string log = dir.file("produce.log");
  Child child({"produce", "--config", cfg}, log);
  ASSERT_TRUE(kafka::testing::wait_until(
      [&] { return read_file(log).find(kIngestWarning) != std::string::npos || !child.alive(); }, 20s))
      << read_file(log);
  child.kill(SIGTERM);
  child.wait_exit(20s);
}

}  // namespace
}  // namespace lt::it
