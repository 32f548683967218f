// The REST routes of the API (see docs/api.md): health, Prometheus metrics, status, assets and
// their latest values, series ranges, recent events, and the HTML status page at "/".
//
// ApiRoutes reads the catalog, the store and the metrics; it never writes to them. It keeps the
// recent ingest rate in a RateMeter fed by its own sampler thread (one record per
// `rate_sample_period`) and by every status request.
//
// Lifetime: the catalog, store, metrics and clock are borrowed and must outlive this object; the
// handlers registered on a Router point at this object, so it must outlive every server that uses
// that router. Thread-safety: the handlers may run on any number of threads at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/http_server.h"
#include "api/rate_meter.h"
#include "api/status_page.h"
#include "core/catalog.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "pipeline/store.h"

namespace mw::api {

struct ApiRoutesOptions {
  // How often the sampler thread records the ingest counter; zero: no thread (the rate is then
  // recorded only when /api/v1/status or / is requested, which tests drive with a simulated clock).
  std::chrono::milliseconds rate_sample_period{1000};
  std::int64_t rate_window_ns = 10 * kNanosPerSecond;
  std::size_t series_default_limit = 10'000;
  std::size_t series_max_limit = 100'000;
  std::size_t events_default_limit = 100;
  std::size_t events_max_limit = 10'000;
};

class ApiRoutes {
 public:
  // `started_at` is the wall-clock time (clock.Now() scale) the process started.
  ApiRoutes(const Catalog& catalog, const pipeline::SeriesStore& store, const MetricsRegistry& metrics,
            const Clock& clock, Timestamp started_at, ApiRoutesOptions options = {});
  ~ApiRoutes();  // stops the sampler thread
  ApiRoutes(const ApiRoutes&) = delete;
  ApiRoutes& operator=(const ApiRoutes&) = delete;

  // Adds every route to `router`.
  void Register(Router& router);

  // Records the ingest counter now (clock.Steady()); what the sampler thread does.
  void SampleRates();
  // The figures of /api/v1/status (records the ingest counter first).
  StatusFigures Figures();

  Response GetHealthz(const Request& request) const;
  Response GetMetrics(const Request& request) const;
  Response GetStatus(const Request& request);
  Response GetAssets(const Request& request) const;
  Response GetAsset(const Request& request) const;
  Response GetSeries(const Request& request) const;
  Response GetLatest(const Request& request) const;
  Response GetFrame(const Request& request) const;
  Response GetEvents(const Request& request) const;
  Response GetStatusPage(const Request& request);

 private:
  AssetView ViewOf(const AssetInfo& asset) const;
  void SamplerLoop();

  const Catalog& catalog_;
  const pipeline::SeriesStore& store_;
  const MetricsRegistry& metrics_;
  const Clock& clock_;
  const Timestamp started_at_;
  const ApiRoutesOptions options_;
  RateMeter ingest_rate_;

  std::mutex sampler_mu_;
  std::condition_variable sampler_cv_;
  bool sampler_stop_ = false;
  std::thread sampler_;
};

}  // namespace mw::api
