#include "analytics/features/common.h"

#include <algorithm>

namespace mw::analytics {

bool SignalListed(const std::vector<std::string>& signals, std::string_view signal) {
  return signals.empty() || std::find(signals.begin(), signals.end(), signal) != signals.end();
}

bool SignalNamed(const std::vector<std::string>& signals, std::string_view signal) {
  return std::find(signals.begin(), signals.end(), signal) != signals.end();
}

SeriesId DerivedSeries(Catalog& catalog, SeriesId source, std::string_view suffix) {
  auto info = catalog.Series(source);
  if (!info) return kInvalidSeries;
  std::string name = info->signal;
  name += '.';
  name += suffix;
  return catalog.InternSeries(info->asset, name);
}

SeriesId AssetSeries(Catalog& catalog, SeriesId source, std::string_view signal) {
  auto info = catalog.Series(source);
  if (!info) return kInvalidSeries;
  return catalog.InternSeries(info->asset, signal);
}

std::string SignalOf(const Catalog& catalog, SeriesId id) {
  auto info = catalog.Series(id);
  return info ? info->signal : std::string();
}

std::string CheckPositiveInt(const pipeline::OptionValue& v) {
  return std::get<std::int64_t>(v) > 0 ? "" : "expected a positive integer";
}
std::string CheckNonNegativeInt(const pipeline::OptionValue& v) {
  return std::get<std::int64_t>(v) >= 0 ? "" : "expected an integer >= 0";
}
std::string CheckPositiveDouble(const pipeline::OptionValue& v) {
  const double d = std::get<double>(v);
  return std::isfinite(d) && d > 0 ? "" : "expected a positive number";
}
std::string CheckNonNegativeDouble(const pipeline::OptionValue& v) {
  const double d = std::get<double>(v);
  return std::isfinite(d) && d >= 0 ? "" : "expected a number >= 0";
}
std::string CheckNonNegativeDuration(const pipeline::OptionValue& v) {
  return std::get<std::int64_t>(v) >= 0 ? "" : "expected a duration >= 0";
}
std::string CheckPositiveDuration(const pipeline::OptionValue& v) {
  return std::get<std::int64_t>(v) > 0 ? "" : "expected a positive duration";
}

Status CheckTemplateSignals(const pipeline::PluginContext& ctx, const std::string& key,
                            const std::vector<std::string>& signals) {
  if (ctx.template_spec == nullptr) return Status::Ok();
  for (const auto& s : signals)
    if (!ctx.template_spec->IsSignalOrDerived(s))
      return Status::InvalidArgument(key + ": \"" + s + "\" is not a signal of template \"" +
                                     ctx.template_spec->name + "\"");
  return Status::Ok();
}

}  // namespace mw::analytics
