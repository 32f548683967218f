// Electrical features: `current_integral` (charge per period), `phase_asymmetry` (three-phase
// current asymmetry) and `inrush` (peak and duration of each start's inrush current).
//
// current_integral: per signal, the definite integral of the current over epoch-aligned tumbling
// periods (`period`), by the trapezoid rule between successive good samples, in A·s. A segment
// that crosses a period boundary is split there at the linearly interpolated value, so a period
// gets exactly its share. Emitted as <signal>.<output>, stamped with the period's end, when the
// first sample at or after that end arrives. A segment longer than `max_gap` (a hole in the data)
// contributes nothing; a period whose segments cover less than `min_coverage` of it is not emitted
// (its integral would be too low), nor is one spanned by a hole from start to end.
//
// phase_asymmetry: the RMS of each of the three `phases` signals over the same epoch-aligned
// tumbling window (`window_time`), then max_i |rms_i - mean| / mean * 100 (%), mean the mean of
// the three RMS values. Emitted as the asset's series `<output>`, stamped with the window's end,
// once all three phases have closed that window (a phase closes it at its first sample at or after
// the end). A window in which a phase has fewer than `min_count` values, or a gap longer than
// `max_gap`, is not emitted.
//
// inrush: a start is the current crossing `start_threshold` from below. The inrush then lasts
// until the current falls below `settle_level` (> start_threshold) after having reached it; the
// crossing times are interpolated linearly between samples. At the end, <signal>.inrush_peak (the
// largest value, A) and <signal>.inrush_duration (s) are emitted, stamped with the end. A start
// that never reaches `settle_level` and falls back below `start_threshold` is no inrush (nothing
// emitted). An inrush still running after `max_duration` raises an anomaly event and is dropped;
// a gap longer than `max_gap` during an inrush drops it silently.
//
// All three skip NaN, infinities and samples whose quality is not good, and samples older than the
// previous one of their series. One instance per worker; called from that worker's thread only.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "analytics/features/common.h"
#include "pipeline/plugin.h"

namespace mw::analytics {

struct CurrentIntegralOptions {
  std::int64_t period = 60 * kNanosPerSecond;
  std::vector<std::string> signals;
  std::string output = "charge";
  std::int64_t max_gap = kNanosPerSecond;  // 0: never a hole
  double min_coverage = 0.9;               // fraction of the period
};

class CurrentIntegral final : public pipeline::Processor {
 public:
  CurrentIntegral(CurrentIntegralOptions options, Catalog& catalog);
  bool AppliesTo(std::string_view signal) const override;
  void Process(const Sample& sample, pipeline::ProcessorOutput& out) override;
  static pipeline::PluginDescriptor Descriptor();

 private:
  struct SeriesState {
    SeriesId output = kInvalidSeries;
    bool started = false;
    Timestamp last_time = 0;
    double last_value = 0;
    Timestamp period_end = 0;
    double charge = 0;      // A·s so far in the current period
    Timestamp covered = 0;  // ns of the current period covered by segments
  };
  void Close(SeriesState& state, pipeline::ProcessorOutput& out);

  CurrentIntegralOptions options_;
  Catalog& catalog_;
  StateTable<SeriesState> states_;
};

struct PhaseAsymmetryOptions {
  std::array<std::string, 3> phases;
  std::int64_t window_time = kNanosPerSecond;
  std::string output = "current_asymmetry";
  std::int64_t max_gap = 0;  // 0: never
  std::size_t min_count = 2;
};

// max_i |rms_i - mean| / mean * 100 for three RMS values; 0 if their mean is 0.
double AsymmetryPercent(double a, double b, double c);

class PhaseAsymmetry final : public pipeline::Processor {
 public:
  PhaseAsymmetry(PhaseAsymmetryOptions options, Catalog& catalog);
  bool AppliesTo(std::string_view signal) const override;
  void Process(const Sample& sample, pipeline::ProcessorOutput& out) override;
  static pipeline::PluginDescriptor Descriptor();

 private:
  struct Phase {
    bool started = false;
    Timestamp last_time = 0;
    Timestamp window_end = 0;
    double sum_sq = 0;
    std::size_t n = 0;
    bool tainted = false;      // a gap fell inside the current window
    Timestamp closed_end = 0;  // the last window this phase closed, with its RMS (valid if > 0)
    double closed_rms = 0;
    bool closed_valid = false;
  };
  struct AssetState {
    SeriesId output = kInvalidSeries;
    std::array<Phase, 3> phases;
    Timestamp emitted_end = 0;
  };
  struct SeriesRole {
    AssetId asset = kInvalidAsset;
    int phase = -1;
  };
  SeriesRole& RoleOf(SeriesId id);
  void CloseWindow(AssetState& asset, Phase& phase, pipeline::ProcessorOutput& out);

  PhaseAsymmetryOptions options_;
  Catalog& catalog_;
  StateTable<SeriesRole> roles_;
  StateTable<AssetState> assets_;
};

struct InrushOptions {
  double start_threshold = 0;  // A
  double settle_level = 0;     // A, > start_threshold
  std::int64_t max_duration = 30 * kNanosPerSecond;
  std::int64_t max_gap = 0;  // 0: never
  std::vector<std::string> signals;
};

class Inrush final : public pipeline::Processor {
 public:
  Inrush(InrushOptions options, std::string name, Catalog& catalog);
  bool AppliesTo(std::string_view signal) const override;
  void Process(const Sample& sample, pipeline::ProcessorOutput& out) override;
  static pipeline::PluginDescriptor Descriptor();

 private:
  struct SeriesState {
    SeriesId peak_output = kInvalidSeries;
    SeriesId duration_output = kInvalidSeries;
    bool has_prev = false;
    Timestamp prev_time = 0;
    double prev_value = 0;
    bool active = false;
    bool reached_settle = false;
    double start_time = 0;  // ns, interpolated
    double peak = 0;
  };

  InrushOptions options_;
  std::string name_;
  Catalog& catalog_;
  StateTable<SeriesState> states_;
};

}  // namespace mw::analytics
