#include "storage/historian/rollup.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace mw::storage::historian {
namespace {

TEST(Rollup, AggregatesPerEpochAlignedBucketSkippingNaN) {
  const Timestamp s = kNanosPerSecond;
  std::vector<Timestamp> times = {59 * s, 60 * s, 61 * s, 119 * s, 120 * s};
  std::vector<double> values = {1, 2, std::nan(""), 4, 5};
  std::vector<Bucket> out;
  RollUp(times, values, 60 * s, out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].start, 0);
  EXPECT_EQ(out[0].count, 1u);
  EXPECT_EQ(out[1].start, 60 * s);
  EXPECT_EQ(out[1].count, 3u);
  EXPECT_EQ(out[1].min, 2);
  EXPECT_EQ(out[1].max, 4);
  EXPECT_EQ(out[1].sum, 6);
  EXPECT_EQ(out[1].first, 2);
  EXPECT_EQ(out[1].last, 4);
  EXPECT_EQ(out[2].start, 120 * s);
}

TEST(Rollup, EncodedBlobRoundTripsBitForBit) {
  std::mt19937_64 rng(3);
  std::vector<Timestamp> times;
  std::vector<double> values;
  double v = 20;
  for (int i = 0; i < 7200; ++i) {
    times.push_back(1'700'000'000LL * kNanosPerSecond + i * kNanosPerSecond);
    v += std::normal_distribution<double>(0, 0.1)(rng);
    values.push_back(v);
  }
  std::vector<Bucket> buckets;
  RollUp(times, values, 60 * kNanosPerSecond, buckets);
  auto blob = EncodeRollup(buckets);
  ASSERT_TRUE(blob.ok());
  std::vector<Bucket> back;
  ASSERT_TRUE(DecodeRollup(*blob, "s", back).ok());
  ASSERT_EQ(back.size(), buckets.size());
  for (std::size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(back[i].start, buckets[i].start);
    EXPECT_EQ(back[i].count, buckets[i].count);
    EXPECT_EQ(back[i].sum, buckets[i].sum);
    EXPECT_EQ(back[i].first, buckets[i].first);
  }
}

TEST(Rollup, AnyFlippedByteIsCorruptionNamingTheSeries) {
  std::vector<Bucket> buckets = {{0, 2, 1, 2, 3, 1, 2}, {60, 1, 5, 5, 5, 5, 5}};
  auto blob = EncodeRollup(buckets);
  ASSERT_TRUE(blob.ok());
  for (std::size_t i = 0; i < blob->size(); ++i) {
    auto bad = *blob;
    bad[i] ^= 0x10;
    std::vector<Bucket> out;
    Status s = DecodeRollup(bad, "plant/p1/temp", out);
    ASSERT_EQ(s.code(), StatusCode::kCorruption) << "byte " << i;
    EXPECT_NE(s.message().find("plant/p1/temp"), std::string::npos);
  }
}

}  // namespace
}  // namespace mw::storage::historian
