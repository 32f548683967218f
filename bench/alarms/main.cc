// bench_alarms: the alarm engine's two headline figures.
//
// 1. evaluations: 100,000 alarms active (10,000 pumps x 10 rules: limits with deadband and delays,
//    and/or, bits, staleness, suppression by machine state), fed batches of readings that wander
//    across the limits. Figure: rule evaluations per second, in memory and with the journal on disk
//    (each batch with changes is synced before it returns).
// 2. latency: a reading crossing a limit, published to Mosquitto, to the alarm's notification
//    arriving on the alerts topic: the whole path of `millwright serve` (MQTT source, pipeline,
//    engine, journal, MQTT notifier), in process, with a subscriber of our own timing it.
//    Figure: p50 and p99 over the crossings (goal: p99 under 50 ms).
#include <mosquitto.h>

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "alarms/engine.h"
#include "analytics/detectors/register.h"
#include "app/platform.h"
#include "connectors/mqtt/mosquitto_broker.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/process.h"

namespace {

using namespace mw;
using Steady = std::chrono::steady_clock;

constexpr int kAssets = 10000;
constexpr Timestamp kSecond = 1'000'000'000;

const char* kRules = R"toml(
[templates.pump]
signals = [{ name = "vibration" }, { name = "temperature" }, { name = "current" }, { name = "pressure" },
           { name = "running" }, { name = "status" }]

[[templates.pump.alarms]]
name = "vibration_hi"
when = "vibration > 7.1"
deadband = 0.3
suppress_when = "running == 0"
[[templates.pump.alarms]]
name = "vibration_hihi"
when = "vibration > 11"
deadband = 0.5
on_delay = "2s"
suppress_when = "running == 0"
[[templates.pump.alarms]]
name = "temperature_hi"
when = "temperature > 85"
deadband = 1
off_delay = "5s"
[[templates.pump.alarms]]
name = "temperature_lo"
when = "temperature < 5 and running == 1"
[[templates.pump.alarms]]
name = "current_hi"
when = "current > 40"
on_delay = "3s"
[[templates.pump.alarms]]
name = "pressure_lo"
when = "pressure < 1.5 and running == 1"
deadband = 0.1
[[templates.pump.alarms]]
name = "overload"
when = "current > 35 and (temperature > 80 or vibration > 9)"
[[templates.pump.alarms]]
name = "fault_bit"
when = "bit(status, 3) or bit(status, 5)"
[[templates.pump.alarms]]
name = "no_data"
when = "stale(vibration, 30s)"
[[templates.pump.alarms]]
name = "dry_run"
when = "not running == 0 and pressure < 0.5 and current < 10"
)toml";

struct EvalResult {
  double evaluations_per_s = 0;
  double samples_per_s = 0;
  std::uint64_t transitions = 0;
};

