// kill -9 at random moments: a child process appends numbered records from two threads and reports
// every acknowledged LSN through a pipe; the parent kills it, recovers, and checks that every
// acknowledged record is there, once and intact. Several rounds per sync mode, on one log, each
// round continuing where the recovery of the previous one said.
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <map>
#include <random>
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

constexpr std::size_t kAckBytes = 16;  // u64 lsn, u64 payload id: one atomic pipe write

// The child: appends until killed (or 20 s pass, should the parent be gone).
[[noreturn]] void RunChild(const std::string& dir, SyncMode mode, Lsn next_lsn, std::uint64_t round,
                           int ack_fd) {
  Result<std::unique_ptr<WalWriter>> writer =
      WalWriter::Open({.dir = dir,
                       .sync = mode,
                       .commit_interval = std::chrono::microseconds(300),
                       .segment_bytes = 96 << 10},
                      next_lsn);
  if (!writer.ok()) ::_exit(2);
  std::atomic<bool> failed{false};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  auto append = [&](std::uint64_t thread) {
    std::mt19937_64 rng(round * 7 + thread);
    for (std::uint64_t i = 0; std::chrono::steady_clock::now() < deadline; ++i) {
      const std::uint64_t id = round << 40 | thread << 32 | i;
      const std::vector<std::uint8_t> payload = MakePayload(id, 16 + rng() % 6000);
      Result<Lsn> lsn = (*writer)->Append(static_cast<std::uint8_t>(thread), payload);
      if (!lsn.ok()) {
        failed = true;
        return;
      }
      std::array<std::uint8_t, kAckBytes> ack{};
      StoreU64(ack.data(), *lsn);
      StoreU64(ack.data() + 8, id);
      if (::write(ack_fd, ack.data(), ack.size()) != static_cast<ssize_t>(ack.size())) {
        failed = true;
        return;
      }
    }
  };
  std::thread other(append, 1);
  append(0);
  other.join();
  ::_exit(failed ? 3 : 0);
}

// Runs one child until it has acknowledged `min_acks` records and then for `then` more, kills it
// with SIGKILL, and returns what it acknowledged.
std::map<Lsn, std::uint64_t> RunAndKill(const std::string& dir, SyncMode mode, Lsn next_lsn,
                                        std::uint64_t round, std::size_t min_acks,
                                        std::chrono::milliseconds then) {
  std::array<int, 2> fds{};
  EXPECT_EQ(::pipe(fds.data()), 0);
  const pid_t pid = ::fork();
  EXPECT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    RunChild(dir, mode, next_lsn, round, fds[1]);
  }
  ::close(fds[1]);
  std::map<Lsn, std::uint64_t> acks;
  std::vector<std::uint8_t> pending;
  auto take = [&](bool until_eof) {
    std::array<std::uint8_t, 4096> buf{};
    for (;;) {
      pollfd p{fds[0], POLLIN, 0};
      if (!until_eof && ::poll(&p, 1, 0) <= 0) return;
      const ssize_t n = ::read(fds[0], buf.data(), buf.size());
      if (n <= 0) return;
      pending.insert(pending.end(), buf.begin(), buf.begin() + n);
    }
  };
  // Progress, not time, so that a slow machine (or a sanitizer) still gets kills mid-stream.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (pending.size() < min_acks * kAckBytes && std::chrono::steady_clock::now() < give_up) {
    take(false);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const auto kill_at = std::chrono::steady_clock::now() + then;
  while (std::chrono::steady_clock::now() < kill_at) {
    take(false);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the child ended early: " << status;
  take(true);  // everything it reported before it died
  ::close(fds[0]);
  for (std::size_t i = 0; i + kAckBytes <= pending.size(); i += kAckBytes) {
    acks[LoadU64(pending.data() + i)] = LoadU64(pending.data() + i + 8);
  }
  return acks;
}

// Every acknowledged record is present with its payload; every record is intact and there once.
void ExpectEverythingAcknowledged(const Recovered& r, const std::map<Lsn, std::uint64_t>& acked) {
  std::set<std::uint64_t> ids;
  for (std::size_t i = 0; i < r.records.size(); ++i) {
    const OwnedRecord& rec = r.records[i];
    ASSERT_EQ(rec.lsn, i + 1);
    const std::optional<std::uint64_t> id = CheckPayload(rec.payload);
    ASSERT_TRUE(id.has_value()) << "damaged payload at lsn " << rec.lsn;
    ASSERT_TRUE(ids.insert(*id).second) << "payload " << *id << " twice";
  }
  for (const auto& [lsn, id] : acked) {
    ASSERT_LE(lsn, r.records.size()) << "acknowledged lsn " << lsn << " lost";
    ASSERT_EQ(CheckPayload(r.records[lsn - 1].payload), id) << "lsn " << lsn;
  }
}

TEST(WalCrash, EveryAcknowledgedRecordSurvivesKillNine) {
  TempDir tmp;
  const std::string dir = tmp.File("wal");
  std::map<Lsn, std::uint64_t> acked;
  std::mt19937 rng(20240601);
  std::uint64_t round = 0;
  std::uint64_t torn_rounds = 0;
  for (SyncMode mode : {SyncMode::kAsync, SyncMode::kSync}) {
    for (int i = 0; i < 5; ++i, ++round) {
      Result<Recovered> before = RecoverAll(dir);
      ASSERT_TRUE(before.ok()) << before.status().ToString();
      ExpectEverythingAcknowledged(*before, acked);
      if (before->info.torn_bytes > 0) ++torn_rounds;
      const std::size_t min_acks = 1 + rng() % 300;
      const auto then = std::chrono::milliseconds(rng() % 40);
      std::map<Lsn, std::uint64_t> acks = RunAndKill(dir, mode, before->info.next_lsn, round, min_acks, then);
      EXPECT_GE(acks.size(), min_acks) << "round " << round;
      for (const auto& [lsn, id] : acks) {
        ASSERT_GE(lsn, before->info.next_lsn);
        ASSERT_TRUE(acked.emplace(lsn, id).second) << "lsn " << lsn << " acknowledged twice";
      }
    }
  }
  Result<Recovered> after = RecoverAll(dir);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  ExpectEverythingAcknowledged(*after, acked);
  // Informational: how often a kill left a partial record behind.
  std::printf(
      "crash test: %zu acknowledged records, %zu in the log, %llu of %llu recoveries cut a torn tail\n",
      acked.size(), after->records.size(), static_cast<unsigned long long>(torn_rounds),
      static_cast<unsigned long long>(round));
}

}  // namespace
}  // namespace mw::storage::wal
