// Chunk: the self-contained, checksummed blob a closed head chunk of one series becomes.
//
// A chunk is a fixed 84-byte header (format version, codec ids, series id, count, first and last
// time, summary), three columns (timestamps, values, qualities) and a CRC-32C of everything
// before it. Byte layout: docs/storage-format.md.
//
// Value codecs, chosen by the encoder:
//   - quantized, when ChunkOptions::resolution > 0 and every value is exactly a multiple of it
//     (see quantized_codec.h); otherwise
//   - Gorilla XOR (gorilla_codec.h), unless that is larger than 8 bytes a value, then
//   - raw little-endian doubles;
//   - frames (frame_codec.h) for chunks made with EncodeFrameChunk.
// The quality column is empty when every sample is good, and run-length coded otherwise.
//
// Ordering contract: timestamps within a chunk must not decrease (equal times are allowed and
// kept in the given order). The encoder rejects decreasing input with InvalidArgument rather than
// sorting it, because the historian's chunk index relies on first_time/last_time bounding the
// chunk; the head chunk is where out-of-order samples get merged. Decoders report a stored chunk
// whose times decrease as corrupt.
//
// Summary: count is every sample. For scalar chunks min, max and sum skip NaN (min and max are NaN
// and sum is 0 when every value is NaN); first and last are the first and last values as stored,
// NaN included. For frame chunks min and max range over every non-NaN element, and sum, first and
// last are of the per-frame means (the mean of a frame's non-NaN elements; frames with none are
// skipped by sum), so sum / count is the mean frame mean.
//
// Robustness: encoders validate their input and never crash on any values; decoders never crash,
// never read outside the given bytes, and bound their allocations by kMaxChunkSamples. Every
// decoding error is Corruption and names the series (the caller's label) and the chunk (its stored
// first time and size). Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/types.h"
#include "storage/codec/frame_codec.h"

namespace mw::storage::codec {

inline constexpr std::uint8_t kChunkFormatVersion = 1;
inline constexpr std::size_t kChunkHeaderSize = 84;
inline constexpr std::size_t kChunkChecksumSize = 4;
// Most samples (scalar values or frames) in one chunk.
inline constexpr std::size_t kMaxChunkSamples = std::size_t{1} << 20;

enum class TimeCodec : std::uint8_t { kDeltaOfDelta = 1 };
enum class ValueCodec : std::uint8_t { kRaw = 0, kGorilla = 1, kQuantized = 2, kFrame = 3 };
enum class QualityCodec : std::uint8_t { kAllGood = 0, kRunLength = 1 };

struct ChunkSummary {
  std::uint32_t count = 0;
  double min = 0;
  double max = 0;
  double sum = 0;
  double first = 0;
  double last = 0;
};

struct ChunkHeader {
  std::uint8_t version = kChunkFormatVersion;
  TimeCodec time_codec = TimeCodec::kDeltaOfDelta;
  ValueCodec value_codec = ValueCodec::kGorilla;
  QualityCodec quality_codec = QualityCodec::kAllGood;
  SeriesId series = kInvalidSeries;
  Timestamp first_time = 0;
  Timestamp last_time = 0;
  ChunkSummary summary;    // summary.count is the number of samples
  FrameShape frame_shape;  // zero for scalar chunks
};

struct DecodedChunk {
  ChunkHeader header;
  std::vector<Timestamp> times;
  std::vector<double> values;  // scalar chunks
  std::vector<float> frames;   // frame chunks: count * frame_shape.elements(), frame after frame
  std::vector<Quality> qualities;
};

struct ChunkOptions {
  // > 0: the declared resolution of the signal; values are stored quantized when all of them are
  // exact multiples of it. 0: no resolution (Gorilla).
  double resolution = 0;
};

// Encodes one chunk of scalar samples. `qualities` is either empty (all good) or as long as
// `times`. InvalidArgument for mismatched lengths, an empty chunk or more than kMaxChunkSamples
// samples, decreasing times, a quality outside the enum, or a negative or non-finite resolution.
Result<std::vector<std::uint8_t>> EncodeChunk(SeriesId series, std::span<const Timestamp> times,
                                              std::span<const double> values,
                                              std::span<const Quality> qualities,
                                              const ChunkOptions& options = {});

// Encodes one chunk of frames: `elements` holds times.size() frames of `shape`, back to back.
// Errors as EncodeChunk, plus those of EncodeFrames.
Result<std::vector<std::uint8_t>> EncodeFrameChunk(SeriesId series, std::span<const Timestamp> times,
                                                   FrameShape shape, std::span<const float> elements,
                                                   std::span<const Quality> qualities);

// Verifies the checksum and the header and returns the header, without decoding the columns.
// `series_label` (e.g. "plant1/pump-07/temperature") only names the series in error messages.
Result<ChunkHeader> DecodeChunkHeader(std::span<const std::uint8_t> bytes, std::string_view series_label);

// Verifies and decodes a whole chunk.
Result<DecodedChunk> DecodeChunk(std::span<const std::uint8_t> bytes, std::string_view series_label);

}  // namespace mw::storage::codec
