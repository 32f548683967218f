// Continuous training of a served health classifier, inside `serve`.
//
// Declared on the `health_classifier` detector (retrain_every > 0). Every `retrain_every` it reads
// the last `retrain_window` of labelled data of the template's assets from the store (ending at the
// newest label or now, whichever is later) (the stored
// label signal, stored_dataset.h), trains a candidate with the serving model's features and
// parameters, and judges candidate and serving model on the same held-out assets (the units
// HeldOutUnits picks with a fixed seed; no asset in both parts). The candidate is promoted, written
// over the bundle file with the next version number (the model slot then reloads it), only when its
// held-out macro-F1 is higher than the serving model's by more than `retrain_min_gain`. Each run is
// recorded with both sets of metrics: logged, appended to <data_dir>/models/training-log.jsonl, and
// kept (the last 20) for GET /api/v1/models.
//
// Training runs on the retrainer's own thread with one XGBoost thread, beside the pipeline.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/catalog.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "pipeline/plugin.h"
#include "pipeline/store.h"

namespace mw::app {

struct RetrainSpec {
  std::string model;          // bundle path
  std::string template_name;  // whose assets' data trains it
  std::int64_t every = 0;     // ns
  std::int64_t window = 7 * 86400 * kNanosPerSecond;
  std::string label_signal = "health_truth";
  double test_fraction = 0.25;
  double min_gain = 0;
  std::int64_t min_rows = 1000;
  std::string log_file;  // JSON lines; "" = none
};

// The retraining specs of a configuration's health classifiers (options validated with defaults).
std::vector<RetrainSpec> RetrainSpecsOf(const Config& config, const pipeline::PluginRegistry& registry);

class Retrainer {
 public:
  Retrainer(RetrainSpec spec, const pipeline::SeriesStore& store, const Catalog& catalog, const Clock& clock,
            MetricsRegistry& metrics);
  ~Retrainer();  // stops the thread
  Retrainer(const Retrainer&) = delete;
  Retrainer& operator=(const Retrainer&) = delete;

  void Start();
  void Stop();
  // One run now: read, train, judge, promote or keep; returns its record.
  nlohmann::json RunOnce();

  const std::string& model() const { return spec_.model; }
  // The last runs' records, oldest first.
  nlohmann::json History() const;

 private:
  nlohmann::json Run();
  void Record(nlohmann::json record);

  RetrainSpec spec_;
  const pipeline::SeriesStore& store_;
  const Catalog& catalog_;
  const Clock& clock_;
  Counter& promotions_;
  Counter& refusals_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::deque<nlohmann::json> history_;
  std::thread thread_;
};

}  // namespace mw::app
