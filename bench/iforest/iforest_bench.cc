// bench_iforest: our IsolationForest against scikit-learn's on the same data in the same run:
// ROC AUC, fit time, batch scoring throughput and single-row latency. See README.md.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "analytics/detectors/isolation_forest.h"

namespace mw::bench::iforest {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kDims = 8;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Inliers: three correlated Gaussian clusters; outliers (labelled 1): uniform over a box that
// contains them, so that some outliers fall among the inliers and the AUC is not trivially 1.
void MakeData(std::size_t rows, double outlier_fraction, std::vector<double>& x,
              std::vector<std::uint8_t>& y) {
  std::mt19937_64 rng(2024);
  std::normal_distribution<double> g(0, 1);
  std::uniform_real_distribution<double> box(-7, 7);
  std::uniform_real_distribution<double> u(0, 1);
  const double centres[3][kDims] = {
      {2, 2, 0, 0, 1, -1, 0, 0}, {-2, 0, 2, 0, -1, 0, 1, 0}, {0, -2, -2, 2, 0, 1, -1, 1}};
  x.resize(rows * kDims);
  y.resize(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    double* row = &x[r * kDims];
    if (u(rng) < outlier_fraction) {
      y[r] = 1;
      for (std::size_t d = 0; d < kDims; ++d) row[d] = box(rng);
      continue;
    }
    y[r] = 0;
    const auto& c = centres[rng() % 3];
    double z[kDims];
    for (double& v : z) v = g(rng);
    // A fixed lower-triangular mixing: neighbouring features are correlated.
    for (std::size_t d = 0; d < kDims; ++d) row[d] = c[d] + 0.8 * z[d] + (d > 0 ? 0.5 * z[d - 1] : 0);
  }
}

// ROC AUC by ranks (Mann-Whitney U), ties counted half.
double RocAuc(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels) {
  std::vector<std::size_t> order(scores.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  double rank_sum = 0;
  double positives = 0;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) ++j;
    const double rank = 0.5 * static_cast<double>(i + 1 + j);  // mean of ranks i+1 .. j
    for (std::size_t k = i; k < j; ++k)
      if (labels[order[k]] != 0) {
        rank_sum += rank;
        positives += 1;
      }
    i = j;
  }
  const double negatives = static_cast<double>(scores.size()) - positives;
  return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

// The scikit-learn side, run by Debian's /usr/bin/python3 (which sees python3-sklearn).
const char* kPython = R"PY(
import sys, time, json
import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
xpath, ypath, ourpath, rows, dims = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
X = np.fromfile(xpath, dtype=np.float64).reshape(rows, dims)
y = np.fromfile(ypath, dtype=np.uint8)
fits = []
for seed in range(3):
    m = IsolationForest(n_estimators=100, max_samples=256, random_state=seed)
    t = time.perf_counter(); m.fit(X); fits.append(time.perf_counter() - t)
t = time.perf_counter(); s = -m.score_samples(X); score_s = time.perf_counter() - t
lat = []
for i in range(300):
    row = X[i:i + 1]
    t = time.perf_counter(); m.score_samples(row); lat.append(time.perf_counter() - t)
ours = np.fromfile(ourpath, dtype=np.float64)
import sklearn
print(json.dumps({"version": sklearn.__version__, "fit_s": float(np.median(fits)), "score_s": score_s,
                  "latency_s": float(np.median(lat)), "auc": float(roc_auc_score(y, s)),
                  "auc_of_ours": float(roc_auc_score(y, ours))}))
)PY";

std::map<std::string, std::string> ParseFlatJson(const std::string& text) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while ((pos = text.find('"', pos)) != std::string::npos) {
    const std::size_t end = text.find('"', pos + 1);
    const std::string key = text.substr(pos + 1, end - pos - 1);
    std::size_t value_start = text.find(':', end) + 1;
    while (text[value_start] == ' ') ++value_start;
    std::size_t value_end = value_start;
    if (text[value_start] == '"') {
      value_end = text.find('"', value_start + 1) + 1;
    } else {
      while (value_end < text.size() && text[value_end] != ',' && text[value_end] != '}') ++value_end;
    }
    std::string value = text.substr(value_start, value_end - value_start);
    if (!value.empty() && value.front() == '"') value = value.substr(1, value.size() - 2);
    out[key] = value;
    pos = value_end;
  }
  return out;
}

}  // namespace

