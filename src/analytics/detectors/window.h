// SampleWindow: the recent values of one series that a rolling detector keeps, oldest first.
//
// A ring of slots (a power of two) that doubles when full: Push and PopFront are O(1) and touch
// one slot each, and a count window of N values settles at N + 1 slots, after which it never
// allocates again. Times are kept only when asked for (time windows need them, count windows do
// not). Not thread-safe: one per series, owned by one detector instance.
#pragma once

#include <cstddef>
#include <vector>

#include "core/types.h"

namespace mw::analytics {

class SampleWindow {
 public:
  explicit SampleWindow(bool keep_times = false) : keep_times_(keep_times) {}

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // The i-th oldest value (0 = the oldest); i < size().
  double value(std::size_t i) const { return values_[(head_ + i) & mask_]; }
  double front_value() const { return values_[head_]; }
  // Only when constructed with keep_times.
  Timestamp front_time() const { return times_[head_]; }

  void Push(Timestamp time, double value) {
    if (size_ == values_.size()) Grow();
    const std::size_t slot = (head_ + size_) & mask_;
    values_[slot] = value;
    if (keep_times_) times_[slot] = time;
    ++size_;
  }

  // Asks the CPU for the values `ahead` slots after the oldest, which PopFront() will reach soon:
  // a series' window is visited once per sample of that series, long enough apart for its older
  // slots to have left the cache.
  void Prefetch(std::size_t ahead) const {
    if (!values_.empty()) __builtin_prefetch(&values_[(head_ + ahead) & mask_]);
  }

  // Drops the oldest value; the window must not be empty.
  void PopFront() {
    head_ = (head_ + 1) & mask_;
    --size_;
  }

 private:
  void Grow() {
    const std::size_t capacity = values_.empty() ? 8 : values_.size() * 2;
    std::vector<double> values(capacity);
    std::vector<Timestamp> times(keep_times_ ? capacity : 0);
    for (std::size_t i = 0; i < size_; ++i) {
      values[i] = values_[(head_ + i) & mask_];
      if (keep_times_) times[i] = times_[(head_ + i) & mask_];
    }
    values_.swap(values);
    times_.swap(times);
    head_ = 0;
    mask_ = capacity - 1;
  }

  bool keep_times_;
  std::vector<double> values_;
  std::vector<Timestamp> times_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
};

}  // namespace mw::analytics
