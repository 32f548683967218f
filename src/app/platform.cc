#include "app/platform.h"

#include <signal.h>

#include <spdlog/spdlog.h>

#include "analytics/detectors/zscore.h"
#include "api/api_routes.h"
#include "api/http_server.h"
#include "connectors/mqtt/register.h"

namespace mw::app {

void RegisterAllPlugins(pipeline::PluginRegistry& registry) {
  connectors::mqtt::RegisterMqttPlugins(registry);
  analytics::RegisterZScore(registry);
}

Platform::Platform(const Config& config)
    : config_(config),
      clock_(SystemClock::Instance()),
      cache_(static_cast<std::size_t>(config.server.live_window)),
      runtime_(config, registry_, catalog_, metrics_, clock_, cache_) {
  RegisterAllPlugins(registry_);
}

Platform::~Platform() { Stop(); }

std::vector<ConfigError> Platform::Build() {
  std::vector<ConfigError> errors = runtime_.Build();
  router_ = std::make_unique<api::Router>();
  routes_ = std::make_unique<api::ApiRoutes>(catalog_, cache_, metrics_, clock_, clock_.Now());
  routes_->Register(*router_);
  api::HttpServerOptions options;
  options.listen = config_.server.listen;
  http_ = std::make_unique<api::HttpServer>(options, *router_);
  return errors;
}

Status Platform::Start() {
  if (!http_) return Status::FailedPrecondition("Build() first");
  MW_RETURN_IF_ERROR(http_->Start());
  Status s = runtime_.Start();
  if (!s.ok()) {
    http_->Stop();
    return s;
  }
  started_ = true;
  spdlog::info("millwright serving on http://{} ({} assets declared, {} sources)", http_->address(),
               config_.assets.size(), runtime_.source_count());
  return Status::Ok();
}

void Platform::Stop() {
  if (!started_) return;
  started_ = false;
  runtime_.Stop();
  http_->Stop();
  spdlog::info("millwright stopped: {} samples processed", runtime_.samples_processed());
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
