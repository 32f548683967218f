// Small pieces the detectors of this folder share: per-series state indexed by SeriesId, the
// derived-series naming, and option checks. Internal to analytics/detectors.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/catalog.h"
#include "pipeline/plugin.h"

namespace mw::analytics::detail {

// Per-series state, created on first use. Series ids are dense, so a vector indexed by id is the
// cheapest map. States are heap objects so that references stay valid while the vector grows.
template <typename State>
class PerSeries {
 public:
  State* Find(SeriesId id) { return id < states_.size() ? states_[id].get() : nullptr; }
  template <typename Make>
  State& Get(SeriesId id, Make&& make) {
    if (id < states_.size() && states_[id]) return *states_[id];
    if (id >= states_.size()) states_.resize(std::max<std::size_t>(id + 1, states_.size() * 2));
    states_[id] = make();
    return *states_[id];
  }

 private:
  std::vector<std::unique_ptr<State>> states_;
};

// The derived series "<signal>.<suffix>" of the same asset as `id`; kInvalidSeries if `id` is unknown.
inline SeriesId DerivedSeries(Catalog& catalog, SeriesId id, std::string_view suffix) {
  auto info = catalog.Series(id);
  if (!info) return kInvalidSeries;
  return catalog.InternSeries(info->asset, info->signal + "." + std::string(suffix));
}

inline std::string PositiveInt(const pipeline::OptionValue& v) {
  return std::get<std::int64_t>(v) > 0 ? "" : "expected a positive integer";
}
inline std::string NonNegativeInt(const pipeline::OptionValue& v) {
  return std::get<std::int64_t>(v) >= 0 ? "" : "expected an integer >= 0";
}
inline std::string PositiveDouble(const pipeline::OptionValue& v) {
  return std::get<double>(v) > 0 ? "" : "expected a positive number";
}

// The `signals` and `output` options every per-signal detector declares.
inline pipeline::OptionSpec SignalsOption(const std::string& verb) {
  return {"signals",
          pipeline::OptionType::kStringList,
          std::vector<std::string>{},
          "signals to " + verb +
              ": the template's own, or derived ones such as vibration.max; empty: all of the "
              "template's own",
          {}};
}
inline pipeline::OptionSpec OutputOption(const std::string& suffix) {
  return {
      "output", pipeline::OptionType::kString, suffix, "suffix of the derived series: <signal>.<output>", {}};
}

// Checks that every named signal belongs to the template (when there is one); "" if so.
inline std::string CheckSignals(const std::vector<std::string>& signals, const pipeline::PluginContext& ctx) {
  const Status s = pipeline::CheckTemplateSignals(ctx, "signals", signals);
  return s.ok() ? "" : s.message();
}

}  // namespace mw::analytics::detail
