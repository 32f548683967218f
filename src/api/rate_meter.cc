#include "api/rate_meter.h"

#include <algorithm>

namespace mw::api {

RateMeter::RateMeter(std::int64_t window_ns)
    : window_ns_(std::max<std::int64_t>(window_ns, 1)),
      spacing_ns_(std::max<std::int64_t>(window_ns_ / 10, 1)) {}

void RateMeter::Record(std::int64_t now, std::uint64_t total) {
  std::lock_guard lock(mu_);
  if (!kept_.empty() && now < newest_.time) return;
  newest_ = {now, total};
  if (kept_.empty() || now - kept_.back().time >= spacing_ns_) kept_.push_back(newest_);
  // Keep exactly one point at or before the window start: it is the baseline.
  while (kept_.size() > 1 && kept_[1].time <= now - window_ns_) kept_.pop_front();
}

double RateMeter::Rate() const {
  std::lock_guard lock(mu_);
  if (kept_.empty()) return 0;
  const Point& base = kept_.front();
  if (newest_.time <= base.time || newest_.total < base.total) return 0;
  double seconds = static_cast<double>(newest_.time - base.time) / static_cast<double>(kNanosPerSecond);
  return static_cast<double>(newest_.total - base.total) / seconds;
}

}  // namespace mw::api
