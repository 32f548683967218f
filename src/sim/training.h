// Training mode: complete lives of simulated units, run as fast as the CPU allows on a simulated
// clock, written as a labelled dataset for the models (issue: health classification and RUL).
//
// Unit k is machine k of a group of the chosen twin (its seed derived from `seed` and k); it runs
// from new until its ground truth says BROKEN and then on, broken, for `broken_readings` readings
// (so that a classifier sees what a failed machine looks like), or until 20 mean lives have passed.
// Timestamps start at `origin` for every unit. Optional chaos (random faults at the given rates, one engine
// per unit) alters the published values exactly as a live fleet would.
//
// Files in `out_dir` (created if missing):
//   lifecycles.csv  unit,ts_ms,<signal>...,state,damage,rul_s,fault
//                   one row per reading; `state` HEALTHY/WARNING/FAULTY/BROKEN, `damage` 0..1,
//                   `rul_s` the seconds left until BROKEN, `fault` the injected anomalies active on
//                   that row ("" none, several joined by '+': the twin's own and the chaos kinds);
//                   a value the chaos engine dropped is empty
//   faults.csv      the chaos ground truth: kind,asset,signal,start_ns,end_ns,magnitude
//   dataset.toml    what produced the data: twin, mode, seed, interval, units, rows
// The same spec gives the same bytes.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "sim/fleet_config.h"

namespace mw::sim {

struct TrainingSpec {
  TwinType type = TwinType::kPump;
  LifeMode mode = LifeMode::kNominal;
  int iso_class = 2;
  int lifecycles = 10;
  int broken_readings = 50;      // BROKEN rows per unit, the first at the failure; 1..100000
  std::int64_t interval_ns = 0;  // 0: the mode's default (DefaultTrainingInterval)
  std::uint64_t seed = 1;
  double chaos_per_hour = 0;  // random faults per hour of each chaos kind but network_outage; 0: none
  Timestamp origin = 1'767'225'600LL * kNanosPerSecond;  // 2026-01-01T00:00:00Z
  std::string out_dir;
};

struct TrainingSummary {
  int units = 0;
  std::uint64_t rows = 0;
  double simulated_s = 0;  // sum of the units' lives
  int chaos_events = 0;
};

// About 1,500 readings per mean life: 1 min (nominal), 1 s (accelerated), 100 ms (stress).
std::int64_t DefaultTrainingInterval(LifeMode mode);

// InvalidArgument for a twin that does not age (rotating), lifecycles < 1 or broken_readings out of
// range; IoError if a file
// cannot be written.
Result<TrainingSummary> RunTraining(const TrainingSpec& spec);

}  // namespace mw::sim
