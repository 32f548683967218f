#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "storage/codec/crc32c.h"
#include "storage/wal/format.h"
#include "storage/wal/wal.h"
#include "tests/storage/wal/wal_test_util.h"
#include "tests/support/test_support.h"

namespace mw::storage::wal {
namespace {

using mw::testing::TempDir;
using namespace testutil;

// Appends one record per size (payload id = its LSN) and closes.
void WriteLog(const std::string& dir, const std::vector<std::size_t>& sizes, std::size_t segment_bytes,
              Lsn next_lsn = 1) {
  WalOptions options{.dir = dir, .sync = SyncMode::kAsync, .segment_bytes = segment_bytes};
  std::unique_ptr<WalWriter> writer = MustOpen(options, next_lsn);
  ASSERT_TRUE(writer);
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const Lsn lsn = next_lsn + i;
    Result<Lsn> got = writer->Append(static_cast<std::uint8_t>(lsn % 251), MakePayload(lsn, sizes[i]));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(*got, lsn);
  }
  ASSERT_TRUE(writer->Close().ok());
}

std::vector<std::size_t> RandomSizes(std::size_t n, std::size_t max, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::size_t> sizes(n);
  for (auto& s : sizes) s = 16 + rng() % (max - 16);
  return sizes;
}

// The records are LSNs first..last, each intact and of the type WriteLog gave it.
void ExpectRecords(const Recovered& r, Lsn first, Lsn last) {
  ASSERT_EQ(r.records.size(), last + 1 - first);
  for (std::size_t i = 0; i < r.records.size(); ++i) {
    const OwnedRecord& rec = r.records[i];
    ASSERT_EQ(rec.lsn, first + i);
    ASSERT_EQ(rec.type, rec.lsn % 251);
    ASSERT_EQ(CheckPayload(rec.payload), rec.lsn) << "lsn " << rec.lsn;
  }
}

Recovered MustRecover(const std::string& dir, Lsn from_lsn = 1) {
  Result<Recovered> r = RecoverAll(dir, from_lsn);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(*r) : Recovered{};
}

TEST(WalRecovery, MissingOrEmptyFolderIsAnEmptyLog) {
  TempDir tmp;
  Recovered missing = MustRecover(tmp.File("nothing-here"));
  EXPECT_EQ(missing.info.next_lsn, 1u);
  EXPECT_EQ(missing.info.segments, 0u);
  EXPECT_TRUE(missing.records.empty());
  Recovered empty = MustRecover(tmp.path());
  EXPECT_EQ(empty.info.next_lsn, 1u);
  EXPECT_EQ(empty.info.records, 0u);
}

TEST(WalRecovery, RoundTripsManyRecordsOfRandomSizesAcrossSegments) {
  TempDir tmp;
  const std::vector<std::size_t> sizes = RandomSizes(2000, 3000, 1);
  WriteLog(tmp.path(), sizes, 64 << 10);
  Recovered r = MustRecover(tmp.path());
  ExpectRecords(r, 1, 2000);
  EXPECT_EQ(r.info.next_lsn, 2001u);
  EXPECT_EQ(r.info.first_lsn, 1u);
  EXPECT_EQ(r.info.records, 2000u);
  EXPECT_EQ(r.info.torn_bytes, 0u);
  EXPECT_TRUE(r.info.torn_at.empty());
  EXPECT_GT(r.info.segments, 20u);
  EXPECT_EQ(r.info.segments, SegmentPaths(tmp.path()).size());
  // Every segment but the last passed its size before the next one started.
  const std::vector<std::string> paths = SegmentPaths(tmp.path());
  for (std::size_t i = 0; i + 1 < paths.size(); ++i)
    EXPECT_GT(std::filesystem::file_size(paths[i]), 64u << 10);
}

TEST(WalRecovery, FromLsnSkipsEarlierRecords) {
  TempDir tmp;
  WriteLog(tmp.path(), RandomSizes(300, 2000, 2), 16 << 10);
  for (Lsn from : {Lsn{0}, Lsn{1}, Lsn{2}, Lsn{150}, Lsn{300}}) {
    Recovered r = MustRecover(tmp.path(), from);
    ExpectRecords(r, std::max<Lsn>(from, 1), 300);
    EXPECT_EQ(r.info.next_lsn, 301u);
  }
  Recovered none = MustRecover(tmp.path(), 1000);
  EXPECT_TRUE(none.records.empty());
  EXPECT_EQ(none.info.next_lsn, 301u);
}

TEST(WalRecovery, CutsTornTailAndSaysHowMuch) {
  TempDir tmp;
  const std::string dir = tmp.File("wal");
  WriteLog(dir, RandomSizes(40, 400, 3), 4 << 10);
  const std::vector<std::string> paths = SegmentPaths(dir);
  ASSERT_GE(paths.size(), 3u);
  const std::string& last = paths.back();
  const std::vector<std::uint8_t> whole = ReadBytes(last);
  const std::vector<std::size_t> offsets = RecordOffsets(whole);
  ASSERT_GE(offsets.size(), 4u);
  const Lsn first_in_last = *ParseSegmentFileName(std::filesystem::path(last).filename().string());
  const Lsn last_lsn = first_in_last + offsets.size() - 2;

  // Cut at every byte from the start of the third-to-last record (or the header) to the end.
  const std::size_t from = offsets.size() >= 4 ? offsets[offsets.size() - 4] : kSegmentHeaderSize;
  for (std::size_t cut = from; cut < whole.size(); ++cut) {
    WriteBytes(last, std::span(whole).first(cut));
    // The complete records before the cut survive; the partial one goes.
    std::size_t k = 0;
    while (offsets[k + 1] <= cut) ++k;
    const std::size_t boundary = offsets[k];
    Recovered r = MustRecover(dir);
    ExpectRecords(r, 1, first_in_last + k - 1);
    EXPECT_EQ(r.info.next_lsn, first_in_last + k);
    EXPECT_EQ(r.info.torn_bytes, cut - boundary) << "cut " << cut;
    if (cut == boundary) {
      EXPECT_TRUE(r.info.torn_at.empty());
    } else {
      EXPECT_EQ(r.info.torn_at, last + ":" + std::to_string(boundary));
    }
    EXPECT_EQ(std::filesystem::file_size(last), boundary);
    // A second recovery finds nothing more to cut.
    Recovered again = MustRecover(dir);
    EXPECT_EQ(again.info.torn_bytes, 0u);
    EXPECT_EQ(again.records.size(), r.records.size());
  }
  WriteBytes(last, whole);
  ExpectRecords(MustRecover(dir), 1, last_lsn);
}

TEST(WalRecovery, CutsATornSegmentHeaderOfTheLastSegment) {
  TempDir tmp;
  WriteLog(tmp.path(), RandomSizes(30, 400, 4), 2 << 10);
  const std::vector<std::string> paths = SegmentPaths(tmp.path());
  const std::string& last = paths.back();
  const std::vector<std::uint8_t> whole = ReadBytes(last);
  const Lsn first_in_last = *ParseSegmentFileName(std::filesystem::path(last).filename().string());
  for (std::size_t cut = 0; cut < kSegmentHeaderSize + 5; ++cut) {
    WriteBytes(last, std::span(whole).first(cut));
    Recovered r = MustRecover(tmp.path());
    ExpectRecords(r, 1, first_in_last - 1);
    EXPECT_EQ(r.info.next_lsn, first_in_last);
    EXPECT_EQ(r.info.segments, paths.size());
    // A file cut inside its header is cut to nothing; one with a whole header keeps it.
    const std::size_t kept = cut < kSegmentHeaderSize ? 0 : kSegmentHeaderSize;
    EXPECT_EQ(std::filesystem::file_size(last), kept) << "cut " << cut;
    EXPECT_EQ(r.info.torn_bytes, cut - kept);
  }
  // The writer continues at the same LSN, replacing the empty file.
  std::unique_ptr<WalWriter> writer = MustOpen({.dir = tmp.path()}, first_in_last);
  ASSERT_TRUE(writer);
  ASSERT_EQ(*writer->Append(static_cast<std::uint8_t>(first_in_last % 251), MakePayload(first_in_last, 100)),
            first_in_last);
  ASSERT_TRUE(writer->Close().ok());
  ExpectRecords(MustRecover(tmp.path()), 1, first_in_last);
}

TEST(WalRecovery, CutsAFlippedByteInTheLastRecord) {
  TempDir tmp;
  WriteLog(tmp.path(), RandomSizes(20, 300, 5), 1 << 20);
  const std::string last = SegmentPaths(tmp.path()).back();
  const std::vector<std::uint8_t> whole = ReadBytes(last);
  const std::vector<std::size_t> offsets = RecordOffsets(whole);
  const std::size_t start = offsets[offsets.size() - 2];
  for (std::size_t i = start; i < whole.size(); ++i) {
    std::vector<std::uint8_t> bad = whole;
    bad[i] ^= 0x5A;
    WriteBytes(last, bad);
    Recovered r = MustRecover(tmp.path());
    ExpectRecords(r, 1, 19);
    EXPECT_EQ(r.info.torn_bytes, whole.size() - start) << "byte " << i;
    EXPECT_EQ(r.info.torn_at, last + ":" + std::to_string(start));
  }
}

TEST(WalRecovery, FlippedByteInAMiddleSegmentIsCorruptionNamingTheFile) {
  TempDir tmp;
  WriteLog(tmp.path(), RandomSizes(12, 120, 6), 300);
  const std::vector<std::string> paths = SegmentPaths(tmp.path());
  ASSERT_GE(paths.size(), 3u);
  const std::string& middle = paths[1];
  const std::vector<std::uint8_t> whole = ReadBytes(middle);
  for (std::size_t i = 0; i < whole.size(); ++i) {
    std::vector<std::uint8_t> bad = whole;
    bad[i] ^= 0x01;
    WriteBytes(middle, bad);
    Result<Recovered> r = RecoverAll(tmp.path());
    ASSERT_EQ(r.status().code(), StatusCode::kCorruption) << "byte " << i;
    EXPECT_NE(r.status().message().find(middle + ":"), std::string::npos) << r.status().ToString();
  }
  // Nothing was cut: the damage is reported, not repaired.
  WriteBytes(middle, whole);
  EXPECT_EQ(MustRecover(tmp.path()).info.torn_bytes, 0u);
  EXPECT_EQ(std::filesystem::file_size(paths.back()), ReadBytes(paths.back()).size());
}

TEST(WalRecovery, TrailingBytesInAMiddleSegmentAreCorruption) {
  TempDir tmp;
  WriteLog(tmp.path(), RandomSizes(12, 120, 7), 300);
  const std::vector<std::string> paths = SegmentPaths(tmp.path());
  std::vector<std::uint8_t> bytes = ReadBytes(paths[1]);
  const std::size_t end = bytes.size();
  bytes.resize(end + 3, 0);
  WriteBytes(paths[1], bytes);
  Result<Recovered> r = RecoverAll(tmp.path());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find(paths[1] + ":" + std::to_string(end)), std::string::npos)
      << r.status().ToString();
}

