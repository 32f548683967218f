// bench_sim_fleet: can one core run 10,000 digital twins at 1 Hz, about 10 signals each?
//
// Everything runs on the main thread, on a simulated clock (nothing sleeps), and does per reading
// what the live fleet (sim/fleet.cc) does for an mqtt group, short of the network: take the next
// due machine from a min-heap schedule, Twin::Step, ChaosEngine::Apply (random faults), and
// AppendRecordJson into the machine's payload buffer. The MQTT publish itself (libmosquitto copy
// and socket write) is NOT included; bench/mqtt_ingest measures that side.
//
// Three measurements, each a fleet built in code (or, for the first, read from DATA=<fleet.toml>):
//   fleet    --assets machines (10,000) in the --mix (pump=3,plc_line=1: 7,500 pumps with 6 signals
//            and 2,500 PLC lines with 22, all at 1 s: 100,000 signals per simulated second),
//            random chaos on, for --seconds simulated seconds after a warm-up;
//   printer  --printers (100) printers, 100x100 temperature grid and 5 scalars, one record per
//            --printer-interval-ms (1000) of build time, for --printer-seconds (600);
//   plc_line --plc-lines (10) PLC lines at their native 10 ms step (100 readings of 22 signals per
//            simulated second each), for --plc-seconds (1800: 30 vibration bursts per line).
// The fleet runs --seconds (600) simulated seconds after a 2 s warm-up; its build (MakeTwin for
// every machine, paths, chaos assets) is timed apart. The printers and PLC lines run without chaos.
// The JSON of a printer carries its 5 scalars only (the grid is a frame, which MQTT JSON does not
// carry); a PLC line's vibration burst is computed but, likewise, not serialized.
// CPU time is the thread's (getrusage RUSAGE_THREAD, user + system). The last lines printed are
// the headline figures, one `RESULT sim_fleet.<figure>` line each.
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "core/types.h"
#include "sim/chaos.h"
#include "sim/fleet_config.h"
#include "sim/twin.h"

namespace mw::bench {
namespace {

using sim::ChaosKind;
using sim::TwinType;

constexpr Timestamp kOrigin = 1'700'000'000'000'000'000;  // the simulated clock's zero
constexpr int kWarmupSeconds = 2;                         // simulated, not measured

double ThreadCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

double PeakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU and wall time of one stretch of work on this thread.
class Stopwatch {
 public:
  Stopwatch() : cpu_(ThreadCpuSeconds()), wall_(WallSeconds()) {}
  double cpu() const { return ThreadCpuSeconds() - cpu_; }
  double wall() const { return WallSeconds() - wall_; }

 private:
  double cpu_;
  double wall_;
};

struct Machine {
  std::unique_ptr<sim::Twin> twin;
  std::int64_t interval_ns = 0;
  std::int64_t phase_ns = 0;  // offset of reading 0 from the origin
  std::int64_t next_index = 0;
  std::vector<double> values;
  std::string payload;  // the MQTT message body of the last reading, reused like the fleet's
};

struct Counts {
  std::uint64_t readings = 0;   // stepped
  std::uint64_t published = 0;  // serialized (not dropped by chaos)
  std::uint64_t signals = 0;    // values of the serialized readings
  std::uint64_t bytes = 0;      // of the JSON payloads
};

// The live fleet's loop on a simulated clock: every reading due before a given time, in time order.
class SimFleet {
 public:
  SimFleet(const std::vector<sim::MachineGroup>& groups, const sim::ChaosSpec* chaos) {
    for (const sim::MachineGroup& group : groups) {
      for (int i = 0; i < group.count; ++i) {
        Machine m;
        m.twin = sim::MakeTwin(group, i);
        m.values.resize(m.twin->signals().size());
        m.interval_ns = group.model.interval_ns;
        // Spread over one interval on whole milliseconds, as the fleet does.
        m.phase_ns = group.model.interval_ns * i / group.count / kNanosPerMilli * kNanosPerMilli;
        signals_per_second_ += static_cast<double>(m.values.size()) * kNanosPerSecond / m.interval_ns;
        machines_.push_back(std::move(m));
        paths_.push_back(sim::MachinePath(group, i));
      }
    }
    if (chaos != nullptr) {
      sim::ChaosSpec spec = *chaos;
      spec.origin = kOrigin;
      chaos_ = std::make_unique<sim::ChaosEngine>(spec);
      for (std::size_t i = 0; i < machines_.size(); ++i)
        chaos_->AddAsset(paths_[i], machines_[i].twin->signals());
    }
    for (std::size_t i = 0; i < machines_.size(); ++i) schedule_.emplace_back(machines_[i].phase_ns, i);
    std::make_heap(schedule_.begin(), schedule_.end(), std::greater<>());
  }

