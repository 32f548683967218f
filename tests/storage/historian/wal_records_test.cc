#include "storage/historian/wal_records.h"

#include <gtest/gtest.h>

#include <cstring>

namespace mw::storage::historian {
namespace {

TEST(WalRecords, SeriesDefRoundTrips) {
  SeriesDef def{7, "plant/line-1/pump-03", "temperature", "degC", SeriesKind::kFrame};
  std::vector<std::uint8_t> bytes;
  EncodeSeriesDef(def, bytes);
  auto back = DecodeSeriesDef(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->stored_id, 7u);
  EXPECT_EQ(back->asset, def.asset);
  EXPECT_EQ(back->signal, def.signal);
  EXPECT_EQ(back->unit, def.unit);
  EXPECT_EQ(back->kind, SeriesKind::kFrame);
}

TEST(WalRecords, SeriesDefRejectsEveryTruncation) {
  std::vector<std::uint8_t> bytes;
  EncodeSeriesDef({1, "a", "b", "c", SeriesKind::kScalar}, bytes);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto r = DecodeSeriesDef(std::span(bytes).first(n));
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << "cut at " << n;
  }
}

// The samples record, byte for byte as docs/storage-format.md describes it.
TEST(WalRecords, SamplesRecordMatchesTheFormatDocument) {
  const std::vector<std::uint8_t> bytes = {
      0x02, 0x00, 0x00, 0x00,                          // n = 2
      0x05, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00,  // stored ids 5, 6
      0x00, 0xCA, 0x9A, 0x3B, 0x00, 0x00, 0x00, 0x00,  // time 1e9 ns
      0x00, 0x94, 0x35, 0x77, 0x00, 0x00, 0x00, 0x00,  // time 2e9 ns
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x3F,  // 1.0
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0xC0,  // -2.5
      0x00, 0x02,                                      // good, bad
  };
  SamplesRecord r;
  ASSERT_TRUE(DecodeSamples(bytes, r).ok());
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_EQ(r.series[1], 6u);
  EXPECT_EQ(r.times[0], 1'000'000'000);
  EXPECT_EQ(r.times[1], 2'000'000'000);
  EXPECT_EQ(r.values[0], 1.0);
  EXPECT_EQ(r.values[1], -2.5);
  EXPECT_EQ(r.qualities[1], Quality::kBad);
  auto header = SamplesHeader(2);
  EXPECT_EQ(std::memcmp(header.data(), bytes.data(), 4), 0);
}

TEST(WalRecords, SamplesRejectsWrongLengthAndUnknownQuality) {
  std::vector<std::uint8_t> bytes(4 + 21, 0);
  bytes[0] = 1;
  SamplesRecord r;
  EXPECT_TRUE(DecodeSamples(bytes, r).ok());
  bytes.push_back(0);
  EXPECT_EQ(DecodeSamples(bytes, r).code(), StatusCode::kCorruption);
  bytes.pop_back();
  bytes.back() = 3;  // quality 3 does not exist
  EXPECT_EQ(DecodeSamples(bytes, r).code(), StatusCode::kCorruption);
  bytes[0] = 0xFF;  // a huge count with a short payload
  bytes[3] = 0xFF;
  EXPECT_EQ(DecodeSamples(bytes, r).code(), StatusCode::kCorruption);
}

TEST(WalRecords, EventsRoundTrip) {
  std::vector<Event> events(2);
  events[0] = {EventKind::kAnomaly, 123, 0, 4.5, 6.25, "zscore", "|z| = 6.25"};
  events[1] = {EventKind::kAlarm, 456, 0, 1, 0, "alarms", ""};
  std::vector<std::uint32_t> stored = {9, UINT32_MAX};
  std::vector<std::uint8_t> bytes;
  EncodeEvents(events, stored, bytes);
  std::vector<Event> back;
  ASSERT_TRUE(DecodeEvents(bytes, back).ok());
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].series, 9u);
  EXPECT_EQ(back[0].message, "|z| = 6.25");
  EXPECT_EQ(back[0].score, 6.25);
  EXPECT_EQ(back[1].kind, EventKind::kAlarm);
  EXPECT_EQ(back[1].series, UINT32_MAX);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    std::vector<Event> partial;
    EXPECT_FALSE(DecodeEvents(std::span(bytes).first(n), partial).ok()) << "cut at " << n;
  }
}

TEST(WalRecords, FrameRoundTripsAndChecksItsShape) {
  std::vector<float> grid = {1, 2, 3, 4, 5, 6};
  std::vector<std::uint8_t> bytes;
  EncodeFrame(3, 99, {2, 3}, grid, bytes);
  auto back = DecodeFrame(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->stored_id, 3u);
  EXPECT_EQ(back->time, 99);
  EXPECT_EQ(back->shape, (codec::FrameShape{2, 3}));
  EXPECT_EQ(back->elements, grid);
  bytes.pop_back();
  EXPECT_EQ(DecodeFrame(bytes).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace mw::storage::historian
