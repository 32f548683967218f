// HealthState: the ground-truth health of a simulated asset, shared by every twin.
//
// A twin reports it beside each record so that tests and benchmarks can score a predictive model;
// it is never published as telemetry. The order is meaningful: a larger value is worse, so the
// health of an asset with several parts is the largest of theirs.
#pragma once

#include <cstdint>
#include <string_view>

namespace mw::sim {

enum class HealthState : std::uint8_t { kHealthy = 0, kWarning = 1, kFaulty = 2, kBroken = 3 };

inline std::string_view HealthStateName(HealthState state) {
  switch (state) {
    case HealthState::kHealthy:
      return "HEALTHY";
    case HealthState::kWarning:
      return "WARNING";
    case HealthState::kFaulty:
      return "FAULTY";
    case HealthState::kBroken:
      return "BROKEN";
  }
  return "UNKNOWN";
}

}  // namespace mw::sim
