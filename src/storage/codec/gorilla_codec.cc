#include "storage/codec/gorilla_codec.h"

#include <bit>
#include <string>

#include "storage/codec/bit_stream.h"

namespace mw::storage::codec {
namespace {

constexpr int kLeadingBits = 6;
constexpr int kLengthBits = 6;
// A new window costs its two fields more than reusing one.
constexpr int kNewWindowOverhead = kLeadingBits + kLengthBits;

struct Window {
  int leading = 0;
  int length = 64;
  int trailing() const { return 64 - leading - length; }
};

Status GorillaCorruption(const std::string& what) { return Status::Corruption("gorilla column: " + what); }

}  // namespace

Status EncodeGorilla(std::span<const double> values, std::vector<std::uint8_t>& out) {
  if (values.size() > kMaxColumnValues) return Status::InvalidArgument("gorilla codec: too many values");
  if (values.empty()) return Status::Ok();
  BitWriter writer(out);
  std::uint64_t prev = std::bit_cast<std::uint64_t>(values[0]);
  writer.WriteBits(prev, 64);
  Window window;
  for (std::size_t i = 1; i < values.size(); ++i) {
    const auto cur = std::bit_cast<std::uint64_t>(values[i]);
    const std::uint64_t x = cur ^ prev;
    prev = cur;
    if (x == 0) {
      writer.WriteBits(0b0, 1);
      continue;
    }
    const int leading = std::countl_zero(x);
    const int trailing = std::countr_zero(x);
    const int length = 64 - leading - trailing;
    if (leading >= window.leading && trailing >= window.trailing() &&
        window.length <= length + kNewWindowOverhead) {
      writer.WriteBits(0b10, 2);
      writer.WriteBits(x >> window.trailing(), window.length);
      continue;
    }
    window = {leading, length};
    writer.WriteBits(0b11, 2);
    writer.WriteBits(static_cast<std::uint64_t>(leading), kLeadingBits);
    writer.WriteBits(static_cast<std::uint64_t>(length - 1), kLengthBits);
    writer.WriteBits(x >> trailing, length);
  }
  writer.Finish();
  return Status::Ok();
}

Status DecodeGorilla(std::span<const std::uint8_t> column, std::size_t count, std::vector<double>& out) {
  if (count > kMaxColumnValues) return Status::InvalidArgument("gorilla codec: too many values requested");
  out.clear();
  if (count == 0) {
    if (!column.empty()) return GorillaCorruption("bytes present for zero values");
    return Status::Ok();
  }
  BitReader in(column);
  out.resize(count);
  std::uint64_t value = in.ReadBits(64);
  out[0] = std::bit_cast<double>(value);
  Window window;
  for (std::size_t i = 1; i < count; ++i) {
    if (in.ReadBit()) {
      if (in.ReadBit()) {
        const auto leading = static_cast<int>(in.ReadBits(kLeadingBits));
        const int length = static_cast<int>(in.ReadBits(kLengthBits)) + 1;
        if (leading + length > 64) return GorillaCorruption("window past 64 bits");
        window = {leading, length};
      }
      value ^= in.ReadBits(window.length) << window.trailing();
    }
    out[i] = std::bit_cast<double>(value);
    // Past the end every bit reads as zero, i.e. "repeat": stop early rather than fill the rest.
    if (in.overrun()) break;
  }
  if (in.overrun()) return GorillaCorruption("truncated");
  if (!in.AtCleanEnd()) return GorillaCorruption("bytes left after the last value");
  return Status::Ok();
}

}  // namespace mw::storage::codec
