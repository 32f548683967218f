#include "storage/codec/timestamp_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "storage/codec/bit_stream.h"

namespace mw::storage::codec {
namespace {

constexpr Timestamp kMin = std::numeric_limits<Timestamp>::min();
constexpr Timestamp kMax = std::numeric_limits<Timestamp>::max();
constexpr Timestamp kStart = 1'700'000'000'000'000'000;

std::vector<std::uint8_t> Encode(const std::vector<Timestamp>& times) {
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(EncodeTimestamps(times, out).ok());
  return out;
}

void ExpectRoundTrip(const std::vector<Timestamp>& times) {
  const std::vector<std::uint8_t> column = Encode(times);
  std::vector<Timestamp> back;
  const Status s = DecodeTimestamps(column, times.size(), back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(back, times);
}

std::vector<Timestamp> Regular(std::size_t n, Timestamp start, Timestamp step) {
  std::vector<Timestamp> times(n);
  for (std::size_t i = 0; i < n; ++i) times[i] = start + static_cast<Timestamp>(i) * step;
  return times;
}

TEST(TimestampCodec, RegularSeriesCostsAFewBytesPerChunk) {
  const auto times = Regular(7200, kStart, kNanosPerSecond);
  ExpectRoundTrip(times);
  EXPECT_LE(Encode(times).size(), 24u);  // 8 for the first time, the rest for one delta and one run
}

TEST(TimestampCodec, RoundTripsEmptySingleAndPairs) {
  ExpectRoundTrip({});
  EXPECT_TRUE(Encode({}).empty());
  ExpectRoundTrip({kStart});
  ExpectRoundTrip({0});
  ExpectRoundTrip({kMin});
  ExpectRoundTrip({kStart, kStart});
  ExpectRoundTrip({kMin, kMax});
}

TEST(TimestampCodec, RoundTripsAdversarialSequences) {
  ExpectRoundTrip({kMin, 0, kMax});
  ExpectRoundTrip({kMax, kMin, kMax, kMin, 0, -1, 1});  // unsorted, jumps over the whole range
  ExpectRoundTrip({-5'000'000'000, -4'000'000'000, -3'000'000'000, 0, 1});  // negative times
  ExpectRoundTrip({kStart, kStart, kStart, kStart + 1, kStart + 1});        // duplicates
  ExpectRoundTrip({kStart, kStart + kNanosPerSecond, kStart + 86'400 * kNanosPerSecond * 365,
                   kStart + 86'400 * kNanosPerSecond * 365 + 1});  // huge gap
  auto times = Regular(1000, kStart, kNanosPerMilli);
  std::mt19937_64 rng(5);
  std::shuffle(times.begin(), times.end(), rng);
  ExpectRoundTrip(times);  // unsorted: kept in the given order
}

TEST(TimestampCodec, RoundTripsRandomSeriesOfManyShapes) {
  std::mt19937_64 rng(6);
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t n = rng() % 2000;
    std::vector<Timestamp> times(n);
    Timestamp t = static_cast<Timestamp>(rng());
    const int shape = trial % 5;
    for (auto& v : times) {
      switch (shape) {
        case 0:  // jittered 1 kHz
          t += kNanosPerMilli + static_cast<Timestamp>(rng() % 20'000) - 10'000;
          break;
        case 1:  // regular with gaps
          t += (rng() % 50 == 0) ? static_cast<Timestamp>(rng() % kNanosPerSecond * 3600) : kNanosPerSecond;
          break;
        case 2:  // anything at all
          t = static_cast<Timestamp>(rng());
          break;
        case 3:  // random small steps, both directions
          t += static_cast<Timestamp>(rng() % 7) - 3;
          break;
        default:  // millisecond stamps of a 10 Hz source
          t += 100 * kNanosPerMilli + static_cast<Timestamp>(rng() % 3) * kNanosPerMilli;
          break;
      }
      v = t;
    }
    ExpectRoundTrip(times);
  }
}

TEST(TimestampCodec, TruncationAtEveryLengthIsCorruption) {
  std::vector<Timestamp> times = Regular(300, kStart, kNanosPerSecond);
  times[100] += 12345;  // some non-zero dods
  times[200] += kNanosPerMilli;
  const std::vector<std::uint8_t> column = Encode(times);
  for (std::size_t len = 0; len < column.size(); ++len) {
    std::vector<std::uint8_t> cut(column.begin(), column.begin() + static_cast<std::ptrdiff_t>(len));
    std::vector<Timestamp> back;
    const Status s = DecodeTimestamps(cut, times.size(), back);
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << "length " << len;
  }
}

TEST(TimestampCodec, TrailingBytesAreCorruption) {
  std::vector<std::uint8_t> column = Encode(Regular(10, kStart, kNanosPerSecond));
  column.push_back(0);
  std::vector<Timestamp> back;
  EXPECT_EQ(DecodeTimestamps(column, 10, back).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeTimestamps(std::vector<std::uint8_t>{1}, 0, back).code(), StatusCode::kCorruption);
}

TEST(TimestampCodec, RefusesCountsAboveTheLimit) {
  std::vector<Timestamp> back;
  EXPECT_EQ(DecodeTimestamps(Encode({1, 2}), kMaxColumnValues + 1, back).code(),
            StatusCode::kInvalidArgument);
}

TEST(TimestampCodec, GarbageNeverCrashes) {
  std::mt19937_64 rng(8);
  std::vector<Timestamp> back;
  for (int trial = 0; trial < 20000; ++trial) {
    std::vector<std::uint8_t> bytes(rng() % 40);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    const Status s = DecodeTimestamps(bytes, rng() % 100, back);
    EXPECT_TRUE(s.ok() || s.code() == StatusCode::kCorruption) << s.ToString();
  }
}

}  // namespace
}  // namespace mw::storage::codec
