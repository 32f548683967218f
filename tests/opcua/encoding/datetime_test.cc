#include "opcua/encoding/datetime.h"

#include <gtest/gtest.h>

#include <limits>

namespace mw::opcua {
namespace {

constexpr Timestamp kMin = std::numeric_limits<Timestamp>::min();
constexpr Timestamp kMax = std::numeric_limits<Timestamp>::max();
constexpr std::int64_t kMaxTicks = std::numeric_limits<std::int64_t>::max();

TEST(DateTime, UnixEpochIsTheSpecOffset) {
  EXPECT_EQ(DateTimeFromTimestamp(0).ticks, 116444736000000000);
  EXPECT_EQ(TimestampFromDateTime(DateTime{116444736000000000}), 0);
}

TEST(DateTime, RoundTripsAtHundredNanosecondResolution) {
  const Timestamp t = 1'700'000'000'123'456'700;  // 2023-11-14
  EXPECT_EQ(TimestampFromDateTime(DateTimeFromTimestamp(t)), t);
  EXPECT_EQ(TimestampFromDateTime(DateTimeFromTimestamp(t + 99)), t);
}

TEST(DateTime, RoundsInstantsBefore1970TowardsThePast) {
  EXPECT_EQ(DateTimeFromTimestamp(-1).ticks, 116444736000000000 - 1);
  EXPECT_EQ(TimestampFromDateTime(DateTimeFromTimestamp(-150)), -200);
}

TEST(DateTime, ZeroAndEarlierDecodeAsEarliestTimestamp) {
  EXPECT_EQ(TimestampFromDateTime(DateTime{0}), kMin);
  EXPECT_EQ(TimestampFromDateTime(DateTime{-5}), kMin);
  EXPECT_EQ(DateTimeFromTimestamp(kMin).ticks, 0);
}

TEST(DateTime, MaxTicksAndLaterThanTimestampRangeDecodeAsLatest) {
  EXPECT_EQ(TimestampFromDateTime(DateTime{kMaxTicks}), kMax);
  // 9999-12-31 is far beyond 2262, the end of Timestamp.
  EXPECT_EQ(TimestampFromDateTime(DateTime{2650467743990000000}), kMax);
  EXPECT_EQ(DateTimeFromTimestamp(kMax).ticks, kMaxTicks);
}

TEST(DateTime, TicksBeforeTimestampRangeClampToEarliest) {
  // 1601-01-02 lies before 1677, the start of Timestamp.
  EXPECT_EQ(TimestampFromDateTime(DateTime{864'000'000'000}), kMin);
  EXPECT_EQ(TimestampFromDateTime(DateTimeFromTimestamp(kMin + 1)), kMin);
}

}  // namespace
}  // namespace mw::opcua
