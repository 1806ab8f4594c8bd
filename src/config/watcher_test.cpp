#include "config/watcher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <vector>

namespace lt::config {
namespace {

namespace fs = std::filesystem;

class WatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("lt_watch_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = dir_ / "logtracer.yaml";
    write(path_, "kafka:\n  client_id: v1\n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void write(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  }
  // How editors such as vim (backupcopy=no) and most config management tools save.
  void replace_by_rename(const std::string& text) {
    fs::path temp = dir_ / ".logtracer.yaml.tmp";
    write(temp, text);
    fs::rename(temp, path_);
  }

  ConfigWatcher::Callback recorder() {
    return [this](const LoadResult& result) {
      std::lock_guard lock(mutex_);
      results_.push_back(result);
      changed_.notify_all();
    };
  }
  // Waits (bounded) until `count` callbacks arrived.
  bool wait_for(std::size_t count, std::chrono::seconds limit = std::chrono::seconds(5)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return results_.size() >= count; });
  }
  LoadResult result(std::size_t i) {
    std::lock_guard lock(mutex_);
    return results_.at(i);
  }

  fs::path dir_, path_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<LoadResult> results_;
};

ConfigWatcher::Options quick() {
  ConfigWatcher::Options options;
  options.debounce = std::chrono::milliseconds(50);
  options.load.use_registered_validators = false;
  return options;
}

TEST_F(WatcherTest, RenameOverDeliversTheNewConfig) {
  ConfigWatcher watcher(path_.string(), recorder(), quick());
  ASSERT_FALSE(watcher.start().has_value());
  replace_by_rename("kafka:\n  client_id: v2\n");
  ASSERT_TRUE(wait_for(1));
  auto first = result(0);
  ASSERT_TRUE(first.ok()) << first.report();
  EXPECT_EQ(first.config->kafka.client_id, "v2");
  EXPECT_EQ(watcher.reloads_ok(), 1u);
  EXPECT_EQ(watcher.reloads_failed(), 0u);
}

TEST_F(WatcherTest, InPlaceWriteIsSeenToo) {
  ConfigWatcher watcher(path_.string(), recorder(), quick());
  ASSERT_FALSE(watcher.start().has_value());
  write(path_, "kafka:\n  client_id: v3\n");
  ASSERT_TRUE(wait_for(1));
  ASSERT_TRUE(result(0).ok());
  EXPECT_EQ(result(0).config->kafka.client_id, "v3");
}

TEST_F(WatcherTest, InvalidEditReportsDiagnosticsAndCountsAFailure) {
  ConfigWatcher watcher(path_.string(), recorder(), quick());
  ASSERT_FALSE(watcher.start().has_value());
  replace_by_rename("kafka:\n  client_idd: v2\n  linger_ms: lots\n");
  ASSERT_TRUE(wait_for(1));
  auto bad = result(0);
  EXPECT_FALSE(bad.ok());
  ASSERT_EQ(bad.diagnostics.size(), 2u);
  EXPECT_EQ(bad.diagnostics[0].line, 2);
  EXPECT_NE(bad.diagnostics[0].message.find("did you mean 'client_id'"), std::string::npos);
  EXPECT_EQ(watcher.reloads_failed(), 1u);
  // Fixing the file recovers.
  replace_by_rename("kafka:\n  client_id: v4\n");
  ASSERT_TRUE(wait_for(2));
  ASSERT_TRUE(result(1).ok());
  EXPECT_EQ(result(1).config->kafka.client_id, "v4");
  EXPECT_EQ(watcher.reloads_ok(), 1u);
}

TEST_F(WatcherTest, TriggerReloadsUnchangedContent) {
  ConfigWatcher watcher(path_.string(), recorder(), quick());
  ASSERT_FALSE(watcher.start().has_value());
  watcher.trigger();
  ASSERT_TRUE(wait_for(1));
  ASSERT_TRUE(result(0).ok());
  EXPECT_EQ(result(0).config->kafka.client_id, "v1");
}

TEST_F(WatcherTest, BurstOfWritesEndsOnTheLastVersion) {
  ConfigWatcher watcher(path_.string(), recorder(), quick());
  ASSERT_FALSE(watcher.start().has_value());
  for (int i = 0; i < 5; ++i) replace_by_rename("kafka:\n  client_id: burst" + std::to_string(i) + "\n");
  ASSERT_TRUE(wait_for(1));
  // Every delivered result is valid, and the last one delivered carries the last version.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    std::unique_lock lock(mutex_);
    if (results_.back().ok() && results_.back().config->kafka.client_id == "burst4") break;
    changed_.wait_for(lock, std::chrono::milliseconds(100));
  }
  std::lock_guard lock(mutex_);
  EXPECT_EQ(results_.back().config->kafka.client_id, "burst4");
  EXPECT_LE(results_.size(), 5u);
}

TEST_F(WatcherTest, OtherFilesInTheDirectoryAreIgnoredAndStopIsPrompt) {
  ConfigWatcher watcher(path_.string(), recorder(), quick());
  ASSERT_FALSE(watcher.start().has_value());
  write(dir_ / "other.yaml", "garbage: [");
  watcher.trigger();  // a marker: the only callback must be this one
  ASSERT_TRUE(wait_for(1));
  auto start = std::chrono::steady_clock::now();
  watcher.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  std::lock_guard lock(mutex_);
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_TRUE(results_[0].ok());
}

TEST(Watcher, MissingDirectoryIsAnError) {
  ConfigWatcher watcher("/nonexistent-dir/x.yaml", [](const LoadResult&) {});
  auto error = watcher.start();
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->message.find("/nonexistent-dir"), std::string::npos);
}

}  // namespace
}  // namespace lt::config
