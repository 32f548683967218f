#include "storage/codec/quantized_codec.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "storage/codec/bit_stream.h"

namespace mw::storage::codec {
namespace {

// ---- Integer blocks ---------------------------------------------------------------------------

std::vector<std::uint8_t> EncodeBlock(const std::vector<std::uint64_t>& values,
                                      std::uint64_t* bits = nullptr) {
  std::vector<std::uint8_t> out;
  BitWriter writer(out);
  EncodeIntegerBlock(values, writer);
  if (bits != nullptr) *bits = writer.bit_count();
  writer.Finish();
  return out;
}

void ExpectBlockRoundTrip(const std::vector<std::uint64_t>& values) {
  std::uint64_t bits = 0;
  const auto bytes = EncodeBlock(values, &bits);
  EXPECT_EQ(bits, IntegerBlockBits(values));
  BitReader reader(bytes);
  std::vector<std::uint64_t> back(values.size());
  const Status s = DecodeIntegerBlock(reader, back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(back, values);
  EXPECT_TRUE(reader.AtCleanEnd());
}

TEST(IntegerBlock, RoundTripsEveryModeAndShape) {
  ExpectBlockRoundTrip({});
  ExpectBlockRoundTrip({0});
  ExpectBlockRoundTrip({~std::uint64_t{0}});
  ExpectBlockRoundTrip(std::vector<std::uint64_t>(5000, 0));
  ExpectBlockRoundTrip(std::vector<std::uint64_t>(5000, 123456789));
  ExpectBlockRoundTrip({0, ~std::uint64_t{0}});
  ExpectBlockRoundTrip({63, 64, 65, 127, 128, 1ull << 62, (1ull << 63) + 5, ~std::uint64_t{0}, 0, 1});
  std::mt19937_64 rng(20);
  for (int trial = 0; trial < 400; ++trial) {
    std::vector<std::uint64_t> values(rng() % 3000);
    const int shape = trial % 6;
    for (auto& v : values) {
      switch (shape) {
        case 0:
          v = rng() % 21;
          break;  // a narrow alphabet
        case 1:
          v = rng();
          break;  // full width
        case 2:
          v = rng() % 8 == 0 ? rng() % 1000 : 0;
          break;  // mostly zeros: runs
        case 3:
          v = rng() >> (rng() % 64);
          break;  // every bit width
        case 4:
          v = rng() % 100 == 0 ? 1 : 0;
          break;  // long runs
        default:
          v = std::uint64_t{1} << (rng() % 64);
          break;  // bucket edges
      }
    }
    ExpectBlockRoundTrip(values);
  }
}

TEST(IntegerBlock, ConstantBlockCostsNoBitsPerValue) {
  EXPECT_EQ(IntegerBlockBits(std::vector<std::uint64_t>(100000, 0)), 2u + 7u);
  EXPECT_EQ(IntegerBlockBits(std::vector<std::uint64_t>(100000, 5)), 2u + 7u + 2u);
}

TEST(IntegerBlock, SparseBlockIsCodedAsRuns) {
  std::vector<std::uint64_t> values(100000, 0);
  values[500] = 3;
  values[70000] = 9;
  EXPECT_LT(IntegerBlockBits(values), 200u);
  ExpectBlockRoundTrip(values);
}

TEST(IntegerBlock, UniformAlphabetCostsNearItsEntropy) {
  std::mt19937_64 rng(21);
  std::vector<std::uint64_t> values(100000);
  for (auto& v : values) v = rng() % 21;
  const double bits_per_value = static_cast<double>(IntegerBlockBits(values)) / values.size();
  EXPECT_LT(bits_per_value, 4.5);  // entropy log2(21) = 4.39; a Huffman code gets 4.48
}

TEST(IntegerBlock, RejectsIncompleteAndOversubscribedCodes) {
  for (const int len : {2, 1}) {  // two symbols of length 2: incomplete; three of length 1: over
    std::vector<std::uint8_t> bytes;
    BitWriter writer(bytes);
    writer.WriteBits(2, 2);  // Huffman mode
    const int used = len == 2 ? 2 : 3;
    writer.WriteBits(static_cast<std::uint64_t>(used), 9);
    for (int i = 0; i < used; ++i) {
      writer.WriteGamma(1);
      writer.WriteBits(static_cast<std::uint64_t>(len), 4);
    }
    writer.WriteBits(0, 16);
    writer.Finish();
    BitReader reader(bytes);
    std::vector<std::uint64_t> out(4);
    EXPECT_EQ(DecodeIntegerBlock(reader, out).code(), StatusCode::kCorruption) << len;
  }
}

TEST(IntegerBlock, RejectsARunLongerThanTheBlock) {
  std::vector<std::uint64_t> values(1000, 0);
  values[0] = 7;
  const auto bytes = EncodeBlock(values);
  BitReader reader(bytes);
  std::vector<std::uint64_t> shorter(999);
  EXPECT_EQ(DecodeIntegerBlock(reader, shorter).code(), StatusCode::kCorruption);
}

TEST(IntegerBlock, GarbageNeverCrashes) {
  std::mt19937_64 rng(22);
  std::vector<std::uint64_t> out;
  for (int trial = 0; trial < 20000; ++trial) {
    std::vector<std::uint8_t> bytes(rng() % 48);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    if (!bytes.empty() && trial % 2 == 0) bytes[0] = static_cast<std::uint8_t>(0x80 | (bytes[0] & 0x3F));
    out.resize(rng() % 300);
    BitReader reader(bytes);
    const Status s = DecodeIntegerBlock(reader, out);
    EXPECT_TRUE(s.ok() || s.code() == StatusCode::kCorruption) << s.ToString();
  }
}

// ---- Quantized values -------------------------------------------------------------------------

void ExpectQuantizedRoundTrip(const std::vector<double>& values, double resolution) {
  std::vector<std::uint8_t> column;
  const Status enc = EncodeQuantized(values, resolution, column);
  ASSERT_TRUE(enc.ok()) << enc.ToString();
  std::vector<double> back;
  const Status dec = DecodeQuantized(column, values.size(), back);
  ASSERT_TRUE(dec.ok()) << dec.ToString();
  ASSERT_EQ(back.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(std::bit_cast<std::uint64_t>(back[i]), std::bit_cast<std::uint64_t>(values[i]))
        << "index " << i << " value " << values[i] << " resolution " << resolution;
  }
}

// Values as a sensor with that many decimals reports them: parsed from decimal text, i.e. q / 10^k.
std::vector<double> DecimalRandomWalk(std::size_t n, int step_range, double divisor, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> values(n);
  std::int64_t q = 2000;
  for (auto& v : values) {
    q += static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(2 * step_range + 1)) - step_range;
    v = static_cast<double>(q) / divisor;
  }
  return values;
}

TEST(QuantizedCodec, RandomWalkAtHundredthsRoundTripsNearItsEntropy) {
  const auto values = DecimalRandomWalk(7200, 10, 100, 30);
  ExpectQuantizedRoundTrip(values, 0.01);
  std::vector<std::uint8_t> column;
  ASSERT_TRUE(EncodeQuantized(values, 0.01, column).ok());
  EXPECT_EQ(column[0] & 3, 1);                                          // order 1: deltas
  EXPECT_LT(static_cast<double>(column.size()) / values.size(), 0.57);  // entropy: 0.549 bytes
}

TEST(QuantizedCodec, RoundTripsManyResolutions) {
  std::mt19937_64 rng(31);
  for (const double divisor : {1.0, 2.0, 4.0, 10.0, 100.0, 1000.0, 1e5, 1e6, 1e9, 1024.0}) {
    ExpectQuantizedRoundTrip(DecimalRandomWalk(500, 1000, divisor, rng()), 1.0 / divisor);
  }
  // Resolutions that are not the reciprocal of an integer: values built as q * resolution.
  for (const double resolution : {0.3, 10.0, 2.5, 1e-7, 1e5, 0.7}) {
    std::vector<double> values;
    for (std::int64_t q = -300; q < 300; q += 7) values.push_back(static_cast<double>(q) * resolution);
    ExpectQuantizedRoundTrip(values, resolution);
  }
}

TEST(QuantizedCodec, DividesByTheIntegerNearestTheReciprocalOfTheResolution) {
  // 1 / 1e-5 is 99999.99999999999 in doubles, yet 1e-5 is the resolution of five decimals.
  const std::vector<std::pair<double, double>> cases = {{1e-5, 1.23456}, {1e-9, 0.123456789}, {0.01, 23.45}};
  for (const auto& [resolution, value] : cases) {
    std::vector<std::uint8_t> column;
    ASSERT_TRUE(EncodeQuantized(std::vector<double>{value, -value}, resolution, column).ok()) << resolution;
    EXPECT_EQ(column[0] & 0x04, 0x04) << resolution;  // divide flag
    ExpectQuantizedRoundTrip({value, -value}, resolution);
  }
}

TEST(QuantizedCodec, PicksTheOrderThatFitsTheSignal) {
  std::vector<double> ramp;
  std::vector<double> noise;
  std::mt19937_64 rng(32);
  for (int i = 0; i < 2000; ++i) {
    ramp.push_back(static_cast<double>(100000 + 37 * i) / 100.0);
    noise.push_back(static_cast<double>(5000 + static_cast<int>(rng() % 5)) / 100.0);
  }
  std::vector<std::uint8_t> column;
  ASSERT_TRUE(EncodeQuantized(ramp, 0.01, column).ok());
  EXPECT_EQ(column[0] & 3, 2);
  EXPECT_LT(column.size(), 40u);
  column.clear();
  ASSERT_TRUE(EncodeQuantized(noise, 0.01, column).ok());
  EXPECT_EQ(column[0] & 3, 0);
  ExpectQuantizedRoundTrip(ramp, 0.01);
  ExpectQuantizedRoundTrip(noise, 0.01);
}

TEST(QuantizedCodec, RoundTripsEdgeMagnitudes) {
  ExpectQuantizedRoundTrip({}, 0.01);
  ExpectQuantizedRoundTrip({0.0}, 0.01);
  ExpectQuantizedRoundTrip({0.0, 0.0, 0.0}, 1);
  ExpectQuantizedRoundTrip({4.0e18, -4.0e18, 4.0e18, 0, -1}, 1);  // deltas near the int64 limits
  ExpectQuantizedRoundTrip({0x1p52, -0x1p52, 0x1p52 + 1}, 1);
  ExpectQuantizedRoundTrip({1e15, -1e15, 1e15}, 0.5);
  ExpectQuantizedRoundTrip({1e-300 * 3, 1e-300 * 5}, 1e-300);  // denormal-adjacent scale
}

TEST(QuantizedCodec, ReportsValuesOffTheGridSoTheCallerCanFallBack) {
  using L = std::numeric_limits<double>;
  const std::vector<double> bad_values = {
      L::quiet_NaN(), std::bit_cast<double>(std::uint64_t{0x7FF0'0000'0000'0001}),
      L::infinity(),  -L::infinity(),
      -0.0,           0.015,
      1e300,          L::denorm_min(),
      20.004999999};
  for (const double bad : bad_values) {
    std::vector<std::uint8_t> column = {0xAB};
    const Status s = EncodeQuantized(std::vector<double>{20.0, 20.01, bad, 20.02}, 0.01, column);
    EXPECT_EQ(s.code(), StatusCode::kOutOfRange) << bad;
    EXPECT_NE(s.message().find("index 2"), std::string::npos) << s.message();
    EXPECT_EQ(column, std::vector<std::uint8_t>{0xAB});  // untouched
  }
}

TEST(QuantizedCodec, RejectsResolutionsThatAreNotFinitePositive) {
  using L = std::numeric_limits<double>;
  for (const double r : {0.0, -0.01, L::quiet_NaN(), L::infinity(), -L::infinity()}) {
    std::vector<std::uint8_t> column;
    EXPECT_EQ(EncodeQuantized(std::vector<double>{1.0}, r, column).code(), StatusCode::kInvalidArgument) << r;
  }
}

TEST(QuantizedCodec, TruncationAtEveryLengthIsCorruption) {
  const auto values = DecimalRandomWalk(400, 10, 100, 33);
  std::vector<std::uint8_t> column;
  ASSERT_TRUE(EncodeQuantized(values, 0.01, column).ok());
  for (std::size_t len = 0; len < column.size(); ++len) {
    const std::vector<std::uint8_t> cut(column.begin(), column.begin() + static_cast<std::ptrdiff_t>(len));
    std::vector<double> back;
    EXPECT_EQ(DecodeQuantized(cut, values.size(), back).code(), StatusCode::kCorruption) << len;
  }
}

TEST(QuantizedCodec, RejectsBadFlagsAndScales) {
  std::vector<std::uint8_t> column;
  ASSERT_TRUE(EncodeQuantized(std::vector<double>{1.0, 2.0}, 0.5, column).ok());
  std::vector<double> back;
  auto bad = column;
  bad[0] |= 0x03;  // order 3
  EXPECT_EQ(DecodeQuantized(bad, 2, back).code(), StatusCode::kCorruption);
  bad = column;
  bad[0] |= 0x10;  // reserved bit
  EXPECT_EQ(DecodeQuantized(bad, 2, back).code(), StatusCode::kCorruption);
  bad = column;
  bad[8] = 0xFF;  // scale becomes a NaN
  bad[7] = 0xFF;
  EXPECT_EQ(DecodeQuantized(bad, 2, back).code(), StatusCode::kCorruption);
  bad = column;
  bad[8] |= 0x80;  // negative scale
  EXPECT_EQ(DecodeQuantized(bad, 2, back).code(), StatusCode::kCorruption);
}

TEST(QuantizedCodec, GarbageNeverCrashes) {
  std::mt19937_64 rng(34);
  std::vector<double> back;
  for (int trial = 0; trial < 20000; ++trial) {
    std::vector<std::uint8_t> bytes(rng() % 48);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    if (bytes.size() > 9 && trial % 2 == 0) {
      bytes[0] &= 0x07;
      bytes[8] = 0x3F;  // a sane positive scale
    }
    const Status s = DecodeQuantized(bytes, rng() % 300, back);
    EXPECT_TRUE(s.ok() || s.code() == StatusCode::kCorruption) << s.ToString();
  }
}

}  // namespace
}  // namespace mw::storage::codec
