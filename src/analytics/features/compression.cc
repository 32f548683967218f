#include "analytics/features/compression.h"

#include <algorithm>
#include <cmath>

namespace mw::analytics {
namespace {

// std::max(0.0, NaN) is 0.0: a NaN deviation becomes 0 with the negative ones.
double NonNegative(double deviation) { return std::max(0.0, deviation); }

}  // namespace

Deadband::Deadband(double deadband, Timestamp max_interval)
    : deadband_(NonNegative(deadband)), max_interval_(std::max<Timestamp>(0, max_interval)) {}

bool Deadband::Keeps(Timestamp time, double value) const {
  if (!has_kept_) return true;
  if (max_interval_ > 0 && time - kept_.time >= max_interval_) return true;
  return std::fabs(value - kept_.value) > deadband_;
}

KeptPoints Deadband::Add(Timestamp time, double value) {
  KeptPoints kept;
  const TimedValue p{time, value};
  if (!std::isfinite(value)) {
    Reset();  // nothing to compare the next value with
    kept.Push(p);
    return kept;
  }
  if (!Keeps(time, value)) {
    pending_ = p;
    has_pending_ = true;
    return kept;
  }
  kept_ = p;
  has_kept_ = true;
  has_pending_ = false;
  kept.Push(p);
  return kept;
}

KeptPoints Deadband::Flush() {
  KeptPoints kept;
  if (!has_pending_) return kept;
  kept_ = pending_;
  has_kept_ = true;
  has_pending_ = false;
  kept.Push(kept_);
  return kept;
}

SwingingDoor::SwingingDoor(double deviation, Timestamp max_interval)
    : deviation_(NonNegative(deviation)), max_interval_(std::max<Timestamp>(0, max_interval)) {}

double SwingingDoor::SlopeTo(Timestamp time, double value) const {
  return (value - archive_.value) / static_cast<double>(time - archive_.time);
}
double SwingingDoor::LowSlope(Timestamp time, double value) const {
  return (value - deviation_ - archive_.value) / static_cast<double>(time - archive_.time);
}
double SwingingDoor::HighSlope(Timestamp time, double value) const {
  return (value + deviation_ - archive_.value) / static_cast<double>(time - archive_.time);
}

void SwingingDoor::Archive(TimedValue p, KeptPoints& kept) {
  kept.Push(p);
  archive_ = p;
  has_archive_ = true;
  has_held_ = false;
  low_ = -std::numeric_limits<double>::infinity();
  high_ = std::numeric_limits<double>::infinity();
}

void SwingingDoor::Hold(TimedValue p) {
  held_ = p;
  has_held_ = true;
  low_ = std::max(low_, LowSlope(p.time, p.value));
  high_ = std::min(high_, HighSlope(p.time, p.value));
}

KeptPoints SwingingDoor::Add(Timestamp time, double value) {
  KeptPoints kept;
  const TimedValue p{time, value};
  if (!std::isfinite(value)) {
    // The line before the hole ends on the last finite input, then the hole itself is stored.
    if (has_held_) Archive(held_, kept);
    Reset();
    kept.Push(p);
    return kept;
  }
  if (!has_archive_) {
    Archive(p, kept);
    return kept;
  }
  if (time <= (has_held_ ? held_.time : archive_.time)) {
    // No slope to a point that is not later: store both sides of the step and start again.
    if (has_held_) Archive(held_, kept);
    Archive(p, kept);
    return kept;
  }
  const auto too_late = [&] { return max_interval_ > 0 && time - archive_.time > max_interval_; };
  if (has_held_) {
    const double slope = SlopeTo(time, value);
    // The doors hold the held point's range too: inside them, the line from the archived point to
    // p passes within the deviation of every point it would replace.
    const bool inside = slope >= low_ && slope <= high_;
    if (!inside || too_late()) Archive(held_, kept);
  }
  if (too_late()) {
    Archive(p, kept);  // the input's own step is longer than the max interval
  } else {
    Hold(p);
  }
  return kept;
}

KeptPoints SwingingDoor::Flush() {
  KeptPoints kept;
  if (has_held_) Archive(held_, kept);
  return kept;
}

}  // namespace mw::analytics
