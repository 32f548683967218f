// The minimal HTML status page served at "/": server-rendered, no JavaScript, refreshed by the
// browser every 2 s. The real dashboard is a separate web application; this page is for a quick
// look with nothing but a browser or `curl`.
//
// The view structs below are plain snapshots that ApiRoutes fills from the catalog, the store and
// the metrics; the JSON routes use the same snapshots. Every string that came from data is
// HTML-escaped on output (signal names and units can arrive from the wire unchecked).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"
#include "pipeline/store.h"

namespace mw::api {

struct StatusFigures {
  std::string version;
  Timestamp started_at = 0;
  double uptime_s = 0;
  std::size_t assets = 0;
  std::size_t series = 0;
  std::uint64_t samples_ingested = 0;
  std::uint64_t samples_processed = 0;
  double ingest_rate = 0;  // samples per second, recent
  std::uint64_t anomalies = 0;
  std::uint64_t decode_errors = 0;
};

struct SignalView {
  std::string name;
  std::string unit;
  SeriesId id = kInvalidSeries;
  std::optional<pipeline::Point> latest;
};

struct AssetView {
  std::string path;
  std::string template_name;
  std::vector<SignalView> signals;
};

// `now` is the wall-clock time the ages are measured from.
std::string RenderStatusPage(const StatusFigures& figures, const std::vector<AssetView>& assets,
                             Timestamp now);

// Escapes & < > " ' so that the text is safe in element content and in quoted attributes.
std::string HtmlEscape(std::string_view text);
// "0.4 s", "42 s", "7 min", "5 h", "3 d"; "in the future" for a negative age.
std::string FormatAge(std::int64_t age_ns);
// "quality" strings of the API: "good", "uncertain", "bad".
std::string_view QualityName(Quality quality);

}  // namespace mw::api
