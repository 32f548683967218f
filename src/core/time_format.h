// Parsing and formatting of times and durations as users write them.
//
// Accepted times: Unix milliseconds ("1700000000000"), RFC 3339 ("2026-11-22T03:14:00Z",
// "2026-11-22T03:14:00.250+01:00"), "now", and relative offsets from now ("-15m", "-2h", "-7d",
// "+30s"). Durations: an integer with a unit, ns us ms s m h d ("250ms", "5s", "1h").
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "core/types.h"

namespace mw {

Result<Timestamp> ParseTime(std::string_view text, Timestamp now);
Result<std::int64_t> ParseDuration(std::string_view text);  // in ns
Result<Timestamp> ParseRfc3339(std::string_view text);

// "2026-11-22T03:14:00.250Z" (milliseconds shown only when non-zero).
std::string FormatRfc3339(Timestamp t);

}  // namespace mw
