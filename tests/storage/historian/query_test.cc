#include "storage/historian/query.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

namespace mw::storage::historian {
namespace {

using pipeline::Point;

// Buckets computed the obvious way, independently of the accumulator.
std::map<Timestamp, Bucket> BruteForce(const std::vector<Point>& points, Timestamp from, Timestamp to,
                                       Timestamp step) {
  std::map<Timestamp, Bucket> out;
  for (const Point& p : points) {
    if (p.time < from || p.time >= to) continue;
    Timestamp start = p.time - ((p.time % step) + step) % step;
    auto [it, fresh] = out.try_emplace(start);
    Bucket& b = it->second;
    b.start = start;
    if (fresh) {
      b.first = p.value;
      b.min = std::nan("");
      b.max = std::nan("");
    }
    b.last = p.value;
    b.count++;
    if (!std::isnan(p.value)) {
      b.min = std::isnan(b.min) ? p.value : std::min(b.min, p.value);
      b.max = std::isnan(b.max) ? p.value : std::max(b.max, p.value);
      b.sum += p.value;
    }
  }
  return out;
}

void ExpectSameDouble(double a, double b) {
  if (std::isnan(a)) {
    EXPECT_TRUE(std::isnan(b));
  } else {
    EXPECT_DOUBLE_EQ(a, b);
  }
}

TEST(BucketAccumulator, MatchesBruteForceOnRandomPointsWithNaN) {
  std::mt19937_64 rng(11);
  std::vector<Point> points;
  Timestamp t = -5000;
  for (int i = 0; i < 5000; ++i) {
    t += std::uniform_int_distribution<Timestamp>(0, 7)(rng);
    double v = std::uniform_real_distribution<double>(-10, 10)(rng);
    if (i % 97 == 0) v = std::nan("");
    points.push_back({t, v});
  }
  const Timestamp from = -4000, to = 12000, step = 37;
  auto acc = BucketAccumulator::Create(from, to, step, 100000);
  ASSERT_TRUE(acc.ok());
  std::vector<Timestamp> times;
  std::vector<double> values;
  for (const auto& p : points) {
    times.push_back(p.time);
    values.push_back(p.value);
  }
  acc->AddSorted(times, values);
  std::vector<Bucket> got;
  acc->Finish(got);
  auto want = BruteForce(points, from, to, step);
  ASSERT_EQ(got.size(), want.size());
  for (const Bucket& b : got) {
    const Bucket& w = want.at(b.start);
    EXPECT_EQ(b.count, w.count);
    ExpectSameDouble(b.min, w.min);
    ExpectSameDouble(b.max, w.max);
    EXPECT_NEAR(b.sum, w.sum, 1e-9);
    ExpectSameDouble(b.first, w.first);
    ExpectSameDouble(b.last, w.last);
  }
}

TEST(BucketAccumulator, PointBySummaryEqualsPointByPoint) {
  auto by_points = BucketAccumulator::Create(0, 1000, 100, 10);
  auto by_summary = BucketAccumulator::Create(0, 1000, 100, 10);
  ASSERT_TRUE(by_points.ok() && by_summary.ok());
  for (Timestamp t = 210; t <= 290; t += 10) by_points->AddPoint(t, static_cast<double>(t));
  ASSERT_TRUE(by_summary->FitsOneBucket(210, 290));
  EXPECT_FALSE(by_summary->FitsOneBucket(250, 300));
  EXPECT_FALSE(by_summary->FitsOneBucket(950, 1000));
  by_summary->AddSummary(210, 290, codec::ChunkSummary{9, 210, 290, 2250, 210, 290});
  std::vector<Bucket> a, b;
  by_points->Finish(a);
  by_summary->Finish(b);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].start, b[0].start);
  EXPECT_EQ(a[0].count, b[0].count);
  EXPECT_EQ(a[0].sum, b[0].sum);
  EXPECT_EQ(a[0].first, b[0].first);
  EXPECT_EQ(a[0].last, b[0].last);
}

TEST(BucketAccumulator, RefusesTooManyBucketsAndEmptyRanges) {
  EXPECT_EQ(BucketAccumulator::Create(0, 1'000'001, 1, 1'000'000).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(BucketAccumulator::Create(0, 10, 0, 10).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(BucketAccumulator::Create(10, 10, 1, 10).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(BucketAccumulator::Create(INT64_MIN / 2, INT64_MAX, INT64_MAX, 10).ok());
  EXPECT_EQ(BucketAccumulator::Create(INT64_MIN, 0, INT64_MAX, 10).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(BucketAccumulator, HandlesBucketsAtBothEndsOfTime) {
  auto acc = BucketAccumulator::Create(INT64_MIN / 2, INT64_MAX, INT64_MAX / 4, 10);
  ASSERT_TRUE(acc.ok());
  acc->AddPoint(INT64_MIN / 2, 1);
  acc->AddPoint(INT64_MAX - 1, 2);
  std::vector<Timestamp> times = {0, INT64_MAX - 2};
  std::vector<double> values = {3, 4};
  acc->AddSorted(times, values);
  std::vector<Bucket> out;
  acc->Finish(out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out.front().first, 1);
  EXPECT_EQ(out.back().count, 2u);
  EXPECT_EQ(out.back().last, 2);
}

TEST(MergeRuns, InterleavesOverlappingRunsStably) {
  std::vector<std::vector<Point>> runs = {{{1, 1}, {5, 1}, {9, 1}}, {{2, 2}, {5, 2}, {6, 2}}, {}};
  std::vector<Point> out;
  MergeRuns(runs, out);
  std::vector<Timestamp> times;
  for (const auto& p : out) times.push_back(p.time);
  EXPECT_EQ(times, (std::vector<Timestamp>{1, 2, 5, 5, 6, 9}));
  EXPECT_EQ(out[2].value, 1);  // the earlier run first on a tie
  EXPECT_EQ(out[3].value, 2);
}

TEST(Lttb, KeepsEndsAndThePeaks) {
  std::vector<Point> in;
  for (int i = 0; i < 1000; ++i) in.push_back({i, i == 500 ? 100.0 : std::sin(i / 50.0)});
  std::vector<Point> out;
  Lttb(in, 50, out);
  ASSERT_EQ(out.size(), 50u);
  EXPECT_EQ(out.front().time, 0);
  EXPECT_EQ(out.back().time, 999);
  EXPECT_TRUE(std::any_of(out.begin(), out.end(), [](const Point& p) { return p.time == 500; }));
  EXPECT_TRUE(
      std::is_sorted(out.begin(), out.end(), [](const Point& a, const Point& b) { return a.time < b.time; }));
  Lttb(in, 2000, out);
  EXPECT_EQ(out.size(), in.size());
}

}  // namespace
}  // namespace mw::storage::historian