int Main(int argc, char** argv) {
  std::size_t rows = 1'000'000;
  std::string python = "/usr/bin/python3";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--rows" && i + 1 < argc) {
      rows = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--python" && i + 1 < argc) {
      python = argv[++i];
    } else if (arg == "--data" && i + 1 < argc) {
      ++i;  // `make bench` passes the NAB corpus to every benchmark; this one makes its own data
    } else {
      std::fprintf(stderr, "usage: bench_iforest [--rows N] [--python /usr/bin/python3]\n");
      return 2;
    }
  }
  std::vector<double> x;
  std::vector<std::uint8_t> y;
  MakeData(rows, 0.03, x, y);
  std::size_t outliers = 0;
  for (auto v : y) outliers += v;
  std::printf("data: %zu rows x %zu features, %zu labelled outliers (%.1f%%)\n", rows, kDims, outliers,
              100.0 * static_cast<double>(outliers) / static_cast<double>(rows));

  const unsigned hw = std::max(1U, std::thread::hardware_concurrency());
  // Fit: median of 5, seeds 1..5. The AUC is the median over those seeds too.
  std::vector<double> fit_s;
  std::vector<double> aucs;
  analytics::IsolationForest forest;
  std::vector<double> scores;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    analytics::IsolationForest f({100, 256, seed});
    const auto t0 = Clock::now();
    f.Fit(x, kDims);
    fit_s.push_back(Seconds(t0, Clock::now()));
    f.ScoreBatch(x, scores, hw);
    aucs.push_back(RocAuc(scores, y));
    if (seed == 1) forest = f;
  }
  // Batch scoring: median of 5 runs, on one thread and on every hardware thread.
  std::vector<double> batch1;
  std::vector<double> batch_hw;
  for (int rep = 0; rep < 5; ++rep) {
    auto t0 = Clock::now();
    forest.ScoreBatch(x, scores, 1);
    batch1.push_back(Seconds(t0, Clock::now()));
    t0 = Clock::now();
    forest.ScoreBatch(x, scores, hw);
    batch_hw.push_back(Seconds(t0, Clock::now()));
  }
  // Single-row latency: Score() on rows in random order (no help from the prefetcher), median of
  // 7 passes of 100k rows.
  std::vector<double> latency;
  {
    std::mt19937_64 rng(5);
    std::vector<std::size_t> pick(100'000);
    for (auto& p : pick) p = rng() % rows;
    double sink = 0;
    for (int rep = 0; rep < 7; ++rep) {
      const auto t0 = Clock::now();
      for (std::size_t p : pick) sink += forest.Score(std::span<const double>(&x[p * kDims], kDims));
      latency.push_back(Seconds(t0, Clock::now()) / static_cast<double>(pick.size()));
    }
    if (sink == 42) std::printf(" ");
  }
  const double our_fit = Median(fit_s);
  const double our_auc = Median(aucs);
  const double our_rate1 = static_cast<double>(rows) / Median(batch1);
  const double our_rate = static_cast<double>(rows) / Median(batch_hw);
  const double our_latency = Median(latency);
  std::printf(
      "ours:    fit %.2f ms, AUC %.4f (seeds 1-5: %.4f..%.4f), batch %.0f rows/s on 1 thread, %.0f rows/s on "
      "%u, "
      "single row %.2f us\n",
      our_fit * 1e3, our_auc, *std::min_element(aucs.begin(), aucs.end()),
      *std::max_element(aucs.begin(), aucs.end()), our_rate1, our_rate, hw, our_latency * 1e6);

  // scikit-learn on the same rows, through temp files.
  const char* tmp_env = std::getenv("TMPDIR");
  const std::filesystem::path dir = std::filesystem::path(tmp_env != nullptr ? tmp_env : "/tmp") /
                                    ("bench_iforest." + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto write = [](const std::filesystem::path& p, const void* data, std::size_t bytes) {
    std::ofstream out(p, std::ios::binary);
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  };
  forest.ScoreBatch(x, scores, hw);
  write(dir / "x.f64", x.data(), x.size() * sizeof(double));
  write(dir / "y.u8", y.data(), y.size());
  write(dir / "ours.f64", scores.data(), scores.size() * sizeof(double));
  write(dir / "sk.py", kPython, std::string(kPython).size());
  const std::string cmd = python + " " + (dir / "sk.py").string() + " " + (dir / "x.f64").string() + " " +
                          (dir / "y.u8").string() + " " + (dir / "ours.f64").string() + " " +
                          std::to_string(rows) + " " + std::to_string(kDims) + " > " +
                          (dir / "out.json").string();
  const int rc = std::system(cmd.c_str());
  std::ifstream in(dir / "out.json");
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::remove_all(dir);
  if (rc != 0 || text.str().empty()) {
    std::fprintf(stderr, "bench_iforest: %s failed (rc %d); is python3-sklearn installed?\n", python.c_str(),
                 rc);
    return 1;
  }
  const auto sk = ParseFlatJson(text.str());
  const double sk_fit = std::stod(sk.at("fit_s"));
  const double sk_rate = static_cast<double>(rows) / std::stod(sk.at("score_s"));
  const double sk_latency = std::stod(sk.at("latency_s"));
  const double sk_auc = std::stod(sk.at("auc"));
  std::printf("sklearn %s: fit %.2f ms, AUC %.4f, batch %.0f rows/s, single row %.1f us\n",
              sk.at("version").c_str(), sk_fit * 1e3, sk_auc, sk_rate, sk_latency * 1e6);
  std::printf("check: sklearn's roc_auc_score of our scores = %s (ours computed %.4f for seed 1)\n",
              sk.at("auc_of_ours").c_str(), aucs[0]);

  std::printf("\nRESULT iforest.auc = %.4f\n", our_auc);
  std::printf("RESULT iforest.sklearn_auc = %.4f\n", sk_auc);
  std::printf("RESULT iforest.fit_time = %.2f ms\n", our_fit * 1e3);
  std::printf("RESULT iforest.score_rate = %.0f rows/s\n", our_rate);
  std::printf("RESULT iforest.score_rate_1t = %.0f rows/s\n", our_rate1);
  std::printf("RESULT iforest.single_latency = %.2f us\n", our_latency * 1e6);
  std::printf("RESULT iforest.auc.vs_sklearn = %.4f\n", our_auc / sk_auc);
  std::printf("RESULT iforest.fit_time.vs_sklearn = %.1f\n", sk_fit / our_fit);
  std::printf("RESULT iforest.score_rate.vs_sklearn = %.1f\n", our_rate / sk_rate);
  std::printf("RESULT iforest.score_rate_1t.vs_sklearn = %.1f\n", our_rate1 / sk_rate);
  std::printf("RESULT iforest.single_latency.vs_sklearn = %.0f\n", sk_latency / our_latency);
  return 0;
}

}  // namespace mw::bench::iforest

int main(int argc, char** argv) { return mw::bench::iforest::Main(argc, argv); }
