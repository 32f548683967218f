// RateMeter: the recent rate of a counter that only grows (samples ingested, messages received).
//
// The owner records (time, total) pairs, from a periodic timer and whenever it is asked for the
// rate. Rate() divides the growth between the newest record and a baseline: the newest record
// that is at least `window` older, or the oldest record kept when none is that old yet. Records
// closer than window/10 to the previous kept one only move the newest point, so the memory stays
// bounded whatever the call rate. With a timer recording every window/10 the answer covers about
// one window; without one it covers the time since the previous record, however long ago.
//
// Thread-safe (one mutex; both calls are short).
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>

#include "core/types.h"

namespace mw::api {

class RateMeter {
 public:
  explicit RateMeter(std::int64_t window_ns = 10 * kNanosPerSecond);

  // `now` is a monotonic time in ns (Clock::Steady()); `total` the counter's value at that time.
  // A record older than the newest one is ignored.
  void Record(std::int64_t now, std::uint64_t total);
  // Units per second; 0 with fewer than two distinct times or after the counter went backwards.
  double Rate() const;

 private:
  struct Point {
    std::int64_t time;
    std::uint64_t total;
  };

  const std::int64_t window_ns_;
  const std::int64_t spacing_ns_;
  mutable std::mutex mu_;
  std::deque<Point> kept_;  // spaced at least spacing_ns_ apart; front is the baseline
  Point newest_{0, 0};
};

}  // namespace mw::api
