// The docs name only what exists: every `logtracer <command>` in README.md and
// docs/ is a real subcommand (its --help succeeds), and every config key written
// as `section.key...` is a row of the schema (or a prefix of one). Runs the real
// binary for the commands.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "config/schema.h"

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::filesystem::path> doc_files() {
  std::vector<std::filesystem::path> files{std::filesystem::path(LT_SOURCE_DIR) / "README.md",
                                           std::filesystem::path(LT_SOURCE_DIR) / "HACKING.md"};
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(LT_SOURCE_DIR) / "docs"))
    if (e.path().extension() == ".md") files.push_back(e.path());
  return files;
}

int run_quiet(const std::string& args) {
  const std::string cmd = std::string(LT_BINARY) + " " + args + " >/dev/null 2>&1";
  return std::system(cmd.c_str());
}

TEST(Docs, EveryCommandNamedInTheDocsExists) {
  // `logtracer produce`, `logtracer dlq replay`, `logtracer config-reference` ...
  const std::regex command(R"(logtracer ((?:[a-z][a-z-]*)(?: (?:replay))?))");
  std::set<std::string> named;
  for (const auto& f : doc_files()) {
    const std::string text = slurp(f);
    for (std::sregex_iterator it(text.begin(), text.end(), command), end; it != end; ++it) {
      const std::string c = (*it)[1];
      // Prose like "logtracer is running" is not a command; commands are what --help lists.
      if (c == "is" || c == "run's" || c == "keeps") continue;
      named.insert(c);
    }
  }
  ASSERT_GE(named.size(), 8u) << "the docs should name the commands";
  for (const auto& c : named) EXPECT_EQ(run_quiet(c + " --help"), 0) << "docs name `logtracer " << c << "`";
  // And the reverse: every subcommand is documented somewhere.
  for (const char* c : {"run", "produce", "consume", "dashboard", "tail", "dlq replay", "validate",
                        "config-reference", "version"})
    EXPECT_TRUE(named.count(c)) << "`logtracer " << c << "` is not mentioned in the docs";
}

bool is_schema_path_or_prefix(const std::string& key) {
  for (const auto& row : lt::config::schema()) {
    std::string path = row.path;
    // Docs write list items without "[]": producer.sources.paths or producer.sources[].paths.
    std::string plain;
    for (std::size_t i = 0; i < path.size(); ++i) {
      if (path.compare(i, 2, "[]") == 0) {
        ++i;
        continue;
      }
      plain += path[i];
    }
    for (const std::string& p : {path, plain}) {
      if (p == key) return true;
      if (p.size() > key.size() && p.compare(0, key.size(), key) == 0 && p[key.size()] == '.') return true;
      if (p.size() > key.size() && p.compare(0, key.size(), key) == 0 && p[key.size()] == '[') return true;
    }
  }
  return false;
}

TEST(Docs, EveryConfigKeyNamedInTheDocsExists) {
  const std::regex key(R"(`((?:kafka|producer|consumer|dashboard)\.[a-z_]+(?:\[\])?(?:\.[a-z_]+(?:\[\])?)*)`)");
  std::size_t checked = 0;
  for (const auto& f : doc_files()) {
    if (f.filename() == "configuration.md") continue;  // generated from the schema itself
    const std::string text = slurp(f);
    for (std::sregex_iterator it(text.begin(), text.end(), key), end; it != end; ++it) {
      const std::string k = (*it)[1];
      ++checked;
      EXPECT_TRUE(is_schema_path_or_prefix(k)) << f.filename() << " names `" << k << "`, which is not a config key";
    }
  }
  EXPECT_GE(checked, 10u);
}

}  // namespace
