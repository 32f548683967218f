#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/wal/format.h"
#include "storage/wal/wal.h"
#include "tests/storage/wal/wal_test_util.h"
#include "tests/support/test_support.h"

namespace mw::storage::wal {
namespace {

using mw::testing::TempDir;
using namespace testutil;

std::span<const std::uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

Recovered MustRecover(const std::string& dir, Lsn from_lsn = 1) {
  Result<Recovered> r = RecoverAll(dir, from_lsn);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(*r) : Recovered{};
}

TEST(WalWriter, StartsAFreshSegmentNamedByTheNextLsn) {
  TempDir tmp;
  const std::string dir = tmp.File("a/b/wal");  // created, parents too
  std::unique_ptr<WalWriter> writer = MustOpen({.dir = dir}, 1);
  ASSERT_TRUE(writer);
  EXPECT_EQ(SegmentPaths(dir), std::vector<std::string>{dir + "/00000000000000000001.wal"});
  EXPECT_EQ(std::filesystem::file_size(dir + "/00000000000000000001.wal"), kSegmentHeaderSize);
  const WalStats stats = writer->Stats();
  EXPECT_EQ(stats.segments, 1u);
  EXPECT_EQ(stats.last_lsn, 0u);
  EXPECT_EQ(stats.disk_bytes, kSegmentHeaderSize);
  ASSERT_TRUE(writer->Close().ok());
  Recovered r = MustRecover(dir);
  EXPECT_EQ(r.info.next_lsn, 1u);
  EXPECT_EQ(r.info.segments, 1u);
}

TEST(WalWriter, AppendConcatenatesPartsAndNumbersRecordsFromNextLsn) {
  TempDir tmp;
  std::unique_ptr<WalWriter> writer = MustOpen({.dir = tmp.path()}, 1);
  ASSERT_TRUE(writer);
  const std::string a = "head|";
  const std::string b = "body|";
  const std::string c = "tail";
  const std::array<std::span<const std::uint8_t>, 3> parts{Bytes(a), Bytes(b), Bytes(c)};
  EXPECT_EQ(*writer->Append(3, parts), 1u);
  EXPECT_EQ(*writer->Append(4, Bytes("single")), 2u);
  EXPECT_EQ(*writer->Append(5, std::span<const std::uint8_t>()), 3u);  // empty payloads are fine
  ASSERT_TRUE(writer->Close().ok());
  Recovered r = MustRecover(tmp.path());
  ASSERT_EQ(r.records.size(), 3u);
  EXPECT_EQ(r.records[0].type, 3);
  EXPECT_EQ(std::string(r.records[0].payload.begin(), r.records[0].payload.end()), "head|body|tail");
  EXPECT_EQ(std::string(r.records[1].payload.begin(), r.records[1].payload.end()), "single");
  EXPECT_TRUE(r.records[2].payload.empty());
  EXPECT_EQ(r.info.next_lsn, 4u);
}

TEST(WalWriter, ContinuesAfterRecoveryInAFreshSegment) {
  TempDir tmp;
  {
    std::unique_ptr<WalWriter> writer = MustOpen({.dir = tmp.path()}, 1);
    for (Lsn i = 1; i <= 5; ++i) ASSERT_EQ(*writer->Append(1, MakePayload(i, 64)), i);
  }  // the destructor closes
  Recovered r = MustRecover(tmp.path());
  ASSERT_EQ(r.info.next_lsn, 6u);
  const std::vector<std::uint8_t> before = ReadBytes(tmp.File(SegmentFileName(1)));
  {
    std::unique_ptr<WalWriter> writer = MustOpen({.dir = tmp.path()}, r.info.next_lsn);
    for (Lsn i = 6; i <= 8; ++i) ASSERT_EQ(*writer->Append(1, MakePayload(i, 64)), i);
  }
  // The old segment is untouched; the new records live in 6.wal.
  EXPECT_EQ(ReadBytes(tmp.File(SegmentFileName(1))), before);
  EXPECT_EQ(SegmentPaths(tmp.path()).size(), 2u);
  Recovered all = MustRecover(tmp.path());
  ASSERT_EQ(all.records.size(), 8u);
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(CheckPayload(all.records[i].payload), i + 1);
}

TEST(WalWriter, RefusesANextLsnBehindTheLog) {
  TempDir tmp;
  {
    std::unique_ptr<WalWriter> writer = MustOpen({.dir = tmp.path(), .segment_bytes = 100}, 1);
    for (Lsn i = 1; i <= 5; ++i) ASSERT_TRUE(writer->Append(1, MakePayload(i, 120)).ok());
  }
  // Segment 5 exists and holds a record: 5 and anything below is not where the log continues.
  for (Lsn next : {Lsn{1}, Lsn{4}, Lsn{5}}) {
    Result<std::unique_ptr<WalWriter>> writer = WalWriter::Open({.dir = tmp.path()}, next);
    EXPECT_EQ(writer.status().code(), StatusCode::kFailedPrecondition) << next;
  }
  EXPECT_EQ(WalWriter::Open({.dir = tmp.path()}, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(WalWriter::Open({.dir = ""}, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MustRecover(tmp.path()).records.size(), 5u);
}

TEST(WalWriter, ReplacesASegmentOfTheSameNameThatHoldsNoRecord) {
  TempDir tmp;
  { std::unique_ptr<WalWriter> writer = MustOpen({.dir = tmp.path()}, 7); }  // header only
  EXPECT_EQ(MustRecover(tmp.path()).info.next_lsn, 7u);
  std::unique_ptr<WalWriter> writer = MustOpen({.dir = tmp.path()}, 7);
  ASSERT_TRUE(writer);
  EXPECT_EQ(*writer->Append(1, MakePayload(7, 30)), 7u);
  ASSERT_TRUE(writer->Close().ok());
  Recovered r = MustRecover(tmp.path());
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.info.first_lsn, 7u);
}

TEST(WalWriter, RefusesASecondWriterOnTheSameFolder) {
  TempDir tmp;
  std::unique_ptr<WalWriter> first = MustOpen({.dir = tmp.path()}, 1);
  ASSERT_TRUE(first);
  Result<std::unique_ptr<WalWriter>> second = WalWriter::Open({.dir = tmp.path()}, 1);
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(first->Close().ok());
  EXPECT_TRUE(WalWriter::Open({.dir = tmp.path()}, 1).ok());
}

TEST(WalWriter, RejectsAPayloadAboveTheLimitWithoutUsingAnLsn) {
  TempDir tmp;
  std::unique_ptr<WalWriter> writer = MustOpen({.dir = tmp.path(), .sync = SyncMode::kAsync}, 1);
  // 65 parts over the same MiB: 65 MiB of payload without allocating it.
  const std::vector<std::uint8_t> mib(std::size_t{1} << 20, 0x42);
  const std::vector<std::span<const std::uint8_t>> too_many(65, std::span<const std::uint8_t>(mib));
  EXPECT_EQ(writer->Append(1, too_many).status().code(), StatusCode::kInvalidArgument);
  // Exactly the limit is fine, and gets LSN 1; so does a large record that spans many read windows.
  const std::vector<std::span<const std::uint8_t>> exactly(64, std::span<const std::uint8_t>(mib));
  EXPECT_EQ(*writer->Append(1, exactly), 1u);
  EXPECT_EQ(*writer->Append(2, MakePayload(2, 5'000'000)), 2u);
  ASSERT_TRUE(writer->Close().ok());
  Recovered r = MustRecover(tmp.path());
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0].payload.size(), kMaxPayloadBytes);
  EXPECT_EQ(CheckPayload(r.records[1].payload), 2u);
}

TEST(WalWriter, SyncModeAcknowledgesOnlyWhatIsFdatasynced) {
  TempDir tmp;
  std::unique_ptr<WalWriter> writer = MustOpen({.dir = tmp.path(), .sync = SyncMode::kSync}, 1);
  for (Lsn i = 1; i <= 20; ++i) {
    Result<Lsn> lsn = writer->Append(1, MakePayload(i, 100));
    ASSERT_TRUE(lsn.ok());
    EXPECT_GE(writer->Stats().synced_lsn, *lsn);
  }
  EXPECT_GE(writer->Stats().syncs, 20u);  // one thread: one sync per record (plus the header's)
  ASSERT_TRUE(writer->Close().ok());
}

TEST(WalWriter, AsyncModeSyncsInTheBackground) {
  TempDir tmp;
  std::unique_ptr<WalWriter> writer = MustOpen(
      {.dir = tmp.path(), .sync = SyncMode::kAsync, .commit_interval = std::chrono::microseconds(2000)}, 1);
  for (Lsn i = 1; i <= 50; ++i) ASSERT_TRUE(writer->Append(1, MakePayload(i, 100)).ok());
  // Written already (another process could read it), synced soon without being asked.
  EXPECT_EQ(std::filesystem::file_size(tmp.File(SegmentFileName(1))),
            kSegmentHeaderSize + 50 * (kRecordHeaderSize + 100));
  EXPECT_TRUE(mw::testing::WaitUntil([&] { return writer->Stats().synced_lsn == 50; }));
  const std::uint64_t syncs = writer->Stats().syncs;
  EXPECT_LT(syncs, 50u);
  ASSERT_TRUE(writer->Sync().ok());
  ASSERT_TRUE(writer->Close().ok());
}

TEST(WalWriter, SyncWaitsForEverythingAppendedBefore) {
  for (SyncMode mode : {SyncMode::kSync, SyncMode::kAsync}) {
    TempDir tmp;
    std::unique_ptr<WalWriter> writer =
        MustOpen({.dir = tmp.path(), .sync = mode, .commit_interval = std::chrono::seconds(10)}, 1);
    std::thread appender([&] { ASSERT_TRUE(writer->Append(1, MakePayload(1, 100)).ok()); });
    // In kSync the appender waits for a commit that Sync() hurries (the interval is 10 s).
    ASSERT_TRUE(mw::testing::WaitUntil([&] { return writer->Stats().last_lsn == 1; }));
    ASSERT_TRUE(writer->Sync().ok());
    EXPECT_EQ(writer->Stats().synced_lsn, 1u);
    appender.join();
    ASSERT_TRUE(writer->Close().ok());
  }
}

TEST(WalWriter, DropBeforeDeletesOnlyWholeSegmentsBelowTheLsn) {
  TempDir tmp;
  std::unique_ptr<WalWriter> writer =
      MustOpen({.dir = tmp.path(), .sync = SyncMode::kAsync, .segment_bytes = 1000}, 1);
  for (Lsn i = 1; i <= 100; ++i) ASSERT_TRUE(writer->Append(1, MakePayload(i, 200)).ok());
  ASSERT_TRUE(writer->Sync().ok());
  const std::size_t before = SegmentPaths(tmp.path()).size();
  EXPECT_EQ(writer->Stats().segments, before);
  ASSERT_TRUE(writer->DropBefore(50).ok());
  const std::vector<std::string> after = SegmentPaths(tmp.path());
  EXPECT_LT(after.size(), before);
  EXPECT_EQ(writer->Stats().segments, after.size());
  // The oldest remaining segment still holds LSN 50.
  const Lsn first = *ParseSegmentFileName(std::filesystem::path(after.front()).filename().string());
  EXPECT_LE(first, 50u);
  EXPECT_GT(first, 40u);
  ASSERT_TRUE(writer->DropBefore(10).ok());  // nothing more to drop
  EXPECT_EQ(SegmentPaths(tmp.path()).size(), after.size());
  // Past the end: everything but the active segment goes.
  ASSERT_TRUE(writer->DropBefore(1'000'000).ok());
  EXPECT_EQ(SegmentPaths(tmp.path()).size(), 1u);
  ASSERT_EQ(*writer->Append(1, MakePayload(101, 200)), 101u);
  ASSERT_TRUE(writer->Close().ok());
  Recovered r = MustRecover(tmp.path(), 1);
  ASSERT_FALSE(r.records.empty());
  EXPECT_EQ(r.records.back().lsn, 101u);
  EXPECT_EQ(r.info.first_lsn, r.records.front().lsn);
  for (const OwnedRecord& rec : r.records) EXPECT_EQ(CheckPayload(rec.payload), rec.lsn);

  // Recovery from a dropped-to LSN delivers everything from there.
  TempDir tmp2;
  std::unique_ptr<WalWriter> w2 =
      MustOpen({.dir = tmp2.path(), .sync = SyncMode::kAsync, .segment_bytes = 1000}, 1);
  for (Lsn i = 1; i <= 60; ++i) ASSERT_TRUE(w2->Append(1, MakePayload(i, 200)).ok());
  ASSERT_TRUE(w2->DropBefore(30).ok());
  ASSERT_TRUE(w2->Close().ok());
  Recovered from30 = MustRecover(tmp2.path(), 30);
  ASSERT_EQ(from30.records.size(), 31u);
  EXPECT_EQ(from30.records.front().lsn, 30u);
  EXPECT_LE(from30.info.first_lsn, 30u);
}

TEST(WalWriter, RotateLetsDropBeforeEmptyTheLogAndRecoveryContinuesAfterIt) {
  for (SyncMode mode : {SyncMode::kSync, SyncMode::kAsync}) {
    TempDir tmp;
    std::unique_ptr<WalWriter> writer = MustOpen({.dir = tmp.path(), .sync = mode}, 1);
    for (Lsn i = 1; i <= 20; ++i) ASSERT_TRUE(writer->Append(1, MakePayload(i, 300)).ok());
    ASSERT_TRUE(writer->Rotate().ok());
    ASSERT_TRUE(writer->Rotate().ok());  // nothing new since: no second empty segment
    ASSERT_TRUE(writer->DropBefore(21).ok());
    std::vector<std::string> left = SegmentPaths(tmp.path());
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(*ParseSegmentFileName(std::filesystem::path(left.front()).filename().string()), 21u);
    ASSERT_TRUE(writer->Close().ok());
    Recovered empty = MustRecover(tmp.path(), 1);
    EXPECT_TRUE(empty.records.empty());
    EXPECT_EQ(empty.info.next_lsn, 21u);
    writer = MustOpen({.dir = tmp.path(), .sync = mode}, empty.info.next_lsn);
    ASSERT_EQ(*writer->Append(1, MakePayload(21, 300)), 21u);
    ASSERT_TRUE(writer->Close().ok());
    Recovered r = MustRecover(tmp.path(), 1);
    ASSERT_EQ(r.records.size(), 1u);
    EXPECT_EQ(r.records[0].lsn, 21u);
  }
}

TEST(WalWriter, CloseIsIdempotentAndEndsAppends) {
  TempDir tmp;
  std::unique_ptr<WalWriter> writer = MustOpen({.dir = tmp.path()}, 1);
  ASSERT_TRUE(writer->Append(1, MakePayload(1, 20)).ok());
  EXPECT_TRUE(writer->Close().ok());
  EXPECT_TRUE(writer->Close().ok());
  EXPECT_EQ(writer->Append(1, MakePayload(2, 20)).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(writer->DropBefore(1).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(writer->Sync().ok());
  EXPECT_EQ(writer->Stats().synced_lsn, 1u);
  // The folder is free again.
  EXPECT_EQ(MustRecover(tmp.path()).records.size(), 1u);
  writer.reset();  // the destructor's Close() is a no-op
}

// Four threads append concurrently; every record is there once, LSNs are dense, and the LSN each
// thread was given is the one its record has.
void ConcurrentAppends(SyncMode mode) {
  TempDir tmp;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 400;
  std::unique_ptr<WalWriter> writer = MustOpen({.dir = tmp.path(),
                                                .sync = mode,
                                                .commit_interval = std::chrono::microseconds(200),
                                                .segment_bytes = 32 << 10},
                                               1);
  std::vector<std::map<Lsn, std::uint64_t>> given(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < kPerThread; ++i) {
        const std::uint64_t id = static_cast<std::uint64_t>(t) << 32 | static_cast<std::uint64_t>(i);
        const std::vector<std::uint8_t> payload = MakePayload(id, 16 + rng() % 600);
        // Split into two parts to exercise the gather path.
        const std::array<std::span<const std::uint8_t>, 2> parts{std::span(payload).first(10),
                                                                 std::span(payload).subspan(10)};
        Result<Lsn> lsn = writer->Append(static_cast<std::uint8_t>(t), parts);
        ASSERT_TRUE(lsn.ok()) << lsn.status().ToString();
        if (!given[t].empty()) {
          ASSERT_GT(*lsn, given[t].rbegin()->first);
        }
        given[t][*lsn] = id;
      }
    });
  }
  for (auto& th : threads) th.join();
  const WalStats stats = writer->Stats();
  EXPECT_EQ(stats.records, std::uint64_t{kThreads * kPerThread});
  EXPECT_GT(stats.segments, 3u);
  ASSERT_TRUE(writer->Close().ok());

