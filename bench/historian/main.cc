// bench_historian: Millwright's historian next to InfluxDB 1.6, VictoriaMetrics and a naive SQLite
// table, on the same data in the same run. For each value set (walk, entropy) and each store, in a
// fresh temporary folder:
//   1. start the store (peers: a child process on free 127.0.0.1 ports, checked to listen nowhere
//      else);
//   2. append the plant (1,000 series x 1 h at 1 Hz, time-major) in batches of 5,000 samples from
//      one writer: samples/s, and samples per CPU-second of the store (/proc/<pid>/stat for peers,
//      getrusage for in-process stores);
//   3. compact (store-specific, see README.md) and measure the folder: bytes per sample;
//   4. append the long series (30 days at 1 Hz) and compact again;
//   5. --runs times: raw read of 1M samples of the long series, its 30-day downsample to 1,000
//      buckets (min/max/avg/count), the latest value of the 1,000 plant series; medians reported;
//      every answer is checked against the data written (count, times, values bit for bit).
// Then a table per value set and the RESULT lines. See README.md.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <CLI/CLI.hpp>

#include "dataset.h"
#include "store.h"

namespace mw::bench::historian {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kStores = {"millwright", "influxdb", "victoriametrics", "sqlite"};
const std::vector<std::string> kSets = {"walk", "entropy"};

struct Options {
  int series = 1000;
  double hours = 1;
  int days_one_series = 30;
  std::string only = "millwright,influxdb,victoriametrics,sqlite";
  std::string sets = "walk,entropy";
  std::string entropy = "mantissa";
  int runs = 5;
  int compact_timeout_s = 300;
  bool keep_temp = false;
  std::string tmp;
  std::string data;  // accepted (make bench DATA=...) and unused
};

// How the values a store returned compare with those written.
struct ValueCheck {
  std::uint64_t total = 0;
  std::uint64_t exact = 0;   // bit for bit
  std::uint64_t zeroed = 0;  // 0 returned for a non-zero value
  double max_rel_error = 0;  // over the others
  void Add(double got, double want) {
    total++;
    if (std::bit_cast<std::uint64_t>(got) == std::bit_cast<std::uint64_t>(want)) {
      exact++;
    } else if (got == 0 && want != 0) {
      zeroed++;
    } else if (want != 0 && std::isfinite(want)) {
      max_rel_error = std::max(max_rel_error, std::abs((got - want) / want));
    } else {
      max_rel_error = std::max(max_rel_error, std::abs(got - want));
    }
  }
  void Merge(const ValueCheck& o) {
    total += o.total;
    exact += o.exact;
    zeroed += o.zeroed;
    max_rel_error = std::max(max_rel_error, o.max_rel_error);
  }
  bool all_exact() const { return exact == total; }
  std::string Describe() const {
    if (total == 0) return "not checked";
    if (all_exact()) return fmt::format("bit-exact ({} values)", total);
    std::string s = fmt::format("{} of {} bit-exact", exact, total);
    if (zeroed > 0) s += fmt::format(", {} returned as 0 ({:.1f} %)", zeroed, 100.0 * zeroed / total);
    if (total > exact + zeroed) s += fmt::format(", max relative error {:.2g}", max_rel_error);
    return s;
  }
  std::string Short() const {
    if (total == 0) return "-";
    if (all_exact()) return "exact";
    if (zeroed * 10 > total) return fmt::format("lossy: {:.0f} % zeroed", 100.0 * zeroed / total);
    return fmt::format("rounded (rel. err. {:.1g})", max_rel_error);
  }
};

struct Figures {
  std::string store;
  bool ran = false;
  bool in_process = false;
  std::vector<std::string> errors;
  LoadStats plant, history;
  double compact_s = 0, compact_cpu_s = 0;
  bool compacted = false;
  DiskUsage disk;
  std::uint64_t own_disk = 0;
  std::uint64_t plant_samples = 0;
  double raw_ms = 0, downsample_ms = 0, latest_ms = 0;
  std::uint64_t raw_points = 0, raw_bytes = 0, buckets = 0, latest_series = 0;
  ValueCheck values;  // raw read + latest + bucket min/max
  double max_avg_rel_error = 0;
  std::string verify_all;
  std::vector<std::string> unanswered;  // queries the store could not answer
  std::string notes;
  bool ok() const { return ran && errors.empty(); }
  double bytes_per_sample() const {
    return plant_samples > 0 ? static_cast<double>(disk.stored) / static_cast<double>(plant_samples) : 0;
  }
  double du_bytes_per_sample() const {
    return plant_samples > 0 ? static_cast<double>(disk.allocated) / static_cast<double>(plant_samples) : 0;
  }
};

double Median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  return v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

std::string Ms(double ms, int precision) {
  return std::isnan(ms) ? std::string("n/a") : fmt::format("{:.{}f}", ms, precision);
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

std::string Si(double v) {
  if (v >= 1e6) return fmt::format("{:.2f} M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.0f} k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

std::string CommandOutput(const std::string& command) {
  std::string out;
  if (FILE* p = popen((command + " 2>&1").c_str(), "r")) {
    char buf[256];
    while (fgets(buf, sizeof buf, p) != nullptr) out += buf;
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out.substr(0, out.find('\n'));
}

// --- checks ------------------------------------------------------------------------------------

Status CheckRaw(const Dataset& d, const RawResult& r, ValueCheck& values) {
  const std::size_t want = d.raw_points();
  if (r.values.size() != want || r.times.size() != want)
    return Status::Corruption(fmt::format("raw read returned {} points, expected {}", r.values.size(), want));
  for (std::size_t i = 0; i < want; ++i) {
    if (r.times[i] != d.raw_from() + static_cast<Timestamp>(i) * kSecond)
      return Status::Corruption(fmt::format("raw read: point {} has time {}, expected {}", i, r.times[i],
                                            d.raw_from() + static_cast<Timestamp>(i) * kSecond));
    values.Add(r.values[i], d.history_values[i]);
  }
  return Status::Ok();
}

Status CheckBuckets(const std::vector<ExpectedBucket>& want, const std::vector<BucketRow>& got,
                    ValueCheck& values, double& max_avg_rel_error) {
  if (got.size() != want.size())
    return Status::Corruption(
        fmt::format("downsample returned {} buckets, expected {}", got.size(), want.size()));
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (got[i].start != want[i].start || got[i].count != want[i].count)
      return Status::Corruption(
          fmt::format("downsample: bucket {} is (start {}, count {}), expected ({}, {})", i, got[i].start,
                      got[i].count, want[i].start, want[i].count));
    values.Add(got[i].min, want[i].min);
    values.Add(got[i].max, want[i].max);
    const double avg = want[i].sum / static_cast<double>(want[i].count);
    if (std::isfinite(avg) && avg != 0)
      max_avg_rel_error = std::max(max_avg_rel_error, std::abs((got[i].avg - avg) / avg));
  }
  return Status::Ok();
}

Status CheckLatest(const Dataset& d, const std::vector<LatestRow>& got, ValueCheck& values) {
  if (got.size() != d.series())
    return Status::Corruption(fmt::format("latest returned {} series, expected {}", got.size(), d.series()));
  std::vector<bool> seen(d.series());
  const Timestamp last = d.end - kSecond;
  for (const auto& row : got) {
    if (row.index >= d.series() || seen[row.index]) return Status::Corruption("latest: a series twice");
    seen[row.index] = true;
    if (row.time != 0 && row.time != last)
      return Status::Corruption(
          fmt::format("latest: {} has time {}, expected {}", d.names[row.index].path(), row.time, last));
    values.Add(row.value, d.plant_value(d.plant_seconds - 1, row.index));
  }
  return Status::Ok();
}

// --- one store, one data set --------------------------------------------------------------------

void Fail(Figures& f, const std::string& step, const Status& s) {
  f.errors.push_back(step + ": " + s.ToString());
  fmt::print(stderr, "  {}: {} failed: {}\n", f.store, step, s.ToString());
}

Figures RunStore(Store& store, const Dataset& d, const std::vector<ExpectedBucket>& buckets, const Options& o,
                 const std::string& dir) {
  Figures f;
  f.store = store.name();
  f.in_process = store.in_process();
  f.ran = true;
  f.plant_samples = d.plant_samples();
  StoreConfig config{dir, std::chrono::seconds(o.compact_timeout_s)};
  auto log_tail = [&] {
    if (!store.log_file().empty())
      fmt::print(stderr, "  --- tail of {}\n{}\n", store.log_file(), Tail(store.log_file()));
  };

  if (Status s = store.Start(d, config); !s.ok()) {
    Fail(f, "start", s);
    log_tail();
    return f;
  }
  // 1. The plant, timed.
  auto plant = store.Load(d, Part::kPlant);
  if (!plant.ok()) {
    Fail(f, "append (plant)", plant.status());
    log_tail();
    return f;
  }
  f.plant = *plant;
  fmt::print("  {:<16} append: {} samples in {:.2f} s = {} samples/s; store CPU {:.2f} s ({} samples/CPU-s)",
             f.store, f.plant.samples, f.plant.seconds, Si(f.plant.samples_per_s()), f.plant.store_cpu_s,
             Si(f.plant.samples_per_cpu_s()));
  if (!f.in_process)
    fmt::print("; loader CPU {:.2f} s ({:.0f} % of the wall time), {} connection(s)", f.plant.loader_cpu_s,
               100 * f.plant.loader_cpu_s / std::max(1e-9, f.plant.seconds), f.plant.connections);
  fmt::print("\n");
  std::fflush(stdout);

  // 2. Compaction, then the folder.
  {
    const double cpu0 = store.CpuSeconds();
    const auto t0 = std::chrono::steady_clock::now();
    Status s = store.Compact();
    f.compact_s = MillisSince(t0) / 1000;
    f.compact_cpu_s = store.CpuSeconds() - cpu0;
    f.compacted = s.ok();
    if (!s.ok()) Fail(f, "compaction", s);
    f.disk = DiskUsageOf(store.data_dir());
    f.own_disk = store.own_disk_bytes();
    f.notes = store.notes();
    fmt::print(
        "  {:<16} compacted in {:.1f} s (store CPU {:.2f} s): {} files, {} bytes stored = {:.3f} "
        "bytes/sample "
        "(du {} = {:.3f}; apparent {})\n",
        f.store, f.compact_s, f.compact_cpu_s, f.disk.files, f.disk.stored, f.bytes_per_sample(),
        f.disk.allocated, f.du_bytes_per_sample(), f.disk.apparent);
  }

  // 3. The long series, then compaction again (not reported apart from the log line).
  auto history = store.Load(d, Part::kHistory);
  if (!history.ok()) {
    Fail(f, "append (long series)", history.status());
    log_tail();
    return f;
  }
  f.history = *history;
  {
    const auto t0 = std::chrono::steady_clock::now();
    Status s = store.Compact();
    if (!s.ok()) Fail(f, "compaction (long series)", s);
    fmt::print("  {:<16} long series: {} samples in {:.2f} s = {} samples/s; compacted in {:.1f} s\n",
               f.store, f.history.samples, f.history.seconds, Si(f.history.samples_per_s()),
               MillisSince(t0) / 1000);
  }
  if (auto verified = store.VerifyAll(d)) {
    if (verified->ok()) {
      f.verify_all =
          fmt::format("all {} samples read back bit-exact", d.plant_samples() + d.history_samples());
    } else {
      f.verify_all = verified->ToString();
      Fail(f, "read-back", *verified);
    }
  }

  // 4. Queries. A peer that cannot answer one (OutOfRange, e.g. InfluxDB failing to print an
  // average that overflowed to infinity) gets n/a for it; any other error fails the store.
  std::vector<double> raw_ms, down_ms, latest_ms;
  bool raw_on = true, down_on = true, latest_on = true;
  auto failed = [&](const char* what, const Status& s, bool& on) {
    on = false;
    if (s.code() == StatusCode::kOutOfRange) {
      f.unanswered.push_back(std::string(what) + ": " + s.message());
      fmt::print("  {:<16} {}: n/a: {}\n", f.store, what, s.message());
    } else {
      Fail(f, what, s);
    }
  };
  for (int run = 0; run < o.runs; ++run) {
    if (raw_on) {
      RawResult raw;
      auto r = store.RawRead(d, raw);
      if (r.ok()) {
        raw_ms.push_back(*r);
        f.raw_points = raw.values.size();
        f.raw_bytes = raw.response_bytes;
        // The answers are the same every run: check the first.
        if (Status s = run == 0 ? CheckRaw(d, raw, f.values) : Status::Ok(); !s.ok())
          Fail(f, "raw read check", s);
      } else {
        failed("raw read", r.status(), raw_on);
      }
    }
    if (down_on) {
      std::vector<BucketRow> rows;
      auto b = store.Downsample(d, rows);
      if (b.ok()) {
        down_ms.push_back(*b);
        f.buckets = rows.size();
        if (Status s = run == 0 ? CheckBuckets(buckets, rows, f.values, f.max_avg_rel_error) : Status::Ok();
            !s.ok())
          Fail(f, "downsample check", s);
      } else {
        failed("downsample", b.status(), down_on);
      }
    }
    if (latest_on) {
      std::vector<LatestRow> latest;
      auto l = store.Latest(d, latest);
      if (l.ok()) {
        latest_ms.push_back(*l);
        f.latest_series = latest.size();
        if (Status s = run == 0 ? CheckLatest(d, latest, f.values) : Status::Ok(); !s.ok())
          Fail(f, "latest check", s);
      } else {
        failed("latest", l.status(), latest_on);
      }
    }
  }
  f.raw_ms = Median(raw_ms);
  f.downsample_ms = Median(down_ms);
  f.latest_ms = Median(latest_ms);
  fmt::print(
      "  {:<16} raw {} points: {:.1f} ms; downsample to {} buckets: {:.2f} ms; latest of {}: {:.2f} ms "
      "(medians of {}); values: {}\n",
      f.store, f.raw_points, f.raw_ms, f.buckets, f.downsample_ms, f.latest_series, f.latest_ms, o.runs,
      f.values.Describe());
  if (f.in_process && f.ran && !f.values.all_exact() && f.store == "millwright")
    Fail(f, "lossless", Status::Corruption("values did not read back bit-exact: " + f.values.Describe()));
  if (!f.errors.empty()) log_tail();
  return f;
}

// --- report -------------------------------------------------------------------------------------

void PrintTable(const Dataset& d, const std::vector<Figures>& all) {
  fmt::print("\n### {}: {} series x {} s + one series x {} s; bucket step {} s\n\n", d.set_name, d.series(),
             d.plant_seconds, d.history_seconds, d.bucket_step / kSecond);
  fmt::print(
      "| store | append samples/s | samples per CPU-s | bytes/sample | du bytes/sample | raw 1M read ms | "
      "30-day downsample ms | latest of {} ms | values read back |\n",
      d.series());
  fmt::print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
  for (const auto& f : all) {
    if (!f.ran) continue;
    std::string name = f.store + (f.in_process ? " (in-process)" : " (HTTP)");
    if (!f.ok()) name += " FAILED";
    fmt::print("| {} | {} | {} | {:.3f} | {:.3f} | {} | {} | {} | {} |\n", name, Si(f.plant.samples_per_s()),
               Si(f.plant.samples_per_cpu_s()), f.bytes_per_sample(), f.du_bytes_per_sample(),
               Ms(f.raw_ms, 1), Ms(f.downsample_ms, 2), Ms(f.latest_ms, 2), f.values.Short());
  }
  fmt::print("\n");
  for (const auto& f : all) {
    if (!f.ran) continue;
    fmt::print("- {}: {}", f.store, f.notes.empty() ? "-" : f.notes);
    if (!f.in_process)
      fmt::print(
          "; loader thread CPU {:.2f} s for {:.2f} s of load, {} connection(s); raw read answer {:.1f} MB",
          f.plant.loader_cpu_s, f.plant.seconds, f.plant.connections, static_cast<double>(f.raw_bytes) / 1e6);
    if (f.own_disk > 0) fmt::print("; its own size figure {} bytes", f.own_disk);
    if (!f.disk.largest.empty()) {
      std::vector<std::string> files;
      for (const auto& [path, bytes] : f.disk.largest)
        files.push_back(fmt::format("{} {:.2f} MB", path, static_cast<double>(bytes) / 1e6));
      fmt::print("; largest files after compaction: {}", fmt::join(files, ", "));
    }
    fmt::print("; store CPU for compaction {:.2f} s; values: {}", f.compact_cpu_s, f.values.Describe());
    if (f.max_avg_rel_error > 0) fmt::print("; bucket averages within {:.1g}", f.max_avg_rel_error);
    if (!f.verify_all.empty()) fmt::print("; {}", f.verify_all);
    for (const auto& u : f.unanswered) fmt::print("; could not answer the {}", u);
    for (const auto& e : f.errors) fmt::print("; ERROR {}", e);
    fmt::print("\n");
  }
}

const Figures* Find(const std::vector<Figures>& all, const std::string& store) {
  for (const auto& f : all)
    if (f.store == store && f.ok()) return &f;
  return nullptr;
}

void PrintResults(const std::map<std::string, std::vector<Figures>>& by_set) {
  fmt::print("\n");
  for (const auto& set : kSets) {
    auto it = by_set.find(set);
    if (it == by_set.end()) continue;
    for (const auto& f : it->second) {
      if (!f.ok()) continue;
      const std::string p = "historian." + set + "." + f.store;
      const char* how = f.in_process ? " (in-process)" : " (line protocol over HTTP)";
      fmt::print("RESULT {}_append_samples_per_s = {:.0f} samples/s{}\n", p, f.plant.samples_per_s(), how);
      fmt::print("RESULT {}_samples_per_cpu_s = {:.0f} samples/CPU-s{}\n", p, f.plant.samples_per_cpu_s(),
                 how);
      fmt::print("RESULT {}_bytes_per_sample = {:.3f} bytes\n", p, f.bytes_per_sample());
      for (auto [figure, ms, precision] :
           {std::tuple{"raw_1m_ms", f.raw_ms, 1}, std::tuple{"downsample_30d_ms", f.downsample_ms, 2},
            std::tuple{"latest_1000_ms", f.latest_ms, 2}}) {
        if (std::isnan(ms)) {
          fmt::print("(no RESULT {}_{}: the store could not answer)\n", p, figure);
        } else {
          fmt::print("RESULT {}_{} = {:.{}f} ms\n", p, figure, ms, precision);
        }
      }
    }
  }
  auto walk = by_set.find("walk");
  if (walk == by_set.end()) return;
  const Figures* mw = Find(walk->second, "millwright");
  const Figures* influx = Find(walk->second, "influxdb");
  const Figures* vm = Find(walk->second, "victoriametrics");
  if (mw == nullptr) {
    fmt::print("(no vs_ ratios: Millwright did not run)\n");
    return;
  }
  if (influx != nullptr && influx->plant.samples_per_s() > 0)
    fmt::print(
        "RESULT historian.walk.append.vs_influxdb = {:.2f} (Millwright in-process vs InfluxDB over HTTP)\n",
        mw->plant.samples_per_s() / influx->plant.samples_per_s());
  if (vm != nullptr && vm->plant.samples_per_cpu_s() > 0)
    fmt::print(
        "RESULT historian.walk.samples_per_cpu_s.vs_victoriametrics = {:.2f} (Millwright in-process vs "
        "VictoriaMetrics over HTTP)\n",
        mw->plant.samples_per_cpu_s() / vm->plant.samples_per_cpu_s());
  if (vm != nullptr && vm->bytes_per_sample() > 0)
    fmt::print("RESULT historian.walk.bytes_per_sample.vs_victoriametrics = {:.3f}\n",
               mw->bytes_per_sample() / vm->bytes_per_sample());
}

// --- signals ------------------------------------------------------------------------------------

char g_temp_root[4096];

void OnSignal(int sig) {
  StopRegisteredChildren();
  const char msg[] = "\nbench_historian: interrupted; peers stopped; temporary folder left at ";
  (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)!write(STDERR_FILENO, g_temp_root, strlen(g_temp_root));
  (void)!write(STDERR_FILENO, "\n", 1);
  _exit(128 + sig);
}

int Run(const Options& o) {
  std::vector<std::string> stores = SplitList(o.only), sets = SplitList(o.sets);
  for (const auto& s : stores)
    if (std::find(kStores.begin(), kStores.end(), s) == kStores.end()) {
      fmt::print(stderr,
                 "bench_historian: unknown store '{}' (millwright, influxdb, victoriametrics, sqlite)\n", s);
      return 2;
    }
  for (const auto& s : sets)
    if (std::find(kSets.begin(), kSets.end(), s) == kSets.end()) {
      fmt::print(stderr, "bench_historian: unknown set '{}' (walk, entropy)\n", s);
      return 2;
    }
  if (!o.data.empty()) fmt::print("bench_historian: DATA/--data is not used by this benchmark (ignored)\n");

  std::string parent = o.tmp.empty() ? fs::temp_directory_path().string() : o.tmp;
  std::string pattern = parent + "/bench_historian.XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    fmt::print(stderr, "bench_historian: cannot create a folder under {}\n", parent);
    return 1;
  }
  const std::string root = pattern;
  std::snprintf(g_temp_root, sizeof g_temp_root, "%s", root.c_str());
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);

  const Timestamp end = EndTime(o.days_one_series);
  fmt::print(
      "bench_historian: {} series x {} h at 1 Hz + one series x {} days; batches of {}; {} query runs "
      "(medians); {} cores; temporary folder {}\n",
      o.series, o.hours, o.days_one_series, kBatchPoints, o.runs, sysconf(_SC_NPROCESSORS_ONLN), root);
  for (const char* package : {"influxdb", "victoria-metrics"}) {
    // victoria-metrics -version prints nothing in Debian's build: ask dpkg.
    const std::string version = CommandOutput(std::string("dpkg-query -W -f='${Version}' ") + package);
    fmt::print("  {}: {}\n", package,
               version.empty() ? "not installed (scripts/install-deps.sh --bench)" : version);
  }
  const bool http_peers = std::count(stores.begin(), stores.end(), "influxdb") +
                              std::count(stores.begin(), stores.end(), "victoriametrics") >
                          0;
  bool failed = false;
  std::map<std::string, std::vector<Figures>> by_set;
  for (const auto& set : sets) {
    DatasetOptions dopt;
    dopt.set = set == "walk" ? ValueSet::kWalk : ValueSet::kEntropy;
    dopt.entropy = o.entropy == "mantissa" ? EntropyKind::kMantissa : EntropyKind::kBits;
    dopt.series = o.series;
    dopt.hours = o.hours;
    dopt.days_one_series = o.days_one_series;
    dopt.line_protocol = http_peers;
    const auto t0 = std::chrono::steady_clock::now();
    Dataset d = MakeDataset(dopt, end);
    std::uint64_t body_bytes = 0;
    for (const auto& b : d.plant_bodies) body_bytes += b.size();
    for (const auto& b : d.history_bodies) body_bytes += b.size();
    const auto expected = ExpectedBuckets(d);
    fmt::print("\n== {}: {} + {} samples generated in {:.1f} s; line protocol {:.0f} MB in {} + {} bodies\n",
               set, d.plant_samples(), d.history_samples(), MillisSince(t0) / 1000,
               static_cast<double>(body_bytes) / 1e6, d.plant_bodies.size(), d.history_bodies.size());
    std::fflush(stdout);
    auto& figures = by_set[set];
    for (const auto& name : stores) {
      std::unique_ptr<Store> store = name == "millwright"        ? MakeMillwrightStore()
                                     : name == "influxdb"        ? MakeInfluxStore()
                                     : name == "victoriametrics" ? MakeVictoriaMetricsStore()
                                                                 : MakeSqliteStore();
      const std::string dir = root + "/" + set + "-" + name;
      fs::create_directories(dir);
      Figures f = RunStore(*store, d, expected, o, dir);
      store->Stop();
      store.reset();
      if (!f.ok()) failed = true;
      std::error_code ec;
      if (!o.keep_temp && f.ok()) fs::remove_all(dir, ec);
      figures.push_back(std::move(f));
    }
    PrintTable(d, figures);
    std::fflush(stdout);
  }
  PrintResults(by_set);
  std::error_code ec;
  if (!o.keep_temp && !failed) {
    fs::remove_all(root, ec);
  } else {
    fmt::print("temporary folder kept: {}\n", root);
  }
  return failed ? 1 : 0;
}

}  // namespace
}  // namespace mw::bench::historian

