#include "analytics/features/window_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mw::analytics {
namespace {

constexpr std::array<std::string_view, kStatCount> kStatNames = {
    "count", "mean",         "std",          "min",      "max",     "rms",
    "peak",  "peak_to_peak", "crest_factor", "skewness", "kurtosis"};

std::string CheckStats(const pipeline::OptionValue& v) {
  const auto& list = std::get<std::vector<std::string>>(v);
  if (list.empty()) return "expected at least one statistic";
  for (const auto& s : list)
    if (!ParseStat(s))
      return "unknown statistic \"" + s +
             "\" (count, mean, std, min, max, rms, peak, peak_to_peak, crest_factor, skewness, kurtosis)";
  return "";
}

}  // namespace

std::string_view StatName(Stat stat) { return kStatNames[static_cast<std::size_t>(stat)]; }

std::optional<Stat> ParseStat(std::string_view name) {
  for (std::size_t i = 0; i < kStatCount; ++i)
    if (kStatNames[i] == name) return static_cast<Stat>(i);
  return std::nullopt;
}

double WindowSummary::Get(Stat stat) const {
  switch (stat) {
    case Stat::kCount:
      return static_cast<double>(count);
    case Stat::kMean:
      return mean;
    case Stat::kStd:
      return std;
    case Stat::kMin:
      return min;
    case Stat::kMax:
      return max;
    case Stat::kRms:
      return rms;
    case Stat::kPeak:
      return peak;
    case Stat::kPeakToPeak:
      return peak_to_peak;
    case Stat::kCrestFactor:
      return crest_factor;
    case Stat::kSkewness:
      return skewness;
    case Stat::kKurtosis:
      return kurtosis;
  }
  return 0;
}

