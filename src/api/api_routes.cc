#include "api/api_routes.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
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

// Maps a store's refusal to the HTTP answer: caps and missing history are the caller's to fix
// (400), a busy store is 503, anything else is logged and 500.
Response StoreError(const mw::Status& status, std::string_view what) {
  switch (status.code()) {
    case StatusCode::kResourceExhausted:
      return Response::Error(400, "too_large", status.message());
    case StatusCode::kFailedPrecondition:
      return Response::Error(400, "not_supported", status.message());
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
      return Response::Error(400, "invalid_parameter", status.message());
    case StatusCode::kNotFound:
      return Response::Error(404, "not_found", status.message());
    case StatusCode::kUnavailable: {
      Response busy = Response::Error(503, "unavailable", status.message());
      busy.headers.emplace_back("Retry-After", "1");
      return busy;
    }
    default:
      spdlog::error("api: {} failed: {}", what, status.ToString());
      return Response::Error(500, "internal_error",
                             std::string(what) + " failed; the server log has the details");
  }
}

std::optional<Response> ParseCount(const Request& request, std::string_view name, std::uint64_t lo,
                                   std::uint64_t hi, std::uint64_t& out) {
  const std::string* text = request.Query(name);
  if (!text) return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc() || end != text->data() + text->size() || value < lo || value > hi)
    return Invalid(name, "an integer from " + std::to_string(lo) + " to " + std::to_string(hi), *text);
  out = value;
  return std::nullopt;
}

// The aggregates `agg` may name, in the order rows list them.
constexpr std::array<std::string_view, 7> kAggregates = {"avg",   "min",   "max", "sum",
                                                         "count", "first", "last"};

double AggregateOf(const pipeline::Bucket& b, std::string_view agg) {
  if (agg == "min") return b.min;
  if (agg == "max") return b.max;
  if (agg == "sum") return b.sum;
  if (agg == "count") return static_cast<double>(b.count);
  if (agg == "first") return b.first;
  if (agg == "last") return b.last;
  return b.count ? b.sum / static_cast<double>(b.count) : 0;  // avg
}

// JSON has no NaN or infinity: such values are written as null.
json Number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::vector<std::string_view> SplitList(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
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
  router.Get("/api/v1/series", Role::kViewer,
             "points of one signal in a time range; step+agg for buckets, points for LTTB",
             bind(&ApiRoutes::GetSeries));
  router.Get("/api/v1/latest", Role::kViewer, "latest value of every signal of one or more assets",
             bind(&ApiRoutes::GetLatest));
  router.Get("/api/v1/frames", Role::kViewer, "one frame of a frame signal, by time or by index",
             bind(&ApiRoutes::GetFrame));
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
  const std::string* step_text = request.Query("step");
  const std::string* agg_text = request.Query("agg");
  std::uint64_t lttb_points = 0;
  if (auto error = ParseCount(request, "points", 3, options_.series_max_limit, lttb_points)) return *error;
  json head = {{"asset", *asset_path},
               {"signal", *signal},
               {"unit", info->unit},
               {"from", ToMillis(from)},
               {"to", ToMillis(to)}};
  if (step_text) {
    if (lttb_points)
      return Invalid("points", "no 'points' together with 'step'", std::to_string(lttb_points));
    Result<std::int64_t> step = ParseDuration(*step_text);
    if (!step.ok() || *step <= 0)
      return Invalid("step", "a positive duration such as 10s, 1m or 1h", *step_text);
    std::vector<std::string_view> aggs = SplitList(agg_text ? std::string_view(*agg_text) : "avg");
    for (std::string_view a : aggs) {
      if (std::find(kAggregates.begin(), kAggregates.end(), a) == kAggregates.end())
        return Invalid("agg", "a comma-separated list of avg, min, max, sum, count, first, last", *agg_text);
    }
    if (aggs.empty()) return Invalid("agg", "at least one aggregate", agg_text ? *agg_text : "");
    std::vector<pipeline::Bucket> buckets;
    // Buckets cover [from, to): include the instant 'to' like a raw range does.
    mw::Status read = store_.Buckets(*id, from, to + 1, *step, buckets);
    if (!read.ok()) return StoreError(read, "downsampling the series");
    json rows = json::array();
    for (const pipeline::Bucket& b : buckets) {
      json row = json::array({ToMillis(b.start)});
      for (std::string_view a : aggs) row.push_back(Number(AggregateOf(b, a)));
      rows.push_back(std::move(row));
    }
    json columns = json::array({"time"});
    for (std::string_view a : aggs) columns.push_back(a);
    head["step_ms"] = *step / kNanosPerMilli;
    head["columns"] = std::move(columns);
    head["points"] = std::move(rows);
    return JsonOk(head);
  }
  if (agg_text) return Invalid("agg", "'agg' only together with 'step'", *agg_text);
  std::vector<pipeline::Point> points;
  mw::Status read = lttb_points ? store_.Lttb(*id, from, to, lttb_points, points)
                                : store_.Range(*id, from, to, limit, points);
  if (!read.ok()) return StoreError(read, "reading the series");
  json rows = json::array();
  for (const pipeline::Point& p : points) rows.push_back(json::array({ToMillis(p.time), Number(p.value)}));
  head["points"] = std::move(rows);
  return JsonOk(head);
}

