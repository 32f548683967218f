#include "sim/training.h"

#include <array>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "sim/chaos.h"
#include "sim/twin.h"

namespace mw::sim {
namespace {

void AppendNumber(double v, int decimals, std::string& out) {
  if (!std::isfinite(v)) return;  // an empty cell: the value was dropped
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  if (ec == std::errc()) out.append(buf, end);
}

MachineGroup UnitGroup(const TrainingSpec& spec) {
  MachineGroup g;
  g.type = spec.type;
  g.mode = spec.mode;
  g.iso_class = spec.iso_class;
  g.count = spec.lifecycles;
  g.line = "training";
  g.name = "unit";
  g.model.interval_ns = spec.interval_ns > 0 ? spec.interval_ns : DefaultTrainingInterval(spec.mode);
  g.model.seed = spec.seed;
  return g;
}

ChaosSpec UnitChaos(const TrainingSpec& spec, int unit) {
  ChaosSpec c;
  c.origin = spec.origin;
  c.seed = DeriveSeed(spec.seed ^ 0xC4A05ULL, static_cast<std::uint64_t>(unit));
  for (std::size_t k = 0; k < kChaosKindCount; ++k) {
    if (static_cast<ChaosKind>(k) != ChaosKind::kNetworkOutage) c.rate_per_hour[k] = spec.chaos_per_hour;
  }
  return c;
}

// The twin's own fault and the chaos kinds active at `time`, each once, '+'-joined.
std::string FaultLabel(std::string_view own, const std::vector<ChaosEvent>& events, Timestamp time) {
  std::string label(own);
  std::array<bool, kChaosKindCount> seen{};
  for (const ChaosEvent& e : events) {
    const auto kind = static_cast<std::size_t>(e.kind);
    if (e.start <= time && time < e.end && !seen[kind]) {
      seen[kind] = true;
      if (!label.empty()) label += '+';
      label += ChaosKindName(e.kind);
    }
  }
  return label;
}

class CsvFile {
 public:
  Status Open(const std::filesystem::path& path) {
    path_ = path.string();
    out_.open(path, std::ios::binary | std::ios::trunc);
    return out_ ? Status::Ok() : Status::IoError(path_ + ": cannot open for writing");
  }
  void Write(const std::string& text) { out_.write(text.data(), static_cast<std::streamsize>(text.size())); }
  Status Close() {
    out_.close();
    return out_ ? Status::Ok() : Status::IoError(path_ + ": write failed");
  }

