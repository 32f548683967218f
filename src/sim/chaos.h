// ChaosEngine: injects faults into the readings of any twins and keeps the ground truth of each.
//
// Kinds of fault, and what `magnitude` means for each (0 in a schedule: the default in brackets):
//   vibration_glitch  a short spike: vibration values multiplied by the magnitude            [4]
//   heat_wave         degC added to temperatures at the peak; it ramps in and out smoothly
//                     over min(duration / 3, 10 min) each way                                [15]
//   stuck_sensor      the value of the first reading in the window is repeated to its end   [-]
//   dropout           readings not published: a whole reading (signal "*") or one value
//                     (set to NaN, which AppendRecordJson writes as null)                   [-]
//   noise_burst       Gaussian noise added, standard deviation = magnitude * |value|        [0.1]
//   clock_skew        seconds added to the timestamps of an asset (may be negative)         [5]
//   network_outage    NetworkDown() is true: the publisher goes silent, a server refuses    [-]
// A fault targets an asset by name (or its last path component: "pump-01" matches
// "plant/line1/pump-01"; the first asset declared that matches) or "*" for all, and a signal by
// name or "*". With "*", a glitch touches
// the vibration signals, a heat wave the temperature signals (SignalClass of twin.h), the others
// every signal. A clock belongs to the asset, so clock_skew ignores the signal; an outage is of the
// network, so it ignores both.
//
// Faults come from a schedule (offsets from `origin`) and, independently, from a random process:
// for each kind with a rate, a Poisson process of events per hour starting at the first time the
// engine sees (or `origin` if later), with durations and magnitudes drawn uniformly:
//   vibration_glitch  1..3 s, x3..x6, one asset              dropout       10..120 s, one asset
//   heat_wave         20..60 min, +15 degC, every asset      noise_burst   30 s..5 min, 0.05..0.15,
//   stuck_sensor      2..10 min, one signal of one asset                   one signal of one asset
//   clock_skew        5..30 min, 2..30 s either way, one asset
//   network_outage    10..120 s
// Random events are drawn lazily as time advances, one random stream per kind, so the same seed,
// assets and first time give the same events whatever the order of later calls (the noise of a
// noise burst follows the order of Apply() calls). The engine has its own random streams and never
// touches a twin's: readings outside a fault are exactly what the twin produced.
//
// Ground truth: AppliedEvents() lists every fault that took effect, in order of start: one that
// changed, held or dropped a value of some reading, skewed a timestamp, or made NetworkDown() true.
// A fault that touched nothing (an asset without temperatures in a heat wave, a window between two
// readings, a window not reached yet, an unknown name) is not listed.
//
// Usage: set `origin` to the start of the run (the schedule counts from it), AddAsset() every asset;
// then, per reading, Apply() on the twin's values before publishing, and NetworkDown() before each
// publish or server turn. Not thread-safe: one owner (the fleet's thread).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/types.h"
#include "sim/random.h"
#include "sim/twin.h"

namespace mw::sim {

enum class ChaosKind : std::uint8_t {
  kVibrationGlitch = 0,
  kHeatWave,
  kStuckSensor,
  kDropout,
  kNoiseBurst,
  kClockSkew,
  kNetworkOutage,
};
inline constexpr std::size_t kChaosKindCount = 7;

// "vibration_glitch", "heat_wave", "stuck_sensor", "dropout", "noise_burst", "clock_skew",
// "network_outage".
std::string_view ChaosKindName(ChaosKind kind);
std::optional<ChaosKind> ParseChaosKind(std::string_view name);
// The magnitude a scheduled fault gets when it gives 0 (table above; 0 where unused).
double DefaultMagnitude(ChaosKind kind);

inline constexpr std::string_view kAllTargets = "*";

// One fault of a schedule.
struct ScheduledFault {
  ChaosKind kind = ChaosKind::kDropout;
  std::string asset{kAllTargets};
  std::string signal{kAllTargets};
  std::int64_t start_ns = 0;  // after ChaosSpec::origin
  std::int64_t duration_ns = 0;
  double magnitude = 0;  // 0: DefaultMagnitude(kind)
};

struct ChaosSpec {
  Timestamp origin = 0;  // time zero of the schedule; random events start no earlier
  std::vector<ScheduledFault> schedule;
  std::uint64_t seed = 1;                               // of the random events and the noise
  std::array<double, kChaosKindCount> rate_per_hour{};  // random events per hour, by kind; 0 none

