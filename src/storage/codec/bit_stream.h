// BitWriter and BitReader: the bit-level streams every chunk column is written with.
//
// Bit order is MSB-first: the first bit written is the most significant bit of the first byte, and
// a multi-bit field is written from its most significant bit down. A finished stream is padded with
// zero bits to a whole byte.
//
// The reader never reads outside the bytes it was given. Reading past the end yields zero bits and
// sets a sticky overrun flag, so decoders can run a tight loop and check overrun() once, at the end
// or wherever it bounds their work. Neither class is thread-safe; both are cheap to create.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace mw::storage::codec {

// The largest number of values any column decoder accepts. A value can cost zero bits (a run or a
// constant block), so the count a caller passes, not the input size, bounds what a decoder
// allocates: at most 128 MiB for a column of 64-bit values.
inline constexpr std::size_t kMaxColumnValues = std::size_t{1} << 24;

// Maps signed to unsigned so that values near zero, of either sign, become small: 0, -1, 1, -2 ...
// map to 0, 1, 2, 3 ...
inline std::uint64_t ZigZag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
inline std::int64_t UnZigZag(std::uint64_t u) { return static_cast<std::int64_t>((u >> 1) ^ (0 - (u & 1))); }

// All ones in the low `count` bits, for count in [0, 64].
inline std::uint64_t LowBits(int count) {
  return count >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << count) - 1;
}

// Number of bits needed to write `v`: 0 for 0, 64 for values with the top bit set.
inline int BitWidth(std::uint64_t v) { return static_cast<int>(std::bit_width(v)); }

// Appends bits to a byte vector. The vector must outlive the writer and must not be changed by
// anyone else until Finish() returns. Bits sit in a 64-bit accumulator until it fills, so the
// vector holds whole 8-byte words until Finish().
class BitWriter {
 public:
  explicit BitWriter(std::vector<std::uint8_t>& out) : out_(out) {}
  BitWriter(const BitWriter&) = delete;
  BitWriter& operator=(const BitWriter&) = delete;

  // Writes the low `count` bits of `value`, most significant first; count in [0, 64]. Higher bits
  // of `value` are ignored.
  void WriteBits(std::uint64_t value, int count);
  void WriteBit(bool bit) { WriteBits(bit ? 1 : 0, 1); }
  // Elias gamma code of value >= 1: BitWidth(value) - 1 zero bits, then value itself.
  void WriteGamma(std::uint64_t value);

  // Bits written so far, padding excluded.
  std::uint64_t bit_count() const { return bit_count_; }

  // Pads to a byte boundary with zero bits and appends what is left. Call exactly once; the writer
  // must not be used afterwards.
  void Finish();

 private:
  void AppendWord(std::uint64_t word);

  std::vector<std::uint8_t>& out_;
  std::uint64_t acc_ = 0;  // the low acc_bits_ bits are pending, oldest highest
  int acc_bits_ = 0;
  std::uint64_t bit_count_ = 0;
};

// Reads bits from a byte span it does not own; the bytes must outlive the reader.
class BitReader {
 public:
  explicit BitReader(std::span<const std::uint8_t> bytes)
      : data_(bytes.data()), size_(bytes.size()), size_bits_(static_cast<std::uint64_t>(bytes.size()) * 8) {}

  // Reads `count` bits, count in [0, 64]. If fewer remain, returns 0, moves to the end and sets
  // overrun().
  std::uint64_t ReadBits(int count) {
    if (count <= kMaxFastBits) {
      if (static_cast<std::uint64_t>(count) > size_bits_ - pos_) return Overrun();
      const std::uint64_t word = LoadWord(pos_ >> 3) << (pos_ & 7);
      pos_ += static_cast<std::uint64_t>(count);
      return count == 0 ? 0 : word >> (64 - count);
    }
    const std::uint64_t high = ReadBits(32);
    return (high << (count - 32)) | ReadBits(count - 32);
  }
  bool ReadBit() { return ReadBits(1) != 0; }

  // The next `count` bits (count in [1, 57]) without consuming them; bits past the end read as 0.
  std::uint64_t PeekBits(int count) const { return (LoadWord(pos_ >> 3) << (pos_ & 7)) >> (64 - count); }
  // Consumes `count` bits (count >= 0); past the end it behaves like ReadBits.
  void SkipBits(int count) {
    if (static_cast<std::uint64_t>(count) > size_bits_ - pos_) {
      Overrun();
      return;
    }
    pos_ += static_cast<std::uint64_t>(count);
  }

  // Reads an Elias gamma code whose value has at most `max_width` bits (max_width in [1, 64]).
  // Returns false, leaving `value` unspecified, if the code is longer or runs past the end.
  bool ReadGamma(std::uint64_t& value, int max_width);

  bool overrun() const { return overrun_; }
  std::uint64_t position() const { return pos_; }
  std::uint64_t bits_left() const { return size_bits_ - pos_; }
  // True when the stream ended where a BitWriter's Finish() would have put it: no overrun, fewer
  // than 8 bits left, and those are zero padding.
  bool AtCleanEnd() const;

 private:
  static constexpr int kMaxFastBits = 57;  // 57 + 7 bits of intra-byte offset fit in one 64-bit load

  // Eight bytes from `byte` on, big-endian, with zeros past the end of the input.
  std::uint64_t LoadWord(std::size_t byte) const {
    if (byte + 8 <= size_) {
      std::uint64_t word;
      std::memcpy(&word, data_ + byte, 8);
      if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap64(word);
      return word;
    }
    return LoadTail(byte);
  }
  std::uint64_t LoadTail(std::size_t byte) const;
  std::uint64_t Overrun() {
    overrun_ = true;
    pos_ = size_bits_;
    return 0;
  }

  const std::uint8_t* data_;
  std::size_t size_;
  std::uint64_t size_bits_;
  std::uint64_t pos_ = 0;
  bool overrun_ = false;
};

}  // namespace mw::storage::codec
