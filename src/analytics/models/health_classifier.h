// The `health_classifier` detector: serves a health-classifier bundle live, per asset.
//
// Records: one per reading of an asset, the values of its `signals` at one timestamp, each scored
// exactly once by the model in service when it completes (record_detector.h).
//
// Per record it writes, on the asset: `<output>` (the class index; for health states 0 HEALTHY,
// 1 WARNING, 2 FAULTY, 3 BROKEN, so the number orders by severity) and `<output>.p_<class>` (each
// class's probability, class names lowercased). When the predicted class changes, an anomaly event
// says from what to what; when a new model goes into service, a model event says which.
//
// The model file is watched (model_slot.h): a changed file is loaded and swapped in without a
// restart; a broken one is refused and the old model stays. The rolling feature windows belong to
// the model: a model with other features starts its windows afresh.
//
// One instance per worker; the model slot is shared by all of them (and by the API).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analytics/models/feature_spec.h"
#include "analytics/models/health.h"
#include "analytics/models/record_detector.h"

namespace mw::models {

struct HealthClassifierOptions {
  std::string model;                 // bundle path
  std::vector<std::string> signals;  // the record's signals; empty: those the model at start reads
  std::string output = "health_state";
  std::int64_t reload_interval = 2'000'000'000;  // ns between file checks; 0: never reload
};

class HealthClassifier final : public RecordDetector {
 public:
  HealthClassifier(std::shared_ptr<ModelSlot> slot, std::string output, Catalog& catalog, const Clock& clock,
                   MetricsRegistry& metrics, std::string name);
  static pipeline::PluginDescriptor Descriptor();

 private:
  struct AssetState {
    std::uint64_t generation = 0;  // of the model the windows were built for
    std::shared_ptr<const HealthModel> model;
    std::unique_ptr<FeatureWindows> windows;
    std::vector<float> row;
    SeriesId state_series = kInvalidSeries;
    std::vector<SeriesId> probability_series;
    int last_class = -1;
  };
  AssetState& StateOf(AssetId asset);
  void Score(AssetId asset, Timestamp time, std::span<const float> values,
             pipeline::ProcessorOutput& out) override;
  SeriesId EventSeries(AssetId asset) override { return StateOf(asset).state_series; }
  void Bind(AssetId asset, AssetState& s);

  std::string output_;
  std::vector<std::unique_ptr<AssetState>> assets_;  // by AssetId
  std::vector<float> probabilities_;
};

}  // namespace mw::models
