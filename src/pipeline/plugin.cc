#include "pipeline/plugin.h"

#include <algorithm>
#include <stdexcept>

#include "core/time_format.h"

namespace mw::pipeline {
namespace {

using Type = ConfigValue::Type;

std::string FormatDurationNs(std::int64_t ns) {
  struct Unit {
    std::int64_t scale;
    const char* name;
  };
  static const Unit kUnits[] = {{86400 * kNanosPerSecond, "d"}, {3600 * kNanosPerSecond, "h"},
                                {60 * kNanosPerSecond, "m"},    {kNanosPerSecond, "s"},
                                {kNanosPerMilli, "ms"},         {kNanosPerMicro, "us"}};
  if (ns == 0) return "0s";
  for (const auto& u : kUnits)
    if (ns % u.scale == 0) return std::to_string(ns / u.scale) + u.name;
  return std::to_string(ns) + "ns";
}

// Converts one config value to the option's type; returns an error message or "".
std::string Convert(const OptionSpec& spec, const ConfigValue& v, OptionValue& out) {
  auto expected = [&](const char* what) {
    return std::string("expected ") + what + ", got " + ConfigValue::TypeName(v.type);
  };
  switch (spec.type) {
    case OptionType::kBool:
      if (v.type != Type::kBool) return expected("a boolean");
      out = v.b;
      return {};
    case OptionType::kInt:
      if (v.type != Type::kInt) return expected("an integer");
      out = v.i;
      return {};
    case OptionType::kDouble:
      if (v.type == Type::kInt)
        out = static_cast<double>(v.i);
      else if (v.type == Type::kDouble)
        out = v.d;
      else
        return expected("a number");
      return {};
    case OptionType::kString:
      if (v.type != Type::kString) return expected("a string");
      out = v.s;
      return {};
    case OptionType::kDuration: {
      if (v.type != Type::kString) return expected("a duration string such as \"5s\" or \"250ms\"");
      auto d = ParseDuration(v.s);
      if (!d.ok()) return d.status().message();
      out = *d;
      return {};
    }
    case OptionType::kStringList: {
      std::vector<std::string> list;
      if (v.type == Type::kString) {
        list.push_back(v.s);
      } else if (v.type == Type::kArray) {
        for (const auto& item : v.array) {
          if (item.type != Type::kString)
            return "expected an array of strings, found " + std::string(ConfigValue::TypeName(item.type));
          list.push_back(item.s);
        }
      } else {
        return expected("an array of strings");
      }
      out = std::move(list);
      return {};
    }
    case OptionType::kStringMap: {
      if (v.type != Type::kTable) return expected("a table of strings");
      StringMap map;
      for (const auto& [k, item] : v.table) {
        if (item.type != Type::kString)
          return "expected a table of strings; \"" + k + "\" is " + ConfigValue::TypeName(item.type);
        map[k] = item.s;
      }
      out = std::move(map);
      return {};
    }
  }
  return "unsupported option type";
}

}  // namespace

Status Emitter::EmitEncoded(std::size_t worker, std::unique_ptr<EncodedBatch> batch) {
  Batch samples;
  batch->Decode(worker, samples);
  if (samples.empty()) return Status::Ok();
  return Emit(std::move(samples));
}

Status Emitter::EmitFrame(SeriesId, Timestamp, std::uint32_t, std::uint32_t, std::span<const float>) {
  return Status::FailedPrecondition("this pipeline takes no frames");
}

std::string_view PluginKindName(PluginKind kind) {
  switch (kind) {
    case PluginKind::kSource:
      return "source";
    case PluginKind::kProcessor:
      return "processor";
    case PluginKind::kDetector:
      return "detector";
    case PluginKind::kSink:
      return "sink";
  }
  return "?";
}

std::string_view OptionTypeName(OptionType type) {
  switch (type) {
    case OptionType::kBool:
      return "bool";
    case OptionType::kInt:
      return "int";
    case OptionType::kDouble:
      return "number";
    case OptionType::kString:
      return "string";
    case OptionType::kStringList:
      return "string list";
    case OptionType::kDuration:
      return "duration";
    case OptionType::kStringMap:
      return "table of strings";
  }
  return "?";
}

std::string FormatOptionValue(OptionType type, const OptionValue& value) {
  return std::visit(
      [&](const auto& v) -> std::string {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<V, std::int64_t>) {
          return type == OptionType::kDuration ? "\"" + FormatDurationNs(v) + "\"" : std::to_string(v);
        } else if constexpr (std::is_same_v<V, double>) {
          std::string s = std::to_string(v);
          while (s.size() > 1 && s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
          return s;
        } else if constexpr (std::is_same_v<V, std::string>) {
          return "\"" + v + "\"";
        } else if constexpr (std::is_same_v<V, std::vector<std::string>>) {
          std::string s = "[";
          for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", \"" : "\"") + v[i] + "\"";
          return s + "]";
        } else {
          std::string s = "{";
          bool first = true;
          for (const auto& [k, x] : v) {
            s += (first ? " " : ", ") + k + " = \"" + x + "\"";
            first = false;
          }
          return s + " }";
        }
      },
      value);
}

void PluginRegistry::Register(PluginDescriptor descriptor) {
  if (Find(descriptor.kind, descriptor.name))
    throw std::logic_error("plugin registered twice: " + descriptor.name);
  descriptors_.push_back(std::move(descriptor));
}

