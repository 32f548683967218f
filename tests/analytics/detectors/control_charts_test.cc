#include "analytics/detectors/control_charts.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace mw::analytics {
namespace {

template <typename Detector, typename Options>
struct Harness {
  explicit Harness(Options o) : detector(std::move(o), "chart", catalog) {
    const AssetId a = catalog.AddAsset("plant/m1", "");
    series = catalog.InternSeries(a, "temperature");
  }
  void Feed(Timestamp t, double v, Quality q = Quality::kGood) {
    pipeline::ProcessorOutput out{derived, events};
    detector.Process({series, t, v, q}, out);
  }
  Catalog catalog;
  Detector detector;
  SeriesId series;
  Batch derived;
  std::vector<Event> events;
};
using Ewma = Harness<EwmaChartDetector, EwmaChartOptions>;
using Cusum = Harness<CusumDetector, CusumOptions>;

TEST(EwmaChartDetector, FindsASlowDriftThatNoSingleValueReveals) {
  EwmaChartOptions o;
  o.lambda = 0.1;
  o.limit = 3.5;  // an in-control run length of thousands of values
  o.warmup = 200;
  Ewma h(o);
  std::mt19937_64 rng(4);
  std::normal_distribution<double> noise(50.0, 1.0);
  // In control for 600 values, then a drift of 0.01 σ per value: after 100 values the mean has
  // moved 1 σ, well inside any single-value 3σ band.
  Timestamp first_event = -1;
  for (int i = 0; i < 1200; ++i) {
    const double drift = i < 600 ? 0 : 0.01 * (i - 600);
    h.Feed(i, noise(rng) + drift);
    if (first_event < 0 && !h.events.empty()) first_event = h.events.front().time;
  }
  ASSERT_GE(first_event, 600) << "no false alarm before the drift";
  EXPECT_LT(first_event, 800) << "the drift is found within 2 σ of movement";
  EXPECT_GT(h.events.front().score, 3);
}

TEST(EwmaChartDetector, LimitsWidenTowardsTheirAsymptote) {
  EwmaChartOptions o;
  o.lambda = 0.2;
  o.limit = 3;
  o.warmup = 2;
  o.emit_limits = true;
  o.restart = false;
  Ewma h(o);
  h.Feed(0, 9);
  h.Feed(1, 11);  // reference: mean 10, σ = sqrt(2)
  h.Feed(2, 10);
  h.Feed(3, 10);
  const double sigma = std::sqrt(2.0);
  auto ucl = h.catalog.FindSeries(0, "temperature.ewma_ucl");
  ASSERT_TRUE(ucl);
  std::vector<double> limits;
  for (std::size_t i = 0; i < h.derived.size(); ++i)
    if (h.derived.series[i] == *ucl) limits.push_back(h.derived.values[i]);
  ASSERT_EQ(limits.size(), 2U);
  // t = 1: σ_z = σ sqrt(λ/(2-λ) (1 - 0.8²)) = σ · 0.2; t = 2: σ sqrt(1/9 · (1 - 0.8⁴)).
  EXPECT_NEAR(limits[0], 10 + 3 * sigma * 0.2, 1e-12);
  EXPECT_NEAR(limits[1], 10 + 3 * sigma * std::sqrt((1 - std::pow(0.8, 4)) / 9), 1e-12);
  EXPECT_LT(limits[0], limits[1]);
}

TEST(CusumDetector, FindsALevelShiftAndRestartsOnTheNewLevel) {
  CusumOptions o;
  o.k = 0.5;
  o.h = 8;  // an in-control run length far beyond these 500 values
  o.warmup = 100;
  Cusum h(o);
  std::mt19937_64 rng(8);
  std::normal_distribution<double> noise(0.0, 1.0);
  for (int i = 0; i < 1000; ++i) h.Feed(i, noise(rng) + (i >= 500 ? 2.0 : 0.0));
  ASSERT_FALSE(h.events.empty());
  EXPECT_GE(h.events.front().time, 500) << "no false alarm before the shift";
  EXPECT_LT(h.events.front().time, 515) << "a 2σ shift takes a handful of samples";
  EXPECT_GT(h.events.front().score, 5) << "an upward shift has a positive score";
  // After the restart the chart learns the new level: few or no further events.
  EXPECT_LE(h.events.size(), 3U);
}

TEST(CusumDetector, MatchesTheTabularRecursion) {
  CusumOptions o;
  o.k = 0.5;
  o.h = 100;
  o.warmup = 4;
  Cusum h(o);
  for (double x : {1.0, -1.0, 1.0, -1.0}) h.Feed(0, x);  // mean 0, σ = sqrt(4/3)
  const double sigma = std::sqrt(4.0 / 3.0);
  double hi = 0;
  double lo = 0;
  const std::vector<double> xs = {2, 3, -1, -4, 0.5};
  for (std::size_t i = 0; i < xs.size(); ++i) {
    h.Feed(static_cast<Timestamp>(i + 1), xs[i]);
    const double u = xs[i] / sigma;
    hi = std::max(0.0, hi + u - 0.5);
    lo = std::max(0.0, lo - u - 0.5);
    ASSERT_NEAR(h.derived.values.back(), std::max(hi, lo), 1e-12) << i;
  }
}

TEST(CusumDetector, NanAndBadQualityAreSkipped) {
  CusumOptions o;
  o.warmup = 3;
  Cusum h(o);
  h.Feed(0, 1);
  h.Feed(1, NAN);
  h.Feed(2, 2);
  h.Feed(3, 1e12, Quality::kBad);
  h.Feed(4, 3);
  EXPECT_EQ(h.derived.size(), 0U);
  h.Feed(5, 2);
  ASSERT_EQ(h.derived.size(), 1U);
  EXPECT_EQ(h.derived.values.back(), 0.0);
  EXPECT_TRUE(h.events.empty());
}

TEST(EwmaChartDetector, ConstantWarmupDoesNotDivideByZero) {
  EwmaChartOptions o;
  o.warmup = 5;
  Ewma h(o);
  for (int i = 0; i < 10; ++i) h.Feed(i, 3.0);
  for (double v : h.derived.values) EXPECT_LT(v, 1e-3) << "rounding only";
  h.Feed(10, 3.1);
  EXPECT_TRUE(std::isfinite(h.derived.values.back()));
  EXPECT_EQ(h.events.size(), 1U);
}

}  // namespace
}  // namespace mw::analytics
