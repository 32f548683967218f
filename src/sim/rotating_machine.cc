#include "sim/rotating_machine.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace mw::sim {
namespace {

// Time constants of the physical model, in seconds.
constexpr double kLoadChangeMeanS = 300;  // mean time between changes of the load set point
constexpr double kLoadTauS = 20;          // how fast the load follows its set point
constexpr double kLoadNoisePerSqrtS = 0.004;
constexpr double kThermalTauS = 180;  // thermal lag of the housing

// Noise, as fractions of each range.
constexpr double kRpmNoise = 0.002;
constexpr double kTemperatureNoise = 0.004;
constexpr double kVibrationNoise = 0.03;

// Anomaly steps last this many readings, at least.
constexpr int kStepMinReadings = 20;
constexpr int kStepExtraReadings = 180;

double Clamp(double v, const Range& r) { return std::clamp(v, r.min, r.max); }

void AppendFixed(double v, int decimals, std::string& out) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  if (ec != std::errc()) {
    out += "null";
    return;
  }
  out.append(buf, end);
}

}  // namespace

RotatingMachine::RotatingMachine(const RotatingMachineSpec& spec)
    : spec_(spec), signal_random_(spec.seed), anomaly_random_(spec.seed ^ 0xA076'1D64'78BD'642FULL) {
  const double dt = static_cast<double>(spec.interval_ns) / kNanosPerSecond;
  load_change_probability_ = 1.0 - std::exp(-dt / kLoadChangeMeanS);
  load_alpha_ = 1.0 - std::exp(-dt / kLoadTauS);
  load_noise_ = kLoadNoisePerSqrtS * std::sqrt(dt);
  thermal_alpha_ = 1.0 - std::exp(-dt / kThermalTauS);
  load_target_ = 0.2 + 0.6 * signal_random_.Uniform();
  load_ = load_target_;
  temperature_ = spec_.temperature.min + (0.1 + 0.75 * load_) * spec_.temperature.span();
}

void RotatingMachine::StepLoad() {
  if (signal_random_.Uniform() < load_change_probability_) {
    load_target_ = 0.1 + 0.9 * signal_random_.Uniform();
  }
  load_ += (load_target_ - load_) * load_alpha_ + load_noise_ * signal_random_.Normal();
  load_ = std::clamp(load_, 0.0, 1.0);
}

void RotatingMachine::MaybeStartAnomaly() {
  if (anomaly_left_ > 0 || spec_.anomaly_rate <= 0) return;
  if (anomaly_random_.Uniform() >= spec_.anomaly_rate) return;
  const double u = anomaly_random_.Uniform();
  const int step_length = kStepMinReadings + static_cast<int>(kStepExtraReadings * anomaly_random_.Uniform());
  switch (anomaly_random_.Bits() % 4) {
    case 0:
      anomaly_ = AnomalyKind::kVibrationSpike;
      anomaly_left_ = 1;
      anomaly_size_ = (0.5 + 0.5 * u) * spec_.vibration.span();
      break;
    case 1:
      anomaly_ = AnomalyKind::kVibrationStep;
      anomaly_left_ = step_length;
      anomaly_size_ = (0.25 + 0.15 * u) * spec_.vibration.span();
      break;
    case 2:
      anomaly_ = AnomalyKind::kTemperatureSpike;
      anomaly_left_ = 1;
      anomaly_size_ = (0.2 + 0.2 * u) * spec_.temperature.span();
      break;
    default:
      anomaly_ = AnomalyKind::kTemperatureStep;
      anomaly_left_ = step_length;
      anomaly_size_ = (0.15 + 0.1 * u) * spec_.temperature.span();
      break;
  }
}

Reading RotatingMachine::Next(Timestamp time) {
  StepLoad();
  Reading r;
  r.time = time;

  const Range& rpm = spec_.rpm;
  r.rpm = Clamp(rpm.min + load_ * rpm.span() + kRpmNoise * rpm.span() * signal_random_.Normal(), rpm);

  const Range& temp = spec_.temperature;
  const double settled = temp.min + (0.1 + 0.75 * load_) * temp.span();
  temperature_ += (settled - temperature_) * thermal_alpha_;
  r.temperature = Clamp(temperature_ + kTemperatureNoise * temp.span() * signal_random_.Normal(), temp);

  // Vibration velocity of an unbalance grows with the square of the speed.
  const Range& vib = spec_.vibration;
  const double speed = (r.rpm - rpm.min) / rpm.span();
  const double level = vib.min + (0.08 + 0.55 * speed * speed) * vib.span();
  r.vibration = Clamp(level + kVibrationNoise * vib.span() * signal_random_.Normal(), vib);

  MaybeStartAnomaly();
  if (anomaly_left_ > 0) {
    r.anomaly = anomaly_;
    if (anomaly_ == AnomalyKind::kVibrationSpike || anomaly_ == AnomalyKind::kVibrationStep) {
      r.vibration += anomaly_size_;
    } else {
      r.temperature += anomaly_size_;
    }
    if (--anomaly_left_ == 0) anomaly_ = AnomalyKind::kNone;
  }
  return r;
}

void AppendReadingJson(const Reading& reading, std::string& out) {
  out += "{\"ts\":";
  out += std::to_string(reading.time / kNanosPerMilli);
  out += ",\"temperature\":";
  AppendFixed(reading.temperature, 2, out);
  out += ",\"vibration\":";
  AppendFixed(reading.vibration, 3, out);
  out += ",\"rpm\":";
  AppendFixed(reading.rpm, 1, out);
  out += '}';
}

std::string ReadingsPayload(std::span<const Reading> readings) {
  std::string out;
  out.reserve(80 * readings.size() + 2);
  if (readings.size() == 1) {
    AppendReadingJson(readings[0], out);
    return out;
  }
  out += '[';
  for (std::size_t i = 0; i < readings.size(); ++i) {
    if (i > 0) out += ',';
    AppendReadingJson(readings[i], out);
  }
  out += ']';
  return out;
}

}  // namespace mw::sim
