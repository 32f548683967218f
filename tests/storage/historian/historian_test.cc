#include "storage/historian/historian.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <random>

#include "tests/support/test_support.h"

namespace mw::storage {
namespace {

using pipeline::Point;
constexpr Timestamp kSec = kNanosPerSecond;
constexpr Timestamp kT0 = 1'699'999'200 * kSec;  // a whole hour

class HistorianTest : public ::testing::Test {
 protected:
  HistorianOptions Options() {
    HistorianOptions o;
    o.dir = dir_.path();
    o.chunk_samples = 100;
    o.commit_interval = std::chrono::microseconds(0);
    o.retention = {{"short", 3600 * kSec, 48 * 3600 * kSec, 0}};
    return o;
  }
  void Open(const HistorianOptions& o) {
    h_.reset();
    catalog_ = std::make_unique<Catalog>();
    auto h = Historian::Open(o, *catalog_, metrics_, clock_);
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    h_ = std::move(*h);
  }
  void Open() { Open(Options()); }
  SeriesId Series(const std::string& asset, const std::string& signal) {
    return catalog_->InternSeries(catalog_->AddAsset(asset, "t"), signal);
  }
  std::vector<Point> All(SeriesId id) {
    std::vector<Point> out;
    Status s = h_->Range(id, INT64_MIN, INT64_MAX, SIZE_MAX, out);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }
  // Appends n samples at 1 Hz from `start`, values v(i), in batches of `batch`.
  void Fill(SeriesId id, Timestamp start, int n, const std::function<double(int)>& v, int batch = 37) {
    Batch b;
    for (int i = 0; i < n; ++i) {
      b.Append(id, start + i * kSec, v(i));
      if (static_cast<int>(b.size()) == batch || i == n - 1) {
        ASSERT_TRUE(h_->Append(b).ok());
        b.clear();
      }
    }
  }

  mw::testing::TempDir dir_;
  SimulatedClock clock_{kT0};
  MetricsRegistry metrics_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<Historian> h_;
};

TEST_F(HistorianTest, RangeSeesHeadPendingAndStoredChunksInOrder) {
  Open();
  SeriesId id = Series("plant/p1", "temp");
  Fill(id, kT0, 1234, [](int i) { return i * 0.5; });
  auto all = All(id);
  ASSERT_EQ(all.size(), 1234u);
  for (int i = 0; i < 1234; ++i) {
    ASSERT_EQ(all[i].time, kT0 + i * kSec);
    ASSERT_EQ(all[i].value, i * 0.5);
  }
  std::vector<Point> some;
  ASSERT_TRUE(h_->Range(id, kT0 + 10 * kSec, kT0 + 19 * kSec, 5, some).ok());
  ASSERT_EQ(some.size(), 5u);  // the newest five of ten
  EXPECT_EQ(some.front().time, kT0 + 15 * kSec);
  auto latest = h_->Latest(id);
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->value, 1233 * 0.5);
  EXPECT_GT(h_->Stats().chunks, 0u);
}

TEST_F(HistorianTest, EverySampleIsBackExactlyOnceAfterReopen) {
  Open();
  SeriesId a = Series("plant/p1", "temp");
  SeriesId b = Series("plant/p2", "rpm");
  Fill(a, kT0, 250, [](int i) { return i; });
  Fill(b, kT0, 77, [](int i) { return -i; });
  ASSERT_TRUE(h_->Close().ok());
  Open();
  // Ids come from the reopened catalog: the historian interned the stored series into it.
  auto a2 = catalog_->FindSeries(*catalog_->FindAsset("plant/p1"), "temp");
  auto b2 = catalog_->FindSeries(*catalog_->FindAsset("plant/p2"), "rpm");
  ASSERT_TRUE(a2 && b2);
  EXPECT_EQ(All(*a2).size(), 250u);
  EXPECT_EQ(All(*b2).size(), 77u);
  EXPECT_EQ(h_->Latest(*b2)->value, -76);
}

TEST_F(HistorianTest, LateSamplesInsideTheWindowAreMergedOlderOnesRejected) {
  auto o = Options();
  o.late_window = 60 * kSec;
  Open(o);
  SeriesId id = Series("plant/p1", "temp");
  Fill(id, kT0, 150, [](int i) { return i; });
  Batch late;
  late.Append(id, kT0 + 120 * kSec + kSec / 2, -1);  // 29.5 s late: merged
  late.Append(id, kT0 + 10 * kSec, -2);              // 139 s late: rejected
  Status s = h_->Append(late);
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(metrics_.CounterTotal("mw_historian_late_rejected_total"), 1u);
  auto all = All(id);
  ASSERT_EQ(all.size(), 151u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(), [](auto& x, auto& y) { return x.time < y.time; }));
  EXPECT_EQ(all[121].value, -1);
  // Chunks overlapping in time after the merge are still read in order after a restart.
  ASSERT_TRUE(h_->Close().ok());
  Open(o);
  id = *catalog_->FindSeries(*catalog_->FindAsset("plant/p1"), "temp");
  all = All(id);
  ASSERT_EQ(all.size(), 151u);
  EXPECT_EQ(all[121].value, -1);
}