Response ApiRoutes::GetLatest(const Request& request) const {
  const std::string* assets_text = request.Query("asset");
  if (!assets_text || assets_text->empty())
    return Missing("asset", "one or more asset paths, comma-separated, e.g. plant1/pump-07,plant1/pump-08");
  json out = json::array();
  for (std::string_view path : SplitList(*assets_text)) {
    std::optional<AssetId> id = catalog_.FindAsset(path);
    std::optional<AssetInfo> asset = id ? catalog_.Asset(*id) : std::nullopt;
    if (!asset) return Response::Error(404, "unknown_asset", "unknown asset '" + std::string(path) + "'");
    json signals = json::object();
    for (const SignalView& s : ViewOf(*asset).signals) {
      signals[s.name] = s.latest ? json({{"time", ToMillis(s.latest->time)},
                                         {"value", Number(s.latest->value)},
                                         {"quality", QualityName(s.latest->quality)}})
                                 : json(nullptr);
    }
    out.push_back({{"asset", asset->path}, {"signals", std::move(signals)}});
  }
  return JsonOk({{"assets", std::move(out)}});
}

Response ApiRoutes::GetFrame(const Request& request) const {
  const std::string* asset_path = request.Query("asset");
  const std::string* signal = request.Query("signal");
  if (!asset_path || asset_path->empty()) return Missing("asset", "an asset path, e.g. printer/p1");
  if (!signal || signal->empty()) return Missing("signal", "a frame signal of the asset, e.g. melt_pool");
  const std::string* at = request.Query("at");
  const std::string* index = request.Query("index");
  if ((at != nullptr) == (index != nullptr)) return Missing("at", "exactly one of 'at' (a time) or 'index'");
  std::optional<AssetId> asset = catalog_.FindAsset(*asset_path);
  if (!asset) return Response::Error(404, "unknown_asset", "unknown asset '" + *asset_path + "'");
  std::optional<SeriesId> id = catalog_.FindSeries(*asset, *signal);
  if (!id)
    return Response::Error(404, "unknown_signal",
                           "asset '" + *asset_path + "' has no signal '" + *signal + "'");
  Result<pipeline::Frame> frame = Status::Internal("unset");
  if (index) {
    std::uint64_t i = 0;
    if (auto error = ParseCount(request, "index", 0, UINT64_MAX, i)) return *error;
    frame = store_.FrameByIndex(*id, i);
  } else {
    Timestamp t = 0;
    if (auto error = ParseTimeParam(request, "at", "now", clock_.Now(), t)) return *error;
    const std::string* which = request.Query("select");
    pipeline::FrameSelect select = pipeline::FrameSelect::kAt;
    if (which && *which == "before") {
      select = pipeline::FrameSelect::kBefore;
    } else if (which && *which == "after") {
      select = pipeline::FrameSelect::kAfter;
    } else if (which && *which != "at") {
      return Invalid("select", "one of at, before, after", *which);
    }
    frame = store_.FrameAt(*id, t, select);
  }
  if (!frame.ok()) return StoreError(frame.status(), "reading the frame");
  json values = json::array();
  for (float v : frame->elements) values.push_back(Number(v));
  return JsonOk({{"asset", *asset_path},
                 {"signal", *signal},
                 {"time", ToMillis(frame->time)},
                 {"time_iso", FormatRfc3339(frame->time)},
                 {"index", frame->index},
                 {"rows", frame->rows},
                 {"cols", frame->cols},
                 {"values", std::move(values)}});
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
