// `millwright sim`: the digital-twin fleet of a fleet file, live (`-c fleet.toml`), or the training
// mode (`--lifecycles N --out DIR`) that runs whole lives on a simulated clock and writes a
// labelled dataset (sim/training.h).
//
// Live, it prints every endpoint it serves on standard output, one per line, as
// `endpoint <protocol> <url>` (e.g. `endpoint opcua opc.tcp://127.0.0.1:4840`), once they are
// open, so that a script can wait for them; then runs until SIGINT/SIGTERM.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace mw::app {

struct SimArgs {
  std::string config;
  int lifecycles = 0;
  std::string out;
  std::uint64_t seed = 1;
  std::string twin = "pump";
  std::string mode = "nominal";
  std::string interval;  // "" = the mode's default
  double chaos = 0;
  int iso_class = 2;
  int broken = 50;  // BROKEN readings per unit
};

CLI::App* AddSimCommand(CLI::App& app, SimArgs& args);
int RunSim(const SimArgs& args);

// Prints `endpoint <protocol> <url>` for each of `endpoints` ("<protocol> <url>") and flushes.
void PrintEndpoints(const std::vector<std::string>& endpoints);

}  // namespace mw::app
