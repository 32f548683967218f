#include "app/platform.h"

#include <signal.h>

#include <filesystem>

#include <spdlog/spdlog.h>

#include "analytics/detectors/register.h"
#include "analytics/detectors/zscore.h"
#include "analytics/features/register.h"
#include "analytics/models/model_slot.h"
#include "analytics/models/plugins.h"
#include "api/api_routes.h"
#include "api/http_server.h"
#include "app/alarms_api.h"
#include "app/rul_api.h"
#include "connectors/modbus/register.h"
#include "connectors/mqtt/register.h"
#include "connectors/opcua/register.h"
#include "connectors/sparkplug/register.h"

namespace mw::app {

void RegisterAllPlugins(pipeline::PluginRegistry& registry) {
  connectors::mqtt::RegisterMqttPlugins(registry);
  connectors::opcua_source::RegisterOpcuaPlugins(registry);
  connectors::modbus::RegisterModbusPlugins(registry);
  connectors::sparkplug::RegisterSparkplugPlugins(registry);
  analytics::RegisterZScore(registry);
  analytics::RegisterDetectors(registry);
  analytics::RegisterFeatures(registry);
  models::RegisterModels(registry);
}

storage::HistorianOptions HistorianOptionsFrom(const Config& config, const Catalog& catalog) {
  const StorageSpec& s = config.storage;
  storage::HistorianOptions o;
  o.dir = config.server.data_dir + "/historian";
  o.sync = s.sync == "async" ? storage::SyncMode::kAsync : storage::SyncMode::kSync;
  o.commit_interval = std::chrono::microseconds(s.commit_interval / 1000);
  o.chunk_samples = static_cast<std::size_t>(s.chunk_samples);
  o.late_window = s.late_window;
  o.max_points = static_cast<std::size_t>(s.max_points);
  o.max_buckets = static_cast<std::size_t>(s.max_buckets);
  for (const RetentionSpec& r : s.retention) o.retention.push_back({r.name, r.raw, r.rollup_1m, r.rollup_1h});
  // The settings of a series come from its asset's template; the config outlives the historian.
  o.settings = [&config, &catalog](const SeriesInfo& info) {
    storage::SeriesSettings settings;
    settings.retention_class = config.storage.default_retention;
    auto asset = catalog.Asset(info.asset);
    if (!asset) return settings;
    auto t = config.templates.find(asset->template_name);
    if (t == config.templates.end()) return settings;
    if (const SignalSpec* signal = t->second.FindSignal(info.signal)) {
      settings.resolution = signal->resolution;
      if (!signal->retention.empty()) settings.retention_class = signal->retention;
    }
    return settings;
  };
  return o;
}

Result<std::unique_ptr<OfflineStore>> OpenOfflineStore(const std::string& config_file,
                                                       const std::string& data_dir) {
  auto store = std::make_unique<OfflineStore>();
  if (!config_file.empty()) {
    ConfigLoad load = LoadConfigFile(config_file);
    if (!load.ok()) {
      std::string errors;
      for (const ConfigError& e : load.errors) errors += (errors.empty() ? "" : "\n") + e.ToString();
      return Status::InvalidArgument(errors);
    }
    store->config = load.config;
  }
  if (!data_dir.empty()) store->config.server.data_dir = data_dir;
  auto historian = storage::Historian::Open(HistorianOptionsFrom(store->config, store->catalog),
                                            store->catalog, store->metrics, SystemClock::Instance());
  if (!historian.ok()) {
    return Status(historian.status().code(), "cannot open the historian in " + store->config.server.data_dir +
                                                 "/historian: " + historian.status().message());
  }
  store->historian = std::move(*historian);
  return store;
}

Platform::Platform(const Config& config) : config_(config), clock_(SystemClock::Instance()) {
  RegisterAllPlugins(registry_);
}

Platform::~Platform() { Stop(); }

std::vector<ConfigError> Platform::Build() {
  if (config_.storage.kind == "memory") {
    cache_ = std::make_unique<storage::LiveCache>(static_cast<std::size_t>(config_.server.live_window));
    store_ = cache_.get();
  } else {
    auto historian =
        storage::Historian::Open(HistorianOptionsFrom(config_, catalog_), catalog_, metrics_, clock_);
    if (!historian.ok()) {
      return {ConfigError{{config_.file, 0, 0},
                          "server.data_dir",
                          "cannot open the historian: " + historian.status().message()}};
    }
    historian_ = std::move(*historian);
    store_ = historian_.get();
  }
  runtime_ = std::make_unique<pipeline::Runtime>(config_, registry_, catalog_, metrics_, clock_, *store_);
  std::vector<ConfigError> errors = runtime_->Build();
  router_ = std::make_unique<api::Router>();
  routes_ = std::make_unique<api::ApiRoutes>(catalog_, *store_, metrics_, clock_, clock_.Now());
  routes_->Register(*router_);
  BuildAlarms(errors);
  for (RetrainSpec& spec : RetrainSpecsOf(config_, registry_)) {
    retrainers_.push_back(std::make_unique<Retrainer>(std::move(spec), *store_, catalog_, clock_, metrics_));
  }
  router_->Get("/api/v1/models", api::Role::kViewer,
               "models in service: bundle metadata and metrics, reloads, retraining decisions",
               [this](const api::Request&) { return api::Response::Json(200, ModelsJson().dump()); });
  router_->Get("/api/v1/rul", api::Role::kViewer,
               "remaining useful life per asset: estimate, interval, date of next maintenance",
               [this, servings = RulServingsOf(config_, registry_)](const api::Request&) {
                 return api::Response::Json(200, RulJson(servings, catalog_, *store_).dump());
               });
  api::HttpServerOptions options;
  options.listen = config_.server.listen;
  http_ = std::make_unique<api::HttpServer>(options, *router_);
  return errors;
}

namespace {

// Hands every pipeline batch (raw and derived samples, events) to the alarm engine, and the anomaly
// events to the notifiers that announce them.
class AlarmFeed final : public pipeline::Sink {
 public:
  AlarmFeed(alarms::AlarmEngine* engine, std::vector<alarms::Notifier*> notifiers, const Catalog& catalog)
      : engine_(engine), notifiers_(std::move(notifiers)), catalog_(catalog) {}