TEST_F(HistorianTest, BucketsMatchThePointsWhetherFromSummariesOrDecoded) {
  Open();
  SeriesId id = Series("plant/p1", "temp");
  Fill(id, kT0, 2000, [](int i) { return std::sin(i / 10.0) * 10; });
  ASSERT_TRUE(h_->Flush().ok());
  for (Timestamp step : {7 * kSec, 100 * kSec, 1000 * kSec}) {
    std::vector<Bucket> buckets;
    ASSERT_TRUE(h_->Buckets(id, kT0 - 3 * kSec, kT0 + 1990 * kSec, step, buckets).ok());
    std::uint64_t total = 0;
    for (const Bucket& b : buckets) {
      total += b.count;
      std::vector<Point> raw;
      ASSERT_TRUE(h_->Range(id, std::max(b.start, kT0 - 3 * kSec),
                            std::min(b.start + step, kT0 + 1990 * kSec) - 1, SIZE_MAX, raw)
                      .ok());
      ASSERT_EQ(raw.size(), b.count);
      double lo = raw[0].value, hi = raw[0].value, sum = 0;
      for (const auto& p : raw) {
        lo = std::min(lo, p.value);
        hi = std::max(hi, p.value);
        sum += p.value;
      }
      EXPECT_EQ(b.min, lo);
      EXPECT_EQ(b.max, hi);
      EXPECT_NEAR(b.sum, sum, 1e-9);
      EXPECT_EQ(b.first, raw.front().value);
      EXPECT_EQ(b.last, raw.back().value);
    }
    EXPECT_EQ(total, 1990u);
  }
}

