#include "sim/chaos.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace mw::sim {
namespace {

constexpr std::array<std::string_view, kChaosKindCount> kKindNames{
    "vibration_glitch", "heat_wave",  "stuck_sensor",  "dropout",
    "noise_burst",      "clock_skew", "network_outage"};

constexpr double kHeatWaveMaxRampS = 600;

// How random faults of each kind are drawn: duration and magnitude ranges, and what they target.
struct RandomShape {
  double min_s, max_s;
  double min_magnitude, max_magnitude;
  bool one_asset;   // else every asset
  bool one_signal;  // else "*"
};
constexpr std::array<RandomShape, kChaosKindCount> kRandomShapes{{
    {1, 3, 3, 6, true, false},           // vibration_glitch
    {1200, 3600, 15, 15, false, false},  // heat_wave
    {120, 600, 0, 0, true, true},        // stuck_sensor
    {10, 120, 0, 0, true, false},        // dropout
    {30, 300, 0.05, 0.15, true, true},   // noise_burst
    {300, 1800, 2, 30, true, false},     // clock_skew: the sign is drawn apart
    {10, 120, 0, 0, false, false},       // network_outage
}};

// Faults are applied to a reading in stages, so that a stuck sensor repeats exactly whatever else
// happens, and a dropped value stays dropped.
constexpr int kStageCount = 5;
int StageOf(ChaosKind kind) {
  switch (kind) {
    case ChaosKind::kHeatWave:
    case ChaosKind::kVibrationGlitch:
      return 0;  // the process itself
    case ChaosKind::kNoiseBurst:
      return 1;  // the measurement
    case ChaosKind::kStuckSensor:
      return 2;  // the sensor's output
    case ChaosKind::kDropout:
      return 3;  // the transmission
    case ChaosKind::kClockSkew:
    case ChaosKind::kNetworkOutage:
      break;
  }
  return 4;
}

Timestamp ToNanos(double seconds) { return static_cast<Timestamp>(std::llround(seconds * kNanosPerSecond)); }

// 0 at the edges of the window, 1 on its plateau, with smooth ramps of min(duration / 3, 10 min).
double HeatWaveEnvelope(Timestamp now, const ChaosEvent& e) {
  const double duration = static_cast<double>(e.end - e.start);
  const double ramp = std::min(duration / 3, kHeatWaveMaxRampS * kNanosPerSecond);
  const double in = static_cast<double>(now - e.start) / ramp;
  const double out = static_cast<double>(e.end - now) / ramp;
  const double x = std::clamp(std::min(in, out), 0.0, 1.0);
  return x * x * (3 - 2 * x);
}

bool NameMatches(std::string_view name, std::string_view target) {
  if (name == target) return true;
  const std::size_t slash = name.rfind('/');
  return slash != std::string_view::npos && name.substr(slash + 1) == target;
}

void AppendCsvField(std::string_view field, std::string& out) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

std::string_view ChaosKindName(ChaosKind kind) { return kKindNames[static_cast<std::size_t>(kind)]; }

std::optional<ChaosKind> ParseChaosKind(std::string_view name) {
  for (std::size_t i = 0; i < kChaosKindCount; ++i) {
    if (kKindNames[i] == name) return static_cast<ChaosKind>(i);
  }
  return std::nullopt;
}

double DefaultMagnitude(ChaosKind kind) {
  switch (kind) {
    case ChaosKind::kVibrationGlitch:
      return 4;
    case ChaosKind::kHeatWave:
      return 15;
    case ChaosKind::kNoiseBurst:
      return 0.1;
    case ChaosKind::kClockSkew:
      return 5;
    case ChaosKind::kStuckSensor:
    case ChaosKind::kDropout:
    case ChaosKind::kNetworkOutage:
      break;
  }
  return 0;
}

ChaosEngine::ChaosEngine(ChaosSpec spec)
    : spec_(std::move(spec)),
      pending_(spec_.schedule),
      noise_random_(DeriveSeed(spec_.seed, kChaosKindCount)) {
  std::stable_sort(pending_.begin(), pending_.end(),
                   [](const ScheduledFault& a, const ScheduledFault& b) { return a.start_ns < b.start_ns; });
  for (std::size_t k = 0; k < kChaosKindCount; ++k) kind_random_.emplace_back(DeriveSeed(spec_.seed, k));
}

std::size_t ChaosEngine::AddAsset(std::string name, std::span<const SignalDef> signals) {
  assets_.push_back({std::move(name), {signals.begin(), signals.end()}, {}});
  return assets_.size() - 1;
}

Status ChaosEngine::CheckSchedule() const {
  std::string problems;
  for (std::size_t i = 0; i < spec_.schedule.size(); ++i) {
    const ScheduledFault& f = spec_.schedule[i];
    std::string where =
        "chaos schedule[" + std::to_string(i) + "] " + std::string(ChaosKindName(f.kind)) + ": ";
    if (f.duration_ns <= 0) problems += where + "duration must be positive\n";
    if (f.kind == ChaosKind::kNetworkOutage) continue;
    const std::size_t asset = ResolveAsset(f.asset);
    if (asset == kNone) {
      problems += where + "no asset \"" + f.asset + "\"\n";
      continue;
    }
    if (f.signal == kAllTargets || f.kind == ChaosKind::kClockSkew) continue;
    bool found = false;
    for (std::size_t a = 0; a < assets_.size() && !found; ++a) {
      if (asset != kAll && asset != a) continue;
      for (const SignalDef& s : assets_[a].signals) found = found || s.name == f.signal;
    }
    if (!found) problems += where + "no signal \"" + f.signal + "\" on asset \"" + f.asset + "\"\n";
  }
  if (problems.empty()) return Status::Ok();
  problems.pop_back();
  return Status::InvalidArgument(std::move(problems));
}

std::size_t ChaosEngine::ResolveAsset(std::string_view target) const {
  if (target == kAllTargets) return kAll;
  for (std::size_t i = 0; i < assets_.size(); ++i) {
    if (NameMatches(assets_[i].name, target)) return i;
  }
  return kNone;
}

void ChaosEngine::AddRandomFault(ChaosKind kind) {
  const std::size_t k = static_cast<std::size_t>(kind);
  const RandomShape& shape = kRandomShapes[k];
  Random& random = kind_random_[k];
  // Always the same draws, whatever the kind and the assets, so that each stream stays aligned.
  const double duration_s = random.Uniform(shape.min_s, shape.max_s);
  double magnitude = random.Uniform(shape.min_magnitude, shape.max_magnitude);
  const bool negative = random.Chance(0.5);
  const std::uint64_t asset_pick = random.Bits();
  const std::uint64_t signal_pick = random.Bits();
  if (kind == ChaosKind::kClockSkew && negative) magnitude = -magnitude;

  Fault f;
  f.event.kind = kind;
  f.event.asset = std::string(kAllTargets);
  f.event.signal = std::string(kAllTargets);
  f.event.start = next_random_[k];
  f.event.end = f.event.start + std::max<Timestamp>(1, ToNanos(duration_s));
  f.event.magnitude = magnitude;
  if (shape.one_asset && !assets_.empty()) {
    f.asset = asset_pick % assets_.size();
    const Asset& a = assets_[f.asset];
    f.event.asset = a.name;
    if (shape.one_signal && !a.signals.empty())
      f.event.signal = a.signals[signal_pick % a.signals.size()].name;
  }
  faults_.push_back(std::move(f));
  next_random_[k] += std::max<Timestamp>(1, ToNanos(random.Exponential(3600.0 / spec_.rate_per_hour[k])));
}

void ChaosEngine::ExtendTo(Timestamp t) {
  if (!started_) {
    started_ = true;
    const Timestamp random_origin = std::max(spec_.origin, t);
    for (std::size_t k = 0; k < kChaosKindCount; ++k) {
      if (spec_.rate_per_hour[k] <= 0) continue;
      next_random_[k] = random_origin + ToNanos(kind_random_[k].Exponential(3600.0 / spec_.rate_per_hour[k]));
    }
  }
  // Merge the schedule and the random processes, earliest start first (the schedule wins ties).
  for (;;) {
    Timestamp earliest = std::numeric_limits<Timestamp>::max();
    std::optional<std::size_t> kind;
    if (next_pending_ < pending_.size()) earliest = spec_.origin + pending_[next_pending_].start_ns;
    for (std::size_t k = 0; k < kChaosKindCount; ++k) {
      if (spec_.rate_per_hour[k] > 0 && next_random_[k] < earliest) {
        earliest = next_random_[k];
        kind = k;
      }
    }
    if (earliest > t) return;
    if (kind) {
      AddRandomFault(static_cast<ChaosKind>(*kind));
      continue;
    }
    const ScheduledFault& s = pending_[next_pending_++];
    Fault f;
    f.event = {s.kind,
               s.asset,
               s.signal,
               earliest,
               earliest + std::max<std::int64_t>(0, s.duration_ns),
               s.magnitude != 0 ? s.magnitude : DefaultMagnitude(s.kind)};
    f.asset = s.kind == ChaosKind::kNetworkOutage ? kAll : ResolveAsset(s.asset);
    faults_.push_back(std::move(f));
  }
}

ChaosEngine::Active ChaosEngine::Activate(std::size_t fault, const Asset& asset) const {
  const ChaosEvent& e = faults_[fault].event;
  Active a;
  a.fault = fault;
  for (std::size_t i = 0; i < asset.signals.size(); ++i) {
    const SignalDef& s = asset.signals[i];
    bool touched = false;
    if (e.signal != kAllTargets) {
      touched = s.name == e.signal;
    } else if (e.kind == ChaosKind::kVibrationGlitch) {
      touched = s.kind == SignalClass::kVibration;
    } else if (e.kind == ChaosKind::kHeatWave) {
      touched = s.kind == SignalClass::kTemperature;
    } else {
      touched = true;
    }
    if (touched) a.signals.push_back(i);
  }
  return a;
}

template <typename Make>
void ChaosEngine::Advance(Cursor& cursor, Timestamp now, Make make) {
  if (now < cursor.last) cursor = Cursor{};
  cursor.last = now;
  for (; cursor.next < faults_.size() && faults_[cursor.next].event.start <= now; ++cursor.next) {
    if (faults_[cursor.next].event.end <= now) continue;  // over between two calls
    if (std::optional<Active> a = make(cursor.next)) cursor.active.push_back(std::move(*a));
  }
  std::erase_if(cursor.active, [&](const Active& a) { return faults_[a.fault].event.end <= now; });
}

bool ChaosEngine::Apply(std::size_t asset, Timestamp& time, std::span<double> values) {
  if (asset >= assets_.size()) return true;
  const Timestamp now = time;
  ExtendTo(now);
  Asset& a = assets_[asset];
  Advance(a.cursor, now, [&](std::size_t i) -> std::optional<Active> {
    const Fault& f = faults_[i];
    if (f.event.kind == ChaosKind::kNetworkOutage || (f.asset != kAll && f.asset != asset))
      return std::nullopt;
    return Activate(i, a);
  });
  bool publish = true;
  for (int stage = 0; stage < kStageCount; ++stage) {
    for (Active& active : a.cursor.active) {
      Fault& f = faults_[active.fault];
      if (StageOf(f.event.kind) != stage) continue;
      if (f.event.kind == ChaosKind::kDropout && f.event.signal == kAllTargets) {
        publish = false;
        f.took_effect = true;
        continue;
      }
      if (ApplyOne(active, now, time, values)) f.took_effect = true;
    }
  }
  return publish;
}

// Applies one fault; true if it changed, held or dropped something.
bool ChaosEngine::ApplyOne(Active& active, Timestamp now, Timestamp& time, std::span<double> values) {
  const ChaosEvent& e = faults_[active.fault].event;
  if (e.kind == ChaosKind::kClockSkew) {
    time += ToNanos(e.magnitude);
    return e.magnitude != 0;
  }
  bool effect = false;
  const bool first = !active.holding;
  if (e.kind == ChaosKind::kStuckSensor && first) {
    active.holding = true;
    active.held.assign(active.signals.size(), 0.0);
  }
  for (std::size_t n = 0; n < active.signals.size(); ++n) {
    const std::size_t i = active.signals[n];
    if (i >= values.size()) continue;
    double& v = values[i];
    switch (e.kind) {
      case ChaosKind::kVibrationGlitch:
        v *= e.magnitude;
        effect = true;
        break;
      case ChaosKind::kHeatWave: {
        const double rise = e.magnitude * HeatWaveEnvelope(now, e);
        v += rise;
        effect = effect || rise != 0;
        break;
      }
      case ChaosKind::kNoiseBurst:
        v += e.magnitude * std::abs(v) * noise_random_.Normal();
        effect = true;
        break;
      case ChaosKind::kStuckSensor:
        // The first reading in the window is what the sensor goes on saying.
        if (first) {
          active.held[n] = v;
        } else {
          v = active.held[n];
          effect = true;
        }
        break;
      case ChaosKind::kDropout:
        v = std::numeric_limits<double>::quiet_NaN();
        effect = true;
        break;
      case ChaosKind::kClockSkew:
      case ChaosKind::kNetworkOutage:
        break;
    }
  }
  return effect;
}

bool ChaosEngine::NetworkDown(Timestamp now) {
  ExtendTo(now);
  Advance(network_, now, [&](std::size_t i) -> std::optional<Active> {
    if (faults_[i].event.kind != ChaosKind::kNetworkOutage) return std::nullopt;
    return Active{i, {}, {}, false};
  });
  for (const Active& a : network_.active) faults_[a.fault].took_effect = true;
  return !network_.active.empty();
}

std::vector<ChaosEvent> ChaosEngine::AppliedEvents() const {
  std::vector<ChaosEvent> out;
  for (const Fault& f : faults_) {
    if (f.took_effect) out.push_back(f.event);
  }
  return out;
}

std::string ChaosEngine::AppliedEventsCsv() const {
  std::string out = "kind,asset,signal,start_ns,end_ns,magnitude\n";
  char buf[64];
  for (const ChaosEvent& e : AppliedEvents()) {
    out += ChaosKindName(e.kind);
    out += ',';
    AppendCsvField(e.asset, out);
    out += ',';
    AppendCsvField(e.signal, out);
    out += ',';
    out += std::to_string(e.start);
    out += ',';
    out += std::to_string(e.end);
    out += ',';
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, e.magnitude);
    out.append(buf, ec == std::errc() ? end : buf);
    out += '\n';
  }
  return out;
}

}  // namespace mw::sim
