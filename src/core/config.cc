#include "core/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "core/time_format.h"

namespace mw {
namespace {

SourceLocation Where(const toml::source_region& r, const std::string& file) {
  return {file, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}

ConfigValue Convert(const toml::node& node, const std::string& file) {
  ConfigValue v;
  v.where = Where(node.source(), file);
  if (auto* t = node.as_table()) {
    v.type = ConfigValue::Type::kTable;
    for (const auto& [k, child] : *t) v.table.push_back({std::string(k.str()), Convert(child, file)});
  } else if (auto* a = node.as_array()) {
    v.type = ConfigValue::Type::kArray;
    for (const auto& child : *a) v.array.push_back(Convert(child, file));
  } else if (auto* s = node.as_string()) {
    v.type = ConfigValue::Type::kString;
    v.s = s->get();
  } else if (auto* i = node.as_integer()) {
    v.type = ConfigValue::Type::kInt;
    v.i = i->get();
  } else if (auto* d = node.as_floating_point()) {
    v.type = ConfigValue::Type::kDouble;
    v.d = d->get();
  } else if (auto* b = node.as_boolean()) {
    v.type = ConfigValue::Type::kBool;
    v.b = b->get();
  } else {
    // Dates and times: keep their text so that a plugin can parse it or reject it by name.
    v.type = ConfigValue::Type::kString;
    std::ostringstream text;
    if (auto* dt = node.as_date_time()) text << *dt;
    v.s = text.str();
  }
  return v;
}

class Checker {
 public:
  Checker(Config& config, std::vector<ConfigError>& errors) : config_(config), errors_(errors) {}

  void Run(const ConfigValue& root) {
    static const std::set<std::string> kTop = {"server",  "storage", "templates",    "assets",
                                               "sources", "sinks",   "notifications"};
    for (const auto& [key, value] : root.table) {
      if (!kTop.count(key)) {
        Error(value.where, key,
              "unknown section; expected one of server, storage, templates, assets, sources, sinks, "
              "notifications");
      }
    }
    if (auto* server = root.Find("server")) Server(*server);
    if (auto* storage = root.Find("storage")) Storage(*storage);
    if (auto* templates = root.Find("templates")) Templates(*templates);
    if (auto* assets = root.Find("assets")) Assets(*assets);
    if (auto* sources = root.Find("sources")) config_.sources = Plugins(*sources, "sources");
    if (auto* sinks = root.Find("sinks")) config_.sinks = Plugins(*sinks, "sinks");
    if (auto* notify = root.Find("notifications")) config_.notifications = Plugins(*notify, "notifications");
    CheckRetentionNames();
  }

 private:
  SourceLocation default_retention_where_;

  void Error(const SourceLocation& where, std::string key, std::string message) {
    errors_.push_back({where, std::move(key), std::move(message)});
  }

  bool Expect(const ConfigValue& v, ConfigValue::Type type, const std::string& key) {
    if (v.type == type) return true;
    Error(v.where, key,
          std::string("expected ") + ConfigValue::TypeName(type) + ", got " + ConfigValue::TypeName(v.type));
    return false;
  }

  bool IntInRange(const ConfigValue& v, const std::string& key, std::int64_t lo, std::int64_t hi, int& out) {
    if (!Expect(v, ConfigValue::Type::kInt, key)) return false;
    if (v.i < lo || v.i > hi) {
      Error(v.where, key,
            "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got " +
                std::to_string(v.i));
      return false;
    }
    out = static_cast<int>(v.i);
    return true;
  }

  void Server(const ConfigValue& v) {
    if (!Expect(v, ConfigValue::Type::kTable, "server")) return;
    auto& s = config_.server;
    for (const auto& [key, value] : v.table) {
      std::string path = "server." + key;
      if (key == "listen") {
        if (Expect(value, ConfigValue::Type::kString, path)) {
          if (value.s.rfind(':') == std::string::npos)
            Error(value.where, path, "expected host:port, got \"" + value.s + "\"");
          else
            s.listen = value.s;
        }
      } else if (key == "data_dir") {
        if (Expect(value, ConfigValue::Type::kString, path)) s.data_dir = value.s;
      } else if (key == "workers") {
        IntInRange(value, path, 1, 64, s.workers);
      } else if (key == "queue_capacity") {
        IntInRange(value, path, 1, 1 << 20, s.queue_capacity);
      } else if (key == "live_window") {
        IntInRange(value, path, 1, 1 << 20, s.live_window);
      } else {
        Error(value.where, path,
              "unknown key; expected one of listen, data_dir, workers, queue_capacity, live_window");
      }
    }
  }

  bool Duration(const ConfigValue& v, const std::string& key, std::int64_t& out) {
    if (!Expect(v, ConfigValue::Type::kString, key)) return false;
    auto d = ParseDuration(v.s);
    if (!d.ok() || *d < 0) {
      Error(v.where, key, "expected a duration such as \"250ms\", \"30d\" or \"0s\", got \"" + v.s + "\"");
      return false;
    }
    out = *d;
    return true;
  }

  bool OneOf(const ConfigValue& v, const std::string& key, const std::set<std::string>& allowed,
             std::string& out) {
    if (!Expect(v, ConfigValue::Type::kString, key)) return false;
    if (!allowed.count(v.s)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      Error(v.where, key, "expected one of " + list + ", got \"" + v.s + "\"");
      return false;
    }
    out = v.s;
    return true;
  }

  void Storage(const ConfigValue& v) {
    if (!Expect(v, ConfigValue::Type::kTable, "storage")) return;
    auto& s = config_.storage;
    for (const auto& [key, value] : v.table) {
      std::string path = "storage." + key;
      if (key == "kind") {
        OneOf(value, path, {"historian", "memory"}, s.kind);
      } else if (key == "sync") {
        OneOf(value, path, {"sync", "async"}, s.sync);
      } else if (key == "commit_interval") {
        Duration(value, path, s.commit_interval);
      } else if (key == "late_window") {
        Duration(value, path, s.late_window);
      } else if (key == "chunk_samples") {
        IntInRange(value, path, 16, 1 << 20, s.chunk_samples);
      } else if (key == "max_points") {
        IntInRange(value, path, 1, 100'000'000, s.max_points);
      } else if (key == "max_buckets") {
        IntInRange(value, path, 1, 10'000'000, s.max_buckets);
      } else if (key == "default_retention") {
        if (Expect(value, ConfigValue::Type::kString, path)) {
          s.default_retention = value.s;
          default_retention_where_ = value.where;
        }
      } else if (key == "retention") {
        Retention(value, path);
      } else {
        Error(value.where, path,
              "unknown key; expected one of kind, sync, commit_interval, late_window, chunk_samples, "
              "max_points, "
              "max_buckets, default_retention, retention");
      }
    }
  }

  void Retention(const ConfigValue& v, const std::string& path) {
    if (!Expect(v, ConfigValue::Type::kTable, path)) return;
    for (const auto& [name, table] : v.table) {
      std::string cpath = path + "." + name;
      if (!Expect(table, ConfigValue::Type::kTable, cpath)) continue;
      RetentionSpec r;
      r.name = name;
      r.where = table.where;
      for (const auto& [key, value] : table.table) {
        std::string kpath = cpath + "." + key;
        if (key == "raw") {
          Duration(value, kpath, r.raw);
        } else if (key == "rollup_1m") {
          Duration(value, kpath, r.rollup_1m);
        } else if (key == "rollup_1h") {
          Duration(value, kpath, r.rollup_1h);
        } else {
          Error(value.where, kpath, "unknown key; expected one of raw, rollup_1m, rollup_1h");
        }
      }
      config_.storage.retention.push_back(std::move(r));
    }
  }

  // Every retention class a signal or the default names must be declared.
  void CheckRetentionNames() {
    auto known = [&](const std::string& name) {
      return std::any_of(config_.storage.retention.begin(), config_.storage.retention.end(),
                         [&](const RetentionSpec& r) { return r.name == name; });
    };
    const auto& d = config_.storage.default_retention;
    if (!d.empty() && !known(d)) {
      Error(default_retention_where_, "storage.default_retention",
            "unknown retention class \"" + d + "\"; declare it as [storage.retention." + d + "]");
    }
    for (const auto& [tname, t] : config_.templates) {
      for (const auto& sig : t.signals) {
        if (!sig.retention.empty() && !known(sig.retention)) {
          Error(sig.where, "templates." + tname + ".signals." + sig.name + ".retention",
                "unknown retention class \"" + sig.retention + "\"; declare it as [storage.retention." +
                    sig.retention + "]");
        }
      }
    }
  }

  void Signals(const ConfigValue& v, const std::string& path, TemplateSpec& t) {
    if (!Expect(v, ConfigValue::Type::kArray, path)) return;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < v.array.size(); ++i) {
      const auto& item = v.array[i];
      std::string ipath = path + "[" + std::to_string(i) + "]";
      SignalSpec sig;
      sig.where = item.where;
      if (item.type == ConfigValue::Type::kString) {
        sig.name = item.s;
      } else if (Expect(item, ConfigValue::Type::kTable, ipath)) {
        for (const auto& [key, value] : item.table) {
          std::string kpath = ipath + "." + key;
          if (key == "name") {
            if (Expect(value, ConfigValue::Type::kString, kpath)) sig.name = value.s;
          } else if (key == "unit") {
            if (Expect(value, ConfigValue::Type::kString, kpath)) sig.unit = value.s;
          } else if (key == "resolution") {
            bool is_number =
                value.type == ConfigValue::Type::kInt || value.type == ConfigValue::Type::kDouble;
            sig.resolution = value.type == ConfigValue::Type::kInt ? double(value.i) : value.d;
            if (!is_number || !(sig.resolution > 0)) {
              Error(value.where, kpath, "expected a positive number (the signal's resolution, e.g. 0.01)");
              sig.resolution = 0;
            }
          } else if (key == "retention") {
            if (Expect(value, ConfigValue::Type::kString, kpath)) sig.retention = value.s;
          } else {
            Error(value.where, kpath, "unknown key; expected one of name, unit, resolution, retention");
          }
        }
      } else {
        continue;
      }
      if (sig.name.empty() || sig.name.find('/') != std::string::npos) {
        Error(item.where, ipath + ".name", "expected a non-empty signal name without '/'");
        continue;
      }
      if (!seen.insert(sig.name).second) {
        Error(item.where, ipath + ".name", "signal \"" + sig.name + "\" declared twice");
        continue;
      }
      t.signals.push_back(std::move(sig));
    }
  }

  void Templates(const ConfigValue& v) {
    if (!Expect(v, ConfigValue::Type::kTable, "templates")) return;
    for (const auto& [name, body] : v.table) {
      std::string path = "templates." + name;
      if (!Expect(body, ConfigValue::Type::kTable, path)) continue;
      TemplateSpec t;
      t.name = name;
      t.where = body.where;
      for (const auto& [key, value] : body.table) {
        std::string kpath = path + "." + key;
        if (key == "signals")
          Signals(value, kpath, t);
        else if (key == "processors")
          t.processors = Plugins(value, kpath);
        else if (key == "detectors")
          t.detectors = Plugins(value, kpath);
        else if (key == "alarms")
          t.alarms = Rules(value, kpath);
        else
          Error(value.where, kpath, "unknown key; expected one of signals, processors, detectors, alarms");
      }
      config_.templates.emplace(name, std::move(t));
    }
  }

  void Assets(const ConfigValue& v) {
    if (!Expect(v, ConfigValue::Type::kArray, "assets")) return;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < v.array.size(); ++i) {
      const auto& item = v.array[i];
      std::string path = "assets[" + std::to_string(i) + "]";
      if (!Expect(item, ConfigValue::Type::kTable, path)) continue;
      AssetSpec a;
      a.where = item.where;
      bool ok = true;
      for (const auto& [key, value] : item.table) {
        std::string kpath = path + "." + key;
        if (key == "path") {
          if (!Expect(value, ConfigValue::Type::kString, kpath))
            ok = false;
          else if (!IsValidAssetPath(value.s)) {
            Error(
                value.where, kpath,
                "expected segments of letters, digits, '_', '.', '-' joined by '/', got \"" + value.s + "\"");
            ok = false;
          } else
            a.path = value.s;
        } else if (key == "template") {
          if (!Expect(value, ConfigValue::Type::kString, kpath))
            ok = false;
          else if (!config_.templates.count(value.s)) {
            Error(value.where, kpath, "unknown template \"" + value.s + "\"");
            ok = false;
          } else
            a.template_name = value.s;
        } else if (key == "alarms") {
          a.alarms = RuleOverrides(value, kpath);
        } else {
          Error(value.where, kpath, "unknown key; expected one of path, template, alarms");
        }
      }
      if (ok) CheckRuleOverrides(a);
      if (ok && a.path.empty()) {
        Error(item.where, path + ".path", "missing; every asset needs a path");
        ok = false;
      }
      if (ok && !seen.insert(a.path).second) {
        Error(item.where, path + ".path", "asset \"" + a.path + "\" declared twice");
        ok = false;
      }
      if (ok) config_.assets.push_back(std::move(a));
    }
  }

