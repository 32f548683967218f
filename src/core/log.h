// Logging helpers on spdlog, and a limiter so that a flood of bad input logs once per key per
// interval instead of once per message (the counters still count every one).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "core/clock.h"

namespace mw {

// Thread-safe. ShouldLog(key) is true the first time a key is seen and then at most once per
// interval; Suppressed(key) tells how many were held back since the last true.
class LogLimiter {
 public:
  explicit LogLimiter(std::int64_t interval_ns = 60 * kNanosPerSecond, const Clock* clock = nullptr)
      : interval_ns_(interval_ns), clock_(clock ? clock : &SystemClock::Instance()) {}

  // Returns true if the caller should log now; `suppressed` receives the count held back.
  bool ShouldLog(const std::string& key, std::uint64_t* suppressed = nullptr);

 private:
  struct Entry {
    std::int64_t last = 0;
    std::uint64_t held = 0;
  };
  std::int64_t interval_ns_;
  const Clock* clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

// Sets the default logger's pattern and level ("info" unless MW_LOG_LEVEL says otherwise).
void InitLogging();

}  // namespace mw
