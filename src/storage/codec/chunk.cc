#include "storage/codec/chunk.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>

#include "core/time_format.h"
#include "storage/codec/crc32c.h"
#include "storage/codec/gorilla_codec.h"
#include "storage/codec/quantized_codec.h"
#include "storage/codec/timestamp_codec.h"

namespace mw::storage::codec {
namespace {

constexpr std::uint8_t kMagic[4] = {'M', 'W', 'C', 'K'};
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Header field offsets; see docs/storage-format.md.
constexpr std::size_t kOffVersion = 4;
constexpr std::size_t kOffTimeCodec = 5;
constexpr std::size_t kOffValueCodec = 6;
constexpr std::size_t kOffQualityCodec = 7;
constexpr std::size_t kOffSeries = 8;
constexpr std::size_t kOffCount = 12;
constexpr std::size_t kOffFirstTime = 16;
constexpr std::size_t kOffLastTime = 24;
constexpr std::size_t kOffMin = 32;
constexpr std::size_t kOffMax = 40;
constexpr std::size_t kOffSum = 48;
constexpr std::size_t kOffFirstValue = 56;
constexpr std::size_t kOffLastValue = 64;
constexpr std::size_t kOffTimeBytes = 72;
constexpr std::size_t kOffValueBytes = 76;
constexpr std::size_t kOffQualityBytes = 80;
constexpr std::size_t kMinChunkSize = kChunkHeaderSize + kChunkChecksumSize;

// ---- Little-endian fields -------------------------------------------------------------------

void PutLe(std::vector<std::uint8_t>& out, std::size_t at, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint64_t GetLe(std::span<const std::uint8_t> in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v |= static_cast<std::uint64_t>(in[at + static_cast<std::size_t>(i)]) << (8 * i);
  return v;
}

double GetDouble(std::span<const std::uint8_t> in, std::size_t at) {
  return std::bit_cast<double>(GetLe(in, at, 8));
}

// ---- Summary --------------------------------------------------------------------------------

// Min, max and sum over the non-NaN inputs fed to it.
struct Accumulator {
  double min = kNaN;
  double max = kNaN;
  double sum = 0;
  bool any = false;
  void Add(double v) {
    if (std::isnan(v)) return;
    if (!any || v < min) min = v;
    if (!any || v > max) max = v;
    any = true;
  }
};

ChunkSummary ScalarSummary(std::span<const double> values) {
  Accumulator acc;
  for (const double v : values) {
    acc.Add(v);
    if (!std::isnan(v)) acc.sum += v;
  }
  return {
      static_cast<std::uint32_t>(values.size()), acc.min, acc.max, acc.sum, values.front(), values.back()};
}

double FrameMean(std::span<const float> frame, Accumulator& elements) {
  double sum = 0;
  std::size_t finite = 0;
  for (const float f : frame) {
    if (std::isnan(f)) continue;
    elements.Add(f);
    sum += f;
    ++finite;
  }
  return finite == 0 ? kNaN : sum / static_cast<double>(finite);
}

ChunkSummary FrameSummary(std::span<const float> elements, std::size_t frames, std::size_t per_frame) {
  Accumulator acc;
  ChunkSummary summary;
  summary.count = static_cast<std::uint32_t>(frames);
  for (std::size_t f = 0; f < frames; ++f) {
    const double mean = FrameMean(elements.subspan(f * per_frame, per_frame), acc);
    if (f == 0) summary.first = mean;
    if (f + 1 == frames) summary.last = mean;
    if (!std::isnan(mean)) summary.sum += mean;
  }
  summary.min = acc.min;
  summary.max = acc.max;
  return summary;
}

// ---- Encoding -------------------------------------------------------------------------------

Status CheckSamples(std::span<const Timestamp> times, std::size_t values,
                    std::span<const Quality> qualities) {
  if (times.empty()) return Status::InvalidArgument("chunk: no samples");
  if (times.size() > kMaxChunkSamples) {
    return Status::InvalidArgument("chunk: " + std::to_string(times.size()) +
                                   " samples exceed the limit of " + std::to_string(kMaxChunkSamples));
  }
  if (values != times.size() || (!qualities.empty() && qualities.size() != times.size())) {
    return Status::InvalidArgument("chunk: columns differ in length");
  }
  for (std::size_t i = 1; i < times.size(); ++i) {
    if (times[i] < times[i - 1]) {
      return Status::InvalidArgument("chunk: timestamps decrease at index " + std::to_string(i) + " (" +
                                     std::to_string(times[i]) + " after " + std::to_string(times[i - 1]) +
                                     ")");
    }
  }
  for (std::size_t i = 0; i < qualities.size(); ++i) {
    if (static_cast<std::uint8_t>(qualities[i]) > static_cast<std::uint8_t>(Quality::kBad)) {
      return Status::InvalidArgument("chunk: invalid quality at index " + std::to_string(i));
    }
  }
  return Status::Ok();
}

bool AllGood(std::span<const Quality> qualities) {
  for (const Quality q : qualities) {
    if (q != Quality::kGood) return false;
  }
  return true;
}

void AppendVarint(std::uint64_t v, std::vector<std::uint8_t>& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

void EncodeQualities(std::span<const Quality> qualities, std::vector<std::uint8_t>& out) {
  for (std::size_t i = 0; i < qualities.size();) {
    std::size_t end = i + 1;
    while (end < qualities.size() && qualities[end] == qualities[i]) ++end;
    out.push_back(static_cast<std::uint8_t>(qualities[i]));
    AppendVarint(end - i, out);
    i = end;
  }
}

void EncodeRaw(std::span<const double> values, std::vector<std::uint8_t>& out) {
  const std::size_t at = out.size();
  out.resize(at + 8 * values.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    PutLe(out, at + 8 * i, std::bit_cast<std::uint64_t>(values[i]), 8);
}

// Appends the value column; returns the codec used.
Result<ValueCodec> EncodeScalarValues(std::span<const double> values, const ChunkOptions& options,
                                      std::vector<std::uint8_t>& out) {
  if (options.resolution != 0) {
    if (!(options.resolution > 0) || !std::isfinite(options.resolution)) {
      return Status::InvalidArgument("chunk: resolution must be 0 (none) or finite and positive");
    }
    const Status quantized = EncodeQuantized(values, options.resolution, out);
    if (quantized.ok()) return ValueCodec::kQuantized;
    if (quantized.code() != StatusCode::kOutOfRange) return quantized;
  }
  const std::size_t at = out.size();
  MW_RETURN_IF_ERROR(EncodeGorilla(values, out));
  if (out.size() - at <= 8 * values.size()) return ValueCodec::kGorilla;
  out.resize(at);
  EncodeRaw(values, out);
  return ValueCodec::kRaw;
}

// Lays out header, columns and checksum. `encode_values` appends the value column and returns its
// codec.
template <typename EncodeValues>
Result<std::vector<std::uint8_t>> Assemble(SeriesId series, std::span<const Timestamp> times,
                                           std::span<const Quality> qualities, const ChunkSummary& summary,
                                           EncodeValues&& encode_values) {
  std::vector<std::uint8_t> out(kChunkHeaderSize);
  MW_RETURN_IF_ERROR(EncodeTimestamps(times, out));
  const std::size_t time_bytes = out.size() - kChunkHeaderSize;
  Result<ValueCodec> value_codec = encode_values(out);
  if (!value_codec.ok()) return value_codec.status();
  const std::size_t value_bytes = out.size() - kChunkHeaderSize - time_bytes;
  const bool all_good = AllGood(qualities);
  if (!all_good) EncodeQualities(qualities, out);
  const std::size_t quality_bytes = out.size() - kChunkHeaderSize - time_bytes - value_bytes;

  for (std::size_t i = 0; i < 4; ++i) out[i] = kMagic[i];
  out[kOffVersion] = kChunkFormatVersion;
  out[kOffTimeCodec] = static_cast<std::uint8_t>(TimeCodec::kDeltaOfDelta);
  out[kOffValueCodec] = static_cast<std::uint8_t>(*value_codec);
  out[kOffQualityCodec] =
      static_cast<std::uint8_t>(all_good ? QualityCodec::kAllGood : QualityCodec::kRunLength);
  PutLe(out, kOffSeries, series, 4);
  PutLe(out, kOffCount, times.size(), 4);
  PutLe(out, kOffFirstTime, static_cast<std::uint64_t>(times.front()), 8);
  PutLe(out, kOffLastTime, static_cast<std::uint64_t>(times.back()), 8);
  PutLe(out, kOffMin, std::bit_cast<std::uint64_t>(summary.min), 8);
  PutLe(out, kOffMax, std::bit_cast<std::uint64_t>(summary.max), 8);
  PutLe(out, kOffSum, std::bit_cast<std::uint64_t>(summary.sum), 8);
  PutLe(out, kOffFirstValue, std::bit_cast<std::uint64_t>(summary.first), 8);
  PutLe(out, kOffLastValue, std::bit_cast<std::uint64_t>(summary.last), 8);
  PutLe(out, kOffTimeBytes, time_bytes, 4);
  PutLe(out, kOffValueBytes, value_bytes, 4);
  PutLe(out, kOffQualityBytes, quality_bytes, 4);
  const std::uint32_t crc = Crc32c(out);
  out.resize(out.size() + kChunkChecksumSize);
  PutLe(out, out.size() - kChunkChecksumSize, crc, 4);
  return out;
}

// ---- Decoding -------------------------------------------------------------------------------

std::string Hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// Names the chunk in errors by what it claims to be: the header may be the corrupt part.
Status ChunkCorruption(std::span<const std::uint8_t> bytes, std::string_view label, const std::string& what) {
  std::string name = "series '" + std::string(label) + "', chunk ";
  if (bytes.size() >= kOffFirstTime + 8) {
    name += "starting " + FormatRfc3339(static_cast<Timestamp>(GetLe(bytes, kOffFirstTime, 8))) +
            " (as stored), ";
  }
  name += std::to_string(bytes.size()) + " bytes: " + what;
  return Status::Corruption(std::move(name));
}

struct Columns {
  std::span<const std::uint8_t> times;
  std::span<const std::uint8_t> values;
  std::span<const std::uint8_t> qualities;
};

// Checksum first, so that any damaged byte reads as a checksum error; then the header fields.
Status ParseHeader(std::span<const std::uint8_t> bytes, std::string_view label, ChunkHeader& header,
                   Columns& columns) {
  if (bytes.size() < kMinChunkSize) {
    return ChunkCorruption(bytes, label,
                           "truncated: a chunk has at least " + std::to_string(kMinChunkSize) + " bytes");
  }
  const std::size_t body = bytes.size() - kChunkChecksumSize;
  const std::uint64_t time_bytes = GetLe(bytes, kOffTimeBytes, 4);
  const std::uint64_t value_bytes = GetLe(bytes, kOffValueBytes, 4);
  const std::uint64_t quality_bytes = GetLe(bytes, kOffQualityBytes, 4);
  const std::uint64_t declared = kMinChunkSize + time_bytes + value_bytes + quality_bytes;
  const auto stored_crc = static_cast<std::uint32_t>(GetLe(bytes, body, 4));
  const std::uint32_t crc = Crc32c(bytes.first(body));
  if (crc != stored_crc) {
    std::string what = "checksum mismatch (stored " + Hex32(stored_crc) + ", computed " + Hex32(crc) + ")";
    if (declared != bytes.size())
      what += "; header declares " + std::to_string(declared) + " bytes (truncated?)";
    return ChunkCorruption(bytes, label, what);
  }
  if (!std::equal(kMagic, kMagic + 4, bytes.begin()))
    return ChunkCorruption(bytes, label, "not a chunk (bad magic)");
  header.version = bytes[kOffVersion];
  if (header.version != kChunkFormatVersion) {
    return ChunkCorruption(bytes, label, "unsupported format version " + std::to_string(header.version));
  }
  if (bytes[kOffTimeCodec] != static_cast<std::uint8_t>(TimeCodec::kDeltaOfDelta)) {
    return ChunkCorruption(bytes, label, "unknown timestamp codec " + std::to_string(bytes[kOffTimeCodec]));
  }
  if (bytes[kOffValueCodec] > static_cast<std::uint8_t>(ValueCodec::kFrame)) {
    return ChunkCorruption(bytes, label, "unknown value codec " + std::to_string(bytes[kOffValueCodec]));
  }
  if (bytes[kOffQualityCodec] > static_cast<std::uint8_t>(QualityCodec::kRunLength)) {
    return ChunkCorruption(bytes, label, "unknown quality codec " + std::to_string(bytes[kOffQualityCodec]));
  }
  header.time_codec = TimeCodec::kDeltaOfDelta;
  header.value_codec = static_cast<ValueCodec>(bytes[kOffValueCodec]);
  header.quality_codec = static_cast<QualityCodec>(bytes[kOffQualityCodec]);
  header.series = static_cast<SeriesId>(GetLe(bytes, kOffSeries, 4));
  const std::uint64_t count = GetLe(bytes, kOffCount, 4);
  if (count == 0 || count > kMaxChunkSamples) {
    return ChunkCorruption(bytes, label, "sample count " + std::to_string(count) + " out of range");
  }
  header.first_time = static_cast<Timestamp>(GetLe(bytes, kOffFirstTime, 8));
  header.last_time = static_cast<Timestamp>(GetLe(bytes, kOffLastTime, 8));
  if (header.last_time < header.first_time)
    return ChunkCorruption(bytes, label, "last time before first time");
  header.summary = {static_cast<std::uint32_t>(count), GetDouble(bytes, kOffMin),
                    GetDouble(bytes, kOffMax),         GetDouble(bytes, kOffSum),
                    GetDouble(bytes, kOffFirstValue),  GetDouble(bytes, kOffLastValue)};
  if (declared != bytes.size()) {
    return ChunkCorruption(
        bytes, label,
        "column sizes add up to " + std::to_string(declared) + " bytes, not " + std::to_string(bytes.size()));
  }
  columns.times = bytes.subspan(kChunkHeaderSize, time_bytes);
  columns.values = bytes.subspan(kChunkHeaderSize + time_bytes, value_bytes);
  columns.qualities = bytes.subspan(kChunkHeaderSize + time_bytes + value_bytes, quality_bytes);
  if (header.quality_codec == QualityCodec::kAllGood && quality_bytes != 0) {
    return ChunkCorruption(bytes, label, "quality bytes present in an all-good chunk");
  }
  header.frame_shape = {};
  if (header.value_codec == ValueCodec::kFrame) {
    Result<FrameShape> shape = ReadFrameShape(columns.values);
    if (!shape.ok()) return ChunkCorruption(bytes, label, shape.status().message());
    header.frame_shape = *shape;
  }
  return Status::Ok();
}

Status DecodeRaw(std::span<const std::uint8_t> column, std::size_t count, std::vector<double>& out) {
  if (column.size() != 8 * count) return Status::Corruption("raw column: size is not 8 bytes a value");
  out.resize(count);
  for (std::size_t i = 0; i < count; ++i) out[i] = GetDouble(column, 8 * i);
  return Status::Ok();
}

Status DecodeQualities(std::span<const std::uint8_t> column, std::size_t count, std::vector<Quality>& out) {
  out.clear();
  std::size_t at = 0;
  while (at < column.size()) {
    const std::uint8_t quality = column[at++];
    if (quality > static_cast<std::uint8_t>(Quality::kBad))
      return Status::Corruption("quality column: bad quality");
    std::uint64_t run = 0;
    int shift = 0;
    for (;;) {
      if (at == column.size() || shift > 28) return Status::Corruption("quality column: bad run length");
      const std::uint8_t byte = column[at++];
      run |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      shift += 7;
      if ((byte & 0x80) == 0) break;
    }
    if (run == 0 || run > count - out.size()) return Status::Corruption("quality column: runs do not add up");
    out.insert(out.end(), run, static_cast<Quality>(quality));
  }
  if (out.size() != count) return Status::Corruption("quality column: runs do not add up");
  return Status::Ok();
}

Status DecodeColumns(const ChunkHeader& header, const Columns& columns, DecodedChunk& chunk) {
  const std::size_t count = header.summary.count;
  MW_RETURN_IF_ERROR(DecodeTimestamps(columns.times, count, chunk.times));
  for (std::size_t i = 1; i < count; ++i) {
    if (chunk.times[i] < chunk.times[i - 1]) return Status::Corruption("timestamps decrease");
  }
  if (chunk.times.front() != header.first_time || chunk.times.back() != header.last_time) {
    return Status::Corruption("timestamps disagree with the header");
  }
  switch (header.value_codec) {
    case ValueCodec::kRaw:
      MW_RETURN_IF_ERROR(DecodeRaw(columns.values, count, chunk.values));
      break;
    case ValueCodec::kGorilla:
      MW_RETURN_IF_ERROR(DecodeGorilla(columns.values, count, chunk.values));
      break;
    case ValueCodec::kQuantized:
      MW_RETURN_IF_ERROR(DecodeQuantized(columns.values, count, chunk.values));
      break;
    case ValueCodec::kFrame: {
      FrameShape shape;
      MW_RETURN_IF_ERROR(DecodeFrames(columns.values, count, shape, chunk.frames));
      break;
    }
  }
  if (header.quality_codec == QualityCodec::kAllGood) {
    chunk.qualities.assign(count, Quality::kGood);
    return Status::Ok();
  }
  return DecodeQualities(columns.qualities, count, chunk.qualities);
}

}  // namespace

Result<std::vector<std::uint8_t>> EncodeChunk(SeriesId series, std::span<const Timestamp> times,
                                              std::span<const double> values,
                                              std::span<const Quality> qualities,
                                              const ChunkOptions& options) {
  MW_RETURN_IF_ERROR(CheckSamples(times, values.size(), qualities));
  return Assemble(series, times, qualities, ScalarSummary(values),
                  [&](std::vector<std::uint8_t>& out) { return EncodeScalarValues(values, options, out); });
}

Result<std::vector<std::uint8_t>> EncodeFrameChunk(SeriesId series, std::span<const Timestamp> times,
                                                   FrameShape shape, std::span<const float> elements,
                                                   std::span<const Quality> qualities) {
  const std::size_t per_frame = shape.elements();
  if (per_frame == 0 || elements.size() % per_frame != 0) {
    return Status::InvalidArgument("chunk: frame elements do not match the shape");
  }
  MW_RETURN_IF_ERROR(CheckSamples(times, elements.size() / per_frame, qualities));
  return Assemble(series, times, qualities, FrameSummary(elements, times.size(), per_frame),
                  [&](std::vector<std::uint8_t>& out) -> Result<ValueCodec> {
                    MW_RETURN_IF_ERROR(EncodeFrames(shape, elements, out));
                    return ValueCodec::kFrame;
                  });
}

Result<ChunkHeader> DecodeChunkHeader(std::span<const std::uint8_t> bytes, std::string_view series_label) {
  ChunkHeader header;
  Columns columns;
  MW_RETURN_IF_ERROR(ParseHeader(bytes, series_label, header, columns));
  return header;
}

Result<DecodedChunk> DecodeChunk(std::span<const std::uint8_t> bytes, std::string_view series_label) {
  DecodedChunk chunk;
  Columns columns;
  MW_RETURN_IF_ERROR(ParseHeader(bytes, series_label, chunk.header, columns));
  if (Status s = DecodeColumns(chunk.header, columns, chunk); !s.ok()) {
    return ChunkCorruption(bytes, series_label, s.message());
  }
  return chunk;
}

}  // namespace mw::storage::codec
