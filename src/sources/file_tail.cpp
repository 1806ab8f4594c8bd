#include "sources/file_tail.h"

#include <fcntl.h>
#include <dirent.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <utility>
#include <spdlog/spdlog.h>

#include "core/hash.h"

namespace lt::sources {

using Clock = std::chrono::steady_clock;

struct FileTailSource::TailedFile {
  explicit TailedFile(std::size_t max_line) : splitter(max_line) {}
  ~TailedFile() {
    if (fd >= 0) ::close(fd);
  }
  int fd = -1;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::string path;
  std::string label;  // "file:<path>"
  std::int64_t read_offset = 0;
  std::atomic<std::int64_t> sent_end{0};  // end of the last event the sink took
  std::shared_ptr<AckTracker> tracker;
  LineSplitter splitter;
  std::optional<parsers::MultilineAssembler> joiner;  // only with a multiline_start pattern
  bool matched = true;  // found by the last rescan; false once rotated away or deleted
  Clock::time_point last_data = Clock::now();
  // The file's first bytes (up to kFingerprintBytes) as last seen: a truncation
  // followed by more writes than before, between two polls, leaves the size
  // larger than our offset, but not the first bytes.
  std::uint64_t fingerprint = 0;
  std::size_t fingerprint_len = 0;
  // The fingerprint positions() saves with the acknowledged offset (under
  // files_mu_). It lags `fingerprint` across a rewind to 0: a new head saved
  // before the offset went back would, after a restart, resume in the new
  // content at the old content's offset and skip lines.
  std::uint64_t saved_head = 0;
  std::size_t saved_head_len = 0;
  std::int64_t seen_size = -1;
  struct timespec seen_mtime {};
};

namespace {
constexpr std::size_t kFingerprintBytes = 1024;

// A file's first max(at_least, kFingerprintBytes) bytes, or fewer when it is
// shorter (never more than `size`, whatever a checkpoint claims) or unreadable.
std::string read_head(int fd, std::uint64_t at_least, std::int64_t size) {
  const std::uint64_t want = std::max<std::uint64_t>(at_least, kFingerprintBytes);
  std::string out(static_cast<std::size_t>(std::min<std::uint64_t>(want, static_cast<std::uint64_t>(size))), '\0');
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return out;
}

// False when the checkpoint has a head and `head` (the file's first bytes)
// does not start with it.
bool same_head(const FileCheckpoint& c, std::string_view head) {
  return c.head_bytes == 0 || (head.size() >= c.head_bytes && fnv1a(head.substr(0, c.head_bytes)) == c.head);
}
}  // namespace

struct FileTailSource::SaveSignal {
  std::atomic<bool> pending{false};
  std::mutex mu;
  std::condition_variable cv;

