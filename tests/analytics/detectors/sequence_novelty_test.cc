#include "analytics/detectors/sequence_novelty.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace mw::analytics {
namespace {

// Range [0, 8) in 8 levels: the bin of v is floor(v).
SequenceNoveltyOptions Unit(std::size_t orders, std::size_t rest) {
  SequenceNoveltyOptions o;
  o.min = 0;
  o.max = 8;
  o.orders = orders;
  o.rest = rest;
  return o;
}

std::vector<double> Raw(SequenceNovelty& n, const std::vector<double>& values) {
  std::vector<double> out;
  for (double v : values) {
    double score = 0;
    double raw = 0;
    EXPECT_TRUE(n.Update(v, score, raw));
    out.push_back(raw);
  }
  return out;
}

TEST(SequenceNovelty, ScoresTheFractionOfPatternsNeverSeen) {
  const SequenceNoveltyOptions o = Unit(3, 0);
  SequenceNovelty n(o);
  // Bins 0 1 2 0 1 2 0: by hand, orders 1..3 (a pattern exists only once enough values arrived).
  const std::vector<double> raw = Raw(n, {0.5, 1.5, 2.5, 0.5, 1.5, 2.5, 0.5});
  const std::vector<double> expected = {1.0 / 3, 2.0 / 3, 1, 2.0 / 3, 1.0 / 3, 0, 0};
  ASSERT_EQ(raw.size(), expected.size());
  for (std::size_t i = 0; i < raw.size(); ++i) EXPECT_DOUBLE_EQ(raw[i], expected[i]) << i;
  EXPECT_EQ(n.patterns(), 3U + 3U + 3U);  // {0}{1}{2}, {1,0}{2,1}{0,2}, {2,1,0}{0,2,1}{1,0,2}
}

TEST(SequenceNovelty, AFamiliarValueByANewPathScoresBelowANewValue) {
  const SequenceNoveltyOptions o = Unit(4, 0);
  SequenceNovelty n(o);
  for (int cycle = 0; cycle < 20; ++cycle) Raw(n, {1.5, 3.5, 5.5, 3.5});
  // 5 after 1 skips 3: the value is known, its order-2..4 patterns are not.
  EXPECT_DOUBLE_EQ(Raw(n, {1.5, 5.5}).back(), 3.0 / 4);
  // 7 was never visited: every pattern ending in it is new.
  EXPECT_DOUBLE_EQ(Raw(n, {7.5}).back(), 1.0);
  // Out of range, both sides, are bins of their own.
  EXPECT_DOUBLE_EQ(Raw(n, {-100}).back(), 1.0);
  EXPECT_DOUBLE_EQ(Raw(n, {1e9}).back(), 1.0);
  EXPECT_DOUBLE_EQ(Raw(n, {2e9}).back(), 0.75);  // the same bin again, by a new path
}

TEST(SequenceNovelty, RestsAfterANoveltyButKeepsLearning) {
  SequenceNoveltyOptions o = Unit(2, 3);
  o.rest_level = 0.75;
  SequenceNovelty n(o);
  std::vector<double> reported;
  std::vector<double> raws;
  for (double v : {0.5, 1.5, 2.5, 3.5, 4.5, 0.5, 1.5}) {
    double score = 0;
    double raw = 0;
    ASSERT_TRUE(n.Update(v, score, raw));
    reported.push_back(score);
    raws.push_back(raw);
  }
  // raw: 0.5 (only order 1 exists yet), then 1 at each new bin: 1.5 starts the rest, which every
  // later novelty extends; 0.5 again is a known bin by a new path (4 then 0: 0.5), 1.5 is known.
  EXPECT_EQ(raws, (std::vector<double>{0.5, 1, 1, 1, 1, 0.5, 0}));
  EXPECT_EQ(reported, (std::vector<double>{0.5, 1, 0, 0, 0, 0, 0}));
}

TEST(SequenceNovelty, LearnsTheRangeFromTheFirstValuesWhenNoneIsGiven) {
  SequenceNoveltyOptions o;
  o.learn = 100;
  o.rest = 0;
  SequenceNovelty n(o);
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(10, 20);
  double score = 0;
  double raw = 0;
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(n.Update(u(rng), score, raw));
  EXPECT_GT(n.range_min(), 10);
  EXPECT_LT(n.range_max(), 20);
  for (int i = 0; i < 5000; ++i)
    ASSERT_TRUE(n.Update(std::clamp(u(rng), n.range_min(), n.range_max()), score, raw));
  // Uniform noise inside the range: after 5,000 values only long patterns can still be new.
  ASSERT_TRUE(n.Update(15, score, raw));
  EXPECT_LE(raw, 0.5);
  ASSERT_TRUE(n.Update(35, score, raw));  // far above the learned range
  EXPECT_DOUBLE_EQ(raw, 1.0);
}

TEST(SequenceNovelty, StopsRememberingAtMaxPatternsAndStillScores) {
  SequenceNoveltyOptions o = Unit(6, 0);
  o.levels = 64;
  o.max = 64;
  o.max_patterns = 1000;
  SequenceNovelty n(o);
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(0, 64);
  double score = 0;
  double raw = 0;
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(n.Update(u(rng), score, raw));
  EXPECT_EQ(n.patterns(), 1000U);
  EXPECT_GT(raw, 0.5);  // random order-6 paths are still new
}

struct Harness {
  explicit Harness(SequenceNoveltyOptions o) : detector(std::move(o), "novelty", catalog) {
    const AssetId a = catalog.AddAsset("plant/pump1", "");
    series = catalog.InternSeries(a, "pressure");
  }
  void Feed(Timestamp t, double v, Quality q = Quality::kGood) {
    pipeline::ProcessorOutput out{derived, events};
    detector.Process({series, t, v, q}, out);
  }
  Catalog catalog;
  SequenceNoveltyDetector detector;
  SeriesId series;
  Batch derived;
  std::vector<Event> events;
};

TEST(SequenceNoveltyDetector, FlagsTheStartAndTheEndOfAStuckSensorOnceEach) {
  SequenceNoveltyOptions o;
  o.min = -1;
  o.max = 1;
  o.rest = 50;
  Harness h(o);
  // A sine of period 40 (a quarter sample off, so that no value sits on a bin edge) for 4,000
  // values, then 100 values stuck at 0.9 (the sine's top bin, where it spends 9 values at a
  // time), then the sine again.
  for (int i = 0; i < 5000; ++i) {
    const double v = (i >= 4000 && i < 4100) ? 0.9 : std::sin(2 * M_PI * (i + 0.25) / 40.0);
    h.Feed(i, v);
  }
  ASSERT_EQ(h.derived.size(), 5000U);
  const auto id = h.catalog.FindSeries(0, "pressure.novelty");
  ASSERT_TRUE(id);
  EXPECT_EQ(h.derived.series.back(), *id);
  std::vector<Timestamp> after_learning;
  for (const auto& e : h.events)
    if (e.time >= 200) after_learning.push_back(e.time);
  // Jumping into the top bin from the middle, and dropping out of it to the middle, are paths the
  // sine never takes; the stuck stretch itself is a run of the top bin, which it knows.
  ASSERT_EQ(after_learning.size(), 2U);
  EXPECT_GE(after_learning[0], 4000);
  EXPECT_LT(after_learning[0], 4010);
  EXPECT_GE(after_learning[1], 4100);
  EXPECT_LT(after_learning[1], 4110);
  EXPECT_EQ(h.events.back().source, "novelty");
}

TEST(SequenceNoveltyDetector, SkipsNaNAndBadQualityWithoutBreakingThePattern) {
  SequenceNoveltyOptions o = Unit(2, 0);
  Harness h(o);
  for (int cycle = 0; cycle < 10; ++cycle) {
    h.Feed(cycle * 3, 1.5);
    h.Feed(cycle * 3 + 1, std::numeric_limits<double>::quiet_NaN());
    h.Feed(cycle * 3 + 2, 6.5, cycle == 9 ? Quality::kBad : Quality::kGood);
  }
  EXPECT_EQ(h.derived.size(), 19U);  // 10 + 9 good values, each scored
  EXPECT_EQ(h.derived.values.back(), 0.0);
}

TEST(SequenceNoveltyDetector, DescriptorRejectsAnInvertedRangeAndTooLongPatterns) {
  const auto d = SequenceNoveltyDetector::Descriptor();
  EXPECT_EQ(d.name, "sequence_novelty");
  Catalog catalog;
  MetricsRegistry metrics;
  Config config;
  pipeline::PluginContext ctx{"novelty", catalog, metrics, SystemClock::Instance(), config, nullptr, {}};
  pipeline::Options o;
  for (const auto& spec : d.options) o.Put(spec.key, *spec.default_value, false);
  EXPECT_TRUE(d.factory(o, ctx).ok());
  o.Put("min", 5.0, true);
  o.Put("max", 1.0, true);
  EXPECT_FALSE(d.factory(o, ctx).ok());
  const auto orders =
      std::find_if(d.options.begin(), d.options.end(), [](const auto& s) { return s.key == "orders"; });
  ASSERT_NE(orders, d.options.end());
  EXPECT_NE(orders->check(std::int64_t{17}), "");
  EXPECT_EQ(orders->check(std::int64_t{16}), "");
}

}  // namespace
}  // namespace mw::analytics
