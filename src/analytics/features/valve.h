// Valve travel times: the `valve_travel` processor.
//
// Per asset, watches a command signal and the two end-position (limit switch) signals of one
// valve; a value >= `threshold` is 1, below is 0. A command edge 0 -> 1 starts an opening, 1 -> 0
// a closing; the matching end position's rising edge (open limit for an opening, closed limit for a
// closing) ends it, and the travel time in seconds is emitted as the asset's series
// `<valve>.open_time` or `<valve>.close_time`, stamped with the end-position edge. A travel still
// running `timeout` after its command raises an anomaly event instead and is dropped. A command
// reversal before the end position is reached drops the first travel (nothing emitted). A command
// edge while the valve already rests in the target position measures nothing.
//
// Samples of different signals may reach the processor out of time order within a batch: an end-
// position edge processed before its command edge (but stamped after it) still ends the travel.
// The first value of each signal only sets its level (no edge). The timeout is checked whenever
// any of the three signals delivers a sample, since a processor runs only on samples: with
// report-by-exception sources the event can come late, never early.
//
// Skips NaN, infinities, samples whose quality is not good, and samples older than the previous one
// of their series. One instance per worker; called from that worker's thread only.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "analytics/features/common.h"
#include "pipeline/plugin.h"

namespace mw::analytics {

struct ValveTravelOptions {
  std::string valve = "valve";  // prefix of the derived series
  std::string command;
  std::string open_limit;
  std::string closed_limit;
  std::int64_t timeout = 30 * kNanosPerSecond;
  double threshold = 0.5;
};

class ValveTravel final : public pipeline::Processor {
 public:
  ValveTravel(ValveTravelOptions options, std::string name, Catalog& catalog);
  bool AppliesTo(std::string_view signal) const override;
  void Process(const Sample& sample, pipeline::ProcessorOutput& out) override;
  static pipeline::PluginDescriptor Descriptor();

 private:
  enum Role : int { kCommand = 0, kOpenLimit = 1, kClosedLimit = 2 };
  struct Signal {
    bool known = false;
    bool level = false;
    Timestamp last_time = 0;
    Timestamp last_rise = INT64_MIN;  // time of the last 0 -> 1 edge
  };
  struct AssetState {
    SeriesId open_output = kInvalidSeries;
    SeriesId close_output = kInvalidSeries;
    std::array<Signal, 3> signals;
    bool pending = false;
    bool opening = false;
    Timestamp command_time = 0;
    SeriesId command_series = kInvalidSeries;
  };
  struct SeriesRole {
    AssetId asset = kInvalidAsset;
    int role = -1;
  };
  SeriesRole& RoleOf(SeriesId id);
  AssetState& AssetFor(AssetId id);
  void Finish(AssetState& asset, Timestamp end, pipeline::ProcessorOutput& out);

  ValveTravelOptions options_;
  std::string name_;
  Catalog& catalog_;
  StateTable<SeriesRole> roles_;
  StateTable<AssetState> assets_;
};

}  // namespace mw::analytics