int main(int argc, char** argv) {
  mw::bench::historian::Options o;
  CLI::App app{"Historian benchmark: Millwright against InfluxDB 1.6, VictoriaMetrics and naive SQLite"};
  app.add_option("--series", o.series, "plant series (1 Hz each)")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  app.add_option("--hours", o.hours, "hours of plant data")
      ->check(CLI::Range(0.01, 1000.0))
      ->capture_default_str();
  app.add_option("--days-one-series", o.days_one_series, "days of the long series (raw read and downsample)")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();
  app.add_option("--only", o.only, "stores, comma-separated: millwright,influxdb,victoriametrics,sqlite")
      ->capture_default_str();
  app.add_option("--sets", o.sets, "value sets, comma-separated: walk,entropy")->capture_default_str();
  app.add_option("--entropy", o.entropy,
                 "entropy set: bits (random finite 64-bit patterns) or mantissa (|v| in [1, 1024), 52 random "
                 "mantissa bits)")
      ->check(CLI::IsMember({"bits", "mantissa"}))
      ->capture_default_str();
  app.add_option("--runs", o.runs, "runs of each query; the median is reported")
      ->check(CLI::Range(1, 99))
      ->capture_default_str();
  app.add_option("--compact-timeout", o.compact_timeout_s,
                 "seconds a peer has to settle after compaction starts")
      ->check(CLI::Range(10, 7200))
      ->capture_default_str();
  app.add_option("--tmp", o.tmp, "parent of the temporary folder (default: $TMPDIR or /tmp)");
  app.add_flag("--keep-temp", o.keep_temp,
               "keep the temporary folder (data, configs, logs); kept anyway on failure");
  app.add_option("--data", o.data, "not used by this benchmark");
  CLI11_PARSE(app, argc, argv);
  return mw::bench::historian::Run(o);
}
