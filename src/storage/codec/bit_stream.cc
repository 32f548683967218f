#include "storage/codec/bit_stream.h"

namespace mw::storage::codec {

void BitWriter::WriteBits(std::uint64_t value, int count) {
  if (count <= 0) return;
  value &= LowBits(count);
  bit_count_ += static_cast<std::uint64_t>(count);
  const int space = 64 - acc_bits_;
  if (count < space) {
    acc_ = (acc_ << count) | value;
    acc_bits_ += count;
    return;
  }
  // The accumulator fills: its free low bits take the top of `value`, the rest starts a new word.
  const int rest = count - space;
  const std::uint64_t head = acc_bits_ == 0 ? 0 : acc_ << space;
  AppendWord(head | (value >> rest));
  acc_ = value & LowBits(rest);
  acc_bits_ = rest;
}

void BitWriter::WriteGamma(std::uint64_t value) {
  const int width = BitWidth(value);
  WriteBits(0, width - 1);
  WriteBits(value, width);
}

void BitWriter::Finish() {
  const int bytes = (acc_bits_ + 7) / 8;
  const std::uint64_t aligned = bytes == 0 ? 0 : acc_ << (bytes * 8 - acc_bits_);
  for (int i = bytes - 1; i >= 0; --i) out_.push_back(static_cast<std::uint8_t>(aligned >> (8 * i)));
  acc_ = 0;
  acc_bits_ = 0;
}

void BitWriter::AppendWord(std::uint64_t word) {
  const std::size_t at = out_.size();
  out_.resize(at + 8);
  if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap64(word);
  std::memcpy(out_.data() + at, &word, 8);
}

std::uint64_t BitReader::LoadTail(std::size_t byte) const {
  std::uint64_t word = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    const std::uint64_t b = byte + i < size_ ? data_[byte + i] : 0;
    word |= b << (56 - 8 * i);
  }
  return word;
}

bool BitReader::ReadGamma(std::uint64_t& value, int max_width) {
  int zeros = 0;
  while (!overrun_ && ReadBits(1) == 0) {
    if (++zeros >= max_width) return false;
  }
  if (overrun_) return false;
  value = (std::uint64_t{1} << zeros) | ReadBits(zeros);
  return !overrun_;
}

bool BitReader::AtCleanEnd() const {
  if (overrun_) return false;
  const std::uint64_t left = size_bits_ - pos_;
  if (left >= 8) return false;
  return left == 0 || PeekBits(static_cast<int>(left)) == 0;
}

}  // namespace mw::storage::codec