  std::vector<PluginSpec> Plugins(const ConfigValue& v, const std::string& path) {
    std::vector<PluginSpec> out;
    if (!Expect(v, ConfigValue::Type::kArray, path)) return out;
    for (std::size_t i = 0; i < v.array.size(); ++i) {
      const auto& item = v.array[i];
      std::string ipath = path + "[" + std::to_string(i) + "]";
      if (!Expect(item, ConfigValue::Type::kTable, ipath)) continue;
      PluginSpec p;
      p.key_path = ipath;
      p.where = item.where;
      p.options = item;
      const ConfigValue* type = item.Find("type");
      if (type == nullptr) {
        Error(item.where, ipath + ".type", "missing; every plugin needs a type (see `millwright plugins`)");
        continue;
      }
      if (!Expect(*type, ConfigValue::Type::kString, ipath + ".type")) continue;
      p.type = type->s;
      p.name = p.type + "-" + std::to_string(i);
      if (const ConfigValue* name = item.Find("name")) {
        if (Expect(*name, ConfigValue::Type::kString, ipath + ".name")) p.name = name->s;
      }
      out.push_back(std::move(p));
    }
    return out;
  }

  // `alarms = { vibration_high = { when = "..." } }` of an asset: one spec per rule.
  std::vector<PluginSpec> RuleOverrides(const ConfigValue& v, const std::string& path) {
    std::vector<PluginSpec> out;
    if (!Expect(v, ConfigValue::Type::kTable, path)) return out;
    for (const auto& [rule, value] : v.table) {
      const std::string rpath = path + "." + rule;
      if (!Expect(value, ConfigValue::Type::kTable, rpath)) continue;
      if (value.Find("name") != nullptr)
        Error(value.Find("name")->where, rpath + ".name", "the table's key names the rule");
      out.push_back({"alarm", rule, rpath, value, value.where});
    }
    return out;
  }

