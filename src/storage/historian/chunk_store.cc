#include "storage/historian/chunk_store.h"

#include <sqlite3.h>

#include <unordered_map>
#include <utility>

#include <fmt/format.h>

namespace mw::storage::historian {
namespace {

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS series(
  id INTEGER PRIMARY KEY,
  asset TEXT NOT NULL,
  signal TEXT NOT NULL,
  unit TEXT NOT NULL DEFAULT '',
  kind INTEGER NOT NULL DEFAULT 0,
  resolution REAL NOT NULL DEFAULT 0,
  retention_class TEXT NOT NULL DEFAULT '',
  flushed_lsn INTEGER NOT NULL DEFAULT 0,
  UNIQUE(asset, signal));
CREATE TABLE IF NOT EXISTS chunks(
  id INTEGER PRIMARY KEY,
  series INTEGER NOT NULL,
  first_time INTEGER NOT NULL,
  last_time INTEGER NOT NULL,
  count INTEGER NOT NULL,
  min REAL, max REAL, sum REAL, first REAL, last REAL,
  first_index INTEGER NOT NULL DEFAULT 0,
  rolled_up INTEGER NOT NULL DEFAULT 0,
  data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_series_time ON chunks(series, last_time, first_time);
CREATE INDEX IF NOT EXISTS chunks_to_roll_up ON chunks(rolled_up) WHERE rolled_up = 0;
CREATE TABLE IF NOT EXISTS rollups(
  series INTEGER NOT NULL,
  level INTEGER NOT NULL,
  first_time INTEGER NOT NULL,
  chunk_id INTEGER NOT NULL,
  last_time INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY(series, level, first_time, chunk_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rollups_by_chunk ON rollups(chunk_id);
CREATE TABLE IF NOT EXISTS events(
  id INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  series INTEGER NOT NULL,
  value REAL, score REAL,
  source TEXT NOT NULL,
  message TEXT NOT NULL);
)sql";

// SQLite stores NaN as NULL; read NULL back as NaN so summaries of all-NaN chunks survive.
double ColumnDouble(sqlite3_stmt* s, int col) {
  if (sqlite3_column_type(s, col) == SQLITE_NULL) return std::numeric_limits<double>::quiet_NaN();
  return sqlite3_column_double(s, col);
}

}  // namespace

// One SQLite connection with its prepared statements, used by one thread at a time.
class ChunkStore::Connection {
 public:
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool writer) {
    sqlite3* db = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    auto conn = std::unique_ptr<Connection>(new Connection(path, db));
    if (rc != SQLITE_OK) return Status::IoError(fmt::format("{}: cannot open: {}", path, conn->Error()));
    sqlite3_busy_timeout(db, 10000);
    // 16 KiB pages: a chunk blob is 2-5 KB; with 4 KiB pages each row sat alone in a page and
    // wasted about half of it, while 64 KiB pages cost a mostly empty page per small table (measured
    // in bench/historian: 4 KiB 1.19, 64 KiB 0.83, 16 KiB 0.75 bytes/sample). Applies when the file
    // is created; VACUUM keeps it.
    if (writer) MW_RETURN_IF_ERROR(conn->Exec("PRAGMA page_size=16384"));
    MW_RETURN_IF_ERROR(conn->Exec("PRAGMA journal_mode=WAL"));
    // FULL: a committed chunk is on disk before the historian drops the WAL segments holding it.
    MW_RETURN_IF_ERROR(conn->Exec("PRAGMA synchronous=FULL"));
    MW_RETURN_IF_ERROR(conn->Exec("PRAGMA cache_size=-32768"));
    return conn;
  }
  ~Connection() {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }

  std::string Error() const { return db_ ? sqlite3_errmsg(db_) : "out of memory"; }
  Status Fail(std::string_view what) const {
    return Status::IoError(fmt::format("{}: {}: {}", path_, what, Error()));
  }

  Status Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string message = err ? err : Error();
      sqlite3_free(err);
      return Status::IoError(fmt::format("{}: {}: {}", path_, sql, message));
    }
    return Status::Ok();
  }