TEST(WalRecovery, MissingMiddleSegmentIsCorruption) {
  TempDir tmp;
  WriteLog(tmp.path(), RandomSizes(12, 120, 8), 300);
  const std::vector<std::string> paths = SegmentPaths(tmp.path());
  ASSERT_GE(paths.size(), 3u);
  std::filesystem::remove(paths[1]);
  Result<Recovered> r = RecoverAll(tmp.path());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find(paths[2]), std::string::npos) << r.status().ToString();
}

TEST(WalRecovery, OversizedLengthIsCutAtTheEndAndCorruptionInTheMiddle) {
  TempDir tmp;
  WriteLog(tmp.path(), RandomSizes(10, 100, 9), 1 << 20);
  const std::string last = SegmentPaths(tmp.path()).back();
  std::vector<std::uint8_t> bytes = ReadBytes(last);
  const std::size_t end = bytes.size();
  // A record header claiming 4 GiB, followed by enough bytes that only the limit stops it.
  std::vector<std::uint8_t> huge(kRecordHeaderSize + 64, 0xAB);
  StoreU32(huge.data(), 0xFFFFFFFFu);
  StoreU64(huge.data() + 8, 11);
  bytes.insert(bytes.end(), huge.begin(), huge.end());
  WriteBytes(last, bytes);
  Recovered r = MustRecover(tmp.path());
  ExpectRecords(r, 1, 10);
  EXPECT_EQ(r.info.torn_bytes, huge.size());
  EXPECT_EQ(r.info.torn_at, last + ":" + std::to_string(end));

  // The same bytes in a segment that is not the last one.
  WriteBytes(last, bytes);
  WriteLog(tmp.path(), {100}, 1 << 20, 11);
  Result<Recovered> middle = RecoverAll(tmp.path());
  EXPECT_EQ(middle.status().code(), StatusCode::kCorruption);
  EXPECT_NE(middle.status().message().find("exceeds the limit"), std::string::npos);
}

