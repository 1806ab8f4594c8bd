// `logtracer run` without Kafka (the embedded default): a file source, processing
// and the dashboard in one process. The file position is saved only for events
// the dashboard stored, so a clean stop followed by a restart resumes where the
// first run ended: lines written while it was down arrive, and the lines the first
// run already delivered are not read again.
#include <gtest/gtest.h>

#include <cstdio>

#include "test_util.h"

namespace lt::it {
namespace {

std::string event_id(const std::string& tag, int i) { return tag + "-" + std::to_string(i); }

void append_lines(const std::string& path, const std::string& tag, const std::string& service, int from, int to) {
  std::FILE* f = std::fopen(path.c_str(), "a");
  ASSERT_NE(f, nullptr);
  for (int i = from; i < to; ++i)
    std::fprintf(f, R"({"id":"%s","level":"INFO","service":"%s","message":"order %d placed"})" "\n",
                 event_id(tag, i).c_str(), service.c_str(), i);
  std::fclose(f);
}

// The ids of [from, to) that the dashboard's window holds.
int ids_present(int port, const std::string& service, const std::string& tag, int from, int to) {
  const std::string body = http_get(port, "/api/v1/events?q=service:" + service + "&limit=5000");
  int present = 0;
  for (int i = from; i < to; ++i)
    if (body.find("\"" + event_id(tag, i) + "\"") != std::string::npos) ++present;
  return present;
}

// Starts `run`, waits for its dashboard, returns the port (0 on failure).
int start_run(std::unique_ptr<Child>& child, const std::string& config, const std::string& log) {
  child = std::make_unique<Child>(std::vector<std::string>{"run", "--config", config}, log);
  int port = 0;
  kafka::testing::wait_until([&] { return (port = run_dashboard_port(log)) > 0 || !child->alive(); }, 30s, 50ms);
  return port;
}

TEST(RunEmbedded, ACleanStopThenRestartResumesWithoutLossOrRereading) {
  TempDir dir;
  const std::string tag = kafka::testing::unique_name("runemb");
  const std::string service = "runembeddedit";
  constexpr int kFirst = 400, kWhileDown = 250;

  const std::string app_log = dir.file("app.log");
  append_lines(app_log, tag, service, 0, kFirst);
  const std::string config = dir.file("run.yaml");
  std::ofstream(config) << "producer:\n  checkpoint_dir: " << dir.file("checkpoints")
                        << "\n  admin:\n    listen: \"\"\n  sources:\n"
                        << file_source("app", app_log, "      parser: json\n")
                        << "consumer:\n  admin:\n    listen: \"\"\n"
                        << "dashboard:\n  listen: 127.0.0.1:0\n  history: 10m\n";

  // First run: every line reaches the dashboard, then a clean stop.
  const std::string log1 = dir.file("run1.log");
  std::unique_ptr<Child> run;
  int port = start_run(run, config, log1);
  ASSERT_GT(port, 0) << read_file(log1);
  EXPECT_EQ(read_file(log1).find("stages joined by Kafka"), std::string::npos) << "expected the embedded pipeline";
  int present = 0;
  EXPECT_TRUE(kafka::testing::wait_until(
      [&] { return (present = ids_present(port, service, tag, 0, kFirst)) == kFirst; }, 30s, 100ms))
      << present << " of " << kFirst << " in the first run\n" << read_file(log1);
  expect_clean_stop(*run, log1);

  // Lines written while it is down.
  append_lines(app_log, tag, service, kFirst, kFirst + kWhileDown);

  // Second run: the new lines arrive; the file is read in order, so once the last
  // new line is in, any re-read of the first run's lines would be in too.
  const std::string log2 = dir.file("run2.log");
  port = start_run(run, config, log2);
  ASSERT_GT(port, 0) << read_file(log2);
  EXPECT_TRUE(kafka::testing::wait_until(
      [&] { return (present = ids_present(port, service, tag, kFirst, kFirst + kWhileDown)) == kWhileDown; }, 30s,
      100ms))
      << present << " of the " << kWhileDown << " lines written while down\n" << read_file(log2);
  const int reread = ids_present(port, service, tag, 0, kFirst);
  EXPECT_EQ(reread, 0) << "the restart read again lines the first run had delivered";
  std::printf("[ run-embedded ] first run %d lines, written while down %d, after restart %d new, %d re-read\n", kFirst,
              kWhileDown, present, reread);
  expect_clean_stop(*run, log2);
}

}  // namespace
}  // namespace lt::it
