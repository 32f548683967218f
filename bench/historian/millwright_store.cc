// Millwright's historian, in this process: Historian::Open() into the store's temporary folder with
// SyncMode::kSync (Append returns once its WAL record is fsync'ed), the 1,000 plant series and the
// long series interned in a Catalog and declared with the data set's resolution (0.01 for the walk,
// 0 for entropy), then Append() of batches of 5,000 samples from one thread. Compaction is
// Flush() + Compact(); queries are Range(), Buckets() and LatestMany().
//
// Built only when the mw_storage_historian target exists (see CMakeLists.txt); otherwise
// MakeMillwrightStore() returns null and the bench runs the peers alone.
#include <bit>
#include <filesystem>

#include <fmt/format.h>

#include "core/catalog.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "storage/historian/historian.h"
#include "store.h"

namespace mw::bench::historian {
namespace {

class MillwrightStore final : public Store {
 public:
  ~MillwrightStore() override { Stop(); }
  const char* name() const override { return "millwright"; }
  bool in_process() const override { return true; }
  std::string data_dir() const override { return dir_ + "/historian"; }
  double CpuSeconds() override { return SelfCpuSeconds(); }
  std::string notes() const override { return notes_; }

  Status Start(const Dataset& d, const StoreConfig& config) override {
    dir_ = config.dir;
    storage::HistorianOptions options;
    options.dir = data_dir();
    options.sync = storage::SyncMode::kSync;
    auto opened = storage::Historian::Open(options, catalog_, metrics_, SystemClock::Instance());
    if (!opened.ok()) return opened.status();
    historian_ = std::move(opened).value();
    auto declare = [&](const SeriesName& n) -> Result<SeriesId> {
      const SeriesId id = catalog_.InternSeries(catalog_.AddAsset(n.asset, ""), n.signal);
      if (id == kInvalidSeries) return Status::ResourceExhausted("catalog full");
      MW_RETURN_IF_ERROR(historian_->DeclareSeries(id, d.resolution, ""));
      return id;
    };
    for (const auto& n : d.names) {
      auto id = declare(n);
      if (!id.ok()) return id.status();
      ids_.push_back(*id);
    }
    auto history = declare(d.history_name);
    if (!history.ok()) return history.status();
    history_id_ = *history;
    return Status::Ok();
  }

  Result<LoadStats> Load(const Dataset& d, Part part) override {
    // The batches are built before the clock starts, as the HTTP bodies are for the peers.
    const bool plant = part == Part::kPlant;
    const std::size_t n = plant ? d.plant_samples() : d.history_samples();
    std::vector<Batch> batches;
    for (std::size_t i = 0; i < n; ++i) {
      if (i % kBatchPoints == 0) {
        batches.emplace_back();
        batches.back().reserve(std::min(kBatchPoints, n - i));
      }
      if (plant) {
        batches.back().Append(ids_[i % d.series()],
                              d.plant_start + static_cast<Timestamp>(i / d.series()) * kSecond,
                              d.plant_values[i]);
      } else {
        batches.back().Append(history_id_, d.history_start + static_cast<Timestamp>(i) * kSecond,
                              d.history_values[i]);
      }
    }
    LoadStats stats;
    stats.samples = n;
    const double cpu0 = CpuSeconds();
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& batch : batches) MW_RETURN_IF_ERROR(historian_->Append(batch));
    stats.seconds = MillisSince(t0) / 1000;
    stats.store_cpu_s = CpuSeconds() - cpu0;
    return stats;
  }

  Status Compact() override {
    MW_RETURN_IF_ERROR(historian_->Flush());
    MW_RETURN_IF_ERROR(historian_->Compact());
    const auto s = historian_->Stats();
    notes_ = fmt::format(
        "in-process, SyncMode::kSync; Flush() + Compact(): {} series, {} chunks, {} chunk bytes, "
        "disk_bytes {}",
        s.series, s.chunks, s.chunk_bytes, s.disk_bytes);
    return Status::Ok();
  }

  std::uint64_t own_disk_bytes() override { return historian_ ? historian_->Stats().disk_bytes : 0; }

