// The health classifier on twin lives: macro-F1 on lives of another seed (clean and with chaos),
// training time on about a million rows of 20 features, and inference rate (one thread) beside
// scikit-learn's RandomForestClassifier.predict_proba on the same rows and features: its defaults
// (100 trees grown to purity) against our default model (boosted, `millwright train`'s defaults),
// and the same forest shape (100 trees of depth 8) against our random-forest mode.
//
//   bench_health [--rows 1000000] [--python /usr/bin/python3]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analytics/models/booster.h"
#include "analytics/models/health.h"
#include "sim/training.h"

namespace mw::models {
namespace {

const std::vector<std::string> kFeatures = {"vibration_x",
                                            "vibration_y",
                                            "vibration_z",
                                            "bearing_temperature",
                                            "discharge_pressure",
                                            "motor_current",
                                            "vibration_x.mean10",
                                            "vibration_y.mean10",
                                            "vibration_z.mean10",
                                            "bearing_temperature.mean10",
                                            "discharge_pressure.mean10",
                                            "motor_current.mean10",
                                            "vibration_x.std10",
                                            "vibration_y.std10",
                                            "vibration_z.std10",
                                            "vibration_x.slope30",
                                            "bearing_temperature.slope30",
                                            "motor_current.slope30",
                                            "vibration_x.max10",
                                            "discharge_pressure.min10"};

// About 1,150 rows per accelerated pump life (50 of them BROKEN).
constexpr double kRowsPerLife = 1150;

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

Table Lives(const std::filesystem::path& dir, int lives, std::uint64_t seed, double chaos) {
  sim::TrainingSpec spec;
  spec.mode = sim::LifeMode::kAccelerated;
  spec.lifecycles = lives;
  spec.seed = seed;
  spec.chaos_per_hour = chaos;
  spec.out_dir = (dir / ("lives-" + std::to_string(seed) + "-" + std::to_string(chaos))).string();
  if (!sim::RunTraining(spec).ok()) std::exit(1);
  auto table = ReadTableFile(spec.out_dir + "/lifecycles.csv", {});
  if (!table.ok()) {
    std::fprintf(stderr, "%s\n", table.status().message().c_str());
    std::exit(1);
  }
  return std::move(*table);
}

struct Run {
  double macro_f1 = 0;
  double train_s = 0;
  std::uint64_t rows = 0;
};

Run TrainAndJudge(const Table& train, const Table& other, TreeMode mode, int trees, int depth,
                  HealthModel* keep) {
  HealthTrainSpec spec;
  spec.features = kFeatures;
  spec.params.mode = mode;
  spec.params.trees = trees;
  spec.params.max_depth = depth;
  spec.test_fraction = 0;
  auto trained = TrainHealthClassifier(train, spec);
  if (!trained.ok()) {
    std::fprintf(stderr, "training: %s\n", trained.status().message().c_str());
    std::exit(1);
  }
  auto model = HealthModel::FromBundle(trained->bundle);
  auto judged = EvaluateOnTable(*model, other);
  if (!judged.ok()) std::exit(1);
  if (keep) *keep = std::move(*model);
  return {judged->macro_f1, trained->train_seconds, trained->bundle.rows};
}

// The scikit-learn side, run by Debian's /usr/bin/python3 (which sees python3-sklearn).
const char* kPython = R"PY(
import sys, time, json
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import f1_score
d, cols, trees, depth = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
X = np.fromfile(d + "/train_x.f32", dtype=np.float32).reshape(-1, cols)
y = np.fromfile(d + "/train_y.i32", dtype=np.int32)
T = np.fromfile(d + "/test_x.f32", dtype=np.float32).reshape(-1, cols)
t_y = np.fromfile(d + "/test_y.i32", dtype=np.int32)
X = np.nan_to_num(X); T = np.nan_to_num(T)  # sklearn 1.2 forests take no NaN
import sklearn
out = {"version": sklearn.__version__}
for name, max_depth in (("default", None), ("same", depth)):
    m = RandomForestClassifier(n_estimators=trees, max_depth=max_depth, n_jobs=2, random_state=0)
    t = time.perf_counter(); m.fit(X, y); fit_s = time.perf_counter() - t
    m.set_params(n_jobs=1)
    rates = []
    for _ in range(3):
        t = time.perf_counter(); p = m.predict_proba(T); rates.append(len(T) / (time.perf_counter() - t))
    out[name] = {"fit_s": fit_s, "rate": float(np.median(rates)),
                 "macro_f1": float(f1_score(t_y, p.argmax(axis=1), average="macro"))}
print(json.dumps(out))
)PY";

void WriteFile(const std::filesystem::path& p, const void* data, std::size_t bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
}

// Features and encoded labels of every labelled row, as the model sees them.
void Matrix(const Table& t, const HealthModel& model, std::vector<float>& x, std::vector<std::int32_t>& y) {
  auto features = ComputeFeatures(t, model.features());
  const std::size_t cols = model.features().size();
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const auto it = std::find(model.classes().begin(), model.classes().end(), t.label[r]);
    if (it == model.classes().end()) continue;
    x.insert(x.end(), features->begin() + static_cast<std::ptrdiff_t>(r * cols),
             features->begin() + static_cast<std::ptrdiff_t>((r + 1) * cols));
    y.push_back(static_cast<std::int32_t>(it - model.classes().begin()));
  }
}

