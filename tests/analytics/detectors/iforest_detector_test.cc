#include "analytics/detectors/iforest_detector.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <random>
#include <thread>
#include <vector>

namespace mw::analytics {
namespace {

struct Harness {
  explicit Harness(IForestDetectorOptions o) : detector(std::move(o), "if", catalog) {
    asset = catalog.AddAsset("plant/pump", "");
    a = catalog.InternSeries(asset, "a");
    b = catalog.InternSeries(asset, "b");
  }
  void Feed(SeriesId s, Timestamp t, double v) {
    pipeline::ProcessorOutput out{derived, events};
    detector.Process({s, t, v, Quality::kGood}, out);
  }
  Catalog catalog;
  IForestDetector detector;
  AssetId asset;
  SeriesId a;
  SeriesId b;
  Batch derived;
  std::vector<Event> events;
};

IForestDetectorOptions Options(bool background) {
  IForestDetectorOptions o;
  o.signals = {"a", "b"};
  o.warmup = 300;
  o.history = 1000;
  o.refit_every = 200;
  o.background = background;
  o.forest.trees = 50;
  return o;
}

TEST(IForestDetector, ScoresTheLatestVectorOnceWarmedUp) {
  Harness h(Options(false));
  std::mt19937_64 rng(1);
  std::normal_distribution<double> g(0, 1);
  h.Feed(h.a, 0, 0.1);
  EXPECT_EQ(h.derived.size(), 0U) << "b has no value yet";
  for (int i = 1; i < 300; ++i) h.Feed(i % 2 ? h.b : h.a, i, g(rng));
  EXPECT_EQ(h.derived.size(), 0U) << "299 vectors: still warming up";
  h.Feed(h.a, 300, 0.0);
  ASSERT_EQ(h.derived.size(), 1U);
  EXPECT_EQ(h.detector.ModelGeneration(h.asset), 1U);
  auto out = h.catalog.FindSeries(h.asset, "iforest_score");
  ASSERT_TRUE(out);
  EXPECT_EQ(h.derived.series.back(), *out);
  EXPECT_LT(h.derived.values.back(), 0.6);
  h.Feed(h.b, 301, 12.0);
  h.Feed(h.a, 302, 12.0);  // (12, 12): far out on both
  EXPECT_GT(h.derived.values.back(), 0.65);
  ASSERT_GE(h.events.size(), 1U);
  EXPECT_EQ(h.events[0].score, h.derived.values.back());
  // NaN keeps the last good value: the vector is scored again, unchanged.
  const std::size_t before = h.derived.size();
  h.Feed(h.b, 303, NAN);
  EXPECT_EQ(h.derived.size(), before);
}

TEST(IForestDetector, RefitsInTheBackgroundWhileScoringContinues) {
  Harness h(Options(true));
  std::mt19937_64 rng(2);
  std::normal_distribution<double> g(0, 1);
  int t = 0;
  for (; t < 700; ++t) h.Feed(t % 2 ? h.b : h.a, t, g(rng));
  h.detector.WaitIdle();  // the first fit, started at vector 300
  std::size_t scored = 0;
  for (int i = 0; i < 3000; ++i, ++t) {
    const std::size_t before = h.derived.size();
    h.Feed(t % 2 ? h.b : h.a, t, g(rng));
    // Every update is scored, whether a refit is running or not: scoring never waits for one.
    ASSERT_EQ(h.derived.size(), before + 1) << i;
    ++scored;
    // Give the fitting thread time to run on a busy machine.
    if (i % 100 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  h.detector.WaitIdle();
  EXPECT_EQ(scored, 3000U);
  EXPECT_GE(h.detector.ModelGeneration(h.asset), 5U) << "refits every 200 vectors, one in flight at a time";
  for (double v : h.derived.values) {
    ASSERT_GT(v, 0);
    ASSERT_LE(v, 1);
  }
}

TEST(IForestDetector, DescriptorRequiresSignals) {
  const auto d = IForestDetector::Descriptor();
  EXPECT_EQ(d.name, "isolation_forest");
  ASSERT_FALSE(d.options.empty());
  EXPECT_EQ(d.options[0].key, "signals");
  EXPECT_FALSE(d.options[0].default_value.has_value());
  EXPECT_FALSE(d.options[0].check(std::vector<std::string>{}).empty());
}

}  // namespace
}  // namespace mw::analytics