  Result<double> RawRead(const Dataset& d, RawResult& out) override {
    std::vector<pipeline::Point> points;
    points.reserve(d.raw_points());
    const auto t0 = std::chrono::steady_clock::now();
    Status s = historian_->Range(history_id_, d.raw_from(), d.raw_to(), d.raw_points(), points);
    const double ms = MillisSince(t0);
    MW_RETURN_IF_ERROR(s);
    for (const auto& p : points) {
      out.times.push_back(p.time);
      out.values.push_back(p.value);
    }
    return ms;
  }

  Result<double> Downsample(const Dataset& d, std::vector<BucketRow>& out) override {
    std::vector<storage::Bucket> buckets;
    const auto t0 = std::chrono::steady_clock::now();
    Status s = historian_->Buckets(history_id_, d.history_start, d.end, d.bucket_step, buckets);
    const double ms = MillisSince(t0);
    MW_RETURN_IF_ERROR(s);
    for (const auto& b : buckets) {
      out.push_back({b.start, b.count, b.min, b.max, b.count > 0 ? b.sum / static_cast<double>(b.count) : 0});
    }
    return ms;
  }

  Result<double> Latest(const Dataset& d, std::vector<LatestRow>& out) override {
    std::vector<std::optional<pipeline::Point>> latest;
    const auto t0 = std::chrono::steady_clock::now();
    historian_->LatestMany(ids_, latest);
    const double ms = MillisSince(t0);
    for (std::size_t i = 0; i < latest.size(); ++i) {
      if (latest[i]) out.push_back({i, latest[i]->time, latest[i]->value});
    }
    return ms;
  }

  // Every sample of every series, read back and compared bit for bit.
  std::optional<Status> VerifyAll(const Dataset& d) override {
    std::uint64_t checked = 0, wrong = 0;
    std::vector<pipeline::Point> points;
    const auto expect = [&](std::size_t k, Timestamp t, double v) {
      checked++;
      if (k >= points.size() || points[k].time != t ||
          std::bit_cast<std::uint64_t>(points[k].value) != std::bit_cast<std::uint64_t>(v))
        wrong++;
    };
    for (std::size_t s = 0; s < d.series(); ++s) {
      points.clear();
      MW_RETURN_IF_ERROR(historian_->Range(ids_[s], d.plant_start, d.end - 1, d.plant_samples(), points));
      if (points.size() != static_cast<std::size_t>(d.plant_seconds)) wrong++;
      for (std::int64_t k = 0; k < d.plant_seconds; ++k)
        expect(static_cast<std::size_t>(k), d.plant_start + k * kSecond, d.plant_value(k, s));
    }
    // The long series, in pieces of at most max_points.
    const std::int64_t piece = 1'000'000;
    for (std::int64_t from = 0; from < d.history_seconds; from += piece) {
      const std::int64_t to = std::min(d.history_seconds, from + piece);
      points.clear();
      MW_RETURN_IF_ERROR(historian_->Range(history_id_, d.history_start + from * kSecond,
                                           d.history_start + (to - 1) * kSecond,
                                           static_cast<std::size_t>(to - from), points));
      if (points.size() != static_cast<std::size_t>(to - from)) wrong++;
      for (std::int64_t k = from; k < to; ++k)
        expect(static_cast<std::size_t>(k - from), d.history_start + k * kSecond,
               d.history_values[static_cast<std::size_t>(k)]);
    }
    if (wrong > 0)
      return Status::Corruption(fmt::format("millwright: {} of {} samples read back wrong", wrong, checked));
    return Status::Ok();
  }

  void Stop() override {
    if (historian_) {
      Status s = historian_->Close();
      if (!s.ok()) fmt::print(stderr, "millwright: Close: {}\n", s.ToString());
    }
    historian_.reset();
  }

 private:
  std::string dir_;
  Catalog catalog_;
  MetricsRegistry metrics_;
  std::unique_ptr<storage::Historian> historian_;
  std::vector<SeriesId> ids_;
  SeriesId history_id_ = kInvalidSeries;
  std::string notes_;
};

}  // namespace

std::unique_ptr<Store> MakeMillwrightStore() { return std::make_unique<MillwrightStore>(); }

}  // namespace mw::bench::historian