  Recovered r = MustRecover(tmp.path());
  ASSERT_EQ(r.records.size(), std::size_t{kThreads * kPerThread});
  std::set<std::uint64_t> seen;
  for (std::size_t i = 0; i < r.records.size(); ++i) {
    const OwnedRecord& rec = r.records[i];
    ASSERT_EQ(rec.lsn, i + 1);
    std::optional<std::uint64_t> id = CheckPayload(rec.payload);
    ASSERT_TRUE(id.has_value()) << "lsn " << rec.lsn;
    ASSERT_TRUE(seen.insert(*id).second) << "twice: " << *id;
    ASSERT_EQ(given[rec.type].at(rec.lsn), *id);
  }
  if (mode == SyncMode::kSync) {
    // Group commit: far fewer fdatasyncs than records.
    EXPECT_LT(stats.syncs, stats.records) << "syncs " << stats.syncs;
  }
}

TEST(WalWriter, ConcurrentAppendsFromFourThreadsAreDenseAndOnceInSyncMode) {
  ConcurrentAppends(SyncMode::kSync);
}
TEST(WalWriter, ConcurrentAppendsFromFourThreadsAreDenseAndOnceInAsyncMode) {
  ConcurrentAppends(SyncMode::kAsync);
}

TEST(WalWriter, CommitIntervalZeroStillCommitsEveryone) {
  TempDir tmp;
  std::unique_ptr<WalWriter> writer = MustOpen(
      {.dir = tmp.path(), .sync = SyncMode::kSync, .commit_interval = std::chrono::microseconds(0)}, 1);
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) ASSERT_TRUE(writer->Append(1, MakePayload(t * 100 + i, 64)).ok());
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(writer->Stats().synced_lsn, 150u);
  ASSERT_TRUE(writer->Close().ok());
  EXPECT_EQ(MustRecover(tmp.path()).records.size(), 150u);
}

