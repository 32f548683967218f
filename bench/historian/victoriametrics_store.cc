// VictoriaMetrics (Debian's victoria-metrics, single-node): started with
//   -httpListenAddr=127.0.0.1:<free port> -storageDataPath=<temp>/victoria-metrics-data
//   -retentionPeriod=100y            the long series reaches 30 days back; the default is 1 month
//   -search.disableCache             every query is computed, none served from the rollup cache
//   -http.disableResponseCompression (the bench's client does not ask for it anyway)
//   -search.maxQueryDuration=300s    big reads on a busy 2-core machine
// and nothing else listening (Graphite, OpenTSDB and Influx UDP/TCP listeners are off by default;
// self-scraping is off). Written with line protocol on /write (metric names <measurement>_<field>:
// plant_value, history_value); read with /api/v1/export (raw), /api/v1/query_range (downsample)
// and /api/v1/query (latest).
//
// Compaction: /internal/force_flush (pending rows to parts), then /internal/force_merge, which
// merges every partition in the background; the bench waits until the log says the forced merge
// finished, no merge is active (vm_active_merges), and the folder has not changed for three polls.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

#include <fmt/format.h>

#include "http_client.h"
#include "json_scan.h"
#include "store.h"

namespace mw::bench::historian {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kMergeDone = "has been successfully finished";

std::size_t CountOccurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

// Seconds with millisecond precision, as the Prometheus API takes them.
std::string Seconds(Timestamp t) {
  return fmt::format("{}.{:03}", t / kNanosPerSecond, t % kNanosPerSecond / kNanosPerMilli);
}

class VictoriaMetricsStore final : public HttpPeer {
 public:
  const char* name() const override { return "victoriametrics"; }
  std::string data_dir() const override { return dir_ + "/victoria-metrics-data"; }
  std::string notes() const override { return notes_; }

  Status Start(const Dataset& data, const StoreConfig& config) override {
    dir_ = config.dir;
    compact_timeout_ = config.compact_timeout;
    const std::string exe = FindExecutable("victoria-metrics");
    if (exe.empty())
      return Status::NotFound(
          "victoria-metrics not found: scripts/install-deps.sh --bench installs Debian's victoria-metrics");
    auto port = FreeLoopbackPort();
    if (!port.ok()) return port.status();
    port_ = *port;
    log_file_ = dir_ + "/victoria-metrics.log";
    MW_RETURN_IF_ERROR(
        Spawn({exe, "-httpListenAddr=127.0.0.1:" + std::to_string(port_), "-storageDataPath=" + data_dir(),
               "-retentionPeriod=100y", "-search.disableCache", "-http.disableResponseCompression",
               "-search.maxQueryDuration=300s", "-loggerOutput=stderr", "-loggerLevel=INFO"},
              "victoria-metrics"));
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    for (;;) {
      auto r = query_->Get("/health");
      if (r.ok() && r->status == 200) break;
      if (std::chrono::steady_clock::now() > deadline)
        return Status::Unavailable("victoria-metrics is not healthy; log:\n" + Tail(log_file_));
      std::this_thread::sleep_for(50ms);
    }
    (void)data;
    return CheckLoopbackOnly(process_.pid(), "victoria-metrics");
  }