  Status Write(const Batch& samples, const std::vector<Event>& events) override {
    if (engine_ != nullptr) engine_->OnBatch(samples, events);
    if (notifiers_.empty()) return Status::Ok();
    for (const Event& e : events) {
      if (e.kind != EventKind::kAnomaly) continue;
      const std::optional<SeriesInfo> series = catalog_.Series(e.series);
      if (!series) continue;
      for (alarms::Notifier* n : notifiers_) n->OnAnomaly(e, series->asset_path, series->signal);
    }
    return Status::Ok();
  }

 private:
  alarms::AlarmEngine* engine_;
  std::vector<alarms::Notifier*> notifiers_;
  const Catalog& catalog_;
};

}  // namespace

void Platform::BuildAlarms(std::vector<ConfigError>& errors) {
  std::vector<alarms::Rule> rules = alarms::RulesOf(config_, registry_, errors);
  notifiers_ = alarms::NotifiersOf(config_, metrics_, errors);
  if (!errors.empty() || (rules.empty() && notifiers_.empty())) return;
  if (!rules.empty()) {
    alarms::EngineOptions options;
    if (historian_) {
      const std::string dir = config_.server.data_dir + "/alarms";
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      if (ec) {
        errors.push_back(
            {{config_.file, 0, 0}, "server.data_dir", "cannot create " + dir + ": " + ec.message()});
        return;
      }
      options.journal_path = dir + "/journal";
    }
    alarms_ = std::make_unique<alarms::AlarmEngine>(std::move(rules), catalog_, metrics_, clock_, options);
    if (Status s = alarms_->Open(); !s.ok()) {
      errors.push_back(
          {{config_.file, 0, 0}, "server.data_dir", "cannot open the alarm journal: " + s.message()});
      alarms_.reset();
      return;
    }
    RegisterAlarmRoutes(*router_, *alarms_, clock_);
  }
  std::vector<alarms::Notifier*> notifiers;
  for (const auto& n : notifiers_) {
    notifiers.push_back(n.get());
    if (alarms_) alarms_->AddListener(n.get());
  }
  runtime_->AddSink("alarms", std::make_unique<AlarmFeed>(alarms_.get(), std::move(notifiers), catalog_));
}

nlohmann::json Platform::ModelsJson() const {
  nlohmann::json models = models::ModelRegistry::Global().Describe();
  for (nlohmann::json& m : models) {
    m["trainings"] = nlohmann::json::array();
    for (const auto& r : retrainers_) {
      if (r->model() == m["path"]) m["trainings"] = r->History();
    }
  }
  return {{"models", models}};
}

Status Platform::Start() {
  if (!http_) return Status::FailedPrecondition("Build() first");
  MW_RETURN_IF_ERROR(http_->Start());
  Status s = runtime_->Start();
  if (!s.ok()) {
    http_->Stop();
    return s;
  }
  started_ = true;
  for (const auto& n : notifiers_) n->Start();
  if (alarms_) alarms_->Start();
  for (const auto& r : retrainers_) r->Start();
  spdlog::info("millwright serving on http://{} ({} assets declared, {} sources, store: {})",
               http_->address(), config_.assets.size(), runtime_->source_count(),
               historian_ ? config_.server.data_dir + "/historian" : std::string("memory"));
  return Status::Ok();
}

void Platform::Stop() {
  if (!started_) return;
  started_ = false;
  for (const auto& r : retrainers_) r->Stop();
  runtime_->Stop();
  if (alarms_) alarms_->Stop();
  for (const auto& n : notifiers_) n->Stop();  // delivers what is queued, for a moment
  http_->Stop();
  if (historian_) {
    Status s = historian_->Close();
    if (!s.ok()) spdlog::error("closing the historian: {}", s.message());
  }
  spdlog::info("millwright stopped: {} samples processed", runtime_->samples_processed());
}

int Platform::http_port() const { return http_ ? http_->port() : 0; }
std::string Platform::http_address() const { return http_ ? http_->address() : std::string(); }

void BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForStopSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

}  // namespace mw::app
