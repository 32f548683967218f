#include "analytics/features/machine_state.h"

#include <cmath>

namespace mw::analytics {

MachineState::MachineState(MachineStateOptions options, Catalog& catalog)
    : options_(std::move(options)), catalog_(catalog) {}

bool MachineState::AppliesTo(std::string_view signal) const { return SignalListed(options_.signals, signal); }

void MachineState::Process(const Sample& sample, pipeline::ProcessorOutput& out) {
  if (!Usable(sample) || std::fabs(sample.value) > 1e15) return;
  SeriesState* found = states_.Find(sample.series);
  if (found == nullptr) {
    auto fresh = std::make_unique<SeriesState>();
    fresh->time_output = DerivedSeries(catalog_, sample.series, "time_in_state");
    fresh->count_output = DerivedSeries(catalog_, sample.series, "transitions");
    if (options_.cycle_state) fresh->cycle_output = DerivedSeries(catalog_, sample.series, "cycle_time");
    found = &states_.Put(sample.series, std::move(fresh));
  }
  SeriesState& s = *found;
  const Timestamp t = sample.time;
  const auto value = static_cast<std::int64_t>(std::llround(sample.value));
  if (!s.started) {
    s.started = true;
    s.state = value;
    s.entered = t;
    s.entered_known = true;
    s.last_time = t;
    return;
  }
  if (t < s.last_time) return;
  if (options_.max_gap > 0 && t - s.last_time > options_.max_gap) {
    s.entered_known = false;
    s.cycle_known = false;
  }
  s.last_time = t;
  if (value == s.state) return;
  ++s.transitions;
  if (s.entered_known && s.time_output != kInvalidSeries)
    out.derived.Append(s.time_output, t, Seconds(s.entered, t));
  if (s.count_output != kInvalidSeries)
    out.derived.Append(s.count_output, t, static_cast<double>(s.transitions));
  if (options_.cycle_state && value == *options_.cycle_state) {
    if (s.cycle_known && s.cycle_output != kInvalidSeries)
      out.derived.Append(s.cycle_output, t, Seconds(s.cycle_start, t));
    s.cycle_start = t;
    s.cycle_known = true;
  }
  s.state = value;
  s.entered = t;
  s.entered_known = true;
}

pipeline::PluginDescriptor MachineState::Descriptor() {
  using pipeline::OptionType;
  pipeline::PluginDescriptor d;
  d.kind = pipeline::PluginKind::kProcessor;
  d.name = "machine_state";
  d.doc =
      "State signals: emits <signal>.time_in_state (s), <signal>.transitions and <signal>.cycle_time (s) at "
      "each change of state";
  d.options = {
      {"signals",
       OptionType::kStringList,
       std::vector<std::string>{},
       "state signals; empty: all of the template",
       {}},
      {"cycle_state",
       OptionType::kInt,
       std::int64_t{-1},
       "state whose successive entries delimit a cycle; -1: no cycle time",
       {}},
      {"max_gap", OptionType::kDuration, std::int64_t{0},
       "a longer gap makes the running state's length unknown; 0: never",
       pipeline::OptionNonNegativeDuration},
  };
  d.factory = [](const pipeline::Options& o,
                 pipeline::PluginContext& ctx) -> Result<std::unique_ptr<pipeline::Plugin>> {
    MachineStateOptions opts;
    opts.signals = o.GetStringList("signals");
    if (o.GetInt("cycle_state") >= 0) opts.cycle_state = o.GetInt("cycle_state");
    opts.max_gap = o.GetDuration("max_gap");
    if (Status s = CheckTemplateSignals(ctx, "signals", opts.signals); !s.ok()) return s;
    return std::unique_ptr<pipeline::Plugin>(new MachineState(std::move(opts), ctx.catalog));
  };
  return d;
}

}  // namespace mw::analytics
