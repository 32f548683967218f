// Machine states: the `machine_state` processor.
//
// Per state signal (an enumeration carried as a number, rounded to the nearest integer), emits at
// each change of state, stamped with the time of the change:
//   <signal>.time_in_state   s, how long the state just left lasted (from the sample that entered it
//                            to the sample that left it)
//   <signal>.transitions     the number of changes seen since the processor started
//   <signal>.cycle_time      s between two successive entries into `cycle_state` (when set)
// The first value only sets the state. NaN, infinities and samples whose quality is not good are
// skipped; a gap longer than `max_gap` (0: never) between samples makes the running state's length
// and the running cycle unknown: they are not emitted at the next change (the count still is).
// One instance per worker; called from that worker's thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analytics/features/common.h"
#include "pipeline/plugin.h"

namespace mw::analytics {

struct MachineStateOptions {
  std::vector<std::string> signals;
  std::optional<std::int64_t> cycle_state;
  std::int64_t max_gap = 0;
};

class MachineState final : public pipeline::Processor {
 public:
  MachineState(MachineStateOptions options, Catalog& catalog);
  bool AppliesTo(std::string_view signal) const override;
  void Process(const Sample& sample, pipeline::ProcessorOutput& out) override;
  static pipeline::PluginDescriptor Descriptor();

 private:
  struct SeriesState {
    SeriesId time_output = kInvalidSeries, count_output = kInvalidSeries, cycle_output = kInvalidSeries;
    bool started = false;
    std::int64_t state = 0;
    Timestamp entered = 0;
    bool entered_known = false;
    Timestamp last_time = 0;
    std::uint64_t transitions = 0;
    Timestamp cycle_start = 0;
    bool cycle_known = false;
  };

  MachineStateOptions options_;
  Catalog& catalog_;
  StateTable<SeriesState> states_;
};

}  // namespace mw::analytics