// Readings of every pump, `rounds` times, in batches of 100 pumps (600 samples), values drifting
// across the limits so that alarms raise and clear.
EvalResult RunEvaluations(const std::vector<alarms::Rule>& rules, const std::string& journal, int rounds) {
  Catalog catalog;
  MetricsRegistry metrics;
  SimulatedClock clock(1'700'000'000 * kSecond);
  const char* signals[] = {"vibration", "temperature", "current", "pressure", "running", "status"};
  std::vector<std::array<SeriesId, 6>> series(kAssets);
  for (int a = 0; a < kAssets; ++a) {
    const AssetId id = catalog.AddAsset("plant/pump-" + std::to_string(a), "pump");
    for (int s = 0; s < 6; ++s) series[a][s] = catalog.InternSeries(id, signals[s]);
  }
  alarms::AlarmEngine engine(rules, catalog, metrics, clock, {journal, 100000});
  if (Status s = engine.Open(); !s.ok()) {
    fmt::print(stderr, "bench_alarms: {}\n", s.message());
    std::exit(1);
  }
  std::mt19937_64 rng(42);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> vibration(kAssets, 5), temperature(kAssets, 60);
  std::vector<Batch> batches;
  // Prepared up front: the timed loop only hands batches to the engine.
  for (int r = 0; r < rounds; ++r) {
    const Timestamp t = clock.Now() + r * kSecond;
    for (int first = 0; first < kAssets; first += 100) {
      Batch b;
      b.reserve(600);
      for (int a = first; a < first + 100; ++a) {
        vibration[a] = std::clamp(vibration[a] + 0.8 * noise(rng), 0.0, 14.0);
        temperature[a] = std::clamp(temperature[a] + 2 * noise(rng), 0.0, 100.0);
        b.Append(series[a][0], t, vibration[a]);
        b.Append(series[a][1], t, temperature[a]);
        b.Append(series[a][2], t, 30 + 6 * noise(rng));
        b.Append(series[a][3], t, 3 + noise(rng));
        b.Append(series[a][4], t, (a + r) % 50 == 0 ? 0 : 1);
        b.Append(series[a][5], t, (a * 7 + r) % 97 == 0 ? 8 : 0);
      }
      batches.push_back(std::move(b));
    }
  }
  const std::uint64_t evaluations_before = engine.evaluations();
  const auto start = Steady::now();
  std::size_t samples = 0;
  for (const Batch& b : batches) {
    engine.OnBatch(b, {});
    samples += b.size();
  }
  const double seconds = std::chrono::duration<double>(Steady::now() - start).count();
  EvalResult out;
  out.evaluations_per_s = static_cast<double>(engine.evaluations() - evaluations_before) / seconds;
  out.samples_per_s = static_cast<double>(samples) / seconds;
  out.transitions = metrics.CounterValue("mw_alarm_transitions_total", {});
  return out;
}

// A subscriber of the alerts topic that hands each message's arrival time to the waiting thread.
class AlertWatch {
 public:
  explicit AlertWatch(int port) {
    client_ = mosquitto_new("bench-alarms-watch", true, this);
    mosquitto_message_callback_set(client_, [](mosquitto*, void* self, const mosquitto_message* m) {
      auto* w = static_cast<AlertWatch*>(self);
      const std::string payload(static_cast<const char*>(m->payload),
                                static_cast<std::size_t>(m->payloadlen));
      std::lock_guard lock(w->mu_);
      w->arrivals_.push_back({Steady::now(), payload});
      w->cv_.notify_all();
    });
    ok_ = mosquitto_connect(client_, "127.0.0.1", port, 60) == MOSQ_ERR_SUCCESS &&
          mosquitto_subscribe(client_, nullptr, "millwright/alerts", 1) == MOSQ_ERR_SUCCESS &&
          mosquitto_loop_start(client_) == MOSQ_ERR_SUCCESS;
  }
  ~AlertWatch() {
    mosquitto_disconnect(client_);
    mosquitto_loop_stop(client_, false);
    mosquitto_destroy(client_);
  }
  bool ok() const { return ok_; }
  // The arrival time of the next message containing `needle`, or nullopt after `timeout`.
  std::optional<Steady::time_point> Next(const std::string& needle, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    const auto deadline = Steady::now() + timeout;
    for (;;) {
      while (!arrivals_.empty()) {
        auto [t, payload] = arrivals_.front();
        arrivals_.erase(arrivals_.begin());
        if (payload.find(needle) != std::string::npos) return t;
      }
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && arrivals_.empty()) return std::nullopt;
    }
  }

 private:
  mosquitto* client_ = nullptr;
  bool ok_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<Steady::time_point, std::string>> arrivals_;
};

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

