#include "api/rate_meter.h"

#include <gtest/gtest.h>

namespace mw::api {
namespace {

constexpr std::int64_t kSecond = kNanosPerSecond;

TEST(RateMeter, IsZeroUntilTwoTimesAreKnown) {
  RateMeter meter;
  EXPECT_EQ(meter.Rate(), 0);
  meter.Record(5 * kSecond, 100);
  EXPECT_EQ(meter.Rate(), 0);
  meter.Record(5 * kSecond, 200);
  EXPECT_EQ(meter.Rate(), 0);
}

TEST(RateMeter, MeasuresOverTheWindowWhenRecordedEverySecond) {
  RateMeter meter(10 * kSecond);
  std::uint64_t total = 0;
  for (int t = 0; t <= 60; ++t) {
    meter.Record(t * kSecond, total);
    total += t < 50 ? 10 : 40;  // 10/s, then 40/s for the last 10 s
  }
  EXPECT_DOUBLE_EQ(meter.Rate(), 40);
}

TEST(RateMeter, FallsToZeroAfterAQuietWindow) {
  RateMeter meter(10 * kSecond);
  meter.Record(0, 0);
  meter.Record(1 * kSecond, 1000);
  EXPECT_DOUBLE_EQ(meter.Rate(), 1000);
  for (int t = 2; t <= 12; ++t) meter.Record(t * kSecond, 1000);
  EXPECT_DOUBLE_EQ(meter.Rate(), 0);
}

TEST(RateMeter, FrequentRecordsStillCoverTheWholeWindow) {
  RateMeter meter(10 * kSecond);
  // A record every millisecond for 30 s at 5 units per ms: the baseline stays about a window back.
  for (std::int64_t ms = 0; ms <= 30'000; ++ms)
    meter.Record(ms * kNanosPerMilli, static_cast<std::uint64_t>(ms) * 5);
  EXPECT_NEAR(meter.Rate(), 5000, 1e-6);
}

TEST(RateMeter, SpansTheGapWhenRecordsAreRare) {
  RateMeter meter(10 * kSecond);
  meter.Record(0, 0);
  meter.Record(100 * kSecond, 5000);
  EXPECT_DOUBLE_EQ(meter.Rate(), 50);
}

TEST(RateMeter, IgnoresOutOfOrderRecordsAndCounterResets) {
  RateMeter meter(10 * kSecond);
  meter.Record(10 * kSecond, 100);
  meter.Record(20 * kSecond, 200);
  meter.Record(15 * kSecond, 999);  // older than the newest: ignored
  EXPECT_DOUBLE_EQ(meter.Rate(), 10);
  meter.Record(21 * kSecond, 5);  // the counter went backwards (a restart)
  EXPECT_EQ(meter.Rate(), 0);
}

}  // namespace
}  // namespace mw::api
