// bench_nab: runs our streaming, label-free detectors over the Numenta Anomaly Benchmark corpus and
// scores them with NAB's method (nab_scorer.h), beside the published scoreboard. See README.md.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analytics/detectors/anomaly_likelihood.h"
#include "analytics/detectors/control_charts.h"
#include "analytics/detectors/iforest_detector.h"
#include "analytics/detectors/robust_zscore.h"
#include "analytics/detectors/sequence_novelty.h"
#include "analytics/detectors/zscore.h"
#include "nab_scorer.h"

namespace mw::bench::nab {
namespace {

using analytics::AnomalyLikelihood;
using analytics::CusumDetector;
using analytics::CusumOptions;
using analytics::EwmaChartDetector;
using analytics::EwmaChartOptions;
using analytics::IForestDetector;
using analytics::IForestDetectorOptions;
using analytics::RobustZScoreDetector;
using analytics::RobustZScoreOptions;
using analytics::ZScoreDetector;
using analytics::ZScoreOptions;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct DataFile {
  LabeledFile labels;
  std::vector<double> values;
};

// "2014-04-01 00:00:00" or with ".ffffff": seconds since the epoch (UTC; only order matters).
double ParseTime(const std::string& s) {
  std::tm tm{};
  int year = 0;
  int month = 0;
  double seconds = 0;
  if (std::sscanf(s.c_str(), "%d-%d-%d %d:%d:%lf", &year, &month, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &seconds) != 6)
    return kNaN;
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  return static_cast<double>(timegm(&tm)) + seconds;
}

bool LoadCorpus(const std::string& root, std::vector<DataFile>& files) {
  std::ifstream labels_in(root + "/labels/combined_windows.json");
  if (!labels_in) {
    std::fprintf(stderr, "bench_nab: cannot read %s/labels/combined_windows.json\n", root.c_str());
    return false;
  }
  const auto labels = nlohmann::json::parse(labels_in);
  for (const auto& [name, windows] : labels.items()) {
    std::ifstream in(root + "/data/" + name);
    if (!in) {
      std::fprintf(stderr, "bench_nab: cannot read data/%s\n", name.c_str());
      return false;
    }
    DataFile f;
    f.labels.name = name;
    std::vector<double> times;
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      const auto comma = line.find(',');
      if (comma == std::string::npos) continue;
      times.push_back(ParseTime(line.substr(0, comma)));
      f.values.push_back(std::strtod(line.c_str() + comma + 1, nullptr));
    }
    f.labels.length = f.values.size();
    for (const auto& w : windows) {
      const double start = ParseTime(w[0].get<std::string>());
      const double end = ParseTime(w[1].get<std::string>());
      const auto left =
          static_cast<std::size_t>(std::lower_bound(times.begin(), times.end(), start) - times.begin());
      const auto past =
          static_cast<std::size_t>(std::upper_bound(times.begin(), times.end(), end) - times.begin());
      if (past > left) f.labels.windows.push_back({left, past - 1});
    }
    files.push_back(std::move(f));
  }
  return true;
}

// Runs a single-signal Processor over a file: the score of point i is the derived value emitted
// for it (NaN while warming up).
using MakeProcessor = std::function<std::unique_ptr<pipeline::Processor>(Catalog&)>;

std::vector<double> RunProcessor(const MakeProcessor& make, const std::vector<double>& values) {
  Catalog catalog;
  const AssetId asset = catalog.AddAsset("nab/file", "");
  const SeriesId series = catalog.InternSeries(asset, "value");
  auto detector = make(catalog);
  std::vector<double> scores(values.size(), kNaN);
  Batch derived;
  std::vector<Event> events;
  pipeline::ProcessorOutput out{derived, events};
  for (std::size_t i = 0; i < values.size(); ++i) {
    derived.clear();
    events.clear();
    detector->Process({series, static_cast<Timestamp>(i), values[i]}, out);
    if (!derived.empty()) scores[i] = derived.values.back();
  }
  return scores;
}

// The isolation forest over a lag embedding (x_t, x_{t-1}, ..., x_{t-lags+1}): each lag is a
// signal of the asset, all updated at each step, and the score after the last update is the
// step's.
std::vector<double> RunIForest(const std::vector<double>& values, std::size_t lags) {
  Catalog catalog;
  const AssetId asset = catalog.AddAsset("nab/file", "");
  IForestDetectorOptions o;
  std::vector<SeriesId> lag_series;
  for (std::size_t k = 0; k < lags; ++k) {
    o.signals.push_back("lag" + std::to_string(k));
    lag_series.push_back(catalog.InternSeries(asset, o.signals.back()));
  }
  o.warmup = 300;
  o.history = 2000;
  o.refit_every = 300;
  o.background = false;  // reproducible figures
  o.forest.trees = 100;
  IForestDetector detector(o, "iforest", catalog);
  std::vector<double> scores(values.size(), kNaN);
  Batch derived;
  std::vector<Event> events;
  pipeline::ProcessorOutput out{derived, events};
  for (std::size_t i = lags - 1; i < values.size(); ++i) {
    derived.clear();
    events.clear();
    for (std::size_t k = lags; k-- > 0;)
      detector.Process({lag_series[k], static_cast<Timestamp>(i), values[i - k]}, out);
    if (!derived.empty()) scores[i] = derived.values.back();
  }
  return scores;
}

// The sequence novelty detector with NAB's conventions, as CAD OSE uses them: the range is the
// file's [min, max] (NAB hands every detector inputMin and inputMax), the rest period a fifth of
// the probationary period. With `learned_range`, the range is instead learned from the
// probationary period alone, as a deployment without a declared range would do.
std::vector<double> RunSequenceNovelty(const std::vector<double>& values, bool learned_range) {
  analytics::SequenceNoveltyOptions o;
  const std::size_t probation = ProbationaryPeriod(values.size());
  o.rest = probation / 5;
  if (learned_range) {
    o.learn = std::max<std::size_t>(probation, 1);
  } else {
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    o.min = *lo;
    o.max = *hi;
    if (o.max <= o.min) o.max = o.min + 1;  // a flat file: any range around its value
  }
  analytics::SequenceNovelty novelty(o);
  std::vector<double> scores(values.size(), kNaN);
  double raw = 0;
  for (std::size_t i = 0; i < values.size(); ++i)
    novelty.Update(values[i], scores[i], raw);  // NaN while learning
  return scores;
}

// Through the anomaly likelihood: the score of point i becomes its surprise -log10(1 - L), which
// orders points as L does without losing the digits of L near 1.
std::vector<double> Likelihood(const std::vector<double>& scores) {
  AnomalyLikelihood likelihood;
  std::vector<double> out(scores.size(), kNaN);
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (std::isnan(scores[i])) continue;
    likelihood.Update(scores[i]);
    out[i] = -std::log10(std::max(likelihood.tail(), 1e-300));
  }
  return out;
}

