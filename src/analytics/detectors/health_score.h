// Health score: one number per asset, 0 (failing) to 100 (healthy), from the anomaly likelihoods of
// its detectors (anomaly_likelihood.h).
//
// For each likelihood series i of the asset, the latest likelihood L_i gives the tail probability
// p_i = 1 - L_i and the surprise s_i = -log10(p_i) (how many nines: L = 0.999 is s = 3). The
// asset's surprise is the largest, S = max_i s_i: a machine is as unhealthy as its most alarmed
// detector, and adding quiet detectors must not dilute a loud one. Then
//   health = 100 · clamp((s_fail - S) / (s_fail - s_ok), 0, 1)
// with s_ok = 2 (p ≥ 1 %: normal fluctuation, health 100) and s_fail = 6 (p ≤ 1e-6, health 0) by
// default; in between health falls linearly in the number of nines (L = 0.9999 gives 50). A detector
// still learning (L = 0.5, s = 0.3) leaves the health at 100.
//
// Applies to every signal that ends with "." + `input` (default "likelihood"), or equals it; emits
// `<asset>/<output>` (default `health`) each time one of them updates. No events: alarms rules
// on the health series decide what is worth a notification.
// One instance per worker; called from that worker's thread only.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "analytics/detectors/detector_util.h"
#include "pipeline/plugin.h"

namespace mw::analytics {

struct HealthScoreOptions {
  std::string input = "likelihood";
  double ok_surprise = 2;
  double fail_surprise = 6;
  std::string output = "health";
};

// The formula above, for one set of likelihoods.
double HealthFromLikelihoods(const std::vector<double>& likelihoods, double ok_surprise = 2,
                             double fail_surprise = 6);

class HealthScore final : public pipeline::Processor {
 public:
  HealthScore(HealthScoreOptions options, Catalog& catalog);
  bool AppliesTo(std::string_view signal) const override;
  bool AppliesToDerived(std::string_view signal) const override;
  void Process(const Sample& sample, pipeline::ProcessorOutput& out) override;
  static pipeline::PluginDescriptor Descriptor();

 private:
  struct AssetState {
    SeriesId output = kInvalidSeries;
    std::vector<std::pair<SeriesId, double>> surprise;  // per likelihood series
  };
  HealthScoreOptions options_;
  Catalog& catalog_;
  detail::PerSeries<AssetState> assets_;
};

}  // namespace mw::analytics
