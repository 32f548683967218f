// The quantized value codec, and the integer block coder it shares with the timestamp and frame
// codecs.
//
// Quantized codec. A signal with a declared resolution (0.01 °C, 1 rpm) carries values that are
// integer multiples of it. Each value is scaled to an int64 q, rebuilt as q / 100 for a resolution
// of 0.01 (exactly the double that decimal text like "23.45" parses to) or as q * resolution when
// the resolution is not the reciprocal of an integer or the values were computed that way. The q
// are differenced to order 0, 1 or 2 (whichever codes smallest: order 1 suits random walks, order
// 2 smooth ramps, order 0 noise around a level), zigzagged, and written as one integer block.
// Lossless by construction: the encoder checks that every value is rebuilt bit for bit from its q,
// and fails with OutOfRange otherwise (NaN, ±inf, -0.0, or a value off the grid), so the caller
// can fall back to Gorilla for that chunk. See docs/storage-format.md for the layout.
//
// Integer block. A self-describing block of unsigned integers (zigzagged residuals) in one of three
// modes, chosen by exact size: constant (every value the same, 0 bits each), fixed width, or a
// canonical Huffman code built for the block. The Huffman alphabet has 328 symbols: the values
// 0..63 themselves, 232 buckets for larger values (bit width and the two bits after the leading
// one, followed by the remaining bits raw), and 32 symbols for runs of zeros (bit width of the run
// length, followed by the length without its leading one). The run symbols let long stretches of
// zeros (regular timestamps, static pixels) cost a few bits in total; the encoder uses them when at
// least one value in eight is zero and they make the block smaller.
//
// All functions are pure and thread-safe. Decoders never read outside their input and bound their
// work by the count they are given (at most kMaxColumnValues).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"
#include "storage/codec/bit_stream.h"

namespace mw::storage::codec {

// Writes `values` as one integer block. An empty span writes nothing.
void EncodeIntegerBlock(std::span<const std::uint64_t> values, BitWriter& out);

// The exact number of bits EncodeIntegerBlock(values, ...) writes.
std::uint64_t IntegerBlockBits(std::span<const std::uint64_t> values);

// Reads one block of out.size() values (nothing when out is empty). Corruption if the block is
// malformed or runs past the end of `in`; InvalidArgument if out.size() > kMaxColumnValues.
Status DecodeIntegerBlock(BitReader& in, std::span<std::uint64_t> out);

// Appends the quantized column of `values` to `out`. InvalidArgument if `resolution` is not finite
// and positive or there are more than kMaxColumnValues values; OutOfRange, naming the first
// offending index and value, if a value is not exactly representable at `resolution`. On error `out`
// is left as it was.
Status EncodeQuantized(std::span<const double> values, double resolution, std::vector<std::uint8_t>& out);

// Decodes a quantized column holding `count` values into `out` (replacing its contents). The column
// must be consumed exactly (only zero padding may follow the last value). Corruption if it is not.
Status DecodeQuantized(std::span<const std::uint8_t> column, std::size_t count, std::vector<double>& out);

}  // namespace mw::storage::codec