  // On the acknowledging thread: an atomic flag, and a wakeup only when the saver
  // is not already due to run, so a burst of acks costs one write.
  void notify() {
    if (pending.exchange(true, std::memory_order_acq_rel)) return;
    std::lock_guard lock(mu);  // orders with the waiter's check: no lost wakeup
    cv.notify_one();
  }
  // True when notified before `deadline`; clears the flag.
  bool wait_until(Clock::time_point deadline) {
    std::unique_lock lock(mu);
    cv.wait_until(lock, deadline, [&] { return pending.load(std::memory_order_acquire); });
    return pending.exchange(false, std::memory_order_acq_rel);
  }
};

FileTailSource::FileTailSource(SourceOptions common, FileOptions options, ParserFactory parsers)
    : Source(std::move(common)),
      file_(std::move(options)),
      parsers_(std::move(parsers)),
      unmatched_checkpoints_(MetricsRegistry::global().counter(
          "logtracer_file_checkpoints_unmatched_total",
          "Checkpointed files found at startup neither under the source's paths nor rotated in their directory "
          "(any unread tail of theirs is lost).",
          {{"source", options_.name}})),
      changed_checkpoints_(MetricsRegistry::global().counter(
          "logtracer_file_checkpoints_content_changed_total",
          "Checkpointed files found at startup holding other content than when checkpointed (shorter than the "
          "offset, or other first bytes: truncated or replaced while stopped), read from their start.",
          {{"source", options_.name}})) {
  if (file_.read_block_bytes < 4096) file_.read_block_bytes = 4096;
}

FileTailSource::~FileTailSource() { stop(std::chrono::milliseconds(0)); }

std::optional<Error> FileTailSource::start(EventSink& sink) {
  if (started_) return Error::permanent("source.started", "source " + name() + " already started");
  if (file_.paths.empty()) return Error::permanent("file.no_paths", "source " + name() + ": no paths to tail");
  if (!options_.multiline_start.empty()) {
    auto made = parsers::MultilineAssembler::make(options_.multiline_start, options_.max_line_bytes);
    if (auto* err = std::get_if<std::string>(&made))
      return Error::permanent("source.multiline", "source " + name() + ": " + *err);
  }
  if (!file_.checkpoint_dir.empty()) {
    store_ = std::make_unique<CheckpointStore>(file_.checkpoint_dir, name());
    resumed_ = store_->exists();
    auto loaded = store_->load();
    if (auto* err = std::get_if<Error>(&loaded)) return *err;
    restored_ = std::get<std::vector<FileCheckpoint>>(std::move(loaded));
    last_saved_ = restored_;
    save_signal_ = std::make_shared<SaveSignal>();
  }
  builder_ = std::make_unique<EventBuilder>(options_, parsers_ ? parsers_() : nullptr, metrics_);
  sink_ = &sink;
  buffer_.resize(file_.read_block_bytes);
  rescan(true);  // "start at end" means the end as of now, not whenever the thread runs
  resume_rotated();
  // The checkpoint file marks "not the first run" (see rescan), even while it lists no file.
  if (store_ && !resumed_) {
    last_saved_ = positions();
    if (auto err = store_->save(last_saved_)) spdlog::error("source {}: {}", name(), err->message);
    unsynced_ = true;
  }
  started_ = true;
  thread_ = named_thread("lt-file-", name(), [this] { run(); });
  // On its own thread, so neither the reading thread nor the acknowledging one
  // ever waits for the disk.
  if (store_) saver_ = named_thread("lt-ckpt-", name(), [this] { save_loop(); });
  return std::nullopt;
}

void FileTailSource::stop(std::chrono::milliseconds drain) {
  if (!started_) return;
  started_ = false;
  stop_.request();
  if (save_signal_) save_signal_->notify();
  if (thread_.joinable()) thread_.join();
  if (saver_.joinable()) saver_.join();
  const auto deadline = Clock::now() + drain;
  for (auto& f : files_) wait_committed(*f->tracker, f->sent_end.load(), deadline);
  save_checkpoint();
  sync_checkpoint();
  const bool acked = fully_acknowledged();
  std::lock_guard lock(files_mu_);
  acked_at_stop_ = acked;  // what fully_acknowledged() reports once the files are closed
  files_.clear();
}

bool FileTailSource::fully_acknowledged() const {
  std::lock_guard lock(files_mu_);
  if (!acked_at_stop_) return false;
  for (const auto& f : files_)
    if (f->tracker->failed() || f->tracker->committed() < f->sent_end.load()) return false;
  return true;
}

std::vector<FileCheckpoint> FileTailSource::positions() const {
  std::lock_guard lock(files_mu_);
  std::vector<FileCheckpoint> out;
  out.reserve(files_.size());
  for (const auto& f : files_)
    out.push_back({f->device, f->inode, f->tracker->committed(), f->path, f->saved_head, f->saved_head_len});
  return out;
}

std::size_t FileTailSource::open_files() const {
  std::lock_guard lock(files_mu_);
  return files_.size();
}

void FileTailSource::run() {
  yield_cpu_to_downstream();
  auto next_rescan = Clock::now() + std::chrono::milliseconds(file_.rescan_interval_ms);
  while (!stop_.requested()) {
    if (Clock::now() >= next_rescan) {
      rescan(false);
      next_rescan = Clock::now() + std::chrono::milliseconds(file_.rescan_interval_ms);
    }
    bool busy = false;
    // Index loop: files are only added by rescan, never during this pass.
    for (std::size_t i = 0; i < files_.size() && !stop_.requested(); ++i) busy |= pump(*files_[i]);
    retire_finished();
    if (!busy) stop_.wait_for(std::chrono::milliseconds(file_.poll_interval_ms));
  }
}

void FileTailSource::rescan(bool initial) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> seen;
  for (const auto& pattern : file_.paths) {
    glob_t g{};
    const int rc = ::glob(pattern.c_str(), GLOB_NOSORT | GLOB_BRACE, nullptr, &g);
    if (rc == 0) {
      for (std::size_t i = 0; i < g.gl_pathc; ++i) {
        const std::string path = g.gl_pathv[i];
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        const auto key = std::make_pair(static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino));
        if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
        seen.push_back(key);
        auto it = std::find_if(files_.begin(), files_.end(),
                               [&](const auto& f) { return f->device == key.first && f->inode == key.second; });
        if (it != files_.end()) {
          if ((*it)->path != path) {  // renamed within the glob: same file, keep its position
            std::lock_guard lock(files_mu_);
            (*it)->path = path;
            (*it)->label = "file:" + path;
          }
          (*it)->matched = true;
          continue;
        }
        struct stat fst {};
        const int fd = open_same(path, key, fst);
        if (fd < 0) continue;
        // With checkpoint state this is not the first run, so a file never seen
        // appeared while we were away (e.g. the app.log that rotation created):
        // all of it is new. start_at applies only to a source's very first run.
        std::int64_t start = (initial && !file_.start_at_beginning && !resumed_) ? fst.st_size : 0;
        auto ck = std::find_if(restored_.begin(), restored_.end(),
                               [&](const FileCheckpoint& c) { return c.device == key.first && c.inode == key.second; });
        // Read once for both the check and the new fingerprint: read twice, a
        // rewrite in between would pair the old offset with the new content.
        const std::string head = read_head(fd, ck != restored_.end() ? ck->head_bytes : 0, fst.st_size);
        if (ck != restored_.end()) {
          start = resume_offset(*ck, path, fst.st_size, head);
          restored_.erase(ck);
        }
        add_file(fd, key, path, start, true, head);
      }
    }
    globfree(&g);
  }
  for (auto& f : files_) {
    const auto key = std::make_pair(f->device, f->inode);
    if (std::find(seen.begin(), seen.end(), key) == seen.end()) f->matched = false;
  }
}

