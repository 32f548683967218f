// Anomaly likelihood: turns any anomaly score series into the probability that the recent scores
// are unusually high for that series, so that one threshold works across signals and detectors.
// Written from the description in Ahmad, Lavin, Purdy and Agha, "Unsupervised real-time anomaly
// detection for streaming data" (Neurocomputing, 2017), section 3.3.
//
// The raw scores s_t of a series are averaged over a short window of W' values (μ̃_t, the
// short-term mean). The long-term distribution of that average over the last W values is modelled
// as a Gaussian (mean μ_t, standard deviation σ_t, exact rolling values). The likelihood is
//   L_t = 1 - Q((μ̃_t - μ_t) / σ_t),  Q(z) = ½ erfc(z / √2), the Gaussian tail,
// and 1 - L_t = Q is the tail probability. A series that is always noisy has a wide Gaussian and
// needs a large, lasting rise of its score to reach a high likelihood; a quiet series reaches it
// with a small one. During the first `learning` scores the likelihood is 0.5 (no opinion). σ_t is
// floored at `min_stddev_ratio` · |μ_t| (and 1e-12), so that a series whose score hardly moves does
// not turn its first wobble into certainty; the floor is relative so that it means the same for a
// score in [0, 1] and a |z| in the hundreds. A usual threshold is 1 - 1e-5 (0.99999).
//
// AnomalyLikelihood is the per-series state; AnomalyLikelihoodDetector is the plugin that applies
// it to every score series whose signal name ends with one of its `inputs` suffixes
// (e.g. "vibration.anomaly_score") and emits `<signal>.<output>` (default `likelihood`), and an
// anomaly event when L_t >= threshold. Non-finite or bad-quality scores are skipped.
// One plugin instance per worker; called from that worker's thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analytics/detectors/detector_util.h"
#include "analytics/detectors/window.h"
#include "analytics/detectors/zscore.h"
#include "pipeline/plugin.h"

namespace mw::analytics {

struct AnomalyLikelihoodOptions {
  std::size_t short_window = 10;   // W': values in the short-term mean
  std::size_t long_window = 2000;  // W: short-term means in the long-term Gaussian
  std::size_t learning = 300;      // scores before the first likelihood other than 0.5
  double min_stddev_ratio = 0.05;  // floor of the long-term σ, relative to |long-term mean|
};

// The Gaussian upper tail Q(z) = P(Z > z).
double GaussianTail(double z);

class AnomalyLikelihood {
 public:
  explicit AnomalyLikelihood(AnomalyLikelihoodOptions options = {});
  // Adds a raw score; returns the likelihood L_t in [0, 1].
  double Update(double score);
  // 1 - L_t of the last update, kept apart because 1 - L loses its digits near L = 1.
  double tail() const { return tail_; }
  std::size_t count() const { return count_; }

 private:
  AnomalyLikelihoodOptions options_;
  SampleWindow recent_;  // the last W' raw scores
  double recent_sum_ = 0;
  SampleWindow averages_;  // the last W short-term means
  RollingStats long_term_;
  std::size_t count_ = 0;
  std::size_t since_recompute_ = 0;
  double tail_ = 0.5;
};

struct AnomalyLikelihoodDetectorOptions {
  AnomalyLikelihoodOptions likelihood;
  double threshold = 0.99999;
  std::vector<std::string> inputs = {"anomaly_score", "robust_score", "ewma_score", "cusum_score",
                                     "iforest_score"};
  std::string output = "likelihood";
};

class AnomalyLikelihoodDetector final : public pipeline::Processor {
 public:
  AnomalyLikelihoodDetector(AnomalyLikelihoodDetectorOptions options, std::string name, Catalog& catalog);
  bool AppliesTo(std::string_view signal) const override;
  bool AppliesToDerived(std::string_view signal) const override;
  void Process(const Sample& sample, pipeline::ProcessorOutput& out) override;
  static pipeline::PluginDescriptor Descriptor();

 private:
  struct SeriesState {
    explicit SeriesState(const AnomalyLikelihoodOptions& o) : likelihood(o) {}
    AnomalyLikelihood likelihood;
    SeriesId output = kInvalidSeries;
  };
  AnomalyLikelihoodDetectorOptions options_;
  std::string name_;
  Catalog& catalog_;
  detail::PerSeries<SeriesState> states_;
};

}  // namespace mw::analytics
