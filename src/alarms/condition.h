// A rule's condition: what must hold of an asset's signals for its alarm to be active.
//
//   vibration_x > 7.1                          comparisons: > >= < <= == !=, signal on the left
//   bearing_temperature >= 90 and not running == 0
//   bit(status_word, 3)                        bit 3 (0 = least significant) of the value is set
//   stale(motor_current, 30s)                  no good sample of the signal for more than 30 s
//   event(vibration_x, 5m)                     an anomaly event about the signal in the last 5 min
//   rul < 3600 or (health_state >= 2 and not stale(health_state, 1m))
//
// `and` binds tighter than `or`; `not` tighter than both; `&&`, `||` and `!` are accepted too.
// Signal names are the asset's series names (letters, digits, `_` and `.`: `vibration_x.rms`).
//
// ConditionTracker follows one asset's condition: the last good value of each signal, and per
// comparison a latch for the deadband (x > L, once true, holds until x < L - deadband; x < L until
// x > L + deadband; == and != have none), so a value hovering at a limit changes nothing. A signal
// never seen compares false. Then the delays: the condition turns active only after holding for
// `on_delay`, and clear only after failing for `off_delay`.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace mw::alarms {

struct Condition {
  enum class Kind : std::uint8_t { kAnd, kOr, kNot, kCompare, kBit, kStale, kEvent };
  enum class Cmp : std::uint8_t { kGt, kGe, kLt, kLe, kEq, kNe };
  struct Node {
    Kind kind = Kind::kCompare;
    int left = -1, right = -1;  // children: and/or both, not the left
    int signal = -1;            // into `signals`
    Cmp cmp = Cmp::kGt;
    double number = 0;          // the limit, or the bit index
    std::int64_t duration = 0;  // stale, event: ns
  };
  std::string text;
  std::vector<Node> nodes;
  int root = -1;
  std::vector<std::string> signals;  // each once, in order of first use
};

// InvalidArgument naming the column and what was expected: "column 14: expected a number after '>'".
Result<Condition> ParseCondition(std::string_view text);

struct Debounce {
  double deadband = 0;         // >= 0, in the signal's unit
  std::int64_t on_delay = 0;   // ns
  std::int64_t off_delay = 0;  // ns
};

class ConditionTracker {
 public:
  // `start`: staleness counts from here for signals not yet seen. The condition must outlive it.
  ConditionTracker(const Condition& condition, Debounce debounce, Timestamp start);

  // A sample of condition.signals[signal]; only good, finite values count.
  void OnSample(int signal, Timestamp t, double value, Quality quality);
  // An anomaly event about condition.signals[signal].
  void OnEvent(int signal, Timestamp t);
  // Re-evaluates at `t` (after samples, or when NextDeadline has come); true if active() changed.
  bool Evaluate(Timestamp t);

  // Takes `active` as the settled state at `t` without an edge (a restored alarm's condition), so
  // that the next evaluation reports a change only if the condition disagrees.
  void Assume(bool active, Timestamp t);

  bool active() const { return active_; }
  // When a delay, a staleness window or an event window runs out, if nothing else happens before;
  // INT64_MAX when nothing is pending.
  Timestamp NextDeadline() const;
  // The first comparison's signal value and limit (what a message shows); NaN when none.
  double value() const;
  double limit() const;

 private:
  bool Eval(int node, Timestamp t);

  const Condition* condition_;
  Debounce debounce_;
  std::vector<double> values_;           // per signal, NaN until a good sample
  std::vector<Timestamp> seen_, event_;  // per signal: last good sample, last anomaly event
  std::vector<std::uint8_t> latched_;    // per node (comparisons)
  bool active_ = false;
  bool raw_ = false;  // the undelayed condition at the last evaluation
  Timestamp raw_since_ = 0;
  Timestamp last_evaluated_ = std::numeric_limits<Timestamp>::min();
  int primary_ = -1;  // the first comparison node
};

}  // namespace mw::alarms