int FileTailSource::open_same(const std::string& path, std::pair<std::uint64_t, std::uint64_t> key,
                              struct stat& st) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    spdlog::warn("source {}: cannot open {}: {}", name(), path, std::strerror(errno));
    return -1;
  }
  if (::fstat(fd, &st) != 0 || static_cast<std::uint64_t>(st.st_ino) != key.second ||
      static_cast<std::uint64_t>(st.st_dev) != key.first) {
    ::close(fd);  // replaced between stat and open: the next rescan sees the new one
    return -1;
  }
  return fd;
}

std::int64_t FileTailSource::resume_offset(const FileCheckpoint& c, const std::string& path, std::int64_t size,
                                           std::string_view head) {
  // Same device + inode is not the same content: copytruncate while stopped
  // followed by more writes than the offset, or the file deleted and its inode
  // number given to a new one. Resuming at the offset would skip lines.
  if (!same_head(c, head)) {
    spdlog::info("source {}: {} (device {}, inode {}) no longer starts with the bytes checkpointed at offset {}: "
                 "truncated and written again or replaced while stopped, reading it from the start",
                 name(), path, c.device, c.inode, c.offset);
    changed_checkpoints_.inc();
    return 0;
  }
  if (c.offset > size) {
    spdlog::info("source {}: {} (device {}, inode {}) is shorter ({} bytes) than its checkpoint offset {}: "
                 "truncated while stopped, reading it from the start",
                 name(), path, c.device, c.inode, size, c.offset);
    changed_checkpoints_.inc();
    return 0;
  }
  return c.offset;
}

