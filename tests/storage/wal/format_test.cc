#include "storage/wal/format.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "storage/codec/crc32c.h"

namespace mw::storage::wal {
namespace {

std::span<const std::uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

TEST(WalFormat, NamesSegmentsByTheirFirstLsnInTwentyDigits) {
  EXPECT_EQ(SegmentFileName(1), "00000000000000000001.wal");
  EXPECT_EQ(SegmentFileName(1234567), "00000000000001234567.wal");
  EXPECT_EQ(SegmentFileName(UINT64_MAX), "18446744073709551615.wal");
  for (Lsn lsn : {Lsn{1}, Lsn{42}, Lsn{1} << 40, UINT64_MAX})
    EXPECT_EQ(ParseSegmentFileName(SegmentFileName(lsn)), lsn);
}

TEST(WalFormat, IgnoresNamesThatAreNotSegments) {
  for (const char* name :
       {"1.wal", "0000000000000000001.wal", "000000000000000000001.wal", "0000000000000000000a.wal",
        "00000000000000000001.tmp", "00000000000000000001.wal~", "18446744073709551616.wal",
        "99999999999999999999.wal", "", "LOCK"}) {
    EXPECT_FALSE(ParseSegmentFileName(name).has_value()) << name;
  }
}

TEST(WalFormat, SegmentHeaderIsMagicVersionLsnAndChecksum) {
  std::array<std::uint8_t, kSegmentHeaderSize> h{};
  EncodeSegmentHeader(0x0102030405060708ull, h.data());
  const std::vector<std::uint8_t> start = {'M', 'W', 'A', 'L', 1, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1};
  EXPECT_TRUE(std::equal(start.begin(), start.end(), h.begin()));
  EXPECT_EQ(LoadU32(h.data() + 16), codec::Crc32c(start));
  Result<Lsn> lsn = DecodeSegmentHeader(h);
  ASSERT_TRUE(lsn.ok()) << lsn.status().ToString();
  EXPECT_EQ(*lsn, 0x0102030405060708ull);
}

// The worked example of docs/storage-format.md ("Write-ahead log"), byte for byte.
TEST(WalFormat, MatchesTheWorkedExample) {
  std::array<std::uint8_t, kSegmentHeaderSize> h{};
  EncodeSegmentHeader(1, h.data());
  const std::vector<std::uint8_t> header = {0x4D, 0x57, 0x41, 0x4C, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00,
                                            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x78, 0x75, 0x5C, 0x4A};
  EXPECT_EQ(std::vector<std::uint8_t>(h.begin(), h.end()), header);

  const std::string payload = "abc";
  const std::array<std::span<const std::uint8_t>, 1> parts{Bytes(payload)};
  std::vector<std::uint8_t> record(kRecordHeaderSize + payload.size());
  EncodeRecord(1, 7, parts, payload.size(), record.data());
  const std::vector<std::uint8_t> expected = {0x03, 0x00, 0x00, 0x00, 0x2E, 0x0A, 0xD6, 0x2F, 0x01, 0x00,
                                              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x61, 0x62, 0x63};
  EXPECT_EQ(record, expected);
}

TEST(WalFormat, RejectsDamagedSegmentHeaders) {
  std::array<std::uint8_t, kSegmentHeaderSize> good{};
  EncodeSegmentHeader(77, good.data());
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (std::uint8_t flip : {0x01, 0x80, 0xFF}) {
      auto bad = good;
      bad[i] ^= flip;
      Result<Lsn> lsn = DecodeSegmentHeader(bad);
      EXPECT_EQ(lsn.status().code(), StatusCode::kCorruption) << "byte " << i;
    }
  }
  EXPECT_EQ(DecodeSegmentHeader(std::span(good).first(19)).status().code(), StatusCode::kCorruption);
  std::array<std::uint8_t, kSegmentHeaderSize> zero_lsn{};
  EncodeSegmentHeader(0, zero_lsn.data());
  EXPECT_EQ(DecodeSegmentHeader(zero_lsn).status().code(), StatusCode::kCorruption);
  // A later version with a correct checksum is refused by name.
  auto v2 = good;
  StoreU32(v2.data() + 4, 2);
  StoreU32(v2.data() + 16, codec::Crc32c(std::span(v2).first(16)));
  Result<Lsn> lsn = DecodeSegmentHeader(v2);
  EXPECT_NE(lsn.status().message().find("version 2"), std::string::npos) << lsn.status().ToString();
}

TEST(WalFormat, RecordConcatenatesItsPartsAndChecksumsEverythingButTheChecksum) {
  const std::string a = "hello, ";
  const std::string b;
  const std::string c = "world";
  const std::array<std::span<const std::uint8_t>, 3> parts{Bytes(a), Bytes(b), Bytes(c)};
  std::vector<std::uint8_t> record(kRecordHeaderSize + 12);
  EncodeRecord(5, 200, parts, 12, record.data());
  const RecordHeader h = DecodeRecordHeader(record.data());
  EXPECT_EQ(h.length, 12u);
  EXPECT_EQ(h.lsn, 5u);
  EXPECT_EQ(h.type, 200);
  EXPECT_EQ(std::string(record.begin() + kRecordHeaderSize, record.end()), "hello, world");
  EXPECT_EQ(h.crc, RecordCrc(record.data(), 12));
  // Every byte but the checksum's own is covered: the length too, so a torn length is caught.
  for (std::size_t i = 0; i < record.size(); ++i) {
    if (i >= 4 && i < 8) continue;
    auto bad = record;
    bad[i] ^= 0x10;
    EXPECT_NE(RecordCrc(bad.data(), 12), h.crc) << "byte " << i;
  }
}

TEST(WalFormat, IntegersAreLittleEndian) {
  std::array<std::uint8_t, 8> b{};
  StoreU32(b.data(), 0x11223344u);
  EXPECT_EQ(b[0], 0x44);
  EXPECT_EQ(b[3], 0x11);
  EXPECT_EQ(LoadU32(b.data()), 0x11223344u);
  StoreU64(b.data(), 0x1122334455667788ull);
  EXPECT_EQ(b[0], 0x88);
  EXPECT_EQ(b[7], 0x11);
  EXPECT_EQ(LoadU64(b.data()), 0x1122334455667788ull);
}

}  // namespace
}  // namespace mw::storage::wal
