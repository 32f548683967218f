#include "app/sim_command.h"

#include <cstdio>
#include <iostream>

#include <spdlog/spdlog.h>

#include "app/platform.h"
#include "core/time_format.h"
#include "sim/fleet.h"
#include "sim/fleet_config.h"
#include "sim/training.h"

namespace mw::app {
namespace {

template <typename Enum, typename NameOf>
bool ParseName(const std::string& text, int count, NameOf name_of, Enum& out) {
  for (int i = 0; i < count; ++i) {
    if (name_of(static_cast<Enum>(i)) == text) {
      out = static_cast<Enum>(i);
      return true;
    }
  }
  return false;
}

int RunTraining(const SimArgs& args) {
  sim::TrainingSpec spec;
  spec.lifecycles = args.lifecycles;
  spec.out_dir = args.out;
  spec.seed = args.seed;
  spec.chaos_per_hour = args.chaos;
  spec.iso_class = args.iso_class;
  spec.broken_readings = args.broken;
  if (!ParseName(args.twin, 4, sim::TwinTypeName, spec.type)) {
    std::cerr << "--twin: expected pump, printer or plc_line, got \"" << args.twin << "\"\n";
    return 2;
  }
  if (!ParseName(args.mode, 3, sim::LifeModeName, spec.mode)) {
    std::cerr << "--mode: expected nominal, accelerated or stress, got \"" << args.mode << "\"\n";
    return 2;
  }
  if (!args.interval.empty()) {
    Result<std::int64_t> ns = ParseDuration(args.interval);
    if (!ns.ok() || *ns < kNanosPerMilli) {
      std::cerr << "--interval: expected a duration of at least 1ms, got \"" << args.interval << "\"\n";
      return 2;
    }
    spec.interval_ns = *ns;
  }
  const auto started = std::chrono::steady_clock::now();
  Result<sim::TrainingSummary> summary = sim::RunTraining(spec);
  if (!summary.ok()) {
    std::cerr << summary.status().message() << "\n";
    return summary.status().code() == StatusCode::kInvalidArgument ? 2 : 1;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("%d lives of %s (%s), %llu rows, %.1f simulated hours in %.2f s -> %s/lifecycles.csv\n",
              summary->units, args.twin.c_str(), args.mode.c_str(),
              static_cast<unsigned long long>(summary->rows), summary->simulated_s / 3600, seconds,
              args.out.c_str());
  return 0;
}

int RunLive(const std::string& path) {
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
  PrintEndpoints(fleet.Endpoints());
  WaitForStopSignal();
  fleet.Stop();
  spdlog::info("fleet stopped: {} messages published", fleet.messages_published());
  return 0;
}

}  // namespace

CLI::App* AddSimCommand(CLI::App& app, SimArgs& args) {
  auto* sim =
      app.add_subcommand("sim", "Run a digital-twin fleet (-c) or write training lifecycles (--lifecycles)");
  auto* config = sim->add_option("-c,--config", args.config, "fleet file (TOML)")->check(CLI::ExistingFile);
  auto* lifecycles =
      sim->add_option("--lifecycles", args.lifecycles, "training mode: run N complete lives, write a dataset")
          ->check(CLI::PositiveNumber);
  sim->add_option("--out", args.out, "training mode: output folder")->needs(lifecycles);
  sim->add_option("--seed", args.seed, "training mode: seed (same seed, same bytes)")->capture_default_str();
  sim->add_option("--twin", args.twin, "training mode: pump, printer or plc_line")->capture_default_str();
  sim->add_option("--mode", args.mode, "training mode: nominal, accelerated or stress")
      ->capture_default_str();
  sim->add_option("--interval", args.interval, "training mode: time between readings (default: by mode)");
  sim->add_option("--chaos", args.chaos, "training mode: random faults per hour of each kind (0: none)")
      ->capture_default_str();
  sim->add_option("--iso-class", args.iso_class, "training mode: pump ISO 10816-1 class 1..4")
      ->check(CLI::Range(1, 4))
      ->capture_default_str();
  sim->add_option("--broken", args.broken, "training mode: readings each unit stays BROKEN after it fails")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  config->excludes(lifecycles);
  sim->callback([sim, config, lifecycles, &args] {
    if (config->count() == 0 && lifecycles->count() == 0)
      throw CLI::RequiredError("sim needs -c fleet.toml, or --lifecycles N --out DIR");
    if (lifecycles->count() > 0 && args.out.empty()) throw CLI::RequiredError("--out");
    (void)sim;
  });
  return sim;
}

int RunSim(const SimArgs& args) {
  if (args.lifecycles > 0) return RunTraining(args);
  return RunLive(args.config);
}

void PrintEndpoints(const std::vector<std::string>& endpoints) {
  for (const std::string& e : endpoints) std::printf("endpoint %s\n", e.c_str());
  std::fflush(stdout);
}

}  // namespace mw::app
