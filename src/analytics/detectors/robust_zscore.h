// Robust z-score detector: the z-score with the median for the mean and the scaled MAD for the
// standard deviation, so that the spikes it looks for do not inflate its own yardstick.
//
// Per series, keeps a window of recent values (by count, or by time when `window_time` is set) in
// an exact rolling order-statistic structure (rolling_median.h: O(log n) median, O(log² n) MAD).
// Each new value x is scored against the window as it was before x:
//   score = |x - median| / (1.4826 · MAD)
// (1.4826 makes the MAD a consistent estimate of σ for Gaussian data). When more than half the
// window holds one value, the MAD is 0; the scale then falls back to 1.2533 × the mean absolute
// deviation from the median (also σ for Gaussian data), computed over the window in O(n), and a
// window of one repeated value scores any other value kMaxScore (1e6). Once the window holds
// `warmup` values, emits `<signal>.<output>` (default `robust_score`) with the score, and an anomaly
// event when score >= threshold. Values that are not finite, or of bad quality, are neither scored
// nor added to the window.
//
// One instance per worker; called from that worker's thread only (see pipeline/plugin.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analytics/detectors/detector_util.h"
#include "analytics/detectors/rolling_median.h"
#include "analytics/detectors/window.h"
#include "pipeline/plugin.h"

namespace mw::analytics {

struct RobustZScoreOptions {
  std::size_t window = 100;      // values, when window_time == 0
  std::int64_t window_time = 0;  // ns; > 0 selects a time window
  double threshold = 3.5;        // Iglewicz and Hoaglin's customary cut for the modified z-score
  std::size_t warmup = 30;
  std::vector<std::string> signals;  // empty: every signal of the template
  std::string output = "robust_score";
};

class RobustZScoreDetector final : public pipeline::Processor {
 public:
  RobustZScoreDetector(RobustZScoreOptions options, std::string name, Catalog& catalog);

  bool AppliesTo(std::string_view signal) const override;
  bool AppliesToDerived(std::string_view signal) const override;
  void Process(const Sample& sample, pipeline::ProcessorOutput& out) override;

  static pipeline::PluginDescriptor Descriptor();

 private:
  struct SeriesState {
    explicit SeriesState(bool timed) : window(timed) {}
    SeriesId output = kInvalidSeries;
    SampleWindow window;
    RollingQuantiles quantiles;
    std::uint64_t pushed = 0;  // sequence number of the next value; the oldest has pushed - size
  };
  void PopOldest(SeriesState& state);

  RobustZScoreOptions options_;
  std::string name_;
  Catalog& catalog_;
  detail::PerSeries<SeriesState> states_;
};

}  // namespace mw::analytics
