// WAL append throughput: MB/s, records/s and fdatasync calls/s for kSync and kAsync, 1 and 2
// appending threads, 4 KiB and 64 KiB records; then the latency of one 4 KiB write + fdatasync on
// the same disk, and the recovery read rate. The last lines printed are the headline figures, one
// `RESULT wal.<figure>` line each. See README.md.
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "storage/wal/wal.h"

namespace mw::storage::wal {
namespace {

using Clock = std::chrono::steady_clock;

struct Config {
  SyncMode mode;
  int threads;
  std::size_t record_bytes;
};

struct Figures {
  std::string name;  // e.g. sync_2t_64k
  double seconds = 0;
  double mb_per_s = 0;
  double records_per_s = 0;
  double syncs_per_s = 0;
  double p50_us = 0;
  double p99_us = 0;
};

struct Args {
  std::string dir;
  double seconds = 1.0;
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "bench_wal: %s\n", what.c_str());
  std::exit(1);
}

Args ParseArgs(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--dir" && has_value) {
      args.dir = argv[++i];
    } else if (arg == "--seconds" && has_value) {
      args.seconds = std::atof(argv[++i]);
    } else if (arg == "--data" && has_value) {
      ++i;  // scripts/bench.sh passes it to every benchmark; nothing to read here
    } else {
      Die("usage: bench_wal [--dir <folder on the disk to measure>] [--seconds <per run, default 1>]");
    }
  }
  if (args.dir.empty()) {
    // /var/tmp, not /tmp: /tmp may be a tmpfs, where fdatasync costs nothing.
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp ? tmp : "/var/tmp") + "/mw-bench-wal-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) Die("cannot create a folder from " + pattern);
    args.dir = pattern;
  }
  return args;
}

std::string FilesystemName(const std::string& dir) {
  struct statfs fs {};
  if (::statfs(dir.c_str(), &fs) != 0) return "unknown";
  switch (static_cast<unsigned long>(fs.f_type)) {
    case 0xEF53:
      return "ext4";
    case 0x58465342:
      return "xfs";
    case 0x9123683E:
      return "btrfs";
    case 0x01021994:
      return "tmpfs (fdatasync is free: figures are not a disk's)";
    case 0x794C7630:
      return "overlayfs";
    default:
      return "other";
  }
}

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

Figures Run(const Config& config, const Args& args, int index) {
  Figures f;
  f.name = std::string(config.mode == SyncMode::kSync ? "sync_" : "async_") + std::to_string(config.threads) +
           "t_" + std::to_string(config.record_bytes >> 10) + "k";
  const std::string dir = args.dir + "/run-" + std::to_string(index);
  Result<std::unique_ptr<WalWriter>> opened = WalWriter::Open({.dir = dir, .sync = config.mode}, 1);
  if (!opened.ok()) Die(opened.status().ToString());
  WalWriter& writer = **opened;

  std::vector<std::uint8_t> payload(config.record_bytes);
  std::mt19937_64 rng(7);
  for (auto& b : payload) b = static_cast<std::uint8_t>(rng());
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(config.threads));
  std::vector<std::thread> threads;
  const WalStats before = writer.Stats();
  const auto start = Clock::now();
  for (int t = 0; t < config.threads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<double>& lat = latencies[static_cast<std::size_t>(t)];
      lat.reserve(1 << 20);
      while (!stop.load(std::memory_order_relaxed)) {
        const auto t0 = Clock::now();
        Result<Lsn> lsn = writer.Append(1, payload);
        if (!lsn.ok()) Die(lsn.status().ToString());
        lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
    });
  }
  // Trim as the historian would, so the run does not fill the disk.
  const auto end_at = start + std::chrono::duration<double>(args.seconds);
  while (Clock::now() < end_at) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (Status s = writer.DropBefore(writer.Stats().synced_lsn); !s.ok()) Die(s.ToString());
  }
  stop = true;
  for (auto& th : threads) th.join();
  const WalStats after = writer.Stats();  // before Close(): its final sync is not part of the run
  f.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (Status s = writer.Close(); !s.ok()) Die(s.ToString());

  const double records = static_cast<double>(after.records - before.records);
  f.mb_per_s = static_cast<double>(after.bytes - before.bytes) / 1e6 / f.seconds;
  f.records_per_s = records / f.seconds;
  f.syncs_per_s = static_cast<double>(after.syncs - before.syncs) / f.seconds;
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  f.p50_us = Percentile(all, 0.50);
  f.p99_us = Percentile(all, 0.99);
  std::filesystem::remove_all(dir);
  std::printf(
      "%-14s %9.1f MB/s %10.0f records/s %9.0f syncs/s %8.0f records/sync   append p50 %7.0f us  p99 %7.0f "
      "us\n",
      f.name.c_str(), f.mb_per_s, f.records_per_s, f.syncs_per_s,
      f.syncs_per_s > 0 ? f.records_per_s / f.syncs_per_s : 0.0, f.p50_us, f.p99_us);
  std::fflush(stdout);
  return f;
}

