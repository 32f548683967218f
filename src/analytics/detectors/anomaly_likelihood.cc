#include "analytics/detectors/anomaly_likelihood.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace mw::analytics {
namespace {

// Rolling sums drift by an ulp per step; recomputing them exactly this often keeps that far below
// anything a likelihood can see.
constexpr std::size_t kRecomputeEvery = 4096;

}  // namespace

double GaussianTail(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

AnomalyLikelihood::AnomalyLikelihood(AnomalyLikelihoodOptions options) : options_(options) {
  options_.short_window = std::max<std::size_t>(1, options_.short_window);
  options_.long_window = std::max<std::size_t>(2, options_.long_window);
}

double AnomalyLikelihood::Update(double score) {
  ++count_;
  if (recent_.size() == options_.short_window) {
    recent_sum_ -= recent_.front_value();
    recent_.PopFront();
  }
  recent_.Push(0, score);
  recent_sum_ += score;
  if (++since_recompute_ >= kRecomputeEvery) {
    since_recompute_ = 0;
    recent_sum_ = 0;
    for (std::size_t i = 0; i < recent_.size(); ++i) recent_sum_ += recent_.value(i);
    long_term_.Recompute(averages_);
  }
  const double average = recent_sum_ / static_cast<double>(recent_.size());
  // The Gaussian is that of the averages before this one, so that a sudden rise is judged against
  // the past rather than partly against itself.
  double likelihood = 0.5;
  tail_ = 0.5;
  if (count_ > options_.learning && long_term_.count() >= 2) {
    const double sd = std::max(
        {long_term_.SampleStddev(), options_.min_stddev_ratio * std::fabs(long_term_.mean()), 1e-12});
    tail_ = GaussianTail((average - long_term_.mean()) / sd);
    likelihood = 1 - tail_;
  }
  if (averages_.size() == options_.long_window) {
    long_term_.Remove(averages_.front_value());
    averages_.PopFront();
  }
  averages_.Push(0, average);
  long_term_.Add(average);
  return likelihood;
}

AnomalyLikelihoodDetector::AnomalyLikelihoodDetector(AnomalyLikelihoodDetectorOptions options,
                                                     std::string name, Catalog& catalog)
    : options_(std::move(options)), name_(std::move(name)), catalog_(catalog) {}

bool AnomalyLikelihoodDetector::AppliesTo(std::string_view signal) const {
  return std::any_of(options_.inputs.begin(), options_.inputs.end(), [&](const std::string& suffix) {
    if (signal == suffix) return true;
    return signal.size() > suffix.size() && signal.ends_with(suffix) &&
           signal[signal.size() - suffix.size() - 1] == '.';
  });
}

bool AnomalyLikelihoodDetector::AppliesToDerived(std::string_view signal) const { return AppliesTo(signal); }

void AnomalyLikelihoodDetector::Process(const Sample& sample, pipeline::ProcessorOutput& out) {
  if (!std::isfinite(sample.value) || sample.quality == Quality::kBad) return;
  SeriesState& s = states_.Get(sample.series, [&] {
    auto state = std::make_unique<SeriesState>(options_.likelihood);
    state->output = detail::DerivedSeries(catalog_, sample.series, options_.output);
    return state;
  });
  const double likelihood = s.likelihood.Update(sample.value);
  if (s.output != kInvalidSeries) out.derived.Append(s.output, sample.time, likelihood);
  if (likelihood >= options_.threshold) {
    out.events.push_back({EventKind::kAnomaly, sample.time, sample.series, sample.value, likelihood, name_,
                          fmt::format("anomaly likelihood {:.6f} (tail probability {:.2e})", likelihood,
                                      s.likelihood.tail())});
  }
}

pipeline::PluginDescriptor AnomalyLikelihoodDetector::Descriptor() {
  using pipeline::OptionType;
  pipeline::PluginDescriptor d;
  d.kind = pipeline::PluginKind::kDetector;
  d.name = "anomaly_likelihood";
  d.doc =
      "Likelihood that a score series is unusually high (short-term mean vs a long-term Gaussian of it); "
      "emits "
      "<score signal>.likelihood in [0, 1] and an event at or above the threshold";
  d.options = {
      {"short_window", OptionType::kInt, std::int64_t{10}, "scores in the short-term mean",
       detail::PositiveInt},
      {"long_window", OptionType::kInt, std::int64_t{2000}, "short-term means in the long-term Gaussian",
       [](const pipeline::OptionValue& v) {
         return std::get<std::int64_t>(v) >= 2 ? "" : "expected an integer >= 2";
       }},
      {"learning", OptionType::kInt, std::int64_t{300}, "scores before the first likelihood (0.5 until then)",
       detail::NonNegativeInt},
      {"min_stddev_ratio", OptionType::kDouble, 0.05,
       "floor of the long-term standard deviation, as a fraction of the long-term mean score",
       detail::PositiveDouble},
      {"threshold", OptionType::kDouble, 0.99999, "likelihood at or above which an anomaly event is raised",
       [](const pipeline::OptionValue& v) {
         const double x = std::get<double>(v);
         return x > 0 && x <= 1 ? "" : "expected a number in (0, 1]";
       }},
      {"inputs",
       OptionType::kStringList,
       std::vector<std::string>{"anomaly_score", "robust_score", "ewma_score", "cusum_score",
                                "iforest_score"},
       "suffixes of the score series to follow (<signal>.<suffix>, or the bare suffix)",
       {}},
      {"output", OptionType::kString, std::string("likelihood"), "suffix of the derived series", {}},
  };
  d.factory = [](const pipeline::Options& o,
                 pipeline::PluginContext& ctx) -> Result<std::unique_ptr<pipeline::Plugin>> {
    AnomalyLikelihoodDetectorOptions opts;
    opts.likelihood.short_window = static_cast<std::size_t>(o.GetInt("short_window"));
    opts.likelihood.long_window = static_cast<std::size_t>(o.GetInt("long_window"));
    opts.likelihood.learning = static_cast<std::size_t>(o.GetInt("learning"));
    opts.likelihood.min_stddev_ratio = o.GetDouble("min_stddev_ratio");
    opts.threshold = o.GetDouble("threshold");
    opts.inputs = o.GetStringList("inputs");
    opts.output = o.GetString("output");
    if (opts.inputs.empty()) return Status::InvalidArgument("inputs: expected at least one score suffix");
    return std::unique_ptr<pipeline::Plugin>(
        new AnomalyLikelihoodDetector(std::move(opts), ctx.name, ctx.catalog));
  };
  return d;
}

}  // namespace mw::analytics
