#include "sources/file_tail.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/hash.h"
#include "sources/testing_sink.h"

namespace lt::sources {
namespace {

using testing::eventually;
using testing::TestSink;
namespace fs = std::filesystem;

class FileTailTest : public testing::TempDirTest {
 protected:
  static void append(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out << text;
  }

  std::unique_ptr<FileTailSource> make(const std::string& name, FileOptions fo, SourceOptions common = {}) {
    common.name = name;  // callers pass testing::unique_name(...)
    common.type = "file";
    common.service = "svc";
    common.environment = "test";
    common.host = "h1";
    if (fo.poll_interval_ms == FileOptions{}.poll_interval_ms) fo.poll_interval_ms = 10;
    if (fo.rescan_interval_ms == FileOptions{}.rescan_interval_ms) fo.rescan_interval_ms = 50;
    if (fo.rotate_wait_ms == FileOptions{}.rotate_wait_ms) fo.rotate_wait_ms = 200;
    if (fo.multiline_flush_ms == FileOptions{}.multiline_flush_ms) fo.multiline_flush_ms = 200;
    if (fo.checkpoint_sync_interval_ms == FileOptions{}.checkpoint_sync_interval_ms) fo.checkpoint_sync_interval_ms = 50;
    return std::make_unique<FileTailSource>(common, fo, testing::message_parser);
  }

