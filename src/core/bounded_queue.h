// A bounded multi-producer multi-consumer queue: the hand-off between our
// threads. Nothing blocks forever: every wait has a deadline, and close() wakes
// everyone.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace lt {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity ? capacity : 1) {}

  // Waits up to `timeout` for room. False when full after the wait, or closed;
  // then `value` is left untouched, so the caller still owns it.
  template <typename Rep, typename Period>
  bool push(T&& value, std::chrono::duration<Rep, Period> timeout) {
    std::unique_lock lock(mu_);
    if (!not_full_.wait_for(lock, timeout, [&] { return closed_ || items_.size() < capacity_; })) return false;
    if (closed_) return false;
    items_.push_back(std::move(value));
    not_empty_.notify_one();
    return true;
  }
  template <typename Rep, typename Period>
  bool push(const T& value, std::chrono::duration<Rep, Period> timeout) {
    T copy = value;
    return push(std::move(copy), timeout);
  }

  bool try_push(T&& value) { return push(std::move(value), std::chrono::seconds(0)); }
  bool try_push(const T& value) { return push(value, std::chrono::seconds(0)); }

  // Waits up to `timeout` for an item. nullopt on timeout or when closed and drained.
  template <typename Rep, typename Period>
  std::optional<T> pop(std::chrono::duration<Rep, Period> timeout) {
    std::unique_lock lock(mu_);
    if (!not_empty_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); })) return std::nullopt;
    if (items_.empty()) return std::nullopt;
    T v = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return v;
  }

  // Moves up to `max` items into `out` without waiting; returns how many.
  template <typename Container>
  std::size_t drain(Container& out, std::size_t max) {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    while (n < max && !items_.empty()) {
      out.push_back(std::move(items_.front()));
      items_.pop_front();
      ++n;
    }
    if (n) not_full_.notify_all();
    return n;
  }

  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  bool closed() const {
    std::lock_guard lock(mu_);
    return closed_;
  }
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return items_.size();
  }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace lt
