// GET /api/v1/rul: the latest remaining-life estimate of every asset a `rul` detector serves.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/catalog.h"
#include "core/config.h"
#include "pipeline/plugin.h"
#include "pipeline/store.h"

namespace mw::app {

// One `rul` detector of a template, as configured.
struct RulServing {
  std::string template_name;
  std::string model;
  std::string output;
  std::string estimator;
};

std::vector<RulServing> RulServingsOf(const Config& config, const pipeline::PluginRegistry& registry);

// {"assets": [{asset, model, estimator, unit, time, time_iso, rul, lower, upper, capped,
// next_maintenance, next_maintenance_iso}]}: per asset of each serving's template that has an
// estimate, read from the store (so it survives a restart with the historian). `unit` is the model's
// RUL unit; `capped` says the RUL is at the model's cap (no sign of wear yet: at least that long);
// times in Unix ms and RFC 3339 (the API's convention); next_maintenance null while unknown.
nlohmann::json RulJson(const std::vector<RulServing>& servings, const Catalog& catalog,
                       const pipeline::SeriesStore& store);

}  // namespace mw::app
