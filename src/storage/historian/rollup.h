// Rollups: per-minute and per-hour aggregates of a raw chunk, kept after the raw data expires.
//
// A rollup blob holds the buckets one raw chunk contributes to one level (buckets at the chunk's
// edges are partial; queries merge partial buckets of neighbouring chunks). Layout
// (docs/storage-format.md, "Rollups"): magic "MWRU", version, u32 n, then seven length-prefixed
// columns: bucket starts and counts (delta-of-delta integer columns), min, max, sum, first, last
// (Gorilla), then CRC-32C of everything before it. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/types.h"
#include "storage/historian/historian.h"

namespace mw::storage::historian {

// Aggregates sorted points into buckets of `level_ns` (epoch aligned). Bucket::start is set.
void RollUp(std::span<const Timestamp> times, std::span<const double> values, Timestamp level_ns,
            std::vector<Bucket>& out);

Result<std::vector<std::uint8_t>> EncodeRollup(std::span<const Bucket> buckets);
// Corruption (naming `label`) for any inconsistency; never reads outside `bytes`.
Status DecodeRollup(std::span<const std::uint8_t> bytes, std::string_view label, std::vector<Bucket>& out);

}  // namespace mw::storage::historian
