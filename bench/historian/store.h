// The stores bench_historian compares, behind one interface: Millwright's historian and naive
// SQLite in this process, InfluxDB 1.6 and VictoriaMetrics as child processes fed over HTTP.
// Each store gets a fresh temporary folder per data set; main.cc drives every store through the
// same steps (load the plant, compact, measure the disk, load the long series, compact, query).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/process.h"
#include "core/status.h"
#include "dataset.h"
#include "http_client.h"

namespace mw::bench::historian {

enum class Part { kPlant, kHistory };

struct LoadStats {
  std::uint64_t samples = 0;
  double seconds = 0;
  double store_cpu_s = 0;   // the store's CPU (user + system) from the first write to the last answer
  double loader_cpu_s = 0;  // HTTP peers: the CPU of the bench's own loader thread
  int connections = 0;      // HTTP peers: 1 when one persistent connection carried the whole load
  double samples_per_s() const { return seconds > 0 ? static_cast<double>(samples) / seconds : 0; }
  double samples_per_cpu_s() const {
    return store_cpu_s > 0 ? static_cast<double>(samples) / store_cpu_s : 0;
  }
};

struct RawResult {
  std::vector<Timestamp> times;  // ns
  std::vector<double> values;
  std::uint64_t response_bytes = 0;  // HTTP peers: size of the response body
};

struct BucketRow {
  Timestamp start = 0;
  std::uint64_t count = 0;
  double min = 0, max = 0, avg = 0;
};

struct LatestRow {
  std::size_t index = 0;  // plant series index
  Timestamp time = 0;
  double value = 0;
};

struct StoreConfig {
  std::string dir;  // this store's temporary folder, created by the caller
  std::chrono::seconds compact_timeout{300};
};

class Store {
 public:
  virtual ~Store() = default;
  virtual const char* name() const = 0;
  virtual bool in_process() const = 0;
  // Starts the store empty; the catalog of series may be declared here (not timed).
  virtual Status Start(const Dataset& data, const StoreConfig& config) = 0;
  // Writes one part of the data set in batches of kBatchPoints, one writer; timed.
  virtual Result<LoadStats> Load(const Dataset& data, Part part) = 0;
  // Brings the store to its compacted on-disk state; not timed (its CPU is reported apart).
  virtual Status Compact() = 0;
  // The folder holding every byte the store keeps.
  virtual std::string data_dir() const = 0;
  // The store's own figure for its size on disk, if it has one (0 otherwise).
  virtual std::uint64_t own_disk_bytes() { return 0; }
  // Queries. Each returns the milliseconds of the store's work only (request sent to last byte of
  // the answer received, or the in-process call); decoding into `out` happens after the clock.
  virtual Result<double> RawRead(const Dataset& data, RawResult& out) = 0;
  virtual Result<double> Downsample(const Dataset& data, std::vector<BucketRow>& out) = 0;
  virtual Result<double> Latest(const Dataset& data, std::vector<LatestRow>& out) = 0;
  // The store's CPU time so far, in seconds.
  virtual double CpuSeconds() = 0;
  // Stops the store (processes ended, files closed); the caller removes the folder.
  virtual void Stop() = 0;
  // Reads back everything written and compares it bit for bit, where the store is expected to be
  // lossless and can afford it (Millwright); nullopt when the store does not do it.
  virtual std::optional<Status> VerifyAll(const Dataset& data) {
    (void)data;
    return std::nullopt;
  }
  // Where the store's log is, for failures (empty for in-process stores).
  virtual std::string log_file() const { return {}; }
  // Extra facts for the report, e.g. how compaction was reached.
  virtual std::string notes() const { return {}; }
};

std::unique_ptr<Store> MakeInfluxStore();
std::unique_ptr<Store> MakeVictoriaMetricsStore();
std::unique_ptr<Store> MakeSqliteStore();
// Null when bench_historian was built without Millwright's historian (mw_storage_historian not in
// the build yet); see CMakeLists.txt.
std::unique_ptr<Store> MakeMillwrightStore();

// --- helpers shared by the stores ------------------------------------------------------------

struct DiskUsage {
  std::uint64_t files = 0;
  std::uint64_t apparent = 0;   // sum of file sizes (du --apparent-size -b)
  std::uint64_t allocated = 0;  // sum of allocated blocks (du -B1)
  std::uint64_t stored = 0;     // sum over files of min(size, allocated): neither sparse
                                // preallocation nor block rounding counts
  std::vector<std::pair<std::string, std::uint64_t>> largest;  // (path in the folder, stored), top 4
};
DiskUsage DiskUsageOf(const std::string& dir);

double ProcessCpuSeconds(int pid);  // utime + stime from /proc/<pid>/stat; 0 if gone
double SelfCpuSeconds();            // this process, every thread (getrusage)
double ThreadCpuSeconds();          // the calling thread
double MillisSince(std::chrono::steady_clock::time_point start);

// Child processes of the running peers, so that a signal handler can stop them (their process
// group is their own: Ctrl-C does not reach them).
void RegisterChild(int pid);
void UnregisterChild(int pid);
void StopRegisteredChildren();  // async-signal-safe: SIGTERM to each

// Fails if `pid` has a TCP socket listening, or a UDP socket bound, outside 127.0.0.0/8 and ::1.
Status CheckLoopbackOnly(int pid, const std::string& what);
std::string ReadText(const std::string& path);
std::string Tail(const std::string& path, std::size_t lines = 15);

// A peer started as a child process and written to over HTTP (InfluxDB, VictoriaMetrics).
class HttpPeer : public Store {
 public:
  ~HttpPeer() override { HttpPeer::Stop(); }
  bool in_process() const override { return false; }
  Result<LoadStats> Load(const Dataset& data, Part part) override;
  double CpuSeconds() override { return ProcessCpuSeconds(process_.pid()); }
  void Stop() override;
  std::string log_file() const override { return log_file_; }
  int port() const { return port_; }

 protected:
  virtual std::string write_target() const = 0;  // e.g. /write?db=bench
  Status Spawn(const std::vector<std::string>& argv, const std::string& what);
  Result<std::string> GetOk(const std::string& target);  // GET on the query connection, 2xx body

  ChildProcess process_;
  std::string dir_;
  std::string log_file_;
  int port_ = 0;
  std::unique_ptr<HttpClient> query_;
};

}  // namespace mw::bench::historian