struct Detector {
  std::string name;
  std::vector<std::vector<double>> scores;  // per file
};

// The anomaly_score column of a result file in NAB's own layout,
// <dir>/<detector>/<category>/<detector>_<file>.csv; empty if it cannot be read.
std::vector<double> ReadResultScores(const std::string& dir, const std::string& detector,
                                     const std::string& name) {
  const auto slash = name.find('/');
  const std::string path =
      dir + "/" + detector + "/" + name.substr(0, slash + 1) + detector + "_" + name.substr(slash + 1);
  std::ifstream in(path);
  std::vector<double> scores;
  std::string line;
  if (!std::getline(in, line)) {
    std::fprintf(stderr, "bench_nab: cannot read %s\n", path.c_str());
    return scores;
  }
  std::size_t column = 0;
  std::stringstream header(line);
  for (std::string field; std::getline(header, field, ',') && field != "anomaly_score";) ++column;
  while (std::getline(in, line)) {
    std::stringstream row(line);
    std::string field;
    for (std::size_t c = 0; c <= column; ++c) std::getline(row, field, ',');
    scores.push_back(std::strtod(field.c_str(), nullptr));
  }
  return scores;
}

// Scores published detectors' outputs (NAB's results/<detector>/ folders) with our scorer, beside
// the figures NAB published for them: the check that our scorer is NAB's. Prints the largest
// difference as the RESULT line.
int ScorePublished(const std::string& results_dir, const std::vector<std::string>& names,
                   const std::vector<LabeledFile>& labels, const nlohmann::json& published) {
  std::printf("%-20s %10s %10s %10s   %s\n", "published detector", "standard", "low_FP", "low_FN",
              "NAB's own figures");
  double worst = 0;
  for (const auto& name : names) {
    std::vector<std::vector<double>> scores;
    for (const auto& f : labels) {
      scores.push_back(ReadResultScores(results_dir, name, f.name));
      if (scores.back().size() != f.length) {
        std::fprintf(stderr, "bench_nab: %s/%s has %zu scores for %zu points\n", name.c_str(), f.name.c_str(),
                     scores.back().size(), f.length);
        return 1;
      }
    }
    std::string ours;
    std::string theirs;
    for (const auto& p : DefaultProfiles()) {
      const double score = Sweep(labels, scores, p).normalised;
      char cell[32];
      std::snprintf(cell, sizeof cell, " %10.2f", score);
      ours += cell;
      if (!published.contains(name)) continue;
      const double reference = published[name][p.name].get<double>();
      std::snprintf(cell, sizeof cell, " %10.2f", reference);
      theirs += cell;
      worst = std::max(worst, std::fabs(score - reference));
    }
    std::printf("%-20s%s  %s\n", name.c_str(), ours.c_str(), theirs.c_str());
  }
  std::printf("RESULT nab.scorer.max_abs_diff_vs_published = %.3f points\n", worst);
  return 0;
}

}  // namespace

