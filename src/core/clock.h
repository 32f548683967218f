// Clock: the time source of every component, so that tests run in simulated time.
//
// Implementations are thread-safe. Now() is wall-clock UTC in ns; Steady() is monotonic ns for
// measuring durations.
#pragma once

#include <atomic>
#include <chrono>

#include "core/types.h"

namespace mw {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
  virtual std::int64_t Steady() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::int64_t Steady() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  // A process-wide instance for code that has no injected clock.
  static SystemClock& Instance() {
    static SystemClock clock;
    return clock;
  }
};

// Time moves only when the test says so. Now() and Steady() advance together.
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(Timestamp start = 0) : now_(start) {}
  Timestamp Now() const override { return now_.load(std::memory_order_acquire); }
  std::int64_t Steady() const override { return Now(); }
  void Set(Timestamp t) { now_.store(t, std::memory_order_release); }
  void Advance(Timestamp dt) { now_.fetch_add(dt, std::memory_order_acq_rel); }

 private:
  std::atomic<Timestamp> now_;
};

}  // namespace mw