  // A cached prepared statement, reset and unbound.
  Result<sqlite3_stmt*> Prepare(const char* sql) {
    auto it = statements_.find(sql);
    if (it != statements_.end()) {
      sqlite3_reset(it->second);
      sqlite3_clear_bindings(it->second);
      return it->second;
    }
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
      return Fail(fmt::format("prepare {}", sql));
    }
    statements_.emplace(sql, stmt);
    return stmt;
  }

  // Steps a statement that returns no rows.
  Status Run(sqlite3_stmt* stmt, std::string_view what) {
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) return Fail(what);
    return Status::Ok();
  }

  sqlite3* db() const { return db_; }

 private:
  Connection(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  std::string path_;
  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> statements_;  // keyed by the literal's address
};

class ChunkStore::Lease {
 public:
  Lease(const ChunkStore* store, std::unique_ptr<Connection> conn) : store_(store), conn_(std::move(conn)) {}
  Lease(Lease&&) noexcept = default;
  Lease& operator=(Lease&&) = delete;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease() {
    if (!conn_) return;
    std::lock_guard lock(store_->pool_mu_);
    store_->pool_.push_back(std::move(conn_));
  }
  Connection* operator->() const { return conn_.get(); }

 private:
  const ChunkStore* store_;
  std::unique_ptr<Connection> conn_;
};

namespace {

// Runs `body` inside BEGIN IMMEDIATE ... COMMIT, rolling back on error.
template <typename Conn, typename Body>
Status InTransaction(Conn& conn, Body&& body) {
  MW_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
  Status s = body();
  if (!s.ok()) {
    (void)conn.Exec("ROLLBACK");
    return s;
  }
  return conn.Exec("COMMIT");
}

void ReadRow(sqlite3_stmt* s, bool with_data, ChunkRow& row) {
  row.id = sqlite3_column_int64(s, 0);
  row.series = static_cast<std::uint32_t>(sqlite3_column_int64(s, 1));
  row.first_time = sqlite3_column_int64(s, 2);
  row.last_time = sqlite3_column_int64(s, 3);
  row.summary.count = static_cast<std::uint32_t>(sqlite3_column_int64(s, 4));
  row.summary.min = ColumnDouble(s, 5);
  row.summary.max = ColumnDouble(s, 6);
  row.summary.sum = ColumnDouble(s, 7);
  row.summary.first = ColumnDouble(s, 8);
  row.summary.last = ColumnDouble(s, 9);
  row.first_index = static_cast<std::uint64_t>(sqlite3_column_int64(s, 10));
  row.rolled_up = sqlite3_column_int64(s, 11) != 0;
  row.data.clear();
  if (with_data) {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, 12));
    int n = sqlite3_column_bytes(s, 12);
    if (p && n > 0) row.data.assign(p, p + n);
  }
}

#define MW_CHUNK_COLUMNS \
  "id, series, first_time, last_time, count, min, max, sum, first, last, first_index, rolled_up"

Status InsertChunk(sqlite3_stmt* s, const ChunkRow& row) {
  sqlite3_bind_int64(s, 1, row.id);
  sqlite3_bind_int64(s, 2, row.series);
  sqlite3_bind_int64(s, 3, row.first_time);
  sqlite3_bind_int64(s, 4, row.last_time);
  sqlite3_bind_int64(s, 5, row.summary.count);
  sqlite3_bind_double(s, 6, row.summary.min);
  sqlite3_bind_double(s, 7, row.summary.max);
  sqlite3_bind_double(s, 8, row.summary.sum);
  sqlite3_bind_double(s, 9, row.summary.first);
  sqlite3_bind_double(s, 10, row.summary.last);
  sqlite3_bind_int64(s, 11, static_cast<std::int64_t>(row.first_index));
  sqlite3_bind_int64(s, 12, row.rolled_up ? 1 : 0);
  sqlite3_bind_blob(s, 13, row.data.data(), static_cast<int>(row.data.size()), SQLITE_STATIC);
  return Status::Ok();
}

constexpr const char* kInsertChunk =
    "INSERT INTO chunks(" MW_CHUNK_COLUMNS ", data) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)";

}  // namespace

ChunkStore::ChunkStore(std::string path, std::unique_ptr<Connection> writer)
    : path_(std::move(path)), writer_(std::move(writer)) {}

ChunkStore::~ChunkStore() = default;

