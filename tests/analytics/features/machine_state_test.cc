#include "analytics/features/machine_state.h"

#include <gtest/gtest.h>

#include <vector>

#include "harness.h"

namespace mw::analytics {
namespace {

using testing::Harness;
constexpr Timestamp kS = kNanosPerSecond;

TEST(MachineState, TimeInStateTransitionsAndCycleTime) {
  Harness h;
  MachineStateOptions o;
  o.cycle_state = 2;  // 0 idle, 1 loading, 2 running
  MachineState p(o, h.catalog());
  const std::vector<std::pair<Timestamp, double>> seq = {
      {0, 0}, {5 * kS, 1}, {6 * kS, 1}, {8 * kS, 2}, {20 * kS, 0}, {21 * kS, 1}, {23 * kS, 2}, {30 * kS, 0}};
  for (auto [t, v] : seq) h.Feed(p, "state", t, v);
  EXPECT_EQ(h.Values("state.time_in_state"), (std::vector<double>{5, 3, 12, 1, 2, 7}));
  EXPECT_EQ(h.Values("state.transitions"), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(h.Values("state.cycle_time"), (std::vector<double>{15}));
  EXPECT_EQ(h.Times("state.cycle_time"), (std::vector<Timestamp>{23 * kS}));
}

TEST(MachineState, GapMakesTheRunningStateUnknown) {
  Harness h;
  MachineStateOptions o;
  o.max_gap = 10 * kS;
  MachineState p(o, h.catalog());
  h.Feed(p, "state", 0, 1);
  h.Feed(p, "state", 1 * kS, NAN);
  h.Feed(p, "state", 2 * kS, 5, Quality::kBad);
  h.Feed(p, "state", 60 * kS, 2);  // after a 60 s silence: how long state 1 lasted is unknown
  h.Feed(p, "state", 64 * kS, 3);
  EXPECT_EQ(h.Values("state.time_in_state"), (std::vector<double>{4}));
  EXPECT_EQ(h.Values("state.transitions"), (std::vector<double>{1, 2}));
}

}  // namespace
}  // namespace mw::analytics
