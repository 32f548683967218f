#include "alarms/rule.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mw::alarms {
namespace {

using pipeline::OptionType;
using pipeline::OptionValue;

std::string Number(double v) {
  if (std::isnan(v)) return "n/a";
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

// What a template's conditions may name beyond its signals: the `output` of each of its processors
// and detectors (a plugin whose options do not validate is reported by the pipeline, not here).
std::vector<std::string> OutputsOf(const TemplateSpec& t, const pipeline::PluginRegistry& registry) {
  std::vector<std::string> outputs;
  std::vector<ConfigError> ignored;
  const auto collect = [&](pipeline::PluginKind kind, const std::vector<PluginSpec>& specs) {
    for (const PluginSpec& spec : specs) {
      const auto o = registry.Validate(kind, spec, ignored);
      const std::string* output = o ? o->FindString("output") : nullptr;
      if (output != nullptr && !output->empty()) outputs.push_back(*output);
    }
  };
  collect(pipeline::PluginKind::kProcessor, t.processors);
  collect(pipeline::PluginKind::kDetector, t.detectors);
  return outputs;
}

bool Known(const std::string& signal, const TemplateSpec& t, const std::vector<std::string>& outputs) {
  if (t.IsSignalOrDerived(signal)) return true;
  return std::any_of(outputs.begin(), outputs.end(), [&](const std::string& o) {
    return signal == o || (signal.size() > o.size() + 1 && signal.compare(0, o.size() + 1, o + ".") == 0);
  });
}

// The condition of key `key` (a string option), checked against what the template's assets hold.
std::optional<Condition> ConditionOf(const pipeline::Options& o, const std::string& key,
                                     const PluginSpec& spec, const TemplateSpec& t,
                                     const std::vector<std::string>& outputs,
                                     std::vector<ConfigError>& errors) {
  const ConfigValue* value = spec.options.Find(key);
  const SourceLocation where = value ? value->where : spec.where;
  auto condition = ParseCondition(o.GetString(key));
  if (!condition.ok()) {
    errors.push_back({where, spec.key_path + "." + key, condition.status().message()});
    return std::nullopt;
  }
  for (const std::string& signal : condition->signals) {
    if (!Known(signal, t, outputs)) {
      errors.push_back({where, spec.key_path + "." + key,
                        "no signal '" + signal + "' in template " + t.name +
                            " (nor a series derived from one or written by its processors and detectors)"});
      return std::nullopt;
    }
  }
  return std::move(*condition);
}

// The template's rule with the asset's keys in place of its own (each key keeps its own file:line).
PluginSpec Merged(const PluginSpec& base, const PluginSpec& change) {
  PluginSpec merged = base;
  merged.key_path = change.key_path;
  merged.where = change.where;
  for (const ConfigEntry& entry : change.options.table) {
    auto it = std::find_if(merged.options.table.begin(), merged.options.table.end(),
                           [&](const ConfigEntry& e) { return e.key == entry.key; });
    if (it != merged.options.table.end()) {
      it->value = entry.value;
    } else {
      merged.options.table.push_back(entry);
    }
  }
  return merged;
}

std::optional<Rule> RuleOf(const PluginSpec& spec, const TemplateSpec& t,
                           const std::vector<std::string>& outputs, std::vector<ConfigError>& errors) {
  auto o = pipeline::ValidateOptions(RuleOptions(), spec, "alarm rule \"" + spec.name + "\"", errors);
  if (!o) return std::nullopt;
  Rule rule;
  rule.name = spec.name;
  rule.template_name = t.name;
  rule.key_path = spec.key_path;
  auto when = ConditionOf(*o, "when", spec, t, outputs, errors);
  if (!when) return std::nullopt;
  rule.condition = std::move(*when);
  if (!o->GetString("suppress_when").empty()) {
    rule.suppress_when = ConditionOf(*o, "suppress_when", spec, t, outputs, errors);
    if (!rule.suppress_when) return std::nullopt;
  }
  rule.debounce = {o->GetDouble("deadband"), o->GetDuration("on_delay"), o->GetDuration("off_delay")};
  rule.severity = *ParseSeverity(o->GetString("severity"));
  rule.priority = static_cast<int>(o->GetInt("priority"));
  rule.message = o->GetString("message");
  rule.escalation = {o->GetDuration("escalate_after"), o->GetDuration("renotify_every")};
  rule.enabled = o->GetBool("enabled");
  return rule;
}

}  // namespace

Result<Severity> ParseSeverity(std::string_view text) {
  for (const Severity s : {Severity::kCritical, Severity::kMajor, Severity::kMinor, Severity::kWarning}) {
    if (text == SeverityName(s)) return s;
  }
  return Status::InvalidArgument("severity '" + std::string(text) +
                                 "': expected critical, major, minor or warning");
}

const char* SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kCritical:
      return "critical";
    case Severity::kMajor:
      return "major";
    case Severity::kMinor:
      return "minor";
    case Severity::kWarning:
      return "warning";
  }
  return "?";
}