Result<std::unique_ptr<ChunkStore>> ChunkStore::Open(const std::string& path) {
  auto writer = Connection::Open(path, /*writer=*/true);
  if (!writer.ok()) return writer.status();
  Connection& w = **writer;
  MW_RETURN_IF_ERROR(w.Exec(kSchema));
  auto version = w.Prepare("SELECT value FROM meta WHERE key = 'schema_version'");
  if (!version.ok()) return version.status();
  if (sqlite3_step(*version) == SQLITE_ROW) {
    auto stored = sqlite3_column_int64(*version, 0);
    sqlite3_reset(*version);
    if (stored > kSchemaVersion) {
      return Status::FailedPrecondition(
          fmt::format("{}: schema version {} is newer than this build's {}", path, stored, kSchemaVersion));
    }
  } else {
    sqlite3_reset(*version);
    MW_RETURN_IF_ERROR(
        w.Exec(fmt::format("INSERT INTO meta VALUES('schema_version', {})", kSchemaVersion).c_str()));
  }
  return std::unique_ptr<ChunkStore>(new ChunkStore(path, std::move(*writer)));
}

Result<ChunkStore::Lease> ChunkStore::Reader() const {
  {
    std::lock_guard lock(pool_mu_);
    if (!pool_.empty()) {
      auto conn = std::move(pool_.back());
      pool_.pop_back();
      return Lease(this, std::move(conn));
    }
  }
  auto conn = Connection::Open(path_, /*writer=*/false);
  if (!conn.ok()) return conn.status();
  return Lease(this, std::move(*conn));
}

Result<std::vector<StoredSeries>> ChunkStore::LoadSeries() const {
  auto lease = Reader();
  if (!lease.ok()) return lease.status();
  auto s = (*lease)->Prepare(
      "SELECT id, asset, signal, unit, kind, resolution, retention_class, flushed_lsn FROM series ORDER BY "
      "id");
  if (!s.ok()) return s.status();
  std::vector<StoredSeries> out;
  int rc;
  while ((rc = sqlite3_step(*s)) == SQLITE_ROW) {
    StoredSeries series;
    series.def.stored_id = static_cast<std::uint32_t>(sqlite3_column_int64(*s, 0));
    series.def.asset = reinterpret_cast<const char*>(sqlite3_column_text(*s, 1));
    series.def.signal = reinterpret_cast<const char*>(sqlite3_column_text(*s, 2));
    series.def.unit = reinterpret_cast<const char*>(sqlite3_column_text(*s, 3));
    series.def.kind = sqlite3_column_int64(*s, 4) == 1 ? SeriesKind::kFrame : SeriesKind::kScalar;
    series.resolution = sqlite3_column_double(*s, 5);
    series.retention_class = reinterpret_cast<const char*>(sqlite3_column_text(*s, 6));
    series.flushed_lsn = static_cast<std::uint64_t>(sqlite3_column_int64(*s, 7));
    out.push_back(std::move(series));
  }
  sqlite3_reset(*s);
  if (rc != SQLITE_DONE) return (*lease)->Fail("read series");
  return out;
}

Status ChunkStore::PutSeries(const StoredSeries& series) {
  std::lock_guard lock(write_mu_);
  auto s = writer_->Prepare(
      "INSERT INTO series(id, asset, signal, unit, kind, resolution, retention_class) VALUES(?,?,?,?,?,?,?) "
      "ON CONFLICT(id) DO UPDATE SET resolution = excluded.resolution, "
      "retention_class = excluded.retention_class, unit = excluded.unit");
  if (!s.ok()) return s.status();
  const SeriesDef& d = series.def;
  sqlite3_bind_int64(*s, 1, d.stored_id);
  sqlite3_bind_text(*s, 2, d.asset.data(), static_cast<int>(d.asset.size()), SQLITE_STATIC);
  sqlite3_bind_text(*s, 3, d.signal.data(), static_cast<int>(d.signal.size()), SQLITE_STATIC);
  sqlite3_bind_text(*s, 4, d.unit.data(), static_cast<int>(d.unit.size()), SQLITE_STATIC);
  sqlite3_bind_int64(*s, 5, static_cast<int>(d.kind));
  sqlite3_bind_double(*s, 6, series.resolution);
  sqlite3_bind_text(*s, 7, series.retention_class.data(), static_cast<int>(series.retention_class.size()),
                    SQLITE_STATIC);
  return writer_->Run(*s, fmt::format("store series {}/{}", d.asset, d.signal));
}

