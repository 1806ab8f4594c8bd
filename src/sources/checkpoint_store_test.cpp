#include "sources/checkpoint_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "sources/testing_sink.h"

namespace lt::sources {
namespace {

namespace fs = std::filesystem;
using Entries = std::vector<FileCheckpoint>;

class CheckpointStoreTest : public testing::TempDirTest {
 protected:
  std::string file() const { return dir_ + "/src.checkpoint.json"; }

  std::string read_file() const {
    std::ifstream in(file(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void write_at(std::size_t at, const std::string& bytes) const {
    std::fstream f(file(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(at));
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  std::uint64_t inode() const {
    struct stat st {};
    EXPECT_EQ(::stat(file().c_str(), &st), 0);
    return st.st_ino;
  }
  Entries load() const {
    auto loaded = CheckpointStore(dir_, "src").load();
    if (auto* err = std::get_if<Error>(&loaded)) {
      ADD_FAILURE() << err->code << ": " << err->message;
      return {};
    }
    return std::get<Entries>(std::move(loaded));
  }
  std::string load_error() const {
    auto loaded = CheckpointStore(dir_, "src").load();
    auto* err = std::get_if<Error>(&loaded);
    if (!err) return "loaded";
    EXPECT_TRUE(err->fatal());
    return err->code;
  }
  // The seq recorded in slot `i` (0, 1 or 2) of a file with slots of `slot` bytes (0: none).
  std::uint64_t seq_of(std::size_t i, std::size_t slot) const {
    const std::string text = read_file().substr(i * slot, slot);
    const auto at = text.find("\"seq\":");
    return at == std::string::npos ? 0 : std::stoull(text.substr(at + 6));
  }
};

Entries one(std::int64_t offset, std::string path = "/var/log/app.log") {
  return {{2049, 1234567, offset, std::move(path)}};
}

// n files with long paths, every offset `offset`: several slots' worth.
Entries many(std::size_t n, std::int64_t offset) {
  Entries out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back({7, 1000 + i, offset, "/var/log/" + std::string(180, 'p') + "/file-" + std::to_string(i) + ".log"});
  return out;
}

TEST_F(CheckpointStoreTest, RoundTripsAndIsThreeReadableSlots) {
  CheckpointStore store(dir_, "src");
  EXPECT_FALSE(store.exists());
  EXPECT_TRUE(load().empty());  // missing: not run before
  const Entries saved{{UINT64_MAX, UINT64_MAX - 1, INT64_MAX, "/var/log/a.log"}, {1, 2, 0, "/var/log/b.log"}};
  ASSERT_FALSE(store.save(saved));
  EXPECT_TRUE(store.exists());
  EXPECT_EQ(load(), saved);
  ASSERT_FALSE(store.sync());
  EXPECT_EQ(load(), saved);
  ASSERT_FALSE(store.save({}));
  EXPECT_TRUE(store.exists());
  EXPECT_TRUE(load().empty());

  const std::string text = read_file();
  ASSERT_EQ(text.size(), 3 * 4096u);
  EXPECT_EQ(text.rfind("{\"check\":\"", 0), 0u);
  EXPECT_EQ(text[4095], '\n');
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(text.find("\"path\":\"/var/log/a.log\""), std::string::npos);  // for people: cat shows it
}

TEST_F(CheckpointStoreTest, FileHeadsRoundTripAndAreWrittenOnlyWhenKnown) {
  Entries saved{{1, 2, 300, "/var/log/a.log", 0x0123456789abcdefull, 1024},
                {1, 3, 10, "/var/log/b.log", UINT64_MAX, 10},
                {1, 4, 0, "/var/log/c.log", 0, 5},   // a hash of 0 is a hash like any other
                {1, 5, 7, "/var/log/d.log"}};       // unknown: written as before heads existed
  CheckpointStore store(dir_, "src");
  ASSERT_FALSE(store.save(saved));
  EXPECT_EQ(load(), saved);
  ASSERT_FALSE(store.save(saved));  // in place too
  EXPECT_EQ(load(), saved);
  const std::string text = read_file();
  EXPECT_NE(text.find("\"path\":\"/var/log/a.log\",\"head\":\"0123456789abcdef\",\"head_bytes\":1024}"),
            std::string::npos);
  EXPECT_NE(text.find("\"head\":\"ffffffffffffffff\",\"head_bytes\":10}"), std::string::npos);
  EXPECT_NE(text.find("\"head\":\"0000000000000000\",\"head_bytes\":5}"), std::string::npos);
  EXPECT_NE(text.find("\"path\":\"/var/log/d.log\"}"), std::string::npos);  // no head fields at all
}

TEST_F(CheckpointStoreTest, EntriesWithoutAHeadLoadAsUnknownAndABadHeadIsCorrupt) {
  // A v1 document (as older releases wrote; v2 entries of those releases have
  // the same fields): no head, so head_bytes 0.
  std::ofstream(file()) << "{\"version\":1,\"files\":[{\"device\":1,\"inode\":2,\"offset\":3,\"path\":\"/a\"},"
                           "{\"device\":1,\"inode\":4,\"offset\":5,\"path\":\"/b\",\"head\":\"00000000000000ff\","
                           "\"head_bytes\":6}]}\n";
  EXPECT_EQ(load(), (Entries{{1, 2, 3, "/a", 0, 0}, {1, 4, 5, "/b", 0xff, 6}}));
  for (const char* bad : {"\"head\":\"ff\",\"head_bytes\":6", "\"head\":\"00000000000000FF\",\"head_bytes\":6",
                          "\"head\":255,\"head_bytes\":6", "\"head\":\"00000000000000ff\""}) {
    std::ofstream(file(), std::ios::trunc)
        << "{\"version\":1,\"files\":[{\"device\":1,\"inode\":2,\"offset\":3,\"path\":\"/a\"," << bad << "}]}\n";
    EXPECT_EQ(load_error(), "checkpoint.corrupt") << bad;
  }
}

TEST_F(CheckpointStoreTest, SavesAlternateSlotsInPlaceAndLoadReturnsTheLast) {
  CheckpointStore store(dir_, "src");
  ASSERT_FALSE(store.save(one(0)));  // a new file: slot 0, synced
  const auto ino = inode();
  for (int i = 1; i <= 200; ++i) {
    ASSERT_FALSE(store.save(one(i)));
    ASSERT_EQ(load(), one(i)) << i;
  }
  EXPECT_EQ(inode(), ino);  // no new file per save: written in place
  EXPECT_EQ(read_file().size(), 3 * 4096u);
  // The synced state stays; the others alternate (201 saves: seq 201 in slot 2).
  EXPECT_EQ(seq_of(0, 4096), 1u);
  EXPECT_EQ(seq_of(1, 4096), 200u);
  EXPECT_EQ(seq_of(2, 4096), 201u);

  // After a sync, the slot it made durable is kept until the next one.
  ASSERT_FALSE(store.sync());
  for (int i = 201; i <= 203; ++i) ASSERT_FALSE(store.save(one(i)));
  EXPECT_EQ(seq_of(2, 4096), 201u);
  EXPECT_EQ(load(), one(203));
  // A power loss may tear every slot written since the sync: that state remains.
  write_at(50, "torn");
  write_at(4096 + 50, "torn");
  EXPECT_EQ(load(), one(200));

  // Another store (the next run) continues the sequence without a new file,
  // keeping the state it found.
  CheckpointStore next(dir_, "src");
  ASSERT_FALSE(next.save(one(500)));
  EXPECT_EQ(load(), one(500));
  EXPECT_EQ(seq_of(2, 4096), 201u);
  EXPECT_EQ(seq_of(0, 4096), 202u);
  EXPECT_EQ(inode(), ino);
}

TEST_F(CheckpointStoreTest, TornNewestSlotFallsBackToThePreviousState) {
  {
    CheckpointStore store(dir_, "src");
    for (int i = 1; i <= 3; ++i) ASSERT_FALSE(store.save(one(i * 1000)));  // slot 0: 1000, 1: 2000, 2: 3000
  }
  ASSERT_EQ(load(), one(3000));
  const std::string intact = read_file();
  const auto at = intact.find("\"offset\":3000") + 9;
  ASSERT_GT(at, 2 * 4096u);
  ASSERT_LT(at, 3 * 4096u);

  // A write cut short: the slot's second half is what was there before.
  write_at(2 * 4096 + 2048, std::string(2048, 'x'));
  EXPECT_EQ(load(), one(2000));
  // Still valid JSON, one digit off: only the check tells.
  write_at(2 * 4096, intact.substr(2 * 4096, 4096));
  write_at(at, "4");
  EXPECT_EQ(load(), one(2000));

  // The next run writes over the torn slot, keeping the intact ones.
  {
    CheckpointStore store(dir_, "src");
    ASSERT_FALSE(store.save(one(5000)));
  }
  EXPECT_EQ(load(), one(5000));
  EXPECT_EQ(seq_of(0, 4096), 1u);
  write_at(2 * 4096 + 100, "garbage");
  EXPECT_EQ(load(), one(2000));
}

TEST_F(CheckpointStoreTest, NoIntactSlotIsCorrupt) {
  {
    CheckpointStore store(dir_, "src");
    ASSERT_FALSE(store.save(one(1)));
    ASSERT_FALSE(store.save(one(2)));
  }
  write_at(4096 + 50, "torn");
  EXPECT_EQ(load(), one(1));
  write_at(50, "torn");
  EXPECT_EQ(load_error(), "checkpoint.corrupt");  // the third slot is empty

  fs::resize_file(file(), 2 * 4096);  // not three slots
  EXPECT_EQ(load_error(), "checkpoint.corrupt");
  fs::resize_file(file(), 0);
  EXPECT_EQ(load_error(), "checkpoint.corrupt");
  std::ofstream(file(), std::ios::trunc) << "{not json";
  EXPECT_EQ(load_error(), "checkpoint.corrupt");
}

TEST_F(CheckpointStoreTest, OldFormatLoadsAndTheNextSaveUpgradesIt) {
  std::ofstream(file()) << "{\"version\":1,\"files\":[{\"device\":1,\"inode\":2,\"offset\":3,\"path\":"
                           "\"/var/log/a \\\"b\\\".log\"},{\"device\":4,\"inode\":5,\"offset\":6,\"path\":\"/x\"}]}\n";
  const Entries old{{1, 2, 3, "/var/log/a \"b\".log"}, {4, 5, 6, "/x"}};
  EXPECT_EQ(load(), old);
  CheckpointStore store(dir_, "src");
  ASSERT_FALSE(store.save(one(42)));
  EXPECT_EQ(load(), one(42));
  const std::string text = read_file();
  EXPECT_EQ(text.size(), 3 * 4096u);
  EXPECT_EQ(text.rfind("{\"check\":\"", 0), 0u);
  ASSERT_FALSE(store.save(one(43)));  // and then in place
  EXPECT_EQ(load(), one(43));
}

TEST_F(CheckpointStoreTest, GrowsBeyondASlotAndShrinksBack) {
  CheckpointStore store(dir_, "src");
  ASSERT_FALSE(store.save(one(1)));
  ASSERT_FALSE(store.save(many(300, 10)));  // ~70 KB: a new file with larger slots
  EXPECT_EQ(load(), many(300, 10));
  const auto size = read_file().size();
  EXPECT_GT(size, 2 * 64 * 1024u);
  EXPECT_EQ(size % (3 * 4096), 0u);
  const auto ino = inode();
  for (int i = 11; i <= 20; ++i) ASSERT_FALSE(store.save(many(300, i)));
  EXPECT_EQ(load(), many(300, 20));
  EXPECT_EQ(inode(), ino);  // fits: in place
  ASSERT_FALSE(store.save(many(310, 21)));  // a few more files still fit
  EXPECT_EQ(load(), many(310, 21));
  EXPECT_EQ(inode(), ino);

  ASSERT_FALSE(store.sync());
  ASSERT_FALSE(store.save(one(99)));  // back to a small file
  EXPECT_EQ(load(), one(99));
  EXPECT_EQ(read_file().size(), 3 * 4096u);
  ASSERT_FALSE(store.save(one(100)));
  EXPECT_EQ(load(), one(100));
  ASSERT_FALSE(store.sync());
}

TEST_F(CheckpointStoreTest, PathsRoundTripByteForByte) {
  const std::vector<std::string> paths = {
      "/logs/quote\"back\\slash",
      std::string("/logs/ctl\x01\x1f\x7f\t\n\r", 14),
      "/logs/caf\xc3\xa9/\xe2\x82\xac.log",           // valid UTF-8
      "/logs/latin1-caf\xe9.log",                      // invalid UTF-8 (Latin-1 é)
      "/logs/cut\xc3",                                 // truncated sequence
      "/logs/\xff\xfe\xed\xa0\x80 surrogate \"and\" \x02",  // invalid, with escapes too
  };
  Entries saved;
  for (std::size_t i = 0; i < paths.size(); ++i) saved.push_back({1, i, static_cast<std::int64_t>(i), paths[i]});
  CheckpointStore store(dir_, "src");
  ASSERT_FALSE(store.save(saved));
  EXPECT_EQ(load(), saved);
  ASSERT_FALSE(store.save(saved));  // the in-place slot too
  EXPECT_EQ(load(), saved);
}

TEST_F(CheckpointStoreTest, SyncRewritesAFileDeletedWhileRunning) {
  CheckpointStore store(dir_, "src");
  ASSERT_FALSE(store.save(one(1)));
  ASSERT_FALSE(store.save(one(2)));
  fs::remove(file());
  ASSERT_FALSE(store.sync());
  EXPECT_EQ(load(), one(2));
  ASSERT_FALSE(store.save(one(3)));
  EXPECT_EQ(load(), one(3));
}

TEST_F(CheckpointStoreTest, KillDuringSavesLeavesAWholeState) {
  // Large slots (one save is many pages, which a kill can cut between): the
  // child saves consistent states (every offset the same) until killed.
  for (int round = 0; round < 8; ++round) {
    fs::remove(file());
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      CheckpointStore store(dir_, "src");
      for (std::int64_t i = 1;; ++i)
        if (store.save(many(300, i))) ::_exit(3);
    }
    // Wait until it saved a few times, then kill it at some point of a save.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool saving = false;
    while (!saving && std::chrono::steady_clock::now() < deadline) {
      auto loaded = CheckpointStore(dir_, "src").load();
      auto* list = std::get_if<Entries>(&loaded);
      saving = list && !list->empty() && list->front().offset > 3;
      if (!saving) std::this_thread::yield();
    }
    std::this_thread::sleep_for(std::chrono::microseconds(std::random_device{}() % 3000));
    ::kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(saving);
    ASSERT_TRUE(WIFSIGNALED(status));
    const Entries got = load();
    ASSERT_EQ(got.size(), 300u);
    EXPECT_EQ(got, many(300, got.front().offset)) << "round " << round;
  }
}

}  // namespace
}  // namespace lt::sources
