// millwright: one binary, subcommands. The only place that knows every module.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "alarms/notify.h"
#include "alarms/rule.h"
#include "app/demo_config.h"
#include "app/export.h"
#include "app/model_commands.h"
#include "app/opcua_tool.h"
#include "app/platform.h"
#include "app/rul_command.h"
#include "app/sim_command.h"
#include "connectors/mqtt/mosquitto_broker.h"
#include "core/config.h"
#include "core/log.h"
#include "core/time_format.h"
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

int Demo(const std::string& listen, const std::string& data_dir) {
  std::filesystem::create_directories(data_dir + "/broker");
  auto broker = connectors::mqtt::MosquittoBroker::Start(data_dir + "/broker");
  if (!broker.ok()) {
    spdlog::error("cannot start the demo broker: {}", broker.status().message());
    return 1;
  }
  // The simulator first: its OPC UA and Modbus servers take free ports, which the platform's
  // configuration then names.
  sim::Fleet fleet(sim::DefaultFleet("127.0.0.1", broker->port()));
  if (Status s = fleet.Start(); !s.ok()) {
    spdlog::error("cannot start the simulator: {}", s.message());
    return 1;
  }
  ConfigLoad load =
      ParseConfig(DemoServeConfig(listen, broker->port(), data_dir, &fleet), "<embedded demo config>");
  if (!load.ok()) return PrintErrors(load.errors);
  Platform platform(load.config);
  auto errors = platform.Build();
  if (!errors.empty()) return PrintErrors(errors);
  if (Status s = platform.Start(); !s.ok()) {
    spdlog::error("cannot start the platform: {}", s.message());
    return 1;
  }
  std::vector<std::string> endpoints{"http http://" + platform.http_address() + "/"};
  for (std::string& e : fleet.Endpoints()) endpoints.push_back(std::move(e));
  PrintEndpoints(endpoints);
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

struct ExportArgs {
  std::string config;
  std::string data_dir;
  std::string from = "-1d";
  std::string to = "now";
  std::vector<std::string> assets;
  std::string format = "csv";
  std::string output;
};

int Export(const ExportArgs& args) {
  const Timestamp now = SystemClock::Instance().Now();
  ExportRequest request;
  auto from = ParseTime(args.from, now);
  auto to = ParseTime(args.to, now);
  if (!from.ok() || !to.ok()) {
    std::cerr
        << "export: --from and --to take Unix milliseconds, RFC 3339, 'now' or a relative time such as -2h\n";
    return 2;
  }
  request.from = *from;
  request.to = *to;
  request.assets = args.assets;
  request.format = args.format == "line" ? ExportFormat::kLine : ExportFormat::kCsv;
  auto store = OpenOfflineStore(args.config, args.data_dir);
  if (!store.ok()) {
    std::cerr << "export: " << store.status().message() << "\n";
    return store.status().code() == StatusCode::kInvalidArgument ? 2 : 1;
  }
  std::ofstream file;
  if (!args.output.empty()) {
    file.open(args.output, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::cerr << "export: cannot write " << args.output << "\n";
      return 1;
    }
  }
  std::ostream& out = args.output.empty() ? std::cout : file;
  auto written = ExportSamples(*(*store)->historian, (*store)->catalog, request, out);
  if (!written.ok()) {
    std::cerr << "export: " << written.status().message() << "\n";
    return 1;
  }
  spdlog::info("export: {} samples from {} to {}", *written, FormatRfc3339(request.from),
               FormatRfc3339(request.to));
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
  mw::app::SimArgs sim_args;
  auto* sim = mw::app::AddSimCommand(app, sim_args);
  auto* check = app.add_subcommand("check-config", "Validate a plant configuration and print every error");
  check->add_option("-c,--config", config, "plant configuration (TOML)")->required();
  app.add_subcommand("plugins", "List every plugin with its options");
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "data";
  auto* demo = app.add_subcommand("demo", "Broker + simulated plant + platform, on embedded defaults");
  demo->add_option("--listen", listen, "address of the API and dashboard")->capture_default_str();
  demo->add_option("--data", data_dir, "data folder")->capture_default_str();

  mw::app::ExportArgs export_args;
  auto* exp =
      app.add_subcommand("export", "Stream a time range of the historian out as CSV or line protocol");
  exp->add_option("-c,--config", export_args.config, "plant configuration (for data_dir and [storage])")
      ->check(CLI::ExistingFile);
  exp->add_option("--data", export_args.data_dir,
                  "data folder (overrides the configuration's server.data_dir)");
  exp->add_option("--from", export_args.from, "start: Unix ms, RFC 3339, now, or relative (-2h)")
      ->capture_default_str();
  exp->add_option("--to", export_args.to, "end, inclusive")->capture_default_str();
  exp->add_option("--asset", export_args.assets, "asset path or path prefix (repeatable; default: all)");
  exp->add_option("--format", export_args.format, "csv or line (InfluxDB line protocol)")
      ->check(CLI::IsMember({"csv", "line"}))
      ->capture_default_str();
  exp->add_option("-o,--output", export_args.output, "output file (default: standard output)");

  mw::app::OpcuaToolArgs opcua_args;
  auto* opcua = mw::app::AddOpcuaCommand(app, opcua_args);

  mw::app::ModelArgs model_args;
  const mw::app::ModelCommands model_commands = mw::app::AddModelCommands(app, model_args);
  mw::app::RulArgs rul_args;
  CLI::App* rul = mw::app::AddRulCommand(app, rul_args);

  CLI11_PARSE(app, argc, argv);
  if (const int code = mw::app::RunModelCommand(model_commands, model_args); code >= 0) return code;
  if (*rul) return mw::app::RunRul(*rul, rul_args);
  if (*opcua) return mw::app::RunOpcuaTool(opcua_args);
  if (*exp) return mw::app::Export(export_args);
  if (*serve) return mw::app::Serve(config);
  if (*sim) return mw::app::RunSim(sim_args);
  if (*check) return mw::app::CheckConfig(config);
  if (*demo) return mw::app::Demo(listen, data_dir);
  mw::pipeline::PluginRegistry registry;
  mw::app::RegisterAllPlugins(registry);
  std::cout << registry.Describe();
  std::cout << "alarm rule ([[templates.<name>.alarms]], docs/alarms.md): a condition with its lifecycle\n"
            << mw::pipeline::DescribeOptions(mw::alarms::RuleOptions());
  for (const char* type : {"mqtt", "webhook"}) {
    std::cout << "notification " << type << " ([[notifications]]): alarm changes and anomalies as JSON\n"
              << mw::pipeline::DescribeOptions(mw::alarms::NotifierOptionTable(type));
  }
  return 0;
}
