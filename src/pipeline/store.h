// SeriesStore: where the runtime puts every accepted sample and event, and what the API reads.
//
// The live cache (memory only) implements it today; the historian implements the same interface.
// Contract: Append() may be called from several threads at once, but never concurrently for the
// same series (the runtime routes each asset to exactly one worker). Readers may run at any time
// from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace mw::pipeline {

struct Point {
  Timestamp time = 0;
  double value = 0;
  Quality quality = Quality::kGood;
};

// One bucket of a downsampled range: [start, start + step). min, max and sum skip NaN; first and
// last are the values at the earliest and latest times in the bucket.
struct Bucket {
  Timestamp start = 0;
  std::uint64_t count = 0;
  double min = 0, max = 0, sum = 0, first = 0, last = 0;
};

// One frame of a frame series (a fixed-shape float array per sample, e.g. a thermal image).
struct Frame {
  Timestamp time = 0;
  std::uint64_t index = 0;  // 0-based position of the frame in its series
  std::uint32_t rows = 0;
  std::uint32_t cols = 0;
  std::vector<float> elements;  // rows * cols, row-major
};

// kAt: the newest frame at or before t; kBefore: the newest strictly before t; kAfter: the oldest
// strictly after t.
enum class FrameSelect { kAt, kBefore, kAfter };

class SeriesStore {
 public:
  virtual ~SeriesStore() = default;
  virtual Status Append(const Batch& batch) = 0;
  virtual Status AppendEvents(const std::vector<Event>& events) = 0;
  // One frame (rows x cols floats, row-major) of a frame series, from the one thread that writes
  // that series. A store that keeps only recent scalars answers FailedPrecondition.
  virtual Status AppendFrame(SeriesId id, Timestamp time, std::uint32_t rows, std::uint32_t cols,
                             std::span<const float> elements);
  virtual std::optional<Point> Latest(SeriesId id) const = 0;
  // Points with from <= time <= to, in time order, at most `limit` (the newest ones if more).
  virtual Status Range(SeriesId id, Timestamp from, Timestamp to, std::size_t limit,
                       std::vector<Point>& out) const = 0;
  // The newest events, newest last, at most `limit`.
  virtual std::vector<Event> RecentEvents(std::size_t limit) const = 0;

  // History queries. A store that keeps only recent data in memory answers FailedPrecondition.
  // Buckets of `step` over [from, to), aligned to multiples of step since the epoch, empty ones
  // left out; ResourceExhausted when the request exceeds the store's bucket cap.
  virtual Status Buckets(SeriesId id, Timestamp from, Timestamp to, Timestamp step,
                         std::vector<Bucket>& out) const;
  // Largest-Triangle-Three-Buckets downsample of [from, to] to at most `points` points.
  virtual Status Lttb(SeriesId id, Timestamp from, Timestamp to, std::size_t points,
                      std::vector<Point>& out) const;
  virtual Result<Frame> FrameAt(SeriesId id, Timestamp t, FrameSelect select) const;
  virtual Result<Frame> FrameByIndex(SeriesId id, std::uint64_t index) const;
};

}  // namespace mw::pipeline
