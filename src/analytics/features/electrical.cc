#include "analytics/features/electrical.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace mw::analytics {
namespace {

// A segment this many periods long is treated as a hole even when max_gap is 0, so that one late
// sample cannot make the processor close millions of empty periods.
constexpr Timestamp kMaxPeriodsPerSegment = 1000;

// The time (ns) at which the line from (t0, v0) to (t1, v1) crosses `level`; v0 != v1.
double Crossing(Timestamp t0, double v0, Timestamp t1, double v1, double level) {
  return static_cast<double>(t0) + (level - v0) / (v1 - v0) * static_cast<double>(t1 - t0);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// current_integral

CurrentIntegral::CurrentIntegral(CurrentIntegralOptions options, Catalog& catalog)
    : options_(std::move(options)), catalog_(catalog) {}

bool CurrentIntegral::AppliesTo(std::string_view signal) const {
  return SignalListed(options_.signals, signal);
}

void CurrentIntegral::Close(SeriesState& state, pipeline::ProcessorOutput& out) {
  if (state.output != kInvalidSeries && state.covered > 0 &&
      static_cast<double>(state.covered) >= options_.min_coverage * static_cast<double>(options_.period))
    out.derived.Append(state.output, state.period_end, state.charge);
  state.charge = 0;
  state.covered = 0;
}

void CurrentIntegral::Process(const Sample& sample, pipeline::ProcessorOutput& out) {
  if (!Usable(sample)) return;
  SeriesState* found = states_.Find(sample.series);
  if (found == nullptr) {
    auto fresh = std::make_unique<SeriesState>();
    fresh->output = DerivedSeries(catalog_, sample.series, options_.output);
    found = &states_.Put(sample.series, std::move(fresh));
  }
  SeriesState& state = *found;
  const Timestamp t = sample.time;
  const double v = sample.value;
  if (!state.started) {
    state.started = true;
    state.period_end = NextBoundary(t, options_.period);
  } else {
    if (t <= state.last_time) return;
    const Timestamp span = t - state.last_time;
    const bool hole =
        (options_.max_gap > 0 && span > options_.max_gap) || span > kMaxPeriodsPerSegment * options_.period;
    if (hole) {
      if (t >= state.period_end) {
        Close(state, out);
        state.period_end = NextBoundary(t, options_.period);
      }
    } else {
      Timestamp seg_start = state.last_time;
      double v0 = state.last_value;
      const double slope = (v - state.last_value) / static_cast<double>(span);
      while (t >= state.period_end) {
        const double vb = state.last_value + slope * static_cast<double>(state.period_end - state.last_time);
        const Timestamp dt = state.period_end - seg_start;
        state.charge += 0.5 * (v0 + vb) * Seconds(0, dt);
        state.covered += dt;
        Close(state, out);
        seg_start = state.period_end;
        v0 = vb;
        state.period_end += options_.period;
      }
      state.charge += 0.5 * (v0 + v) * Seconds(seg_start, t);
      state.covered += t - seg_start;
    }
  }
  state.last_time = t;
  state.last_value = v;
}

pipeline::PluginDescriptor CurrentIntegral::Descriptor() {
  using pipeline::OptionType;
  pipeline::PluginDescriptor d;
  d.kind = pipeline::PluginKind::kProcessor;
  d.name = "current_integral";
  d.doc = "Integral of each current signal over tumbling periods (trapezoid, A·s); emits <signal>.<output>";
  d.options = {
      {"period", OptionType::kDuration, std::int64_t{60 * kNanosPerSecond},
       "length of the tumbling periods, aligned to the epoch", CheckPositiveDuration},
      {"signals",
       OptionType::kStringList,
       std::vector<std::string>{},
       "signals; empty: all of the template",
       {}},
      {"output", OptionType::kString, std::string("charge"), "suffix of the derived series", {}},
      {"max_gap", OptionType::kDuration, std::int64_t{kNanosPerSecond},
       "a longer time between samples is a hole that contributes nothing; 0: never",
       pipeline::OptionNonNegativeDuration},
      {"min_coverage", OptionType::kDouble, 0.9,
       "fraction of a period that samples must cover for it to be emitted",
       [](const pipeline::OptionValue& o) {
         const double f = std::get<double>(o);
         return f >= 0 && f <= 1 ? "" : "expected 0 <= min_coverage <= 1";
       }},
  };
  d.factory = [](const pipeline::Options& o,
                 pipeline::PluginContext& ctx) -> Result<std::unique_ptr<pipeline::Plugin>> {
    CurrentIntegralOptions opts;
    opts.period = o.GetDuration("period");
    opts.signals = o.GetStringList("signals");
    opts.output = o.GetString("output");
    opts.max_gap = o.GetDuration("max_gap");
    opts.min_coverage = o.GetDouble("min_coverage");
    if (Status s = CheckTemplateSignals(ctx, "signals", opts.signals); !s.ok()) return s;
    return std::unique_ptr<pipeline::Plugin>(new CurrentIntegral(std::move(opts), ctx.catalog));
  };
  return d;
}

// ---------------------------------------------------------------------------------------------
// phase_asymmetry

double AsymmetryPercent(double a, double b, double c) {
  const double mean = (a + b + c) / 3.0;
  if (!(mean > 0)) return 0;
  const double dev = std::max({std::fabs(a - mean), std::fabs(b - mean), std::fabs(c - mean)});
  return dev / mean * 100.0;
}

PhaseAsymmetry::PhaseAsymmetry(PhaseAsymmetryOptions options, Catalog& catalog)
    : options_(std::move(options)), catalog_(catalog) {}

bool PhaseAsymmetry::AppliesTo(std::string_view signal) const {
  return std::find(options_.phases.begin(), options_.phases.end(), signal) != options_.phases.end();
}

PhaseAsymmetry::SeriesRole& PhaseAsymmetry::RoleOf(SeriesId id) {
  if (SeriesRole* r = roles_.Find(id)) return *r;
  auto role = std::make_unique<SeriesRole>();
  if (auto info = catalog_.Series(id)) {
    role->asset = info->asset;
    for (int i = 0; i < 3; ++i)
      if (options_.phases[static_cast<std::size_t>(i)] == info->signal) role->phase = i;
  }
  return roles_.Put(id, std::move(role));
}

void PhaseAsymmetry::CloseWindow(AssetState& asset, Phase& phase, pipeline::ProcessorOutput& out) {
  phase.closed_end = phase.window_end;
  phase.closed_valid = !phase.tainted && phase.n >= options_.min_count;
  phase.closed_rms = phase.n > 0 ? std::sqrt(phase.sum_sq / static_cast<double>(phase.n)) : 0;
  phase.sum_sq = 0;
  phase.n = 0;
  phase.tainted = false;
  const Timestamp end = phase.closed_end;
  if (asset.emitted_end == end || asset.output == kInvalidSeries) return;
  for (const Phase& p : asset.phases)
    if (p.closed_end != end || !p.closed_valid) return;
  asset.emitted_end = end;
  out.derived.Append(
      asset.output, end,
      AsymmetryPercent(asset.phases[0].closed_rms, asset.phases[1].closed_rms, asset.phases[2].closed_rms));
}

void PhaseAsymmetry::Process(const Sample& sample, pipeline::ProcessorOutput& out) {
  if (!Usable(sample)) return;
  const SeriesRole& role = RoleOf(sample.series);
  if (role.phase < 0 || role.asset == kInvalidAsset) return;
  AssetState* asset = assets_.Find(role.asset);
  if (asset == nullptr) {
    auto fresh = std::make_unique<AssetState>();
    fresh->output = catalog_.InternSeries(role.asset, options_.output);
    asset = &assets_.Put(role.asset, std::move(fresh));
  }
  Phase& phase = asset->phases[static_cast<std::size_t>(role.phase)];
  const Timestamp t = sample.time;
  const Timestamp w = options_.window_time;
  if (!phase.started) {
    phase.started = true;
    phase.window_end = NextBoundary(t, w);
  } else {
    if (t < phase.last_time) return;
    const bool gap = options_.max_gap > 0 && t - phase.last_time > options_.max_gap;
    if (gap) phase.tainted = true;
    if (t >= phase.window_end) {
      CloseWindow(*asset, phase, out);
      phase.window_end += w;
      // Windows the silence skipped hold nothing: go straight to the one holding t. A gap makes
      // that window start with a hole too.
      if (t >= phase.window_end) phase.window_end = NextBoundary(t, w);
      phase.tainted = gap;
    }
  }
  phase.last_time = t;
  phase.sum_sq += sample.value * sample.value;
  ++phase.n;
}

pipeline::PluginDescriptor PhaseAsymmetry::Descriptor() {
  using pipeline::OptionType;
  pipeline::PluginDescriptor d;
  d.kind = pipeline::PluginKind::kProcessor;
  d.name = "phase_asymmetry";
  d.doc =
      "Three-phase current asymmetry: max deviation of the phase RMS values from their mean, in %, per "
      "tumbling window; emits the asset's series <output>";
  d.options = {
      {"phases", OptionType::kStringList, std::nullopt,
       "the three phase current signals, e.g. [\"i1\", \"i2\", \"i3\"]",
       [](const pipeline::OptionValue& v) {
         return std::get<std::vector<std::string>>(v).size() == 3 ? "" : "expected exactly three signals";
       }},
      {"window_time", OptionType::kDuration, std::int64_t{kNanosPerSecond},
       "length of the tumbling RMS windows, aligned to the epoch", CheckPositiveDuration},
      {"output",
       OptionType::kString,
       std::string("current_asymmetry"),
       "signal name of the derived series",
       {}},
      {"max_gap", OptionType::kDuration, std::int64_t{0},
       "a longer gap in a phase invalidates the windows it touches; 0: never",
       pipeline::OptionNonNegativeDuration},
      {"min_count", OptionType::kInt, std::int64_t{2}, "values each phase needs in a window",
       CheckPositiveInt},
  };
  d.factory = [](const pipeline::Options& o,
                 pipeline::PluginContext& ctx) -> Result<std::unique_ptr<pipeline::Plugin>> {
    PhaseAsymmetryOptions opts;
    const auto& phases = o.GetStringList("phases");
    if (phases.size() != 3) return Status::InvalidArgument("phases: expected exactly three signals");
    std::copy(phases.begin(), phases.end(), opts.phases.begin());
    opts.window_time = o.GetDuration("window_time");
    opts.output = o.GetString("output");
    opts.max_gap = o.GetDuration("max_gap");
    opts.min_count = static_cast<std::size_t>(o.GetInt("min_count"));
    if (Status s = CheckTemplateSignals(ctx, "phases", phases); !s.ok()) return s;
    return std::unique_ptr<pipeline::Plugin>(new PhaseAsymmetry(std::move(opts), ctx.catalog));
  };
  return d;
}

// ---------------------------------------------------------------------------------------------
// inrush

Inrush::Inrush(InrushOptions options, std::string name, Catalog& catalog)
    : options_(std::move(options)), name_(std::move(name)), catalog_(catalog) {}

bool Inrush::AppliesTo(std::string_view signal) const { return SignalListed(options_.signals, signal); }

void Inrush::Process(const Sample& sample, pipeline::ProcessorOutput& out) {
  if (!Usable(sample)) return;
  SeriesState* found = states_.Find(sample.series);
  if (found == nullptr) {
    auto fresh = std::make_unique<SeriesState>();
    fresh->peak_output = DerivedSeries(catalog_, sample.series, "inrush_peak");
    fresh->duration_output = DerivedSeries(catalog_, sample.series, "inrush_duration");
    found = &states_.Put(sample.series, std::move(fresh));
  }
  SeriesState& s = *found;
  const Timestamp t = sample.time;
  const double v = sample.value;
  if (s.has_prev) {
    if (t <= s.prev_time) return;
    if (options_.max_gap > 0 && t - s.prev_time > options_.max_gap) {
      // Neither the crossing nor the settling can be timed across a hole.
      s.active = false;
      s.has_prev = false;
    }
  }
  if (!s.active) {
    if (s.has_prev && s.prev_value < options_.start_threshold && v >= options_.start_threshold) {
      s.active = true;
      s.reached_settle = v >= options_.settle_level;
      s.peak = v;
      s.start_time = Crossing(s.prev_time, s.prev_value, t, v, options_.start_threshold);
    }
  } else {
    s.peak = std::max(s.peak, v);
    if (v >= options_.settle_level) {
      s.reached_settle = true;
    } else if (s.reached_settle) {
      const double end = Crossing(s.prev_time, s.prev_value, t, v, options_.settle_level);
      if (s.peak_output != kInvalidSeries) out.derived.Append(s.peak_output, t, s.peak);
      if (s.duration_output != kInvalidSeries)
        out.derived.Append(s.duration_output, t, (end - s.start_time) / static_cast<double>(kNanosPerSecond));
      s.active = false;
    } else if (v < options_.start_threshold) {
      s.active = false;  // fell back without an inrush: a blip, not a start
    }
    if (s.active && static_cast<double>(t) - s.start_time > static_cast<double>(options_.max_duration)) {
      out.events.push_back(
          {EventKind::kAnomaly, t, sample.series, v, s.peak, name_,
           fmt::format("inrush did not settle below {:.4g} within {:.3g} s (peak {:.4g})",
                       options_.settle_level, static_cast<double>(options_.max_duration) / 1e9, s.peak)});
      s.active = false;
    }
  }
  s.has_prev = true;
  s.prev_time = t;
  s.prev_value = v;
}

pipeline::PluginDescriptor Inrush::Descriptor() {
  using pipeline::OptionType;
  pipeline::PluginDescriptor d;
  d.kind = pipeline::PluginKind::kProcessor;
  d.name = "inrush";
  d.doc =
      "Inrush of each start (current crossing start_threshold from below): emits <signal>.inrush_peak (A) "
      "and <signal>.inrush_duration (s) when it settles below settle_level";
  d.options = {
      {"start_threshold", OptionType::kDouble, std::nullopt, "current (A) whose upward crossing is a start",
       CheckNonNegativeDouble},
      {"settle_level", OptionType::kDouble, std::nullopt,
       "current (A) below which the inrush has settled; above start_threshold", CheckPositiveDouble},
      {"max_duration", OptionType::kDuration, std::int64_t{30 * kNanosPerSecond},
       "an inrush still above settle_level after this raises an event", CheckPositiveDuration},
      {"max_gap", OptionType::kDuration, std::int64_t{0}, "a longer gap drops a running inrush; 0: never",
       pipeline::OptionNonNegativeDuration},
      {"signals",
       OptionType::kStringList,
       std::vector<std::string>{},
       "current signals; empty: all of the template",
       {}},
  };
  d.factory = [](const pipeline::Options& o,
                 pipeline::PluginContext& ctx) -> Result<std::unique_ptr<pipeline::Plugin>> {
    InrushOptions opts;
    opts.start_threshold = o.GetDouble("start_threshold");
    opts.settle_level = o.GetDouble("settle_level");
    opts.max_duration = o.GetDuration("max_duration");
    opts.max_gap = o.GetDuration("max_gap");
    opts.signals = o.GetStringList("signals");
    if (opts.settle_level <= opts.start_threshold)
      return Status::InvalidArgument("settle_level must exceed start_threshold");
    if (Status s = CheckTemplateSignals(ctx, "signals", opts.signals); !s.ok()) return s;
    return std::unique_ptr<pipeline::Plugin>(new Inrush(std::move(opts), ctx.name, ctx.catalog));
  };
  return d;
}

}  // namespace mw::analytics
