#include "alarms/condition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace mw::alarms {
namespace {

constexpr Timestamp kS = kNanosPerSecond;

Condition Parsed(const std::string& text) {
  auto c = ParseCondition(text);
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.ok() ? *c : Condition{};
}

// Feeds `value` of signal 0 at t and evaluates; returns active().
bool Feed(ConditionTracker& tracker, Timestamp t, double value, int signal = 0) {
  tracker.OnSample(signal, t, value, Quality::kGood);
  tracker.Evaluate(t);
  return tracker.active();
}

TEST(ParseCondition, ReadsComparisonsCallsAndPrecedence) {
  const Condition c =
      Parsed("a > 1 or b <= -2.5e1 and not (bit(status, 3) || stale(a, 30s)) && event(c.rms, 5m)");
  EXPECT_EQ(c.signals, (std::vector<std::string>{"a", "b", "status", "c.rms"}));
  const Condition::Node& root = c.nodes[static_cast<std::size_t>(c.root)];
  ASSERT_EQ(root.kind, Condition::Kind::kOr);  // and binds tighter
  EXPECT_EQ(c.nodes[static_cast<std::size_t>(root.left)].kind, Condition::Kind::kCompare);
  EXPECT_EQ(c.nodes[static_cast<std::size_t>(root.right)].kind, Condition::Kind::kAnd);
  EXPECT_EQ(c.nodes[1].number, -25.0);
  bool stale = false;
  for (const auto& n : c.nodes) stale |= n.kind == Condition::Kind::kStale && n.duration == 30 * kS;
  EXPECT_TRUE(stale);
  // Words that are also calls may name signals.
  EXPECT_EQ(Parsed("event > 2 and stale == 0").signals, (std::vector<std::string>{"event", "stale"}));
}

TEST(ParseCondition, ErrorsNameTheColumnAndWhatWasExpected) {
  const std::pair<std::string, std::string> cases[] = {
      {"a >", "column 4: expected a number after '>'"},
      {"a 5", "column 3: expected a comparison"},
      {"(a > 1", "column 7: expected ')'"},
      {"a > 1 b > 2", "column 7: expected 'and', 'or' or the end"},
      {"stale(a, soon)", "column 10: expected a duration"},
      {"bit(a, 64)", "column 8: expected a bit number"},
      {"", "column 1: expected a signal name"},
  };
  for (const auto& [text, message] : cases) {
    auto c = ParseCondition(text);
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_NE(c.status().message().find(message), std::string::npos) << text << ": " << c.status().message();
    EXPECT_NE(c.status().message().find("condition '" + text + "'"), std::string::npos);
  }
  EXPECT_FALSE(ParseCondition(std::string(200, '(') + "a > 1" + std::string(200, ')')).ok());
}

TEST(ConditionTracker, DeadbandHoldsAValueHoveringAtTheLimitToOneActivation) {
  const Condition c = Parsed("vibration > 7.1");
  ConditionTracker tracker(c, {.deadband = 0.3}, 0);
  int changes = 0;
  bool last = false;
  for (int i = 0; i < 100; ++i) {
    const double v = 7.1 + ((i % 2 == 0) ? 0.05 : -0.2);  // chatters across the limit, within the band
    if (Feed(tracker, i * kS, v) != last) {
      last = !last;
      ++changes;
    }
  }
  EXPECT_EQ(changes, 1);
  EXPECT_TRUE(tracker.active());
  EXPECT_FALSE(Feed(tracker, 100 * kS, 6.7));  // below limit - deadband: clear
  EXPECT_EQ(tracker.value(), 6.7);
  EXPECT_EQ(tracker.limit(), 7.1);
}

TEST(ConditionTracker, LowLimitsHoldUntilTheValueIsBackAboveTheBand) {
  const Condition c = Parsed("pressure < 2");
  ConditionTracker tracker(c, {.deadband = 0.5}, 0);
  EXPECT_TRUE(Feed(tracker, 1 * kS, 1.9));
  EXPECT_TRUE(Feed(tracker, 2 * kS, 2.4));
  EXPECT_FALSE(Feed(tracker, 3 * kS, 2.6));
}

TEST(ConditionTracker, OnAndOffDelaysNeedTheConditionToHoldThroughout) {
  const Condition c = Parsed("t > 90");
  ConditionTracker tracker(c, {.on_delay = 10 * kS, .off_delay = 5 * kS}, 0);
  EXPECT_FALSE(Feed(tracker, 0, 95));
  EXPECT_EQ(tracker.NextDeadline(), 10 * kS);
  EXPECT_FALSE(Feed(tracker, 5 * kS, 80));  // broke off: the delay starts again
  EXPECT_FALSE(Feed(tracker, 6 * kS, 95));
  EXPECT_FALSE(Feed(tracker, 15 * kS, 96));
  EXPECT_TRUE(tracker.Evaluate(16 * kS));  // a timer, no new sample
  EXPECT_TRUE(tracker.active());
  EXPECT_TRUE(Feed(tracker, 17 * kS, 80));
  EXPECT_TRUE(Feed(tracker, 21 * kS, 80));
  EXPECT_FALSE(Feed(tracker, 22 * kS, 80));
}

TEST(ConditionTracker, CombinesTermsAndIgnoresBadSamplesAndUnseenSignals) {
  const Condition c = Parsed("vib > 5 and not running == 0");
  ConditionTracker tracker(c, {}, 0);
  // `running` never seen: running == 0 compares false, so `not running == 0` holds.
  EXPECT_TRUE(Feed(tracker, 1 * kS, 9));
  EXPECT_TRUE(Feed(tracker, 2 * kS, 1, 1));
  EXPECT_FALSE(Feed(tracker, 3 * kS, 0, 1));  // the machine stops
  tracker.OnSample(1, 4 * kS, 1, Quality::kBad);
  tracker.OnSample(1, 4 * kS, std::numeric_limits<double>::quiet_NaN(), Quality::kGood);
  tracker.Evaluate(4 * kS);
  EXPECT_FALSE(tracker.active());  // neither counted: running is still 0
  EXPECT_TRUE(Feed(tracker, 5 * kS, 1, 1));
  EXPECT_FALSE(Feed(tracker, 6 * kS, 4));
}

TEST(ConditionTracker, BitsOfAStatusWord) {
  const Condition c = Parsed("bit(status, 3)");
  ConditionTracker tracker(c, {}, 0);
  EXPECT_TRUE(Feed(tracker, 1 * kS, 8));
  EXPECT_FALSE(Feed(tracker, 2 * kS, 7));
  EXPECT_TRUE(Feed(tracker, 3 * kS, 0b11000));
  EXPECT_FALSE(Feed(tracker, 4 * kS, 1e300));  // not an integer a status word could hold
}

TEST(ConditionTracker, StalenessRisesWithoutDataAndClearsWithIt) {
  const Condition c = Parsed("stale(current, 30s)");
  ConditionTracker tracker(c, {}, 100 * kS);
  tracker.Evaluate(100 * kS);
  EXPECT_EQ(tracker.NextDeadline(), 130 * kS + 1);
  EXPECT_FALSE(tracker.Evaluate(130 * kS));
  EXPECT_TRUE(tracker.Evaluate(130 * kS + 1));
  EXPECT_EQ(tracker.NextDeadline(), std::numeric_limits<Timestamp>::max());  // nothing more to wait for
  EXPECT_FALSE(Feed(tracker, 131 * kS, 12));
  EXPECT_EQ(tracker.NextDeadline(), 161 * kS + 1);
}

TEST(ConditionTracker, AnEventConditionClearsWhenNoEventCameForItsWindow) {
  const Condition c = Parsed("event(vibration, 5m)");
  ConditionTracker tracker(c, {}, 0);
  tracker.OnEvent(0, 10 * kS);
  EXPECT_TRUE(tracker.Evaluate(10 * kS));
  tracker.OnEvent(0, 200 * kS);
  EXPECT_FALSE(tracker.Evaluate(400 * kS));
  EXPECT_EQ(tracker.NextDeadline(), 500 * kS + 1);
  EXPECT_TRUE(tracker.Evaluate(500 * kS + 1));
  EXPECT_FALSE(tracker.active());
}

}  // namespace
}  // namespace mw::alarms
