#include "analytics/features/valve.h"

#include <fmt/format.h>

namespace mw::analytics {

ValveTravel::ValveTravel(ValveTravelOptions options, std::string name, Catalog& catalog)
    : options_(std::move(options)), name_(std::move(name)), catalog_(catalog) {}

bool ValveTravel::AppliesTo(std::string_view signal) const {
  return signal == options_.command || signal == options_.open_limit || signal == options_.closed_limit;
}

ValveTravel::SeriesRole& ValveTravel::RoleOf(SeriesId id) {
  if (SeriesRole* r = roles_.Find(id)) return *r;
  auto role = std::make_unique<SeriesRole>();
  if (auto info = catalog_.Series(id)) {
    role->asset = info->asset;
    if (info->signal == options_.command)
      role->role = kCommand;
    else if (info->signal == options_.open_limit)
      role->role = kOpenLimit;
    else if (info->signal == options_.closed_limit)
      role->role = kClosedLimit;
  }
  return roles_.Put(id, std::move(role));
}

ValveTravel::AssetState& ValveTravel::AssetFor(AssetId id) {
  if (AssetState* a = assets_.Find(id)) return *a;
  auto fresh = std::make_unique<AssetState>();
  fresh->open_output = catalog_.InternSeries(id, options_.valve + ".open_time");
  fresh->close_output = catalog_.InternSeries(id, options_.valve + ".close_time");
  return assets_.Put(id, std::move(fresh));
}

void ValveTravel::Finish(AssetState& asset, Timestamp end, pipeline::ProcessorOutput& out) {
  const SeriesId output = asset.opening ? asset.open_output : asset.close_output;
  if (output != kInvalidSeries) out.derived.Append(output, end, Seconds(asset.command_time, end));
  asset.pending = false;
}

void ValveTravel::Process(const Sample& sample, pipeline::ProcessorOutput& out) {
  if (!Usable(sample)) return;
  const SeriesRole& role = RoleOf(sample.series);
  if (role.role < 0 || role.asset == kInvalidAsset) return;
  AssetState& asset = AssetFor(role.asset);
  Signal& sig = asset.signals[static_cast<std::size_t>(role.role)];
  const Timestamp t = sample.time;
  if (sig.known && t < sig.last_time) return;
  const bool level = sample.value >= options_.threshold;
  const bool rise = sig.known && level && !sig.level;
  const bool edge = sig.known && level != sig.level;
  sig.known = true;
  sig.level = level;
  sig.last_time = t;
  if (rise) sig.last_rise = t;

  if (role.role == kCommand && edge) {
    asset.pending = true;
    asset.opening = level;
    asset.command_time = t;
    asset.command_series = sample.series;
    const Signal& target = asset.signals[level ? kOpenLimit : kClosedLimit];
    if (target.last_rise >= t) {
      Finish(asset, target.last_rise, out);  // the end position's edge was processed first
    } else if (target.known && target.level) {
      asset.pending = false;  // already there: no travel to time
    }
  } else if (rise && asset.pending && t >= asset.command_time &&
             role.role == (asset.opening ? kOpenLimit : kClosedLimit)) {
    Finish(asset, t, out);
  }

  if (asset.pending && t - asset.command_time > options_.timeout) {
    const double elapsed = Seconds(asset.command_time, t);
    out.events.push_back(
        {EventKind::kAnomaly, t, asset.command_series, elapsed, elapsed, name_,
         fmt::format("valve {} did not reach the {} position within {:.3g} s", options_.valve,
                     asset.opening ? "open" : "closed", static_cast<double>(options_.timeout) / 1e9)});
    asset.pending = false;
  }
}

pipeline::PluginDescriptor ValveTravel::Descriptor() {
  using pipeline::OptionType;
  pipeline::PluginDescriptor d;
  d.kind = pipeline::PluginKind::kProcessor;
  d.name = "valve_travel";
  d.doc =
      "Valve travel time from a command edge to the matching end-position edge; emits <valve>.open_time and "
      "<valve>.close_time (s), or an event on timeout";
  auto required_string = [](const pipeline::OptionValue& v) {
    return std::get<std::string>(v).empty() ? "expected a signal name" : "";
  };
  d.options = {
      {"valve", OptionType::kString, std::string("valve"), "valve name: prefix of the derived series", {}},
      {"command", OptionType::kString, std::nullopt, "command signal (1 open, 0 close)", required_string},
      {"open_limit", OptionType::kString, std::nullopt, "limit switch signal: 1 when fully open",
       required_string},
      {"closed_limit", OptionType::kString, std::nullopt, "limit switch signal: 1 when fully closed",
       required_string},
      {"timeout", OptionType::kDuration, std::int64_t{30 * kNanosPerSecond},
       "a travel longer than this raises an anomaly event instead of a time", CheckPositiveDuration},
      {"threshold", OptionType::kDouble, 0.5, "values at or above this are 1", {}},
  };
  d.factory = [](const pipeline::Options& o,
                 pipeline::PluginContext& ctx) -> Result<std::unique_ptr<pipeline::Plugin>> {
    ValveTravelOptions opts;
    opts.valve = o.GetString("valve");
    opts.command = o.GetString("command");
    opts.open_limit = o.GetString("open_limit");
    opts.closed_limit = o.GetString("closed_limit");
    opts.timeout = o.GetDuration("timeout");
    opts.threshold = o.GetDouble("threshold");
    if (Status s = CheckTemplateSignals(ctx, "command", {opts.command}); !s.ok()) return s;
    if (Status s = CheckTemplateSignals(ctx, "open_limit", {opts.open_limit}); !s.ok()) return s;
    if (Status s = CheckTemplateSignals(ctx, "closed_limit", {opts.closed_limit}); !s.ok()) return s;
    return std::unique_ptr<pipeline::Plugin>(new ValveTravel(std::move(opts), ctx.name, ctx.catalog));
  };
  return d;
}

}  // namespace mw::analytics
