// Alarm rules as the config declares them, per asset template:
//
//   [[templates.pump.alarms]]
//   name = "vibration_high"
//   when = "vibration_x > 7.1"                 # condition.h
//   deadband = 0.3                             # in the signals' unit
//   on_delay = "5s"
//   off_delay = "10s"
//   suppress_when = "running == 0"             # suppression by design (machine state)
//   severity = "major"                         # critical, major, minor, warning
//   priority = 2                               # 1 (highest) .. 4
//   message = "{asset}: vibration {value} mm/s above {limit}"
//   escalate_after = "15m"
//   renotify_every = "30m"
//
// An asset may change its template's rules, key by key (the rest is the template's), or turn one off:
//
//   [[assets]]
//   path = "plant1/pumps/pump-02"
//   template = "pump"
//   alarms = { vibration_high = { when = "vibration_x > 9" }, no_data = { enabled = false } }
//
// Every signal a condition names must be a signal of the template, a series derived from one
// (`vibration_x.rms`), or a series a processor or detector of the template writes under its `output`
// option (`health_state`, `rul.lower`); anything else is an error naming file:line:column and the
// key, as for plugins.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alarms/condition.h"
#include "alarms/lifecycle.h"
#include "core/config.h"
#include "pipeline/plugin.h"

namespace mw::alarms {

enum class Severity : std::uint8_t { kCritical, kMajor, kMinor, kWarning };
// "critical", "major", "minor", "warning"; InvalidArgument otherwise.
Result<Severity> ParseSeverity(std::string_view text);
const char* SeverityName(Severity severity);

struct Rule {
  std::string name;
  std::string template_name;
  std::string asset;  // non-empty: this asset's version of the template's rule of the same name
  bool enabled = true;
  std::string key_path;  // "templates.pump.alarms[0]"
  Condition condition;
  Debounce debounce;
  std::optional<Condition> suppress_when;
  Severity severity = Severity::kWarning;
  int priority = 3;
  std::string message;
  EscalationPolicy escalation;
};

// The option table of a rule (what `millwright plugins` and the docs list).
const std::vector<pipeline::OptionSpec>& RuleOptions();

// The rules of every template, in template then file order, then every asset's versions of them.
// Errors are appended, and a rule with one is left out.
std::vector<Rule> RulesOf(const Config& config, const pipeline::PluginRegistry& registry,
                          std::vector<ConfigError>& errors);

// The rule's message with {asset}, {rule}, {severity}, {signal}, {value} and {limit} filled in
// (value and limit with up to 6 significant digits; unknown braces are left as they are).
std::string FormatMessage(const Rule& rule, std::string_view asset, double value, double limit);

}  // namespace mw::alarms