Result<std::int64_t> ChunkStore::MaxChunkId() const {
  auto lease = Reader();
  if (!lease.ok()) return lease.status();
  auto s = (*lease)->Prepare("SELECT COALESCE(MAX(id), 0) FROM chunks");
  if (!s.ok()) return s.status();
  if (sqlite3_step(*s) != SQLITE_ROW) return (*lease)->Fail("max chunk id");
  std::int64_t id = sqlite3_column_int64(*s, 0);
  sqlite3_reset(*s);
  return id;
}

Status ChunkStore::Write(std::span<const ChunkWrite> chunks, std::span<const Event> events,
                         std::uint64_t events_lsn) {
  std::lock_guard lock(write_mu_);
  return InTransaction(*writer_, [&]() -> Status {
    for (const ChunkWrite& c : chunks) {
      auto ins = writer_->Prepare(kInsertChunk);
      if (!ins.ok()) return ins.status();
      MW_RETURN_IF_ERROR(InsertChunk(*ins, c.row));
      MW_RETURN_IF_ERROR(
          writer_->Run(*ins, fmt::format("insert chunk {} of series {}", c.row.id, c.row.series)));
      if (c.flushed_lsn == 0) continue;
      auto upd = writer_->Prepare("UPDATE series SET flushed_lsn = ? WHERE id = ?");
      if (!upd.ok()) return upd.status();
      sqlite3_bind_int64(*upd, 1, static_cast<std::int64_t>(c.flushed_lsn));
      sqlite3_bind_int64(*upd, 2, c.row.series);
      MW_RETURN_IF_ERROR(writer_->Run(*upd, "update flushed lsn"));
    }
    for (const Event& e : events) {
      auto ins = writer_->Prepare(
          "INSERT INTO events(time, kind, series, value, score, source, message) VALUES(?,?,?,?,?,?,?)");
      if (!ins.ok()) return ins.status();
      sqlite3_bind_int64(*ins, 1, e.time);
      sqlite3_bind_int64(*ins, 2, static_cast<int>(e.kind));
      sqlite3_bind_int64(*ins, 3, e.series);
      sqlite3_bind_double(*ins, 4, e.value);
      sqlite3_bind_double(*ins, 5, e.score);
      sqlite3_bind_text(*ins, 6, e.source.data(), static_cast<int>(e.source.size()), SQLITE_STATIC);
      sqlite3_bind_text(*ins, 7, e.message.data(), static_cast<int>(e.message.size()), SQLITE_STATIC);
      MW_RETURN_IF_ERROR(writer_->Run(*ins, "insert event"));
    }
    if (events_lsn == 0) return Status::Ok();
    auto upd = writer_->Prepare(
        "INSERT INTO meta VALUES('events_lsn', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    if (!upd.ok()) return upd.status();
    sqlite3_bind_int64(*upd, 1, static_cast<std::int64_t>(events_lsn));
    return writer_->Run(*upd, "update events lsn");
  });
}

Status ChunkStore::ReadChunks(std::uint32_t series, Timestamp from, Timestamp to, bool with_data,
                              std::vector<ChunkRow>& out) const {
  auto lease = Reader();
  if (!lease.ok()) return lease.status();
  const char* sql = with_data ? "SELECT " MW_CHUNK_COLUMNS
                                ", data FROM chunks WHERE series = ? AND last_time >= ? AND first_time <= ? "
                                "ORDER BY first_time, id"
                              : "SELECT " MW_CHUNK_COLUMNS
                                " FROM chunks WHERE series = ? AND last_time >= ? AND first_time <= ? "
                                "ORDER BY first_time, id";
  auto s = (*lease)->Prepare(sql);
  if (!s.ok()) return s.status();
  sqlite3_bind_int64(*s, 1, series);
  sqlite3_bind_int64(*s, 2, from);
  sqlite3_bind_int64(*s, 3, to);
  int rc;
  while ((rc = sqlite3_step(*s)) == SQLITE_ROW) {
    ReadRow(*s, with_data, out.emplace_back());
  }
  sqlite3_reset(*s);
  if (rc != SQLITE_DONE) return (*lease)->Fail(fmt::format("read chunks of series {}", series));
  return Status::Ok();
}

Result<std::optional<ChunkRow>> ChunkStore::ChunkWithIndex(std::uint32_t series, std::uint64_t index) const {
  auto lease = Reader();
  if (!lease.ok()) return lease.status();
  auto s = (*lease)->Prepare("SELECT " MW_CHUNK_COLUMNS
                             ", data FROM chunks WHERE series = ? AND first_index <= ? "
                             "AND first_index + count > ? ORDER BY first_index DESC LIMIT 1");
  if (!s.ok()) return s.status();
  sqlite3_bind_int64(*s, 1, series);
  sqlite3_bind_int64(*s, 2, static_cast<std::int64_t>(index));
  sqlite3_bind_int64(*s, 3, static_cast<std::int64_t>(index));
  std::optional<ChunkRow> row;
  int rc = sqlite3_step(*s);
  if (rc == SQLITE_ROW) ReadRow(*s, true, row.emplace());
  sqlite3_reset(*s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return (*lease)->Fail("find frame chunk");
  return row;
}

Result<std::optional<ChunkRow>> ChunkStore::ChunkNear(std::uint32_t series, Timestamp t, bool after) const {
  auto lease = Reader();
  if (!lease.ok()) return lease.status();
  auto s = (*lease)->Prepare(after ? "SELECT " MW_CHUNK_COLUMNS
                                     ", data FROM chunks WHERE series = ? AND last_time > ? "
                                     "ORDER BY first_time, id LIMIT 1"
                                   : "SELECT " MW_CHUNK_COLUMNS
                                     ", data FROM chunks WHERE series = ? AND first_time <= ? "
                                     "ORDER BY first_time DESC, id DESC LIMIT 1");
  if (!s.ok()) return s.status();
  sqlite3_bind_int64(*s, 1, series);
  sqlite3_bind_int64(*s, 2, t);
  std::optional<ChunkRow> row;
  int rc = sqlite3_step(*s);
  if (rc == SQLITE_ROW) ReadRow(*s, true, row.emplace());
  sqlite3_reset(*s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return (*lease)->Fail("find chunk by time");
  return row;
}

Result<std::optional<ChunkRow>> ChunkStore::LastChunk(std::uint32_t series) const {
  auto lease = Reader();
  if (!lease.ok()) return lease.status();
  auto s = (*lease)->Prepare("SELECT " MW_CHUNK_COLUMNS
                             ", data FROM chunks WHERE series = ? ORDER BY last_time DESC, id DESC LIMIT 1");
  if (!s.ok()) return s.status();
  sqlite3_bind_int64(*s, 1, series);
  std::optional<ChunkRow> row;
  int rc = sqlite3_step(*s);
  if (rc == SQLITE_ROW) ReadRow(*s, true, row.emplace());
  sqlite3_reset(*s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return (*lease)->Fail("read last chunk");
  return row;
}

Status ChunkStore::Totals(std::uint64_t& chunks, std::uint64_t& samples, std::uint64_t& bytes) const {
  auto lease = Reader();
  if (!lease.ok()) return lease.status();
  auto s = (*lease)->Prepare(
      "SELECT COUNT(*), COALESCE(SUM(count), 0), COALESCE(SUM(length(data)), 0) FROM chunks");
  if (!s.ok()) return s.status();
  if (sqlite3_step(*s) != SQLITE_ROW) return (*lease)->Fail("totals");
  chunks = static_cast<std::uint64_t>(sqlite3_column_int64(*s, 0));
  samples = static_cast<std::uint64_t>(sqlite3_column_int64(*s, 1));
  bytes = static_cast<std::uint64_t>(sqlite3_column_int64(*s, 2));
  sqlite3_reset(*s);
  return Status::Ok();
}

Status ChunkStore::ReplaceChunks(std::span<const std::int64_t> old_ids,
                                 std::span<const ChunkRow> replacement) {
  std::lock_guard lock(write_mu_);
  return InTransaction(*writer_, [&]() -> Status {
    for (std::int64_t id : old_ids) {
      auto del = writer_->Prepare("DELETE FROM chunks WHERE id = ?");
      if (!del.ok()) return del.status();
      sqlite3_bind_int64(*del, 1, id);
      MW_RETURN_IF_ERROR(writer_->Run(*del, "delete chunk"));
      auto delr = writer_->Prepare("DELETE FROM rollups WHERE chunk_id = ?");
      if (!delr.ok()) return delr.status();
      sqlite3_bind_int64(*delr, 1, id);
      MW_RETURN_IF_ERROR(writer_->Run(*delr, "delete rollups"));
    }
    for (const ChunkRow& row : replacement) {
      auto ins = writer_->Prepare(kInsertChunk);
      if (!ins.ok()) return ins.status();
      MW_RETURN_IF_ERROR(InsertChunk(*ins, row));
      MW_RETURN_IF_ERROR(writer_->Run(*ins, fmt::format("insert chunk {}", row.id)));
    }
    return Status::Ok();
  });
}

Status ChunkStore::DeleteChunksBefore(std::uint32_t series, Timestamp before, bool only_rolled_up,
                                      std::uint64_t& deleted) {
  std::lock_guard lock(write_mu_);
  auto s = writer_->Prepare(only_rolled_up
                                ? "DELETE FROM chunks WHERE series = ? AND last_time < ? AND rolled_up = 1"
                                : "DELETE FROM chunks WHERE series = ? AND last_time < ?");
  if (!s.ok()) return s.status();
  sqlite3_bind_int64(*s, 1, series);
  sqlite3_bind_int64(*s, 2, before);
  MW_RETURN_IF_ERROR(writer_->Run(*s, "retention"));
  deleted = static_cast<std::uint64_t>(sqlite3_changes(writer_->db()));
  return Status::Ok();
}

Status ChunkStore::DeleteRollupsBefore(std::uint32_t series, RollupLevel level, Timestamp before) {
  std::lock_guard lock(write_mu_);
  auto s = writer_->Prepare("DELETE FROM rollups WHERE series = ? AND level = ? AND last_time < ?");
  if (!s.ok()) return s.status();
  sqlite3_bind_int64(*s, 1, series);
  sqlite3_bind_int64(*s, 2, static_cast<std::int64_t>(level));
  sqlite3_bind_int64(*s, 3, before);
  return writer_->Run(*s, "rollup retention");
}

Status ChunkStore::ChunksToRollUp(std::size_t limit, std::vector<ChunkRow>& out) const {
  auto lease = Reader();
  if (!lease.ok()) return lease.status();
  auto s = (*lease)->Prepare("SELECT " MW_CHUNK_COLUMNS " FROM chunks WHERE rolled_up = 0 LIMIT ?");
  if (!s.ok()) return s.status();
  sqlite3_bind_int64(*s, 1, static_cast<std::int64_t>(limit));
  int rc;
  while ((rc = sqlite3_step(*s)) == SQLITE_ROW) ReadRow(*s, false, out.emplace_back());
  sqlite3_reset(*s);
  if (rc != SQLITE_DONE) return (*lease)->Fail("chunks to roll up");
  return Status::Ok();
}

Result<ChunkRow> ChunkStore::ReadChunk(std::int64_t id) const {
  auto lease = Reader();
  if (!lease.ok()) return lease.status();
  auto s = (*lease)->Prepare("SELECT " MW_CHUNK_COLUMNS ", data FROM chunks WHERE id = ?");
  if (!s.ok()) return s.status();
  sqlite3_bind_int64(*s, 1, id);
  ChunkRow row;
  int rc = sqlite3_step(*s);
  if (rc == SQLITE_ROW) ReadRow(*s, true, row);
  sqlite3_reset(*s);
  if (rc == SQLITE_DONE) return Status::NotFound(fmt::format("{}: no chunk {}", path_, id));
  if (rc != SQLITE_ROW) return (*lease)->Fail("read chunk");
  return row;
}

Status ChunkStore::PutRollups(std::int64_t chunk_id, std::span<const RollupRow> rollups) {
  std::lock_guard lock(write_mu_);
  return InTransaction(*writer_, [&]() -> Status {
    for (const RollupRow& r : rollups) {
      auto ins = writer_->Prepare(
          "INSERT OR REPLACE INTO rollups(series, level, first_time, chunk_id, last_time, data) "
          "VALUES(?,?,?,?,?,?)");
      if (!ins.ok()) return ins.status();
      sqlite3_bind_int64(*ins, 1, r.series);
      sqlite3_bind_int64(*ins, 2, static_cast<std::int64_t>(r.level));
      sqlite3_bind_int64(*ins, 3, r.first_time);
      sqlite3_bind_int64(*ins, 4, r.chunk_id);
      sqlite3_bind_int64(*ins, 5, r.last_time);
      sqlite3_bind_blob(*ins, 6, r.data.data(), static_cast<int>(r.data.size()), SQLITE_STATIC);
      MW_RETURN_IF_ERROR(writer_->Run(*ins, "insert rollup"));
    }
    auto upd = writer_->Prepare("UPDATE chunks SET rolled_up = 1 WHERE id = ?");
    if (!upd.ok()) return upd.status();
    sqlite3_bind_int64(*upd, 1, chunk_id);
    return writer_->Run(*upd, "mark rolled up");
  });
}

Status ChunkStore::ReadRollups(std::uint32_t series, RollupLevel level, Timestamp from, Timestamp to,
                               std::vector<RollupRow>& out) const {
  auto lease = Reader();
  if (!lease.ok()) return lease.status();
  auto s = (*lease)->Prepare(
      "SELECT chunk_id, first_time, last_time, data FROM rollups WHERE series = ? AND level = ? "
      "AND first_time <= ? AND last_time >= ? ORDER BY first_time, chunk_id");
  if (!s.ok()) return s.status();
  sqlite3_bind_int64(*s, 1, series);
  sqlite3_bind_int64(*s, 2, static_cast<std::int64_t>(level));
  sqlite3_bind_int64(*s, 3, to);
  sqlite3_bind_int64(*s, 4, from);
  int rc;
  while ((rc = sqlite3_step(*s)) == SQLITE_ROW) {
    RollupRow& r = out.emplace_back();
    r.series = series;
    r.level = level;
    r.chunk_id = sqlite3_column_int64(*s, 0);
    r.first_time = sqlite3_column_int64(*s, 1);
    r.last_time = sqlite3_column_int64(*s, 2);
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(*s, 3));
    int n = sqlite3_column_bytes(*s, 3);
    if (p && n > 0) r.data.assign(p, p + n);
  }
  sqlite3_reset(*s);
  if (rc != SQLITE_DONE) return (*lease)->Fail("read rollups");
  return Status::Ok();
}

Status ChunkStore::RecentEvents(std::size_t limit, std::vector<Event>& out) const {
  auto lease = Reader();
  if (!lease.ok()) return lease.status();
  auto s = (*lease)->Prepare(
      "SELECT time, kind, series, value, score, source, message FROM "
      "(SELECT * FROM events ORDER BY id DESC LIMIT ?) ORDER BY id");
  if (!s.ok()) return s.status();
  sqlite3_bind_int64(*s, 1, static_cast<std::int64_t>(limit));
  int rc;
  while ((rc = sqlite3_step(*s)) == SQLITE_ROW) {
    Event& e = out.emplace_back();
    e.time = sqlite3_column_int64(*s, 0);
    auto kind = sqlite3_column_int64(*s, 1);
    e.kind = kind == 1 ? EventKind::kAlarm : kind == 2 ? EventKind::kModel : EventKind::kAnomaly;
    e.series = static_cast<SeriesId>(sqlite3_column_int64(*s, 2));
    e.value = ColumnDouble(*s, 3);
    e.score = ColumnDouble(*s, 4);
    e.source = reinterpret_cast<const char*>(sqlite3_column_text(*s, 5));
    e.message = reinterpret_cast<const char*>(sqlite3_column_text(*s, 6));
  }
  sqlite3_reset(*s);
  if (rc != SQLITE_DONE) return (*lease)->Fail("read events");
  return Status::Ok();
}

Result<std::uint64_t> ChunkStore::EventsLsn() const {
  auto lease = Reader();
  if (!lease.ok()) return lease.status();
  auto s = (*lease)->Prepare("SELECT value FROM meta WHERE key = 'events_lsn'");
  if (!s.ok()) return s.status();
  std::uint64_t lsn = 0;
  if (sqlite3_step(*s) == SQLITE_ROW) lsn = static_cast<std::uint64_t>(sqlite3_column_int64(*s, 0));
  sqlite3_reset(*s);
  return lsn;
}

Status ChunkStore::Vacuum() {
  std::lock_guard lock(write_mu_);
  MW_RETURN_IF_ERROR(writer_->Exec("VACUUM"));
  return writer_->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace mw::storage::historian
