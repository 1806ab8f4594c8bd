// The acknowledgement core: the one mechanism behind "no log is lost".
//
// A source registers each event it emits with the tracker of its partition (a
// file, a Kafka partition, an HTTP request) together with the position just past
// that event. Sinks acknowledge an event when its output is durable, or fail it.
// The tracker exposes the highest position below which *every* event was
// acknowledged: the only position a source may commit (file checkpoint,
// consumer offset, HTTP response). A failure stops the committable position at
// the failed event until the source rewinds and re-sends from there.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace lt {

class AckTracker {
 public:
  // `window` bounds the number of events in flight (backpressure: try_track
  // returns nullopt when full). `start` is the already-committed position.
  AckTracker(std::size_t window, std::int64_t start);

  // Called (on the acknowledging thread, outside the lock) each time committed()
  // moves forward, so a checkpoint can follow the acks instead of a timer. Set it
  // before the tracker is shared; it must be cheap and must not call back in.
  void on_advance(std::function<void()> fn) { on_advance_ = std::move(fn); }

  // Registers the next event, whose end is `end_position` (non-decreasing).
  // Returns its sequence number, or nullopt when `window` events are in flight.
  std::optional<std::uint64_t> try_track(std::int64_t end_position);

  void ack(std::uint64_t seq);
  void fail(std::uint64_t seq);

  // Highest position P such that every tracked event ending at or before P was
  // acknowledged, contiguously from the start.
  std::int64_t committed() const;
  // True once any in-flight event failed: the source should rewind to
  // committed() and reset().
  bool failed() const;
  std::size_t in_flight() const;
  std::size_t window() const noexcept { return slots_.size(); }

  // Drops every in-flight event and restarts at `position` (after a rewind or a
  // Kafka rebalance). Acks for dropped sequence numbers are ignored.
  void reset(std::int64_t position);

 private:
  enum class State : std::uint8_t { Empty, Pending, Acked, Failed };
  struct Slot {
    std::int64_t end = 0;
    State state = State::Empty;
  };
  void advance_locked();

  mutable std::mutex mu_;
  std::vector<Slot> slots_;
  std::uint64_t head_ = 0;  // oldest in-flight sequence number
  std::uint64_t tail_ = 0;  // next sequence number to hand out
  std::int64_t committed_;
  bool failed_ = false;
  std::function<void()> on_advance_;
};

// Waits until nothing is in flight (every event handed out was acknowledged or
// failed), the tracker failed, or `deadline`; polls, for stop and rebalance paths.
void wait_drained(const AckTracker& tracker, std::chrono::steady_clock::time_point deadline);

// One event's handle on its tracker. Copyable; acknowledging twice is harmless
// only through AckGroup (which counts), so sinks ack a plain AckRef once.
struct AckRef {
  std::shared_ptr<AckTracker> tracker;
  std::uint64_t seq = 0;

  explicit operator bool() const noexcept { return tracker != nullptr; }
  void ack() const {
    if (tracker) tracker->ack(seq);
  }
  void fail() const {
    if (tracker) tracker->fail(seq);
  }
};

// Fan-in for one input that produces several outputs (processed topic, DLQ,
// alerts): the input is acknowledged when the last output is, and failed if any
// output failed. Create with the number of outputs; add() more before they finish.
class AckGroup {
 public:
  static std::shared_ptr<AckGroup> create(AckRef parent, int outputs);

  void add(int outputs = 1) noexcept { pending_.fetch_add(outputs, std::memory_order_relaxed); }
  void ack();
  void fail();

 private:
  AckGroup(AckRef parent, int outputs) : parent_(std::move(parent)), pending_(outputs) {}
  void finish_one();

  AckRef parent_;
  std::atomic<int> pending_;
  std::atomic<bool> failed_{false};
};

// Outputs written together that other inputs wait on without owning them: the
// alert notifications of one evaluation, which every record that matched a rule
// before it may have caused. add() one per output, seal() when no more come; a
// waiter registered with then() learns once whether every output was acknowledged
// (true) or one failed (false), at once if that is already known. A batch created
// after() another completes only after it, and fails if it failed: a record that
// waits on a later batch also covers what an earlier one wrote.
class AckBatch : public std::enable_shared_from_this<AckBatch> {
 public:
  static std::shared_ptr<AckBatch> create();
  static std::shared_ptr<AckBatch> after(const std::shared_ptr<AckBatch>& previous);

  // One more output; call the returned function exactly once with its delivery result.
  std::function<void(bool ok)> add();
  void seal() { finish(true); }
  void then(std::function<void(bool ok)> done);

 private:
  AckBatch() = default;
  void finish(bool ok);

  std::mutex mu_;
  int pending_ = 1;  // the seal
  bool ok_ = true;
  bool done_ = false;
  std::vector<std::function<void(bool)>> waiters_;
};

}  // namespace lt