TEST(WalWriter, StatsCountRecordsBytesAndFiles) {
  TempDir tmp;
  std::unique_ptr<WalWriter> writer =
      MustOpen({.dir = tmp.path(), .sync = SyncMode::kAsync, .segment_bytes = 1000}, 1);
  for (Lsn i = 1; i <= 30; ++i) ASSERT_TRUE(writer->Append(1, MakePayload(i, 100)).ok());
  ASSERT_TRUE(writer->Sync().ok());
  const WalStats stats = writer->Stats();
  EXPECT_EQ(stats.records, 30u);
  EXPECT_EQ(stats.bytes, 30u * (kRecordHeaderSize + 100));
  EXPECT_EQ(stats.last_lsn, 30u);
  EXPECT_EQ(stats.synced_lsn, 30u);
  const std::vector<std::string> paths = SegmentPaths(tmp.path());
  EXPECT_EQ(stats.segments, paths.size());
  std::uint64_t on_disk = 0;
  for (const auto& p : paths) on_disk += std::filesystem::file_size(p);
  EXPECT_EQ(stats.disk_bytes, on_disk);
  EXPECT_EQ(on_disk, stats.bytes + paths.size() * kSegmentHeaderSize);
  ASSERT_TRUE(writer->Close().ok());
}

// A child process whose files may not grow past 4 KiB: the write that crosses it fails with EFBIG.
TEST(WalWriter, AnIoErrorFailsTheWriterForGood) {
  TempDir tmp;
  for (SyncMode mode : {SyncMode::kSync, SyncMode::kAsync}) {
    const std::string dir = tmp.File(mode == SyncMode::kSync ? "sync" : "async");
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      std::signal(SIGXFSZ, SIG_IGN);
      const rlimit limit{4096, 4096};
      if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(100);
      Result<std::unique_ptr<WalWriter>> writer = WalWriter::Open({.dir = dir, .sync = mode}, 1);
      if (!writer.ok()) ::_exit(101);
      Lsn acknowledged = 0;
      Status error;
      for (Lsn i = 1; i <= 100; ++i) {
        Result<Lsn> lsn = (*writer)->Append(1, MakePayload(i, 500));
        if (!lsn.ok()) {
          error = lsn.status();
          break;
        }
        acknowledged = *lsn;
      }
      if (error.code() != StatusCode::kIoError) ::_exit(102);
      if (error.message().find(dir + "/00000000000000000001.wal") == std::string::npos) ::_exit(103);
      // Every later call returns the same error.
      if ((*writer)->Append(1, MakePayload(999, 20)).status().message() != error.message()) ::_exit(104);
      if ((*writer)->Sync().message() != error.message()) ::_exit(105);
      if ((*writer)->DropBefore(1).message() != error.message()) ::_exit(106);
      if ((*writer)->Close().message() != error.message()) ::_exit(107);
      if (acknowledged < 5) ::_exit(108);
      ::_exit(static_cast<int>(acknowledged));  // 7: 4096 bytes hold the header and 7 records of 517
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    const int acknowledged = WEXITSTATUS(status);
    ASSERT_GE(acknowledged, 5) << "child failed with " << acknowledged;
    ASSERT_LT(acknowledged, 100) << "child failed with " << acknowledged;
    // What the writer acknowledged is there; the partial record is cut.
    Recovered r = MustRecover(dir);
    EXPECT_EQ(r.records.size(), static_cast<std::size_t>(acknowledged));
    for (const OwnedRecord& rec : r.records) EXPECT_EQ(CheckPayload(rec.payload), rec.lsn);
  }
}

}  // namespace
}  // namespace mw::storage::wal