TEST_F(HistorianTest, CapsRefuseOversizedRequestsWithResourceExhausted) {
  auto o = Options();
  o.max_points = 500;
  o.max_buckets = 10;
  Open(o);
  SeriesId id = Series("plant/p1", "temp");
  Fill(id, kT0, 600, [](int i) { return i; });
  ASSERT_TRUE(h_->Flush().ok());
  std::vector<Point> out;
  EXPECT_EQ(h_->Range(id, INT64_MIN, INT64_MAX, SIZE_MAX, out).code(), StatusCode::kResourceExhausted);
  std::vector<Bucket> buckets;
  EXPECT_EQ(h_->Buckets(id, kT0, kT0 + 600 * kSec, kSec, buckets).code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(h_->Buckets(id, kT0, kT0 + 600 * kSec, 60 * kSec, buckets).ok());
  EXPECT_EQ(buckets.size(), 10u);
}

TEST_F(HistorianTest, DeclaredResolutionStoresTheWalkLosslesslyAndSmall) {
  Open();
  SeriesId id = Series("plant/p1", "temp");
  ASSERT_TRUE(h_->DeclareSeries(id, 0.01, "").ok());
  std::mt19937_64 rng(5);
  std::int64_t k = 2000;
  std::vector<double> values;
  for (int i = 0; i < 5000; ++i) {
    k += std::uniform_int_distribution<int>(-3, 3)(rng);
    values.push_back(static_cast<double>(k) / 100);
  }
  Fill(
      id, kT0, 5000, [&](int i) { return values[i]; }, 1000);
  ASSERT_TRUE(h_->Flush().ok());
  auto all = All(id);
  ASSERT_EQ(all.size(), 5000u);
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(all[i].value, values[i]) << i;
  auto stats = h_->Stats();
  EXPECT_LT(static_cast<double>(stats.chunk_bytes) / 5000, 2.0);
}

TEST_F(HistorianTest, ACorruptChunkNamesSeriesAndChunkWhileOthersStayReadable) {
  Open();
  SeriesId a = Series("plant/p1", "temp");
  SeriesId b = Series("plant/p2", "temp");
  Fill(a, kT0, 300, [](int i) { return i; });
  Fill(b, kT0, 300, [](int i) { return i; });
  ASSERT_TRUE(h_->Close().ok());
  h_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("catalog.sqlite").c_str(), &db), SQLITE_OK);
  // Flip one byte in the middle of the first chunk of series stored as id 0 (plant/p1).
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE chunks SET data = substr(data, 1, 99) || x'FF' || substr(data, 101) "
                         "WHERE id = (SELECT MIN(id) FROM chunks WHERE series = 0)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  Open();
  a = *catalog_->FindSeries(*catalog_->FindAsset("plant/p1"), "temp");
  b = *catalog_->FindSeries(*catalog_->FindAsset("plant/p2"), "temp");
  std::vector<Point> out;
  Status s = h_->Range(a, INT64_MIN, INT64_MAX, SIZE_MAX, out);
  ASSERT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("plant/p1/temp"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("chunk"), std::string::npos) << s.message();
  EXPECT_EQ(All(b).size(), 300u);
  EXPECT_GE(metrics_.CounterTotal("mw_historian_corrupt_chunks_total"), 1u);
}

TEST_F(HistorianTest, FramesByTimeAndByIndexAcrossARestart) {
  Open();
  SeriesId id = Series("printer/p1", "melt_pool");
  codec::FrameShape shape{10, 10};
  auto frame = [&](int k) {
    std::vector<float> f(shape.elements());
    for (std::size_t i = 0; i < f.size(); ++i) f[i] = static_cast<float>(k * 1000 + static_cast<int>(i));
    return f;
  };
  for (int k = 0; k < 150; ++k) ASSERT_TRUE(h_->AppendFrame(id, kT0 + k * kSec, shape, frame(k)).ok());
  auto check = [&] {
    auto at = h_->FrameAt(id, kT0 + 70 * kSec + kSec / 2, FrameSelect::kAt);
    ASSERT_TRUE(at.ok()) << at.status().ToString();
    EXPECT_EQ(at->index, 70u);
    EXPECT_EQ(at->elements, frame(70));
    auto before = h_->FrameAt(id, kT0 + 70 * kSec, FrameSelect::kBefore);
    ASSERT_TRUE(before.ok());
    EXPECT_EQ(before->index, 69u);
    auto after = h_->FrameAt(id, kT0 + 70 * kSec, FrameSelect::kAfter);
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(after->index, 71u);
    for (std::uint64_t i : {0u, 63u, 64u, 128u, 149u}) {
      auto f = h_->FrameByIndex(id, i);
      ASSERT_TRUE(f.ok()) << i;
      EXPECT_EQ(f->elements, frame(static_cast<int>(i)));
      EXPECT_EQ(f->time, kT0 + static_cast<Timestamp>(i) * kSec);
    }
    EXPECT_EQ(h_->FrameByIndex(id, 150).status().code(), StatusCode::kNotFound);
    EXPECT_EQ(h_->FrameAt(id, kT0 - 1, FrameSelect::kAt).status().code(), StatusCode::kNotFound);
  };
  check();
  EXPECT_EQ(h_->AppendFrame(id, kT0, shape, frame(0)).code(), StatusCode::kOutOfRange);
  ASSERT_TRUE(h_->Close().ok());
  Open();
  id = *catalog_->FindSeries(*catalog_->FindAsset("printer/p1"), "melt_pool");
  check();
}

