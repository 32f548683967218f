#include "analytics/detectors/anomaly_likelihood.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace mw::analytics {
namespace {

TEST(GaussianTail, KnownValues) {
  EXPECT_NEAR(GaussianTail(0), 0.5, 1e-15);
  EXPECT_NEAR(GaussianTail(1.959963985), 0.025, 1e-9);
  EXPECT_NEAR(GaussianTail(-1.959963985), 0.975, 1e-9);
}

TEST(AnomalyLikelihood, IsNeutralWhileLearningThenFollowsTheGaussianTail) {
  AnomalyLikelihoodOptions o;
  o.short_window = 1;
  o.long_window = 100;
  o.learning = 10;
  AnomalyLikelihood l(o);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(l.Update(i % 2 ? 1.0 : 3.0), 0.5);
  // The Gaussian of the ten past averages: mean 2, sample σ = sqrt(10/9).
  const double expected = 1 - GaussianTail((4.0 - 2.0) / std::sqrt(10.0 / 9.0));
  EXPECT_NEAR(l.Update(4.0), expected, 1e-12);
  EXPECT_NEAR(l.tail(), 1 - expected, 1e-12);
}

TEST(AnomalyLikelihood, OneThresholdWorksForANoisyAndAQuietScore) {
  // Two score series of very different scales; the same sustained rise relative to each one's
  // spread crosses the same likelihood threshold, and neither crosses it before the rise.
  for (double scale : {0.01, 100.0}) {
    AnomalyLikelihood l;
    std::mt19937_64 rng(5);
    std::normal_distribution<double> g(1.0, 0.2);
    double max_before = 0;
    double max_after = 0;
    for (int i = 0; i < 3000; ++i) {
      const double score = scale * (g(rng) + (i >= 2800 ? 2.0 : 0.0));
      const double likelihood = l.Update(score);
      (i < 2800 ? max_before : max_after) = std::max(i < 2800 ? max_before : max_after, likelihood);
    }
    EXPECT_LT(max_before, 0.9999) << scale;
    EXPECT_GT(max_after, 0.99999) << scale;
  }
}

TEST(AnomalyLikelihoodDetector, FollowsScoreSeriesAndSkipsNan) {
  Catalog catalog;
  AnomalyLikelihoodDetectorOptions o;
  o.likelihood.learning = 2;
  AnomalyLikelihoodDetector d(o, "al", catalog);
  EXPECT_TRUE(d.AppliesTo("vibration.anomaly_score"));
  EXPECT_TRUE(d.AppliesTo("iforest_score"));
  EXPECT_FALSE(d.AppliesTo("vibration"));
  EXPECT_FALSE(d.AppliesTo("vibrationanomaly_score"));
  const AssetId asset = catalog.AddAsset("plant/m", "");
  const SeriesId s = catalog.InternSeries(asset, "vibration.anomaly_score");
  Batch derived;
  std::vector<Event> events;
  pipeline::ProcessorOutput out{derived, events};
  d.Process({s, 1, 1.0}, out);
  d.Process({s, 2, NAN}, out);
  d.Process({s, 3, 2.0, Quality::kBad}, out);
  EXPECT_EQ(derived.size(), 1U);
  EXPECT_EQ(derived.series[0], *catalog.FindSeries(asset, "vibration.anomaly_score.likelihood"));
  EXPECT_EQ(derived.values[0], 0.5);
}

}  // namespace
}  // namespace mw::analytics
