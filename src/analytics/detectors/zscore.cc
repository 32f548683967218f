#include "analytics/detectors/zscore.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace mw::analytics {
namespace {

constexpr double kMaxScore = 1e6;  // a constant window followed by a change scores this high
// Welford removal drifts by a few ulps per step; an exact recomputation this often keeps the drift
// far below any threshold while costing a few percent of the detector's time.
constexpr std::size_t kRecomputeEvery = 4096;

std::string PositiveInt(const pipeline::OptionValue& v) {
  return std::get<std::int64_t>(v) > 0 ? "" : "expected a positive integer";
}

}  // namespace

void RollingStats::Add(double x) {
  ++n_;
  double delta = x - mean_;
  mean_ += delta / static_cast<double>(n_);
  m2_ += delta * (x - mean_);
}

void RollingStats::Remove(double x) {
  if (n_ <= 1) {
    *this = {};
    return;
  }
  double delta = x - mean_;
  --n_;
  mean_ -= delta / static_cast<double>(n_);
  m2_ -= delta * (x - mean_);
  if (m2_ < 0) m2_ = 0;
}

void RollingStats::Replace(double out, double in, double inverse_count) {
  if (n_ < 2) {
    Remove(out);
    Add(in);
    return;
  }
  // With n fixed: mean' = mean + (in - out) / n, and the sum of squared deviations changes by
  // (in - out) * ((in - mean') + (out - mean)).
  const double delta = in - out;
  const double old_mean = mean_;
  mean_ += delta * inverse_count;
  m2_ += delta * ((in - mean_) + (out - old_mean));
  if (m2_ < 0) m2_ = 0;
}

void RollingStats::Recompute(const SampleWindow& window) {
  *this = {};
  for (std::size_t i = 0; i < window.size(); ++i) Add(window.value(i));
}

double RollingStats::SampleStddev() const {
  return n_ < 2 ? 0 : std::sqrt(m2_ / static_cast<double>(n_ - 1));
}

ZScoreDetector::ZScoreDetector(ZScoreOptions options, std::string name, Catalog& catalog)
    : options_(std::move(options)), name_(std::move(name)), catalog_(catalog) {
  if (options_.window >= 2) {
    inverse_window_ = 1.0 / static_cast<double>(options_.window);
    inverse_window_minus_one_ = 1.0 / static_cast<double>(options_.window - 1);
  }
}

bool ZScoreDetector::AppliesTo(std::string_view signal) const {
  return pipeline::SignalListed(options_.signals, signal);
}

bool ZScoreDetector::AppliesToDerived(std::string_view signal) const {
  return pipeline::SignalNamed(options_.signals, signal);
}

ZScoreDetector::SeriesState& ZScoreDetector::StateFor(SeriesId id) {
  if (id < states_.size() && states_[id]) return *states_[id];
  return NewState(id);
}

ZScoreDetector::SeriesState& ZScoreDetector::NewState(SeriesId id) {
  if (id >= states_.size()) states_.resize(std::max<std::size_t>(id + 1, states_.size() * 2));
  auto& state = states_[id];
  state = std::make_unique<SeriesState>(options_.window_time > 0);
  if (auto info = catalog_.Series(id))
    state->output = catalog_.InternSeries(info->asset, info->signal + "." + options_.output);
  return *state;
}

void ZScoreDetector::CountRemoval(SeriesState& state) {
  if (++state.removals >= kRecomputeEvery) {
    state.removals = 0;
    state.stats.Recompute(state.window);
  }
}

void ZScoreDetector::Evict(SeriesState& state, Timestamp now) {
  while (!state.window.empty() && state.window.front_time() <= now - options_.window_time) {
    state.stats.Remove(state.window.front_value());
    state.window.PopFront();
    CountRemoval(state);
  }
}

