// ChunkStore: the historian's SQLite file (WAL mode): the series catalog, the chunk index with
// each chunk's summary and encoded bytes, rollups, events and a few meta values.
// Schema: docs/storage-format.md ("Catalog").
//
// SQLite is the index and the container; the sample bytes inside each blob are ours
// (storage/codec). Writes go through one connection behind a mutex (the historian's flusher and
// maintenance are the only writers); reads take a connection from a pool, so queries from many
// threads run side by side (WAL mode lets readers proceed while the writer commits).
// Every method is thread-safe. Errors are IoError/Corruption naming the file and SQLite's reason.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/types.h"
#include "storage/codec/chunk.h"
#include "storage/historian/wal_records.h"

struct sqlite3;

namespace mw::storage::historian {

struct StoredSeries {
  SeriesDef def;
  double resolution = 0;
  std::string retention_class;
  std::uint64_t flushed_lsn = 0;  // every sample of this series in records <= this is in a chunk
};

struct ChunkRow {
  std::int64_t id = 0;
  std::uint32_t series = 0;  // stored id
  Timestamp first_time = 0;
  Timestamp last_time = 0;
  codec::ChunkSummary summary;
  std::uint64_t first_index = 0;  // frame series: index of the chunk's first frame
  bool rolled_up = false;
  std::vector<std::uint8_t> data;  // empty unless asked for
};

// What the flusher writes in one transaction.
struct ChunkWrite {
  ChunkRow row;                   // with data
  std::uint64_t flushed_lsn = 0;  // the series' flushed_lsn after this chunk; 0 = unchanged
};

enum class RollupLevel : std::int64_t { kMinute = 60, kHour = 3600 };

struct RollupRow {
  std::uint32_t series = 0;
  RollupLevel level = RollupLevel::kMinute;
  std::int64_t chunk_id = 0;  // the raw chunk it was computed from
  Timestamp first_time = 0;   // start of its first bucket
  Timestamp last_time = 0;    // start of its last bucket
  std::vector<std::uint8_t> data;
};

class ChunkStore {
 public:
  // Opens or creates `path` and its schema. FailedPrecondition if the file is of a newer format.
  static Result<std::unique_ptr<ChunkStore>> Open(const std::string& path);
  ~ChunkStore();
  ChunkStore(const ChunkStore&) = delete;
  ChunkStore& operator=(const ChunkStore&) = delete;

  Result<std::vector<StoredSeries>> LoadSeries() const;
  // Inserts the series, or updates resolution and retention class of an existing one.
  Status PutSeries(const StoredSeries& series);
  Result<std::int64_t> MaxChunkId() const;

  // Inserts chunks, updates flushed LSNs, and inserts events, in one transaction.
  Status Write(std::span<const ChunkWrite> chunks, std::span<const Event> events, std::uint64_t events_lsn);

  // Chunks of `series` with last_time >= from and first_time <= to, ordered by first_time.
  Status ReadChunks(std::uint32_t series, Timestamp from, Timestamp to, bool with_data,
                    std::vector<ChunkRow>& out) const;
  // The chunk holding frame `index` of a frame series.
  Result<std::optional<ChunkRow>> ChunkWithIndex(std::uint32_t series, std::uint64_t index) const;
  // With data: the chunk with the greatest first_time <= t (after = false), or the one with the
  // smallest first_time whose last_time > t (after = true). For frame series, whose chunks never
  // overlap.
  Result<std::optional<ChunkRow>> ChunkNear(std::uint32_t series, Timestamp t, bool after) const;
  // The chunk with the greatest last_time, with data.
  Result<std::optional<ChunkRow>> LastChunk(std::uint32_t series) const;
  // Chunk counts and byte totals.
  Status Totals(std::uint64_t& chunks, std::uint64_t& samples, std::uint64_t& bytes) const;

  // Compaction: deletes `old_ids` (and their rollups) and inserts `replacement`, in one transaction.
  Status ReplaceChunks(std::span<const std::int64_t> old_ids, std::span<const ChunkRow> replacement);

  // Retention.
  Status DeleteChunksBefore(std::uint32_t series, Timestamp before, bool only_rolled_up,
                            std::uint64_t& deleted);
  Status DeleteRollupsBefore(std::uint32_t series, RollupLevel level, Timestamp before);
  // Chunks not rolled up yet (ids and series only), at most `limit`.
  Status ChunksToRollUp(std::size_t limit, std::vector<ChunkRow>& out) const;
  Result<ChunkRow> ReadChunk(std::int64_t id) const;
  // Stores the rollups of one chunk and marks it rolled up.
  Status PutRollups(std::int64_t chunk_id, std::span<const RollupRow> rollups);
  Status ReadRollups(std::uint32_t series, RollupLevel level, Timestamp from, Timestamp to,
                     std::vector<RollupRow>& out) const;

  // Events, newest last.
  Status RecentEvents(std::size_t limit, std::vector<Event>& out) const;  // series = stored id
  Result<std::uint64_t> EventsLsn() const;

  Status Vacuum();
  const std::string& path() const { return path_; }

 private:
  class Connection;
  ChunkStore(std::string path, std::unique_ptr<Connection> writer);
  // A pooled reader connection, returned on destruction.
  class Lease;
  Result<Lease> Reader() const;

  std::string path_;
  std::mutex write_mu_;
  std::unique_ptr<Connection> writer_;
  mutable std::mutex pool_mu_;
  mutable std::vector<std::unique_ptr<Connection>> pool_;
};

}  // namespace mw::storage::historian