  // Each rule an asset changes must be one of its template's.
  void CheckRuleOverrides(const AssetSpec& a) {
    const auto t = config_.templates.find(a.template_name);
    if (t == config_.templates.end()) return;
    for (const PluginSpec& o : a.alarms) {
      const bool known = std::any_of(t->second.alarms.begin(), t->second.alarms.end(),
                                     [&](const PluginSpec& r) { return r.name == o.name; });
      if (!known)
        Error(o.where, o.key_path,
              "template \"" + a.template_name + "\" has no alarm rule \"" + o.name + "\"");
    }
  }

  // Alarm rules: tables like plugins, without a type, each with a name unique in its template.
  std::vector<PluginSpec> Rules(const ConfigValue& v, const std::string& path) {
    std::vector<PluginSpec> out;
    if (!Expect(v, ConfigValue::Type::kArray, path)) return out;
    for (std::size_t i = 0; i < v.array.size(); ++i) {
      const auto& item = v.array[i];
      const std::string ipath = path + "[" + std::to_string(i) + "]";
      if (!Expect(item, ConfigValue::Type::kTable, ipath)) continue;
      const ConfigValue* name = item.Find("name");
      if (name == nullptr) {
        Error(item.where, ipath + ".name", "missing; every alarm rule needs a name");
        continue;
      }
      if (!Expect(*name, ConfigValue::Type::kString, ipath + ".name")) continue;
      const bool taken =
          std::any_of(out.begin(), out.end(), [&](const PluginSpec& r) { return r.name == name->s; });
      if (taken) {
        Error(name->where, ipath + ".name", "alarm rule \"" + name->s + "\" appears twice in this template");
        continue;
      }
      out.push_back({"alarm", name->s, ipath, item, item.where});
    }
    return out;
  }

