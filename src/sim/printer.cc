#include "sim/printer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace mw::sim {
namespace {

// Thermal model, for a 100-cell-wide plate (scaled with the grid width).
constexpr double kCoolTauS = 15;               // the plate surface relaxes toward ambient
constexpr double kDiffusionCells2PerS = 0.04;  // lateral spread of heat
constexpr double kMaxDiffusionPerStep = 0.2;   // explicit scheme: stable below 0.25
constexpr double kMeltPeak = 0.9;              // the melt spot lifts its cell this far toward max_c
constexpr double kHatchSpacingCells = 3;       // between scan lines
constexpr double kRecoatQuench = 0.5;          // fresh powder halves the excess heat behind the blade
constexpr float kCameraNoiseC = 0.3f;          // the thermal camera's noise, peak

// Degradation.
constexpr double kWarningDamage = 0.25;
constexpr double kFaultyDamage = 0.5;
constexpr double kFirstHotSpotDamage = 0.25;  // the first hot spot forms with the warning
constexpr double kHotSpotDamageSpread = 0.5;  // the others form over this much more damage
constexpr double kHotSpotTauS = 4;            // how fast a hot spot heats its region
constexpr double kHotSpotMinRadius = 1.5;     // cells, on a 100-cell plate
constexpr double kHotSpotMaxRadius = 6;
constexpr double kHotSpotMinHeat = 0.35;  // fraction of the range above ambient when it forms
constexpr double kHotSpotMaxHeat = 0.9;   // ... and at the end of life

// Power (kW) and vibration (mm/s RMS).
constexpr double kBaseKw = 2.4;  // chiller, gas circulation, plate heating, controls
constexpr double kLaserKw = 1.7;
constexpr double kRecoaterKw = 0.45;
constexpr double kRecoaterWornKw = 0.8;  // extra fraction at full damage: a dragging blade
constexpr double kStandbyKw = 0.9;
constexpr double kPowerNoiseKw = 0.03;
constexpr double kFanMmS = 0.7;
constexpr double kScanMmS = 0.1;  // galvos and the gas flow over the plate
constexpr double kRecoaterMmS = 2.2;
constexpr double kRecoaterWornMmS = 1.5;  // extra fraction at full damage
constexpr double kStoppedMmS = 0.15;
constexpr double kVibrationNoiseMmS = 0.05;

}  // namespace

std::string_view PrinterPhaseName(PrinterPhase phase) {
  switch (phase) {
    case PrinterPhase::kExposing:
      return "EXPOSING";
    case PrinterPhase::kRecoating:
      return "RECOATING";
    case PrinterPhase::kStopped:
      return "STOPPED";
  }
  return "UNKNOWN";
}

Printer::Printer(const PrinterSpec& spec)
    : spec_(spec),
      exposure_records_(spec.records_per_layer - spec.recoat_records),
      dt_s_(static_cast<double>(spec.interval_ns) / kNanosPerSecond),
      signal_random_(DeriveSeed(spec.seed, 0)),
      wear_random_(DeriveSeed(spec.seed, 1)) {
  const int w = spec.grid_width, h = spec.grid_height;
  const double scale = w / 100.0;  // the physical constants are per cell of a 100-cell plate

  const double diffusion = kDiffusionCells2PerS * scale * scale * dt_s_;
  diffusion_steps_ = std::max(1, static_cast<int>(std::ceil(diffusion / kMaxDiffusionPerStep)));
  diffusion_ = diffusion / diffusion_steps_;
  cool_decay_ = std::exp(-dt_s_ / kCoolTauS / diffusion_steps_);
  hot_spot_pull_ = 1.0 - std::exp(-dt_s_ / kHotSpotTauS);

  // The part: a rectangle somewhere in the middle of the plate.
  part_x0_ = static_cast<int>(w * signal_random_.Uniform(0.10, 0.25));
  part_x1_ = static_cast<int>(w * signal_random_.Uniform(0.75, 0.90)) - 1;
  part_y0_ = static_cast<int>(h * signal_random_.Uniform(0.10, 0.25));
  part_y1_ = static_cast<int>(h * signal_random_.Uniform(0.75, 0.90)) - 1;
  hatch_spacing_ = std::max(1, static_cast<int>(std::lround(kHatchSpacingCells * scale)));
  const int longest = std::max(PathLength(true), PathLength(false));
  cells_per_record_ = (longest + exposure_records_ - 1) / exposure_records_;

  footprint_radius_ = std::max(1, static_cast<int>(std::lround(scale)));
  const int r = footprint_radius_;
  for (int dy = -r; dy <= r; ++dy) {
    for (int dx = -r; dx <= r; ++dx) {
      footprint_.push_back(static_cast<float>(std::exp(-static_cast<double>(dx * dx + dy * dy) / (r * r))));
    }
  }

  pending_.reserve(static_cast<std::size_t>(spec.max_hot_spots));
  hot_spots_.reserve(static_cast<std::size_t>(spec.max_hot_spots));  // so that forming one never allocates
  DrawUnit();

  const std::size_t cells = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
  state_.assign(cells, static_cast<float>(spec.ambient_c));
  scratch_.assign(cells, static_cast<float>(spec.ambient_c));
  grid_.assign(cells, static_cast<float>(spec.ambient_c));
}

