#include "analytics/detectors/robust_zscore.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace mw::analytics {
namespace {

struct Harness {
  explicit Harness(RobustZScoreOptions o) : detector(std::move(o), "rz", catalog) {
    const AssetId a = catalog.AddAsset("plant/m1", "");
    series = catalog.InternSeries(a, "vibration");
  }
  void Feed(Timestamp t, double v, Quality q = Quality::kGood) {
    pipeline::ProcessorOutput out{derived, events};
    detector.Process({series, t, v, q}, out);
  }
  Catalog catalog;
  RobustZScoreDetector detector;
  SeriesId series;
  Batch derived;
  std::vector<Event> events;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

TEST(RobustZScoreDetector, ScoresAgainstTheMedianAndMadOfThePreviousWindow) {
  RobustZScoreOptions o;
  o.window = 31;
  o.warmup = 31;
  Harness h(o);
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(10.0, 2.0);
  std::vector<double> values;
  for (int i = 0; i < 2000; ++i) {
    values.push_back(noise(rng));
    const std::size_t before = h.derived.size();
    h.Feed(i, values.back());
    if (i < 31) {
      ASSERT_EQ(h.derived.size(), before);
      continue;
    }
    ASSERT_EQ(h.derived.size(), before + 1);
    std::vector<double> window(values.end() - 32, values.end() - 1);
    const double med = Median(window);
    std::vector<double> dev;
    for (double x : window) dev.push_back(std::fabs(x - med));
    const double expected = std::fabs(values.back() - med) / (1.4826 * Median(dev));
    ASSERT_NEAR(h.derived.values.back(), expected, 1e-9 * std::max(1.0, expected)) << i;
  }
  auto id = h.catalog.FindSeries(0, "vibration.robust_score");
  ASSERT_TRUE(id);
  EXPECT_EQ(h.derived.series.back(), *id);
}

TEST(RobustZScoreDetector, FlagsASpikeWithoutBeingBlindedByEarlierSpikes) {
  RobustZScoreOptions o;
  o.window = 50;
  o.warmup = 20;
  o.threshold = 5;
  Harness h(o);
  std::mt19937_64 rng(9);
  std::normal_distribution<double> noise(0.0, 1.0);
  // Two earlier outliers inside the window would inflate a plain standard deviation 10-fold; the
  // median and MAD barely move, so the third spike still stands out.
  for (int i = 0; i < 200; ++i) {
    double x = noise(rng);
    if (i == 150 || i == 160) x = 80;
    if (i == 170) x = 12;
    h.Feed(i, x);
  }
  ASSERT_GE(h.events.size(), 3U);
  EXPECT_EQ(h.events.back().time, 170);
  EXPECT_GT(h.events.back().score, 5);
  EXPECT_EQ(h.events.back().source, "rz");
}

TEST(RobustZScoreDetector, FallsBackToTheMeanAbsoluteDeviationWhenMostValuesRepeat) {
  RobustZScoreOptions o;
  o.window = 10;
  o.warmup = 10;
  Harness h(o);
  // Seven 5s and three 6s: MAD = 0, mean absolute deviation from 5 = 0.3.
  for (int i = 0; i < 10; ++i) h.Feed(i, i < 7 ? 5.0 : 6.0);
  h.Feed(10, 6.0);
  ASSERT_EQ(h.derived.size(), 1U);
  EXPECT_NEAR(h.derived.values.back(), 1.0 / (1.2533 * 0.3), 1e-9);
}

TEST(RobustZScoreDetector, ConstantWindowThenChangeIsMaximallyAnomalous) {
  RobustZScoreOptions o;
  o.window = 10;
  o.warmup = 5;
  Harness h(o);
  for (int i = 0; i < 10; ++i) h.Feed(i, 5.0);
  EXPECT_TRUE(h.events.empty());
  h.Feed(10, 5.5);
  EXPECT_EQ(h.derived.values.back(), 1e6);
  EXPECT_EQ(h.events.size(), 1U);
}

TEST(RobustZScoreDetector, NanAndBadQualityNeverEnterTheWindow) {
  RobustZScoreOptions o;
  o.window = 5;
  o.warmup = 3;
  Harness h(o);
  h.Feed(1, 1.0);
  h.Feed(2, NAN);
  h.Feed(3, 2.0);
  h.Feed(4, INFINITY);
  h.Feed(5, 1e9, Quality::kBad);
  h.Feed(6, 3.0);
  EXPECT_EQ(h.derived.size(), 0U) << "two good values before t=6";
  h.Feed(7, 2.0);
  ASSERT_EQ(h.derived.size(), 1U);
  EXPECT_EQ(h.derived.values.back(), 0.0) << "median of {1, 2, 3} is 2";
  for (double v : h.derived.values) EXPECT_TRUE(std::isfinite(v));
}

TEST(RobustZScoreDetector, TimeWindowForgetsOldValues) {
  RobustZScoreOptions o;
  o.window_time = 10 * kNanosPerSecond;
  o.warmup = 3;
  Harness h(o);
  for (int i = 0; i < 5; ++i) h.Feed(i * kNanosPerSecond, 1000.0 + i);
  const std::size_t before = h.derived.size();
  h.Feed(30 * kNanosPerSecond, 1.0);
  h.Feed(31 * kNanosPerSecond, 2.0);
  h.Feed(32 * kNanosPerSecond, 3.0);
  EXPECT_EQ(h.derived.size(), before) << "the window emptied and warms up again";
  h.Feed(33 * kNanosPerSecond, 2.0);
  ASSERT_EQ(h.derived.size(), before + 1);
  EXPECT_EQ(h.derived.values.back(), 0.0);
}

TEST(RobustZScoreDetector, DescriptorRejectsAWarmupLongerThanTheWindow) {
  const auto d = RobustZScoreDetector::Descriptor();
  EXPECT_EQ(d.name, "robust_zscore");
  pipeline::Options o;
  for (const auto& spec : d.options) o.Put(spec.key, *spec.default_value, false);
  o.Put("warmup", std::int64_t{500}, true);
  Catalog catalog;
  MetricsRegistry metrics;
  Config config;
  pipeline::PluginContext ctx{"rz", catalog, metrics, SystemClock::Instance(), config, nullptr, {}};
  auto result = d.factory(o, ctx);
  EXPECT_FALSE(result.ok());
}

}  // namespace
}  // namespace mw::analytics
