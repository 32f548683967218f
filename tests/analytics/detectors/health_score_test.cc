#include "analytics/detectors/health_score.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace mw::analytics {
namespace {

TEST(HealthFromLikelihoods, IsLinearInTheNinesOfTheWorstDetector) {
  EXPECT_EQ(HealthFromLikelihoods({}), 100);
  EXPECT_EQ(HealthFromLikelihoods({0.5, 0.9}), 100);
  EXPECT_NEAR(HealthFromLikelihoods({0.5, 0.9999}), 50, 1e-6);
  EXPECT_NEAR(HealthFromLikelihoods({0.999, 0.5}), 75, 1e-6);
  EXPECT_EQ(HealthFromLikelihoods({0.5, 1.0}), 0);
  EXPECT_EQ(HealthFromLikelihoods({0.9999999}), 0);
}

TEST(HealthScore, CombinesTheLatestLikelihoodOfEachDetectorOfTheAsset) {
  Catalog catalog;
  HealthScore h(HealthScoreOptions{}, catalog);
  const AssetId asset = catalog.AddAsset("plant/pump", "");
  const SeriesId x = catalog.InternSeries(asset, "vibration.anomaly_score.likelihood");
  const SeriesId y = catalog.InternSeries(asset, "iforest_score.likelihood");
  EXPECT_TRUE(h.AppliesTo("iforest_score.likelihood"));
  EXPECT_FALSE(h.AppliesTo("vibration"));
  Batch derived;
  std::vector<Event> events;
  pipeline::ProcessorOutput out{derived, events};
  h.Process({x, 1, 0.5}, out);
  h.Process({y, 2, 0.9999}, out);
  h.Process({x, 3, 0.999}, out);
  h.Process({y, 4, 0.6}, out);
  h.Process({y, 5, NAN}, out);
  ASSERT_EQ(derived.size(), 4U);
  EXPECT_EQ(derived.series[0], *catalog.FindSeries(asset, "health"));
  EXPECT_EQ(derived.values[0], 100);
  EXPECT_NEAR(derived.values[1], 50, 1e-6);
  EXPECT_NEAR(derived.values[2], 50, 1e-6) << "y still at 0.9999";
  EXPECT_NEAR(derived.values[3], 75, 1e-6) << "x at 0.999 is now the worst";
}

}  // namespace
}  // namespace mw::analytics
