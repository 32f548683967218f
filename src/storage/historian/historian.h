// Historian: the embedded, durable, compressed SeriesStore (the default store of `millwright serve`).
//
// Data path: Append() encodes the batch as one write-ahead-log record (storage/wal) and returns
// once that record is durable as HistorianOptions::sync says; the samples then go to an in-memory
// head chunk per series. A head that reaches chunk_samples (or spans chunk_span) is closed at the
// end of that record, encoded (storage/codec) and written, with its summary, into SQLite by a
// background flusher; the WAL is trimmed once every record in a segment is in SQLite.
// On Open() the WAL is replayed: every sample appended before a crash is back exactly once.
//
// Series ids: the historian keeps the series catalog (asset path, signal, unit) in SQLite and, on
// Open(), interns every stored series into the given Catalog in stored-id order, so that the
// catalog's ids are the stored ids. Open() therefore needs a Catalog that is empty or was filled
// by the same sequence; it fails with FailedPrecondition otherwise.
//
// Late data: a sample older than the series' newest time by more than late_window is rejected
// (counted in mw_historian_late_rejected_total, reason logged once per series per minute); anything
// newer is accepted and merged (chunks of one series may overlap in time; queries merge them).
//
// Thread-safety: Append() may run on several threads at once, never for the same series at once
// (the runtime's contract); every query may run from any thread at any time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/catalog.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "core/status.h"
#include "core/types.h"
#include "pipeline/store.h"
#include "storage/codec/frame_codec.h"

namespace mw::storage {

enum class SyncMode {
  kSync,   // Append returns after the fdatasync (group commit) that covers its record: nothing
           // acknowledged is lost, not even on power loss.
  kAsync,  // Append returns after write(): survives a process crash (kill -9); a power loss may
           // lose up to commit_interval.
};

// How long raw data and its rollups are kept, for one class of series (0 = forever).
struct RetentionClass {
  std::string name;
  Timestamp raw = 0;
  Timestamp rollup_1m = 0;
  Timestamp rollup_1h = 0;
};

// What the historian needs to know about a series beyond its name.
struct SeriesSettings {
  double resolution = 0;        // > 0: values are multiples of it (stored quantized, lossless)
  std::string retention_class;  // empty: keep everything
};

struct HistorianOptions {
  std::string dir;  // created if missing
  SyncMode sync = SyncMode::kSync;
  std::chrono::microseconds commit_interval{1000};  // group commit gathers records this long
  std::size_t wal_segment_bytes = std::size_t{64} << 20;
  std::size_t chunk_samples = 7200;                   // a head closes at this many samples...
  Timestamp chunk_span = 2 * 3600 * kNanosPerSecond;  // ...or when it spans this long
  Timestamp late_window = 3600 * kNanosPerSecond;
  std::size_t max_points = 1'000'000;     // raw points one query may return
  std::size_t max_buckets = 100'000;      // buckets one query may return
  std::vector<RetentionClass> retention;  // by name; series without a class keep everything
  // Asked for the settings of each series when the historian first meets it (and at Open() for
  // stored ones, so that a changed configuration applies). Called from appending threads: must
  // be thread-safe. Empty: DeclareSeries() is the only way to set them.
  std::function<SeriesSettings(const SeriesInfo&)> settings;
};

using pipeline::Bucket;
using pipeline::Frame;
using pipeline::FrameSelect;

struct HistorianStats {
  std::uint64_t series = 0;
  std::uint64_t chunks = 0;
  std::uint64_t stored_samples = 0;  // in chunks
  std::uint64_t head_samples = 0;    // in memory, in the WAL
  std::uint64_t chunk_bytes = 0;     // encoded chunk bytes in SQLite
  std::uint64_t disk_bytes = 0;      // every file of the data folder
};

class Historian final : public pipeline::SeriesStore {
 public:
  static Result<std::unique_ptr<Historian>> Open(const HistorianOptions& options, Catalog& catalog,
                                                 MetricsRegistry& metrics, const Clock& clock);
  ~Historian() override;  // Close()s

  // SeriesStore.
  Status Append(const Batch& batch) override;
  Status AppendEvents(const std::vector<Event>& events) override;
  std::optional<pipeline::Point> Latest(SeriesId id) const override;
  Status Range(SeriesId id, Timestamp from, Timestamp to, std::size_t limit,
               std::vector<pipeline::Point>& out) const override;
  std::vector<Event> RecentEvents(std::size_t limit) const override;

  // Declares the value resolution (quantized codec) and retention class of a series. Call before
  // its first sample; may be called again (applies to chunks closed afterwards).
  Status DeclareSeries(SeriesId id, double resolution, const std::string& retention_class);

  // One frame of a frame series (a series whose samples are fixed-shape float arrays).
  Status AppendFrame(SeriesId id, Timestamp time, codec::FrameShape shape, std::span<const float> elements);
  Status AppendFrame(SeriesId id, Timestamp time, std::uint32_t rows, std::uint32_t cols,
                     std::span<const float> elements) override {
    return AppendFrame(id, time, codec::FrameShape{rows, cols}, elements);
  }

  // Buckets of `step` over [from, to), aligned to multiples of step since the epoch; empty buckets
  // are left out. ResourceExhausted when (to - from) / step > max_buckets. Whole chunks inside one
  // bucket are added by their summary; where raw data has expired, rollups answer.
  Status Buckets(SeriesId id, Timestamp from, Timestamp to, Timestamp step,
                 std::vector<Bucket>& out) const override;
  // Largest-Triangle-Three-Buckets downsample of [from, to] to at most `points` points
  // (ResourceExhausted when the range holds more than max_points).
  Status Lttb(SeriesId id, Timestamp from, Timestamp to, std::size_t points,
              std::vector<pipeline::Point>& out) const override;
  // Latest point of each id (nullopt where a series has none), in the order given.
  void LatestMany(std::span<const SeriesId> ids, std::vector<std::optional<pipeline::Point>>& out) const;
  // A frame by time, or by its index in the series.
  Result<Frame> FrameAt(SeriesId id, Timestamp t, FrameSelect select) const override;
  Result<Frame> FrameByIndex(SeriesId id, std::uint64_t index) const override;

  // Closes every head chunk, writes it to SQLite and trims the WAL (shutdown, tests, benchmarks).
  Status Flush();
  // Merges small or overlapping chunks of each series into full ones, then VACUUMs SQLite.
  Status Compact();
  // Applies retention and builds rollups once, now (the background job calls this periodically).
  Status RunMaintenance();
  // Stops the background threads and flushes. Idempotent.
  Status Close();

  HistorianStats Stats() const;

 private:
  class Impl;
  explicit Historian(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mw::storage