void FileTailSource::add_file(int fd, std::pair<std::uint64_t, std::uint64_t> key, const std::string& path,
                              std::int64_t start, bool matched, std::string_view head) {
  auto f = std::make_unique<TailedFile>(options_.max_line_bytes);
  if (!options_.multiline_start.empty()) {
    auto made = parsers::MultilineAssembler::make(options_.multiline_start, options_.max_line_bytes);
    if (auto* m = std::get_if<parsers::MultilineAssembler>(&made)) f->joiner.emplace(std::move(*m));
  }
  f->fd = fd;
  f->device = key.first;
  f->inode = key.second;
  f->path = path;
  f->label = "file:" + path;
  f->matched = matched;
  f->read_offset = start;
  f->sent_end = start;
  // The first same_start() compares with this, so a rewrite between choosing
  // `start` and the first read is caught too.
  head = head.substr(0, std::min(head.size(), kFingerprintBytes));
  f->fingerprint = f->saved_head = fnv1a(head);
  f->fingerprint_len = f->saved_head_len = head.size();
  f->tracker = std::make_shared<AckTracker>(options_.ack_window, start);
  if (save_signal_) f->tracker->on_advance([signal = save_signal_] { signal->notify(); });
  spdlog::info("source {}: tailing {} from offset {}", name(), path, start);
  std::lock_guard lock(files_mu_);
  files_.push_back(std::move(f));
}

void FileTailSource::resume_rotated() {
  for (const FileCheckpoint& c : restored_) {
    // Rotated while we were away (app.log -> app.log.1): the inode is no longer
    // under the glob but usually still in the same directory, with an unread tail.
    const auto slash = c.path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : c.path.substr(0, slash));
    std::string found;
    if (DIR* d = ::opendir(dir.c_str())) {
      while (const dirent* e = ::readdir(d)) {
        // Matched by stat, not by readdir's d_ino, which overlayfs may report differently.
        if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN) continue;
        const std::string candidate = (dir == "/" ? "" : dir) + "/" + e->d_name;
        struct stat st {};
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
            static_cast<std::uint64_t>(st.st_ino) == c.inode && static_cast<std::uint64_t>(st.st_dev) == c.device) {
          found = candidate;
          break;
        }
      }
      ::closedir(d);
    }
    struct stat st {};
    int fd = found.empty() ? -1 : open_same(found, {c.device, c.inode}, st);
    std::string head;
    if (fd >= 0) {
      head = read_head(fd, c.head_bytes, st.st_size);
      // Outside the source's paths, a file is read only as the checkpointed one
      // rotated away; with other first bytes it merely got its inode number
      // (the checkpointed one was deleted), and it is not ours to send.
      if (!same_head(c, head)) {
        spdlog::info("source {}: {} has the inode of checkpointed {} but not its first bytes: not read", name(),
                     found, c.path);
        ::close(fd);
        fd = -1;
      }
    }
    if (fd < 0) {
      spdlog::warn("source {}: checkpointed file {} (device {}, inode {}, offset {}) is gone: lines after that "
                   "offset that were never read are lost",
                   name(), c.path, c.device, c.inode, c.offset);
      unmatched_checkpoints_.inc();
      continue;
    }
    const std::int64_t start = resume_offset(c, found, st.st_size, head);
    spdlog::info("source {}: {} was rotated to {} while stopped: reading its rest from offset {}", name(), c.path,
                 found, start);
    // Not matched by the glob: read to its end, then let go once quiet and acknowledged.
    add_file(fd, {c.device, c.inode}, found, start, false, head);
  }
  restored_.clear();
}

bool FileTailSource::same_start(TailedFile& f, const struct stat& st) {
  const std::int64_t size = st.st_size;
  if (size == f.seen_size && st.st_mtim.tv_sec == f.seen_mtime.tv_sec && st.st_mtim.tv_nsec == f.seen_mtime.tv_nsec)
    return true;  // not written since the last look
  f.seen_size = size;
  f.seen_mtime = st.st_mtim;
  char head[kFingerprintBytes];
  const ssize_t n = ::pread(f.fd, head, static_cast<std::size_t>(std::min<std::int64_t>(size, sizeof head)), 0);
  if (n < 0) return true;  // unreadable now: the read that follows reports it
  const std::string_view got(head, static_cast<std::size_t>(n));
  const bool same = f.fingerprint_len == 0 ||
                    (got.size() >= f.fingerprint_len && fnv1a(got.substr(0, f.fingerprint_len)) == f.fingerprint);
  f.fingerprint = fnv1a(got);
  f.fingerprint_len = got.size();
  if (same) publish_head(f);  // otherwise the caller publishes it after its rewind to 0
  return same;
}

