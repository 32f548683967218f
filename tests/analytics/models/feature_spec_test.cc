#include "analytics/models/feature_spec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "analytics/models/table.h"

namespace mw::models {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

TEST(FeatureSpec, ParsesTheDottedAndTheCallForm) {
  auto dotted = ParseFeature("vibration_x.mean10");
  ASSERT_TRUE(dotted.ok());
  EXPECT_EQ(dotted->fn, FeatureFn::kMean);
  EXPECT_EQ(dotted->signal, "vibration_x");
  EXPECT_EQ(dotted->window, 10);
  auto call = ParseFeature(" slope( bearing.temp , 30 ) ");
  ASSERT_TRUE(call.ok()) << call.status().message();
  EXPECT_EQ(call->fn, FeatureFn::kSlope);
  EXPECT_EQ(call->text, "bearing.temp.slope30");
  auto plain = ParseFeature("pump.velocity_rms");  // a dotted name that is no function
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->fn, FeatureFn::kValue);
  EXPECT_EQ(plain->signal, "pump.velocity_rms");
}

TEST(FeatureSpec, RejectsBadFunctionsAndWindows) {
  EXPECT_FALSE(ParseFeature("median(x,3)").ok());
  EXPECT_FALSE(ParseFeature("mean(x,0)").ok());
  EXPECT_FALSE(ParseFeature("mean(x,10001)").ok());
  EXPECT_FALSE(ParseFeature("mean(,3)").ok());
  EXPECT_FALSE(ParseFeature("").ok());
  EXPECT_FALSE(ParseFeature("a b").ok());
  // A window out of range in the dotted form is not a function: the text is a signal name.
  EXPECT_EQ(ParseFeature("x.mean0")->fn, FeatureFn::kValue);
}

TEST(FeatureWindows, ComputesRollingStatisticsSkippingMissingValues) {
  auto specs =
      ParseFeatures(std::vector<std::string>{"x", "x.mean3", "x.std3", "x.min3", "x.max3", "x.slope3"});
  ASSERT_TRUE(specs.ok());
  auto w = FeatureWindows::Create(*specs, {"x"});
  ASSERT_TRUE(w.ok());
  float out[6];
  for (float v : {1.0f, 2.0f, kNaN, 4.0f}) w->Update(std::span<const float>(&v, 1), out);
  // The window holds 1, 2, 4: the missing value pushed nothing out.
  EXPECT_FLOAT_EQ(out[1], 7.0f / 3);
  EXPECT_NEAR(out[2],
              std::sqrt(((1 - 7.0 / 3) * (1 - 7.0 / 3) + (2 - 7.0 / 3) * (2 - 7.0 / 3) +
                         (4 - 7.0 / 3) * (4 - 7.0 / 3)) /
                        2),
              1e-5);
  EXPECT_FLOAT_EQ(out[3], 1);
  EXPECT_FLOAT_EQ(out[4], 4);
  EXPECT_FLOAT_EQ(out[5], 1.5f);  // least squares through (0,1) (1,2) (2,4)
  float five = 5;
  w->Update(std::span<const float>(&five, 1), out);
  EXPECT_FLOAT_EQ(out[1], 11.0f / 3);  // 2, 4, 5
  w->Reset();
  w->Update(std::span<const float>(&five, 1), out);
  EXPECT_FLOAT_EQ(out[1], 5);
  EXPECT_TRUE(std::isnan(out[2]));  // one value has no spread
}

TEST(FeatureWindows, RefusesAFeatureOfAnUnknownSignal) {
  auto specs = ParseFeatures(std::vector<std::string>{"y.mean3"});
  EXPECT_FALSE(FeatureWindows::Create(*specs, {"x"}).ok());
}

TEST(ComputeFeatures, StartsEveryUnitAfreshAndReadsPrecomputedColumns) {
  std::istringstream in("unit,time,x,x.mean2\n1,0,1,9\n1,1,3,9\n2,0,10,9\n");
  auto table = ReadTable(in, "t", {});
  ASSERT_TRUE(table.ok());
  auto specs = ParseFeatures(std::vector<std::string>{"x.max2", "x.mean2"});
  auto x = ComputeFeatures(*table, *specs);
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(*x, (std::vector<float>{1, 9, 3, 9, 10, 9}));  // unit 2 does not see unit 1's 3
}

}  // namespace
}  // namespace mw::models