  Status Compact() override {
    const auto t0 = std::chrono::steady_clock::now();
    const std::size_t merges_before = CountOccurrences(ReadText(log_file_), kMergeDone);
    MW_RETURN_IF_ERROR(GetOk("/internal/force_flush").status());
    MW_RETURN_IF_ERROR(GetOk("/internal/force_merge").status());
    const auto deadline = t0 + compact_timeout_;
    std::uint64_t last = 0;
    int stable = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1s);
      const bool merged = CountOccurrences(ReadText(log_file_), kMergeDone) > merges_before;
      auto metrics = GetOk("/metrics");
      if (!metrics.ok()) return metrics.status();
      const double active = MetricSum(*metrics, "vm_active_merges");
      const DiskUsage u = DiskUsageOf(data_dir());
      const std::uint64_t signature = u.apparent * 1000003 + u.files;
      stable = merged && active == 0 && signature == last ? stable + 1 : 0;
      last = signature;
      if (stable >= 3) {
        own_bytes_ = static_cast<std::uint64_t>(MetricSum(*metrics, "vm_data_size_bytes"));
        notes_ = fmt::format(
            "force_flush + force_merge, settled {:.0f} s after the load; its own vm_data_size_bytes: {} "
            "(parts: {:.0f} small, {:.0f} big, {:.0f} indexdb)",
            MillisSince(t0) / 1000, own_bytes_, Metric(*metrics, "vm_parts{type=\"storage/small\"}"),
            Metric(*metrics, "vm_parts{type=\"storage/big\"}"),
            Metric(*metrics, "vm_parts{type=\"indexdb\"}"));
        return Status::Ok();
      }
    }
    notes_ = fmt::format("forced merge NOT settled after {} s", compact_timeout_.count());
    return Status::Unavailable("victoria-metrics: " + notes_);
  }

  std::uint64_t own_disk_bytes() override { return own_bytes_; }

  Result<double> RawRead(const Dataset& d, RawResult& out) override {
    // Raw samples come out of /api/v1/export (query_range would resample to its step and cap at
    // 30,000 points per series). start and end are inclusive, in seconds.
    const std::string target = "/api/v1/export?match[]=" + UrlEncode("history_value") +
                               "&start=" + Seconds(d.raw_from()) + "&end=" + Seconds(d.raw_to());
    std::string body;
    const double ms = Timed(target, body);
    if (ms < 0) return Status::Internal(error_);
    out.response_bytes = body.size();
    // One JSON line per block: {"metric":{...},"values":[...],"timestamps":[...]}
    std::vector<double> times;
    std::size_t pos = 0;
    for (;;) {
      std::size_t after_values = ScanNumberArray(body, "values", pos, out.values);
      if (after_values == std::string::npos) break;
      pos = ScanNumberArray(body, "timestamps", after_values, times);
      if (pos == std::string::npos) return Status::Corruption("victoria-metrics export: no timestamps");
    }
    for (double t : times) out.times.push_back(static_cast<Timestamp>(t) * kNanosPerMilli);
    if (out.times.size() != out.values.size())
      return Status::Corruption("victoria-metrics export: ragged answer");
    return ms;
  }

  Result<double> Downsample(const Dataset& d, std::vector<BucketRow>& out) override {
    // query_range evaluates at start, start + step, ...; each point covers (t - window, t]. Points
    // at bucket_start + step - 1 ms therefore cover exactly [bucket_start, bucket_start + step).
    const Timestamp step_ms = d.bucket_step / kNanosPerMilli;
    const std::string query = fmt::format(
        "aggr_over_time((\"min_over_time\", \"max_over_time\", \"avg_over_time\", \"count_over_time\"), "
        "history_value[{}ms])",
        step_ms);
    const std::string target = "/api/v1/query_range?query=" + UrlEncode(query) +
                               "&start=" + Seconds(d.history_start + d.bucket_step - kNanosPerMilli) +
                               "&end=" + Seconds(d.end - kNanosPerMilli) +
                               "&step=" + std::to_string(step_ms) + "ms&nocache=1";
    std::string body;
    const double ms = Timed(target, body);
    if (ms < 0) return Status::Internal(error_);
    std::map<Timestamp, BucketRow> rows;
    MW_RETURN_IF_ERROR(ForEachJson(body, [&](simdjson::dom::element doc) -> Status {
      for (simdjson::dom::element series : doc["data"]["result"].get_array()) {
        std::string_view rollup = series["metric"]["rollup"].get_string();
        for (simdjson::dom::element point : series["values"].get_array()) {
          simdjson::dom::array cells = point.get_array();
          auto t = JsonNumber(cells.at(0));
          auto v = JsonNumber(cells.at(1));
          if (!t.ok() || !v.ok()) return Status::Corruption("victoria-metrics: bad point");
          const Timestamp end_ms = static_cast<Timestamp>(std::llround(*t * 1000));
          BucketRow& b = rows[(end_ms + 1) * kNanosPerMilli - d.bucket_step];
          if (rollup == "min_over_time") b.min = *v;
          if (rollup == "max_over_time") b.max = *v;
          if (rollup == "avg_over_time") b.avg = *v;
          if (rollup == "count_over_time") b.count = static_cast<std::uint64_t>(*v);
        }
      }
      return Status::Ok();
    }));
    for (auto& [start, row] : rows) {
      row.start = start;
      out.push_back(row);
    }
    return ms;
  }

  Result<double> Latest(const Dataset& d, std::vector<LatestRow>& out) override {
    // An instant query at the end of the data: the last sample of each series within the default
    // 5-minute look-back.
    const std::string target =
        "/api/v1/query?query=" + UrlEncode("plant_value") + "&time=" + Seconds(d.end) + "&nocache=1";
    std::string body;
    const double ms = Timed(target, body);
    if (ms < 0) return Status::Internal(error_);
    MW_RETURN_IF_ERROR(ForEachJson(body, [&](simdjson::dom::element doc) -> Status {
      for (simdjson::dom::element series : doc["data"]["result"].get_array()) {
        simdjson::dom::object metric = series["metric"].get_object();
        const std::string path = std::string(std::string_view(metric["asset"].get_string())) + "/" +
                                 std::string(std::string_view(metric["signal"].get_string()));
        auto it = d.index_by_path.find(path);
        if (it == d.index_by_path.end())
          return Status::Corruption("victoria-metrics: unknown series " + path);
        simdjson::dom::array value = series["value"].get_array();
        auto t = JsonNumber(value.at(0));
        auto v = JsonNumber(value.at(1));
        if (!t.ok() || !v.ok()) return Status::Corruption("victoria-metrics: bad value");
        // The instant query reports the evaluation time, not the sample's: time 0 = not known.
        (void)*t;
        out.push_back({it->second, 0, *v});
      }
      return Status::Ok();
    }));
    return ms;
  }

 protected:
  std::string write_target() const override { return "/write"; }

 private:
  double Timed(const std::string& target, std::string& body) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = query_->Get(target);
    const double ms = MillisSince(t0);
    if (!r.ok()) {
      error_ = "victoria-metrics: " + r.status().ToString();
      return -1;
    }
    if (r->status != 200) {
      error_ = "victoria-metrics: HTTP " + std::to_string(r->status) + " " + r->body.substr(0, 300);
      return -1;
    }
    body = std::move(r->body);
    return ms;
  }

  // Sum of every sample of a metric family in Prometheus text format.
  static double MetricSum(const std::string& text, const std::string& family) {
    double sum = 0;
    std::size_t pos = 0;
    while ((pos = text.find(family, pos)) != std::string::npos) {
      const bool line_start = pos == 0 || text[pos - 1] == '\n';
      const std::size_t eol = text.find('\n', pos);
      const std::string line = text.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
      pos = eol == std::string::npos ? text.size() : eol;
      if (!line_start) continue;
      const char next = line.size() > family.size() ? line[family.size()] : '\0';
      if (next != '{' && next != ' ') continue;
      sum += std::strtod(line.c_str() + line.rfind(' ') + 1, nullptr);
    }
    return sum;
  }
  static double Metric(const std::string& text, const std::string& series) {
    std::size_t pos = text.find("\n" + series + " ");
    if (pos == std::string::npos) return 0;
    return std::strtod(text.c_str() + pos + series.size() + 2, nullptr);
  }

  std::chrono::seconds compact_timeout_{300};
  std::uint64_t own_bytes_ = 0;
  std::string notes_;
  std::string error_;
};

}  // namespace

std::unique_ptr<Store> MakeVictoriaMetricsStore() { return std::make_unique<VictoriaMetricsStore>(); }

}  // namespace mw::bench::historian
