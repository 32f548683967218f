#include "analytics/detectors/zscore.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <random>
#include <utility>
#include <vector>

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
  SampleWindow window;
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(1e6, 1e6 + 1);
  for (int i = 0; i < 100000; ++i) {
    double x = u(rng);
    window.Push(i, x);
    s.Add(x);
    if (window.size() > 20) {
      s.Remove(window.front_value());
      window.PopFront();
    }
  }
  RollingStats exact;
  exact.Recompute(window);
  EXPECT_NEAR(s.mean(), exact.mean(), 1e-6);
  EXPECT_NEAR(s.SampleStddev(), exact.SampleStddev(), 1e-3);
}

TEST(RollingStats, ReplaceIsRemoveThenAdd) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(50.0, 10.0);
  std::deque<double> window;
  RollingStats sliding;
  for (int i = 0; i < 30; ++i) {
    window.push_back(noise(rng));
    sliding.Add(window.back());
  }
  for (int i = 0; i < 20000; ++i) {
    const double in = noise(rng) + (i % 1000 == 0 ? 1e4 : 0);
    sliding.Replace(window.front(), in, 1.0 / 30);
    window.pop_front();
    window.push_back(in);
    double sum = 0;
    for (double v : window) sum += v;
    const double mean = sum / static_cast<double>(window.size());
    double ss = 0;
    for (double v : window) ss += (v - mean) * (v - mean);
    const double sd = std::sqrt(ss / static_cast<double>(window.size() - 1));
    ASSERT_EQ(sliding.count(), 30u);
    ASSERT_NEAR(sliding.mean(), mean, 1e-9 * std::max(1.0, std::fabs(mean))) << i;
    ASSERT_NEAR(sliding.SampleStddev(), sd, 1e-6 * std::max(1.0, sd)) << i;
  }
  RollingStats one;
  one.Add(4);
  one.Replace(4, 7, 1.0);
  EXPECT_EQ(one.count(), 1u);
  EXPECT_EQ(one.mean(), 7);
}

// The ring against a std::deque, through growth and wrap-around, with and without times.
TEST(SampleWindow, BehavesLikeADeque) {
  for (bool timed : {false, true}) {
    SampleWindow ring(timed);
    std::deque<std::pair<Timestamp, double>> reference;
    std::mt19937_64 rng(timed ? 5 : 6);
    for (int step = 0; step < 200000; ++step) {
      // Phases of growth, of a steady size, and of shrinking, so that the ring grows and wraps.
      const int phase = (step / 5000) % 3;
      const bool push = reference.empty() || (rng() % 100) < (phase == 0 ? 70u : phase == 1 ? 50u : 30u);
      if (push) {
        const Timestamp t = step;
        const double v = static_cast<double>(rng() % 1000000) / 7.0;
        ring.Push(t, v);
        reference.emplace_back(t, v);
      } else {
        ring.PopFront();
        reference.pop_front();
      }
      ASSERT_EQ(ring.size(), reference.size());
      ASSERT_EQ(ring.empty(), reference.empty());
      if (reference.empty()) continue;
      ASSERT_EQ(ring.front_value(), reference.front().second);
      if (timed) {
        ASSERT_EQ(ring.front_time(), reference.front().first);
      }
      if (step % 997 == 0) {
        for (std::size_t i = 0; i < reference.size(); ++i) {
          ASSERT_EQ(ring.value(i), reference[i].second) << i;
        }
      }
    }
  }
}

// A count window sized like the benchmark's (100 values, warm-up 20), over many windows' worth
// of values, against the plain computation; and the same through a time window.
TEST(ZScoreDetector, CountAndTimeWindowsMatchAnIndependentComputation) {
  for (bool timed : {false, true}) {
    ZScoreOptions o;
    o.window = 100;
    o.warmup = 20;
    o.threshold = 4.0;
    if (timed) o.window_time = 100 * kNanosPerSecond;  // one value per second: 100 values
    Harness h(o);
    std::mt19937_64 rng(11);
    std::normal_distribution<double> noise(20.0, 0.5);
    std::vector<double> values;
    std::size_t scored = 0;
    for (int i = 0; i < 20000; ++i) {
      values.push_back(noise(rng) + (i % 3000 == 2999 ? 50 : 0));
      const std::size_t before = h.derived.size();
      h.Feed(static_cast<Timestamp>(i) * kNanosPerSecond, values.back());
      // The window before value i: the 100 values before it (fewer at the start); by time, those
      // less than 100 s older than it, the 99 before it.
      const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(i), timed ? 99 : 100);
      if (n < 20) {
        ASSERT_EQ(h.derived.size(), before) << i;
        continue;
      }
      ASSERT_EQ(h.derived.size(), before + 1) << i;
      std::vector<double> window(values.end() - 1 - static_cast<long>(n), values.end() - 1);
      const double expected = std::fabs(ReferenceZ(window, values.back()));
      ASSERT_NEAR(h.derived.values.back(), expected, 1e-6 * std::max(1.0, expected)) << i;
      ++scored;
    }
    EXPECT_EQ(scored, 20000u - 20u);
    EXPECT_GE(h.events.size(), 6u);
  }
}

}  // namespace
}  // namespace mw::analytics
