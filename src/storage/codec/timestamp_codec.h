// The timestamp codec: delta-of-delta, written as one integer block.
//
// The first timestamp is written raw (64 bits); every later one as the zigzagged change of its
// delta (the delta before the first is taken as zero, so the second timestamp costs its whole
// delta once). A sampler at a steady rate gives a dod of zero almost everywhere, which the integer
// block codes as runs (a few bytes per chunk for a regular series); jitter costs roughly the bits of
// its magnitude. Layout: docs/storage-format.md.
//
// Any order is kept exactly: deltas use wrapping 64-bit arithmetic, so unsorted input, negative
// times, duplicates and jumps across the whole int64 range round-trip bit for bit. (The chunk
// layer, not this codec, requires non-decreasing times.) Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace mw::storage::codec {

// Appends the timestamp column of `times` to `out`; an empty span appends nothing.
// InvalidArgument if there are more than kMaxColumnValues times.
Status EncodeTimestamps(std::span<const Timestamp> times, std::vector<std::uint8_t>& out);

// Decodes a column of `count` timestamps into `out` (replacing its contents). The column must be
// consumed exactly. Corruption if it is malformed; InvalidArgument if count > kMaxColumnValues.
Status DecodeTimestamps(std::span<const std::uint8_t> column, std::size_t count, std::vector<Timestamp>& out);

}  // namespace mw::storage::codec
