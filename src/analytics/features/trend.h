// Per-sample trend features: `ewma` (exponentially weighted moving average) and `rate` (rate of
// change per second). Both emit one derived sample per good input sample, stamped with its time.
//
// ewma: y = y + alpha * (x - y), started at the first value. With `half_life` > 0 the weight
// follows the time between samples, alpha = 1 - 2^(-dt / half_life), so that irregular sampling
// does not change the time constant; otherwise `alpha` is fixed per sample.
// rate: (x - x_prev) / (t - t_prev) in units per second, from the previous good sample; a sample
// with the same (or an older) time as the previous one is skipped.
//
// NaN, infinities and samples whose quality is not good are skipped. A gap longer than `max_gap`
// (0: never) restarts: the ewma restarts at the next value, the rate emits nothing across the gap.
//
// One instance per worker; called from that worker's thread only (see pipeline/plugin.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analytics/features/common.h"
#include "pipeline/plugin.h"

namespace mw::analytics {

struct EwmaOptions {
  double alpha = 0.1;          // per-sample weight, when half_life == 0
  std::int64_t half_life = 0;  // ns; > 0: time-based weight
  std::vector<std::string> signals;
  std::string output = "ewma";  // derived series <signal>.<output>
  std::int64_t max_gap = 0;     // ns; 0: never restart
};

class Ewma final : public pipeline::Processor {
 public:
  Ewma(EwmaOptions options, Catalog& catalog);
  bool AppliesTo(std::string_view signal) const override;
  bool AppliesToDerived(std::string_view signal) const override;
  void Process(const Sample& sample, pipeline::ProcessorOutput& out) override;
  static pipeline::PluginDescriptor Descriptor();

 private:
  struct SeriesState {
    SeriesId output = kInvalidSeries;
    double value = 0;
    Timestamp last_time = 0;
    bool started = false;
  };
  EwmaOptions options_;
  double decay_per_ns_ = 0;  // ln 2 / half_life
  Catalog& catalog_;
  StateTable<SeriesState> states_;
};

struct RateOptions {
  std::vector<std::string> signals;
  std::string output = "rate";  // derived series <signal>.<output>, units per second
  std::int64_t max_gap = 0;     // ns; 0: never
};

class Rate final : public pipeline::Processor {
 public:
  Rate(RateOptions options, Catalog& catalog);
  bool AppliesTo(std::string_view signal) const override;
  bool AppliesToDerived(std::string_view signal) const override;
  void Process(const Sample& sample, pipeline::ProcessorOutput& out) override;
  static pipeline::PluginDescriptor Descriptor();

 private:
  struct SeriesState {
    SeriesId output = kInvalidSeries;
    double value = 0;
    Timestamp last_time = 0;
    bool started = false;
  };
  RateOptions options_;
  Catalog& catalog_;
  StateTable<SeriesState> states_;
};

}  // namespace mw::analytics
