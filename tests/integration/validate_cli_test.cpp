// `logtracer validate` as a user runs it: exit status and file:line:col lines. No broker needed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace {

struct Run {
  int status = -1;
  std::string output;  // stdout and stderr
};

Run run(const std::string& args, const std::string& cwd = ".") {
  Run result;
  std::string command = "cd '" + cwd + "' && " + std::string(LT_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  std::size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

TEST(ValidateCli, ThreeMistakesGiveThreePositionedErrorsAndExitOne) {
  auto path = std::filesystem::temp_directory_path() / ("lt_validate_" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << "kafka:\n"
                         "  brokrs: localhost:9092\n"
                         "  compression: brotli\n"
                         "producer:\n"
                         "  buffer_events: many\n";
  auto result = run("validate " + path.string());
  std::filesystem::remove(path);
  EXPECT_EQ(result.status, 1) << result.output;
  std::regex line("^" + path.string() + ":[0-9]+:[0-9]+: error: .+$");
  std::istringstream lines(result.output);
  std::vector<std::string> errors;
  for (std::string text; std::getline(lines, text);) {
    if (std::regex_match(text, line)) errors.push_back(text);
  }
  ASSERT_EQ(errors.size(), 3u) << result.output;
  EXPECT_THAT(errors[0], ::testing::HasSubstr(":2:3: error: unknown key 'brokrs' in kafka; did you mean 'brokers'?"));
  EXPECT_THAT(errors[1], ::testing::HasSubstr(":3:16: error: kafka.compression: 'brotli' is not one of"));
  EXPECT_THAT(errors[2], ::testing::HasSubstr(":5:18: error: producer.buffer_events: expected an integer, got 'many'"));
}

TEST(ValidateCli, ExampleConfigsAreOk) {
  std::string dir = std::string(LT_SOURCE_DIR) + "/config/";
  // Their relative paths (GeoIP database, users table) are relative to the checkout, where README's commands run.
  auto result = run("validate " + dir + "demo.yaml " + dir + "producer.yaml " + dir + "consumer.yaml " + dir +
                    "dashboard.yaml", LT_SOURCE_DIR);
  EXPECT_EQ(result.status, 0) << result.output;
  EXPECT_THAT(result.output, ::testing::HasSubstr(dir + "demo.yaml: ok\n"));
  EXPECT_THAT(result.output, ::testing::HasSubstr(dir + "dashboard.yaml: ok\n"));
}

TEST(ValidateCli, FilesTheConfigReadsMustExistUnlessToldOtherwise) {
  const auto dir = std::filesystem::temp_directory_path() / ("lt_validate_f_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "users.csv") << "user_id,name\nu1,Ann\n";
  const auto path = dir / "consumer.yaml";
  std::ofstream(path) << "consumer:\n"
                         "  enrich:\n"
                         "    geoip:\n"
                         "      database: /nonexistent/GeoLite2-City.mmdb\n"
                         "    lookup:\n"
                         "      - name: users\n"
                         "        file: users.csv\n"
                         "dashboard:\n"
                         "  tls:\n"
                         "    cert_file: " << dir.string() << "\n"   // a directory, not a file
                         "    key_file: " << (dir / "users.csv").string() << "\n";
  // From another directory the relative users.csv is not found either: it is read from where the service runs.
  auto elsewhere = run("validate " + path.string(), "/");
  EXPECT_EQ(elsewhere.status, 1) << elsewhere.output;
  EXPECT_THAT(elsewhere.output,
              ::testing::HasSubstr(path.string() + ":4:17: error: consumer.enrich.geoip.database: cannot read "
                                                   "'/nonexistent/GeoLite2-City.mmdb': No such file or directory"));
  EXPECT_THAT(elsewhere.output, ::testing::HasSubstr(path.string() + ":7:15: error: consumer.enrich.lookup[0].file: "
                                                                     "cannot read 'users.csv'"));
  EXPECT_THAT(elsewhere.output, ::testing::HasSubstr("relative to the current directory"));
  EXPECT_THAT(elsewhere.output, ::testing::HasSubstr(":10:16: error: dashboard.tls.cert_file: cannot read '" +
                                                     dir.string() + "': is a directory"));
  EXPECT_THAT(elsewhere.output, ::testing::HasSubstr("--no-file-checks"));
  EXPECT_THAT(elsewhere.output, ::testing::Not(::testing::HasSubstr("key_file: cannot read")));

  auto here = run("validate " + path.string(), dir.string());
  EXPECT_EQ(here.status, 1) << here.output;
  EXPECT_THAT(here.output, ::testing::Not(::testing::HasSubstr("users.csv")));

  auto skipped = run("validate --no-file-checks " + path.string(), "/");
  EXPECT_EQ(skipped.status, 0) << skipped.output;
  std::filesystem::remove_all(dir);
}

TEST(ValidateCli, PrintMasksSecrets) {
  auto path = std::filesystem::temp_directory_path() / ("lt_validate_s_" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << "kafka:\n  security:\n    protocol: sasl_ssl\n    username: u\n    password: do-not-print-me\n";
  auto result = run("validate --print " + path.string());
  std::filesystem::remove(path);
  EXPECT_EQ(result.status, 0) << result.output;
  EXPECT_THAT(result.output, ::testing::HasSubstr("password: \"***\""));
  EXPECT_THAT(result.output, ::testing::Not(::testing::HasSubstr("do-not-print-me")));
}

TEST(ConfigReferenceCli, PrintsTheCommittedReference) {
  auto result = run("config-reference");
  EXPECT_EQ(result.status, 0);
  std::ifstream in(std::string(LT_SOURCE_DIR) + "/docs/configuration.md");
  std::stringstream docs;
  docs << in.rdbuf();
  EXPECT_TRUE(result.output == docs.str()) << "run `make docs`";
}

}  // namespace
