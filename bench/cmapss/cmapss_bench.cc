// bench_cmapss: our RUL estimators (src/analytics/models/rul.h) on NASA C-MAPSS FD001, engine-wise
// cross-validated, beside the published FD001 results. See README.md.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "analytics/models/rul.h"
#include "analytics/models/table.h"

namespace mw::bench::cmapss {
namespace {

using models::RulEstimator;
using models::RulModel;
using models::RulOptions;
using models::Table;

struct Args {
  std::string data = MW_SOURCE_DIR "/../shared/datasets/cmapss";
  int folds = 5;
  int seed = 1;
  int cuts = 5;      // random truncations per held-out engine
  double cap = 125;  // the convention of the recent FD001 results
  bool dev = false;  // odd engines only: where the choices were made
  RulOptions options;
};

// NASA's FD001 test engines stop 7 to 145 cycles before failure, after at least 31 cycles of history.
constexpr int kMinRul = 7, kMaxRul = 145, kMinHistory = 31;

struct Peer {
  const char* key;
  const char* name;
  double rmse, score;
  int cap;
};
// From the papers (RMSE / PHM08 score on the FD001 test set; the RUL cap each used).
constexpr Peer kPeers[] = {
    {"svr", "SVR (Babu et al. 2016)", 20.96, 1380, 130},
    {"cnn", "CNN (Babu et al. 2016)", 18.45, 1299, 130},
    {"lstm", "deep LSTM (Zheng et al. 2017)", 16.14, 338, 130},
    {"agcnn", "AGCNN (Liu et al. 2020)", 12.42, 225.5, 125},
    {"msdcnn", "MS-DCNN (Li et al. 2020)", 11.44, 196.22, 125},
    {"mtstan", "MTSTAN (2023)", 10.97, 175.36, 125},
};

constexpr RulEstimator kEstimators[] = {RulEstimator::kRegressor, RulEstimator::kTrend, RulEstimator::kBlend};

struct Scores {  // per estimator: predictions and truths
  std::vector<double> predicted, truth;
  double inside = 0;
  std::vector<std::int64_t> unit;
};

struct Run {
  std::map<RulEstimator, Scores> cut, all;
  double fit_seconds = 0, fit_rows = 0, predict_seconds = 0, predict_rows = 0;
};

bool ParseArgs(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--data" && has_value)
      a.data = argv[++i];
    else if (arg == "--folds" && has_value)
      a.folds = std::atoi(argv[++i]);
    else if (arg == "--seed" && has_value)
      a.seed = std::atoi(argv[++i]);
    else if (arg == "--cuts" && has_value)
      a.cuts = std::atoi(argv[++i]);
    else if (arg == "--trees" && has_value)
      a.options.booster.trees = std::atoi(argv[++i]);
    else if (arg == "--depth" && has_value)
      a.options.booster.max_depth = std::atoi(argv[++i]);
    else if (arg == "--learning-rate" && has_value)
      a.options.booster.learning_rate = std::atof(argv[++i]);
    else if (arg == "--threads" && has_value)
      a.options.booster.threads = std::atoi(argv[++i]);
    else if (arg == "--feature" && has_value)
      a.options.features.emplace_back(argv[++i]);
    else if (arg == "--no-age")
      a.options.use_age = false;
    else if (arg == "--dev")
      a.dev = true;
    else {
      std::fprintf(
          stderr,
          "usage: bench_cmapss [--data <folder with train_FD001.txt>] [--folds 5] [--seed 1] [--cuts 5]\n"
          "                    [--threads N] [--trees N] [--depth N] [--learning-rate X] [--feature SPEC]... "
          "[--no-age]\n"
          "                    [--dev]\n");
      return false;
    }
  }
  if (a.folds < 2 || a.cuts < 1) {
    std::fprintf(stderr, "bench_cmapss: --folds must be >= 2 and --cuts >= 1\n");
    return false;
  }
  a.options.cap = a.cap;
  a.options.booster.seed = a.seed;
  return true;
}

// Engines shuffled with the seed, dealt into folds (std::mt19937 is the same on every platform).
std::vector<std::set<std::int64_t>> Folds(std::vector<std::int64_t> units, int folds, int seed) {
  std::mt19937 random(static_cast<unsigned>(seed));
  for (std::size_t i = units.size(); i > 1; --i) std::swap(units[i - 1], units[random() % i]);
  std::vector<std::set<std::int64_t>> out(static_cast<std::size_t>(folds));
  for (std::size_t i = 0; i < units.size(); ++i) out[i % out.size()].insert(units[i]);
  return out;
}

// The rows at which each engine is cut, as NASA's test set: true RUL uniform in [7, 145], history >= 31.
std::vector<std::size_t> CutRows(const Table& t, std::int64_t unit, int cuts, std::mt19937& random) {
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < t.rows(); ++i) {
    if (t.unit[i] == unit) rows.push_back(i);
  }
  const int life = static_cast<int>(rows.size());
  const int max_rul = std::min(kMaxRul, life - kMinHistory);
  std::vector<std::size_t> out;
  if (max_rul < kMinRul) return out;
  for (int c = 0; c < cuts; ++c) {
    const int rul = kMinRul + static_cast<int>(random() % static_cast<unsigned>(max_rul - kMinRul + 1));
    out.push_back(rows[static_cast<std::size_t>(life - 1 - rul)]);
  }
  return out;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

bool RunFold(const Table& all, const std::set<std::int64_t>& held_out,
             const std::set<std::int64_t>& train_units, const Args& a, std::mt19937& random, Run& run) {
  const Table train = models::SelectUnits(all, train_units);
  const Table test = models::SelectUnits(all, held_out);
  auto start = std::chrono::steady_clock::now();
  auto model = RulModel::Fit(train, a.options);
  if (!model.ok()) {
    std::fprintf(stderr, "bench_cmapss: fit: %s\n", model.status().ToString().c_str());
    return false;
  }
  run.fit_seconds += Seconds(start);
  run.fit_rows += static_cast<double>(train.rows());
  const std::vector<double> rul = models::RowRul(test);
  std::vector<std::size_t> cut_rows;
  for (const std::int64_t unit : held_out) {
    const auto rows = CutRows(test, unit, a.cuts, random);
    cut_rows.insert(cut_rows.end(), rows.begin(), rows.end());
  }
  for (const RulEstimator e : kEstimators) {
    start = std::chrono::steady_clock::now();
    auto rows = model->PredictRows(test, e);
    if (!rows.ok()) {
      std::fprintf(stderr, "bench_cmapss: predict: %s\n", rows.status().ToString().c_str());
      return false;
    }
    run.predict_seconds += Seconds(start);
    run.predict_rows += static_cast<double>(test.rows());
    auto add = [&](Scores& s, std::size_t i) {
      const double truth = std::min(rul[i], a.cap);
      s.predicted.push_back((*rows)[i].estimate.rul);
      s.truth.push_back(truth);
      s.unit.push_back(test.unit[i]);
      s.inside += (truth >= (*rows)[i].estimate.lower && truth <= (*rows)[i].estimate.upper) ? 1 : 0;
    };
    for (std::size_t i = 0; i < test.rows(); ++i) add(run.all[e], i);
    for (const std::size_t i : cut_rows) add(run.cut[e], i);
  }
  return true;
}

// The predictions of even-numbered engines only: those never looked at while the choices were made.
Scores EvenEngines(const Scores& s) {
  Scores out;
  for (std::size_t i = 0; i < s.unit.size(); ++i) {
    if (s.unit[i] % 2 != 0) continue;
    out.predicted.push_back(s.predicted[i]);
    out.truth.push_back(s.truth[i]);
  }
  return out;
}

void PrintTable(const Run& run, const Args& a) {
  std::printf("\n%-34s %10s %14s %10s %12s %10s\n", "estimator", "RMSE cut", "score/100 cut", "inside",
              "RMSE all", "inside");
  for (const RulEstimator e : kEstimators) {
    const Scores& c = run.cut.at(e);
    const Scores& l = run.all.at(e);
    std::printf(
        "%-34s %10.2f %14.1f %9.1f%% %12.2f %9.1f%%\n", models::RulEstimatorName(e),
        models::Rmse(c.predicted, c.truth), 100 * models::Phm08Score(c.predicted, c.truth) / c.truth.size(),
        100 * c.inside / c.truth.size(), models::Rmse(l.predicted, l.truth), 100 * l.inside / l.truth.size());
  }
  std::printf("%-34s", "regressor RMSE cut, truth 0-49/50-99/100+");
  const Scores& r = run.cut.at(RulEstimator::kRegressor);
  for (const double low : {0.0, 50.0, 100.0}) {
    Scores band;
    for (std::size_t i = 0; i < r.truth.size(); ++i) {
      if (r.truth[i] < low || r.truth[i] >= low + 50) continue;
      band.predicted.push_back(r.predicted[i]);
      band.truth.push_back(r.truth[i]);
    }
    std::printf(" %6.2f (%zu)", models::Rmse(band.predicted, band.truth), band.truth.size());
  }
  std::printf("\n");
  std::printf(
      "(cut: %d random truncations per held-out engine, true RUL uniform in [%d, %d], >= %d cycles seen,\n"
      " capped at %.0f; score/100: PHM08 score per 100 predictions, the size of the test set;\n"
      " inside: share of truths inside the %.0f %% interval)\n",
      a.cuts, kMinRul, kMaxRul, kMinHistory, a.cap, 100 * a.options.coverage);
  std::printf("\npublished, FD001 test set (100 engines):\n");
  for (const Peer& p : kPeers) {
    std::printf("%-34s %10.2f %14.1f   (cap %d)\n", p.name, p.rmse, p.score, p.cap);
  }
}

int Main(int argc, char** argv) {
  Args a;
  if (!ParseArgs(argc, argv, a)) return 2;
  const std::string path = a.data + "/train_FD001.txt";
  models::TableSpec spec;
  spec.format = models::TableFormat::kCmapss;
  auto table = models::ReadTableFile(path, spec);
  if (!table.ok()) {
    std::fprintf(stderr, "bench_cmapss: %s\n", table.status().ToString().c_str());
    return 1;
  }
  std::vector<std::int64_t> units = models::UnitsOf(*table);
  if (a.dev) std::erase_if(units, [](std::int64_t u) { return u % 2 == 0; });
  std::printf("C-MAPSS FD001: %zu engines, %zu rows; %d-fold engine-wise cross-validation, seed %d%s\n",
              units.size(), table->rows(), a.folds, a.seed, a.dev ? " (development: odd engines only)" : "");
  std::mt19937 random(static_cast<unsigned>(a.seed) + 1000);
  Run run;
  for (const auto& held_out : Folds(units, a.folds, a.seed)) {
    std::set<std::int64_t> train(units.begin(), units.end());
    for (const std::int64_t u : held_out) train.erase(u);
    if (!RunFold(*table, held_out, train, a, random, run)) return 1;
    std::fprintf(stderr, ".");
  }
  std::fprintf(stderr, "\n");
  PrintTable(run, a);

  // The headline is the regressor: on the development engines (odd numbers) it beat the blend.
  const Scores& best = run.cut.at(RulEstimator::kRegressor);
  const double rmse = models::Rmse(best.predicted, best.truth);
  const Scores even = EvenEngines(best);
  std::printf("\nfit %.1f s for %.0f rows; predict %.2f s for %.0f rows\n", run.fit_seconds, run.fit_rows,
              run.predict_seconds, run.predict_rows);
  for (const RulEstimator e : kEstimators) {
    const Scores& c = run.cut.at(e);
    std::printf("RESULT cmapss.%s.rmse.test_like = %.2f cycles\n", models::RulEstimatorName(e),
                models::Rmse(c.predicted, c.truth));
  }
  std::printf("RESULT cmapss.rmse.test_like = %.2f cycles\n", rmse);
  if (!a.dev)
    std::printf("RESULT cmapss.rmse.test_like_even_engines = %.2f cycles\n",
                models::Rmse(even.predicted, even.truth));
  std::printf("RESULT cmapss.score.test_like = %.1f per 100 engines\n",
              100 * models::Phm08Score(best.predicted, best.truth) / best.truth.size());
  std::printf("RESULT cmapss.coverage.test_like = %.1f %%\n", 100 * best.inside / best.truth.size());
  const Scores& all = run.all.at(RulEstimator::kRegressor);
  std::printf("RESULT cmapss.rmse.all_cycles = %.2f cycles\n", models::Rmse(all.predicted, all.truth));
  std::printf("RESULT cmapss.fit = %.0f rows/s\n", run.fit_rows / run.fit_seconds);
  std::printf("RESULT cmapss.predict = %.0f rows/s\n", run.predict_rows / run.predict_seconds);
  for (const Peer& p : kPeers) std::printf("RESULT cmapss.rmse.vs_%s = %.3f\n", p.key, rmse / p.rmse);
  return 0;
}

}  // namespace
}  // namespace mw::bench::cmapss

int main(int argc, char** argv) { return mw::bench::cmapss::Main(argc, argv); }