void ZScoreDetector::Process(const Sample& sample, pipeline::ProcessorOutput& out) {
  if (!std::isfinite(sample.value) || sample.quality == Quality::kBad) return;
  SeriesState& state = StateFor(sample.series);
  const bool timed = options_.window_time > 0;
  if (timed) Evict(state, sample.time);
  const std::size_t n = state.window.size();
  if (n >= options_.warmup && n >= 2) {
    const double mean = state.stats.mean();
    // A full count window (the steady state) has a constant count: multiply instead of divide.
    const double variance = !timed && n == options_.window
                                ? state.stats.SampleVariance(inverse_window_minus_one_)
                                : state.stats.SampleVariance(1.0 / static_cast<double>(n - 1));
    const double sd = std::sqrt(variance);
    const double diff = sample.value - mean;
    double z = sd > 0 ? diff / sd : (diff == 0 ? 0 : std::copysign(kMaxScore, diff));
    z = std::clamp(z, -kMaxScore, kMaxScore);
    if (state.output != kInvalidSeries) out.derived.Append(state.output, sample.time, std::fabs(z));
    if (std::fabs(z) >= options_.threshold) {
      out.events.push_back(
          {EventKind::kAnomaly, sample.time, sample.series, sample.value, z, name_,
           fmt::format("z = {:.2f} (mean {:.4g}, stddev {:.4g}, {} values)", z, mean, sd, n)});
    }
  }
  if (!timed && n >= options_.window) {
    // A full count window: the new value takes the oldest one's place.
    const double oldest = state.window.front_value();
    state.window.Prefetch(16);
    state.window.PopFront();
    state.window.Push(sample.time, sample.value);
    state.stats.Replace(oldest, sample.value, inverse_window_);
    CountRemoval(state);
  } else {
    state.window.Push(sample.time, sample.value);
    state.stats.Add(sample.value);
  }
}

pipeline::PluginDescriptor ZScoreDetector::Descriptor() {
  using pipeline::OptionType;
  pipeline::PluginDescriptor d;
  d.kind = pipeline::PluginKind::kDetector;
  d.name = "zscore";
  d.doc =
      "Rolling z-score per signal; emits <signal>.anomaly_score and an anomaly event when |z| >= threshold";
  d.options = {
      {"window", OptionType::kInt, std::int64_t{100}, "values in the window (when window_time is 0)",
       PositiveInt},
      {"window_time",
       OptionType::kDuration,
       std::int64_t{0},
       "window by time instead of count, e.g. \"5m\"",
       {}},
      {"threshold", OptionType::kDouble, 3.0, "|z| at or above which an anomaly event is raised",
       [](const pipeline::OptionValue& v) {
         return std::get<double>(v) > 0 ? "" : "expected a positive number";
       }},
      {"warmup", OptionType::kInt, std::int64_t{30}, "values the window must hold before scoring starts",
       [](const pipeline::OptionValue& v) {
         return std::get<std::int64_t>(v) >= 2 ? "" : "expected an integer >= 2";
       }},
      {"signals",
       OptionType::kStringList,
       std::vector<std::string>{},
       "signals to score: the template's own, or derived ones such as vibration.rms; empty: all of the "
       "template's own",
       {}},
      {"output",
       OptionType::kString,
       std::string("anomaly_score"),
       "suffix of the derived series: <signal>.<output>",
       {}},
  };
  d.factory = [](const pipeline::Options& o,
                 pipeline::PluginContext& ctx) -> Result<std::unique_ptr<pipeline::Plugin>> {
    ZScoreOptions opts;
    opts.window = static_cast<std::size_t>(o.GetInt("window"));
    opts.window_time = o.GetDuration("window_time");
    opts.threshold = o.GetDouble("threshold");
    opts.warmup = static_cast<std::size_t>(o.GetInt("warmup"));
    opts.signals = o.GetStringList("signals");
    opts.output = o.GetString("output");
    if (Status s = pipeline::CheckTemplateSignals(ctx, "signals", opts.signals); !s.ok()) return s;
    if (opts.window_time == 0 && opts.warmup > opts.window)
      return Status::InvalidArgument("warmup (" + std::to_string(opts.warmup) + ") exceeds window (" +
                                     std::to_string(opts.window) + "): the detector would never score");
    return std::unique_ptr<pipeline::Plugin>(new ZScoreDetector(std::move(opts), ctx.name, ctx.catalog));
  };
  return d;
}

void RegisterZScore(pipeline::PluginRegistry& registry) { registry.Register(ZScoreDetector::Descriptor()); }

}  // namespace mw::analytics