std::vector<double> RunLatency(int crossings) {
  const std::string dir = "/tmp/bench-alarms-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  auto broker = connectors::mqtt::MosquittoBroker::Start(dir);
  auto http = FreeLoopbackPort();
  if (!broker.ok() || !http.ok()) {
    fmt::print(stderr, "bench_alarms: cannot start Mosquitto\n");
    std::exit(1);
  }
  const std::string port = std::to_string(broker->port());
  const std::string text =
      std::string(kRules) + "\n[server]\nlisten = \"127.0.0.1:" + std::to_string(*http) + "\"\ndata_dir = '" +
      dir + "/data'\n\n[[assets]]\npath = \"plant/pump-1\"\ntemplate = \"pump\"\n" +
      "\n[[sources]]\ntype = \"mqtt\"\nport = " + port +
      "\ntopics = [\"plant/+/telemetry\"]\nasset = \"plant/{1}\"\ntemplate = \"pump\"\nqos = 1\n" +
      "\n[[notifications]]\ntype = \"mqtt\"\nport = " + port + "\nactions = [\"activate\", \"clear\"]\n";
  ConfigLoad load = ParseConfig(text, "bench.toml");
  if (!load.ok()) {
    fmt::print(stderr, "bench_alarms: {}\n", load.errors[0].ToString());
    std::exit(1);
  }
  app::Platform platform(load.config);
  if (auto errors = platform.Build(); !errors.empty()) {
    fmt::print(stderr, "bench_alarms: {}\n", errors[0].ToString());
    std::exit(1);
  }
  if (!platform.Start().ok()) std::exit(1);
  AlertWatch watch(broker->port());
  mosquitto* pub = mosquitto_new("bench-alarms-pub", true, nullptr);
  if (!watch.ok() || mosquitto_connect(pub, "127.0.0.1", broker->port(), 60) != MOSQ_ERR_SUCCESS ||
      mosquitto_loop_start(pub) != MOSQ_ERR_SUCCESS) {
    fmt::print(stderr, "bench_alarms: cannot connect to Mosquitto\n");
    std::exit(1);
  }
  const auto publish = [&](double vibration) {
    const std::int64_t ms = SystemClock::Instance().Now() / 1'000'000;
    const std::string payload = fmt::format(
        "{{\"ts\": {}, \"vibration\": {}, \"temperature\": 60, \"current\": 20, \"pressure\": 3, "
        "\"running\": 1, "
        "\"status\": 0}}",
        ms, vibration);
    mosquitto_publish(pub, nullptr, "plant/pump-1/telemetry", static_cast<int>(payload.size()),
                      payload.data(), 1, false);
  };
  // Warm up until the source is subscribed and the notifier connected: the first activation arrives.
  bool warm = false;
  for (int i = 0; i < 100 && !warm; ++i) {
    publish(i % 2 == 0 ? 9 : 1);
    warm = watch.Next("\"vibration_hi\"", std::chrono::milliseconds(200)).has_value();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  watch.Next("no such alert", std::chrono::milliseconds(1));  // drop what the warm-up left
  std::vector<double> latencies_ms;
  double level = 1;
  publish(level);
  watch.Next("\"clear\"", std::chrono::milliseconds(1000));
  for (int i = 0; i < crossings; ++i) {
    level = level < 5 ? 9 : 1;
    const std::string needle = level > 5 ? "\"action\":\"activate\"" : "\"action\":\"clear\"";
    const auto sent = Steady::now();
    publish(level);
    const auto got = watch.Next(needle, std::chrono::milliseconds(2000));
    if (got) latencies_ms.push_back(std::chrono::duration<double, std::milli>(*got - sent).count());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  mosquitto_disconnect(pub);
  mosquitto_loop_stop(pub, false);
  mosquitto_destroy(pub);
  platform.Stop();
  std::filesystem::remove_all(dir);
  if (static_cast<int>(latencies_ms.size()) < crossings)
    fmt::print("latency: {} of {} crossings were not announced within 2 s\n", crossings - latencies_ms.size(),
               crossings);
  return latencies_ms;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 20, crossings = 400;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--rounds") rounds = std::stoi(argv[i + 1]);
    if (flag == "--crossings") crossings = std::stoi(argv[i + 1]);
  }
  mosquitto_lib_init();
  pipeline::PluginRegistry registry;
  app::RegisterAllPlugins(registry);
  ConfigLoad load = ParseConfig(kRules, "rules.toml");
  std::vector<ConfigError> errors = load.errors;
  const std::vector<alarms::Rule> rules = alarms::RulesOf(load.config, registry, errors);
  if (!errors.empty()) {
    fmt::print(stderr, "bench_alarms: {}\n", errors[0].ToString());
    return 1;
  }
  fmt::print("{} pumps x {} rules = {} alarms; {} rounds of readings (6 signals each)\n", kAssets,
             rules.size(), kAssets * rules.size(), rounds);
  const EvalResult memory = RunEvaluations(rules, "", rounds);
  fmt::print("in memory: {:.0f} evaluations/s, {:.0f} samples/s, {} changes\n", memory.evaluations_per_s,
             memory.samples_per_s, memory.transitions);
  const std::string journal = "/tmp/bench-alarms-journal-" + std::to_string(::getpid());
  const EvalResult durable = RunEvaluations(rules, journal, rounds);
  std::filesystem::remove(journal);
  fmt::print("journaled: {:.0f} evaluations/s, {:.0f} samples/s, {} changes\n", durable.evaluations_per_s,
             durable.samples_per_s, durable.transitions);

  const std::vector<double> latencies = RunLatency(crossings);
  if (latencies.empty()) {
    fmt::print(stderr, "bench_alarms: no notification arrived\n");
    return 1;
  }
  fmt::print("latency over {} crossings: min {:.2f} ms, p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms\n",
             latencies.size(), *std::min_element(latencies.begin(), latencies.end()),
             Percentile(latencies, 0.5), Percentile(latencies, 0.99),
             *std::max_element(latencies.begin(), latencies.end()));
  fmt::print("RESULT alarms.evaluations_rate = {:.0f} evaluations/s\n", memory.evaluations_per_s);
  fmt::print("RESULT alarms.evaluations_rate_journaled = {:.0f} evaluations/s\n", durable.evaluations_per_s);
  fmt::print("RESULT alarms.notify_latency_p50 = {:.2f} ms\n", Percentile(latencies, 0.5));
  fmt::print("RESULT alarms.notify_latency_p99 = {:.2f} ms\n", Percentile(latencies, 0.99));
  mosquitto_lib_cleanup();
  return 0;
}
