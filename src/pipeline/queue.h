// BoundedQueue: a multi-producer, multi-consumer FIFO with a fixed capacity.
//
// Push() blocks while the queue is full: that is the back-pressure that slows a source down instead
// of dropping its data. Close() wakes everyone; after it, Push() fails and Pop() drains what is left
// and then returns nullopt. Thread-safe.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

namespace mw::pipeline {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity ? capacity : 1) {}

  // Blocks while full. Returns false (and leaves `item` untouched) if the queue is closed.
  bool Push(T& item) {
    std::unique_lock lock(mu_);
    if (items_.size() >= capacity_ && !closed_) {
      ++blocked_pushes_;
      not_full_.wait(lock, [&] { return items_.size() < capacity_ || closed_; });
    }
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  // Never blocks. Returns false if full or closed.
  bool TryPush(T& item) {
    std::lock_guard lock(mu_);
    if (closed_ || items_.size() >= capacity_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  // Blocks until an item is there or the queue is closed and empty.
  std::optional<T> Pop() {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  // Blocks like Pop(), then moves up to `max` items (at least one) to the end of `out`, so that a
  // consumer that fell behind takes its backlog in one go. Returns false once closed and empty.
  bool PopSome(std::vector<T>& out, std::size_t max) {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return false;
    const std::size_t n = std::min(max ? max : 1, items_.size());
    for (std::size_t i = 0; i < n; ++i) {
      out.push_back(std::move(items_.front()));
      items_.pop_front();
    }
    not_full_.notify_all();
    return true;
  }

  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  std::size_t size() const {
    std::lock_guard lock(mu_);
    return items_.size();
  }
  std::size_t capacity() const { return capacity_; }
  // How many pushes had to wait for room (back-pressure events).
  std::size_t blocked_pushes() const {
    std::lock_guard lock(mu_);
    return blocked_pushes_;
  }

 private:
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<T> items_;
  bool closed_ = false;
  std::size_t blocked_pushes_ = 0;
};

}  // namespace mw::pipeline
