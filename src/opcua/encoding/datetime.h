// DateTime (100 ns ticks since 1601-01-01 UTC) <-> Millwright Timestamp (ns since 1970-01-01 UTC).
//
// OPC 10000-6, 5.2.2.5 asks both sides to clamp at the edges of what they can represent:
//   - ticks <= 0 (0 is also "no time") decode to the earliest Timestamp, INT64_MIN;
//   - ticks == INT64_MAX, or anything after the last Timestamp (2262-04-11), decode to INT64_MAX;
//   - the earliest Timestamp encodes as 0 and the latest as INT64_MAX, so the edges survive a round
//     trip. Every other Timestamp lies well inside the DateTime range and converts exactly, rounded
//     down to 100 ns.
// Pure functions, thread-safe.
#pragma once

#include <cstdint>

#include "core/types.h"
#include "opcua/encoding/types.h"

namespace mw::opcua {

// Ticks from 1601-01-01 to 1970-01-01.
inline constexpr std::int64_t kUnixEpochTicks = 116'444'736'000'000'000;
inline constexpr std::int64_t kNanosPerTick = 100;

DateTime DateTimeFromTimestamp(Timestamp t);
Timestamp TimestampFromDateTime(DateTime d);

}  // namespace mw::opcua
