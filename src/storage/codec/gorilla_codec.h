// The Gorilla value codec: each double XORed with the one before it, after the scheme of Facebook's
// Gorilla (VLDB 2015), for signals without a declared resolution.
//
// The first value is written raw (64 bits). Then per value: '0' if it equals the previous one
// bit for bit; '10' and the XOR's bits inside the current window (leading-zero count and length
// carried over from an earlier value); or '11', a 6-bit leading-zero count, a 6-bit length - 1 and
// that many bits, which sets a new window. The window starts as all 64 bits. Unlike the paper,
// the encoder reuses the window only when that is cheaper than opening a new one, and the
// leading-zero count is not capped at 31. Layout: docs/storage-format.md.
//
// Lossless for every bit pattern: NaN payloads, ±0, ±inf and denormals round-trip exactly. Pure
// functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"

namespace mw::storage::codec {

// Appends the Gorilla column of `values` to `out`; an empty span appends nothing.
// InvalidArgument if there are more than kMaxColumnValues values.
Status EncodeGorilla(std::span<const double> values, std::vector<std::uint8_t>& out);

// Decodes a column of `count` values into `out` (replacing its contents). The column must be
// consumed exactly. Corruption if it is malformed; InvalidArgument if count > kMaxColumnValues.
Status DecodeGorilla(std::span<const std::uint8_t> column, std::size_t count, std::vector<double>& out);

}  // namespace mw::storage::codec
