#include "storage/codec/crc32c.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

namespace mw::storage::codec {
namespace {

std::span<const std::uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// One bit at a time, straight from the definition: the reference the table code must agree with.
std::uint32_t BitwiseCrc32c(std::span<const std::uint8_t> bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const std::uint8_t b : bytes) {
    crc ^= b;
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ ((crc & 1u) ? 0x82F63B78u : 0u);
  }
  return ~crc;
}

TEST(Crc32c, MatchesKnownVectors) {
  // The check value of the CRC catalogue and the test vectors of RFC 3720 (iSCSI), appendix B.4.
  EXPECT_EQ(Crc32c(Bytes("123456789")), 0xE3069283u);
  EXPECT_EQ(Crc32c({}), 0x00000000u);
  std::vector<std::uint8_t> zeros(32, 0x00);
  EXPECT_EQ(Crc32c(zeros), 0x8A9136AAu);
  std::vector<std::uint8_t> ones(32, 0xFF);
  EXPECT_EQ(Crc32c(ones), 0x62A8AB43u);
  std::vector<std::uint8_t> up(32);
  std::vector<std::uint8_t> down(32);
  for (int i = 0; i < 32; ++i) {
    up[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
    down[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(31 - i);
  }
  EXPECT_EQ(Crc32c(up), 0x46DD794Eu);
  EXPECT_EQ(Crc32c(down), 0x113FDB5Cu);
  EXPECT_EQ(Crc32c(Bytes("a")), 0xC1D04330u);
}

TEST(Crc32c, AgreesWithBitwiseReferenceAtEveryLengthAndAlignment) {
  std::mt19937_64 rng(7);
  std::vector<std::uint8_t> data(300);
  for (auto& b : data) b = static_cast<std::uint8_t>(rng());
  for (std::size_t offset = 0; offset < 9; ++offset) {
    for (std::size_t len = 0; offset + len <= data.size(); len += 1 + len / 8) {
      const std::span<const std::uint8_t> part(data.data() + offset, len);
      ASSERT_EQ(Crc32c(part), BitwiseCrc32c(part)) << "offset " << offset << " length " << len;
    }
  }
}

TEST(Crc32c, PortableCodeAgreesWithBitwiseReference) {
  // Crc32c may run on the CPU's crc32 instruction; the table code must give the same results.
  std::mt19937_64 rng(13);
  std::vector<std::uint8_t> data(300);
  for (auto& b : data) b = static_cast<std::uint8_t>(rng());
  for (std::size_t offset = 0; offset < 9; ++offset) {
    for (std::size_t len = 0; offset + len <= data.size(); len += 1 + len / 8) {
      const std::span<const std::uint8_t> part(data.data() + offset, len);
      ASSERT_EQ(Crc32cExtendPortable(0, part), BitwiseCrc32c(part))
          << "offset " << offset << " length " << len;
    }
  }
}

TEST(Crc32c, ExtendEqualsCrcOfConcatenation) {
  std::mt19937_64 rng(11);
  std::vector<std::uint8_t> data(1000);
  for (auto& b : data) b = static_cast<std::uint8_t>(rng());
  const std::uint32_t whole = Crc32c(data);
  for (std::size_t split = 0; split <= data.size(); split += 37) {
    const std::span<const std::uint8_t> all(data);
    EXPECT_EQ(Crc32cExtend(Crc32c(all.first(split)), all.subspan(split)), whole) << split;
  }
}

TEST(Crc32c, DetectsEverySingleBitFlip) {
  std::vector<std::uint8_t> data(64);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 31);
  const std::uint32_t good = Crc32c(data);
  for (std::size_t bit = 0; bit < data.size() * 8; ++bit) {
    data[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    EXPECT_NE(Crc32c(data), good) << bit;
    data[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  }
}

}  // namespace
}  // namespace mw::storage::codec
