#include "opcua/encoding/datetime.h"

#include <limits>

namespace mw::opcua {
namespace {

constexpr Timestamp kEarliest = std::numeric_limits<Timestamp>::min();
constexpr Timestamp kLatest = std::numeric_limits<Timestamp>::max();
constexpr std::int64_t kMaxTicks = std::numeric_limits<std::int64_t>::max();

// Floor division, so that instants before 1970 round towards the past like positive ones do.
std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

DateTime DateTimeFromTimestamp(Timestamp t) {
  if (t == kEarliest) return DateTime{0};
  if (t == kLatest) return DateTime{kMaxTicks};
  // |t / 100| < 9.3e16 and the epoch offset is 1.2e17: no overflow, and the sum stays above 0.
  return DateTime{FloorDiv(t, kNanosPerTick) + kUnixEpochTicks};
}

Timestamp TimestampFromDateTime(DateTime d) {
  if (d.ticks <= 0) return kEarliest;
  if (d.ticks == kMaxTicks) return kLatest;
  const std::int64_t since_epoch = d.ticks - kUnixEpochTicks;  // d.ticks > 0: cannot overflow
  if (since_epoch > kLatest / kNanosPerTick) return kLatest;
  if (since_epoch < kEarliest / kNanosPerTick) return kEarliest;
  return since_epoch * kNanosPerTick;
}

}  // namespace mw::opcua
