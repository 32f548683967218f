// The floor: a naive SQLite table in this process, one row per sample.
//   CREATE TABLE series(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
//   CREATE TABLE samples(series INTEGER NOT NULL, time INTEGER NOT NULL, value REAL NOT NULL);
//   CREATE INDEX samples_by_series_time ON samples(series, time);
// journal_mode=WAL, synchronous=FULL (every commit is fsync'ed, like the other stores' WALs),
// cache_size 256 MiB (the index stays in memory), one
// transaction per batch of 5,000 rows through one prepared INSERT; the index exists before the
// load, so its upkeep is part of the append rate. Compaction: wal_checkpoint(TRUNCATE), VACUUM,
// wal_checkpoint(TRUNCATE).
#include <sqlite3.h>

#include <filesystem>

#include <fmt/format.h>

#include "store.h"

namespace mw::bench::historian {
namespace {

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* get() const { return stmt_; }
  explicit operator bool() const { return stmt_ != nullptr; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteStore final : public Store {
 public:
  ~SqliteStore() override { Stop(); }
  const char* name() const override { return "sqlite"; }
  bool in_process() const override { return true; }
  std::string data_dir() const override { return dir_ + "/sqlite"; }
  double CpuSeconds() override { return SelfCpuSeconds(); }
  std::string notes() const override {
    return "in-process; WAL, synchronous=FULL, 256 MiB page cache, index on (series, time); compacted by "
           "checkpoint + VACUUM";
  }

  Status Start(const Dataset& data, const StoreConfig& config) override {
    dir_ = config.dir;
    std::error_code ec;
    std::filesystem::create_directories(data_dir(), ec);
    if (sqlite3_open((data_dir() + "/samples.db").c_str(), &db_) != SQLITE_OK) return Error("open");
    MW_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL"));
    MW_RETURN_IF_ERROR(Exec("PRAGMA synchronous=FULL"));
    // 256 MiB of page cache (default 2 MiB), so that the index stays in memory: with the default,
    // the time-major load (each row lands in another series' part of the index) runs at ~40k rows/s
    // and the bench takes minutes longer.
    MW_RETURN_IF_ERROR(Exec("PRAGMA cache_size=-262144"));
    MW_RETURN_IF_ERROR(Exec("CREATE TABLE series(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"));
    MW_RETURN_IF_ERROR(
        Exec("CREATE TABLE samples(series INTEGER NOT NULL, time INTEGER NOT NULL, value REAL NOT NULL)"));
    MW_RETURN_IF_ERROR(Exec("CREATE INDEX samples_by_series_time ON samples(series, time)"));
    MW_RETURN_IF_ERROR(Exec("BEGIN"));
    Statement insert(db_, "INSERT INTO series(id, name) VALUES(?, ?)");
    for (std::size_t i = 0; i <= data.series(); ++i) {
      const std::string name = i < data.series() ? data.names[i].path() : data.history_name.path();
      sqlite3_bind_int64(insert.get(), 1, static_cast<sqlite3_int64>(i));
      sqlite3_bind_text(insert.get(), 2, name.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(insert.get()) != SQLITE_DONE) return Error("insert series");
      sqlite3_reset(insert.get());
    }
    return Exec("COMMIT");
  }

  Result<LoadStats> Load(const Dataset& d, Part part) override {
    Statement insert(db_, "INSERT INTO samples(series, time, value) VALUES(?, ?, ?)");
    if (!insert) return Error("prepare insert");
    const bool plant = part == Part::kPlant;
    const std::size_t n = plant ? d.plant_samples() : d.history_samples();
    const std::size_t series = d.series();
    LoadStats stats;
    stats.samples = n;
    const double cpu0 = CpuSeconds();
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < n; ++i) {
      if (i % kBatchPoints == 0) MW_RETURN_IF_ERROR(Exec("BEGIN"));
      const std::size_t id = plant ? i % series : series;
      const Timestamp t = plant ? d.plant_start + static_cast<Timestamp>(i / series) * kSecond
                                : d.history_start + static_cast<Timestamp>(i) * kSecond;
      sqlite3_bind_int64(insert.get(), 1, static_cast<sqlite3_int64>(id));
      sqlite3_bind_int64(insert.get(), 2, t);
      sqlite3_bind_double(insert.get(), 3, plant ? d.plant_values[i] : d.history_values[i]);
      if (sqlite3_step(insert.get()) != SQLITE_DONE) return Error("insert");
      sqlite3_reset(insert.get());
      if ((i + 1) % kBatchPoints == 0 || i + 1 == n) MW_RETURN_IF_ERROR(Exec("COMMIT"));
    }
    stats.seconds = MillisSince(t0) / 1000;
    stats.store_cpu_s = CpuSeconds() - cpu0;
    return stats;
  }

  Status Compact() override {
    MW_RETURN_IF_ERROR(Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
    MW_RETURN_IF_ERROR(Exec("VACUUM"));
    return Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }

  Result<double> RawRead(const Dataset& d, RawResult& out) override {
    Statement q(db_,
                "SELECT time, value FROM samples WHERE series = ? AND time >= ? AND time <= ? ORDER BY time");
    if (!q) return Error("prepare raw");
    const auto t0 = std::chrono::steady_clock::now();
    sqlite3_bind_int64(q.get(), 1, static_cast<sqlite3_int64>(d.series()));
    sqlite3_bind_int64(q.get(), 2, d.raw_from());
    sqlite3_bind_int64(q.get(), 3, d.raw_to());
    out.times.reserve(d.raw_points());
    out.values.reserve(d.raw_points());
    int rc;
    while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
      out.times.push_back(sqlite3_column_int64(q.get(), 0));
      out.values.push_back(sqlite3_column_double(q.get(), 1));
    }
    const double ms = MillisSince(t0);
    if (rc != SQLITE_DONE) return Error("raw read");
    return ms;
  }

  Result<double> Downsample(const Dataset& d, std::vector<BucketRow>& out) override {
    Statement q(db_,
                "SELECT (time - ?1) / ?2 AS b, min(value), max(value), avg(value), count(*) FROM samples "
                "WHERE series = ?3 AND time >= ?1 AND time < ?4 GROUP BY b ORDER BY b");
    if (!q) return Error("prepare downsample");
    const auto t0 = std::chrono::steady_clock::now();
    sqlite3_bind_int64(q.get(), 1, d.history_start);
    sqlite3_bind_int64(q.get(), 2, d.bucket_step);
    sqlite3_bind_int64(q.get(), 3, static_cast<sqlite3_int64>(d.series()));
    sqlite3_bind_int64(q.get(), 4, d.end);
    int rc;
    while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
      out.push_back({d.history_start + sqlite3_column_int64(q.get(), 0) * d.bucket_step,
                     static_cast<std::uint64_t>(sqlite3_column_int64(q.get(), 4)),
                     sqlite3_column_double(q.get(), 1), sqlite3_column_double(q.get(), 2),
                     sqlite3_column_double(q.get(), 3)});
    }
    const double ms = MillisSince(t0);
    if (rc != SQLITE_DONE) return Error("downsample");
    return ms;
  }

