#include "analytics/detectors/control_charts.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace mw::analytics {
namespace {

constexpr double kMaxScore = 1e6;

std::string WarmupAtLeastTwo(const pipeline::OptionValue& v) {
  return std::get<std::int64_t>(v) >= 2 ? "" : "expected an integer >= 2";
}

}  // namespace

bool ChartReference::Learn(double x) {
  stats_.Add(x);
  if (stats_.count() < warmup_) return false;
  mean_ = stats_.mean();
  sigma_ = std::max(stats_.SampleStddev(), 1e-9 * std::max(1.0, std::fabs(mean_)));
  ready_ = true;
  return true;
}

// ---- EWMA ----

EwmaChartDetector::EwmaChartDetector(EwmaChartOptions options, std::string name, Catalog& catalog)
    : options_(std::move(options)),
      asymptotic_factor_(options_.lambda / (2 - options_.lambda)),
      name_(std::move(name)),
      catalog_(catalog) {}

bool EwmaChartDetector::AppliesTo(std::string_view signal) const {
  return pipeline::SignalListed(options_.signals, signal);
}

bool EwmaChartDetector::AppliesToDerived(std::string_view signal) const {
  return pipeline::SignalNamed(options_.signals, signal);
}

void EwmaChartDetector::Process(const Sample& sample, pipeline::ProcessorOutput& out) {
  if (!std::isfinite(sample.value) || sample.quality == Quality::kBad) return;
  SeriesState& s = states_.Get(sample.series, [&] {
    auto state = std::make_unique<SeriesState>(options_.warmup);
    state->output = detail::DerivedSeries(catalog_, sample.series, options_.output);
    if (options_.emit_limits) {
      state->ewma = detail::DerivedSeries(catalog_, sample.series, "ewma");
      state->ucl = detail::DerivedSeries(catalog_, sample.series, "ewma_ucl");
      state->lcl = detail::DerivedSeries(catalog_, sample.series, "ewma_lcl");
    }
    return state;
  });
  if (!s.reference.ready()) {
    if (s.reference.Learn(sample.value)) {
      s.z = s.reference.mean();
      s.decay = 1;
    }
    return;
  }
  const double lambda = options_.lambda;
  const double keep = 1 - lambda;
  s.z = lambda * sample.value + keep * s.z;
  s.decay *= keep * keep;
  const double sd_z = s.reference.sigma() * std::sqrt(asymptotic_factor_ * (1 - s.decay));
  const double diff = s.z - s.reference.mean();
  const double score = std::min(std::fabs(diff) / sd_z, kMaxScore);
  if (s.output != kInvalidSeries) out.derived.Append(s.output, sample.time, score);
  if (options_.emit_limits && s.ewma != kInvalidSeries) {
    out.derived.Append(s.ewma, sample.time, s.z);
    out.derived.Append(s.ucl, sample.time, s.reference.mean() + options_.limit * sd_z);
    out.derived.Append(s.lcl, sample.time, s.reference.mean() - options_.limit * sd_z);
  }
  if (score > options_.limit) {
    out.events.push_back({EventKind::kAnomaly, sample.time, sample.series, sample.value,
                          std::copysign(score, diff), name_,
                          fmt::format("EWMA {:.4g} outside {:.4g} ± {:.4g} (λ {}, L {})", s.z,
                                      s.reference.mean(), options_.limit * sd_z, lambda, options_.limit)});
    if (options_.restart) s.reference.Restart();
  }
}

pipeline::PluginDescriptor EwmaChartDetector::Descriptor() {
  using pipeline::OptionType;
  pipeline::PluginDescriptor d;
  d.kind = pipeline::PluginKind::kDetector;
  d.name = "ewma_chart";
  d.doc =
      "EWMA control chart per signal with time-varying limits; emits <signal>.ewma_score (distance from the "
      "reference mean in EWMA standard deviations) and an event outside mean ± L sd";
  d.options = {
      {"lambda", OptionType::kDouble, 0.2, "smoothing weight of the newest value, in (0, 1]",
       [](const pipeline::OptionValue& v) {
         const double x = std::get<double>(v);
         return x > 0 && x <= 1 ? "" : "expected a number in (0, 1]";
       }},
      {"limit", OptionType::kDouble, 3.0, "L: control limits at L standard deviations of the EWMA",
       detail::PositiveDouble},
      {"warmup", OptionType::kInt, std::int64_t{30}, "values that estimate the reference mean and sigma",
       WarmupAtLeastTwo},
      {"restart", OptionType::kBool, true, "learn a new reference after each signal", {}},
      {"emit_limits", OptionType::kBool, false, "also emit <signal>.ewma, .ewma_ucl and .ewma_lcl", {}},
      detail::SignalsOption("chart"),
      detail::OutputOption("ewma_score"),
  };
  d.factory = [](const pipeline::Options& o,
                 pipeline::PluginContext& ctx) -> Result<std::unique_ptr<pipeline::Plugin>> {
    EwmaChartOptions opts;
    opts.lambda = o.GetDouble("lambda");
    opts.limit = o.GetDouble("limit");
    opts.warmup = static_cast<std::size_t>(o.GetInt("warmup"));
    opts.restart = o.GetBool("restart");
    opts.emit_limits = o.GetBool("emit_limits");
    opts.signals = o.GetStringList("signals");
    opts.output = o.GetString("output");
    if (auto err = detail::CheckSignals(opts.signals, ctx); !err.empty()) return Status::InvalidArgument(err);
    return std::unique_ptr<pipeline::Plugin>(new EwmaChartDetector(std::move(opts), ctx.name, ctx.catalog));
  };
  return d;
}

