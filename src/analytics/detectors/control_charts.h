// Statistical process control charts: EWMA and two-sided CUSUM (Montgomery, "Introduction to
// Statistical Quality Control", chapter 9).
//
// Both need the in-control mean μ0 and standard deviation σ of a series. They estimate them over a
// warm-up of `warmup` values (mean and sample standard deviation), then chart every later value.
// When a chart signals, the process has moved; with `restart` (the default) the chart then learns
// a new reference over a fresh warm-up, so that a lasting level change raises one event rather
// than one per sample, and the chart watches for the next change from the new level. A σ of 0
// (a constant warm-up) is floored at 1e-9 · max(1, |μ0|) so that any change scores very high
// rather than dividing by zero. Values that are not finite, or of bad quality, are skipped.
//
// EWMA chart (`ewma_chart`): z_t = λ x_t + (1 - λ) z_{t-1}, z_0 = μ0. Its standard deviation
// grows towards its asymptote as t grows, hence the time-varying control limits
//   μ0 ± L σ sqrt(λ / (2 - λ) · (1 - (1 - λ)^{2t})).
// The derived series `<signal>.<output>` (default `ewma_score`) is |z_t - μ0| in units of that
// standard deviation, so that it crosses L exactly when z_t leaves the limits; with `emit_limits`
// it also emits `<signal>.ewma`, `<signal>.ewma_ucl` and `<signal>.ewma_lcl`. Small λ (0.05-0.25)
// finds small sustained drifts.
//
// CUSUM (`cusum`): with u_t = (x_t - μ0) / σ, S⁺_t = max(0, S⁺_{t-1} + u_t - k) and
// S⁻_t = max(0, S⁻_{t-1} - u_t - k); it signals when either exceeds h (both k and h in σ units;
// k = 0.5, h = 5 detect a 1σ shift in about 10 samples with an in-control run length of about
// 465). The derived series `<signal>.<output>` (default `cusum_score`) is max(S⁺, S⁻). After a
// signal both sums restart from 0.
//
// One instance per worker; called from that worker's thread only (see pipeline/plugin.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analytics/detectors/detector_util.h"
#include "analytics/detectors/zscore.h"
#include "pipeline/plugin.h"

namespace mw::analytics {

struct EwmaChartOptions {
  double lambda = 0.2;
  double limit = 3.0;  // L, in standard deviations of the EWMA statistic
  std::size_t warmup = 30;
  bool restart = true;
  bool emit_limits = false;
  std::vector<std::string> signals;
  std::string output = "ewma_score";
};

struct CusumOptions {
  double k = 0.5;  // allowance (slack), σ units
  double h = 5.0;  // decision interval, σ units
  std::size_t warmup = 30;
  bool restart = true;
  std::vector<std::string> signals;
  std::string output = "cusum_score";
};

// The in-control reference of a chart: learned over a warm-up, then fixed until Restart().
class ChartReference {
 public:
  explicit ChartReference(std::size_t warmup) : warmup_(warmup) {}
  // Adds a warm-up value; true once the reference is ready (the value that completes the warm-up
  // is part of it, and is not charted).
  bool Learn(double x);
  bool ready() const { return ready_; }
  double mean() const { return mean_; }
  double sigma() const { return sigma_; }
  void Restart() {
    stats_ = {};
    ready_ = false;
  }

 private:
  std::size_t warmup_;
  RollingStats stats_;
  bool ready_ = false;
  double mean_ = 0;
  double sigma_ = 0;
};

class EwmaChartDetector final : public pipeline::Processor {
 public:
  EwmaChartDetector(EwmaChartOptions options, std::string name, Catalog& catalog);
  bool AppliesTo(std::string_view signal) const override;
  bool AppliesToDerived(std::string_view signal) const override;
  void Process(const Sample& sample, pipeline::ProcessorOutput& out) override;
  static pipeline::PluginDescriptor Descriptor();

 private:
  struct SeriesState {
    explicit SeriesState(std::size_t warmup) : reference(warmup) {}
    ChartReference reference;
    double z = 0;
    double decay = 1;  // (1 - λ)^{2t}
    SeriesId output = kInvalidSeries;
    SeriesId ewma = kInvalidSeries;
    SeriesId ucl = kInvalidSeries;
    SeriesId lcl = kInvalidSeries;
  };
  EwmaChartOptions options_;
  double asymptotic_factor_;  // λ / (2 - λ)
  std::string name_;
  Catalog& catalog_;
  detail::PerSeries<SeriesState> states_;
};

class CusumDetector final : public pipeline::Processor {
 public:
  CusumDetector(CusumOptions options, std::string name, Catalog& catalog);
  bool AppliesTo(std::string_view signal) const override;
  bool AppliesToDerived(std::string_view signal) const override;
  void Process(const Sample& sample, pipeline::ProcessorOutput& out) override;
  static pipeline::PluginDescriptor Descriptor();

 private:
  struct SeriesState {
    explicit SeriesState(std::size_t warmup) : reference(warmup) {}
    ChartReference reference;
    double high = 0;  // S⁺
    double low = 0;   // S⁻
    SeriesId output = kInvalidSeries;
  };
  CusumOptions options_;
  std::string name_;
  Catalog& catalog_;
  detail::PerSeries<SeriesState> states_;
};

}  // namespace mw::analytics
