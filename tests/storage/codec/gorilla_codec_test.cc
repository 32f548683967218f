#include "storage/codec/gorilla_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "storage/codec/bit_stream.h"

namespace mw::storage::codec {
namespace {

double FromBits(std::uint64_t bits) { return std::bit_cast<double>(bits); }

std::vector<std::uint8_t> Encode(const std::vector<double>& values) {
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(EncodeGorilla(values, out).ok());
  return out;
}

// Compares bit patterns: NaN payloads and the sign of zero must survive.
void ExpectBitwiseRoundTrip(const std::vector<double>& values) {
  const std::vector<std::uint8_t> column = Encode(values);
  std::vector<double> back;
  const Status s = DecodeGorilla(column, values.size(), back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(back.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(std::bit_cast<std::uint64_t>(back[i]), std::bit_cast<std::uint64_t>(values[i]))
        << "index " << i;
  }
}

std::vector<double> Adversarial() {
  using L = std::numeric_limits<double>;
  return {0.0,
          -0.0,
          L::infinity(),
          -L::infinity(),
          L::quiet_NaN(),
          FromBits(0x7FF0'0000'0000'0001),  // signalling NaN, smallest payload
          FromBits(0xFFF8'DEAD'BEEF'0042),  // negative quiet NaN with a payload
          FromBits(0x7FF4'0000'0000'1234),
          L::denorm_min(),
          -L::denorm_min(),
          FromBits(0x000F'FFFF'FFFF'FFFF),  // largest denormal
          L::min(),
          L::max(),
          L::lowest(),
          L::epsilon(),
          1.0,
          1.0,
          1.0,
          -1.0,
          1e-300,
          1e300,
          3.141592653589793};
}

TEST(GorillaCodec, RoundTripsSpecialValuesBitForBit) {
  ExpectBitwiseRoundTrip(Adversarial());
  auto reversed = Adversarial();
  std::reverse(reversed.begin(), reversed.end());
  ExpectBitwiseRoundTrip(reversed);
  for (const double v : Adversarial()) {
    ExpectBitwiseRoundTrip({v});
    ExpectBitwiseRoundTrip({v, v, v});
    ExpectBitwiseRoundTrip({1.0, v, 1.0, v});
  }
  ExpectBitwiseRoundTrip({});
  EXPECT_TRUE(Encode({}).empty());
}

TEST(GorillaCodec, RoundTripsRandomInputs) {
  std::mt19937_64 rng(9);
  const auto special = Adversarial();
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t n = rng() % 1500;
    std::vector<double> values(n);
    double walk = 20;
    for (auto& v : values) {
      switch (trial % 4) {
        case 0:
          v = FromBits(rng());  // full entropy, every class of double
          break;
        case 1:
          walk += static_cast<double>(static_cast<int>(rng() % 21) - 10) / 100.0;
          v = walk;
          break;
        case 2:
          v = special[rng() % special.size()];
          break;
        default:  // same value for a while, then a change
          if (rng() % 16 == 0) walk = FromBits(rng());
          v = walk;
          break;
      }
    }
    ExpectBitwiseRoundTrip(values);
  }
}

TEST(GorillaCodec, RepeatedValueCostsOneBit) {
  const std::vector<double> values(8001, 21.5);
  EXPECT_EQ(Encode(values).size(), 8u + 1000u);  // 64 raw bits, then 8000 one-bit repeats
}

TEST(GorillaCodec, TruncationAtEveryLengthIsCorruption) {
  std::vector<double> values;
  for (int i = 0; i < 200; ++i) values.push_back(std::sin(i * 0.1) * 100);
  const auto column = Encode(values);
  for (std::size_t len = 0; len < column.size(); ++len) {
    const std::vector<std::uint8_t> cut(column.begin(), column.begin() + static_cast<std::ptrdiff_t>(len));
    std::vector<double> back;
    EXPECT_EQ(DecodeGorilla(cut, values.size(), back).code(), StatusCode::kCorruption) << len;
  }
}

TEST(GorillaCodec, RejectsAWindowPastSixtyFourBits) {
  std::vector<std::uint8_t> column;
  BitWriter writer(column);
  writer.WriteBits(0, 64);
  writer.WriteBits(0b11, 2);
  writer.WriteBits(40, 6);  // 40 leading zeros
  writer.WriteBits(29, 6);  // and 30 meaningful bits: 70 > 64
  writer.WriteBits(0, 30);
  writer.Finish();
  std::vector<double> back;
  EXPECT_EQ(DecodeGorilla(column, 2, back).code(), StatusCode::kCorruption);
}

TEST(GorillaCodec, TrailingBytesAreCorruption) {
  auto column = Encode({1.0, 2.0});
  column.push_back(0);
  std::vector<double> back;
  EXPECT_EQ(DecodeGorilla(column, 2, back).code(), StatusCode::kCorruption);
}

TEST(GorillaCodec, GarbageNeverCrashes) {
  std::mt19937_64 rng(10);
  std::vector<double> back;
  for (int trial = 0; trial < 20000; ++trial) {
    std::vector<std::uint8_t> bytes(rng() % 64);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    const Status s = DecodeGorilla(bytes, rng() % 200, back);
    EXPECT_TRUE(s.ok() || s.code() == StatusCode::kCorruption) << s.ToString();
  }
}

}  // namespace
}  // namespace mw::storage::codec
