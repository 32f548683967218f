#include "analytics/features/trend.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "harness.h"

namespace mw::analytics {
namespace {

using testing::Harness;

TEST(Ewma, FollowsTheRecurrenceWithAFixedAlpha) {
  Harness h;
  EwmaOptions o;
  o.alpha = 0.25;
  Ewma p(o, h.catalog());
  const std::vector<double> x = {4, 8, 0, 4};
  for (std::size_t i = 0; i < x.size(); ++i) h.Feed(p, "temp", static_cast<Timestamp>(i), x[i]);
  // 4; 4 + 0.25 * 4 = 5; 5 - 1.25 = 3.75; 3.75 + 0.0625 = 3.8125
  EXPECT_EQ(h.Values("temp.ewma"), (std::vector<double>{4, 5, 3.75, 3.8125}));
}

TEST(Ewma, HalfLifeHalvesTheWeightOfTheOldValue) {
  Harness h;
  EwmaOptions o;
  o.half_life = 10 * kNanosPerSecond;
  Ewma p(o, h.catalog());
  h.Feed(p, "temp", 0, 0.0);
  h.Feed(p, "temp", 10 * kNanosPerSecond, 8.0);  // alpha = 1/2
  h.Feed(p, "temp", 30 * kNanosPerSecond, 0.0);  // alpha = 3/4
  const auto v = h.Values("temp.ewma");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_NEAR(v[1], 4.0, 1e-12);
  EXPECT_NEAR(v[2], 1.0, 1e-12);
}

TEST(Ewma, SkipsNanAndRestartsAfterAGap) {
  Harness h;
  EwmaOptions o;
  o.alpha = 0.5;
  o.max_gap = 100;
  Ewma p(o, h.catalog());
  h.Feed(p, "x", 0, 2.0);
  h.Feed(p, "x", 1, NAN);
  h.Feed(p, "x", 2, 4.0, Quality::kBad);
  h.Feed(p, "x", 3, 4.0);
  h.Feed(p, "x", 1000, 50.0);
  EXPECT_EQ(h.Values("x.ewma"), (std::vector<double>{2.0, 3.0, 50.0}));
}

TEST(Rate, IsTheSlopePerSecond) {
  Harness h;
  Rate p(RateOptions{}, h.catalog());
  h.Feed(p, "level", 0, 1.0);
  h.Feed(p, "level", kNanosPerSecond / 2, 2.0);
  h.Feed(p, "level", kNanosPerSecond / 2, 9.0);  // same time: skipped
  h.Feed(p, "level", 2 * kNanosPerSecond, -1.0);
  EXPECT_EQ(h.Values("level.rate"), (std::vector<double>{2.0, -2.0}));
}

TEST(Rate, EmitsNothingAcrossAGapOrANan) {
  Harness h;
  RateOptions o;
  o.max_gap = kNanosPerSecond;
  Rate p(o, h.catalog());
  h.Feed(p, "level", 0, 1.0);
  h.Feed(p, "level", kNanosPerSecond / 10, NAN);
  h.Feed(p, "level", 5 * kNanosPerSecond, 3.0);
  h.Feed(p, "level", 6 * kNanosPerSecond, 4.0);
  EXPECT_EQ(h.Values("level.rate"), (std::vector<double>{1.0}));
}

}  // namespace
}  // namespace mw::analytics