 private:
  std::string path_;
  std::ofstream out_;
};

struct UnitRun {
  std::uint64_t rows = 0;
  double life_s = 0;
  int chaos_events = 0;
};

// Runs one unit from new until it has been BROKEN for `broken_readings` readings, appending its rows
// to `rows_out` and its faults to `faults_out`.
UnitRun RunUnit(const TrainingSpec& spec, const MachineGroup& group, int unit, CsvFile& rows_out,
                CsvFile& faults_out) {
  std::unique_ptr<Twin> twin = MakeTwin(group, unit);
  const std::vector<SignalDef>& signals = twin->signals();
  const bool chaotic = spec.chaos_per_hour > 0;
  ChaosEngine chaos(UnitChaos(spec, unit));
  const std::string name = "unit-" + std::to_string(unit + 1);
  chaos.AddAsset(name, signals);
  std::vector<double> values(signals.size());
  const std::int64_t interval = group.model.interval_ns;
  const auto max_steps =
      static_cast<std::int64_t>(20 * MeanLifeSeconds(spec.mode) * kNanosPerSecond / interval);
  std::vector<ChaosEvent> events;
  std::string text;
  UnitRun run;
  int broken = 0;
  for (std::int64_t step = 0; step < max_steps; ++step) {
    const Timestamp sim_time = spec.origin + step * interval;
    twin->Step(sim_time, values);
    const GroundTruth truth = twin->truth();
    Timestamp time = sim_time;
    bool publish = true;
    if (chaotic) {
      publish = chaos.Apply(0, time, values);
      events = chaos.AppliedEvents();
    }
    if (publish) {
      text += std::to_string(unit + 1);
      text += ',';
      text += std::to_string(time / kNanosPerMilli);
      for (std::size_t i = 0; i < signals.size(); ++i) {
        text += ',';
        AppendNumber(values[i], signals[i].decimals, text);
      }
      text += fmt::format(",{},{:.4f},", HealthStateName(truth.state), truth.damage);
      AppendNumber(truth.remaining_s, 1, text);
      text += ',';
      text += FaultLabel(truth.fault, events, sim_time);
      text += '\n';
      ++run.rows;
    }
    if (text.size() > (1u << 20)) {
      rows_out.Write(text);
      text.clear();
    }
    const bool failed = truth.state == HealthState::kBroken;
    if (!failed || broken == 0) run.life_s = static_cast<double>((step + 1) * interval) / kNanosPerSecond;
    if (failed && ++broken >= spec.broken_readings) break;
  }
  rows_out.Write(text);
  if (chaotic) {
    std::string csv = chaos.AppliedEventsCsv();
    faults_out.Write(csv.substr(csv.find('\n') + 1));  // header written once, by the caller
    run.chaos_events = static_cast<int>(chaos.AppliedEvents().size());
  }
  return run;
}

}  // namespace

std::int64_t DefaultTrainingInterval(LifeMode mode) {
  switch (mode) {
    case LifeMode::kAccelerated:
      return kNanosPerSecond;
    case LifeMode::kStress:
      return 100 * kNanosPerMilli;
    case LifeMode::kNominal:
      break;
  }
  return 60 * kNanosPerSecond;
}

Result<TrainingSummary> RunTraining(const TrainingSpec& spec) {
  if (spec.type == TwinType::kRotating)
    return Status::InvalidArgument("training: the rotating twin does not age; use pump, printer or plc_line");
  if (spec.lifecycles < 1) return Status::InvalidArgument("training: --lifecycles must be at least 1");
  if (spec.broken_readings < 1 || spec.broken_readings > 100000) {
    return Status::InvalidArgument("training: --broken must be 1..100000 readings");
  }
  std::error_code ec;
  std::filesystem::create_directories(spec.out_dir, ec);
  if (ec) return Status::IoError(spec.out_dir + ": cannot create: " + ec.message());
  const std::filesystem::path dir(spec.out_dir);
  const MachineGroup group = UnitGroup(spec);

  CsvFile rows;
  CsvFile faults;
  MW_RETURN_IF_ERROR(rows.Open(dir / "lifecycles.csv"));
  MW_RETURN_IF_ERROR(faults.Open(dir / "faults.csv"));
  std::string header = "unit,ts_ms";
  const std::unique_ptr<Twin> first = MakeTwin(group, 0);  // signals() lives as long as its twin
  for (const SignalDef& s : first->signals()) header += "," + s.name;
  rows.Write(header + ",state,damage,rul_s,fault\n");
  faults.Write("kind,asset,signal,start_ns,end_ns,magnitude\n");

  TrainingSummary summary;
  for (int unit = 0; unit < spec.lifecycles; ++unit) {
    UnitRun run = RunUnit(spec, group, unit, rows, faults);
    summary.rows += run.rows;
    summary.simulated_s += run.life_s;
    summary.chaos_events += run.chaos_events;
    ++summary.units;
  }
  MW_RETURN_IF_ERROR(rows.Close());
  MW_RETURN_IF_ERROR(faults.Close());

  CsvFile meta;
  MW_RETURN_IF_ERROR(meta.Open(dir / "dataset.toml"));
  meta.Write(fmt::format(
      "# Written by `millwright sim --lifecycles`; see lifecycles.csv and faults.csv.\n"
      "twin = \"{}\"\nmode = \"{}\"\niso_class = {}\nseed = {}\ninterval_ms = {}\nunits = {}\nrows = {}\n"
      "broken_readings = {}\nsimulated_hours = {:.3f}\nchaos_per_hour = {}\nchaos_events = {}\n",
      TwinTypeName(spec.type), LifeModeName(spec.mode), spec.iso_class, spec.seed,
      group.model.interval_ns / kNanosPerMilli, summary.units, summary.rows, spec.broken_readings,
      summary.simulated_s / 3600, spec.chaos_per_hour, summary.chaos_events));
  MW_RETURN_IF_ERROR(meta.Close());
  return summary;
}

}  // namespace mw::sim
