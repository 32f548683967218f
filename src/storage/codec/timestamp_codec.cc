#include "storage/codec/timestamp_codec.h"

#include <string>

#include "storage/codec/bit_stream.h"
#include "storage/codec/quantized_codec.h"

namespace mw::storage::codec {
namespace {

Status TimestampCorruption(const std::string& what) {
  return Status::Corruption("timestamp column: " + what);
}

}  // namespace

Status EncodeTimestamps(std::span<const Timestamp> times, std::vector<std::uint8_t>& out) {
  if (times.size() > kMaxColumnValues) return Status::InvalidArgument("timestamp codec: too many values");
  if (times.empty()) return Status::Ok();
  std::vector<std::uint64_t> dods(times.size() - 1);
  std::uint64_t prev = static_cast<std::uint64_t>(times[0]);
  std::uint64_t prev_delta = 0;
  for (std::size_t i = 1; i < times.size(); ++i) {
    const auto cur = static_cast<std::uint64_t>(times[i]);
    const std::uint64_t delta = cur - prev;
    dods[i - 1] = ZigZag(static_cast<std::int64_t>(delta - prev_delta));
    prev = cur;
    prev_delta = delta;
  }
  BitWriter writer(out);
  writer.WriteBits(static_cast<std::uint64_t>(times[0]), 64);
  EncodeIntegerBlock(dods, writer);
  writer.Finish();
  return Status::Ok();
}

Status DecodeTimestamps(std::span<const std::uint8_t> column, std::size_t count,
                        std::vector<Timestamp>& out) {
  if (count > kMaxColumnValues) return Status::InvalidArgument("timestamp codec: too many values requested");
  out.clear();
  if (count == 0) {
    if (!column.empty()) return TimestampCorruption("bytes present for zero timestamps");
    return Status::Ok();
  }
  BitReader in(column);
  std::uint64_t time = in.ReadBits(64);
  if (in.overrun()) return TimestampCorruption("truncated first timestamp");
  std::vector<std::uint64_t> dods(count - 1);
  if (Status s = DecodeIntegerBlock(in, dods); !s.ok()) return TimestampCorruption(s.message());
  if (!in.AtCleanEnd()) return TimestampCorruption("bytes left after the last timestamp");
  out.resize(count);
  out[0] = static_cast<Timestamp>(time);
  std::uint64_t delta = 0;
  for (std::size_t i = 1; i < count; ++i) {
    delta += static_cast<std::uint64_t>(UnZigZag(dods[i - 1]));
    time += delta;
    out[i] = static_cast<Timestamp>(time);
  }
  return Status::Ok();
}

}  // namespace mw::storage::codec
