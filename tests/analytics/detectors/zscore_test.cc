#include "analytics/detectors/zscore.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace mw::analytics {
namespace {

// The reference: mean and sample standard deviation of `window` computed the plain way.
double ReferenceZ(const std::vector<double>& window, double x) {
  double sum = 0;
  for (double v : window) sum += v;
  double mean = sum / static_cast<double>(window.size());
  double ss = 0;
  for (double v : window) ss += (v - mean) * (v - mean);
  double sd = std::sqrt(ss / static_cast<double>(window.size() - 1));
  return (x - mean) / sd;
}

struct Harness {
  explicit Harness(ZScoreOptions o) : detector(std::move(o), "z", catalog) {
    AssetId a = catalog.AddAsset("plant/m1", "");
    series = catalog.InternSeries(a, "vibration");
  }
  void Feed(Timestamp t, double v, Quality q = Quality::kGood) {
    pipeline::ProcessorOutput out{derived, events};
    detector.Process({series, t, v, q}, out);
  }
  Catalog catalog;
  ZScoreDetector detector;
  SeriesId series;
  Batch derived;
  std::vector<Event> events;
};

TEST(ZScoreDetector, MatchesAnIndependentComputationOverACountWindow) {
  ZScoreOptions o;
  o.window = 50;
  o.warmup = 50;
  o.threshold = 3.0;
  Harness h(o);
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(100.0, 5.0);
  std::vector<double> values;
  for (int i = 0; i < 5000; ++i) values.push_back(noise(rng) + (i > 2500 ? 1e6 : 0));  // a level shift
  std::size_t scored = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::size_t before = h.derived.size();
    h.Feed(static_cast<Timestamp>(i), values[i]);
    if (i < 50) {
      EXPECT_EQ(h.derived.size(), before) << "no score during warm-up, i=" << i;
      continue;
    }
    ASSERT_EQ(h.derived.size(), before + 1);
    std::vector<double> window(values.begin() + static_cast<long>(i) - 50,
                               values.begin() + static_cast<long>(i));
    double expected = std::fabs(ReferenceZ(window, values[i]));
    EXPECT_NEAR(h.derived.values.back(), expected, 1e-6 * std::max(1.0, expected)) << "i=" << i;
    ++scored;
  }
  EXPECT_EQ(scored, 4950u);
  auto id = h.catalog.FindSeries(0, "vibration.anomaly_score");
  ASSERT_TRUE(id);
  EXPECT_EQ(h.derived.series.back(), *id);
}

TEST(ZScoreDetector, RaisesAnEventAtTheThresholdWithTheSignedScore) {
  ZScoreOptions o;
  o.window = 10;
  o.warmup = 10;
  o.threshold = 3.0;
  Harness h(o);
  for (int i = 0; i < 10; ++i) h.Feed(i, i % 2 ? 11.0 : 9.0);  // mean 10, sample sd ~1.054
  h.Feed(10, 10.0);
  EXPECT_TRUE(h.events.empty());
  h.Feed(11, 0.0);
  ASSERT_EQ(h.events.size(), 1u);
  EXPECT_LT(h.events[0].score, -3.0);
  EXPECT_EQ(h.events[0].value, 0.0);
  EXPECT_EQ(h.events[0].kind, EventKind::kAnomaly);
  EXPECT_EQ(h.events[0].source, "z");
}

TEST(ZScoreDetector, TimeWindowForgetsOldValues) {
  ZScoreOptions o;
  o.window_time = 10 * kNanosPerSecond;
  o.warmup = 3;
  o.threshold = 3.0;
  Harness h(o);
  for (int i = 0; i < 5; ++i) h.Feed(i * kNanosPerSecond, 1000.0 + i);
  // 20 s later the old values are gone: the window restarts and warms up again.
  std::size_t before = h.derived.size();
  h.Feed(30 * kNanosPerSecond, 1.0);
  h.Feed(31 * kNanosPerSecond, 2.0);
  h.Feed(32 * kNanosPerSecond, 3.0);
  EXPECT_EQ(h.derived.size(), before) << "window emptied, warm-up again";
  h.Feed(33 * kNanosPerSecond, 2.0);
  ASSERT_EQ(h.derived.size(), before + 1);
  EXPECT_NEAR(h.derived.values.back(), 0.0, 1e-12);
}

TEST(ZScoreDetector, SkipsNonFiniteAndBadQuality) {
  ZScoreOptions o;
  o.window = 5;
  o.warmup = 2;
  Harness h(o);
  h.Feed(1, 1.0);
  h.Feed(2, NAN);
  h.Feed(3, INFINITY);
  h.Feed(4, 50.0, Quality::kBad);
  h.Feed(5, 3.0);
  ASSERT_EQ(h.derived.size(), 0u) << "only one good value in the window before t=5";
  h.Feed(6, 2.0);
  ASSERT_EQ(h.derived.size(), 1u);
  EXPECT_NEAR(h.derived.values.back(), 0.0, 1e-12);
}

TEST(ZScoreDetector, ConstantWindowThenChangeIsMaximallyAnomalous) {
  ZScoreOptions o;
  o.window = 10;
  o.warmup = 5;
  Harness h(o);
  for (int i = 0; i < 10; ++i) h.Feed(i, 5.0);
  EXPECT_TRUE(h.events.empty());
  EXPECT_EQ(h.derived.values.back(), 0.0);
  h.Feed(10, 5.5);
  ASSERT_EQ(h.events.size(), 1u);
  EXPECT_EQ(h.derived.values.back(), 1e6);
}

TEST(ZScoreDetector, AppliesOnlyToItsSignals) {
  Catalog catalog;
  ZScoreOptions o;
  o.signals = {"a"};
  ZScoreDetector d(o, "z", catalog);
  EXPECT_TRUE(d.AppliesTo("a"));
  EXPECT_FALSE(d.AppliesTo("b"));
  ZScoreDetector all(ZScoreOptions{}, "z", catalog);
  EXPECT_TRUE(all.AppliesTo("b"));
}

TEST(RollingStats, StaysExactOverLongRuns) {
  RollingStats s;
  std::deque<std::pair<Timestamp, double>> window;
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(1e6, 1e6 + 1);
  for (int i = 0; i < 100000; ++i) {
    double x = u(rng);
    window.emplace_back(i, x);
    s.Add(x);
    if (window.size() > 20) {
      s.Remove(window.front().second);
      window.pop_front();
    }
  }
  RollingStats exact;
  exact.Recompute(window);
  EXPECT_NEAR(s.mean(), exact.mean(), 1e-6);
  EXPECT_NEAR(s.SampleStddev(), exact.SampleStddev(), 1e-3);
}

}  // namespace
}  // namespace mw::analytics