void FileTailSource::publish_head(TailedFile& f) {
  // Only this thread writes saved_head, so reading it unlocked is safe; the
  // lock is taken only when the head changed (while a file's first
  // kFingerprintBytes bytes are being written, or after a rewrite).
  if (f.saved_head == f.fingerprint && f.saved_head_len == f.fingerprint_len) return;
  std::lock_guard lock(files_mu_);
  f.saved_head = f.fingerprint;
  f.saved_head_len = f.fingerprint_len;
}

void FileTailSource::rewind(TailedFile& f, std::int64_t position) {
  f.tracker->reset(position);
  f.read_offset = position;
  f.sent_end = position;
  f.splitter.reset();
  if (f.joiner) f.joiner->flush();  // discarded: those lines are read again
  batch_.size = 0;
  batch_bytes_ = 0;
  // A position that moves back (truncation) is saved at once too: a checkpoint
  // left past it would skip the new lines once the file grows beyond it again.
  if (save_signal_) save_signal_->notify();
}

bool FileTailSource::pump(TailedFile& f) {
  if (f.tracker->failed()) {
    const auto at = f.tracker->committed();
    spdlog::warn("source {}: delivery failed in {}, re-reading from offset {}", name(), f.path, at);
    rewind(f, at);
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return false;
  if (st.st_size < f.read_offset) {
    spdlog::info("source {}: {} was truncated (size {} < offset {}), reading from the start", name(), f.path,
                 static_cast<std::int64_t>(st.st_size), f.read_offset);
    rewind(f, 0);
    f.fingerprint_len = 0;  // the new content's first bytes are the reference from now on
    f.seen_size = -1;
    same_start(f, st);
  } else if (!same_start(f, st)) {
    spdlog::info("source {}: {} was truncated and written again (its first bytes changed), reading from the start",
                 name(), f.path);
    rewind(f, 0);
    publish_head(f);
  }
  bool got = false;
  // A bounded number of blocks per pass, so one busy file cannot starve the others or the rescan.
  for (int blocks = 0; blocks < 16 && !stop_.requested(); ++blocks) {
    const ssize_t n = ::pread(f.fd, buffer_.data(), buffer_.size(), f.read_offset);
    if (n <= 0) break;
    // Checked again after the read: a rewrite between the check above and the
    // read would otherwise pass the new content off as lines after our offset.
    if (::fstat(f.fd, &st) == 0 && !same_start(f, st)) {
      spdlog::info("source {}: {} was truncated and written again while being read, reading from the start",
                   name(), f.path);
      rewind(f, 0);
      publish_head(f);
      return true;
    }
    const std::int64_t base = f.read_offset;
    f.read_offset += n;
    got = true;
    f.last_data = Clock::now();
    begin_block();
    Step step = Step::Ok;
    f.splitter.feed(std::string_view(buffer_.data(), static_cast<std::size_t>(n)), base,
                    [&](std::string_view line, std::int64_t end, bool cut) {
                      step = on_line(f, line, end, cut);
                      return step == Step::Ok;
                    });
    if (step == Step::Ok) step = send_batch(f);
    if (step == Step::Stop) return got;
    if (step == Step::Rewind) {
      rewind(f, f.tracker->committed());
      return got;
    }
  }
  if (!got && f.joiner) {
    if (auto rec = f.joiner->flush_if_idle(Clock::now(), std::chrono::milliseconds(file_.multiline_flush_ms))) {
      begin_block();
      Step step = emit(f, rec->text, static_cast<std::int64_t>(rec->end_position), rec->truncated);
      if (step == Step::Ok) step = send_batch(f);
      if (step == Step::Rewind) rewind(f, f.tracker->committed());
    }
  }
  return got;
}

FileTailSource::Step FileTailSource::on_line(TailedFile& f, std::string_view line, std::int64_t end, bool truncated) {
  if (!f.joiner) return emit(f, line, end, truncated);
  // An over-long line arrives longer than max_line_bytes, so the assembler flags it truncated too.
  if (auto rec = f.joiner->feed(line, static_cast<std::uint64_t>(end)))
    return emit(f, rec->text, static_cast<std::int64_t>(rec->end_position), rec->truncated);
  return Step::Ok;
}

void FileTailSource::begin_block() {
  batching_ = sink_->accepts_batches();
  block_time_ = now_ns();
}

FileTailSource::Step FileTailSource::emit(TailedFile& f, std::string_view text, std::int64_t end, bool truncated) {
  if (batching_) {
    builder_->build(text, f.label, truncated, batch_.next(), block_time_);
    batch_end_ = end;
    batch_bytes_ += text.size();
    return batch_.size >= kMaxBatchEvents ? send_batch(f) : Step::Ok;
  }
  builder_->build(text, f.label, truncated, env_.event, block_time_);
  auto seq = track(*f.tracker, end, stop_, metrics_);
  if (!seq) return stop_.requested() ? Step::Stop : Step::Rewind;
  env_.ack = AckRef{f.tracker, *seq};
  if (!deliver(*sink_, env_, stop_, metrics_, text.size())) return Step::Stop;
  f.sent_end = end;
  return Step::Ok;
}

FileTailSource::Step FileTailSource::send_batch(TailedFile& f) {
  if (batch_.size == 0) return Step::Ok;
  const std::size_t bytes = std::exchange(batch_bytes_, 0);
  auto seq = track(*f.tracker, batch_end_, stop_, metrics_);
  if (!seq) {
    batch_.size = 0;  // dropped unsent: the rewind reads these lines again
    return stop_.requested() ? Step::Stop : Step::Rewind;
  }
  batch_.ack = AckRef{f.tracker, *seq};
  if (!deliver_batch(*sink_, batch_, stop_, metrics_, bytes)) {
    batch_.size = 0;  // never sent: its slot stays pending, so the checkpoint stays before it
    batch_.ack = AckRef{};
    return Step::Stop;
  }
  f.sent_end = batch_end_;
  return Step::Ok;
}

void FileTailSource::retire_finished() {
  const auto now = Clock::now();
  for (std::size_t i = 0; i < files_.size();) {
    TailedFile& f = *files_[i];
    struct stat st {};
    const bool gone = !f.matched || (::fstat(f.fd, &st) == 0 && st.st_nlink == 0);
    const bool quiet = now - f.last_data >= std::chrono::milliseconds(file_.rotate_wait_ms);
    if (!gone || !quiet) {
      ++i;
      continue;
    }
    // Rotated away and quiet: its writer moved on, so an unterminated last line is
    // complete. Send what is pending, and let go once all of it is acknowledged.
    begin_block();
    Step step = Step::Ok;
    f.splitter.flush_partial(f.read_offset, [&](std::string_view line, std::int64_t end, bool cut) {
      step = on_line(f, line, end, cut);
      return step == Step::Ok;
    });
    if (step == Step::Ok && f.joiner) {
      if (auto rec = f.joiner->flush())
        step = emit(f, rec->text, static_cast<std::int64_t>(rec->end_position), rec->truncated);
    }
    if (step == Step::Ok) step = send_batch(f);
    if (step != Step::Ok) {
      if (step == Step::Rewind) rewind(f, f.tracker->committed());
      ++i;
      continue;
    }
    if (f.tracker->committed() < f.sent_end.load()) {
      ++i;
      continue;
    }
    spdlog::info("source {}: done with rotated file {} at offset {}", name(), f.path, f.read_offset);
    std::lock_guard lock(files_mu_);
    files_.erase(files_.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

void FileTailSource::save_loop() {
  const auto every = std::chrono::milliseconds(file_.checkpoint_sync_interval_ms);
  auto next_sync = Clock::now() + every;
  while (!stop_.requested()) {
    // Woken by an ack, a rewind, stop(), or the sync deadline (which also saves
    // positions that changed otherwise: a file found or retired).
    save_signal_->wait_until(next_sync);
    if (stop_.requested()) return;  // stop() saves and syncs after the drain
    save_checkpoint();
    if (Clock::now() >= next_sync) {
      sync_checkpoint();
      next_sync = Clock::now() + every;
    }
  }
}

void FileTailSource::save_checkpoint() {
  if (!store_) return;
  auto now = positions();
  if (now == last_saved_) return;
  if (auto err = store_->save(now)) {
    spdlog::error("source {}: {}", name(), err->message);
    return;
  }
  last_saved_ = std::move(now);
  unsynced_ = true;
}

void FileTailSource::sync_checkpoint() {
  if (!store_ || !unsynced_) return;
  if (auto err = store_->sync()) {
    spdlog::error("source {}: {}", name(), err->message);
    return;
  }
  unsynced_ = false;
}

}  // namespace lt::sources
