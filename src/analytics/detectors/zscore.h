// Rolling z-score detector.
//
// Per series, keeps a window of recent values (by count, or by time when `window_time` is set).
// Each new value x is scored against the window as it was before x: z = (x - mean) / stddev
// (sample standard deviation). Once the window holds `warmup` values it emits a derived series
// `<signal>.anomaly_score` with |z|, and an anomaly event when |z| >= threshold. Values that are
// not finite, or of bad quality, are neither scored nor added to the window.
//
// One instance per worker; called from that worker's thread only (see pipeline/plugin.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "analytics/detectors/window.h"
#include "pipeline/plugin.h"

namespace mw::analytics {

struct ZScoreOptions {
  std::size_t window = 100;      // values, when window_time == 0
  std::int64_t window_time = 0;  // ns; > 0 selects a time window
  double threshold = 3.0;
  std::size_t warmup = 30;
  std::vector<std::string> signals;  // empty: every signal of the template
  std::string output = "anomaly_score";
};

// The window statistics, kept incrementally (Welford); the detector recomputes them exactly from
// the window every few thousand removals so that rounding cannot drift.
class RollingStats {
 public:
  void Add(double x);
  void Remove(double x);
  // Remove(out) then Add(in) in one step, for a window that keeps its size; `inverse_count` is
  // 1.0 / count(), so that the step needs no division.
  void Replace(double out, double in, double inverse_count);
  void Recompute(const SampleWindow& window);
  std::size_t count() const { return n_; }
  double mean() const { return mean_; }
  double SampleStddev() const;
  // The sample variance given 1.0 / (count() - 1), without a division.
  double SampleVariance(double inverse_count_minus_one) const { return m2_ * inverse_count_minus_one; }

 private:
  std::size_t n_ = 0;
  double mean_ = 0;
  double m2_ = 0;
};

class ZScoreDetector final : public pipeline::Processor {
 public:
  ZScoreDetector(ZScoreOptions options, std::string name, Catalog& catalog);

  bool AppliesTo(std::string_view signal) const override;
  // A derived series (a feature such as "vibration.rms") only when `signals` names it.
  bool AppliesToDerived(std::string_view signal) const override;
  void Process(const Sample& sample, pipeline::ProcessorOutput& out) override;

  static pipeline::PluginDescriptor Descriptor();

 private:
  struct SeriesState {
    explicit SeriesState(bool timed) : window(timed) {}
    SeriesId output = kInvalidSeries;
    SampleWindow window;
    RollingStats stats;
    std::size_t removals = 0;
  };
  SeriesState& StateFor(SeriesId id);
  SeriesState& NewState(SeriesId id);
  void Evict(SeriesState& state, Timestamp now);
  void CountRemoval(SeriesState& state);

  ZScoreOptions options_;
  // 1 / window and 1 / (window - 1), for count windows once full.
  double inverse_window_ = 0;
  double inverse_window_minus_one_ = 0;
  std::string name_;
  Catalog& catalog_;
  std::vector<std::unique_ptr<SeriesState>> states_;
};

// Registers "zscore" as a detector.
void RegisterZScore(pipeline::PluginRegistry& registry);

}  // namespace mw::analytics
