#include "analytics/detectors/robust_zscore.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace mw::analytics {
namespace {

constexpr double kMaxScore = 1e6;
constexpr double kMadToSigma = 1.4826;
constexpr double kMeanAbsToSigma = 1.2533;  // sqrt(pi / 2)

}  // namespace

RobustZScoreDetector::RobustZScoreDetector(RobustZScoreOptions options, std::string name, Catalog& catalog)
    : options_(std::move(options)), name_(std::move(name)), catalog_(catalog) {}

bool RobustZScoreDetector::AppliesTo(std::string_view signal) const {
  return pipeline::SignalListed(options_.signals, signal);
}

bool RobustZScoreDetector::AppliesToDerived(std::string_view signal) const {
  return pipeline::SignalNamed(options_.signals, signal);
}

void RobustZScoreDetector::PopOldest(SeriesState& state) {
  const std::uint64_t seq = state.pushed - state.window.size();
  state.quantiles.Erase(state.window.front_value(), seq);
  state.window.PopFront();
}

void RobustZScoreDetector::Process(const Sample& sample, pipeline::ProcessorOutput& out) {
  if (!std::isfinite(sample.value) || sample.quality == Quality::kBad) return;
  const bool timed = options_.window_time > 0;
  SeriesState& state = states_.Get(sample.series, [&] {
    auto s = std::make_unique<SeriesState>(timed);
    s->output = detail::DerivedSeries(catalog_, sample.series, options_.output);
    return s;
  });
  if (timed) {
    while (!state.window.empty() && state.window.front_time() <= sample.time - options_.window_time)
      PopOldest(state);
  }
  const std::size_t n = state.window.size();
  if (n >= options_.warmup && n >= 1) {
    const double median = state.quantiles.Median();
    double scale = kMadToSigma * state.quantiles.Mad(median);
    if (scale == 0) {
      double sum = 0;
      for (std::size_t i = 0; i < n; ++i) sum += std::fabs(state.window.value(i) - median);
      scale = kMeanAbsToSigma * sum / static_cast<double>(n);
    }
    const double diff = sample.value - median;
    double score = scale > 0 ? std::fabs(diff) / scale : (diff == 0 ? 0 : kMaxScore);
    score = std::min(score, kMaxScore);
    if (state.output != kInvalidSeries) out.derived.Append(state.output, sample.time, score);
    if (score >= options_.threshold) {
      out.events.push_back({EventKind::kAnomaly, sample.time, sample.series, sample.value,
                            std::copysign(score, diff), name_,
                            fmt::format("robust z = {:.2f} (median {:.4g}, MAD {:.4g}, {} values)",
                                        std::copysign(score, diff), median, scale / kMadToSigma, n)});
    }
  }
  if (!timed && n >= options_.window) PopOldest(state);
  state.window.Push(sample.time, sample.value);
  state.quantiles.Insert(sample.value, state.pushed++);
}

pipeline::PluginDescriptor RobustZScoreDetector::Descriptor() {
  using pipeline::OptionType;
  pipeline::PluginDescriptor d;
  d.kind = pipeline::PluginKind::kDetector;
  d.name = "robust_zscore";
  d.doc =
      "Rolling median/MAD score per signal, |x - median| / (1.4826 MAD); emits <signal>.robust_score and an "
      "anomaly event when it reaches the threshold";
  d.options = {
      {"window", OptionType::kInt, std::int64_t{100}, "values in the window (when window_time is 0)",
       detail::PositiveInt},
      {"window_time", OptionType::kDuration, std::int64_t{0}, "window by time instead of count, e.g. \"5m\"",
       detail::NonNegativeInt},
      {"threshold", OptionType::kDouble, 3.5, "score at or above which an anomaly event is raised",
       detail::PositiveDouble},
      {"warmup", OptionType::kInt, std::int64_t{30}, "values the window must hold before scoring starts",
       detail::PositiveInt},
      detail::SignalsOption("score"),
      detail::OutputOption("robust_score"),
  };
  d.factory = [](const pipeline::Options& o,
                 pipeline::PluginContext& ctx) -> Result<std::unique_ptr<pipeline::Plugin>> {
    RobustZScoreOptions opts;
    opts.window = static_cast<std::size_t>(o.GetInt("window"));
    opts.window_time = o.GetDuration("window_time");
    opts.threshold = o.GetDouble("threshold");
    opts.warmup = static_cast<std::size_t>(o.GetInt("warmup"));
    opts.signals = o.GetStringList("signals");
    opts.output = o.GetString("output");
    if (auto err = detail::CheckSignals(opts.signals, ctx); !err.empty()) return Status::InvalidArgument(err);
    if (opts.window_time == 0 && opts.warmup > opts.window)
      return Status::InvalidArgument("warmup (" + std::to_string(opts.warmup) + ") exceeds window (" +
                                     std::to_string(opts.window) + "): the detector would never score");
    return std::unique_ptr<pipeline::Plugin>(
        new RobustZScoreDetector(std::move(opts), ctx.name, ctx.catalog));
  };
  return d;
}

}  // namespace mw::analytics