TEST_F(HistorianTest, RetentionDropsOldRawAndRollupsStillAnswerBuckets) {
  Open();
  SeriesId id = Series("plant/p1", "temp");
  ASSERT_TRUE(h_->DeclareSeries(id, 0, "short").ok());
  Fill(
      id, kT0, 3 * 3600, [](int i) { return i % 60; }, 500);  // 3 h at 1 Hz, values 0..59 each minute
  ASSERT_TRUE(h_->Flush().ok());
  ASSERT_TRUE(h_->RunMaintenance().ok());
  EXPECT_EQ(All(id).size(), 3u * 3600u);  // nothing is old yet
  clock_.Set(kT0 + 4 * 3600 * kSec);      // raw is kept 1 h: the first ~3 h expire
  ASSERT_TRUE(h_->RunMaintenance().ok());
  auto left = All(id);
  EXPECT_LT(left.size(), 3u * 3600u);
  EXPECT_GT(metrics_.CounterTotal("mw_historian_retention_deleted_chunks_total"), 0u);
  std::vector<Bucket> minutes;
  ASSERT_TRUE(h_->Buckets(id, kT0, kT0 + 3 * 3600 * kSec, 60 * kSec, minutes).ok());
  ASSERT_EQ(minutes.size(), 180u);
  for (const Bucket& b : minutes) {
    ASSERT_EQ(b.count, 60u);
    EXPECT_EQ(b.min, 0);
    EXPECT_EQ(b.max, 59);
    EXPECT_EQ(b.sum, 59 * 60 / 2);
  }
}

TEST_F(HistorianTest, CompactionMergesSmallChunksWithoutChangingData) {
  Open();
  SeriesId id = Series("plant/p1", "temp");
  for (int round = 0; round < 10; ++round) {
    Fill(id, kT0 + round * 30 * kSec, 30, [&](int i) { return round * 100 + i; });
    ASSERT_TRUE(h_->Flush().ok());  // 10 chunks of 30 samples
  }
  auto before = All(id);
  EXPECT_EQ(h_->Stats().chunks, 10u);
  ASSERT_TRUE(h_->Compact().ok());
  EXPECT_EQ(h_->Stats().chunks, 3u);  // 300 samples in chunks of at most 100
  auto after = All(id);
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    ASSERT_EQ(after[i].time, before[i].time);
    ASSERT_EQ(after[i].value, before[i].value);
  }
}

TEST_F(HistorianTest, EventsSurviveARestart) {
  Open();
  SeriesId id = Series("plant/p1", "temp");
  Fill(id, kT0, 5, [](int i) { return i; });
  std::vector<Event> events = {{EventKind::kAnomaly, kT0, id, 9, 5.5, "zscore", "|z| >= 4"}};
  ASSERT_TRUE(h_->AppendEvents(events).ok());
  ASSERT_TRUE(h_->Close().ok());
  Open();
  auto back = h_->RecentEvents(10);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].series, *catalog_->FindSeries(*catalog_->FindAsset("plant/p1"), "temp"));
  EXPECT_EQ(back[0].score, 5.5);
}

TEST_F(HistorianTest, LttbReturnsTheRequestedNumberOfPoints) {
  Open();
  SeriesId id = Series("plant/p1", "temp");
  Fill(id, kT0, 1000, [](int i) { return i == 400 ? 1e6 : 0.0; });
  std::vector<Point> out;
  ASSERT_TRUE(h_->Lttb(id, INT64_MIN, INT64_MAX, 100, out).ok());
  ASSERT_EQ(out.size(), 100u);
  EXPECT_TRUE(std::any_of(out.begin(), out.end(), [](const Point& p) { return p.value == 1e6; }));
}

}  // namespace
}  // namespace mw::storage
