#include "app/stored_dataset.h"

#include <cmath>
#include <limits>
#include <map>

#include "app/export.h"
#include "core/time_format.h"

namespace mw::app {
namespace {

// One asset's rows: the label times, then each signal's values at those times.
Status AddAsset(const pipeline::SeriesStore& store, const AssetInfo& asset, SeriesId label,
                const Catalog& catalog, const StoredDatasetRequest& request, models::Table& table) {
  std::vector<Timestamp> times;
  std::vector<std::string> labels;
  Status bad = Status::Ok();
  MW_RETURN_IF_ERROR(ForEachRange(store, label, request.from, request.to, [&](const auto& points) {
    for (const pipeline::Point& p : points) {
      const double index = p.value;
      if (p.quality != Quality::kGood || !std::isfinite(index)) continue;  // no label at this time
      if (!(index >= 0 && index < static_cast<double>(request.classes.size()) &&
            index == std::floor(index))) {
        if (bad.ok()) {
          bad = Status::InvalidArgument(asset.path + "/" + request.label_signal + " at " +
                                        FormatRfc3339(p.time) + ": label " + std::to_string(index) +
                                        " is not a class index 0.." +
                                        std::to_string(request.classes.size() - 1));
        }
        continue;
      }
      times.push_back(p.time);
      labels.push_back(request.classes[static_cast<std::size_t>(index)]);
    }
  }));
  MW_RETURN_IF_ERROR(bad);
  if (times.empty()) return Status::Ok();
  const std::size_t cols = request.signals.size(), first = table.rows();
  table.values.resize((first + times.size()) * cols, std::numeric_limits<float>::quiet_NaN());
  for (std::size_t c = 0; c < cols; ++c) {
    const auto series = catalog.FindSeries(asset.id, request.signals[c]);
    if (!series) continue;
    std::size_t row = 0;  // both in time order: one merge pass
    MW_RETURN_IF_ERROR(ForEachRange(store, *series, times.front(), times.back(), [&](const auto& points) {
      for (const pipeline::Point& p : points) {
        while (row < times.size() && times[row] < p.time) ++row;
        if (row < times.size() && times[row] == p.time && p.quality == Quality::kGood) {
          table.values[(first + row) * cols + c] = static_cast<float>(p.value);
        }
      }
    }));
  }
  for (std::size_t r = 0; r < times.size(); ++r) {
    table.unit.push_back(asset.id);
    const Timestamp ms = times[r] / kNanosPerMilli;  // whole milliseconds, as the twins' tables have
    table.time.push_back(static_cast<double>(ms));
    table.label.push_back(std::move(labels[r]));
  }
  return Status::Ok();
}

}  // namespace

Result<models::Table> ReadStoredDataset(const pipeline::SeriesStore& store, const Catalog& catalog,
                                        const StoredDatasetRequest& request) {
  if (request.to < request.from) return Status::InvalidArgument("the range ends before it starts");
  models::Table table;
  table.time_unit_ns = kNanosPerMilli;
  table.columns = request.signals;
  for (const AssetInfo& asset : catalog.Assets()) {
    if (!Selected(asset.path, request.assets)) continue;
    const auto label = catalog.FindSeries(asset.id, request.label_signal);
    if (!label) continue;
    MW_RETURN_IF_ERROR(AddAsset(store, asset, *label, catalog, request, table));
  }
  if (table.rows() == 0) {
    return Status::InvalidArgument("no '" + request.label_signal + "' labels between " +
                                   FormatRfc3339(request.from) + " and " + FormatRfc3339(request.to));
  }
  return table;
}

}  // namespace mw::app