void Printer::DrawUnit() {
  if (spec_.mean_life_s > 0) {
    const double weibull_scale = spec_.mean_life_s / std::tgamma(1.0 + 1.0 / spec_.life_shape);
    life_s_ = wear_random_.Weibull(spec_.life_shape, weibull_scale);
  } else {
    life_s_ = std::numeric_limits<double>::infinity();
  }
  pending_.clear();
  hot_spots_.clear();
  for (int k = 0; k < spec_.max_hot_spots; ++k) {
    PendingHotSpot p;
    p.onset = kFirstHotSpotDamage + kHotSpotDamageSpread * k / spec_.max_hot_spots;
    p.spot.x = static_cast<float>(spec_.grid_width * wear_random_.Uniform(0.1, 0.9));
    p.spot.y = static_cast<float>(spec_.grid_height * wear_random_.Uniform(0.1, 0.9));
    pending_.push_back(p);
  }
  age_s_ = 0;
  damage_ = 0;
}

void Printer::Renew() {
  DrawUnit();
  step_ = 0;
  layer_ = 1;
}

int Printer::PathLength(bool along_x) const {
  const int across = along_x ? part_y1_ - part_y0_ : part_x1_ - part_x0_;
  const int along = along_x ? part_x1_ - part_x0_ + 1 : part_y1_ - part_y0_ + 1;
  return (across / hatch_spacing_ + 1) * along;
}

// The serpentine hatch: line after line, each scanned the other way from the one before.
void Printer::PathCell(int index, bool along_x, int* x, int* y) const {
  const int along = along_x ? part_x1_ - part_x0_ + 1 : part_y1_ - part_y0_ + 1;
  const int line = index / along;
  const int pos = index % along;
  const int a = line % 2 == 0 ? pos : along - 1 - pos;
  const int b = line * hatch_spacing_;
  *x = along_x ? part_x0_ + a : part_x0_ + b;
  *y = along_x ? part_y0_ + b : part_y0_ + a;
}

HealthState Printer::Health() const {
  if (damage_ >= 1) return HealthState::kBroken;
  if (damage_ >= kFaultyDamage) return HealthState::kFaulty;
  if (damage_ >= kWarningDamage) return HealthState::kWarning;
  return HealthState::kHealthy;
}

