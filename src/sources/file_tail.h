// The file source: tails paths and globs, follows rename and copytruncate
// rotation, joins multi-line events, and checkpoints acknowledged positions.
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <memory>
#include <utility>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sources/checkpoint_store.h"
#include "parsers/multiline.h"
#include "sources/line_reader.h"
#include "sources/source.h"

namespace lt::sources {

class FileTailSource final : public Source {
 public:
  FileTailSource(SourceOptions common, FileOptions options, ParserFactory parsers);
  ~FileTailSource() override;

  std::optional<Error> start(EventSink& sink) override;
  void stop(std::chrono::milliseconds drain = std::chrono::seconds(5)) override;
  bool fully_acknowledged() const override;

  // The positions a checkpoint taken now would hold (acknowledged offsets).
  std::vector<FileCheckpoint> positions() const;
  // Files currently open (including rotated-away ones still being drained).
  std::size_t open_files() const;

 private:
  struct TailedFile;
  enum class Step { Ok, Rewind, Stop };

  void run();
  void rescan(bool initial);
  // Opens `path` and checks it is still the file `key` (device, inode); -1 if not.
  int open_same(const std::string& path, std::pair<std::uint64_t, std::uint64_t> key, struct stat& st);
  // `head`: the file's first bytes as read when `start` was chosen (the
  // fingerprint that a checkpoint at `start` carries).
  void add_file(int fd, std::pair<std::uint64_t, std::uint64_t> key, const std::string& path, std::int64_t start,
                bool matched, std::string_view head);
  // Where a file found at startup under a checkpoint's device + inode resumes:
  // its offset, or 0 (logged and counted) when the file is shorter or does not
  // start with the checkpointed head (`head`: its first bytes).
  std::int64_t resume_offset(const FileCheckpoint& c, const std::string& path, std::int64_t size,
                             std::string_view head);
  // Checkpoints the initial rescan did not match: their files, rotated away
  // while the source was stopped, are drained from their directory; the rest
  // are warned about and counted, then forgotten.
  void resume_rotated();
  bool pump(TailedFile& f);
  Step on_line(TailedFile& f, std::string_view line, std::int64_t end, bool truncated);
  Step emit(TailedFile& f, std::string_view text, std::int64_t end, bool truncated);
  // Sends the batch gathered from `f` (sinks that take batches): one ack-window
  // slot for all of it, ending at the end of its last line.
  Step send_batch(TailedFile& f);
  void begin_block();
  void rewind(TailedFile& f, std::int64_t position);
  // False when the file's first bytes differ from those seen before (it was
  // truncated and rewritten); records them (growing the fingerprint) either way.
  bool same_start(TailedFile& f, const struct stat& st);
  // Makes the fingerprint the one positions() reports: called once the
  // position belongs to the content it was taken of.
  void publish_head(TailedFile& f);
  void retire_finished();
  void save_loop();
  // Writes the acknowledged positions when they changed since the last write.
  void save_checkpoint();
  void sync_checkpoint();

  FileOptions file_;
  ParserFactory parsers_;
  std::unique_ptr<EventBuilder> builder_;
  std::unique_ptr<CheckpointStore> store_;
  std::vector<FileCheckpoint> restored_;  // from the checkpoint, consumed at start
  bool resumed_ = false;  // a checkpoint file existed: not this source's first run
  Counter& unmatched_checkpoints_;
  Counter& changed_checkpoints_;  // found by device + inode with other content: read from the start
  std::vector<FileCheckpoint> last_saved_;
  bool unsynced_ = false;  // last_saved_ written but not fsynced yet
  // Wakes the saver when an ack advances a position. Shared with the trackers'
  // callbacks, which a sink may still run after this source is gone.
  struct SaveSignal;
  std::shared_ptr<SaveSignal> save_signal_;

  mutable std::mutex files_mu_;  // guards files_ membership and paths against positions()
  bool acked_at_stop_ = true;    // under files_mu_: every event acknowledged when stop() closed the files
  std::vector<std::unique_ptr<TailedFile>> files_;

  EventSink* sink_ = nullptr;
  Envelope env_;
  bool batching_ = false;     // the sink takes batches (decided per block)
  EventBatch batch_;          // lines of the current block, not yet sent
  std::int64_t batch_end_ = 0;
  std::size_t batch_bytes_ = 0;
  TimestampNs block_time_ = 0;  // one clock read per block, for ids and undated lines
  std::string buffer_;
  StopSignal stop_;
  std::thread thread_;
  std::thread saver_;  // writes the checkpoint after each advance, fsyncs it every checkpoint_sync_interval_ms
  bool started_ = false;
};

}  // namespace lt::sources
