#include "app/rul_api.h"

#include <cmath>

#include "analytics/models/model_slot.h"
#include "analytics/models/rul.h"
#include "core/time_format.h"

namespace mw::app {
namespace {

std::optional<pipeline::Point> LatestOf(const Catalog& catalog, const pipeline::SeriesStore& store,
                                        AssetId asset, const std::string& signal) {
  const auto series = catalog.FindSeries(asset, signal);
  return series ? store.Latest(*series) : std::nullopt;
}

}  // namespace

std::vector<RulServing> RulServingsOf(const Config& config, const pipeline::PluginRegistry& registry) {
  std::vector<RulServing> out;
  for (const auto& [name, o] : registry.ConfiguredDetectors(config, "rul")) {
    out.push_back({name, o.GetString("model"), o.GetString("output"), o.GetString("estimator")});
  }
  return out;
}

nlohmann::json RulJson(const std::vector<RulServing>& servings, const Catalog& catalog,
                       const pipeline::SeriesStore& store) {
  nlohmann::json assets = nlohmann::json::array();
  for (const RulServing& s : servings) {
    const auto slot = models::ModelRegistry::Global().Find(s.model);
    const auto model = slot ? slot->CurrentAs<models::RulModel>() : nullptr;
    for (const AssetInfo& asset : catalog.Assets()) {
      if (asset.template_name != s.template_name) continue;
      const auto rul = LatestOf(catalog, store, asset.id, s.output);
      if (!rul) continue;
      const auto lower = LatestOf(catalog, store, asset.id, s.output + ".lower");
      const auto upper = LatestOf(catalog, store, asset.id, s.output + ".upper");
      const auto next = LatestOf(catalog, store, asset.id, s.output + ".next_maintenance");
      nlohmann::json a = {{"asset", asset.path},
                          {"model", s.model},
                          {"estimator", s.estimator},
                          {"unit", model ? model->RulUnit() : ""},
                          {"time", rul->time / kNanosPerMilli},
                          {"time_iso", FormatRfc3339(rul->time)},
                          {"rul", rul->value},
                          {"lower", lower ? lower->value : NAN},
                          {"upper", upper ? upper->value : NAN},
                          {"capped", model != nullptr && rul->value >= model->cap()},
                          {"next_maintenance", nullptr},
                          {"next_maintenance_iso", nullptr}};
      if (next && std::isfinite(next->value)) {
        const auto due = static_cast<Timestamp>(std::llround(next->value * 1e9));
        a["next_maintenance"] = due / kNanosPerMilli;
        a["next_maintenance_iso"] = FormatRfc3339(due);
      }
      assets.push_back(std::move(a));
    }
  }
  return {{"assets", assets}};
}

}  // namespace mw::app
