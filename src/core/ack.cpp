#include "core/ack.h"

#include <stdexcept>
#include <thread>

namespace lt {

AckTracker::AckTracker(std::size_t window, std::int64_t start) : slots_(window ? window : 1), committed_(start) {}

std::optional<std::uint64_t> AckTracker::try_track(std::int64_t end_position) {
  std::lock_guard lock(mu_);
  if (tail_ - head_ >= slots_.size()) return std::nullopt;
  const std::uint64_t seq = tail_++;
  Slot& s = slots_[seq % slots_.size()];
  s.end = end_position;
  s.state = State::Pending;
  return seq;
}

void AckTracker::advance_locked() {
  while (head_ < tail_) {
    Slot& s = slots_[head_ % slots_.size()];
    if (s.state != State::Acked) break;
    committed_ = s.end;
    s.state = State::Empty;
    ++head_;
  }
}

void AckTracker::ack(std::uint64_t seq) {
  {
    std::lock_guard lock(mu_);
    if (seq < head_ || seq >= tail_) return;  // stale (reset) or duplicate
    Slot& s = slots_[seq % slots_.size()];
    if (s.state != State::Pending) return;
    s.state = State::Acked;
    if (seq != head_) return;  // an older event is still pending: nothing commits yet
    advance_locked();
  }
  if (on_advance_) on_advance_();
}

void AckTracker::fail(std::uint64_t seq) {
  std::lock_guard lock(mu_);
  if (seq < head_ || seq >= tail_) return;
  Slot& s = slots_[seq % slots_.size()];
  if (s.state != State::Pending) return;
  s.state = State::Failed;
  failed_ = true;
}

std::int64_t AckTracker::committed() const {
  std::lock_guard lock(mu_);
  return committed_;
}

bool AckTracker::failed() const {
  std::lock_guard lock(mu_);
  return failed_;
}

std::size_t AckTracker::in_flight() const {
  std::lock_guard lock(mu_);
  return tail_ - head_;
}

void AckTracker::reset(std::int64_t position) {
  std::lock_guard lock(mu_);
  for (std::uint64_t s = head_; s < tail_; ++s) slots_[s % slots_.size()].state = State::Empty;
  head_ = tail_;
  committed_ = position;
  failed_ = false;
}

std::shared_ptr<AckGroup> AckGroup::create(AckRef parent, int outputs) {
  if (outputs <= 0) throw std::invalid_argument("AckGroup needs at least one output");
  return std::shared_ptr<AckGroup>(new AckGroup(std::move(parent), outputs));
}

void AckGroup::ack() { finish_one(); }

void AckGroup::fail() {
  failed_.store(true, std::memory_order_relaxed);
  finish_one();
}

void AckGroup::finish_one() {
  if (pending_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  if (failed_.load(std::memory_order_relaxed)) {
    parent_.fail();
  } else {
    parent_.ack();
  }
}

void wait_drained(const AckTracker& tracker, std::chrono::steady_clock::time_point deadline) {
  while (tracker.in_flight() > 0 && !tracker.failed() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

std::shared_ptr<AckBatch> AckBatch::create() { return std::shared_ptr<AckBatch>(new AckBatch()); }

std::shared_ptr<AckBatch> AckBatch::after(const std::shared_ptr<AckBatch>& previous) {
  auto next = create();
  if (previous) {
    ++next->pending_;  // not shared yet: no lock needed
    previous->then([next](bool ok) { next->finish(ok); });
  }
  return next;
}

std::function<void(bool)> AckBatch::add() {
  {
    std::lock_guard lock(mu_);
    ++pending_;
  }
  // The batch stays alive until its last output reports.
  return [self = shared_from_this()](bool ok) { self->finish(ok); };
}

void AckBatch::then(std::function<void(bool)> done) {
  bool ok = true;
  {
    std::lock_guard lock(mu_);
    if (!done_) {
      waiters_.push_back(std::move(done));
      return;
    }
    ok = ok_;
  }
  done(ok);
}

void AckBatch::finish(bool ok) {
  std::vector<std::function<void(bool)>> waiters;
  bool result = true;
  {
    std::lock_guard lock(mu_);
    if (!ok) ok_ = false;
    if (--pending_ != 0) return;
    done_ = true;
    result = ok_;
    waiters.swap(waiters_);
  }
  for (auto& w : waiters) w(result);
}

}  // namespace lt