WindowSummary Summarize(const double* values, std::size_t n, bool moments) {
  WindowSummary s;
  if (n == 0) return s;
  s.count = n;
  double sum = 0, sum_sq = 0;
  double lo = values[0], hi = values[0];
  for (std::size_t i = 0; i < n; ++i) {
    const double x = values[i];
    sum += x;
    sum_sq += x * x;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  const double inv_n = 1.0 / static_cast<double>(n);
  s.mean = sum * inv_n;
  s.min = lo;
  s.max = hi;
  s.peak = std::max(std::fabs(lo), std::fabs(hi));
  s.peak_to_peak = hi - lo;
  // A sum of squares has no cancellation: the one-pass RMS is as exact as a two-pass one.
  s.rms = std::sqrt(sum_sq * inv_n);
  s.crest_factor = s.rms > 0 ? s.peak / s.rms : 0;
  if (!moments) return s;
  // Central moments about the mean of the first pass: the textbook one-pass formulas from raw
  // power sums lose every digit when the spread is small next to the mean (a 1e6 offset).
  double m2 = 0, m3 = 0, m4 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = values[i] - s.mean;
    const double d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  s.std = n > 1 ? std::sqrt(m2 / static_cast<double>(n - 1)) : 0;
  const double var = m2 * inv_n;
  if (var > 0) {
    s.skewness = (m3 * inv_n) / (var * std::sqrt(var));
    s.kurtosis = (m4 * inv_n) / (var * var);
  }
  return s;
}

void WindowBuffer::Compact() {
  const std::size_t live = size();
  std::copy(values_.begin() + static_cast<std::ptrdiff_t>(begin_), values_.end(), values_.begin());
  std::copy(times_.begin() + static_cast<std::ptrdiff_t>(begin_), times_.end(), times_.begin());
  values_.resize(live);
  times_.resize(live);
  begin_ = 0;
}

WindowStats::WindowStats(WindowStatsOptions options, Catalog& catalog)
    : options_(std::move(options)), catalog_(catalog) {
  for (Stat s : options_.stats)
    moments_ = moments_ || s == Stat::kStd || s == Stat::kSkewness || s == Stat::kKurtosis;
  if (options_.slide == 0 || options_.slide > options_.window) options_.slide = options_.window;
  if (options_.window_time > 0 && (options_.slide_time <= 0 || options_.slide_time > options_.window_time))
    options_.slide_time = options_.window_time;
}

bool WindowStats::AppliesTo(std::string_view signal) const { return SignalListed(options_.signals, signal); }

bool WindowStats::AppliesToDerived(std::string_view signal) const {
  return SignalNamed(options_.signals, signal);
}

WindowStats::SeriesState& WindowStats::NewState(SeriesId id) {
  auto state = std::make_unique<SeriesState>();
  if (options_.window_time == 0) state->buffer.Reserve(options_.window);
  for (Stat s : options_.stats)
    state->outputs.push_back(DerivedSeries(catalog_, id, options_.prefix + std::string(StatName(s))));
  return states_.Put(id, std::move(state));
}

void WindowStats::Emit(const SeriesState& state, Timestamp t, pipeline::ProcessorOutput& out) const {
  const WindowSummary s = Summarize(state.buffer.values(), state.buffer.size(), moments_);
  for (std::size_t i = 0; i < options_.stats.size(); ++i)
    if (state.outputs[i] != kInvalidSeries) out.derived.Append(state.outputs[i], t, s.Get(options_.stats[i]));
}

void WindowStats::Process(const Sample& sample, pipeline::ProcessorOutput& out) {
  if (!Usable(sample)) return;
  SeriesState* found = states_.Find(sample.series);
  SeriesState& state = found != nullptr ? *found : NewState(sample.series);
  if (state.seen) {
    if (sample.time < state.last_time) return;
    if (options_.max_gap > 0 && sample.time - state.last_time > options_.max_gap) {
      state.buffer.Clear();
      state.since_emit = 0;
      state.next_end = 0;
    }
  }
  state.seen = true;
  state.last_time = sample.time;
  if (options_.window_time > 0) {
    ProcessTimed(state, sample, out);
    return;
  }
  state.buffer.Push(sample.time, sample.value);
  if (state.buffer.size() > options_.window) state.buffer.PopFront();
  if (++state.since_emit >= options_.slide && state.buffer.size() == options_.window) {
    state.since_emit = 0;
    Emit(state, sample.time, out);
  }
}

void WindowStats::ProcessTimed(SeriesState& state, const Sample& sample, pipeline::ProcessorOutput& out) {
  const Timestamp slide = options_.slide_time;
  if (state.next_end == 0) state.next_end = NextBoundary(sample.time, slide);
  // Close every window that ends at or before this sample. Windows that the gap left empty are
  // skipped in one jump; a sliding window still holding older values is emitted at each end.
  while (sample.time >= state.next_end) {
    const Timestamp start = state.next_end - options_.window_time;
    while (!state.buffer.empty() && state.buffer.front_time() < start) state.buffer.PopFront();
    if (state.buffer.size() >= options_.min_count) Emit(state, state.next_end, out);
    state.next_end += slide;
    const Timestamp oldest = state.buffer.empty() ? sample.time : state.buffer.front_time();
    // No window ending before `oldest + slide` holds anything: jump to the first one that may.
    if (state.next_end <= oldest) state.next_end = NextBoundary(oldest, slide);
  }
  state.buffer.Push(sample.time, sample.value);
}

pipeline::PluginDescriptor WindowStats::Descriptor() {
  using pipeline::OptionType;
  pipeline::PluginDescriptor d;
  d.kind = pipeline::PluginKind::kProcessor;
  d.name = "window_stats";
  d.doc =
      "Statistics over tumbling or sliding windows (by count or time) of each signal; emits "
      "<signal>.<prefix><stat>";
  d.options = {
      {"window", OptionType::kInt, std::int64_t{1000}, "values in a count window (when window_time is 0)",
       CheckPositiveInt},
      {"window_time", OptionType::kDuration, std::int64_t{0},
       "window by time instead of count, e.g. \"1s\"; windows end on multiples of the slide",
       pipeline::OptionNonNegativeDuration},
      {"slide", OptionType::kInt, std::int64_t{0},
       "count windows: values between emissions (sliding); 0: tumbling", CheckNonNegativeInt},
      {"slide_time", OptionType::kDuration, std::int64_t{0},
       "time windows: time between emissions (sliding); 0: tumbling", pipeline::OptionNonNegativeDuration},
      {"stats", OptionType::kStringList, std::vector<std::string>{"mean", "std", "min", "max", "rms"},
       "statistics to emit: count, mean, std, min, max, rms, peak, peak_to_peak, crest_factor, skewness, "
       "kurtosis",
       CheckStats},
      {"signals",
       OptionType::kStringList,
       std::vector<std::string>{},
       "signals to summarise; empty: all of the template",
       {}},
      {"prefix",
       OptionType::kString,
       std::string(),
       "prefix of the statistic in the derived series: <signal>.<prefix><stat>",
       {}},
      {"max_gap", OptionType::kDuration, std::int64_t{0},
       "a time gap longer than this between good samples restarts the window; 0: never",
       pipeline::OptionNonNegativeDuration},
      {"min_count", OptionType::kInt, std::int64_t{2}, "time windows with fewer values are not emitted",
       CheckPositiveInt},
  };
  d.factory = [](const pipeline::Options& o,
                 pipeline::PluginContext& ctx) -> Result<std::unique_ptr<pipeline::Plugin>> {
    WindowStatsOptions opts;
    opts.window = static_cast<std::size_t>(o.GetInt("window"));
    opts.window_time = o.GetDuration("window_time");
    opts.slide = static_cast<std::size_t>(o.GetInt("slide"));
    opts.slide_time = o.GetDuration("slide_time");
    opts.stats.clear();
    for (const auto& s : o.GetStringList("stats")) opts.stats.push_back(*ParseStat(s));
    opts.signals = o.GetStringList("signals");
    opts.prefix = o.GetString("prefix");
    opts.max_gap = o.GetDuration("max_gap");
    opts.min_count = static_cast<std::size_t>(o.GetInt("min_count"));
    if (Status s = CheckTemplateSignals(ctx, "signals", opts.signals); !s.ok()) return s;
    if (opts.slide > opts.window)
      return Status::InvalidArgument("slide (" + std::to_string(opts.slide) + ") exceeds window (" +
                                     std::to_string(opts.window) + ")");
    if (opts.window_time > 0 && opts.slide_time > opts.window_time)
      return Status::InvalidArgument("slide_time exceeds window_time");
    return std::unique_ptr<pipeline::Plugin>(new WindowStats(std::move(opts), ctx.catalog));
  };
  return d;
}

}  // namespace mw::analytics