TEST(WalRecovery, CutsAWellFormedRecordWithTheWrongLsnAtTheEnd) {
  TempDir tmp;
  WriteLog(tmp.path(), RandomSizes(5, 100, 10), 1 << 20);
  const std::string last = SegmentPaths(tmp.path()).back();
  std::vector<std::uint8_t> bytes = ReadBytes(last);
  const std::size_t end = bytes.size();
  const std::vector<std::uint8_t> payload = MakePayload(9, 40);
  const std::array<std::span<const std::uint8_t>, 1> parts{payload};
  std::vector<std::uint8_t> stale(kRecordHeaderSize + payload.size());
  EncodeRecord(9, 1, parts, payload.size(), stale.data());  // LSN 9 where 6 is due
  bytes.insert(bytes.end(), stale.begin(), stale.end());
  WriteBytes(last, bytes);
  Recovered r = MustRecover(tmp.path());
  ExpectRecords(r, 1, 5);
  EXPECT_EQ(r.info.next_lsn, 6u);
  EXPECT_EQ(r.info.torn_at, last + ":" + std::to_string(end));
}

TEST(WalRecovery, CallbackErrorStopsRecoveryAndIsReturned) {
  TempDir tmp;
  WriteLog(tmp.path(), RandomSizes(50, 100, 11), 1 << 10);
  int calls = 0;
  Result<RecoveryInfo> info = Recover(tmp.path(), 1, [&](const WalRecord& r) {
    ++calls;
    return r.lsn == 7 ? Status::Internal("replay failed at 7") : Status::Ok();
  });
  EXPECT_EQ(info.status().code(), StatusCode::kInternal);
  EXPECT_EQ(info.status().message(), "replay failed at 7");
  EXPECT_EQ(calls, 7);
}

