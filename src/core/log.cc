#include "core/log.h"

#include <cstdlib>

namespace mw {

bool LogLimiter::ShouldLog(const std::string& key, std::uint64_t* suppressed) {
  std::lock_guard lock(mu_);
  std::int64_t now = clock_->Steady();
  auto [it, inserted] = entries_.try_emplace(key);
  Entry& e = it->second;
  if (inserted || now - e.last >= interval_ns_) {
    if (suppressed) *suppressed = e.held;
    e.last = now;
    e.held = 0;
    return true;
  }
  ++e.held;
  return false;
}

void InitLogging() {
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  const char* level = std::getenv("MW_LOG_LEVEL");
  spdlog::set_level(level ? spdlog::level::from_str(level) : spdlog::level::info);
}

}  // namespace mw