// Newton cooling toward ambient plus explicit diffusion with insulated edges. Every new value is
// a convex combination of old ones and ambient, so the grid cannot leave its range.
void Printer::CoolAndDiffuse() {
  const int w = spec_.grid_width, h = spec_.grid_height;
  const float ambient = static_cast<float>(spec_.ambient_c);
  const float decay = static_cast<float>(cool_decay_);
  const float alpha = static_cast<float>(diffusion_);
  for (int s = 0; s < diffusion_steps_; ++s) {
    for (int y = 0; y < h; ++y) {
      const float* row = state_.data() + static_cast<std::ptrdiff_t>(y) * w;
      const float* up = y > 0 ? row - w : row;
      const float* down = y < h - 1 ? row + w : row;
      float* out = scratch_.data() + static_cast<std::ptrdiff_t>(y) * w;
      for (int x = 0; x < w; ++x) {
        const float left = row[x > 0 ? x - 1 : x];
        const float right = row[x < w - 1 ? x + 1 : x];
        const float laplacian = up[x] + down[x] + left + right - 4 * row[x];
        out[x] = ambient + decay * (row[x] - ambient + alpha * laplacian);
      }
    }
    std::swap(state_, scratch_);
  }
}

// Heats the cells around (x, y): each moves `strength` (0..1, times the footprint) of the way to
// max_c, so a cell heated twice gains less the second time and never passes max_c.
void Printer::Deposit(int x, int y, double strength) {
  const int w = spec_.grid_width, h = spec_.grid_height, r = footprint_radius_;
  const float top = static_cast<float>(spec_.max_c);
  const float s = static_cast<float>(strength);
  for (int dy = -r; dy <= r; ++dy) {
    const int cy = y + dy;
    if (cy < 0 || cy >= h) continue;
    for (int dx = -r; dx <= r; ++dx) {
      const int cx = x + dx;
      if (cx < 0 || cx >= w) continue;
      float& t = state_[static_cast<std::size_t>(cy) * w + cx];
      const int k = (dy + r) * (2 * r + 1) + dx + r;
      t += s * footprint_[static_cast<std::size_t>(k)] * (top - t);
    }
  }
}

// The melt spot moves at a constant speed over the record; the trail it left earlier in the record
// has had time to cool, so the cells just behind the spot are the hottest.
void Printer::ScanLaser(int record_in_layer, PrinterRecord& r) {
  const bool along_x = layer_ % 2 == 1;
  const int length = PathLength(along_x);
  const int begin = record_in_layer * cells_per_record_;
  if (begin >= length) return;  // the layer is done: wait for the recoater
  const int end = std::min(length, begin + cells_per_record_);
  int x = 0, y = 0;
  for (int i = begin; i < end; ++i) {
    const double left_s = dt_s_ * (begin + cells_per_record_ - 1 - i) / cells_per_record_;
    PathCell(i, along_x, &x, &y);
    Deposit(x, y, kMeltPeak * std::exp(-left_s / kCoolTauS));
  }
  r.laser_on = true;
  r.melt_x = x;
  r.melt_y = y;
}

// The blade crosses the plate over the recoat records, left to right; fresh powder behind it
// takes up part of the heat of the layer below.
void Printer::SweepRecoater(int recoat_index) {
  const int w = spec_.grid_width, h = spec_.grid_height;
  const int x0 = w * recoat_index / spec_.recoat_records;
  const int x1 = w * (recoat_index + 1) / spec_.recoat_records;
  const float ambient = static_cast<float>(spec_.ambient_c);
  const float keep = static_cast<float>(kRecoatQuench);
  for (int y = 0; y < h; ++y) {
    float* row = state_.data() + static_cast<std::ptrdiff_t>(y) * w;
    for (int x = x0; x < x1; ++x) row[x] = ambient + keep * (row[x] - ambient);
  }
}

void Printer::UpdateHotSpots() {
  const double scale = spec_.grid_width / 100.0;
  const double span = spec_.max_c - spec_.ambient_c;
  // Pending spots are in order of onset, so the formed ones are a prefix.
  while (hot_spots_.size() < pending_.size() && damage_ >= pending_[hot_spots_.size()].onset) {
    hot_spots_.push_back(pending_[hot_spots_.size()].spot);
  }
  for (std::size_t k = 0; k < hot_spots_.size(); ++k) {
    const double onset = pending_[k].onset;
    const double growth = std::clamp((damage_ - onset) / (1.0 - onset), 0.0, 1.0);
    hot_spots_[k].radius =
        static_cast<float>(scale * (kHotSpotMinRadius + (kHotSpotMaxRadius - kHotSpotMinRadius) * growth));
    hot_spots_[k].temperature_c = static_cast<float>(
        spec_.ambient_c + span * (kHotSpotMinHeat + (kHotSpotMaxHeat - kHotSpotMinHeat) * growth));
  }
}