TEST(WalRecovery, SecondRecoveryAfterReopenSeesEverythingExactlyOnce) {
  TempDir tmp;
  WriteLog(tmp.path(), RandomSizes(30, 300, 12), 2 << 10);
  // Tear the last record in half.
  const std::string last = SegmentPaths(tmp.path()).back();
  const std::vector<std::uint8_t> whole = ReadBytes(last);
  const std::vector<std::size_t> offsets = RecordOffsets(whole);
  const std::size_t start = offsets[offsets.size() - 2];
  WriteBytes(last, std::span(whole).first(start + (whole.size() - start) / 2));

  Recovered first = MustRecover(tmp.path());
  ExpectRecords(first, 1, 29);
  EXPECT_GT(first.info.torn_bytes, 0u);
  // The writer continues in a fresh segment; LSN 30 is given again, to the new record.
  WriteLog(tmp.path(), RandomSizes(25, 300, 13), 2 << 10, first.info.next_lsn);
  EXPECT_TRUE(std::filesystem::exists(tmp.File(SegmentFileName(30))));
  Recovered second = MustRecover(tmp.path());
  ExpectRecords(second, 1, 54);
  EXPECT_EQ(second.info.torn_bytes, 0u);
  EXPECT_EQ(second.info.next_lsn, 55u);
  // And again after one more round.
  WriteLog(tmp.path(), {50, 60}, 2 << 10, second.info.next_lsn);
  ExpectRecords(MustRecover(tmp.path()), 1, 56);
}

TEST(WalRecovery, RefusesToRunWhileAWriterHoldsTheFolder) {
  TempDir tmp;
  std::unique_ptr<WalWriter> writer = MustOpen({.dir = tmp.path()}, 1);
  ASSERT_TRUE(writer);
  Result<Recovered> r = RecoverAll(tmp.path());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(writer->Close().ok());
  EXPECT_TRUE(RecoverAll(tmp.path()).ok());
}

TEST(WalRecovery, IgnoresFilesThatAreNotSegments) {
  TempDir tmp;
  WriteLog(tmp.path(), RandomSizes(10, 100, 14), 1 << 20);
  mw::testing::WriteFile(tmp.File("README"), "not a segment");
  mw::testing::WriteFile(tmp.File("00000000000000000099.wal.tmp"), "garbage");
  Recovered r = MustRecover(tmp.path());
  ExpectRecords(r, 1, 10);
  EXPECT_EQ(r.info.segments, 1u);
}

}  // namespace
}  // namespace mw::storage::wal