  double& rate(ChaosKind kind) { return rate_per_hour[static_cast<std::size_t>(kind)]; }
};

// A fault as it happened: ground truth.
struct ChaosEvent {
  ChaosKind kind = ChaosKind::kDropout;
  std::string asset;   // as targeted: a name or "*"
  std::string signal;  // a name or "*"
  Timestamp start = 0;
  Timestamp end = 0;  // exclusive
  double magnitude = 0;
};

class ChaosEngine {
 public:
  explicit ChaosEngine(ChaosSpec spec);

  // Declares an asset and the signals of its readings, in the order Apply() receives them; returns
  // the index Apply() takes. Add every asset before the first Apply() or NetworkDown().
  std::size_t AddAsset(std::string name, std::span<const SignalDef> signals);

  // InvalidArgument naming every scheduled fault whose asset or signal matches nothing declared, or
  // whose duration is not positive. Such faults are harmless but would never happen.
  Status CheckSchedule() const;

  // Applies the faults active at `time` to one reading of `asset`: may change `values`, set some to
  // NaN (dropped values) and skew `time`. Returns false if the whole reading must not be published.
  // The times of one asset should not go backwards (if they do, its faults are re-read from the
  // start and stuck values re-frozen). An unknown asset is left alone.
  bool Apply(std::size_t asset, Timestamp& time, std::span<double> values);

  // True while a network outage is active at `now`.
  bool NetworkDown(Timestamp now);

  // The faults that took effect so far, in order of start.
  std::vector<ChaosEvent> AppliedEvents() const;
  // The same as CSV: the header "kind,asset,signal,start_ns,end_ns,magnitude", then one row per
  // event; times in ns since the epoch.
  std::string AppliedEventsCsv() const;

 private:
  static constexpr std::size_t kNone = SIZE_MAX;  // an asset that matches nothing
  static constexpr std::size_t kAll = SIZE_MAX - 1;

  struct Fault {
    ChaosEvent event;
    std::size_t asset = kAll;  // resolved index, kAll or kNone
    bool took_effect = false;
  };
  // A fault active on one asset: the signals it touches there, and what a stuck sensor holds.
  struct Active {
    std::size_t fault = 0;
    std::vector<std::size_t> signals;
    std::vector<double> held;  // stuck_sensor: per signal, once holding
    bool holding = false;
  };
  // Where one consumer (an asset, or the network) is in the list of faults.
  struct Cursor {
    std::size_t next = 0;
    std::vector<Active> active;
    Timestamp last = INT64_MIN;
  };
  struct Asset {
    std::string name;
    std::vector<SignalDef> signals;
    Cursor cursor;
  };

  void ExtendTo(Timestamp t);
  void AddRandomFault(ChaosKind kind);
  std::size_t ResolveAsset(std::string_view target) const;
  Active Activate(std::size_t fault, const Asset& asset) const;
  // Brings `cursor` to `now`: faults started are taken in if `make` gives an Active for them,
  // faults ended are dropped.
  template <typename Make>
  void Advance(Cursor& cursor, Timestamp now, Make make);
  bool ApplyOne(Active& active, Timestamp now, Timestamp& time, std::span<double> values);

  ChaosSpec spec_;
  std::vector<Asset> assets_;
  std::vector<ScheduledFault> pending_;  // the schedule, by start; not yet in faults_
  std::size_t next_pending_ = 0;
  std::vector<Fault> faults_;  // every fault known so far, in order of start
  bool started_ = false;
  std::array<Timestamp, kChaosKindCount> next_random_{};  // start of each kind's next random fault
  std::vector<Random> kind_random_;
  Random noise_random_;
  Cursor network_;
};

}  // namespace mw::sim
