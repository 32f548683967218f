#include "analytics/features/valve.h"

#include <gtest/gtest.h>

#include <vector>

#include "harness.h"

namespace mw::analytics {
namespace {

using testing::Harness;
constexpr Timestamp kMs = kNanosPerMilli;

ValveTravelOptions Options() {
  ValveTravelOptions o;
  o.valve = "v1";
  o.command = "cmd";
  o.open_limit = "zso";
  o.closed_limit = "zsc";
  o.timeout = 5 * kNanosPerSecond;
  return o;
}

// A closed valve: command 0, closed limit 1, open limit 0.
void Closed(Harness& h, ValveTravel& p) {
  h.Feed(p, "cmd", 0, 0);
  h.Feed(p, "zsc", 0, 1);
  h.Feed(p, "zso", 0, 0);
}

TEST(ValveTravel, TimesOpeningAndClosingFromHandMadeEdges) {
  Harness h;
  ValveTravel p(Options(), "valves", h.catalog());
  Closed(h, p);
  h.Feed(p, "cmd", 1000 * kMs, 1);   // open command
  h.Feed(p, "zsc", 1200 * kMs, 0);   // leaves closed
  h.Feed(p, "zso", 3500 * kMs, 1);   // open after 2.5 s
  h.Feed(p, "cmd", 10000 * kMs, 0);  // close command
  h.Feed(p, "zso", 10100 * kMs, 0);
  h.Feed(p, "zsc", 11750 * kMs, 1);  // closed after 1.75 s
  EXPECT_EQ(h.Values("v1.open_time"), (std::vector<double>{2.5}));
  EXPECT_EQ(h.Times("v1.open_time"), (std::vector<Timestamp>{3500 * kMs}));
  EXPECT_EQ(h.Values("v1.close_time"), (std::vector<double>{1.75}));
  EXPECT_TRUE(h.events.empty());
}

TEST(ValveTravel, TimeoutRaisesAnEventInsteadOfATime) {
  Harness h;
  ValveTravel p(Options(), "valves", h.catalog());
  Closed(h, p);
  h.Feed(p, "cmd", 1000 * kMs, 1);
  h.Feed(p, "zsc", 1500 * kMs, 0);
  h.Feed(p, "cmd", 7000 * kMs, 1);  // 6 s later, still not open: timeout noticed here
  ASSERT_EQ(h.events.size(), 1u);
  EXPECT_EQ(h.events[0].kind, EventKind::kAnomaly);
  EXPECT_DOUBLE_EQ(h.events[0].value, 6.0);
  h.Feed(p, "zso", 8000 * kMs, 1);  // too late: nothing measured
  EXPECT_TRUE(h.Values("v1.open_time").empty());
}

TEST(ValveTravel, EndEdgeProcessedBeforeItsCommandStillCounts) {
  Harness h;
  ValveTravel p(Options(), "valves", h.catalog());
  Closed(h, p);
  // Within one batch the limit switch's sample comes first, though stamped after the command.
  h.Feed(p, "zso", 1800 * kMs, 1);
  h.Feed(p, "cmd", 1000 * kMs, 1);
  EXPECT_EQ(h.Values("v1.open_time"), (std::vector<double>{0.8}));
}

TEST(ValveTravel, ReversalDropsTheTravelAndNanIsIgnored) {
  Harness h;
  ValveTravel p(Options(), "valves", h.catalog());
  Closed(h, p);
  h.Feed(p, "cmd", 1000 * kMs, 1);
  h.Feed(p, "zsc", 1050 * kMs, 0);  // leaves closed
  h.Feed(p, "cmd", 1100 * kMs, NAN);
  h.Feed(p, "cmd", 1200 * kMs, 0, Quality::kBad);
  h.Feed(p, "cmd", 1300 * kMs, 0);  // reversed before reaching open: back to closing
  h.Feed(p, "zso", 1400 * kMs, 1);  // not the target of a closing
  EXPECT_TRUE(h.Values("v1.open_time").empty());
  h.Feed(p, "zso", 1500 * kMs, 0);
  h.Feed(p, "zsc", 2300 * kMs, 1);
  const auto v = h.Values("v1.close_time");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NEAR(v[0], 1.0, 1e-12);
}

}  // namespace
}  // namespace mw::analytics