// ---- CUSUM ----

CusumDetector::CusumDetector(CusumOptions options, std::string name, Catalog& catalog)
    : options_(std::move(options)), name_(std::move(name)), catalog_(catalog) {}

bool CusumDetector::AppliesTo(std::string_view signal) const {
  return pipeline::SignalListed(options_.signals, signal);
}

bool CusumDetector::AppliesToDerived(std::string_view signal) const {
  return pipeline::SignalNamed(options_.signals, signal);
}

void CusumDetector::Process(const Sample& sample, pipeline::ProcessorOutput& out) {
  if (!std::isfinite(sample.value) || sample.quality == Quality::kBad) return;
  SeriesState& s = states_.Get(sample.series, [&] {
    auto state = std::make_unique<SeriesState>(options_.warmup);
    state->output = detail::DerivedSeries(catalog_, sample.series, options_.output);
    return state;
  });
  if (!s.reference.ready()) {
    if (s.reference.Learn(sample.value)) s.high = s.low = 0;
    return;
  }
  const double u = (sample.value - s.reference.mean()) / s.reference.sigma();
  s.high = std::min(std::max(0.0, s.high + u - options_.k), kMaxScore);
  s.low = std::min(std::max(0.0, s.low - u - options_.k), kMaxScore);
  const double score = std::max(s.high, s.low);
  if (s.output != kInvalidSeries) out.derived.Append(s.output, sample.time, score);
  if (score > options_.h) {
    const bool up = s.high >= s.low;
    out.events.push_back(
        {EventKind::kAnomaly, sample.time, sample.series, sample.value, up ? score : -score, name_,
         fmt::format("CUSUM {} = {:.2f} > h = {} (mean {:.4g}, sigma {:.4g}, k {})", up ? "S+" : "S-", score,
                     options_.h, s.reference.mean(), s.reference.sigma(), options_.k)});
    s.high = s.low = 0;
    if (options_.restart) s.reference.Restart();
  }
}

pipeline::PluginDescriptor CusumDetector::Descriptor() {
  using pipeline::OptionType;
  pipeline::PluginDescriptor d;
  d.kind = pipeline::PluginKind::kDetector;
  d.name = "cusum";
  d.doc =
      "Two-sided tabular CUSUM per signal (k, h in sigma units, reference over a warm-up); emits "
      "<signal>.cusum_score = max(S+, S-) and an event when it exceeds h";
  d.options = {
      {"k", OptionType::kDouble, 0.5, "allowance in sigma units (half the shift to detect)",
       [](const pipeline::OptionValue& v) {
         return std::get<double>(v) >= 0 ? "" : "expected a number >= 0";
       }},
      {"h", OptionType::kDouble, 5.0, "decision interval in sigma units", detail::PositiveDouble},
      {"warmup", OptionType::kInt, std::int64_t{30}, "values that estimate the reference mean and sigma",
       WarmupAtLeastTwo},
      {"restart", OptionType::kBool, true, "learn a new reference after each signal", {}},
      detail::SignalsOption("chart"),
      detail::OutputOption("cusum_score"),
  };
  d.factory = [](const pipeline::Options& o,
                 pipeline::PluginContext& ctx) -> Result<std::unique_ptr<pipeline::Plugin>> {
    CusumOptions opts;
    opts.k = o.GetDouble("k");
    opts.h = o.GetDouble("h");
    opts.warmup = static_cast<std::size_t>(o.GetInt("warmup"));
    opts.restart = o.GetBool("restart");
    opts.signals = o.GetStringList("signals");
    opts.output = o.GetString("output");
    if (auto err = detail::CheckSignals(opts.signals, ctx); !err.empty()) return Status::InvalidArgument(err);
    return std::unique_ptr<pipeline::Plugin>(new CusumDetector(std::move(opts), ctx.name, ctx.catalog));
  };
  return d;
}

}  // namespace mw::analytics
