// Sequence novelty detector: flags the moment a signal does something it has never done before.
//
// Each value is quantised into one of `levels` equal bins of the signal's range [min, max] (below
// the range: one extra bin, above it: another). For k = 1 .. `orders`, the last k bins form a
// pattern; the score of a value is the fraction of its k patterns that had never been seen on
// this series before. So a value in a never-visited bin scores 1, a familiar value reached by an
// unfamiliar path scores (orders - 1) / orders or less, and a behaviour seen before scores 0.
// The patterns are remembered once seen, so a new normal becomes familiar within a few repeats.
//
// One new behaviour usually produces a run of novel patterns. After a score at or above
// `rest_level`, the detector reports 0 for the next `rest` values (it keeps learning), so one
// change gives one signal; the idea, and the values 0.75 and probation / 5 in the NAB benchmark,
// come from the Contextual Anomaly Detector (CAD OSE, Smirnov 2016), whose context machinery this
// detector replaces with plain pattern sets.
//
// The range is the signal's engineering range (`min`, `max`, e.g. an OPC UA EURange). When
// max <= min, the range is learned from the first `learn` values, which are then not scored (but
// teach the first patterns once the range is known).
// Memory: a hash set of at most `max_patterns` 8-byte keys per series; once full, unseen patterns
// still score as novel but are not remembered.
//
// Emits `<signal>.<output>` (default `novelty`) with the reported score in [0, 1] for every scored
// value, and an anomaly event when it is at or above `threshold`. Values that are not finite, or
// of bad quality, are neither scored nor added to the pattern history.
// One instance per worker; called from that worker's thread only (see pipeline/plugin.h).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "analytics/detectors/detector_util.h"
#include "pipeline/plugin.h"

namespace mw::analytics {

struct SequenceNoveltyOptions {
  double min = 0;  // the signal's range; max <= min: learn it
  double max = 0;
  std::size_t learn = 300;  // values that set a learned range
  std::size_t levels = 8;   // bins across the range
  std::size_t orders = 6;   // longest pattern, in values (<= kMaxOrders)
  std::size_t rest = 150;   // values reported as 0 after a score >= rest_level
  double rest_level = 0.75;
  double threshold = 0.8;  // score at or above which an anomaly event is raised
  std::size_t max_patterns = 100000;
  std::vector<std::string> signals;  // empty: every signal of the template
  std::string output = "novelty";
};

// The per-series state, usable on its own (the NAB benchmark drives it directly).
class SequenceNovelty {
 public:
  static constexpr std::size_t kMaxOrders = 16;

  // `options` must outlive this object (the detector owns both).
  explicit SequenceNovelty(const SequenceNoveltyOptions& options);
  // Adds a finite value. Returns false while the range is being learned (no score); otherwise
  // true, with the reported score in `score` and the score before the rest period in `raw`.
  bool Update(double value, double& score, double& raw);

  std::size_t patterns() const { return seen_.size(); }
  double range_min() const { return min_; }
  double range_max() const { return max_; }

 private:
  int Bin(double value) const;
  void LearnRange(double value);
  // Adds a value to the pattern history; returns how many of its patterns were new.
  std::size_t Learn(double value);

  const SequenceNoveltyOptions& options_;
  double min_;
  double max_;
  bool learning_range_ = false;
  std::vector<double> learning_values_;   // while learning the range
  std::array<int, kMaxOrders> recent_{};  // recent_[0]: the newest bin
  std::size_t filled_ = 0;                // bins in recent_
  std::unordered_set<std::uint64_t> seen_;
  std::size_t since_trigger_;  // values since the last raw score >= rest_level
};

class SequenceNoveltyDetector final : public pipeline::Processor {
 public:
  SequenceNoveltyDetector(SequenceNoveltyOptions options, std::string name, Catalog& catalog);

  bool AppliesTo(std::string_view signal) const override;
  bool AppliesToDerived(std::string_view signal) const override;
  void Process(const Sample& sample, pipeline::ProcessorOutput& out) override;

  static pipeline::PluginDescriptor Descriptor();

 private:
  struct SeriesState {
    explicit SeriesState(const SequenceNoveltyOptions& o) : novelty(o) {}
    SeriesId output = kInvalidSeries;
    SequenceNovelty novelty;
  };

  SequenceNoveltyOptions options_;
  std::string name_;
  Catalog& catalog_;
  detail::PerSeries<SeriesState> states_;
};

}  // namespace mw::analytics
