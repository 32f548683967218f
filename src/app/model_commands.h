// The health classifier's offline lifecycle on labelled tables (the twins' training mode, or an
// exported dataset):
//   millwright train     --input CSV --out MODEL   trains, judges on held-out units, writes a bundle
//   millwright evaluate  --model MODEL --input CSV confusion matrix, per-class P/R/F1, macro-F1
//   millwright export --dataset --input CSV [--balanced] -o OUT
//   millwright export --dataset -c plant.toml --from -7d --features ... [--balanced] -o OUT
//                                                  features and labels (of a labelled table, or of
//                                                  the historian's stored label signal),
//                                                  class-balanced on request
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace mw::app {

struct ModelArgs {
  std::string input;
  std::string out;
  std::string model;
  // Boosted, 30 rounds of depth 4: on the twins as good as a 100-tree forest and faster to serve
  // (bench/health).
  std::string mode = "boosted";
  std::vector<std::string> features;
  std::string label = "state";
  double test_fraction = 0.2;
  int trees = 30;
  int max_depth = 4;
  double learning_rate = 0.3;
  int threads = 0;
  int seed = 1;
  int version = 1;
  bool json = false;
  bool dataset = false;
  std::string label_signal = "health_truth";
  bool balanced = false;
  long per_class = 0;
};

struct ModelCommands {
  CLI::App* train = nullptr;
  CLI::App* evaluate = nullptr;
  CLI::App* dataset = nullptr;  // the `export` subcommand, when --dataset is given
};

// Adds `train` and `evaluate`, and the dataset options to an `export` subcommand already added.
ModelCommands AddModelCommands(CLI::App& app, ModelArgs& args);
// Runs the one that was given; the process exit code, or -1 when none was.
int RunModelCommand(const ModelCommands& commands, const ModelArgs& args);

}  // namespace mw::app
