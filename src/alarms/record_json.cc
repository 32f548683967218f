#include "alarms/record_json.h"

#include "core/time_format.h"

namespace mw::alarms {

nlohmann::json RecordFields(const AlarmRecord& r) {
  return {{"seq", r.seq},
          {"id", r.id},
          {"asset", r.asset},
          {"rule", r.rule},
          {"severity", SeverityName(r.severity)},
          {"priority", r.priority},
          {"action", AlarmActionName(r.entry.action)},
          {"value", NumberOrNull(r.entry.value)},
          {"limit", NumberOrNull(r.limit)},
          {"message", r.message},
          {"user", r.entry.user},
          {"comment", r.entry.comment},
          {"time", r.entry.time / kNanosPerMilli},
          {"time_iso", FormatRfc3339(r.entry.time)}};
}

}  // namespace mw::alarms
