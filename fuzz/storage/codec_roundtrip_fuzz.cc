// Encodes fuzz-provided values with every codec, decodes them, and requires the same bits back.
// The first byte picks the codec; the rest supplies the values (and shapes, resolutions, times).
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "fuzz_input.h"
#include "storage/codec/bit_stream.h"
#include "storage/codec/chunk.h"
#include "storage/codec/frame_codec.h"
#include "storage/codec/gorilla_codec.h"
#include "storage/codec/quantized_codec.h"
#include "storage/codec/timestamp_codec.h"

namespace {

using namespace mw::storage::codec;
using mw::Quality;
using mw::Status;
using mw::StatusCode;
using mw::Timestamp;
using mw::fuzz::FuzzInput;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

template <typename T>
std::vector<T> Values(FuzzInput& in) {
  std::vector<T> out;
  while (in.remaining_bytes() >= sizeof(T) && out.size() < 4096) out.push_back(in.ConsumeIntegral<T>());
  return out;
}

std::vector<double> Doubles(FuzzInput& in) {
  std::vector<double> out;
  for (const std::uint64_t bits : Values<std::uint64_t>(in)) out.push_back(std::bit_cast<double>(bits));
  return out;
}

void CheckSameBits(const std::vector<double>& a, const std::vector<double>& b) {
  Check(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    Check(std::bit_cast<std::uint64_t>(a[i]) == std::bit_cast<std::uint64_t>(b[i]));
}

void Timestamps(FuzzInput& in) {
  const std::vector<Timestamp> times = Values<Timestamp>(in);
  std::vector<std::uint8_t> column;
  Check(EncodeTimestamps(times, column).ok());
  std::vector<Timestamp> back;
  Check(DecodeTimestamps(column, times.size(), back).ok());
  Check(back == times);
}

void Gorilla(FuzzInput& in) {
  const std::vector<double> values = Doubles(in);
  std::vector<std::uint8_t> column;
  Check(EncodeGorilla(values, column).ok());
  std::vector<double> back;
  Check(DecodeGorilla(column, values.size(), back).ok());
  CheckSameBits(values, back);
}

// Values on a decimal grid (q / 10^k) must always quantize; arbitrary doubles at an arbitrary
// resolution may be refused, but never lossily accepted.
void Quantized(FuzzInput& in) {
  const bool on_grid = in.ConsumeBool();
  double resolution = 0;
  std::vector<double> values;
  if (on_grid) {
    const int decimals = in.ConsumeIntegralInRange(0, 6);
    double divisor = 1;
    for (int i = 0; i < decimals; ++i) divisor *= 10;
    resolution = 1 / divisor;
    for (const std::int32_t q : Values<std::int32_t>(in)) values.push_back(static_cast<double>(q) / divisor);
  } else {
    resolution = std::bit_cast<double>(in.ConsumeIntegral<std::uint64_t>());
    values = Doubles(in);
  }
  std::vector<std::uint8_t> column;
  const Status s = EncodeQuantized(values, resolution, column);
  if (on_grid) Check(s.ok());
  if (!s.ok()) {
    Check(s.code() == StatusCode::kOutOfRange || s.code() == StatusCode::kInvalidArgument);
    Check(column.empty());
    return;
  }
  std::vector<double> back;
  Check(DecodeQuantized(column, values.size(), back).ok());
  CheckSameBits(values, back);
}

void Frames(FuzzInput& in) {
  const FrameShape shape{in.ConsumeIntegralInRange<std::uint32_t>(1, 64),
                         in.ConsumeIntegralInRange<std::uint32_t>(1, 64)};
  std::vector<float> elements;
  for (const std::uint32_t bits : Values<std::uint32_t>(in)) elements.push_back(std::bit_cast<float>(bits));
  elements.resize(elements.size() / shape.elements() * shape.elements());
  std::vector<std::uint8_t> column;
  Check(EncodeFrames(shape, elements, column).ok());
  FrameShape got;
  std::vector<float> back;
  Check(DecodeFrames(column, elements.size() / shape.elements(), got, back).ok());
  Check(got == shape && back.size() == elements.size());
  for (std::size_t i = 0; i < back.size(); ++i)
    Check(std::bit_cast<std::uint32_t>(back[i]) == std::bit_cast<std::uint32_t>(elements[i]));
}

void Chunk(FuzzInput& in) {
  const double resolution = in.ConsumeBool() ? 0.01 : 0.0;
  const std::vector<std::uint64_t> raw = Values<std::uint64_t>(in);
  if (raw.empty()) return;
  std::vector<Timestamp> times;
  std::vector<double> values;
  std::vector<Quality> qualities;
  Timestamp t = static_cast<Timestamp>(raw[0]);
  for (const std::uint64_t r : raw) {
    const auto step = static_cast<Timestamp>(r & 0xFFFF);
    t = t > std::numeric_limits<Timestamp>::max() - step ? t : t + step;
    times.push_back(t);
    values.push_back((r >> 16) % 4 == 0 ? std::bit_cast<double>(r)
                                        : static_cast<double>(static_cast<std::int32_t>(r >> 32)) / 100);
    qualities.push_back(static_cast<Quality>((r >> 20) % 32 == 0 ? (r >> 25) % 3 : 0));
  }
  mw::Result<std::vector<std::uint8_t>> bytes =
      EncodeChunk(9, times, values, qualities, {.resolution = resolution});
  Check(bytes.ok());
  mw::Result<DecodedChunk> back = DecodeChunk(*bytes, "fuzz");
  Check(back.ok());
  Check(back->times == times && back->qualities == qualities);
  CheckSameBits(values, back->values);
}

void IntegerBlock(FuzzInput& in) {
  const int shift = in.ConsumeIntegralInRange(0, 63);
  std::vector<std::uint64_t> values = Values<std::uint64_t>(in);
  for (auto& v : values) v >>= shift;
  std::vector<std::uint8_t> bytes;
  BitWriter writer(bytes);
  EncodeIntegerBlock(values, writer);
  Check(writer.bit_count() == IntegerBlockBits(values));
  writer.Finish();
  BitReader reader(bytes);
  std::vector<std::uint64_t> back(values.size());
  Check(DecodeIntegerBlock(reader, back).ok());
  Check(back == values && reader.AtCleanEnd());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzInput in(data, size);
  switch (in.ConsumeIntegralInRange(0, 5)) {
    case 0:
      Timestamps(in);
      break;
    case 1:
      Gorilla(in);
      break;
    case 2:
      Quantized(in);
      break;
    case 3:
      Frames(in);
      break;
    case 4:
      Chunk(in);
      break;
    default:
      IntegerBlock(in);
      break;
  }
  return 0;
}