// Rows per second of PredictProba on one thread, batches of 4,096 rows, median of 3 passes.
double InferenceRate(HealthModel& model, const std::vector<float>& x) {
  if (!model.SetThreads(1).ok()) std::exit(1);
  const std::size_t cols = model.features().size(), rows = x.size() / cols, batch = 4096;
  std::vector<float> proba;
  std::vector<double> rates;
  for (int pass = 0; pass < 3; ++pass) {
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t r = 0; r < rows; r += batch) {
      const std::size_t n = std::min(batch, rows - r);
      if (!model.PredictProba(std::span<const float>(x.data() + r * cols, n * cols), &proba).ok())
        std::exit(1);
    }
    rates.push_back(static_cast<double>(rows) / Seconds(start));
  }
  std::sort(rates.begin(), rates.end());
  return rates[1];
}

// Records per second scored one at a time, as the served detector does (the first 50,000 rows), on
// the model's own path and on XGBoost's predictor with the same scaling; median of 3 passes each.
std::pair<double, double> RecordRates(HealthModel& model, const std::vector<float>& x) {
  if (!model.SetThreads(1).ok()) std::exit(1);
  auto xgboost = Booster::Deserialize(model.bundle().model);
  if (!xgboost.ok() || !xgboost->SetThreads(1).ok()) std::exit(1);
  const std::size_t cols = model.features().size(), rows = std::min<std::size_t>(50'000, x.size() / cols);
  std::vector<float> proba, row(cols);
  auto rate = [&](bool ours) {
    std::vector<double> rates;
    for (int pass = 0; pass < 3; ++pass) {
      const auto start = std::chrono::steady_clock::now();
      for (std::size_t r = 0; r < rows; ++r) {
        const std::span<const float> one(x.data() + r * cols, cols);
        Status s = Status::Ok();
        if (ours) {
          s = model.PredictProba(one, &proba);
        } else {
          row.assign(one.begin(), one.end());
          model.bundle().scaler.Apply(row);
          s = xgboost->PredictWithXgboost(row, cols, &proba);
        }
        if (!s.ok()) std::exit(1);
      }
      rates.push_back(static_cast<double>(rows) / Seconds(start));
    }
    std::sort(rates.begin(), rates.end());
    return rates[1];
  };
  return {rate(true), rate(false)};
}

// `millwright train`'s defaults (model_commands.h) and the forest shape compared like for like.
constexpr int kDefaultRounds = 30, kDefaultDepth = 4;
constexpr int kForestTrees = 100, kForestDepth = 8;

int Main(int argc, char** argv) {
  double rows = 1e6;
  std::string python = "/usr/bin/python3";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--rows") rows = std::atof(argv[i + 1]);
    if (arg == "--python") python = argv[i + 1];
  }
  const char* tmp = std::getenv("TMPDIR");
  const std::filesystem::path dir =
      std::filesystem::path(tmp ? tmp : "/tmp") / ("bench_health." + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const int lives = std::max(8, static_cast<int>(rows / kRowsPerLife));

  const auto start = std::chrono::steady_clock::now();
  const Table train = Lives(dir, lives, 1, 0);
  const Table other = Lives(dir, std::max(4, lives / 4), 2, 0);
  std::printf("data: %d lives (%zu rows) to train on, %d lives (%zu rows) of seed 2 to judge; %.1f s\n",
              lives, train.rows(), std::max(4, lives / 4), other.rows(), Seconds(start));
  HealthModel model, forest;
  const Run boosted = TrainAndJudge(train, other, TreeMode::kBoosted, kDefaultRounds, kDefaultDepth, &model);
  const Run rf = TrainAndJudge(train, other, TreeMode::kRandomForest, kForestTrees, kForestDepth, &forest);
  std::printf(
      "default, boosted (%d rounds, depth %d): trained on %llu rows x %zu features in %.1f s; macro-F1 "
      "%.4f\n",
      kDefaultRounds, kDefaultDepth, static_cast<unsigned long long>(boosted.rows), kFeatures.size(),
      boosted.train_s, boosted.macro_f1);
  std::printf("random forest (%d trees, depth %d): %.1f s; macro-F1 %.4f\n", kForestTrees, kForestDepth,
              rf.train_s, rf.macro_f1);

  const int chaos_lives = std::max(8, lives / 8);
  const Table chaos_train = Lives(dir, chaos_lives, 3, 2),
              chaos_judge = Lives(dir, std::max(4, chaos_lives / 2), 4, 2);
  const Run chaos =
      TrainAndJudge(chaos_train, chaos_judge, TreeMode::kBoosted, kDefaultRounds, kDefaultDepth, nullptr);
  const Run chaos_rf =
      TrainAndJudge(chaos_train, chaos_judge, TreeMode::kRandomForest, kForestTrees, kForestDepth, nullptr);
  std::printf(
      "with chaos (2 faults/h of each kind), %d lives, seed 3 -> 4: macro-F1 %.4f default, %.4f forest\n",
      chaos_lives, chaos.macro_f1, chaos_rf.macro_f1);

  std::vector<float> train_x, test_x;
  std::vector<std::int32_t> train_y, test_y;
  Matrix(train, model, train_x, train_y);
  Matrix(other, model, test_x, test_y);
  const double ours = InferenceRate(model, test_x);
  const double ours_rf = InferenceRate(forest, test_x);
  std::printf("inference, 1 thread, batches of 4096, %zu rows: %.0f rows/s default, %.0f rows/s forest\n",
              test_y.size(), ours, ours_rf);
  const auto [records, records_xgboost] = RecordRates(model, test_x);
  std::printf("one record at a time (serving), default model: %.0f records/s; XGBoost's predictor %.0f\n",
              records, records_xgboost);

  WriteFile(dir / "train_x.f32", train_x.data(), train_x.size() * sizeof(float));
  WriteFile(dir / "train_y.i32", train_y.data(), train_y.size() * sizeof(std::int32_t));
  WriteFile(dir / "test_x.f32", test_x.data(), test_x.size() * sizeof(float));
  WriteFile(dir / "test_y.i32", test_y.data(), test_y.size() * sizeof(std::int32_t));
  WriteFile(dir / "sk.py", kPython, std::string(kPython).size());
  const std::string cmd = python + " " + (dir / "sk.py").string() + " " + dir.string() + " " +
                          std::to_string(kFeatures.size()) + " " + std::to_string(kForestTrees) + " " +
                          std::to_string(kForestDepth) + " > " + (dir / "out.json").string();
  const int rc = std::system(cmd.c_str());
  std::ifstream in(dir / "out.json");
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::remove_all(dir);
  const nlohmann::json sk = nlohmann::json::parse(text.str(), nullptr, false);
  if (rc != 0 || sk.is_discarded()) {
    std::fprintf(stderr, "bench_health: %s failed (rc %d); is python3-sklearn installed?\n", python.c_str(),
                 rc);
    return 1;
  }
  const nlohmann::json& d = sk["default"];
  const nlohmann::json& same = sk["same"];
  std::printf("sklearn %s RandomForestClassifier, fit on 2 jobs, predict_proba on 1:\n",
              sk["version"].get<std::string>().c_str());
  std::printf("  defaults (%d trees, no depth limit): fit %.1f s, %.0f rows/s, macro-F1 %.4f\n", kForestTrees,
              d["fit_s"].get<double>(), d["rate"].get<double>(), d["macro_f1"].get<double>());
  std::printf("  depth %d: fit %.1f s, %.0f rows/s, macro-F1 %.4f\n", kForestDepth,
              same["fit_s"].get<double>(), same["rate"].get<double>(), same["macro_f1"].get<double>());

  std::printf("\nRESULT health.macro_f1 = %.4f\n", boosted.macro_f1);
  std::printf("RESULT health.macro_f1_chaos = %.4f\n", chaos.macro_f1);
  std::printf("RESULT health.macro_f1_forest = %.4f\n", rf.macro_f1);
  std::printf("RESULT health.macro_f1_forest_chaos = %.4f\n", chaos_rf.macro_f1);
  std::printf("RESULT health.train_rows = %llu rows\n", static_cast<unsigned long long>(boosted.rows));
  std::printf("RESULT health.train_time = %.1f s\n", boosted.train_s);
  std::printf("RESULT health.train_time_forest = %.1f s\n", rf.train_s);
  std::printf("RESULT health.inference_rate = %.0f rows/s\n", ours);
  std::printf("RESULT health.inference_rate_forest = %.0f rows/s\n", ours_rf);
  std::printf("RESULT health.inference_rate.sklearn = %.0f rows/s\n", d["rate"].get<double>());
  std::printf("RESULT health.inference_rate.vs_sklearn = %.2f\n", ours / d["rate"].get<double>());
  std::printf("RESULT health.inference_rate_forest.vs_sklearn_depth8 = %.2f\n",
              ours_rf / same["rate"].get<double>());
  std::printf("RESULT health.train_time_forest.vs_sklearn_depth8 = %.2f\n",
              same["fit_s"].get<double>() / rf.train_s);
  std::printf("RESULT health.record_rate = %.0f records/s\n", records);
  std::printf("RESULT health.record_rate.xgboost = %.0f records/s\n", records_xgboost);
  std::printf("RESULT health.record_rate.vs_xgboost = %.2f\n", records / records_xgboost);
  return 0;
}

}  // namespace
}  // namespace mw::models

int main(int argc, char** argv) { return mw::models::Main(argc, argv); }
