#include "storage/codec/bit_stream.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

namespace mw::storage::codec {
namespace {

TEST(BitWriter, WritesMostSignificantBitFirstAndPadsWithZeros) {
  std::vector<std::uint8_t> out;
  BitWriter writer(out);
  writer.WriteBit(true);
  writer.WriteBits(0b010, 3);
  writer.WriteBits(0xABC, 12);
  writer.WriteBits(0b11, 2);
  EXPECT_EQ(writer.bit_count(), 18u);
  writer.Finish();
  // 1 010 1010 | 1011 1100 | 11 + six padding zeros
  EXPECT_EQ(out, (std::vector<std::uint8_t>{0b10101010, 0b10111100, 0b11000000}));
}

TEST(BitWriter, IgnoresBitsAboveTheFieldWidth) {
  std::vector<std::uint8_t> out;
  BitWriter writer(out);
  writer.WriteBits(0xFFFF'FFFF'FFFF'FF05, 4);
  writer.Finish();
  EXPECT_EQ(out, (std::vector<std::uint8_t>{0x50}));
}

TEST(BitWriter, AppendsToExistingBytes) {
  std::vector<std::uint8_t> out = {0xAA, 0xBB};
  BitWriter writer(out);
  writer.WriteBits(0x0123456789ABCDEF, 64);
  writer.WriteBits(0x1, 4);
  writer.Finish();
  EXPECT_EQ(out,
            (std::vector<std::uint8_t>{0xAA, 0xBB, 0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x10}));
}

TEST(BitStream, RoundTripsRandomFieldsOfEveryWidth) {
  std::mt19937_64 rng(1);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<std::pair<std::uint64_t, int>> fields;
    std::vector<std::uint8_t> out;
    BitWriter writer(out);
    std::uint64_t bits = 0;
    const int n = static_cast<int>(rng() % 300);
    for (int i = 0; i < n; ++i) {
      const int width = static_cast<int>(rng() % 65);
      const std::uint64_t value = rng() & LowBits(width);
      fields.emplace_back(value, width);
      writer.WriteBits(value, width);
      bits += static_cast<std::uint64_t>(width);
    }
    ASSERT_EQ(writer.bit_count(), bits);
    writer.Finish();
    ASSERT_EQ(out.size(), (bits + 7) / 8);
    BitReader reader(out);
    for (const auto& [value, width] : fields) {
      if (width > 0 && width <= 57) {
        ASSERT_EQ(reader.PeekBits(width), value);
      }
      ASSERT_EQ(reader.ReadBits(width), value) << "width " << width;
    }
    EXPECT_FALSE(reader.overrun());
    EXPECT_TRUE(reader.AtCleanEnd());
  }
}

TEST(BitReader, ReadingPastTheEndReturnsZeroAndSetsOverrun) {
  const std::vector<std::uint8_t> bytes = {0xFF, 0xFF};
  BitReader reader(bytes);
  EXPECT_EQ(reader.ReadBits(12), 0xFFFu);
  EXPECT_EQ(reader.bits_left(), 4u);
  EXPECT_EQ(reader.PeekBits(8), 0xF0u);  // zero-padded peek
  EXPECT_EQ(reader.ReadBits(5), 0u);
  EXPECT_TRUE(reader.overrun());
  EXPECT_EQ(reader.bits_left(), 0u);
  EXPECT_EQ(reader.ReadBits(64), 0u);
  EXPECT_FALSE(reader.AtCleanEnd());
}

TEST(BitReader, HandlesEmptyInput) {
  BitReader reader(std::span<const std::uint8_t>{});
  EXPECT_TRUE(reader.AtCleanEnd());
  EXPECT_EQ(reader.ReadBits(0), 0u);
  EXPECT_FALSE(reader.overrun());
  EXPECT_EQ(reader.PeekBits(12), 0u);
  reader.SkipBits(1);
  EXPECT_TRUE(reader.overrun());
}

TEST(BitReader, ReadsSixtyFourBitFieldsAtEveryOffset) {
  std::mt19937_64 rng(2);
  for (int offset = 0; offset < 8; ++offset) {
    const std::uint64_t value = rng();
    std::vector<std::uint8_t> out;
    BitWriter writer(out);
    writer.WriteBits(0, offset);
    writer.WriteBits(value, 64);
    writer.Finish();
    BitReader reader(out);
    reader.SkipBits(offset);
    EXPECT_EQ(reader.ReadBits(64), value);
    EXPECT_TRUE(reader.AtCleanEnd());
  }
}

TEST(BitReader, AtCleanEndRejectsNonZeroPaddingAndWholeBytesLeft) {
  const std::vector<std::uint8_t> dirty = {0b10100001};
  BitReader reader(dirty);
  reader.ReadBits(3);
  EXPECT_FALSE(reader.AtCleanEnd());
  const std::vector<std::uint8_t> extra = {0x80, 0x00};
  BitReader reader2(extra);
  reader2.ReadBits(1);
  EXPECT_FALSE(reader2.AtCleanEnd());  // 15 bits left: a whole byte too many
}

TEST(BitStream, GammaCodesRoundTripAndRejectOverlongCodes) {
  std::vector<std::uint64_t> values = {1, 2, 3, 4, 7, 8, 255, 256, 1ull << 40, ~std::uint64_t{0}};
  std::vector<std::uint8_t> out;
  BitWriter writer(out);
  for (const auto v : values) writer.WriteGamma(v);
  writer.Finish();
  BitReader reader(out);
  for (const auto v : values) {
    std::uint64_t got = 0;
    ASSERT_TRUE(reader.ReadGamma(got, 64));
    EXPECT_EQ(got, v);
  }
  // gamma(256) has 9 significant bits: a limit of 8 refuses it.
  std::vector<std::uint8_t> out2;
  BitWriter writer2(out2);
  writer2.WriteGamma(256);
  writer2.Finish();
  BitReader reader2(out2);
  std::uint64_t got = 0;
  EXPECT_FALSE(reader2.ReadGamma(got, 8));
  // All zeros: no terminating one before the end.
  const std::vector<std::uint8_t> zeros = {0, 0};
  BitReader reader3(zeros);
  EXPECT_FALSE(reader3.ReadGamma(got, 64));
}

TEST(ZigZag, MapsSmallMagnitudesToSmallCodesAndRoundTrips) {
  EXPECT_EQ(ZigZag(0), 0u);
  EXPECT_EQ(ZigZag(-1), 1u);
  EXPECT_EQ(ZigZag(1), 2u);
  EXPECT_EQ(ZigZag(-2), 3u);
  EXPECT_EQ(ZigZag(std::numeric_limits<std::int64_t>::max()), ~std::uint64_t{0} - 1);
  EXPECT_EQ(ZigZag(std::numeric_limits<std::int64_t>::min()), ~std::uint64_t{0});
  std::mt19937_64 rng(3);
  for (int i = 0; i < 10000; ++i) {
    const auto v = static_cast<std::int64_t>(rng());
    ASSERT_EQ(UnZigZag(ZigZag(v)), v);
  }
}

}  // namespace
}  // namespace mw::storage::codec
