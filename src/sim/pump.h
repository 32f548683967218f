// Pump: the twin of a centrifugal pump that wears out, reading by reading.
//
// Signals of each reading: vibration velocity RMS on three axes (mm/s; x horizontal, y vertical,
// z axial), bearing temperature (degC), discharge pressure (bar) and motor current (A). A slow
// random operating point (the flow, as a fraction of the best-efficiency flow) moves them all: more
// flow means less head, more current, a warmer bearing and a little more vibration.
//
// Wear: each unit has a life drawn from a Weibull distribution (shape `life_shape`, 2.5 by default:
// a wear-out failure whose hazard rises with age, in the 2..3 band commonly used for bearing wear;
// classic L10 fatigue uses a shape nearer 1.1..1.5, which would give too many infant failures for a
// demonstration twin). The scale is chosen so that the mean life is the mode's: nominal 27 h,
// accelerated 20 min, stress 2.5 min (mean = scale * Gamma(1 + 1/shape)). The damage is
// d = min(1, (age / life)^3), slow at first and fast near the end, and sets the health state:
//   HEALTHY  d < 0.3   (the first ~67% of the life)
//   WARNING  d < 0.65  (to ~87%)
//   FAULTY   d < 1     (until the life is spent)
//   BROKEN   age >= life
// The state follows ISO 10816-1 for the spec's machine class: every vibration axis of a HEALTHY
// reading is in zone A or B, WARNING in zone C, FAULTY in zone D, and BROKEN far into zone D (at
// least 1.7 times the C/D boundary). Noise around the degradation curve is folded back at a zone
// boundary rather than crossing it, so the zone of a reading always tells its state. As the unit
// wears the bearing runs hotter (up to +28 degC at the end of the life), the discharge pressure
// drops (up to -12%, internal leakage) and the motor current rises (up to +15%, friction).
//
// Broken: the unit has failed and keeps being driven (no motor protection is modelled, so that
// the failure shows in every signal): the seized bearing shakes far into zone D and heats up by a
// further ~35 degC over a few minutes, the discharge pressure collapses to ~10% of its value within
// a minute, and the motor current spikes to ~2x rated, then stays erratic around 1.6x. The pump
// stays broken until Renew() puts a new unit in (a new life drawn, age 0).
//
// Each reading carries ground truth beside the signals (state, damage, remaining useful life);
// it is never published. The model is deterministic: the same spec (seed included) gives the same
// readings, whatever the wall clock. Time enters only as `interval_ns` (the simulated clock) and
// the stamp passed to Next(), so a whole life runs as fast as the CPU allows. Lives draw from their
// own random stream: the signal noise and operating point are the same whatever the lives. Not
// thread-safe: one owner at a time.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/types.h"
#include "sim/health.h"
#include "sim/random.h"

namespace mw::sim {

// ISO 10816-1 evaluation zones of vibration velocity RMS. A new machine, B unrestricted long-term
// operation, C restricted operation, D damage likely.
enum class IsoZone : std::uint8_t { kA = 0, kB = 1, kC = 2, kD = 3 };
std::string_view IsoZoneName(IsoZone zone);  // "A" .. "D"

// The zone boundaries of a machine class, in mm/s.
struct IsoZoneLimits {
  double ab = 0;  // A/B
  double bc = 0;  // B/C
  double cd = 0;  // C/D
};

// Machine classes 1..4 (I small machines up to 15 kW; II medium, 15..75 kW; III large on rigid
// foundations; IV large on soft foundations). A class outside 1..4 is clamped into it.
IsoZoneLimits IsoLimits(int machine_class);
// The zone of a velocity: a value on a boundary belongs to the worse zone.
IsoZone IsoZoneOf(double velocity_mm_s, int machine_class);
// "I".."IV" or "1".."4"; nullopt otherwise.
std::optional<int> ParseMachineClass(std::string_view text);

// How fast the unit wears: its mean life.
enum class PumpMode : std::uint8_t { kNominal = 0, kAccelerated = 1, kStress = 2 };
std::string_view PumpModeName(PumpMode mode);                  // "nominal", "accelerated", "stress"
std::optional<PumpMode> ParsePumpMode(std::string_view name);  // the names above
double MeanLifeSeconds(PumpMode mode);                         // 27 h, 20 min, 2.5 min

struct PumpSpec {
  PumpMode mode = PumpMode::kNominal;
  double mean_life_s = 0;                      // > 0 overrides the mode's mean life
  double life_shape = 2.5;                     // Weibull shape, > 0
  int machine_class = 2;                       // ISO 10816-1, 1..4
  std::int64_t interval_ns = kNanosPerSecond;  // time between two readings, > 0
  double rated_pressure_bar = 6.0;             // discharge pressure at the best-efficiency flow
  double rated_current_a = 40.0;               // motor current at the best-efficiency flow
  double ambient_c = 25.0;
  std::uint64_t seed = 1;
};

// The Weibull scale of the spec's life: mean life / Gamma(1 + 1/shape).
double LifeScaleSeconds(const PumpSpec& spec);

struct PumpReading {
  Timestamp time = 0;      // ns since the epoch
  double vibration_x = 0;  // mm/s
  double vibration_y = 0;
  double vibration_z = 0;
  double bearing_temperature = 0;  // degC
  double discharge_pressure = 0;   // bar
  double motor_current = 0;        // A
  // Ground truth, not published.
  HealthState state = HealthState::kHealthy;
  double damage = 0;       // 0 new .. 1 failed
  double remaining_s = 0;  // remaining useful life; 0 once broken
};

// The signals in the order of PumpSignalValues().
inline constexpr std::array<std::string_view, 6> kPumpSignalNames{"vibration_x",        "vibration_y",
                                                                  "vibration_z",        "bearing_temperature",
                                                                  "discharge_pressure", "motor_current"};
std::array<double, 6> PumpSignalValues(const PumpReading& reading);

class Pump {
 public:
  // `spec` must have interval_ns > 0, life_shape > 0 and machine_class in 1..4 (clamped if not).
  explicit Pump(const PumpSpec& spec);

  // Advances the model by one interval (the unit ages by it) and returns the reading, stamped
  // `time`.
  PumpReading Next(Timestamp time);

  // A new unit: a new life drawn, age 0. The operating point and the housing carry on.
  void Renew();

  double life_s() const { return life_s_; }  // life of the current unit
  double age_s() const { return age_s_; }
  bool broken() const { return age_s_ >= life_s_; }
  int unit() const { return unit_; }  // 0 for the first unit, +1 per Renew()
  const PumpSpec& spec() const { return spec_; }

 private:
  void DrawUnit();
  void StepOperatingPoint();
  double Vibration(double zone_position, double axis_offset, HealthState state, double since_failure_s);

  PumpSpec spec_;
  IsoZoneLimits limits_;
  double dt_s_;
  double scale_s_;  // Weibull scale of a life
  // Per-step constants derived from the interval.
  double flow_change_probability_;
  double flow_alpha_;
  double flow_noise_;
  double thermal_alpha_;
  Random signal_random_;
  Random life_random_;
  // The unit.
  double life_s_ = 0;
  double age_s_ = 0;
  int unit_ = 0;
  double baseline_zone_ = 0.5;  // vibration of the new unit, as a zone position
  double bearing_offset_c_ = 0;
  // The plant.
  double flow_ = 0.9;  // fraction of the best-efficiency flow
  double flow_target_ = 0.9;
  double load_rise_c_ = 0;  // lagged temperature rise from the load
};

}  // namespace mw::sim
