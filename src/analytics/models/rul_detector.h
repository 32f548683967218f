// The `rul` detector: serves a RUL bundle (millwright rul fit) live, per asset.
//
// Records as for the health classifier (record_detector.h). Per record it writes, on the asset:
//   <output>                   the remaining useful life, in the model's RUL units (RulModel::RulUnit:
//                              seconds for models fitted on the twins' lives, cycles for C-MAPSS)
//   <output>.lower, .upper     its interval (the model's coverage, 80 % unless fitted otherwise)
//   <output>.next_maintenance  the estimated date of the next maintenance, Unix seconds: when the
//                              interval's lower end runs out, less `maintenance_lead`
// A RUL at the model's cap means "no sign of wear yet": at least that long.
//
// Age: the models read the asset's age. It counts from the first record this detector sees of the
// asset, so a detector started on a worn asset underestimates its age until the trend catches up.
// For a model whose time was not a clock (cycles), each record is one cycle, and the date of the
// next maintenance assumes records keep coming at the rate seen so far.
//
// The model file is watched and swapped like the classifier's (model_slot.h); an asset's trackers
// start afresh with a new model.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analytics/models/record_detector.h"
#include "analytics/models/rul.h"

namespace mw::models {

class RulDetector final : public RecordDetector {
 public:
  struct Settings {
    std::string output = "rul";
    RulEstimator estimator = RulEstimator::kBlend;
    std::int64_t time_unit_ns = 0;  // > 0: overrides the model's
    std::int64_t lead_ns = 0;       // subtracted from the date of next maintenance
  };
  RulDetector(std::shared_ptr<ModelSlot> slot, Settings settings, Catalog& catalog, const Clock& clock,
              MetricsRegistry& metrics, std::string name);
  static pipeline::PluginDescriptor Descriptor();

 private:
  struct AssetState {
    std::uint64_t generation = 0;
    std::shared_ptr<const RulModel> model;
    std::unique_ptr<RulTracker> tracker;
    Timestamp first = 0;
    std::uint64_t records = 0;
    SeriesId rul = kInvalidSeries, lower = kInvalidSeries, upper = kInvalidSeries, next = kInvalidSeries;
  };
  AssetState& StateOf(AssetId asset);
  void Score(AssetId asset, Timestamp time, std::span<const float> values,
             pipeline::ProcessorOutput& out) override;
  SeriesId EventSeries(AssetId asset) override { return StateOf(asset).rul; }
  // Age in RUL units and nanoseconds per RUL unit at `time`; ns per unit is 0 while unknown.
  std::pair<double, double> AgeAndScale(const AssetState& s, Timestamp time) const;

  Settings settings_;
  std::vector<std::unique_ptr<AssetState>> assets_;  // by AssetId
};

}  // namespace mw::models
