// The historian's write-ahead-log payloads: what one WAL record (storage/wal) carries.
//
// Four record types, each a little-endian payload (byte layout in docs/storage-format.md):
//   kSeriesDef  the stored id of a series and its names, logged before the series' first sample
//               so that a replay can name every series it meets;
//   kSamples    one batch of samples, columnar: n, then n stored ids, n times, n values,
//               n qualities;
//   kEvents     a list of events;
//   kFrame      one frame (a fixed-shape float32 array) of one series.
// Encoders append to a caller's buffer (or describe the parts of a zero-copy record); decoders
// validate every length against the payload and never read outside it: every failure is
// Corruption with the record's LSN and what was wrong. Pure functions, thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/types.h"
#include "storage/codec/frame_codec.h"

namespace mw::storage::historian {

enum class RecordType : std::uint8_t { kSeriesDef = 1, kSamples = 2, kEvents = 3, kFrame = 4 };

enum class SeriesKind : std::uint8_t { kScalar = 0, kFrame = 1 };

struct SeriesDef {
  std::uint32_t stored_id = 0;
  std::string asset;
  std::string signal;
  std::string unit;
  SeriesKind kind = SeriesKind::kScalar;
};

// A decoded kSamples record: views into the payload would be unaligned, so columns are copied.
struct SamplesRecord {
  std::vector<std::uint32_t> series;  // stored ids
  std::vector<Timestamp> times;
  std::vector<double> values;
  std::vector<Quality> qualities;
};

struct FrameRecord {
  std::uint32_t stored_id = 0;
  Timestamp time = 0;
  codec::FrameShape shape;
  std::vector<float> elements;
};

// Names, units and messages longer than this are cut by the encoders (and rejected by decoders).
inline constexpr std::size_t kMaxRecordString = 4096;

void EncodeSeriesDef(const SeriesDef& def, std::vector<std::uint8_t>& out);
Result<SeriesDef> DecodeSeriesDef(std::span<const std::uint8_t> payload);

// The 4-byte header of a kSamples record of `n` samples; the record is then the header followed
// by the raw little-endian columns (series ids, times, values, qualities), which callers pass as
// separate parts to the WAL writer without copying them.
std::array<std::uint8_t, 4> SamplesHeader(std::uint32_t n);
Status DecodeSamples(std::span<const std::uint8_t> payload, SamplesRecord& out);

void EncodeEvents(std::span<const Event> events, std::span<const std::uint32_t> stored_ids,
                  std::vector<std::uint8_t>& out);
// Events come back with `series` holding the stored id.
Status DecodeEvents(std::span<const std::uint8_t> payload, std::vector<Event>& out);

void EncodeFrame(std::uint32_t stored_id, Timestamp time, codec::FrameShape shape,
                 std::span<const float> elements, std::vector<std::uint8_t>& out);
Result<FrameRecord> DecodeFrame(std::span<const std::uint8_t> payload);

}  // namespace mw::storage::historian