const PluginDescriptor* PluginRegistry::Find(PluginKind kind, std::string_view name) const {
  for (const auto& d : descriptors_)
    if (d.kind == kind && d.name == name) return &d;
  return nullptr;
}

std::vector<const PluginDescriptor*> PluginRegistry::All() const {
  std::vector<const PluginDescriptor*> out;
  for (const auto& d : descriptors_) out.push_back(&d);
  std::sort(out.begin(), out.end(),
            [](auto* a, auto* b) { return std::pair(a->kind, a->name) < std::pair(b->kind, b->name); });
  return out;
}

std::vector<std::pair<std::string, Options>> PluginRegistry::ConfiguredDetectors(
    const Config& config, std::string_view type) const {
  std::vector<std::pair<std::string, Options>> out;
  for (const auto& [name, t] : config.templates) {
    for (const PluginSpec& d : t.detectors) {
      if (d.type != type) continue;
      std::vector<ConfigError> errors;
      if (auto o = Validate(PluginKind::kDetector, d, errors)) out.emplace_back(name, std::move(*o));
    }
  }
  return out;
}

std::optional<Options> PluginRegistry::Validate(PluginKind kind, const PluginSpec& spec,
                                                std::vector<ConfigError>& errors) const {
  const PluginDescriptor* d = Find(kind, spec.type);
  if (d == nullptr) {
    std::string known;
    for (const auto* other : All())
      if (other->kind == kind) known += (known.empty() ? "" : ", ") + other->name;
    const ConfigValue* type = spec.options.Find("type");
    errors.push_back({type ? type->where : spec.where, spec.key_path + ".type",
                      "unknown " + std::string(PluginKindName(kind)) + " type \"" + spec.type +
                          "\"; known: " + (known.empty() ? "none" : known)});
    return std::nullopt;
  }
  return ValidateOptions(d->options, spec, std::string(PluginKindName(kind)) + " \"" + d->name + "\"",
                         errors);
}

std::optional<Options> ValidateOptions(const std::vector<OptionSpec>& table, const PluginSpec& spec,
                                       const std::string& what, std::vector<ConfigError>& errors) {
  std::size_t before = errors.size();
  Options options;
  std::set<std::string> given;  // keys the file sets, valid or not (an invalid one is not also "missing")
  for (const auto& entry : spec.options.table) {
    const std::string& key = entry.key;
    const ConfigValue& value = entry.value;
    if (key == "type" || key == "name") continue;
    given.insert(key);
    auto it = std::find_if(table.begin(), table.end(), [&](auto& o) { return o.key == key; });
    if (it == table.end()) {
      std::string known;
      for (const auto& o : table) known += (known.empty() ? "" : ", ") + o.key;
      errors.push_back({value.where, spec.key_path + "." + key,
                        "unknown option of " + what + "; expected one of " + known});
      continue;
    }
    OptionValue converted;
    std::string problem = Convert(*it, value, converted);
    if (problem.empty() && it->check) problem = it->check(converted);
    if (!problem.empty()) {
      errors.push_back({value.where, spec.key_path + "." + key, problem});
      continue;
    }
    options.Put(key, std::move(converted), true);
  }
  for (const auto& o : table) {
    if (options.IsSet(o.key) || given.count(o.key) != 0) continue;
    if (!o.default_value) {
      errors.push_back({spec.where, spec.key_path + "." + o.key,
                        "missing required option (" + std::string(OptionTypeName(o.type)) + "): " + o.doc});
      continue;
    }
    options.Put(o.key, *o.default_value, false);
  }
  if (errors.size() != before) return std::nullopt;
  return options;
}

std::string DescribeOptions(const std::vector<OptionSpec>& table) {
  std::string out;
  for (const auto& o : table) {
    out += "    " + o.key + " (" + std::string(OptionTypeName(o.type)) + ", ";
    out +=
        o.default_value ? "default " + FormatOptionValue(o.type, *o.default_value) : std::string("required");
    out += "): " + o.doc + "\n";
  }
  return out;
}

std::string PluginRegistry::Describe() const {
  std::string out;
  for (const auto* d : All()) {
    out += std::string(PluginKindName(d->kind)) + " " + d->name + ": " + d->doc + "\n";
    out += DescribeOptions(d->options);
  }
  return out;
}

bool SignalListed(const std::vector<std::string>& signals, std::string_view signal) {
  return signals.empty() || SignalNamed(signals, signal);
}

bool SignalNamed(const std::vector<std::string>& signals, std::string_view signal) {
  return std::find(signals.begin(), signals.end(), signal) != signals.end();
}

Status CheckTemplateSignals(const PluginContext& ctx, const std::string& key,
                            const std::vector<std::string>& signals) {
  if (ctx.template_spec == nullptr) return Status::Ok();
  for (const auto& s : signals)
    if (!ctx.template_spec->IsSignalOrDerived(s))
      return Status::InvalidArgument(key + ": \"" + s + "\" is not a signal of template \"" +
                                     ctx.template_spec->name + "\"");
  return Status::Ok();
}

std::string OptionOneOf(const OptionValue& v, std::initializer_list<const char*> choices) {
  const auto& s = std::get<std::string>(v);
  std::string list;
  for (const char* c : choices) {
    if (s == c) return {};
    list += (list.empty() ? "" : ", ") + std::string(c);
  }
  return "expected one of " + list + ", got \"" + s + "\"";
}

std::string OptionNonNegativeDuration(const OptionValue& v) {
  return std::get<std::int64_t>(v) >= 0 ? "" : "expected a duration >= 0";
}

}  // namespace mw::pipeline