  Result<double> Latest(const Dataset& d, std::vector<LatestRow>& out) override {
    Statement q(db_, "SELECT time, value FROM samples WHERE series = ? ORDER BY time DESC LIMIT 1");
    if (!q) return Error("prepare latest");
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < d.series(); ++i) {
      sqlite3_bind_int64(q.get(), 1, static_cast<sqlite3_int64>(i));
      if (sqlite3_step(q.get()) == SQLITE_ROW)
        out.push_back({i, sqlite3_column_int64(q.get(), 0), sqlite3_column_double(q.get(), 1)});
      sqlite3_reset(q.get());
    }
    return MillisSince(t0);
  }

  void Stop() override {
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = nullptr;
  }

 private:
  Status Exec(const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = fmt::format("sqlite: {}: {}", sql, error != nullptr ? error : "?");
      sqlite3_free(error);
      return Status::Internal(message);
    }
    return Status::Ok();
  }
  Status Error(const char* what) {
    return Status::Internal(fmt::format("sqlite: {}: {}", what, sqlite3_errmsg(db_)));
  }

  std::string dir_;
  sqlite3* db_ = nullptr;
};

}  // namespace

std::unique_ptr<Store> MakeSqliteStore() { return std::make_unique<SqliteStore>(); }

}  // namespace mw::bench::historian
