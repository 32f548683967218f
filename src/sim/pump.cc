#include "sim/pump.h"

#include <algorithm>
#include <cmath>

namespace mw::sim {
namespace {

// Degradation: damage = (age / life)^kDamageExponent, and the damage at which each state begins.
constexpr double kDamageExponent = 3;
constexpr double kWarningDamage = 0.3;
constexpr double kFaultyDamage = 0.65;

// Vibration is modelled as a position on the ISO zone scale: 0..1 is zone A, 1..2 zone B, 2..3 zone
// C, 3..4 zone D, log-linear in velocity inside each zone. Working on this scale keeps every class
// alike and lets the noise be folded back at a zone boundary.
constexpr double kZoneMargin = 0.01;        // readings keep this far from a boundary (~1% in velocity)
constexpr double kFaultyEndPosition = 3.7;  // ~1.9x the C/D boundary when the life is spent
constexpr double kBrokenPosition = 3.9;     // where a failed unit starts, rising by kBrokenRise
constexpr double kBrokenRise = 0.5;
constexpr double kBrokenFloor = 3.6;                             // 2.5^0.6 = 1.73x the C/D boundary
constexpr std::array<double, 3> kAxisOffset{0.0, -0.08, -0.18};  // axial runs quieter than radial
constexpr double kVibrationNoise = 0.04;                         // on the zone scale: ~4% of the velocity
constexpr double kBrokenVibrationNoise = 0.1;
constexpr double kVibrationPerFlow = 0.3;  // off-design flow shakes a little more or less

// The operating point: flow as a fraction of the best-efficiency flow.
constexpr double kFlowMin = 0.7;
constexpr double kFlowMax = 1.1;
constexpr double kFlowNominal = 0.9;
constexpr double kFlowChangeMeanS = 1200;  // mean time between changes of the demand
constexpr double kFlowTauS = 60;           // how fast the flow follows the demand
constexpr double kFlowNoisePerSqrtS = 0.002;

// Temperatures, in degC.
constexpr double kThermalTauS = 120;  // lag of the bearing housing behind the load
constexpr double kLoadRiseMin = 22;   // rise over ambient at the lowest flow
constexpr double kLoadRisePerFlow = 35;
constexpr double kWearRise = 28;  // at damage 1: friction of the worn bearing
constexpr double kBrokenHeatRise = 35;
constexpr double kBrokenHeatTauS = 120;
constexpr double kTemperatureNoise = 0.15;

// Hydraulics and motor, as fractions of the rated values.
constexpr double kWearPressureLoss = 0.12;
constexpr double kWearCurrentGain = 0.15;
constexpr double kPressureNoise = 0.006;
constexpr double kCurrentNoise = 0.005;
constexpr double kBrokenPressureFloor = 0.1;
constexpr double kBrokenPressureTauS = 15;
constexpr double kBrokenPressureNoise = 0.05;
constexpr double kBrokenCurrent = 1.6;
constexpr double kBrokenCurrentSpike = 0.4;
constexpr double kBrokenCurrentTauS = 20;
constexpr double kBrokenCurrentNoise = 0.06;

// Zone A has no lower edge; the scale below it continues at a ratio typical of the zones (2.5).
constexpr double kZoneRatio = 2.5;

// Velocity at a position of the zone scale.
double VelocityAt(double position, const IsoZoneLimits& l) {
  const std::array<double, 5> knots{l.ab / kZoneRatio, l.ab, l.bc, l.cd, l.cd * kZoneRatio};
  const int k = std::clamp(static_cast<int>(std::floor(position)), 0, 3);
  return knots[k] * std::pow(knots[k + 1] / knots[k], position - k);
}

// Reflects `x` into [lo, hi] at the nearer edge, so noise near a boundary bounces off it.
double Fold(double x, double lo, double hi) {
  if (x < lo) x = 2 * lo - x;
  if (x > hi) x = 2 * hi - x;
  return std::clamp(x, lo, hi);
}

// The stretch of the zone scale a state's readings are kept in.
struct ZoneRange {
  double lo, hi;
};
ZoneRange RangeOf(HealthState state) {
  switch (state) {
    case HealthState::kHealthy:
      return {-1.0, 2 - kZoneMargin};  // zones A and B
    case HealthState::kWarning:
      return {2 + kZoneMargin, 3 - kZoneMargin};  // zone C
    case HealthState::kFaulty:
      return {3 + kZoneMargin, 5.0};  // zone D
    case HealthState::kBroken:
      break;
  }
  return {kBrokenFloor, 6.0};  // far into zone D
}

HealthState StateOf(double age_s, double life_s, double damage) {
  if (age_s >= life_s) return HealthState::kBroken;
  if (damage < kWarningDamage) return HealthState::kHealthy;
  if (damage < kFaultyDamage) return HealthState::kWarning;
  return HealthState::kFaulty;
}

// Where on the zone scale a unit of this damage vibrates, before noise: continuous in the damage,
// crossing a zone boundary exactly where the state changes.
double ZonePosition(double damage, double baseline) {
  if (damage < kWarningDamage) return baseline + (2 - baseline) * damage / kWarningDamage;
  if (damage < kFaultyDamage) return 2 + (damage - kWarningDamage) / (kFaultyDamage - kWarningDamage);
  return 3 + (kFaultyEndPosition - 3) * (damage - kFaultyDamage) / (1 - kFaultyDamage);
}

}  // namespace

std::string_view IsoZoneName(IsoZone zone) {
  switch (zone) {
    case IsoZone::kA:
      return "A";
    case IsoZone::kB:
      return "B";
    case IsoZone::kC:
      return "C";
    case IsoZone::kD:
      return "D";
  }
  return "?";
}

IsoZoneLimits IsoLimits(int machine_class) {
  switch (std::clamp(machine_class, 1, 4)) {
    case 1:
      return {0.71, 1.8, 4.5};
    case 2:
      return {1.12, 2.8, 7.1};
    case 3:
      return {1.8, 4.5, 11.2};
    default:
      return {2.8, 7.1, 18.0};
  }
}

IsoZone IsoZoneOf(double velocity_mm_s, int machine_class) {
  const IsoZoneLimits l = IsoLimits(machine_class);
  if (velocity_mm_s < l.ab) return IsoZone::kA;
  if (velocity_mm_s < l.bc) return IsoZone::kB;
  if (velocity_mm_s < l.cd) return IsoZone::kC;
  return IsoZone::kD;
}

std::optional<int> ParseMachineClass(std::string_view text) {
  constexpr std::array<std::string_view, 4> kRoman{"I", "II", "III", "IV"};
  constexpr std::array<std::string_view, 4> kDigits{"1", "2", "3", "4"};
  for (int i = 0; i < 4; ++i) {
    if (text == kRoman[i] || text == kDigits[i]) return i + 1;
  }
  return std::nullopt;
}

std::string_view PumpModeName(PumpMode mode) {
  switch (mode) {
    case PumpMode::kNominal:
      return "nominal";
    case PumpMode::kAccelerated:
      return "accelerated";
    case PumpMode::kStress:
      return "stress";
  }
  return "?";
}

std::optional<PumpMode> ParsePumpMode(std::string_view name) {
  for (PumpMode mode : {PumpMode::kNominal, PumpMode::kAccelerated, PumpMode::kStress}) {
    if (name == PumpModeName(mode)) return mode;
  }
  return std::nullopt;
}

double MeanLifeSeconds(PumpMode mode) {
  switch (mode) {
    case PumpMode::kAccelerated:
      return 20 * 60.0;
    case PumpMode::kStress:
      return 150.0;
    case PumpMode::kNominal:
      break;
  }
  return 27 * 3600.0;
}

double LifeScaleSeconds(const PumpSpec& spec) {
  const double mean = spec.mean_life_s > 0 ? spec.mean_life_s : MeanLifeSeconds(spec.mode);
  return mean / std::tgamma(1 + 1 / spec.life_shape);
}

std::array<double, 6> PumpSignalValues(const PumpReading& r) {
  return {r.vibration_x,         r.vibration_y,        r.vibration_z,
          r.bearing_temperature, r.discharge_pressure, r.motor_current};
}

Pump::Pump(const PumpSpec& spec)
    : spec_(spec),
      limits_(IsoLimits(spec.machine_class)),
      dt_s_(static_cast<double>(spec.interval_ns) / kNanosPerSecond),
      scale_s_(LifeScaleSeconds(spec)),
      signal_random_(spec.seed),
      life_random_(spec.seed ^ 0x5851'F42D'4C95'7F2DULL) {
  spec_.machine_class = std::clamp(spec.machine_class, 1, 4);
  flow_change_probability_ = 1.0 - std::exp(-dt_s_ / kFlowChangeMeanS);
  flow_alpha_ = 1.0 - std::exp(-dt_s_ / kFlowTauS);
  flow_noise_ = kFlowNoisePerSqrtS * std::sqrt(dt_s_);
  thermal_alpha_ = 1.0 - std::exp(-dt_s_ / kThermalTauS);
  flow_target_ = signal_random_.Uniform(0.75, 1.05);
  flow_ = flow_target_;
  load_rise_c_ = kLoadRiseMin + kLoadRisePerFlow * (flow_ - kFlowMin);
  DrawUnit();
}

void Pump::Renew() {
  DrawUnit();
  ++unit_;
}

void Pump::DrawUnit() {
  // Every draw of a unit comes from the life stream, so renewing never shifts the signal noise.
  life_s_ = life_random_.Weibull(spec_.life_shape, scale_s_);
  baseline_zone_ = life_random_.Uniform(0.3, 0.7);
  bearing_offset_c_ = life_random_.Uniform(-2.0, 2.0);
  age_s_ = 0;
}

void Pump::StepOperatingPoint() {
  if (signal_random_.Chance(flow_change_probability_)) flow_target_ = signal_random_.Uniform(0.72, 1.08);
  flow_ += (flow_target_ - flow_) * flow_alpha_ + flow_noise_ * signal_random_.Normal();
  flow_ = std::clamp(flow_, kFlowMin, kFlowMax);
  const double settled = kLoadRiseMin + kLoadRisePerFlow * (flow_ - kFlowMin);
  load_rise_c_ += (settled - load_rise_c_) * thermal_alpha_;
}

double Pump::Vibration(double position, double axis_offset, HealthState state, double since_failure_s) {
  const bool broken = state == HealthState::kBroken;
  if (broken) position = kBrokenPosition + kBrokenRise * (1 - std::exp(-since_failure_s / 60));
  const double noise = (broken ? kBrokenVibrationNoise : kVibrationNoise) * signal_random_.Normal();
  const double p = position + axis_offset + kVibrationPerFlow * (flow_ - kFlowNominal) + noise;
  const ZoneRange range = RangeOf(state);
  return VelocityAt(Fold(p, range.lo, range.hi), limits_);
}

PumpReading Pump::Next(Timestamp time) {
  StepOperatingPoint();
  age_s_ += dt_s_;

  PumpReading r;
  r.time = time;
  r.damage = std::min(1.0, std::pow(age_s_ / life_s_, kDamageExponent));
  r.state = StateOf(age_s_, life_s_, r.damage);
  r.remaining_s = std::max(0.0, life_s_ - age_s_);
  const bool broken = r.state == HealthState::kBroken;
  const double since_failure = broken ? age_s_ - life_s_ : 0.0;

  const double position = ZonePosition(r.damage, baseline_zone_);
  r.vibration_x = Vibration(position, kAxisOffset[0], r.state, since_failure);
  r.vibration_y = Vibration(position, kAxisOffset[1], r.state, since_failure);
  r.vibration_z = Vibration(position, kAxisOffset[2], r.state, since_failure);

  double temperature = spec_.ambient_c + bearing_offset_c_ + load_rise_c_ + kWearRise * r.damage;
  if (broken) temperature += kBrokenHeatRise * (1 - std::exp(-since_failure / kBrokenHeatTauS));
  r.bearing_temperature = temperature + kTemperatureNoise * signal_random_.Normal();

  // The pump curve: head falls with the square of the flow; the shaft power rises with the flow.
  const double pressure_noise = signal_random_.Normal();
  const double current_noise = signal_random_.Normal();
  const double rated_p = spec_.rated_pressure_bar;
  const double rated_i = spec_.rated_current_a;
  double pressure = rated_p * (1.25 - 0.25 * flow_ * flow_) * (1 - kWearPressureLoss * r.damage);
  double current = rated_i * (0.45 + 0.55 * flow_) * (1 + kWearCurrentGain * r.damage);
  if (broken) {
    const double collapse =
        kBrokenPressureFloor + (1 - kBrokenPressureFloor) * std::exp(-since_failure / kBrokenPressureTauS);
    pressure = pressure * collapse + kBrokenPressureNoise * rated_p * collapse * pressure_noise;
    const double spike = kBrokenCurrentSpike * std::exp(-since_failure / kBrokenCurrentTauS);
    current = rated_i * (kBrokenCurrent + spike) * (1 + kBrokenCurrentNoise * current_noise);
  } else {
    pressure += kPressureNoise * rated_p * pressure_noise;
    current += kCurrentNoise * rated_i * current_noise;
  }
  r.discharge_pressure = std::max(0.0, pressure);
  r.motor_current = std::max(0.0, current);
  return r;
}

}  // namespace mw::sim
