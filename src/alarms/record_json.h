// The JSON of alarm records, shared by the journal, the notifications and the API.
#pragma once

#include <cmath>
#include <nlohmann/json.hpp>

#include "alarms/engine.h"

namespace mw::alarms {

// JSON has no NaN or infinity: a value that is not finite is null.
inline nlohmann::json NumberOrNull(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

// The fields of a record wherever it is sent or served: seq, id, asset, rule, severity, priority,
// action, value, limit, message, user, comment, time (Unix ms) and time_iso.
nlohmann::json RecordFields(const AlarmRecord& record);

}  // namespace mw::alarms
