// Kills a process that is appending to the historian with SIGKILL at random moments, many times,
// and checks after each restart that every acknowledged sample is there exactly once.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <random>
#include <thread>

#include "storage/historian/historian.h"
#include "tests/support/test_support.h"

namespace mw::storage {
namespace {

constexpr Timestamp kSec = kNanosPerSecond;
constexpr int kSeries = 8;
constexpr int kBatch = 50;

// The child: appends batches of kBatch samples (kBatch / kSeries per series, value = sequence
// number) until killed, and after each acknowledged Append writes the sequence number reached to
// the pipe. Every (series, time) pair is written once, so duplicates after a restart are visible.
[[noreturn]] void RunChild(const std::string& dir, SyncMode mode, int out_fd) {
  Catalog catalog;
  MetricsRegistry metrics;
  HistorianOptions o;
  o.dir = dir;
  o.sync = mode;
  o.chunk_samples = 64;
  o.wal_segment_bytes = 64 * 1024;
  auto h = Historian::Open(o, catalog, metrics, SystemClock::Instance());
  if (!h.ok()) {
    std::fprintf(stderr, "child: %s\n", h.status().ToString().c_str());
    _exit(2);
  }
  std::vector<SeriesId> ids;
  for (int s = 0; s < kSeries; ++s) {
    ids.push_back(catalog.InternSeries(catalog.AddAsset("plant/m" + std::to_string(s), ""), "v"));
  }
  // Continue after what a previous run stored.
  std::uint64_t seq = 0;
  for (SeriesId id : ids) {
    if (auto p = (*h)->Latest(id)) seq = std::max(seq, static_cast<std::uint64_t>(p->value) + 1);
  }
  for (;;) {
    Batch b;
    for (int i = 0; i < kBatch; ++i, ++seq) {
      b.Append(ids[seq % kSeries], static_cast<Timestamp>(seq) * kSec, static_cast<double>(seq));
    }
    if (!(*h)->Append(b).ok()) _exit(3);
    if (write(out_fd, &seq, sizeof(seq)) != sizeof(seq)) _exit(4);
  }
}

void CrashMany(SyncMode mode) {
  mw::testing::TempDir dir;
  std::mt19937 rng(mode == SyncMode::kSync ? 1 : 2);
  std::uint64_t acknowledged = 0;
  for (int round = 0; round < 6; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      RunChild(dir.path(), mode, fds[1]);
    }
    close(fds[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(150, 600)(rng)));
    kill(pid, SIGKILL);
    std::uint64_t seq = 0;
    while (read(fds[0], &seq, sizeof(seq)) == sizeof(seq)) acknowledged = std::max(acknowledged, seq);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child exited by itself with " << WEXITSTATUS(status);

    // Restart and check: every acknowledged sample once; nothing twice; values intact.
    Catalog catalog;
    MetricsRegistry metrics;
    HistorianOptions o;
    o.dir = dir.path();
    o.chunk_samples = 64;
    auto h = Historian::Open(o, catalog, metrics, SystemClock::Instance());
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    std::map<Timestamp, int> seen;
    for (int s = 0; s < kSeries; ++s) {
      auto asset = catalog.FindAsset("plant/m" + std::to_string(s));
      if (!asset) continue;
      std::vector<pipeline::Point> points;
      ASSERT_TRUE((*h)->Range(*catalog.FindSeries(*asset, "v"), INT64_MIN, INT64_MAX, SIZE_MAX, points).ok());
      for (const auto& p : points) {
        ASSERT_EQ(p.value * kSec, static_cast<double>(p.time)) << "value does not match its time";
        ASSERT_EQ(static_cast<std::uint64_t>(p.time / kSec) % kSeries, static_cast<std::uint64_t>(s));
        seen[p.time]++;
      }
    }
    for (const auto& [t, n] : seen)
      ASSERT_EQ(n, 1) << "sample at " << t / kSec << " stored " << n << " times";
    for (std::uint64_t q = 0; q < acknowledged; ++q) {
      ASSERT_TRUE(seen.count(static_cast<Timestamp>(q) * kSec))
          << "acknowledged sample " << q << " lost in round " << round;
    }
    ASSERT_TRUE((*h)->Close().ok());
  }
  EXPECT_GT(acknowledged, 1000u);
}

TEST(HistorianCrash, KillNineLosesNoAcknowledgedSampleInSyncMode) { CrashMany(SyncMode::kSync); }
TEST(HistorianCrash, KillNineLosesNoAcknowledgedSampleInAsyncMode) { CrashMany(SyncMode::kAsync); }

}  // namespace
}  // namespace mw::storage
