// `millwright rul fit` and `millwright rul predict`: remaining-useful-life models on run-to-failure
// tables (the twins' lifecycles, NASA C-MAPSS, or any CSV of unit, time and feature columns).
//
//   rul fit --input FILE [--format csv|cmapss] --out MODEL [--feature SPEC]... [--cap X] ...
//       trains both estimators (analytics/models/rul.h), calibrates their intervals out of fold, and
//       writes one model bundle (kind rul_regressor); prints the out-of-fold figures.
//   rul predict --model MODEL --input FILE [--format csv|cmapss] [--estimator blend|regressor|trend]
//       prints CSV `unit,rul,lower,upper` to stdout for the last row of each unit (--all-rows: every
//       row, with its time).
//
// Exit codes: 0 done, 1 a file or model could not be read or written or the training failed, 2 bad
// options. Messages name the file (file:line and column for bad cells).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace mw::app {

struct RulArgs {
  std::string input;
  std::string format = "csv";
  std::string out;
  std::string model;
  std::vector<std::string> features;  // empty: the default set (rul.h DefaultRulFeatures)
  double cap = 0;                     // 0: 125 for cmapss, 60 % of the median life for csv
  double coverage = 0.8;
  int trees = 400;
  int depth = 5;
  double learning_rate = 0.05;
  int folds = 5;
  int seed = 1;
  int threads = 0;
  bool no_age = false;
  int version = 1;
  std::string estimator = "blend";
  bool all_rows = false;
};

// Adds the `rul` subcommand with its `fit` and `predict` subcommands; returns `rul`.
CLI::App* AddRulCommand(CLI::App& app, RulArgs& args);
// Runs whichever of fit/predict was given; the process exit code.
int RunRul(const CLI::App& rul, const RulArgs& args);

}  // namespace mw::app