const std::vector<pipeline::OptionSpec>& RuleOptions() {
  static const std::vector<pipeline::OptionSpec> options = {
      {"when",
       OptionType::kString,
       std::nullopt,
       "the condition (comparisons, bit, stale, event; and/or/not)",
       {}},
      {"deadband", OptionType::kDouble, 0.0, "how far back past a limit a value must go to clear",
       [](const OptionValue& v) { return std::get<double>(v) >= 0 ? "" : "expected >= 0"; }},
      {"on_delay", OptionType::kDuration, std::int64_t{0},
       "how long the condition must hold to raise the alarm", pipeline::OptionNonNegativeDuration},
      {"off_delay", OptionType::kDuration, std::int64_t{0}, "how long it must fail to clear it",
       pipeline::OptionNonNegativeDuration},
      {"suppress_when",
       OptionType::kString,
       std::string(),
       "a condition (machine state) under which the alarm is suppressed by design; empty: never",
       {}},
      {"severity", OptionType::kString, std::string("warning"), "critical, major, minor or warning",
       [](const OptionValue& v) {
         return ParseSeverity(std::get<std::string>(v)).ok() ? ""
                                                             : "expected critical, major, minor or warning";
       }},
      {"priority", OptionType::kInt, std::int64_t{3}, "1 (highest) to 4",
       [](const OptionValue& v) {
         const auto p = std::get<std::int64_t>(v);
         return p >= 1 && p <= 4 ? "" : "expected 1 to 4";
       }},
      {"message",
       OptionType::kString,
       std::string("{asset}: {rule} ({signal} {value}, limit {limit})"),
       "the alarm's text: {asset} {rule} {severity} {signal} {value} {limit}",
       {}},
      {"enabled",
       OptionType::kBool,
       true,
       "false: no alarm from this rule (an asset can turn off its template's)",
       {}},
      {"escalate_after", OptionType::kDuration, std::int64_t{0},
       "escalate an alarm left unacknowledged this long; 0: never", pipeline::OptionNonNegativeDuration},
      {"renotify_every", OptionType::kDuration, std::int64_t{0},
       "after escalating, notify again this often until acknowledged; 0: once",
       pipeline::OptionNonNegativeDuration},
  };
  return options;
}

std::vector<Rule> RulesOf(const Config& config, const pipeline::PluginRegistry& registry,
                          std::vector<ConfigError>& errors) {
  std::vector<Rule> rules;
  for (const auto& [name, t] : config.templates) {
    if (t.alarms.empty()) continue;
    const std::vector<std::string> outputs = OutputsOf(t, registry);
    for (const PluginSpec& spec : t.alarms) {
      if (auto rule = RuleOf(spec, t, outputs, errors)) rules.push_back(std::move(*rule));
    }
  }
  for (const AssetSpec& asset : config.assets) {
    const auto t = config.templates.find(asset.template_name);
    if (asset.alarms.empty() || t == config.templates.end()) continue;
    const std::vector<std::string> outputs = OutputsOf(t->second, registry);
    for (const PluginSpec& change : asset.alarms) {
      const auto base = std::find_if(t->second.alarms.begin(), t->second.alarms.end(),
                                     [&](const PluginSpec& r) { return r.name == change.name; });
      if (base == t->second.alarms.end()) continue;  // the config reported it
      if (auto rule = RuleOf(Merged(*base, change), t->second, outputs, errors)) {
        rule->asset = asset.path;
        rules.push_back(std::move(*rule));
      }
    }
  }
  return rules;
}

std::string FormatMessage(const Rule& rule, std::string_view asset, double value, double limit) {
  std::string signal;
  for (const Condition::Node& n : rule.condition.nodes) {
    if (n.kind == Condition::Kind::kCompare) {
      signal = rule.condition.signals[static_cast<std::size_t>(n.signal)];
      break;
    }
  }
  const std::pair<std::string_view, std::string> fields[] = {{"{asset}", std::string(asset)},
                                                             {"{rule}", rule.name},
                                                             {"{severity}", SeverityName(rule.severity)},
                                                             {"{signal}", signal},
                                                             {"{value}", Number(value)},
                                                             {"{limit}", Number(limit)}};
  std::string out;
  for (std::size_t i = 0; i < rule.message.size();) {
    bool replaced = false;
    for (const auto& [key, text] : fields) {
      if (rule.message.compare(i, key.size(), key) == 0) {
        out += text;
        i += key.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out += rule.message[i++];
  }
  return out;
}

}  // namespace mw::alarms