// The median time of one 4 KiB write followed by fdatasync, appending to a fresh file: the floor
// under a kSync append.
double FdatasyncMicros(const std::string& dir) {
  const std::string path = dir + "/fdatasync-probe";
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) Die("cannot create " + path);
  const int fd = ::fileno(file);
  std::vector<char> block(4096, 'x');
  std::vector<double> micros;
  for (int i = 0; i < 200; ++i) {
    const auto t0 = Clock::now();
    if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size())) Die("write " + path);
    if (::fdatasync(fd) != 0) Die("fdatasync " + path);
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  std::fclose(file);
  std::filesystem::remove(path);
  return Percentile(micros, 0.5);
}

// Writes about 256 MB of 64 KiB records, then times Recover() over them (from the page cache).
double RecoveryMbPerSecond(const std::string& base) {
  const std::string dir = base + "/recovery";
  {
    Result<std::unique_ptr<WalWriter>> writer = WalWriter::Open({.dir = dir, .sync = SyncMode::kAsync}, 1);
    if (!writer.ok()) Die(writer.status().ToString());
    std::vector<std::uint8_t> payload(64 << 10, 0x5A);
    for (int i = 0; i < 4096; ++i) {
      if (Result<Lsn> lsn = (*writer)->Append(1, payload); !lsn.ok()) Die(lsn.status().ToString());
    }
    if (Status s = (*writer)->Close(); !s.ok()) Die(s.ToString());
  }
  std::uint64_t bytes = 0;
  const auto t0 = Clock::now();
  Result<RecoveryInfo> info = Recover(dir, 1, [&](const WalRecord& r) {
    bytes += r.payload.size();
    return Status::Ok();
  });
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!info.ok()) Die(info.status().ToString());
  std::filesystem::remove_all(dir);
  return static_cast<double>(bytes) / 1e6 / seconds;
}

}  // namespace
}  // namespace mw::storage::wal

int main(int argc, char** argv) {
  using namespace mw::storage::wal;
  const Args args = ParseArgs(argc, argv);
  std::printf("bench_wal: %s (%s), %.1f s per run, default options (commit_interval 1 ms, 64 MiB segments)\n",
              args.dir.c_str(), FilesystemName(args.dir).c_str(), args.seconds);
  std::vector<Figures> figures;
  int index = 0;
  for (SyncMode mode : {SyncMode::kSync, SyncMode::kAsync}) {
    for (std::size_t bytes : {std::size_t{4} << 10, std::size_t{64} << 10}) {
      for (int threads : {1, 2}) figures.push_back(Run({mode, threads, bytes}, args, index++));
    }
  }
  const double fdatasync_us = FdatasyncMicros(args.dir);
  const double recovery = RecoveryMbPerSecond(args.dir);
  std::filesystem::remove_all(args.dir);
  std::printf("\n");
  for (const Figures& f : figures) {
    std::printf("RESULT wal.%s_mb_per_s = %.1f MB/s\n", f.name.c_str(), f.mb_per_s);
    std::printf("RESULT wal.%s_records_per_s = %.0f records/s\n", f.name.c_str(), f.records_per_s);
    std::printf("RESULT wal.%s_syncs_per_s = %.0f syncs/s\n", f.name.c_str(), f.syncs_per_s);
  }
  std::printf("RESULT wal.fdatasync_4k_latency = %.0f us\n", fdatasync_us);
  std::printf("RESULT wal.recovery_rate = %.0f MB/s\n", recovery);
  return 0;
}
