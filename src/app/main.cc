// millwright: one binary, subcommands. The only place that knows every module.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "app/demo_config.h"
#include "app/platform.h"
#include "connectors/mqtt/mosquitto_broker.h"
#include "core/config.h"
#include "core/log.h"
#include "sim/fleet.h"
#include "sim/fleet_config.h"

namespace mw::app {
namespace {

int PrintErrors(const std::vector<ConfigError>& errors) {
  for (const auto& e : errors) std::cerr << e.ToString() << "\n";
  std::cerr << errors.size() << (errors.size() == 1 ? " error" : " errors") << "\n";
  return 2;
}

// Loads a config and builds the platform; prints every problem. The file's own errors do not stop
// the plugin checks: what was readable is still built, so one run reports everything.
int CheckConfig(const std::string& path) {
  ConfigLoad load = LoadConfigFile(path);
  std::vector<ConfigError> errors = load.errors;
  Platform platform(load.config);
  auto build_errors = platform.Build();
  errors.insert(errors.end(), build_errors.begin(), build_errors.end());
  std::stable_sort(errors.begin(), errors.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::pair(a.where.line, a.where.column) < std::pair(b.where.line, b.where.column);
  });
  if (!errors.empty()) return PrintErrors(errors);
  std::cout << path << ": ok (" << load.config.templates.size() << " templates, " << load.config.assets.size()
            << " assets, " << load.config.sources.size() << " sources, " << load.config.sinks.size()
            << " sinks)\n";
  return 0;
}

int RunPlatform(const Config& config) {
  Platform platform(config);
  auto errors = platform.Build();
  if (!errors.empty()) return PrintErrors(errors);
  Status s = platform.Start();
  if (!s.ok()) {
    spdlog::error("cannot start: {}", s.message());
    return 1;
  }
  int sig = WaitForStopSignal();
  spdlog::info("signal {} received: draining and stopping", sig);
  platform.Stop();
  return 0;
}

int Serve(const std::string& path) {
  ConfigLoad load = LoadConfigFile(path);
  if (!load.ok()) return PrintErrors(load.errors);
  return RunPlatform(load.config);
}

int Sim(const std::string& path) {
  auto fleet_config = sim::LoadFleetConfig(path);
  if (!fleet_config.ok()) {
    std::cerr << fleet_config.status().message() << "\n";
    return 2;
  }
  sim::Fleet fleet(*fleet_config);
  Status s = fleet.Start();
  if (!s.ok()) {
    spdlog::error("cannot start the fleet: {}", s.message());
    return 1;
  }
  WaitForStopSignal();
  fleet.Stop();
  spdlog::info("fleet stopped: {} messages published", fleet.messages_published());
  return 0;
}

int Demo(const std::string& listen, const std::string& data_dir) {
  std::filesystem::create_directories(data_dir + "/broker");
  auto broker = connectors::mqtt::MosquittoBroker::Start(data_dir + "/broker");
  if (!broker.ok()) {
    spdlog::error("cannot start the demo broker: {}", broker.status().message());
    return 1;
  }
  ConfigLoad load = ParseConfig(DemoServeConfig(listen, broker->port()), "<embedded demo config>");
  if (!load.ok()) return PrintErrors(load.errors);
  Platform platform(load.config);
  auto errors = platform.Build();
  if (!errors.empty()) return PrintErrors(errors);
  if (Status s = platform.Start(); !s.ok()) {
    spdlog::error("cannot start the platform: {}", s.message());
    return 1;
  }
  sim::Fleet fleet(sim::DefaultFleet("127.0.0.1", broker->port()));
  if (Status s = fleet.Start(); !s.ok()) {
    spdlog::error("cannot start the simulator: {}", s.message());
    return 1;
  }
  std::printf(
      "\nMillwright demo is running.\n  dashboard  http://%s/\n  API        http://%s/api/v1/status\n"
      "  metrics    http://%s/metrics\n  broker     mqtt://127.0.0.1:%d (Mosquitto)\nPress Ctrl-C to "
      "stop.\n\n",
      platform.http_address().c_str(), platform.http_address().c_str(), platform.http_address().c_str(),
      broker->port());
  std::fflush(stdout);
  WaitForStopSignal();
  spdlog::info("stopping: simulator, platform, broker");
  fleet.Stop();
  platform.Stop();
  broker->Stop();
  return 0;
}

}  // namespace
}  // namespace mw::app

int main(int argc, char** argv) {
  mw::app::BlockStopSignals();
  mw::InitLogging();
  CLI::App app{"Millwright: predictive maintenance for industrial machines"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "millwright 0.1.0");

  std::string config;
  auto* serve = app.add_subcommand("serve", "Run the platform: connectors, analytics, store, API");
  serve->add_option("-c,--config", config, "plant configuration (TOML)")
      ->required()
      ->check(CLI::ExistingFile);
  auto* sim = app.add_subcommand("sim", "Run a digital-twin fleet publishing over MQTT");
  sim->add_option("-c,--config", config, "fleet file (TOML)")->required()->check(CLI::ExistingFile);
  auto* check = app.add_subcommand("check-config", "Validate a plant configuration and print every error");
  check->add_option("-c,--config", config, "plant configuration (TOML)")->required();
  app.add_subcommand("plugins", "List every plugin with its options");
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "data";
  auto* demo = app.add_subcommand("demo", "Broker + simulated plant + platform, on embedded defaults");
  demo->add_option("--listen", listen, "address of the API and dashboard")->capture_default_str();
  demo->add_option("--data", data_dir, "data folder")->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  if (*serve) return mw::app::Serve(config);
  if (*sim) return mw::app::Sim(config);
  if (*check) return mw::app::CheckConfig(config);
  if (*demo) return mw::app::Demo(listen, data_dir);
  mw::pipeline::PluginRegistry registry;
  mw::app::RegisterAllPlugins(registry);
  std::cout << registry.Describe();
  return 0;
}
