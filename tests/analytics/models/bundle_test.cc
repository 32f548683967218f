#include "analytics/models/bundle.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "tests/support/test_support.h"

namespace mw::models {
namespace {

ModelBundle Sample() {
  ModelBundle b;
  b.kind = "health_classifier";
  b.version = 3;
  b.created = "2026-12-07T10:00:00Z";
  b.features = {"x", "x.mean10"};
  b.scaler = {{1.0, 2.0}, {0.5, 1.0}};
  b.classes = {"HEALTHY", "BROKEN"};
  b.metrics = {{"macro_f1", 0.97}};
  b.data_hash = "abc";
  b.rows = 10;
  b.units = 2;
  b.model = std::string("\0model\xff", 7);
  return b;
}

TEST(Bundle, RoundTripsEveryField) {
  testing::TempDir dir;
  ASSERT_TRUE(WriteBundle(dir.File("m.mwm"), Sample()).ok());
  auto b = ReadBundle(dir.File("m.mwm"));
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->version, 3);
  EXPECT_EQ(b->features, Sample().features);
  EXPECT_EQ(b->scaler.scale, Sample().scaler.scale);
  EXPECT_EQ(b->classes, Sample().classes);
  EXPECT_EQ(b->metrics, Sample().metrics);
  EXPECT_EQ(b->model, Sample().model);
  EXPECT_EQ(BundleInfo(*b)["units"], 2);
}

TEST(Bundle, RejectsAFlippedByteATruncationAndAForeignFile) {
  testing::TempDir dir;
  const std::string path = dir.File("m.mwm");
  ASSERT_TRUE(WriteBundle(path, Sample()).ok());
  std::string bytes = testing::ReadFile(path);
  std::string flipped = bytes;
  flipped[20] ^= 1;
  testing::WriteFile(path, flipped);
  auto damaged = ReadBundle(path);
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.status().code(), StatusCode::kCorruption);
  EXPECT_NE(damaged.status().message().find("checksum"), std::string::npos);
  testing::WriteFile(path, bytes.substr(0, bytes.size() - 5));
  EXPECT_FALSE(ReadBundle(path).ok());
  testing::WriteFile(path, "{\"kind\": \"health_classifier\"}");
  EXPECT_NE(ReadBundle(path).status().message().find("not a Millwright model bundle"), std::string::npos);
  EXPECT_EQ(ReadBundle(dir.File("none")).status().code(), StatusCode::kNotFound);
}

TEST(Scaler, CentresAndScalesSkippingMissingValuesAndConstantColumns) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> x{1, 5, 3, 5, nan, 5};
  const Scaler s = Scaler::Fit(x, 2);
  EXPECT_DOUBLE_EQ(s.mean[0], 2);
  EXPECT_DOUBLE_EQ(s.scale[0], 1);
  EXPECT_DOUBLE_EQ(s.scale[1], 1);  // constant: left unscaled
  s.Apply(x);
  EXPECT_FLOAT_EQ(x[0], -1);
  EXPECT_FLOAT_EQ(x[1], 0);
  EXPECT_TRUE(std::isnan(x[4]));
}

}  // namespace
}  // namespace mw::models
