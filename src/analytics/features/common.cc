#include "analytics/features/common.h"

#include <algorithm>

namespace mw::analytics {

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
std::string CheckPositiveDuration(const pipeline::OptionValue& v) {
  return std::get<std::int64_t>(v) > 0 ? "" : "expected a positive duration";
}

}  // namespace mw::analytics
