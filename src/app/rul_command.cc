#include "app/rul_command.h"

#include <chrono>
#include <cstdio>

#include "analytics/models/bundle.h"
#include "analytics/models/rul.h"
#include "analytics/models/table.h"
#include "core/clock.h"
#include "core/time_format.h"

namespace mw::app {
namespace {

// C-MAPSS results are customarily reported with the RUL capped at 125 cycles (see docs/rul.md).
constexpr double kCmapssCap = 125;

int Fail(const char* command, const Status& status, int code = 1) {
  std::fprintf(stderr, "millwright rul %s: %s\n", command, status.message().c_str());
  return code;
}

Result<models::Table> ReadInput(const RulArgs& args) {
  auto format = models::ParseTableFormat(args.format);
  if (!format.ok()) return Status::InvalidArgument("--format: " + format.status().message());
  models::TableSpec spec;
  spec.format = *format;
  return models::ReadTableFile(args.input, spec);
}

Result<models::RulOptions> OptionsFrom(const RulArgs& args) {
  models::RulOptions o;
  o.features = args.features;
  o.cap = args.cap > 0 ? args.cap : (args.format == "cmapss" ? kCmapssCap : 0);
  o.coverage = args.coverage;
  o.folds = args.folds;
  o.use_age = !args.no_age;
  o.booster.trees = args.trees;
  o.booster.max_depth = args.depth;
  o.booster.learning_rate = args.learning_rate;
  o.booster.seed = args.seed;
  o.booster.threads = args.threads;
  if (args.cap < 0) return Status::InvalidArgument("--cap must be positive");
  return o;
}

void PrintFitSummary(const models::ModelBundle& b, const RulArgs& args, double seconds) {
  const auto& m = b.metrics;
  std::printf("rul model: %llu rows, %llu units, %zu features, cap %g, blend weight %.2f, %.1f s -> %s\n",
              static_cast<unsigned long long>(b.rows), static_cast<unsigned long long>(b.units),
              b.features.size(), b.params.at("cap").get<double>(), b.params.at("blend_weight").get<double>(),
              seconds, args.out.c_str());
  std::printf("out of fold (%s):\n", m.at("protocol").get<std::string>().c_str());
  for (const char* e : {"regressor", "trend", "blend"}) {
    std::printf("  %-9s RMSE %8.2f  %2.0f %% interval holds the truth %5.1f %% of the time\n", e,
                m.at("rmse").at(e).get<double>(), 100 * args.coverage,
                100 * m.at("coverage").at(e).get<double>());
  }
}

int RunFit(const RulArgs& args) {
  auto options = OptionsFrom(args);
  if (!options.ok()) return Fail("fit", options.status(), 2);
  auto table = ReadInput(args);
  if (!table.ok())
    return Fail("fit", table.status(), table.status().code() == StatusCode::kInvalidArgument ? 2 : 1);
  const auto started = std::chrono::steady_clock::now();
  auto model = models::RulModel::Fit(*table, *options);
  if (!model.ok()) return Fail("fit", model.status());
  models::ModelBundle bundle = model->bundle();
  bundle.version = args.version;
  bundle.created = FormatRfc3339(SystemClock::Instance().Now());
  if (Status written = models::WriteBundle(args.out, bundle); !written.ok()) return Fail("fit", written);
  PrintFitSummary(bundle, args,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return 0;
}

int RunPredict(const RulArgs& args) {
  auto estimator = models::ParseRulEstimator(args.estimator);
  if (!estimator.ok()) return Fail("predict", estimator.status(), 2);
  auto bundle = models::ReadBundle(args.model);
  if (!bundle.ok())
    return Fail("predict", Status(bundle.status().code(), args.model + ": " + bundle.status().message()));
  auto model = models::RulModel::FromBundle(std::move(*bundle));
  if (!model.ok())
    return Fail("predict", Status(model.status().code(), args.model + ": " + model.status().message()));
  auto table = ReadInput(args);
  if (!table.ok()) return Fail("predict", table.status());
  auto rows = args.all_rows ? model->PredictRows(*table, *estimator) : model->PredictLast(*table, *estimator);
  if (!rows.ok())
    return Fail("predict", Status(rows.status().code(), args.input + ": " + rows.status().message()));
  std::printf(args.all_rows ? "unit,time,rul,lower,upper\n" : "unit,rul,lower,upper\n");
  for (const models::RulRow& r : *rows) {
    std::printf("%lld,", static_cast<long long>(r.unit));
    if (args.all_rows) std::printf("%.10g,", r.time);
    std::printf("%.2f,%.2f,%.2f\n", r.estimate.rul, r.estimate.lower, r.estimate.upper);
  }
  return 0;
}

}  // namespace

CLI::App* AddRulCommand(CLI::App& app, RulArgs& args) {
  CLI::App* rul =
      app.add_subcommand("rul", "Remaining useful life: fit a model on run-to-failure data, predict");
  rul->require_subcommand(1);
  CLI::App* fit = rul->add_subcommand("fit", "Train the RUL estimators on a run-to-failure table");
  fit->add_option("--input", args.input, "run-to-failure table (CSV, or C-MAPSS text)")->required();
  fit->add_option("--format", args.format, "csv or cmapss")->capture_default_str();
  fit->add_option("--out", args.out, "model bundle to write")->required();
  fit->add_option("--feature", args.features,
                  "feature spec, repeatable (default: each column that varies with the RUL, its mean over 15 "
                  "rows and slope over 30)");
  fit->add_option("--cap", args.cap,
                  "RUL cap of the piecewise-linear target (default: 125 for cmapss, "
                  "60 % of the median life for csv)");
  fit->add_option("--coverage", args.coverage, "interval coverage")->capture_default_str();
  fit->add_option("--trees", args.trees, "boosting rounds")->capture_default_str();
  fit->add_option("--depth", args.depth, "tree depth")->capture_default_str();
  fit->add_option("--learning-rate", args.learning_rate, "boosting learning rate")->capture_default_str();
  fit->add_option("--folds", args.folds, "unit-wise folds for the out-of-fold calibration")
      ->capture_default_str();
  fit->add_option("--seed", args.seed, "seed of the folds and the trees")->capture_default_str();
  fit->add_option("--threads", args.threads, "training threads (0: every core)")->capture_default_str();
  fit->add_option("--version", args.version, "model version to record")->capture_default_str();
  fit->add_flag("--no-age", args.no_age, "do not give the regressor the unit's age");
  CLI::App* predict =
      rul->add_subcommand("predict", "Print unit,rul,lower,upper for the last row of each unit");
  predict->add_option("--model", args.model, "model bundle from `rul fit`")->required();
  predict->add_option("--input", args.input, "table to predict on")->required();
  predict->add_option("--format", args.format, "csv or cmapss")->capture_default_str();
  predict->add_option("--estimator", args.estimator, "blend, regressor or trend")->capture_default_str();
  predict->add_flag("--all-rows", args.all_rows, "every row, not only the last of each unit");
  return rul;
}

int RunRul(const CLI::App& rul, const RulArgs& args) {
  if (rul.got_subcommand("fit")) return RunFit(args);
  if (rul.got_subcommand("predict")) return RunPredict(args);
  return 2;
}

}  // namespace mw::app
