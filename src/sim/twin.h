// Twin: what the fleet needs of any digital twin, whatever its physics.
//
// A twin publishes a fixed list of scalar signals (name, unit, class); each Step() advances it by
// one interval of simulated time and writes one value per signal, in that order. Beside the values
// it keeps ground truth (health state, damage, remaining life, the fault it carries) that the
// training mode writes and the tests score against, but that is never published to the platform.
// A twin may also carry one frame per step (the printer's temperature grid).
//
// Time enters only through Step's argument and the twin's interval: a twin runs as fast as the
// CPU allows on a simulated clock (training mode) or paced by the wall clock (live fleet), with the
// same values for the same seed. Not thread-safe: the fleet's thread owns its twins.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"
#include "sim/health.h"

namespace mw::sim {

struct MachineGroup;

// How the chaos engine treats a signal (a heat wave touches temperatures, a glitch vibrations).
enum class SignalClass : std::uint8_t { kOther = 0, kVibration = 1, kTemperature = 2 };

struct SignalDef {
  std::string name;  // the JSON key, Sparkplug metric, OPC UA browse name
  std::string unit;  // display unit, e.g. "mm/s"
  int decimals = 3;  // digits kept in text payloads
  SignalClass kind = SignalClass::kOther;
};

struct GroundTruth {
  HealthState state = HealthState::kHealthy;
  double damage = 0;                                              // 0 new .. 1 failed
  double remaining_s = std::numeric_limits<double>::quiet_NaN();  // NaN: the twin does not age
  std::string_view fault;  // injected anomaly of the last step, "" if none
};

// A frame of the last step: rows x cols floats, row-major. `version` changes when the frame does
// (the PLC line's vibration burst is captured once a minute, not at every step).
struct FrameView {
  std::string_view name;
  std::uint32_t rows = 0;
  std::uint32_t cols = 0;
  std::span<const float> elements;
  std::uint64_t version = 0;
};

class Twin {
 public:
  virtual ~Twin() = default;
  virtual std::string_view type() const = 0;
  virtual const std::vector<SignalDef>& signals() const = 0;
  // Advances by one interval; `values` has signals().size() elements.
  virtual void Step(Timestamp time, std::span<double> values) = 0;
  virtual GroundTruth truth() const = 0;
  virtual std::optional<FrameView> frame() const { return std::nullopt; }
  // A twin whose unit failed starts a new life (training mode runs life after life).
  virtual void Renew() {}
};

// The twin of machine `index` of a group: the group's model with a seed derived from both.
std::unique_ptr<Twin> MakeTwin(const MachineGroup& group, int index);

// {"ts":<unix ms>,"<signal>":<value>,...}, each value with its signal's decimals; a non-finite value
// is written as null.
void AppendRecordJson(Timestamp time, const std::vector<SignalDef>& signals, std::span<const double> values,
                      std::string& out);

}  // namespace mw::sim