  // Produces every reading due before `until_ns` (since the origin).
  Counts RunUntil(std::int64_t until_ns) {
    Counts c;
    while (!schedule_.empty() && schedule_.front().first < until_ns) {
      std::pop_heap(schedule_.begin(), schedule_.end(), std::greater<>());
      auto [due, index] = schedule_.back();
      Machine& m = machines_[index];
      Timestamp time = kOrigin + due;
      m.twin->Step(time, m.values);
      ++c.readings;
      if (chaos_ == nullptr || chaos_->Apply(index, time, m.values)) {
        m.payload.clear();
        sim::AppendRecordJson(time, m.twin->signals(), m.values, m.payload);
        ++c.published;
        c.signals += m.values.size();
        c.bytes += m.payload.size();
      }
      ++m.next_index;
      schedule_.back() = {m.phase_ns + m.next_index * m.interval_ns, index};
      std::push_heap(schedule_.begin(), schedule_.end(), std::greater<>());
    }
    return c;
  }

  std::size_t size() const { return machines_.size(); }
  double signals_per_second() const { return signals_per_second_; }
  const sim::ChaosEngine* chaos() const { return chaos_.get(); }
  const std::string& path(std::size_t i) const { return paths_[i]; }

 private:
  std::vector<Machine> machines_;
  std::vector<std::string> paths_;
  std::unique_ptr<sim::ChaosEngine> chaos_;
  std::vector<std::pair<std::int64_t, std::size_t>> schedule_;  // min-heap of (due ns, machine)
  double signals_per_second_ = 0;
};

// One simulated stretch of a fleet, after its warm-up.
struct Measurement {
  double build_cpu_s = 0;
  double build_wall_s = 0;
  double sim_seconds = 0;
  double cpu_s = 0;
  double wall_s = 0;
  Counts counts;
  double cpu_per_sim_second() const { return cpu_s / sim_seconds; }
};

Measurement Measure(const std::vector<sim::MachineGroup>& groups, const sim::ChaosSpec* chaos,
                    double sim_seconds, std::unique_ptr<SimFleet>* keep = nullptr) {
  Measurement r;
  Stopwatch build;
  auto fleet = std::make_unique<SimFleet>(groups, chaos);
  r.build_cpu_s = build.cpu();
  r.build_wall_s = build.wall();
  fleet->RunUntil(kWarmupSeconds * kNanosPerSecond);
  Stopwatch run;
  r.counts = fleet->RunUntil(static_cast<std::int64_t>((kWarmupSeconds + sim_seconds) * kNanosPerSecond));
  r.cpu_s = run.cpu();
  r.wall_s = run.wall();
  r.sim_seconds = sim_seconds;
  if (keep != nullptr) *keep = std::move(fleet);
  return r;
}

sim::MachineGroup Group(TwinType type, int count, std::int64_t interval_ns, const std::string& line,
                        std::uint64_t seed) {
  sim::MachineGroup g;
  g.type = type;
  g.count = count;
  g.line = line;
  g.name = std::string(sim::TwinTypeName(type));
  g.model.interval_ns = interval_ns;
  g.model.seed = seed;
  return g;
}

// "pump=3,plc_line=1": twin types and weights; `assets` machines shared out by weight, at 1 s.
Result<std::vector<sim::MachineGroup>> MixGroups(const std::string& mix, int assets) {
  static const std::map<std::string, TwinType, std::less<>> kTypes{{"rotating", TwinType::kRotating},
                                                                   {"pump", TwinType::kPump},
                                                                   {"printer", TwinType::kPrinter},
                                                                   {"plc_line", TwinType::kPlcLine}};
  std::vector<std::pair<TwinType, double>> parts;
  double total = 0;
  for (std::size_t start = 0; start <= mix.size();) {
    std::size_t end = mix.find(',', start);
    if (end == std::string::npos) end = mix.size();
    const std::string item = mix.substr(start, end - start);
    start = end + 1;
    const std::size_t eq = item.find('=');
    auto type = kTypes.find(item.substr(0, eq));
    double weight = 1;
    if (eq != std::string::npos) {
      try {
        weight = std::stod(item.substr(eq + 1));
      } catch (const std::exception&) {
        weight = -1;
      }
    }
    if (type == kTypes.end() || !(weight >= 0))
      return Status::InvalidArgument(
          "--mix: bad item \"" + item +
          "\"; expected <type>=<weight> with type rotating, pump, printer or plc_line");
    parts.emplace_back(type->second, weight);
    total += weight;
  }
  if (total <= 0) return Status::InvalidArgument("--mix: weights add up to 0");
  std::vector<sim::MachineGroup> groups;
  int given = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const int count = i + 1 == parts.size() ? assets - given
                                            : static_cast<int>(std::lround(assets * parts[i].second / total));
    given += count;
    if (count > 0)
      groups.push_back(Group(parts[i].first, count, kNanosPerSecond, "line" + std::to_string(i + 1), i + 1));
  }
  return groups;
}

// Random faults of every kind but network outages (an outage silences the publisher, which would
// make the fleet cheaper): an event every few minutes per kind, over the whole fleet.
sim::ChaosSpec BenchChaos(std::uint64_t seed) {
  sim::ChaosSpec spec;
  spec.seed = seed;
  spec.rate(ChaosKind::kVibrationGlitch) = 60;
  spec.rate(ChaosKind::kHeatWave) = 30;  // 20..60 min long, on every asset
  spec.rate(ChaosKind::kStuckSensor) = 20;
  spec.rate(ChaosKind::kDropout) = 20;
  spec.rate(ChaosKind::kNoiseBurst) = 20;
  spec.rate(ChaosKind::kClockSkew) = 10;
  return spec;
}

std::string Describe(const std::vector<sim::MachineGroup>& groups) {
  std::string out;
  for (const auto& g : groups) {
    if (!out.empty()) out += " + ";
    out += fmt::format("{} {} @ {} ms", g.count, sim::TwinTypeName(g.type),
                       g.model.interval_ns / kNanosPerMilli);
  }
  return out;
}

void PrintMeasurement(const char* name, std::size_t machines, const Measurement& m) {
  const Counts& c = m.counts;
  fmt::print(
      "{}: {} machines, {:.0f} simulated s in {:.3f} CPU s ({:.3f} wall s): {:.4f} CPU s per simulated s, "
      "real-time factor {:.1f} x;\n  {} readings ({} published), {} signals, {:.1f} MB JSON; "
      "{:.0f} readings and {:.0f} signals per CPU s; {:.3f} us per reading\n",
      name, machines, m.sim_seconds, m.cpu_s, m.wall_s, m.cpu_per_sim_second(), 1 / m.cpu_per_sim_second(),
      c.readings, c.published, c.signals, c.bytes / 1e6, c.readings / m.cpu_s, c.signals / m.cpu_s,
      m.cpu_s / c.readings * 1e6);
}

struct Options {
  double seconds = 600;
  int assets = 10000;
  std::string mix = "pump=3,plc_line=1";
  bool chaos = true;
  std::uint64_t chaos_seed = 7;
  std::string data;
  int printers = 100;
  int printer_interval_ms = 1000;
  double printer_seconds = 600;
  int plc_lines = 10;
  double plc_seconds = 1800;
};

int Run(const Options& o) {
  // The fleet.
  std::vector<sim::MachineGroup> groups;
  sim::ChaosSpec chaos = BenchChaos(o.chaos_seed);
  if (!o.data.empty()) {
    Result<sim::FleetConfig> config = sim::LoadFleetConfig(o.data);
    if (!config.ok()) {
      fmt::print(stderr, "bench_sim_fleet: {}\n", config.status().message());
      return 1;
    }
    groups = config->machines;
    const auto& rates = config->chaos.rate_per_hour;
    if (!config->chaos.schedule.empty() ||
        std::any_of(rates.begin(), rates.end(), [](double r) { return r > 0; }))
      chaos = config->chaos;
    fmt::print("fleet from {} (every group serialized as MQTT JSON, whatever its protocol)\n", o.data);
  } else {
    Result<std::vector<sim::MachineGroup>> mix = MixGroups(o.mix, o.assets);
    if (!mix.ok()) {
      fmt::print(stderr, "bench_sim_fleet: {}\n", mix.status().message());
      return 1;
    }
    groups = std::move(*mix);
  }
  fmt::print("fleet: {}; chaos {}\n", Describe(groups),
             o.chaos ? "on (random faults, no network outages)" : "off");
  std::unique_ptr<SimFleet> fleet;
  const Measurement f = Measure(groups, o.chaos ? &chaos : nullptr, o.seconds, &fleet);
  const double rss_mb = PeakRssMb();
  fmt::print(
      "fleet: built in {:.3f} CPU s ({:.3f} wall s); peak RSS {:.0f} MB; {:.0f} signals per simulated s\n",
      f.build_cpu_s, f.build_wall_s, rss_mb, fleet->signals_per_second());
  PrintMeasurement("fleet", fleet->size(), f);
  if (const sim::ChaosEngine* engine = fleet->chaos()) {
    std::map<std::string_view, int> kinds;
    for (const sim::ChaosEvent& e : engine->AppliedEvents()) ++kinds[sim::ChaosKindName(e.kind)];
    std::string list;
    for (const auto& [kind, n] : kinds) list += fmt::format(" {} {}", kind, n);
    fmt::print("fleet: chaos faults that took effect (warm-up included):{}\n", list.empty() ? " none" : list);
  }
  fleet.reset();

  // The expensive twins on their own, without chaos.
  const std::vector<sim::MachineGroup> printers{
      Group(TwinType::kPrinter, o.printers, o.printer_interval_ms * kNanosPerMilli, "additive", 11)};
  const Measurement p = Measure(printers, nullptr, o.printer_seconds);
  PrintMeasurement("printer", static_cast<std::size_t>(o.printers), p);
  const double printer_ms = p.cpu_s / static_cast<double>(p.counts.readings) * 1e3;

  const std::vector<sim::MachineGroup> lines{
      Group(TwinType::kPlcLine, o.plc_lines, 10 * kNanosPerMilli, "assembly", 12)};
  const Measurement l = Measure(lines, nullptr, o.plc_seconds);
  PrintMeasurement("plc_line", static_cast<std::size_t>(o.plc_lines), l);
  const double plc_per_line = l.cpu_per_sim_second() / o.plc_lines;

  std::size_t assets = 0;
  for (const auto& g : groups) assets += static_cast<std::size_t>(g.count);
  fmt::print("RESULT sim_fleet.assets = {} assets\n", assets);
  fmt::print("RESULT sim_fleet.signals_per_sim_second = {:.0f} signals/s\n",
             f.counts.signals / f.sim_seconds);
  fmt::print("RESULT sim_fleet.cpu_per_sim_second = {:.4f} s\n", f.cpu_per_sim_second());
  fmt::print("RESULT sim_fleet.realtime_factor_one_core = {:.1f} x\n", 1 / f.cpu_per_sim_second());
  fmt::print("RESULT sim_fleet.readings_per_cpu_second = {:.0f} readings/s\n", f.counts.readings / f.cpu_s);
  fmt::print("RESULT sim_fleet.signals_per_cpu_second = {:.0f} signals/s\n", f.counts.signals / f.cpu_s);
  fmt::print("RESULT sim_fleet.build_cpu_seconds = {:.3f} s\n", f.build_cpu_s);
  fmt::print("RESULT sim_fleet.peak_rss = {:.0f} MB\n", rss_mb);
  fmt::print("RESULT sim_fleet.printer_ms_per_record = {:.4f} ms\n", printer_ms);
  fmt::print("RESULT sim_fleet.printers_cpu_per_sim_second = {:.4f} s\n", p.cpu_per_sim_second());
  fmt::print("RESULT sim_fleet.plc_line_cpu_per_sim_second = {:.6f} s\n", plc_per_line);
  return 0;
}

}  // namespace
}  // namespace mw::bench

int main(int argc, char** argv) {
  CLI::App app{"A large simulated fleet on one thread: CPU seconds per simulated second (no network)"};
  mw::bench::Options o;
  app.add_option("--seconds", o.seconds, "simulated seconds of the fleet, after a 2 s warm-up")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--assets", o.assets, "machines in the fleet (with --mix)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--mix", o.mix, "twin types and weights, all at 1 s: <type>=<weight>,...")
      ->capture_default_str();
  app.add_flag("--chaos,!--no-chaos", o.chaos, "random chaos faults on the fleet's readings (on by default)");
  app.add_option("--chaos-seed", o.chaos_seed, "seed of the chaos engine")->capture_default_str();
  app.add_option("--data", o.data, "a fleet TOML file (millwright sim -c) instead of --assets/--mix");
  app.add_option("--printers", o.printers, "printers (100x100 grid)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--printer-interval-ms", o.printer_interval_ms, "build time per printer record")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--printer-seconds", o.printer_seconds, "simulated seconds of the printers")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--plc-lines", o.plc_lines, "PLC lines (10 ms step)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--plc-seconds", o.plc_seconds, "simulated seconds of the PLC lines")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  return mw::bench::Run(o);
}