  // Lines "<tag> line NNN" (zero-padded: every line the same length) from..to-1.
  static std::string numbered(const std::string& tag, int from, int to) {
    std::string out;
    char buf[16];
    for (int i = from; i < to; ++i) {
      std::snprintf(buf, sizeof buf, "%03d", i);
      out += tag + " line " + buf + "\n";
    }
    return out;
  }
  static std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t at = 0;
    for (std::size_t nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1)
      out.push_back(text.substr(at, nl - at));
    return out;
  }
  struct FirstRun {
    FileOptions fo;
    std::string name;
    FileCheckpoint saved;  // what the run left in its checkpoint
  };
  // dir_/app.log holding `text`, read by a source from its start until all of it
  // is acknowledged, then stopped: a checkpoint at the end of the file.
  FirstRun run_to_end(const std::string& prefix, const std::string& text) {
    FirstRun run;
    const std::string path = dir_ + "/app.log";
    append(path, text);
    run.fo.paths = {path};
    run.fo.start_at_beginning = true;
    run.fo.checkpoint_dir = dir_ + "/ckpt";
    run.name = testing::unique_name(prefix);
    auto src = make(run.name, run.fo);
    TestSink sink;
    EXPECT_FALSE(src->start(sink));
    EXPECT_TRUE(sink.wait_count(lines_of(text).size())) << sink.count();
    EXPECT_TRUE(eventually([&] { return src->fully_acknowledged(); }));
    src->stop();
    const auto saved = std::get<std::vector<FileCheckpoint>>(CheckpointStore(run.fo.checkpoint_dir, run.name).load());
    EXPECT_EQ(saved.size(), 1u);
    if (!saved.empty()) run.saved = saved[0];
    EXPECT_EQ(run.saved.offset, static_cast<std::int64_t>(text.size()));
    return run;
  }
  // A checkpoint as a release before file heads wrote it (the v1 document): an
  // entry with the device + inode of the file at `path`, naming `recorded`
  // (`path` if empty), plus `extra` fields.
  void write_old_checkpoint(const FileOptions& fo, const std::string& name, const std::string& path,
                            std::int64_t offset, const std::string& extra = "",
                            const std::string& recorded = "") const {
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    fs::create_directories(fo.checkpoint_dir);
    std::ofstream(fo.checkpoint_dir + "/" + name + ".checkpoint.json")
        << "{\"version\":1,\"files\":[{\"device\":" << st.st_dev << ",\"inode\":" << st.st_ino
        << ",\"offset\":" << offset << ",\"path\":\"" << (recorded.empty() ? path : recorded) << "\"" << extra
        << "}]}\n";
  }
  static Counter& changed_counter(const std::string& name) {
    return MetricsRegistry::global().counter("logtracer_file_checkpoints_content_changed_total", "",
                                             {{"source", name}});
  }
};

TEST_F(FileTailTest, ReadsExistingAndAppendedLinesWithContext) {
  const std::string path = dir_ + "/app.log";
  append(path, "one\ntwo\r\n");
  FileOptions fo;
  fo.paths = {path};
  fo.start_at_beginning = true;
  auto src = make(testing::unique_name("ft_append"), fo);
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  ASSERT_TRUE(sink.wait_count(2));
  append(path, "three\npartial");
  ASSERT_TRUE(sink.wait_count(3));
  append(path, " line\n");
  ASSERT_TRUE(sink.wait_count(4));
  src->stop();
  EXPECT_EQ(sink.messages(), (std::vector<std::string>{"one", "two", "three", "partial line"}));
  const auto ev = sink.events()[0];
  EXPECT_EQ(ev.service, "svc");
  EXPECT_EQ(ev.environment, "test");
  EXPECT_EQ(ev.host, "h1");
  EXPECT_EQ(ev.source, "file:" + path);
  EXPECT_EQ(ev.id.size(), 26u);
  EXPECT_GT(ev.timestamp, 0);
  EXPECT_EQ(src->metrics().events.value(), 4u);
  EXPECT_EQ(src->metrics().bytes.value(), std::string("onetwothreepartial line").size());  // without newlines and \\r
}

TEST_F(FileTailTest, StartAtEndSkipsWhatWasAlreadyThere) {
  const std::string path = dir_ + "/app.log";
  append(path, "old 1\nold 2\n");
  FileOptions fo;
  fo.paths = {path};
  auto src = make(testing::unique_name("ft_end"), fo);
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  append(path, "new\n");
  ASSERT_TRUE(sink.wait_count(1));
  src->stop();
  EXPECT_EQ(sink.messages(), std::vector<std::string>{"new"});
}

TEST_F(FileTailTest, FollowsRenameRotationWithoutLossOrDuplicates) {
  const std::string path = dir_ + "/app.log";
  append(path, "a1\na2\n");
  FileOptions fo;
  fo.paths = {path};
  fo.start_at_beginning = true;
  auto src = make(testing::unique_name("ft_rename"), fo);
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  ASSERT_TRUE(sink.wait_count(2));
  {
    // The writer keeps its descriptor across the rename, as a logger does until reopened.
    std::ofstream writer(path, std::ios::app);
    fs::rename(path, path + ".1");
    writer << "a3 after rename\n" << std::flush;
    append(path, "b1\nb2\n");
    writer << "a4 unterminated";
  }
  ASSERT_TRUE(sink.wait_count(6)) << sink.count();
  // The rotated file is let go once quiet and acknowledged.
  EXPECT_TRUE(eventually([&] { return src->open_files() == 1; }));
  src->stop();
  auto msgs = sink.messages();
  std::sort(msgs.begin(), msgs.end());
  EXPECT_EQ(msgs, (std::vector<std::string>{"a1", "a2", "a3 after rename", "a4 unterminated", "b1", "b2"}));
}

TEST_F(FileTailTest, CopyTruncateRestartsAtZero) {
  const std::string path = dir_ + "/app.log";
  append(path, "first long line\nsecond long line\n");
  FileOptions fo;
  fo.paths = {path};
  fo.start_at_beginning = true;
  auto src = make(testing::unique_name("ft_truncate"), fo);
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  ASSERT_TRUE(sink.wait_count(2));
  fs::resize_file(path, 0);
  append(path, "c\n");
  ASSERT_TRUE(sink.wait_count(3));
  EXPECT_TRUE(eventually([&] { return src->positions().at(0).offset == 2; }));
  src->stop();
  EXPECT_EQ(sink.messages().back(), "c");
  EXPECT_EQ(sink.count(), 3u);
}

TEST_F(FileTailTest, TruncateAndRegrowBetweenTwoPollsIsDetectedByTheFirstBytes) {
  const std::string path = dir_ + "/app.log";
  append(path, "old one\nold two\n");
  FileOptions fo;
  fo.paths = {path};
  fo.start_at_beginning = true;
  fo.poll_interval_ms = 1000;  // the rewrite below lands between two polls: the size never looks smaller
  fo.rescan_interval_ms = 1000;
  auto src = make(testing::unique_name("ft_regrow"), fo);
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  ASSERT_TRUE(sink.wait_count(2));
  {
    std::ofstream out(path, std::ios::trunc | std::ios::binary);  // copytruncate, then a busy writer
    out << "new first line, longer than all of the old content\nnew second\n";
  }
  ASSERT_TRUE(sink.wait_count(4)) << sink.count();
  src->stop();
  EXPECT_EQ(sink.messages(), (std::vector<std::string>{"old one", "old two",
                                                       "new first line, longer than all of the old content",
                                                       "new second"}));
}

TEST_F(FileTailTest, GlobPicksUpNewFilesFromTheirStart) {
  append(dir_ + "/a.log", "existing\n");
  append(dir_ + "/ignored.txt", "not matched\n");
  FileOptions fo;
  fo.paths = {dir_ + "/*.log"};
  auto src = make(testing::unique_name("ft_glob"), fo);  // start at end: "existing" is skipped
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  append(dir_ + "/b.log", "b first\nb second\n");
  ASSERT_TRUE(sink.wait_count(2));
  append(dir_ + "/a.log", "a new\n");
  ASSERT_TRUE(sink.wait_count(3));
  src->stop();
  const auto events = sink.events();
  EXPECT_EQ(events[0].message, "b first");
  EXPECT_EQ(events[0].source, "file:" + dir_ + "/b.log");
  EXPECT_EQ(events[2].message, "a new");
}

TEST_F(FileTailTest, JoinsMultilineEventsAndFlushesTheLastAfterQuiet) {
  const std::string path = dir_ + "/app.log";
  append(path,
         "2026-01-01 ERROR boom\n"
         "java.lang.IllegalStateException: x\n"
         "\tat A.b(A.java:1)\n"
         "2026-01-01 INFO next\n"
         "2026-01-01 INFO last\n"
         "  continued\n");
  FileOptions fo;
  fo.paths = {path};
  fo.start_at_beginning = true;
  SourceOptions common;
  common.multiline_start = R"(^\d{4}-\d{2}-\d{2} )";
  auto src = make(testing::unique_name("ft_multiline"), fo, common);
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  ASSERT_TRUE(sink.wait_count(3));
  src->stop();
  EXPECT_EQ(sink.messages(),
            (std::vector<std::string>{"2026-01-01 ERROR boom\njava.lang.IllegalStateException: x\n\tat A.b(A.java:1)",
                                      "2026-01-01 INFO next", "2026-01-01 INFO last\n  continued"}));
}

TEST_F(FileTailTest, TruncatesOverlongLinesAndFlagsThem) {
  const std::string path = dir_ + "/app.log";
  const std::string huge(50000, 'x');  // spans many 4 KiB read blocks
  append(path, "short\n" + std::string(40, 'y') + "\n" + huge + "\nafter\n");
  FileOptions fo;
  fo.paths = {path};
  fo.start_at_beginning = true;
  fo.read_block_bytes = 4096;
  SourceOptions common;
  common.max_line_bytes = 16;
  auto src = make(testing::unique_name("ft_trunc"), fo, common);
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  ASSERT_TRUE(sink.wait_count(4));
  src->stop();
  const auto ev = sink.events();
  EXPECT_EQ(ev[0].message, "short");
  EXPECT_EQ(ev[0].attribute("truncated"), nullptr);
  EXPECT_EQ(ev[1].message, std::string(16, 'y'));
  ASSERT_NE(ev[1].attribute("truncated"), nullptr);
  EXPECT_EQ(ev[1].attribute("truncated")->type, AttrType::Bool);
  EXPECT_EQ(ev[2].message, std::string(16, 'x'));
  EXPECT_NE(ev[2].attribute("truncated"), nullptr);
  EXPECT_EQ(ev[3].message, "after");
  EXPECT_EQ(src->metrics().truncated.value(), 2u);
}

TEST_F(FileTailTest, RestartResumesExactlyAfterTheAcknowledgedLines) {
  const std::string path = dir_ + "/app.log";
  for (int i = 1; i <= 10; ++i) append(path, "line " + std::to_string(i) + "\n");
  FileOptions fo;
  fo.paths = {path};
  fo.start_at_beginning = true;
  fo.checkpoint_dir = dir_ + "/ckpt";
  const std::string name = testing::unique_name("ft_restart");
  {
    auto src = make(name, fo);
    TestSink sink(TestSink::Mode::Hold);
    ASSERT_FALSE(src->start(sink));
    ASSERT_TRUE(sink.wait_count(10));
    sink.ack_first(4);
    EXPECT_TRUE(eventually([&] { return src->positions().at(0).offset == 28; }));  // "line 1\n".."line 4\n"
    EXPECT_FALSE(src->fully_acknowledged());
    src->stop(std::chrono::milliseconds(50));  // lines 5..10 stay unacknowledged
  }
  CheckpointStore store(fo.checkpoint_dir, name);
  auto saved = std::get<std::vector<FileCheckpoint>>(store.load());
  ASSERT_EQ(saved.size(), 1u);
  EXPECT_EQ(saved[0].offset, 28);
  EXPECT_EQ(saved[0].path, path);

  append(path, "line 11\n");
  auto src = make(name, fo);
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  ASSERT_TRUE(sink.wait_count(7));
  EXPECT_TRUE(eventually([&] { return src->fully_acknowledged(); }));
  src->stop();
  std::vector<std::string> want;
  for (int i = 5; i <= 11; ++i) want.push_back("line " + std::to_string(i));
  EXPECT_EQ(sink.messages(), want);
  auto after = std::get<std::vector<FileCheckpoint>>(store.load());
  EXPECT_EQ(after.at(0).offset, static_cast<std::int64_t>(fs::file_size(path)));
}

TEST_F(FileTailTest, RestartAfterRotationReadsTheRotatedTailAndAllOfTheNewFile) {
  const std::string path = dir_ + "/app.log";
  append(path, "before start\n");
  FileOptions fo;
  fo.paths = {path};  // start_at: end, the default
  fo.checkpoint_dir = dir_ + "/ckpt";
  const std::string name = testing::unique_name("ft_rot_restart");
  {
    auto src = make(name, fo);
    TestSink sink;
    ASSERT_FALSE(src->start(sink));
    append(path, "a1\n");
    ASSERT_TRUE(sink.wait_count(1));
    EXPECT_TRUE(eventually([&] { return src->fully_acknowledged(); }));
    src->stop();
    EXPECT_EQ(sink.messages(), std::vector<std::string>{"a1"});
  }
  // While stopped: the old file gets an unread tail, is rotated away, and the
  // new app.log is written to.
  append(path, "a2\na3\n");
  fs::rename(path, path + ".1");
  append(path, "b1\nb2\n");
  auto src = make(name, fo);
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  ASSERT_TRUE(sink.wait_count(4)) << sink.count();
  EXPECT_TRUE(eventually([&] { return src->open_files() == 1; }));  // the rotated one drained and let go
  src->stop();
  auto msgs = sink.messages();
  std::sort(msgs.begin(), msgs.end());
  EXPECT_EQ(msgs, (std::vector<std::string>{"a2", "a3", "b1", "b2"}));
  auto saved = std::get<std::vector<FileCheckpoint>>(CheckpointStore(fo.checkpoint_dir, name).load());
  ASSERT_EQ(saved.size(), 1u);
  EXPECT_EQ(saved[0].path, path);
  EXPECT_EQ(saved[0].offset, 6);
}

TEST_F(FileTailTest, FirstRunWithoutFilesStillMakesLaterFilesReadFromTheStart) {
  const std::string path = dir_ + "/app.log";
  FileOptions fo;
  fo.paths = {path};  // start_at: end applies to the very first run only
  fo.checkpoint_dir = dir_ + "/ckpt";
  const std::string name = testing::unique_name("ft_first_run");
  {
    auto src = make(name, fo);
    TestSink sink;
    ASSERT_FALSE(src->start(sink));
    src->stop();
  }
  append(path, "written while stopped\n");
  auto src = make(name, fo);
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  ASSERT_TRUE(sink.wait_count(1));
  src->stop();
  EXPECT_EQ(sink.messages(), std::vector<std::string>{"written while stopped"});
}

TEST_F(FileTailTest, CheckpointOfAVanishedFileIsWarnedAndCounted) {
  const std::string path = dir_ + "/app.log";
  append(path, "x1\n");
  FileOptions fo;
  fo.paths = {path};
  fo.start_at_beginning = true;
  fo.checkpoint_dir = dir_ + "/ckpt";
  const std::string name = testing::unique_name("ft_vanished");
  {
    auto src = make(name, fo);
    TestSink sink;
    ASSERT_FALSE(src->start(sink));
    ASSERT_TRUE(sink.wait_count(1));
    EXPECT_TRUE(eventually([&] { return src->fully_acknowledged(); }));
    src->stop();
  }
  fs::remove(path);
  auto& unmatched = MetricsRegistry::global().counter("logtracer_file_checkpoints_unmatched_total", "",
                                                      {{"source", name}});
  const auto before = unmatched.value();
  auto src = make(name, fo);
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  EXPECT_EQ(unmatched.value(), before + 1);
  EXPECT_EQ(src->open_files(), 0u);
  src->stop();
  EXPECT_TRUE(std::get<std::vector<FileCheckpoint>>(CheckpointStore(fo.checkpoint_dir, name).load()).empty());
}

TEST_F(FileTailTest, CopytruncatedWhileStoppedAndRewrittenPastTheOffsetIsReadFromTheStart) {
  // Same inode and a size beyond the checkpoint after the restart: only the
  // checkpointed head tells that the bytes before the offset are new lines.
  const std::string old_text = numbered("old", 0, 100);  // 1300 bytes: a head of 1024
  const FirstRun first = run_to_end("ft_ckpt_copytrunc", old_text);
  ASSERT_FALSE(HasFailure());
  const FileOptions& fo = first.fo;
  const std::string &path = fo.paths[0], &name = first.name;

  const auto ino = first.saved.inode;
  const std::string new_text = numbered("new", 0, 150);  // 1950 bytes, past the checkpoint
  {
    std::ofstream out(path, std::ios::trunc | std::ios::binary);  // copytruncate, then the app writes on
    out << new_text;
  }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  ASSERT_EQ(static_cast<std::uint64_t>(st.st_ino), ino);  // the checkpointed file, by device + inode

  auto& changed = changed_counter(name);
  const auto before = changed.value();
  auto src = make(name, fo);
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  EXPECT_EQ(changed.value(), before + 1);
  ASSERT_TRUE(sink.wait_count(150)) << sink.count();
  EXPECT_TRUE(eventually([&] { return src->fully_acknowledged(); }));
  // The new content's head goes with its offset.
  EXPECT_TRUE(eventually([&] {
    const auto at = src->positions().at(0);
    return at.offset == static_cast<std::int64_t>(new_text.size()) && at.head_bytes == 1024 &&
           at.head == fnv1a(std::string_view(new_text).substr(0, 1024));
  }));
  src->stop();
  EXPECT_EQ(sink.messages(), lines_of(new_text));
}

TEST_F(FileTailTest, AppendedWhileStoppedResumesAtTheOffsetWithTheHeadChecked) {
  const std::string old_text = numbered("old", 0, 100);
  const FirstRun first = run_to_end("ft_ckpt_append", old_text);
  ASSERT_FALSE(HasFailure());
  const FileOptions& fo = first.fo;
  const std::string &path = fo.paths[0], &name = first.name;
  EXPECT_EQ(first.saved.head_bytes, 1024u);
  EXPECT_EQ(first.saved.head, fnv1a(std::string_view(old_text).substr(0, 1024)));

  const std::string more = numbered("more", 0, 5);
  append(path, more);
  auto& changed = changed_counter(name);
  const auto before = changed.value();
  auto src = make(name, fo);
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  ASSERT_TRUE(sink.wait_count(5)) << sink.count();
  EXPECT_TRUE(eventually([&] { return src->fully_acknowledged(); }));
  src->stop();
  EXPECT_EQ(sink.messages(), lines_of(more));  // nothing sent again
  EXPECT_EQ(changed.value(), before);
  const auto after = std::get<std::vector<FileCheckpoint>>(CheckpointStore(fo.checkpoint_dir, name).load());
  EXPECT_EQ(after.at(0).offset, static_cast<std::int64_t>(old_text.size() + more.size()));
  EXPECT_EQ(after.at(0).head, first.saved.head);
}

TEST_F(FileTailTest, CheckpointWithoutAHeadResumesAtItsOffsetAsBefore) {
  // Written by a release before file heads: the inode is all there is to go by.
  const std::string path = dir_ + "/app.log";
  append(path, "l1\nl2\nl3\nl4\n");
  FileOptions fo;
  fo.paths = {path};
  fo.checkpoint_dir = dir_ + "/ckpt";
  const std::string name = testing::unique_name("ft_ckpt_nohead");
  write_old_checkpoint(fo, name, path, 6);  // after "l1\nl2\n"
  auto& changed = changed_counter(name);
  const auto before = changed.value();
  auto src = make(name, fo);
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  ASSERT_TRUE(sink.wait_count(2)) << sink.count();
  EXPECT_TRUE(eventually([&] { return src->fully_acknowledged(); }));
  src->stop();
  EXPECT_EQ(sink.messages(), (std::vector<std::string>{"l3", "l4"}));
  EXPECT_EQ(changed.value(), before);
  // The next save adds the head.
  const auto after = std::get<std::vector<FileCheckpoint>>(CheckpointStore(fo.checkpoint_dir, name).load());
  EXPECT_EQ(after.at(0).offset, 12);
  EXPECT_EQ(after.at(0).head_bytes, 12u);
  EXPECT_EQ(after.at(0).head, fnv1a("l1\nl2\nl3\nl4\n"));
}

TEST_F(FileTailTest, CheckpointedInodeWithOtherFirstBytesIsReadFromTheStart) {
  // What a deleted file's inode number given to a new file at the same path
  // looks like: the entry's device + inode, not its head.
  const std::string path = dir_ + "/app.log";
  append(path, "n1\nn2\nn3\n");
  FileOptions fo;
  fo.paths = {path};
  fo.checkpoint_dir = dir_ + "/ckpt";
  const std::string name = testing::unique_name("ft_ckpt_reused");
  write_old_checkpoint(fo, name, path, 3, ",\"head\":\"" + std::string(16, 'a') + "\",\"head_bytes\":9");
  auto& changed = changed_counter(name);
  const auto before = changed.value();
  auto src = make(name, fo);
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  EXPECT_EQ(changed.value(), before + 1);
  ASSERT_TRUE(sink.wait_count(3)) << sink.count();
  src->stop();
  EXPECT_EQ(sink.messages(), (std::vector<std::string>{"n1", "n2", "n3"}));
}

TEST_F(FileTailTest, FileOutsideThePathsWithTheCheckpointedInodeButOtherFirstBytesIsNotRead) {
  // The search for a file rotated while stopped goes by inode in the
  // checkpoint's directory: a file there that only got the inode number is not
  // the checkpointed one, and not under the source's paths either.
  const std::string other = dir_ + "/notes.txt";
  append(other, "not a log of this source\n");
  FileOptions fo;
  fo.paths = {dir_ + "/app.log"};
  fo.checkpoint_dir = dir_ + "/ckpt";
  const std::string name = testing::unique_name("ft_ckpt_stranger");
  // The entry names app.log, found nowhere under that path, with the inode of notes.txt.
  write_old_checkpoint(fo, name, other, 0, ",\"head\":\"" + std::string(16, 'b') + "\",\"head_bytes\":4",
                       dir_ + "/app.log");
  auto& unmatched = MetricsRegistry::global().counter("logtracer_file_checkpoints_unmatched_total", "",
                                                      {{"source", name}});
  const auto before = unmatched.value();
  auto src = make(name, fo);
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  EXPECT_EQ(unmatched.value(), before + 1);
  EXPECT_EQ(src->open_files(), 0u);  // decided in start(): no wait needed
  src->stop();
  EXPECT_EQ(sink.count(), 0u);
}

TEST_F(FileTailTest, FailedDeliveryRewindsToTheCommittedPosition) {
  const std::string path = dir_ + "/app.log";
  append(path, "l1\nl2\nl3\nl4\n");
  FileOptions fo;
  fo.paths = {path};
  fo.start_at_beginning = true;
  auto src = make(testing::unique_name("ft_fail"), fo);
  TestSink sink(TestSink::Mode::Hold);
  ASSERT_FALSE(src->start(sink));
  ASSERT_TRUE(sink.wait_count(4));
  sink.ack_first(1);      // l1 durable
  sink.fail_first_held();  // l2 failed, l3 l4 acknowledged but behind the failure
  sink.set_mode(TestSink::Mode::AckNow);
  ASSERT_TRUE(sink.wait_count(7));
  EXPECT_TRUE(eventually([&] { return src->fully_acknowledged(); }));
  src->stop();
  EXPECT_EQ(sink.messages(), (std::vector<std::string>{"l1", "l2", "l3", "l4", "l2", "l3", "l4"}));
  EXPECT_EQ(src->positions().size(), 0u);  // stop() closed the files
}

TEST_F(FileTailTest, BackpressurePausesReadingAndResumesWithoutLoss) {
  const std::string path = dir_ + "/app.log";
  FileOptions fo;
  fo.paths = {path};
  fo.start_at_beginning = true;
  append(path, "");
  auto src = make(testing::unique_name("ft_pause"), fo);
  TestSink sink(TestSink::Mode::Refuse);
  ASSERT_FALSE(src->start(sink));
  for (int i = 0; i < 100; ++i) append(path, "m" + std::to_string(i) + "\n");
  EXPECT_TRUE(eventually([&] { return src->metrics().paused.value() == 1.0 && sink.refused() > 2; }));
  EXPECT_EQ(sink.count(), 0u);
  EXPECT_EQ(src->positions().at(0).offset, 0);
  sink.set_mode(TestSink::Mode::AckNow);
  ASSERT_TRUE(sink.wait_count(100));
  EXPECT_TRUE(eventually([&] { return src->metrics().paused.value() == 0.0; }));
  src->stop();
  const auto msgs = sink.messages();
  ASSERT_EQ(msgs.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(msgs[i], "m" + std::to_string(i));
}

TEST_F(FileTailTest, AckWindowBoundsInFlightEvents) {
  const std::string path = dir_ + "/app.log";
  for (int i = 0; i < 50; ++i) append(path, "w\n");
  FileOptions fo;
  fo.paths = {path};
  fo.start_at_beginning = true;
  SourceOptions common;
  common.ack_window = 8;
  auto src = make(testing::unique_name("ft_window"), fo, common);
  TestSink sink(TestSink::Mode::Hold);
  ASSERT_FALSE(src->start(sink));
  ASSERT_TRUE(sink.wait_count(8));
  EXPECT_TRUE(eventually([&] { return src->metrics().paused.value() == 1.0; }));
  EXPECT_EQ(sink.count(), 8u);  // the window is full: no ninth event until an ack
  sink.ack_held();
  ASSERT_TRUE(sink.wait_count(16));
  sink.set_mode(TestSink::Mode::AckNow);
  sink.ack_held();
  ASSERT_TRUE(sink.wait_count(50));
  src->stop();
  EXPECT_EQ(sink.count(), 50u);
}

TEST_F(FileTailTest, BatchingSinkGetsOneAckPerBatchAndTheCheckpointWaitsForIt) {
  const std::string path = dir_ + "/app.log";
  std::string text;
  std::vector<std::int64_t> ends;  // end offset of each line
  for (int i = 1; i <= 1200; ++i) {
    text += "line " + std::to_string(i) + "\n";
    ends.push_back(static_cast<std::int64_t>(text.size()));
  }
  append(path, text);
  FileOptions fo;
  fo.paths = {path};
  fo.start_at_beginning = true;
  auto src = make(testing::unique_name("ft_batch"), fo);
  TestSink sink(TestSink::Mode::Hold, /*batches=*/true);
  ASSERT_FALSE(src->start(sink));
  ASSERT_TRUE(sink.wait_count(1200));
  EXPECT_GE(sink.held(), 3u);  // batches are bounded (512 lines), whatever the block holds
  EXPECT_EQ(sink.held(), sink.batches_taken());
  EXPECT_EQ(src->positions().at(0).offset, 0);  // nothing acknowledged, nothing committed
  EXPECT_FALSE(src->fully_acknowledged());
  sink.ack_first(1);
  EXPECT_TRUE(eventually([&] {
    const auto at = src->positions().at(0).offset;
    return at > 0 && at < ends.back();
  }));
  const auto first = src->positions().at(0).offset;
  EXPECT_NE(std::find(ends.begin(), ends.end(), first), ends.end()) << "committed mid-line: " << first;
  sink.ack_held();
  EXPECT_TRUE(eventually([&] { return src->positions().at(0).offset == ends.back(); }));
  EXPECT_TRUE(src->fully_acknowledged());
  EXPECT_TRUE(eventually([&] { return src->metrics().events.value() == 1200u; }));  // counted once the sink took them

  // A failed batch is sent again from its first line: duplicates stay within it.
  append(path, "tail 1\ntail 2\n");
  ASSERT_TRUE(sink.wait_count(1202));
  sink.fail_first_held();
  sink.set_mode(TestSink::Mode::AckNow);
  ASSERT_TRUE(sink.wait_count(1204));
  EXPECT_TRUE(eventually([&] { return src->fully_acknowledged(); }));
  src->stop();
  auto msgs = sink.messages();
  ASSERT_EQ(msgs.size(), 1204u);
  for (int i = 0; i < 1200; ++i) EXPECT_EQ(msgs[i], "line " + std::to_string(i + 1));
  EXPECT_EQ(std::vector<std::string>(msgs.begin() + 1200, msgs.end()),
            (std::vector<std::string>{"tail 1", "tail 2", "tail 1", "tail 2"}));
}

TEST_F(FileTailTest, CheckpointFileFollowsEachAckWithoutWaitingForTheSyncInterval) {
  // What a kill -9 re-sends is what the checkpoint file is behind the acks: it
  // must be written as each ack advances the position, not on the fsync timer.
  const std::string path = dir_ + "/app.log";
  std::string text;
  for (int i = 1; i <= 1200; ++i) text += "line " + std::to_string(i) + "\n";
  append(path, text);
  FileOptions fo;
  fo.paths = {path};
  fo.start_at_beginning = true;
  fo.checkpoint_dir = dir_ + "/ckpt";
  fo.checkpoint_sync_interval_ms = 600'000;  // never within this test
  const std::string name = testing::unique_name("ft_ckpt_ack");
  auto src = make(name, fo);
  TestSink sink(TestSink::Mode::Hold, /*batches=*/true);
  ASSERT_FALSE(src->start(sink));
  ASSERT_TRUE(sink.wait_count(1200));
  CheckpointStore store(fo.checkpoint_dir, name);
  auto saved_offset = [&]() -> std::int64_t {
    auto loaded = store.load();
    auto* list = std::get_if<std::vector<FileCheckpoint>>(&loaded);
    return list && !list->empty() ? list->at(0).offset : -1;
  };
  sink.ack_first(1);
  ASSERT_TRUE(eventually([&] { return src->positions().at(0).offset > 0; }));
  const auto first = src->positions().at(0).offset;
  EXPECT_TRUE(eventually([&] { return saved_offset() == first; })) << saved_offset() << " != " << first;
  sink.ack_held();
  const auto end = static_cast<std::int64_t>(text.size());
  EXPECT_TRUE(eventually([&] { return saved_offset() == end; })) << saved_offset() << " != " << end;
  src->stop();
  EXPECT_EQ(saved_offset(), end);
}

TEST_F(FileTailTest, BatchingSinkFollowsRotationAndPausesWhenRefused) {
  const std::string path = dir_ + "/app.log";
  append(path, "a1\na2\n");
  FileOptions fo;
  fo.paths = {path};
  fo.start_at_beginning = true;
  auto src = make(testing::unique_name("ft_batch_rot"), fo);
  TestSink sink(TestSink::Mode::Refuse, /*batches=*/true);
  ASSERT_FALSE(src->start(sink));
  EXPECT_TRUE(eventually([&] { return src->metrics().paused.value() == 1.0 && sink.refused() > 2; }));
  EXPECT_EQ(sink.count(), 0u);
  sink.set_mode(TestSink::Mode::AckNow);
  ASSERT_TRUE(sink.wait_count(2));
  fs::rename(path, path + ".1");
  append(path + ".1", "a3\n");  // written by the old writer after the rename
  append(path, "b1\n");
  ASSERT_TRUE(sink.wait_count(4));
  EXPECT_TRUE(eventually([&] { return src->fully_acknowledged(); }));
  src->stop();
  auto msgs = sink.messages();
  std::sort(msgs.begin() + 2, msgs.end());  // the two files are read in either order
  EXPECT_EQ(msgs, (std::vector<std::string>{"a1", "a2", "a3", "b1"}));
}

TEST_F(FileTailTest, CountsParseErrorsButKeepsTheLine) {
  const std::string path = dir_ + "/app.log";
  append(path, "!garbage \xff\xfe\nfine\n");
  FileOptions fo;
  fo.paths = {path};
  fo.start_at_beginning = true;
  auto src = make(testing::unique_name("ft_parse_err"), fo);
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  ASSERT_TRUE(sink.wait_count(2));
  src->stop();
  EXPECT_EQ(src->metrics().parse_errors.value(), 1u);
  EXPECT_EQ(sink.messages()[1], "fine");
}

TEST_F(FileTailTest, CorruptCheckpointIsAnErrorNotAGuess) {
  fs::create_directories(dir_ + "/ckpt");
  const std::string name = testing::unique_name("ft_corrupt");
  append(dir_ + "/ckpt/" + name + ".checkpoint.json", "{not json");
  FileOptions fo;
  fo.paths = {dir_ + "/app.log"};
  fo.checkpoint_dir = dir_ + "/ckpt";
  auto src = make(name, fo);
  TestSink sink;
  auto err = src->start(sink);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, "checkpoint.corrupt");
}

}  // namespace
}  // namespace lt::sources
