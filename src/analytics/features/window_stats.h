// Window statistics: the `window_stats` processor and the functions it is made of.
//
// Per series, keeps the good values of a window, by count (`window` values) or by time
// (`window_time`), tumbling (the default) or sliding (`slide` values, `slide_time`), and at the
// end of each window emits the chosen statistics as derived series `<signal>.<prefix><stat>`:
//   count, mean, std (sample, n - 1), min, max, rms = sqrt(sum x^2 / n), peak = max |x|,
//   peak_to_peak = max - min, crest_factor = peak / rms, skewness = m3 / m2^1.5 and
//   kurtosis = m4 / m2^2 (m_k the population central moments; a normal distribution has kurtosis
//   3, not 0). skewness and kurtosis of a constant window are emitted as 0, crest_factor of an
//   all-zero window as 0.
//
// Statistics are recomputed from the window's values at each emission (two passes: exact, no
// drift), so a sample costs one append, and each window one pass over its values per emission:
// O(1) per sample when tumbling, O(window / slide) when sliding.
//
// Count windows emit at the sample that completes them, with its time. Time windows are aligned to
// the epoch: they end on multiples of the slide (tumbling: of the window), cover
// [end - window_time, end), and are emitted, stamped `end`, when the first sample at or after
// `end` arrives (a processor runs only when samples arrive); a window with fewer than `min_count`
// values is not emitted.
//
// NaN, infinities and samples whose quality is not good are skipped. A sample older than the
// previous one of its series is skipped. A time gap larger than `max_gap` (0: never) between two
// good samples discards the window collected so far: the next window starts after the gap, so
// that no statistic mixes the two sides of a hole.
//
// One instance per worker; called from that worker's thread only (see pipeline/plugin.h).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/features/common.h"
#include "pipeline/plugin.h"

namespace mw::analytics {

enum class Stat : std::uint8_t {
  kCount,
  kMean,
  kStd,
  kMin,
  kMax,
  kRms,
  kPeak,
  kPeakToPeak,
  kCrestFactor,
  kSkewness,
  kKurtosis,
};
inline constexpr std::size_t kStatCount = 11;
std::string_view StatName(Stat stat);
std::optional<Stat> ParseStat(std::string_view name);

// The statistics of a set of values (see the header comment for the definitions).
struct WindowSummary {
  std::size_t count = 0;
  double mean = 0, std = 0, min = 0, max = 0, rms = 0, peak = 0, peak_to_peak = 0, crest_factor = 0,
         skewness = 0, kurtosis = 0;
  double Get(Stat stat) const;
};
// Two passes over `values[0, n)`; the second (std, skewness, kurtosis) only if `moments`. n = 0
// gives all zeros.
WindowSummary Summarize(const double* values, std::size_t n, bool moments = true);

// The values (and times) of a window, oldest first, contiguous so that a summary is one linear
// pass. Appends at the back, drops at the front; compacts when the dropped prefix outgrows the
// live part, so a window of steady size stops allocating once its capacity has settled.
class WindowBuffer {
 public:
  void Push(Timestamp t, double v) {
    if (begin_ > 0 && begin_ >= values_.size() - begin_) Compact();
    values_.push_back(v);
    times_.push_back(t);
  }
  void PopFront() { ++begin_; }
  void Clear() {
    values_.clear();
    times_.clear();
    begin_ = 0;
  }
  std::size_t size() const { return values_.size() - begin_; }
  bool empty() const { return size() == 0; }
  const double* values() const { return values_.data() + begin_; }
  Timestamp front_time() const { return times_[begin_]; }
  void Reserve(std::size_t n) {
    values_.reserve(2 * n + 2);
    times_.reserve(2 * n + 2);
  }

 private:
  void Compact();
  std::vector<double> values_;
  std::vector<Timestamp> times_;
  std::size_t begin_ = 0;
};

struct WindowStatsOptions {
  std::size_t window = 1000;     // values, when window_time == 0
  std::int64_t window_time = 0;  // ns; > 0 selects a time window
  std::size_t slide = 0;         // count windows: values between emissions; 0: tumbling
  std::int64_t slide_time = 0;   // time windows: ns between emissions; 0: tumbling
  std::vector<Stat> stats = {Stat::kMean, Stat::kStd, Stat::kMin, Stat::kMax, Stat::kRms};
  std::vector<std::string> signals;  // empty: every signal of the template
  std::string prefix;                // derived series: <signal>.<prefix><stat>
  std::int64_t max_gap = 0;          // ns; 0: gaps never reset a window
  std::size_t min_count = 2;         // time windows: fewer values are not emitted
};

class WindowStats final : public pipeline::Processor {
 public:
  WindowStats(WindowStatsOptions options, Catalog& catalog);

  bool AppliesTo(std::string_view signal) const override;
  bool AppliesToDerived(std::string_view signal) const override;
  void Process(const Sample& sample, pipeline::ProcessorOutput& out) override;

  static pipeline::PluginDescriptor Descriptor();

 private:
  struct SeriesState {
    WindowBuffer buffer;
    std::vector<SeriesId> outputs;  // one per options_.stats
    Timestamp last_time = 0;
    bool seen = false;
    std::size_t since_emit = 0;  // count windows
    Timestamp next_end = 0;      // time windows
  };
  SeriesState& NewState(SeriesId id);
  void Emit(const SeriesState& state, Timestamp t, pipeline::ProcessorOutput& out) const;
  void ProcessTimed(SeriesState& state, const Sample& sample, pipeline::ProcessorOutput& out);

  WindowStatsOptions options_;
  bool moments_ = false;  // a requested statistic needs the second pass
  Catalog& catalog_;
  StateTable<SeriesState> states_;
};

}  // namespace mw::analytics
