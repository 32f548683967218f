// Printer: the twin of a metal 3D printer (direct metal laser sintering), record by record.
//
// Each record is one interval of build time: a thermal image of the build plate (a grid of
// temperatures, row-major, degC), the machine's electrical power (kW), its vibration (velocity RMS,
// mm/s) and the layer being built. A layer is `records_per_layer` records: the laser first scans the
// part's cross-section along a serpentine hatch (the melt spot leaves a trail that cools with a
// thermal time constant and spreads sideways by diffusion), then the recoater blade sweeps a fresh
// powder layer across the plate for the last `recoat_records` (laser off, blade motor on, a
// vibration burst, the plate quenched behind the blade). The next record starts the next layer,
// hatched in the other direction.
//
// Degradation: the printer has a life drawn from a Weibull distribution (mean `mean_life_s` of build
// time). Damage rises from 0 to 1 over that life; past thresholds of damage, hot spots form (a
// failing recoater blade, contaminated optics: regions held hot whatever the laser does) and grow
// as the damage rises, and the recoater pulls more power and shakes harder. At damage 1 the printer
// is broken: the build stops and the plate cools, hot spots aside, until Renew(). The damage, the
// health state and the hot spots are ground truth for tests; they are not published.
//
// Cost: one record updates the grid in place (one diffusion pass, a trail, sensor noise) with no
// allocation; a 100x100 grid takes tens of microseconds.
//
// The model is deterministic: the same spec (seed included) gives the same records, bytes of the
// grid included, whatever the wall clock. Time enters only as `interval_ns` and as the stamp passed
// to Next(). Wear draws from its own random stream: a twin with `mean_life_s = 0` (no wear) gives
// the same records as a wearing one with the same seed until the first hot spot forms. Not
// thread-safe: one owner at a time.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/types.h"
#include "sim/health.h"
#include "sim/random.h"

namespace mw::sim {

struct PrinterSpec {
  int grid_width = 100;  // cells, at least 8
  int grid_height = 100;
  std::int64_t interval_ns = 5 * kNanosPerSecond;  // build time per record
  int records_per_layer = 20;                      // the layer number rises by one every this many
  int recoat_records = 2;  // the last records of a layer; fewer than records_per_layer
  double ambient_c = 20;   // the grid stays within [ambient_c, max_c]
  double max_c = 80;
  double mean_life_s = 14 * 86400.0;  // mean of the Weibull life, in build time; 0: no wear
  double life_shape = 2.0;            // Weibull shape of the life
  int max_hot_spots = 3;              // how many hot spots form over a life
  std::uint64_t seed = 1;
};

enum class PrinterPhase : std::uint8_t {
  kExposing = 0,  // the laser scans the layer (or has finished it and waits for the recoater)
  kRecoating,     // the recoater spreads the next layer of powder
  kStopped,       // broken: the build has stopped
};

std::string_view PrinterPhaseName(PrinterPhase phase);

// A region held hot by a fault, in grid cells (x: column, y: row).
struct PrinterHotSpot {
  float x = 0;
  float y = 0;
  float radius = 0;         // cells inside it are held near `temperature_c`
  float temperature_c = 0;  // what the fault holds its core at
};

struct PrinterRecord {
  Timestamp time = 0;
  PrinterPhase phase = PrinterPhase::kExposing;
  int layer = 1;          // from 1
  bool laser_on = false;  // the laser fired during this record
  int melt_x = -1;        // the melt spot's last cell in this record; -1 when the laser did not fire
  int melt_y = -1;
  double power_kw = 0;
  double vibration_mm_s = 0;
  int grid_width = 0;
  int grid_height = 0;
  std::span<const float> grid;  // grid_width * grid_height, row-major; valid until the next Next()

  // Ground truth, not published.
  HealthState health = HealthState::kHealthy;
  double damage = 0;                          // 0..1
  std::span<const PrinterHotSpot> hot_spots;  // the ones formed so far; valid until the next Next()
};

class Printer {
 public:
  // `spec` must have a grid of at least 8x8, interval_ns > 0, 0 < recoat_records < records_per_layer,
  // ambient_c < max_c, mean_life_s >= 0, life_shape > 0 and max_hot_spots >= 0.
  explicit Printer(const PrinterSpec& spec);

  // Advances the model by one interval and returns the record, stamped `time`.
  PrinterRecord Next(Timestamp time);

  // A repaired printer: a new life drawn (and new places for its hot spots to form), damage 0, and a
  // new build from layer 1. The plate keeps its heat and cools on.
  void Renew();

  const PrinterSpec& spec() const { return spec_; }
  // The drawn life of the current unit, in build seconds (infinite when the spec has no wear), and
  // the build time it has run. Ground truth.
  double life_s() const { return life_s_; }
  double age_s() const { return age_s_; }

 private:
  struct PendingHotSpot {
    PrinterHotSpot spot;
    double onset = 0;  // the damage at which it forms
  };

  void DrawUnit();
  void CoolAndDiffuse();
  void Deposit(int x, int y, double strength);
  void ScanLaser(int record_in_layer, PrinterRecord& r);
  void SweepRecoater(int recoat_index);
  void UpdateHotSpots();
  void HoldHotSpots();
  void WriteGrid();
  int PathLength(bool along_x) const;
  void PathCell(int index, bool along_x, int* x, int* y) const;
  HealthState Health() const;

  PrinterSpec spec_;
  int exposure_records_;
  // Per-step constants derived from the interval.
  double dt_s_;
  double cool_decay_;     // per diffusion substep
  double diffusion_;      // per diffusion substep, <= 0.2
  int diffusion_steps_;   // substeps per record
  double hot_spot_pull_;  // how far a hot spot pulls its cells toward its temperature per record
  // The part's cross-section on the plate, as a rectangle of cells.
  int part_x0_, part_x1_, part_y0_, part_y1_;
  int hatch_spacing_;
  int cells_per_record_;          // how far the melt spot moves in one record
  int footprint_radius_;          // of the melt spot, in cells
  std::vector<float> footprint_;  // (2r+1)^2 weights of the melt spot's heat around its centre

  Random signal_random_;
  Random wear_random_;
  double life_s_;
  std::vector<float> state_;    // true temperatures
  std::vector<float> scratch_;  // the next state during diffusion
  std::vector<float> grid_;     // what the camera sees: state plus sensor noise
  std::vector<PendingHotSpot> pending_;
  std::vector<PrinterHotSpot> hot_spots_;
  std::int64_t step_ = 0;  // records printed so far
  int layer_ = 1;
  double age_s_ = 0;
  double damage_ = 0;
};

}  // namespace mw::sim
