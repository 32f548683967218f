#include "analytics/models/rul_detector.h"

#include <cmath>

namespace mw::models {
RulDetector::RulDetector(std::shared_ptr<ModelSlot> slot, Settings settings, Catalog& catalog,
                         const Clock& clock, MetricsRegistry& metrics, std::string name)
    : RecordDetector(std::move(slot), catalog, clock, metrics, std::move(name)),
      settings_(std::move(settings)) {}

RulDetector::AssetState& RulDetector::StateOf(AssetId asset) {
  if (asset >= assets_.size()) assets_.resize(asset + 1);
  if (!assets_[asset]) {
    auto s = std::make_unique<AssetState>();
    const std::string& o = settings_.output;
    s->rul = catalog_.InternSeries(asset, o);
    s->lower = catalog_.InternSeries(asset, o + ".lower");
    s->upper = catalog_.InternSeries(asset, o + ".upper");
    s->next = catalog_.InternSeries(asset, o + ".next_maintenance");
    assets_[asset] = std::move(s);
  }
  return *assets_[asset];
}

std::pair<double, double> RulDetector::AgeAndScale(const AssetState& s, Timestamp time) const {
  const double per_time = s.model->rul_per_time();
  const std::int64_t unit_ns = settings_.time_unit_ns > 0 ? settings_.time_unit_ns : s.model->time_unit_ns();
  const auto elapsed = static_cast<double>(time - s.first);
  if (unit_ns > 0)
    return {elapsed / static_cast<double>(unit_ns) * per_time, static_cast<double>(unit_ns) / per_time};
  // Not a clock: a record is a time unit, and a unit lasts as long as records have been apart.
  const double steps = static_cast<double>(s.records - 1);
  return {steps * per_time, steps > 0 ? elapsed / steps / per_time : 0.0};
}

void RulDetector::Score(AssetId asset, Timestamp time, std::span<const float> values,
                        pipeline::ProcessorOutput& out) {
  AssetState& s = StateOf(asset);
  if (s.generation != slot_->generation()) {
    s.generation = slot_->generation();  // read first: a swap after it is seen at the next record
    s.model = slot_->CurrentAs<RulModel>();
    auto tracker = RulTracker::Create(*s.model, slot_->signals());
    s.tracker = tracker.ok() ? std::make_unique<RulTracker>(std::move(*tracker)) : nullptr;
    s.records = 0;
  }
  if (!s.tracker) {
    CountFailure();
    return;
  }
  if (s.records++ == 0) s.first = time;
  const auto [age, ns_per_unit] = AgeAndScale(s, time);
  const auto estimate = s.tracker->Update(values, age, settings_.estimator);
  if (!estimate.ok()) {
    CountFailure();
    return;
  }
  out.derived.Append(s.rul, time, estimate->rul);
  out.derived.Append(s.lower, time, estimate->lower);
  out.derived.Append(s.upper, time, estimate->upper);
  if (ns_per_unit > 0) {
    const double due_ns =
        static_cast<double>(time) + estimate->lower * ns_per_unit - static_cast<double>(settings_.lead_ns);
    out.derived.Append(s.next, time, std::max(due_ns, static_cast<double>(time)) / 1e9);
  }
  CountScored();
}

pipeline::PluginDescriptor RulDetector::Descriptor() {
  using pipeline::OptionType;
  pipeline::PluginDescriptor d;
  d.kind = pipeline::PluginKind::kDetector;
  d.name = "rul";
  d.doc =
      "Serves a RUL bundle (millwright rul fit): per record <output>, <output>.lower/.upper and "
      "<output>.next_maintenance (Unix s); reloads the file when it changes";
  d.options = ServedModelOptions(
      "RUL bundle path (written by millwright rul fit)",
      {{"output", OptionType::kString, std::string("rul"), "series of the RUL, on the asset", {}},
       {"estimator", OptionType::kString, std::string("blend"), "regressor, trend or blend",
        [](const pipeline::OptionValue& v) {
          return ParseRulEstimator(std::get<std::string>(v)).ok() ? "" : "expected regressor, trend or blend";
        }},
       {"time_unit", OptionType::kDuration, std::int64_t{0},
        "the length of one time unit of the training table; 0: as the model says (ts_ms tables: 1ms; "
        "cycles: one record)",
        pipeline::OptionNonNegativeDuration},
       {"maintenance_lead", OptionType::kDuration, std::int64_t{0},
        "how long before the interval's lower end the next maintenance is due",
        pipeline::OptionNonNegativeDuration}});
  d.factory = [](const pipeline::Options& o,
                 pipeline::PluginContext& ctx) -> Result<std::unique_ptr<pipeline::Plugin>> {
    auto slot = SlotFromOptions(o, ctx, kRulKind);
    if (!slot.ok()) return slot.status();
    Settings settings;
    settings.output = o.GetString("output");
    settings.estimator = *ParseRulEstimator(o.GetString("estimator"));
    settings.time_unit_ns = o.GetDuration("time_unit");
    settings.lead_ns = o.GetDuration("maintenance_lead");
    return std::unique_ptr<pipeline::Plugin>(new RulDetector(std::move(*slot), std::move(settings),
                                                             ctx.catalog, ctx.clock, ctx.metrics, ctx.name));
  };
  return d;
}

}  // namespace mw::models
