// Platform: `millwright serve` in one object. Owns the catalog, metrics, store, plugin registry,
// runtime, and the HTTP API, built from a Config, and starts and stops them in order.
//
// Not thread-safe: one owner calls Build, Start and Stop. The Config must outlive the Platform.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "alarms/engine.h"
#include "alarms/notify.h"
#include "alarms/rule.h"
#include "app/retrainer.h"
#include "core/catalog.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/metrics.h"
#include "pipeline/plugin.h"
#include "pipeline/runtime.h"
#include "storage/historian/historian.h"
#include "storage/live_cache.h"

namespace mw::api {
class ApiRoutes;
class HttpServer;
class Router;
}  // namespace mw::api

namespace mw::app {

// Registers every plugin of every module: the one place that knows them all.
void RegisterAllPlugins(pipeline::PluginRegistry& registry);

// The historian's options from a configuration: folder <data_dir>/historian, [storage] settings,
// retention classes, and per-series resolution and retention from the asset's template.
storage::HistorianOptions HistorianOptionsFrom(const Config& config, const Catalog& catalog);

// A data folder opened by an offline command (export, a dataset for training): the configuration,
// the catalog and the historian, which must outlive each other in this order. The folder must not
// be in use by a server (the historian's WAL lock refuses it then).
struct OfflineStore {
  Config config;
  Catalog catalog;
  MetricsRegistry metrics;
  std::unique_ptr<storage::Historian> historian;
};
// `config_file` may be empty (defaults); a non-empty `data_dir` overrides the configuration's.
// InvalidArgument listing the configuration's errors; the historian's status when it cannot open.
Result<std::unique_ptr<OfflineStore>> OpenOfflineStore(const std::string& config_file,
                                                       const std::string& data_dir);

class Platform {
 public:
  explicit Platform(const Config& config);
  ~Platform();
  Platform(const Platform&) = delete;
  Platform& operator=(const Platform&) = delete;

  // Opens the store ([storage]: the historian in server.data_dir, replaying its WAL, or the memory
  // cache), then creates every plugin and route. Returns all configuration problems
  // (file:line: key: why); a store that cannot open is one of them.
  std::vector<ConfigError> Build();
  // Starts the HTTP server, then the pipeline (workers, then sources).
  Status Start();
  // Stops sources, drains the pipeline, stops the HTTP server, then closes the store (the
  // historian flushes its heads). Idempotent.
  void Stop();

  int http_port() const;
  std::string http_address() const;
  MetricsRegistry& metrics() { return metrics_; }
  Catalog& catalog() { return catalog_; }
  // The store samples go to; valid after Build().
  pipeline::SeriesStore* store() { return store_; }
  // The alarm engine; null when no template declares an alarm rule.
  alarms::AlarmEngine* alarm_engine() { return alarms_.get(); }

 private:
  // The alarm engine over the configuration's rules (with its journal in <data_dir>/alarms when the
  // store is the historian), its feed from the pipeline and its routes.
  void BuildAlarms(std::vector<ConfigError>& errors);
  // GET /api/v1/models: the served models, each with its retraining history.
  nlohmann::json ModelsJson() const;

  const Config& config_;
  const Clock& clock_;
  Catalog catalog_;
  MetricsRegistry metrics_;
  pipeline::PluginRegistry registry_;
  std::unique_ptr<storage::Historian> historian_;
  std::unique_ptr<storage::LiveCache> cache_;
  pipeline::SeriesStore* store_ = nullptr;
  std::unique_ptr<pipeline::Runtime> runtime_;
  std::vector<std::unique_ptr<Retrainer>> retrainers_;        // read the store: stopped before it closes
  std::vector<std::unique_ptr<alarms::Notifier>> notifiers_;  // listeners of alarms_: declared first
  std::unique_ptr<alarms::AlarmEngine> alarms_;               // null when no template declares a rule
  std::unique_ptr<api::Router> router_;
  std::unique_ptr<api::ApiRoutes> routes_;  // handlers point at it: outlives http_
  std::unique_ptr<api::HttpServer> http_;
  bool started_ = false;
};

// Blocks SIGINT and SIGTERM in the calling thread (call first in main, so every thread inherits
// it), and later waits for one of them.
void BlockStopSignals();
int WaitForStopSignal();

}  // namespace mw::app