  Config& config_;
  std::vector<ConfigError>& errors_;
};

}  // namespace

std::string SourceLocation::ToString() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string ConfigError::ToString() const {
  std::string out = where.ToString() + ": ";
  if (!key.empty()) out += key + ": ";
  return out + message;
}

const ConfigValue* ConfigValue::Find(const std::string& key) const {
  for (const auto& entry : table)
    if (entry.key == key) return &entry.value;
  return nullptr;
}

const char* ConfigValue::TypeName(Type t) {
  switch (t) {
    case Type::kNone:
      return "nothing";
    case Type::kBool:
      return "a boolean";
    case Type::kInt:
      return "an integer";
    case Type::kDouble:
      return "a number";
    case Type::kString:
      return "a string";
    case Type::kArray:
      return "an array";
    case Type::kTable:
      return "a table";
  }
  return "?";
}

bool TemplateSpec::IsSignalOrDerived(std::string_view series) const {
  if (FindSignal(std::string(series)) != nullptr) return true;
  // Signal names may hold dots themselves, so every prefix ending before a dot is tried.
  for (auto dot = series.find('.'); dot != std::string_view::npos; dot = series.find('.', dot + 1)) {
    if (dot + 1 < series.size() && FindSignal(std::string(series.substr(0, dot))) != nullptr) return true;
  }
  return false;
}

const SignalSpec* TemplateSpec::FindSignal(const std::string& signal) const {
  for (const auto& s : signals)
    if (s.name == signal) return &s;
  return nullptr;
}

bool IsValidAssetPath(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.back() == '/') return false;
  char prev = '/';
  for (char c : path) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '.' || c == '-' || c == '/';
    if (!ok || (c == '/' && prev == '/')) return false;
    prev = c;
  }
  return true;
}

ConfigLoad ParseConfig(std::string_view text, const std::string& file) {
  ConfigLoad load;
  load.config.file = file;
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    load.errors.push_back({Where(e.source(), file), "", std::string(e.description())});
    return load;
  }
  ConfigValue tree = Convert(root, file);
  Checker(load.config, load.errors).Run(tree);
  return load;
}

ConfigLoad LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ConfigLoad load;
    load.errors.push_back({{path, 0, 0}, "", "cannot open file"});
    return load;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return ParseConfig(buf.str(), path);
}

}  // namespace mw