// A hot spot pulls the cells inside its radius toward its temperature (never cools them), with a
// one-cell soft edge.
void Printer::HoldHotSpots() {
  const int w = spec_.grid_width, h = spec_.grid_height;
  for (const PrinterHotSpot& spot : hot_spots_) {
    const float reach = spot.radius + 1;
    const int y0 = std::max(0, static_cast<int>(std::floor(spot.y - reach)));
    const int y1 = std::min(h - 1, static_cast<int>(std::ceil(spot.y + reach)));
    const int x0 = std::max(0, static_cast<int>(std::floor(spot.x - reach)));
    const int x1 = std::min(w - 1, static_cast<int>(std::ceil(spot.x + reach)));
    for (int y = y0; y <= y1; ++y) {
      for (int x = x0; x <= x1; ++x) {
        const float dx = static_cast<float>(x) + 0.5f - spot.x, dy = static_cast<float>(y) + 0.5f - spot.y;
        const float d = std::sqrt(dx * dx + dy * dy);
        const float weight = std::clamp(reach - d, 0.0f, 1.0f);
        float& t = state_[static_cast<std::size_t>(y) * w + x];
        if (t < spot.temperature_c)
          t += static_cast<float>(hot_spot_pull_) * weight * (spot.temperature_c - t);
      }
    }
  }
}

// The camera's image: the true temperatures plus a small triangular noise (two 16-bit uniforms per
// cell, so one draw serves two cells: far cheaper than a normal deviate per cell).
void Printer::WriteGrid() {
  const float lo = static_cast<float>(spec_.ambient_c), hi = static_cast<float>(spec_.max_c);
  constexpr float kScale = kCameraNoiseC / 65536.0f;
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < state_.size(); ++i) {
    if (i % 2 == 0) bits = signal_random_.Bits();
    const float u = static_cast<float>(bits & 0xFFFF), v = static_cast<float>((bits >> 16) & 0xFFFF);
    bits >>= 32;
    grid_[i] = std::clamp(state_[i] + kScale * (u + v - 65535.0f), lo, hi);
  }
}

PrinterRecord Printer::Next(Timestamp time) {
  age_s_ += dt_s_;
  damage_ = std::min(1.0, (age_s_ / life_s_) * (age_s_ / life_s_));
  UpdateHotSpots();

  PrinterRecord r;
  r.time = time;
  r.grid_width = spec_.grid_width;
  r.grid_height = spec_.grid_height;

  CoolAndDiffuse();
  double power = kStandbyKw, vibration = kStoppedMmS;
  if (damage_ >= 1) {
    r.phase = PrinterPhase::kStopped;
  } else {
    layer_ = static_cast<int>(step_ / spec_.records_per_layer) + 1;
    const int in_layer = static_cast<int>(step_ % spec_.records_per_layer);
    power = kBaseKw;
    vibration = kFanMmS;
    if (in_layer < exposure_records_) {
      r.phase = PrinterPhase::kExposing;
      ScanLaser(in_layer, r);
      if (r.laser_on) {
        power += kLaserKw;
        vibration += kScanMmS;
      }
    } else {
      r.phase = PrinterPhase::kRecoating;
      SweepRecoater(in_layer - exposure_records_);
      power += kRecoaterKw * (1 + kRecoaterWornKw * damage_);
      vibration += kRecoaterMmS * (1 + kRecoaterWornMmS * damage_);
    }
    ++step_;
  }
  HoldHotSpots();
  WriteGrid();

  r.layer = layer_;
  r.power_kw = std::max(0.0, power + kPowerNoiseKw * signal_random_.Normal());
  r.vibration_mm_s = std::max(0.01, vibration + kVibrationNoiseMmS * signal_random_.Normal());
  r.grid = grid_;
  r.health = Health();
  r.damage = damage_;
  r.hot_spots = hot_spots_;
  return r;
}

}  // namespace mw::sim
