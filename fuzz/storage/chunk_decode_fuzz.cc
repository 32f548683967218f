// Feeds arbitrary bytes to the chunk decoder and to each column decoder. A decoder may only
// succeed or report Corruption; whatever decodes must survive re-encoding bit for bit.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "storage/codec/bit_stream.h"
#include "storage/codec/chunk.h"
#include "storage/codec/crc32c.h"
#include "storage/codec/gorilla_codec.h"
#include "storage/codec/quantized_codec.h"
#include "storage/codec/timestamp_codec.h"

namespace {

using namespace mw::storage::codec;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

void CheckDecodeResult(const mw::Status& s) { Check(s.ok() || s.code() == mw::StatusCode::kCorruption); }

bool SameBits(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::bit_cast<std::uint64_t>(a[i]) != std::bit_cast<std::uint64_t>(b[i])) return false;
  }
  return true;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::bit_cast<std::uint32_t>(a[i]) != std::bit_cast<std::uint32_t>(b[i])) return false;
  }
  return true;
}

// A chunk that decoded is valid input for the encoder, and must come back unchanged.
void CheckReencodes(const DecodedChunk& chunk) {
  mw::Result<std::vector<std::uint8_t>> bytes =
      chunk.header.value_codec == ValueCodec::kFrame
          ? EncodeFrameChunk(chunk.header.series, chunk.times, chunk.header.frame_shape, chunk.frames,
                             chunk.qualities)
          : EncodeChunk(chunk.header.series, chunk.times, chunk.values, chunk.qualities);
  Check(bytes.ok());
  mw::Result<DecodedChunk> again = DecodeChunk(*bytes, "fuzz");
  Check(again.ok());
  Check(again->times == chunk.times && again->qualities == chunk.qualities);
  Check(SameBits(again->values, chunk.values) && SameBits(again->frames, chunk.frames));
}

void DecodeAsChunk(std::span<const std::uint8_t> bytes) {
  mw::Result<DecodedChunk> chunk = DecodeChunk(bytes, "fuzz");
  CheckDecodeResult(chunk.status());
  CheckDecodeResult(DecodeChunkHeader(bytes, "fuzz").status());
  // Re-encoding a million samples per run would slow the fuzzer to a crawl for no new code.
  if (chunk.ok() && chunk->header.summary.count <= 65536) CheckReencodes(*chunk);
}

void DecodeAsColumns(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return;
  const std::size_t count = bytes[0];
  const auto column = bytes.subspan(1);
  std::vector<mw::Timestamp> times;
  CheckDecodeResult(DecodeTimestamps(column, count, times));
  std::vector<double> values;
  CheckDecodeResult(DecodeGorilla(column, count, values));
  CheckDecodeResult(DecodeQuantized(column, count, values));
  std::vector<std::uint64_t> integers(count);
  BitReader reader(column);
  CheckDecodeResult(DecodeIntegerBlock(reader, integers));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  DecodeAsChunk(bytes);
  // The same bytes with a correct checksum, so that mutations get past it to the header checks
  // and the column decoders.
  if (size >= kChunkChecksumSize) {
    std::vector<std::uint8_t> sealed(bytes.begin(), bytes.end());
    const std::uint32_t crc = Crc32c(bytes.first(size - kChunkChecksumSize));
    for (std::size_t i = 0; i < 4; ++i) sealed[size - 4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
    DecodeAsChunk(sealed);
  }
  DecodeAsColumns(bytes);
  return 0;
}
