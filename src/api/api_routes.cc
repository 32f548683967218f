#include "api/api_routes.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/time_format.h"
#include "pipeline/metric_names.h"

#ifndef MW_VERSION
#error "MW_VERSION must be defined by the build (the project version)"
#endif

namespace mw::api {
namespace {

// Keys keep insertion order, so responses read in the order docs/api.md shows.
using json = nlohmann::ordered_json;

constexpr const char* kTimeForms =
    "Unix milliseconds, an RFC 3339 time, 'now' or a relative time such as -15m";

std::int64_t ToMillis(Timestamp t) {
  // Floor, so that times before 1970 round the same way as times after it.
  return t >= 0 ? t / kNanosPerMilli : -((-t + kNanosPerMilli - 1) / kNanosPerMilli);
}

Response JsonOk(const json& body) {
  // Names and units can arrive from the wire as invalid UTF-8: replace rather than throw.
  return Response::Json(200, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

Response Missing(std::string_view name, std::string_view expected) {
  return Response::Error(400, "missing_parameter",
                         "parameter '" + std::string(name) + "' is required: " + std::string(expected));
}

Response Invalid(std::string_view name, std::string_view expected, std::string_view got) {
  return Response::Error(400, "invalid_parameter",
                         "parameter '" + std::string(name) + "': expected " + std::string(expected) +
                             ", got '" + std::string(got) + "'");
}

// Reads an optional positive integer parameter; returns the error response when it is malformed.
std::optional<Response> ParseLimit(const Request& request, std::size_t default_value, std::size_t max_value,
                                   std::size_t& out) {
  out = default_value;
  const std::string* text = request.Query("limit");
  if (!text) return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc() || end != text->data() + text->size() || value < 1 ||
      value > max_value)
    return Invalid("limit", "an integer from 1 to " + std::to_string(max_value), *text);
  out = static_cast<std::size_t>(value);
  return std::nullopt;
}

std::optional<Response> ParseTimeParam(const Request& request, std::string_view name,
                                       std::string_view fallback, Timestamp now, Timestamp& out) {
  const std::string* given = request.Query(name);
  std::string_view text = given ? std::string_view(*given) : fallback;
  Result<Timestamp> parsed = ParseTime(text, now);
  if (!parsed.ok())
    return Response::Error(400, "invalid_parameter",
                           "parameter '" + std::string(name) + "': expected " + kTimeForms + " (" +
                               parsed.status().message() + ")");
  out = *parsed;
  return std::nullopt;
}

json TimeJson(const std::optional<pipeline::Point>& point) {
  return point ? json(ToMillis(point->time)) : json(nullptr);
}

std::string_view EventKindName(EventKind kind) {
  switch (kind) {
    case EventKind::kAnomaly:
      return "anomaly";
    case EventKind::kAlarm:
      return "alarm";
    case EventKind::kModel:
      return "model";
  }
  return "unknown";
}

std::vector<AssetInfo> SortedAssets(const Catalog& catalog, std::string_view prefix) {
  std::vector<AssetInfo> assets = catalog.Assets();
  std::erase_if(assets, [&](const AssetInfo& a) { return !a.path.starts_with(prefix); });
  std::sort(assets.begin(), assets.end(),
            [](const AssetInfo& a, const AssetInfo& b) { return a.path < b.path; });
  return assets;
}

}  // namespace

ApiRoutes::ApiRoutes(const Catalog& catalog, const pipeline::SeriesStore& store,
                     const MetricsRegistry& metrics, const Clock& clock, Timestamp started_at,
                     ApiRoutesOptions options)
    : catalog_(catalog),
      store_(store),
      metrics_(metrics),
      clock_(clock),
      started_at_(started_at),
      options_(options),
      ingest_rate_(options.rate_window_ns) {
  SampleRates();
  if (options_.rate_sample_period.count() > 0) sampler_ = std::thread([this] { SamplerLoop(); });
}

ApiRoutes::~ApiRoutes() {
  {
    std::lock_guard lock(sampler_mu_);
    sampler_stop_ = true;
  }
  sampler_cv_.notify_all();
  if (sampler_.joinable()) sampler_.join();
}

void ApiRoutes::SamplerLoop() {
  std::unique_lock lock(sampler_mu_);
  while (!sampler_cv_.wait_for(lock, options_.rate_sample_period, [this] { return sampler_stop_; })) {
    lock.unlock();
    SampleRates();
    lock.lock();
  }
}

void ApiRoutes::Register(Router& router) {
  auto bind = [this](auto method) { return [this, method](const Request& r) { return (this->*method)(r); }; };
  router.Get("/healthz", Role::kPublic, "liveness probe", bind(&ApiRoutes::GetHealthz));
  router.Get("/metrics", Role::kViewer, "Prometheus metrics", bind(&ApiRoutes::GetMetrics));
  router.Get("/api/v1/status", Role::kViewer, "version, uptime and pipeline counters",
             bind(&ApiRoutes::GetStatus));
  router.Get("/api/v1/assets", Role::kViewer, "assets, optionally under a path prefix",
             bind(&ApiRoutes::GetAssets));
  router.GetPrefix("/api/v1/assets/", Role::kViewer, "one asset with the latest value of each signal",
                   bind(&ApiRoutes::GetAsset));
  router.Get("/api/v1/series", Role::kViewer, "points of one signal in a time range",
             bind(&ApiRoutes::GetSeries));
  router.Get("/api/v1/events", Role::kViewer, "recent events, newest last", bind(&ApiRoutes::GetEvents));
  router.Get("/", Role::kViewer, "HTML status page", bind(&ApiRoutes::GetStatusPage));
}

void ApiRoutes::SampleRates() {
  ingest_rate_.Record(clock_.Steady(), metrics_.CounterTotal(pipeline::metric::kSamplesIn));
}

StatusFigures ApiRoutes::Figures() {
  SampleRates();
  StatusFigures f;
  f.version = MW_VERSION;
  f.started_at = started_at_;
  f.uptime_s = static_cast<double>(std::max<Timestamp>(clock_.Now() - started_at_, 0)) /
               static_cast<double>(kNanosPerSecond);
  f.assets = catalog_.asset_count();
  f.series = catalog_.series_count();
  f.samples_ingested = metrics_.CounterTotal(pipeline::metric::kSamplesIn);
  f.samples_processed = metrics_.CounterTotal(pipeline::metric::kSamplesProcessed);
  f.ingest_rate = ingest_rate_.Rate();
  f.anomalies = metrics_.CounterTotal(pipeline::metric::kAnomalies);
  f.decode_errors = metrics_.CounterTotal(pipeline::metric::kDecodeErrors);
  return f;
}

Response ApiRoutes::GetHealthz(const Request&) const { return JsonOk({{"status", "ok"}}); }

Response ApiRoutes::GetMetrics(const Request&) const {
  return Response::Text(200, metrics_.RenderPrometheus(), "text/plain; version=0.0.4");
}

Response ApiRoutes::GetStatus(const Request&) {
  StatusFigures f = Figures();
  return JsonOk({{"version", f.version},
                 {"started_at", FormatRfc3339(f.started_at)},
                 {"uptime_s", f.uptime_s},
                 {"assets", f.assets},
                 {"series", f.series},
                 {"samples_ingested", f.samples_ingested},
                 {"samples_processed", f.samples_processed},
                 {"ingest_rate", f.ingest_rate},
                 {"anomalies", f.anomalies},
                 {"decode_errors", f.decode_errors}});
}

Response ApiRoutes::GetAssets(const Request& request) const {
  const std::string* prefix = request.Query("prefix");
  json list = json::array();
  for (const AssetInfo& asset : SortedAssets(catalog_, prefix ? *prefix : std::string())) {
    std::optional<Timestamp> last_seen;
    for (SeriesId id : asset.series) {
      std::optional<pipeline::Point> latest = store_.Latest(id);
      if (latest && (!last_seen || latest->time > *last_seen)) last_seen = latest->time;
    }
    list.push_back({{"path", asset.path},
                    {"template", asset.template_name},
                    {"signals", asset.series.size()},
                    {"last_seen", last_seen ? json(ToMillis(*last_seen)) : json(nullptr)}});
  }
  return JsonOk({{"assets", std::move(list)}});
}

AssetView ApiRoutes::ViewOf(const AssetInfo& asset) const {
  AssetView view{asset.path, asset.template_name, {}};
  view.signals.reserve(asset.series.size());
  for (SeriesId id : asset.series) {
    std::optional<SeriesInfo> info = catalog_.Series(id);
    if (!info) continue;
    view.signals.push_back(SignalView{info->signal, info->unit, id, store_.Latest(id)});
  }
  return view;
}

Response ApiRoutes::GetAsset(const Request& request) const {
  std::string_view path = request.tail;
  if (path.ends_with('/')) path.remove_suffix(1);
  std::optional<AssetId> id = path.empty() ? std::nullopt : catalog_.FindAsset(path);
  std::optional<AssetInfo> asset = id ? catalog_.Asset(*id) : std::nullopt;
  if (!asset) return Response::Error(404, "unknown_asset", "unknown asset '" + std::string(path) + "'");
  json signals = json::array();
  for (const SignalView& s : ViewOf(*asset).signals) {
    json value = s.latest ? json(s.latest->value) : json(nullptr);
    json time_iso = s.latest ? json(FormatRfc3339(s.latest->time)) : json(nullptr);
    json quality = s.latest ? json(QualityName(s.latest->quality)) : json(nullptr);
    signals.push_back({{"name", s.name},
                       {"unit", s.unit},
                       {"series_id", s.id},
                       {"value", value},
                       {"time", TimeJson(s.latest)},
                       {"time_iso", time_iso},
                       {"quality", quality}});
  }
  return JsonOk({{"path", asset->path}, {"template", asset->template_name}, {"signals", std::move(signals)}});
}

Response ApiRoutes::GetSeries(const Request& request) const {
  const std::string* asset_path = request.Query("asset");
  const std::string* signal = request.Query("signal");
  if (!asset_path || asset_path->empty()) return Missing("asset", "an asset path, e.g. plant1/pump-07");
  if (!signal || signal->empty()) return Missing("signal", "a signal name of the asset, e.g. vibration");
  Timestamp now = clock_.Now();
  Timestamp from = 0, to = 0;
  std::size_t limit = 0;
  if (auto error = ParseTimeParam(request, "from", "-15m", now, from)) return *error;
  if (auto error = ParseTimeParam(request, "to", "now", now, to)) return *error;
  if (from > to)
    return Response::Error(
        400, "invalid_parameter",
        "parameter 'from' (" + FormatRfc3339(from) + ") is after parameter 'to' (" + FormatRfc3339(to) + ")");
  if (auto error = ParseLimit(request, options_.series_default_limit, options_.series_max_limit, limit))
    return *error;

  std::optional<AssetId> asset = catalog_.FindAsset(*asset_path);
  if (!asset) return Response::Error(404, "unknown_asset", "unknown asset '" + *asset_path + "'");
  std::optional<SeriesId> id = catalog_.FindSeries(*asset, *signal);
  std::optional<SeriesInfo> info = id ? catalog_.Series(*id) : std::nullopt;
  if (!info)
    return Response::Error(404, "unknown_signal",
                           "asset '" + *asset_path + "' has no signal '" + *signal + "'");
  std::vector<pipeline::Point> points;
  mw::Status read = store_.Range(*id, from, to, limit, points);
  if (read.code() == StatusCode::kUnavailable) {
    Response busy = Response::Error(503, "unavailable", read.message());
    busy.headers.emplace_back("Retry-After", "1");
    return busy;
  }
  if (!read.ok()) {
    spdlog::error("api: reading series {} ({}/{}) failed: {}", *id, *asset_path, *signal, read.ToString());
    return Response::Error(500, "internal_error",
                           "reading the series failed; the server log has the details");
  }

  json rows = json::array();
  for (const pipeline::Point& p : points) rows.push_back(json::array({ToMillis(p.time), p.value}));
  return JsonOk({{"asset", *asset_path},
                 {"signal", *signal},
                 {"unit", info->unit},
                 {"from", ToMillis(from)},
                 {"to", ToMillis(to)},
                 {"points", std::move(rows)}});
}

Response ApiRoutes::GetEvents(const Request& request) const {
  std::size_t limit = 0;
  if (auto error = ParseLimit(request, options_.events_default_limit, options_.events_max_limit, limit))
    return *error;
  json list = json::array();
  for (const Event& e : store_.RecentEvents(limit)) {
    std::optional<SeriesInfo> info = catalog_.Series(e.series);
    list.push_back({{"kind", EventKindName(e.kind)},
                    {"time", ToMillis(e.time)},
                    {"time_iso", FormatRfc3339(e.time)},
                    {"asset", info ? json(info->asset_path) : json(nullptr)},
                    {"signal", info ? json(info->signal) : json(nullptr)},
                    {"value", e.value},
                    {"score", e.score},
                    {"source", e.source},
                    {"message", e.message}});
  }
  return JsonOk({{"events", std::move(list)}});
}

Response ApiRoutes::GetStatusPage(const Request&) {
  StatusFigures figures = Figures();
  std::vector<AssetView> views;
  for (const AssetInfo& asset : SortedAssets(catalog_, {})) views.push_back(ViewOf(asset));
  return Response::Html(200, RenderStatusPage(figures, views, clock_.Now()));
}

}  // namespace mw::api
