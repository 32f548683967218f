// `millwright export`: streams a time range of the historian out as CSV or InfluxDB line protocol.
//
// Reads with the same queries as the API, one series at a time and in windows small enough to stay
// under the historian's max_points, so memory stays bounded whatever the range. Runs against a
// data folder no server is using (the historian's WAL lock says so otherwise).
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "core/catalog.h"
#include "core/status.h"
#include "storage/historian/historian.h"

namespace mw::app {

enum class ExportFormat { kCsv, kLine };

struct ExportRequest {
  Timestamp from = 0;
  Timestamp to = 0;                 // inclusive
  std::vector<std::string> assets;  // asset paths or path prefixes; empty: every asset
  ExportFormat format = ExportFormat::kCsv;
};

// CSV: a header line `asset,signal,time,time_ns,value,quality`, then one line per sample, series
// after series in asset-path order; `time` is RFC 3339, `time_ns` the exact Unix nanoseconds; NaN
// and infinities leave `value` empty. Assets match by exact path or by path prefix ending at '/'.
// Line protocol: `<signal>,asset=<path> value=<v>[,quality="uncertain"] <unix ns>`.
// Returns the number of samples written.
Result<std::uint64_t> ExportSamples(const storage::Historian& historian, const Catalog& catalog,
                                    const ExportRequest& request, std::ostream& out);

// True if `path` is one of `assets` or under one of them (a prefix ending at '/'); every path when
// `assets` is empty.
bool Selected(const std::string& path, const std::vector<std::string>& assets);

// Every point of `id` in [from, to], read in windows small enough for the store's point cap,
// handed to `each` one window at a time, in time order.
Status ForEachRange(const pipeline::SeriesStore& store, SeriesId id, Timestamp from, Timestamp to,
                    const std::function<void(const std::vector<pipeline::Point>&)>& each);

}  // namespace mw::app
