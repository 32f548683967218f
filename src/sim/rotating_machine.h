// RotatingMachine: the signal model of a motor, fan or pump shaft, reading by reading.
//
// A slow random load process drives the speed (rpm); the temperature follows the load through a
// first-order thermal lag; the vibration (velocity RMS) grows with the square of the speed and
// carries measurement noise. Normal readings stay inside the configured ranges. Optional injected
// anomalies (spikes and steps in vibration or temperature) push values above the normal level,
// possibly past the range, so that detectors have something to find; each reading says which
// anomaly, if any, it carries (ground truth for tests; it is not published).
//
// The model is deterministic: the same spec (seed included) gives the same readings, whatever the
// wall clock. Time enters only as `interval_ns` (the model's step) and as the stamp passed to
// Next(). The anomalies draw from their own random stream, so changing `anomaly_rate` leaves the
// underlying signal unchanged. Not thread-safe: one owner at a time.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/types.h"
#include "sim/random.h"

namespace mw::sim {

struct Range {
  double min = 0;
  double max = 0;
  double span() const { return max - min; }
};

struct RotatingMachineSpec {
  Range temperature{40.0, 80.0};  // degC
  Range vibration{0.5, 7.0};      // mm/s, velocity RMS
  Range rpm{900.0, 3000.0};
  std::int64_t interval_ns = kNanosPerSecond;  // time between two readings
  double anomaly_rate = 0;                     // probability, per reading, that an anomaly starts (0 to 1)
  std::uint64_t seed = 1;
};

enum class AnomalyKind : std::uint8_t {
  kNone = 0,
  kVibrationSpike,    // one reading, vibration far above normal
  kVibrationStep,     // vibration raised for a run of readings (a loosened mount, an unbalance)
  kTemperatureSpike,  // one reading, temperature far above normal
  kTemperatureStep,   // temperature raised for a run of readings (a cooling fault)
};

struct Reading {
  Timestamp time = 0;  // ns since the epoch
  double temperature = 0;
  double vibration = 0;
  double rpm = 0;
  AnomalyKind anomaly = AnomalyKind::kNone;
};

class RotatingMachine {
 public:
  // `spec` must have min < max for every range and interval_ns > 0 (LoadFleetConfig checks this).
  explicit RotatingMachine(const RotatingMachineSpec& spec);

  // Advances the model by one interval and returns the reading, stamped `time`.
  Reading Next(Timestamp time);

  const RotatingMachineSpec& spec() const { return spec_; }

 private:
  void StepLoad();
  void MaybeStartAnomaly();

  RotatingMachineSpec spec_;
  // Per-step constants derived from the interval.
  double load_change_probability_;
  double load_alpha_;
  double load_noise_;
  double thermal_alpha_;
  Random signal_random_;
  Random anomaly_random_;
  double load_ = 0;         // 0..1
  double load_target_ = 0;  // where the load is heading
  double temperature_ = 0;  // the true (lagged) temperature, before noise
  AnomalyKind anomaly_ = AnomalyKind::kNone;
  int anomaly_left_ = 0;  // readings still affected
  double anomaly_size_ = 0;
};

// Appends one reading as a JSON object:
// {"ts":<unix ms>,"temperature":41.23,"vibration":2.310,"rpm":1480.2}
void AppendReadingJson(const Reading& reading, std::string& out);

// The payload of one message: a single object for one reading, a JSON array for several.
std::string ReadingsPayload(std::span<const Reading> readings);

}  // namespace mw::sim
