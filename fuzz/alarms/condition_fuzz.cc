// Any bytes as an alarm condition: ParseCondition returns a well-formed tree or an error naming the
// column, never a crash; a parsed condition evaluates over a few samples without one either.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "alarms/condition.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto condition = mw::alarms::ParseCondition(text);
  if (!condition.ok()) {
    if (condition.status().message().find("column ") == std::string_view::npos) std::abort();
    return 0;
  }
  const auto nodes = static_cast<int>(condition->nodes.size());
  if (condition->root < 0 || condition->root >= nodes) std::abort();
  mw::alarms::ConditionTracker tracker(*condition, {.deadband = 0.5, .on_delay = 2, .off_delay = 3}, 0);
  for (int t = 1; t < 8; ++t) {
    for (std::size_t s = 0; s < condition->signals.size(); ++s) {
      tracker.OnSample(static_cast<int>(s), t, t * 1.5 - 4, mw::Quality::kGood);
      if (t % 3 == 0) tracker.OnEvent(static_cast<int>(s), t);
    }
    tracker.Evaluate(t);
    if (tracker.NextDeadline() <= t) std::abort();  // a deadline in the past would spin the engine
  }
  return 0;
}
