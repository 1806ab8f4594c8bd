#include "sources/file_tail.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <utility>
#include <spdlog/spdlog.h>

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
};

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
    : Source(std::move(common)), file_(std::move(options)), parsers_(std::move(parsers)) {
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
  std::lock_guard lock(files_mu_);
  files_.clear();
}

bool FileTailSource::fully_acknowledged() const {
  std::lock_guard lock(files_mu_);
  for (const auto& f : files_)
    if (f->tracker->failed() || f->tracker->committed() < f->sent_end.load()) return false;
  return true;
}

std::vector<FileCheckpoint> FileTailSource::positions() const {
  std::lock_guard lock(files_mu_);
  std::vector<FileCheckpoint> out;
  out.reserve(files_.size());
  for (const auto& f : files_) out.push_back({f->device, f->inode, f->tracker->committed(), f->path});
  return out;
}

std::size_t FileTailSource::open_files() const {
  std::lock_guard lock(files_mu_);
  return files_.size();
}

void FileTailSource::run() {
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
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
          spdlog::warn("source {}: cannot open {}: {}", name(), path, std::strerror(errno));
          continue;
        }
        struct stat fst {};
        if (::fstat(fd, &fst) != 0 || fst.st_ino != st.st_ino || fst.st_dev != st.st_dev) {
          ::close(fd);  // replaced between stat and open: the next rescan sees the new one
          continue;
        }
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
        std::int64_t start = (initial && !file_.start_at_beginning) ? fst.st_size : 0;
        auto ck = std::find_if(restored_.begin(), restored_.end(),
                               [&](const FileCheckpoint& c) { return c.device == key.first && c.inode == key.second; });
        if (ck != restored_.end()) {
          // Shorter than the checkpoint: truncated while we were away, so everything in it is new.
          start = ck->offset <= fst.st_size ? ck->offset : 0;
          restored_.erase(ck);
        }
        f->read_offset = start;
        f->sent_end = start;
        f->tracker = std::make_shared<AckTracker>(options_.ack_window, start);
        if (save_signal_) f->tracker->on_advance([signal = save_signal_] { signal->notify(); });
        spdlog::info("source {}: tailing {} from offset {}", name(), path, start);
        std::lock_guard lock(files_mu_);
        files_.push_back(std::move(f));
      }
    }
    globfree(&g);
  }
  for (auto& f : files_) {
    const auto key = std::make_pair(f->device, f->inode);
    if (std::find(seen.begin(), seen.end(), key) == seen.end()) f->matched = false;
  }
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
  }
  bool got = false;
  // A bounded number of blocks per pass, so one busy file cannot starve the others or the rescan.
  for (int blocks = 0; blocks < 16 && !stop_.requested(); ++blocks) {
    const ssize_t n = ::pread(f.fd, buffer_.data(), buffer_.size(), f.read_offset);
    if (n <= 0) break;
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
