// Configuration: a TOML file describing server settings, asset templates, assets, sources and
// sinks.
//
// LoadConfig() never stops at the first problem: it returns every error it finds, each naming
// file:line:column, the key path and what was expected. Plugin option tables are kept as generic
// ConfigValue trees; the pipeline validates them against each plugin's option table.
// Exceptions are not used; the result is plain data, safe to copy and read from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/types.h"

namespace mw {

struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
  std::string ToString() const;  // "file:line:column"
};

struct ConfigError {
  SourceLocation where;
  std::string key;  // dotted key path, e.g. "sources[0].port"
  std::string message;
  std::string ToString() const;  // "file:12:3: sources[0].port: expected ..."
};

struct ConfigEntry;

// A TOML value with the place it came from.
struct ConfigValue {
  enum class Type { kNone, kBool, kInt, kDouble, kString, kArray, kTable };
  Type type = Type::kNone;
  bool b = false;
  std::int64_t i = 0;
  double d = 0;
  std::string s;
  std::vector<ConfigValue> array;
  std::vector<ConfigEntry> table;  // in file order
  SourceLocation where;

  const ConfigValue* Find(const std::string& key) const;
  static const char* TypeName(Type t);
};

struct ConfigEntry {
  std::string key;
  ConfigValue value;
};

struct SignalSpec {
  std::string name;
  std::string unit;
  double resolution = 0;  // 0: not declared
  SourceLocation where;
  std::string retention = {};  // retention class; empty: the storage default
};

// A processor, detector, source or sink as declared in the file.
struct PluginSpec {
  std::string type;      // the plugin name in the registry, e.g. "mqtt", "zscore"
  std::string name;      // instance name; defaults to "<type>-<index>"
  std::string key_path;  // e.g. "sources[0]" or "templates.rotating.detectors[1]"
  ConfigValue options;   // the whole table, "type" and "name" included
  SourceLocation where;
};

struct TemplateSpec {
  std::string name;
  std::vector<SignalSpec> signals;
  std::vector<PluginSpec> processors;
  std::vector<PluginSpec> detectors;
  std::vector<PluginSpec> alarms;  // alarm rules: type "alarm", name required (alarms/rule.h)
  SourceLocation where;
  const SignalSpec* FindSignal(const std::string& signal) const;
  // True if `series` is one of the signals, or a series derived from one, "<signal>.<suffix>" (a
  // feature or a score that a processor or detector of the template writes): what a stage's
  // `signals` option may name.
  bool IsSignalOrDerived(std::string_view series) const;
};

struct AssetSpec {
  std::string path;
  std::string template_name;
  SourceLocation where;
  // `alarms = { <rule> = { key = value, ... } }`: this asset's changes to its template's alarm rules
  // (alarms/rule.h), one spec per rule named, with only the keys the asset sets.
  std::vector<PluginSpec> alarms;
};

struct ServerSpec {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "data";
  int workers = 2;
  int queue_capacity = 1024;  // batches per worker queue
  int live_window = 1024;     // recent samples kept in memory per series
};

// How long a class of series keeps raw data and its 1-minute and 1-hour rollups (ns; 0 = forever).
struct RetentionSpec {
  std::string name;
  std::int64_t raw = 0;
  std::int64_t rollup_1m = 0;
  std::int64_t rollup_1h = 0;
  SourceLocation where;
};

// [storage]: where samples are kept. "historian" (default): durable and compressed, in
// server.data_dir; "memory": recent values only (tests, benchmarks of ingest alone).
struct StorageSpec {
  std::string kind = "historian";
  std::string sync = "sync";                 // "sync" or "async" (see storage/historian)
  std::int64_t commit_interval = 1'000'000;  // ns
  int chunk_samples = 7200;
  std::int64_t late_window = 3600LL * 1'000'000'000;  // ns
  int max_points = 1'000'000;
  int max_buckets = 100'000;
  std::string default_retention;  // class for signals that name none; empty: keep everything
  std::vector<RetentionSpec> retention;
};

struct Config {
  std::string file;
  ServerSpec server;
  StorageSpec storage;
  std::map<std::string, TemplateSpec> templates;
  std::vector<AssetSpec> assets;
  std::vector<PluginSpec> sources;
  std::vector<PluginSpec> sinks;
  // Where alarm changes and anomalies are announced (alarms/notify.h): type "mqtt" or "webhook".
  std::vector<PluginSpec> notifications;
};

struct ConfigLoad {
  Config config;
  std::vector<ConfigError> errors;
  bool ok() const { return errors.empty(); }
};

// Reads and checks a file. `display_name` (default: the path) is what errors call the file.
ConfigLoad LoadConfigFile(const std::string& path);
// Parses TOML text; `file` names it in errors.
ConfigLoad ParseConfig(std::string_view text, const std::string& file);

// True if `path` is a valid asset path: segments of [A-Za-z0-9_.-] separated by '/'.
bool IsValidAssetPath(std::string_view path);

}  // namespace mw
