// What the served-model detectors share: samples become records, one per reading of an asset.
//
// A record is the values of the slot's signals at one timestamp (the twins and most PLC sources
// send all signals of a reading with one time). It is complete as soon as every signal has arrived
// for its time, or, when some are missing, when the first sample of a later time arrives (the
// missing ones are NaN, which the models route as missing). Every record is handed to Score exactly
// once; a late sample of a record already scored is dropped, and a record still open when the
// process stops is not scored.
//
// Before each record the base polls the slot (model_slot.h) and, when a new model went into
// service, says so with a model event.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "analytics/models/model_slot.h"
#include "pipeline/plugin.h"

namespace mw::models {

class RecordDetector : public pipeline::Processor {
 public:
  bool AppliesTo(std::string_view signal) const override;
  void Process(const Sample& sample, pipeline::ProcessorOutput& out) override;

 protected:
  RecordDetector(std::shared_ptr<ModelSlot> slot, Catalog& catalog, const Clock& clock,
                 MetricsRegistry& metrics, std::string name);
  // One complete record of `asset`: values[i] is the slot's signal i (NaN: absent). A record the
  // model cannot score is counted with CountFailure.
  virtual void Score(AssetId asset, Timestamp time, std::span<const float> values,
                     pipeline::ProcessorOutput& out) = 0;
  // The series a model event of `asset` is attached to.
  virtual SeriesId EventSeries(AssetId asset) = 0;

  void CountScored() { scored_.Add(); }
  void CountFailure() { failures_.Add(); }

  const std::shared_ptr<ModelSlot> slot_;
  Catalog& catalog_;
  const Clock& clock_;
  const std::string name_;

 private:
  struct Record {
    Timestamp time = 0;
    bool open = false;          // being filled
    std::vector<float> values;  // per slot signal; NaN: not (yet) arrived
    std::size_t present = 0;
  };
  // Where a series' samples go: its asset and the index of its signal in the record (-1: not one of
  // the record's signals); looked up in the catalog once per series.
  static constexpr int kUnknown = -2;
  struct SeriesSlot {
    AssetId asset = kInvalidAsset;
    int signal = kUnknown;
  };
  SeriesSlot Locate(SeriesId series);
  Record& RecordOf(AssetId asset);
  void Close(AssetId asset, Record& record, pipeline::ProcessorOutput& out);

  std::vector<SeriesSlot> series_;                // by SeriesId
  std::vector<std::unique_ptr<Record>> records_;  // by AssetId
  Counter& scored_;
  Counter& incomplete_;
  Counter& failures_;
};

// The options every served-model detector has: `model` (described by `model_doc`), `signals` and
// `reload_interval`, then `extra`.
std::vector<pipeline::OptionSpec> ServedModelOptions(const std::string& model_doc,
                                                     std::vector<pipeline::OptionSpec> extra);
// The slot those options name (ModelRegistry), its signals checked against the template.
Result<std::shared_ptr<ModelSlot>> SlotFromOptions(const pipeline::Options& o, pipeline::PluginContext& ctx,
                                                   const std::string& kind);

}  // namespace mw::models
