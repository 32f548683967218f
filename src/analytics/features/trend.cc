#include "analytics/features/trend.h"

#include <cmath>

namespace mw::analytics {

Ewma::Ewma(EwmaOptions options, Catalog& catalog) : options_(std::move(options)), catalog_(catalog) {
  if (options_.half_life > 0) decay_per_ns_ = std::log(2.0) / static_cast<double>(options_.half_life);
}

bool Ewma::AppliesTo(std::string_view signal) const { return SignalListed(options_.signals, signal); }

bool Ewma::AppliesToDerived(std::string_view signal) const { return SignalNamed(options_.signals, signal); }

void Ewma::Process(const Sample& sample, pipeline::ProcessorOutput& out) {
  if (!Usable(sample)) return;
  SeriesState* state = states_.Find(sample.series);
  if (state == nullptr) {
    auto fresh = std::make_unique<SeriesState>();
    fresh->output = DerivedSeries(catalog_, sample.series, options_.output);
    state = &states_.Put(sample.series, std::move(fresh));
  }
  const Timestamp dt = sample.time - state->last_time;
  if (state->started && dt < 0) return;
  if (!state->started || (options_.max_gap > 0 && dt > options_.max_gap)) {
    state->value = sample.value;
    state->started = true;
  } else {
    const double alpha =
        options_.half_life > 0 ? -std::expm1(-decay_per_ns_ * static_cast<double>(dt)) : options_.alpha;
    state->value += alpha * (sample.value - state->value);
  }
  state->last_time = sample.time;
  if (state->output != kInvalidSeries) out.derived.Append(state->output, sample.time, state->value);
}

pipeline::PluginDescriptor Ewma::Descriptor() {
  using pipeline::OptionType;
  pipeline::PluginDescriptor d;
  d.kind = pipeline::PluginKind::kProcessor;
  d.name = "ewma";
  d.doc = "Exponentially weighted moving average of each signal; emits <signal>.<output> per sample";
  d.options = {
      {"alpha", OptionType::kDouble, 0.1, "weight of a new value (0 < alpha <= 1), when half_life is 0",
       [](const pipeline::OptionValue& v) {
         const double a = std::get<double>(v);
         return a > 0 && a <= 1 ? "" : "expected 0 < alpha <= 1";
       }},
      {"half_life", OptionType::kDuration, std::int64_t{0},
       "time after which a value's weight has halved; > 0 makes the weight follow sample spacing",
       pipeline::OptionNonNegativeDuration},
      {"signals",
       OptionType::kStringList,
       std::vector<std::string>{},
       "signals; empty: all of the template",
       {}},
      {"output", OptionType::kString, std::string("ewma"), "suffix of the derived series", {}},
      {"max_gap", OptionType::kDuration, std::int64_t{0}, "a longer gap restarts the average; 0: never",
       pipeline::OptionNonNegativeDuration},
  };
  d.factory = [](const pipeline::Options& o,
                 pipeline::PluginContext& ctx) -> Result<std::unique_ptr<pipeline::Plugin>> {
    EwmaOptions opts;
    opts.alpha = o.GetDouble("alpha");
    opts.half_life = o.GetDuration("half_life");
    opts.signals = o.GetStringList("signals");
    opts.output = o.GetString("output");
    opts.max_gap = o.GetDuration("max_gap");
    if (Status s = CheckTemplateSignals(ctx, "signals", opts.signals); !s.ok()) return s;
    return std::unique_ptr<pipeline::Plugin>(new Ewma(std::move(opts), ctx.catalog));
  };
  return d;
}

Rate::Rate(RateOptions options, Catalog& catalog) : options_(std::move(options)), catalog_(catalog) {}

bool Rate::AppliesTo(std::string_view signal) const { return SignalListed(options_.signals, signal); }

bool Rate::AppliesToDerived(std::string_view signal) const { return SignalNamed(options_.signals, signal); }

void Rate::Process(const Sample& sample, pipeline::ProcessorOutput& out) {
  if (!Usable(sample)) return;
  SeriesState* state = states_.Find(sample.series);
  if (state == nullptr) {
    auto fresh = std::make_unique<SeriesState>();
    fresh->output = DerivedSeries(catalog_, sample.series, options_.output);
    state = &states_.Put(sample.series, std::move(fresh));
  }
  const Timestamp dt = sample.time - state->last_time;
  if (state->started) {
    if (dt <= 0) return;
    if ((options_.max_gap == 0 || dt <= options_.max_gap) && state->output != kInvalidSeries)
      out.derived.Append(
          state->output, sample.time,
          (sample.value - state->value) * (static_cast<double>(kNanosPerSecond) / static_cast<double>(dt)));
  }
  state->started = true;
  state->value = sample.value;
  state->last_time = sample.time;
}

pipeline::PluginDescriptor Rate::Descriptor() {
  using pipeline::OptionType;
  pipeline::PluginDescriptor d;
  d.kind = pipeline::PluginKind::kProcessor;
  d.name = "rate";
  d.doc =
      "Rate of change per second of each signal, between successive good samples; emits <signal>.<output>";
  d.options = {
      {"signals",
       OptionType::kStringList,
       std::vector<std::string>{},
       "signals; empty: all of the template",
       {}},
      {"output", OptionType::kString, std::string("rate"), "suffix of the derived series", {}},
      {"max_gap", OptionType::kDuration, std::int64_t{0}, "no rate across a longer gap; 0: never",
       pipeline::OptionNonNegativeDuration},
  };
  d.factory = [](const pipeline::Options& o,
                 pipeline::PluginContext& ctx) -> Result<std::unique_ptr<pipeline::Plugin>> {
    RateOptions opts;
    opts.signals = o.GetStringList("signals");
    opts.output = o.GetString("output");
    opts.max_gap = o.GetDuration("max_gap");
    if (Status s = CheckTemplateSignals(ctx, "signals", opts.signals); !s.ok()) return s;
    return std::unique_ptr<pipeline::Plugin>(new Rate(std::move(opts), ctx.catalog));
  };
  return d;
}

}  // namespace mw::analytics