int Main(int argc, char** argv) {
  std::string root = MW_SOURCE_DIR "/../shared/datasets/nab";
  std::string results_dir;
  std::vector<std::string> published_names;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--data" && i + 1 < argc) {
      root = argv[++i];
    } else if (arg == "--results" && i + 1 < argc) {
      results_dir = argv[++i];
    } else if (arg == "--detector" && i + 1 < argc) {
      published_names.push_back(argv[++i]);
    } else {
      std::fprintf(stderr,
                   "usage: bench_nab [--data <NAB corpus folder>]\n"
                   "       bench_nab --results <NAB results folder> --detector <name> [--detector ...]\n");
      return 2;
    }
  }
  std::vector<DataFile> files;
  if (!LoadCorpus(root, files)) return 1;
  std::size_t points = 0;
  std::size_t windows = 0;
  std::vector<LabeledFile> labels;
  for (const auto& f : files) {
    points += f.values.size();
    windows += f.labels.windows.size();
    labels.push_back(f.labels);
  }
  std::printf("NAB corpus %s: %zu files, %zu points, %zu anomaly windows\n", root.c_str(), files.size(),
              points, windows);
  if (!results_dir.empty()) {
    std::ifstream in(root + "/results/final_results.json");
    return ScorePublished(results_dir, published_names, labels,
                          in ? nlohmann::json::parse(in) : nlohmann::json::object());
  }

  // The scorer's own checks on every profile: the null detector scores 0; the best possible one
  // (a detection on the first scorable point of every window) scores what ScoreFile() gives it,
  // a little under 100 because windows starting in the probationary period cannot be hit early.
  const auto profiles = DefaultProfiles();
  bool checks_ok = true;
  for (const auto& p : profiles) {
    std::vector<std::vector<double>> best;
    std::vector<std::vector<double>> null_scores;
    double best_raw = 0;
    for (const auto& f : labels) {
      best.emplace_back(f.length, 0.0);
      null_scores.emplace_back(f.length, 0.0);
      std::vector<std::size_t> firsts;
      for (const auto& w : f.windows) firsts.push_back(std::max(w.left, ProbationaryPeriod(f.length)));
      for (std::size_t i : firsts) best.back()[i] = 1.0;
      best_raw += ScoreFile(f, firsts, p);
    }
    const double best_score = Sweep(labels, best, p).normalised;
    const double null_score = Sweep(labels, null_scores, p).normalised;
    const double expected = MakeNormaliser(labels, p).Normalise(best_raw);
    std::printf("scorer check %-19s null %.3f best possible %.3f\n", p.name.c_str(), null_score, best_score);
    checks_ok = checks_ok && std::fabs(null_score) < 1e-9 && std::fabs(best_score - expected) < 1e-9 &&
                best_score <= 100;
  }

  // Detector parameters are fixed a priori (usual textbook values, windows of a day or so of
  // 5-minute data); only the threshold is fitted, once per detector and profile, as NAB does.
  const std::vector<std::pair<std::string, MakeProcessor>> univariate = {
      {"zscore",
       [](Catalog& c) {
         ZScoreOptions o;
         o.window = 288;
         o.warmup = 30;
         return std::unique_ptr<pipeline::Processor>(new ZScoreDetector(o, "z", c));
       }},
      {"robust_zscore",
       [](Catalog& c) {
         RobustZScoreOptions o;
         o.window = 288;
         o.warmup = 30;
         return std::unique_ptr<pipeline::Processor>(new RobustZScoreDetector(o, "rz", c));
       }},
      {"ewma",
       [](Catalog& c) {
         EwmaChartOptions o;
         o.lambda = 0.1;
         o.limit = 3;
         o.warmup = 100;
         return std::unique_ptr<pipeline::Processor>(new EwmaChartDetector(o, "ewma", c));
       }},
      {"cusum",
       [](Catalog& c) {
         CusumOptions o;
         o.k = 0.5;
         o.h = 5;
         o.warmup = 100;
         return std::unique_ptr<pipeline::Processor>(new CusumDetector(o, "cusum", c));
       }},
  };
  std::vector<Detector> detectors;
  for (const auto& [name, make] : univariate) {
    Detector d{name, {}};
    for (const auto& f : files) d.scores.push_back(RunProcessor(make, f.values));
    detectors.push_back(std::move(d));
  }
  {
    Detector d{"iforest", {}};
    for (const auto& f : files) d.scores.push_back(RunIForest(f.values, 4));
    detectors.push_back(std::move(d));
  }
  const std::size_t raw_count = detectors.size();
  for (std::size_t k = 0; k < raw_count; ++k) {
    Detector d{detectors[k].name + "_likelihood", {}};
    for (const auto& s : detectors[k].scores) d.scores.push_back(Likelihood(s));
    detectors.push_back(std::move(d));
  }
  {
    // The largest surprise of the likelihood detectors: what the health score looks at.
    Detector d{"ensemble_likelihood", {}};
    for (std::size_t f = 0; f < files.size(); ++f) {
      std::vector<double> combined(files[f].values.size(), kNaN);
      for (std::size_t k = raw_count; k < detectors.size(); ++k)
        for (std::size_t i = 0; i < combined.size(); ++i) {
          const double v = detectors[k].scores[f][i];
          if (!std::isnan(v)) combined[i] = std::isnan(combined[i]) ? v : std::max(combined[i], v);
        }
      d.scores.push_back(std::move(combined));
    }
    detectors.push_back(std::move(d));
  }

  // Its score is already rest-suppressed and in [0, 1]: no likelihood on top.
  for (const bool learned : {false, true}) {
    Detector d{learned ? "sequence_novelty_learned_range" : "sequence_novelty", {}};
    for (const auto& f : files) d.scores.push_back(RunSequenceNovelty(f.values, learned));
    detectors.push_back(std::move(d));
  }

  std::printf("\n%-32s %10s %10s %10s   (threshold, standard)\n", "detector", "standard", "low_FP", "low_FN");
  std::map<std::string, std::vector<double>> results;
  for (const auto& d : detectors) {
    std::vector<double> row;
    double threshold = 0;
    for (const auto& p : profiles) {
      const SweepResult r = Sweep(labels, d.scores, p);
      row.push_back(r.normalised);
      if (p.name == "standard") threshold = r.threshold;
    }
    std::printf("%-32s %10.1f %10.1f %10.1f   (%.4g)\n", d.name.c_str(), row[0], row[1], row[2], threshold);
    results[d.name] = row;
  }

  std::ifstream published_in(root + "/results/final_results.json");
  if (published_in) {
    const auto published = nlohmann::json::parse(published_in);
    std::printf("\npublished scoreboard (results/final_results.json)\n");
    for (const char* name : {"ARTime", "numenta", "htmjava", "randomCutForest", "windowedGaussian", "null"}) {
      if (!published.contains(name)) continue;
      const auto& r = published[name];
      std::printf("%-32s %10.1f %10.1f %10.1f\n", name, r["standard"].get<double>(),
                  r["reward_low_FP_rate"].get<double>(), r["reward_low_FN_rate"].get<double>());
    }
  }

  std::printf("\n");
  std::string best_name;
  std::vector<double> best(3, -1e300);
  for (const auto& [name, row] : results) {
    for (std::size_t p = 0; p < profiles.size(); ++p)
      std::printf("RESULT nab.%s.%s = %.1f points\n", name.c_str(), profiles[p].name.c_str(), row[p]);
    if (row[0] > best[0]) {
      best = row;
      best_name = name;
    }
  }
  std::printf("best on the standard profile: %s\n", best_name.c_str());
  for (std::size_t p = 0; p < profiles.size(); ++p)
    std::printf("RESULT nab.best.%s = %.1f points\n", profiles[p].name.c_str(), best[p]);
  if (!checks_ok) {
    std::fprintf(stderr, "bench_nab: scorer self-check failed\n");
    return 1;
  }
  return 0;
}

}  // namespace mw::bench::nab

int main(int argc, char** argv) { return mw::bench::nab::Main(argc, argv); }
