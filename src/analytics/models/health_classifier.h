// The `health_classifier` detector: serves a health-classifier bundle live, per asset.
//
// Records: the classifier reads one record per reading of an asset, the values of its `signals`
// at one timestamp (the twins and most PLC sources send all signals of a reading with one time). A
// record is scored as soon as every signal has arrived for its time, or, when some are missing,
// when the first sample of a later time arrives (the missing ones are NaN, which the trees route by
// their learned default). Every record is scored exactly once, by the model in service when it
// completes; a record still open when the process stops is not scored.
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
#include "analytics/models/model_slot.h"
#include "pipeline/plugin.h"

namespace mw::models {

struct HealthClassifierOptions {
  std::string model;                 // bundle path
  std::vector<std::string> signals;  // the record's signals; empty: those the model at start reads
  std::string output = "health_state";
  std::int64_t reload_interval = 2'000'000'000;  // ns between file checks; 0: never reload
};

class HealthClassifier final : public pipeline::Processor {
 public:
  HealthClassifier(std::shared_ptr<ModelSlot> slot, std::string output, Catalog& catalog, const Clock& clock,
                   MetricsRegistry& metrics, std::string name);
  bool AppliesTo(std::string_view signal) const override;
  void Process(const Sample& sample, pipeline::ProcessorOutput& out) override;
  static pipeline::PluginDescriptor Descriptor();

 private:
  struct AssetState {
    Timestamp time = 0;
    bool open = false;          // a record is being filled
    std::vector<float> values;  // per slot signal; NaN: not (yet) arrived
    std::size_t present = 0;
    std::uint64_t generation = 0;  // of the model the windows were built for
    std::shared_ptr<const HealthModel> model;
    std::unique_ptr<FeatureWindows> windows;
    std::vector<float> row;
    SeriesId state_series = kInvalidSeries;
    std::vector<SeriesId> probability_series;
    int last_class = -1;
  };
  // Where a series' samples go: its asset and the index of its signal in the record (-1: not
  // one of the record's signals); looked up in the catalog once per series.
  static constexpr int kUnknown = -2;
  struct SeriesSlot {
    AssetId asset = kInvalidAsset;
    int signal = kUnknown;
  };
  SeriesSlot Locate(SeriesId series);
  AssetState& StateOf(AssetId asset);
  void Score(AssetId asset, AssetState& s, pipeline::ProcessorOutput& out);
  void Bind(AssetId asset, AssetState& s);

  std::shared_ptr<ModelSlot> slot_;
  std::string output_;
  Catalog& catalog_;
  const Clock& clock_;
  std::string name_;
  std::vector<SeriesSlot> series_;                   // by SeriesId
  std::vector<std::unique_ptr<AssetState>> assets_;  // by AssetId
  std::vector<float> probabilities_;
  Counter& scored_;
  Counter& incomplete_;
  Counter& failures_;
};

// Registers `health_classifier`.
void RegisterModels(pipeline::PluginRegistry& registry);

}  // namespace mw::models
