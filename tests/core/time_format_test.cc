#include "core/time_format.h"

#include <gtest/gtest.h>

namespace mw {
namespace {

constexpr Timestamp kNow = 1'700'000'000'000 * kNanosPerMilli;

TEST(ParseTime, AcceptsUnixMilliseconds) {
  EXPECT_EQ(*ParseTime("1700000000123", kNow), 1700000000123 * kNanosPerMilli);
}

TEST(ParseTime, AcceptsRelativeOffsetsAndNow) {
  EXPECT_EQ(*ParseTime("now", kNow), kNow);
  EXPECT_EQ(*ParseTime("-15m", kNow), kNow - 15 * 60 * kNanosPerSecond);
  EXPECT_EQ(*ParseTime("+2h", kNow), kNow + 2 * 3600 * kNanosPerSecond);
  EXPECT_EQ(*ParseTime("-7d", kNow), kNow - 7 * 86400 * kNanosPerSecond);
}

TEST(ParseTime, AcceptsRfc3339WithZonesAndFractions) {
  // 2023-11-14T22:13:20Z is 1700000000 s.
  EXPECT_EQ(*ParseTime("2023-11-14T22:13:20Z", 0), 1700000000 * kNanosPerSecond);
  EXPECT_EQ(*ParseTime("2023-11-14T23:13:20.5+01:00", 0),
            1700000000 * kNanosPerSecond + 500 * kNanosPerMilli);
  EXPECT_EQ(*ParseTime("1969-12-31T23:59:59Z", 0), -kNanosPerSecond);
}

TEST(ParseTime, RejectsGarbageWithTheText) {
  for (const char* bad : {"", "yesterday", "-15", "-15x", "2023-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
                          "+999999999d", "0001-01-01T00:00:00Z", "2023-11-14T22:13:20"}) {
    auto r = ParseTime(bad, kNow);
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_NE(ParseTime("-15x", kNow).status().message().find("-15x"), std::string::npos);
}

TEST(FormatRfc3339, RoundTripsThroughParse) {
  for (Timestamp t :
       {Timestamp{0}, 1700000000123 * kNanosPerMilli, -kNanosPerSecond, 4102444800 * kNanosPerSecond}) {
    std::string text = FormatRfc3339(t);
    EXPECT_EQ(*ParseRfc3339(text), t) << text;
  }
  EXPECT_EQ(FormatRfc3339(1700000000 * kNanosPerSecond), "2023-11-14T22:13:20Z");
}

TEST(ParseDuration, KnowsEveryUnit) {
  EXPECT_EQ(*ParseDuration("250ms"), 250 * kNanosPerMilli);
  EXPECT_EQ(*ParseDuration("5s"), 5 * kNanosPerSecond);
  EXPECT_EQ(*ParseDuration("3us"), 3000);
  EXPECT_EQ(*ParseDuration("1d"), 86400 * kNanosPerSecond);
  EXPECT_FALSE(ParseDuration("5").ok());
  EXPECT_FALSE(ParseDuration("s").ok());
  EXPECT_FALSE(ParseDuration("99999999999999d").ok());
}

}  // namespace
}  // namespace mw
