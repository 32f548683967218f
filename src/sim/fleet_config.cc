#include "sim/fleet_config.h"

#include <toml++/toml.h>
#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <utility>

#include <fmt/format.h>

#include "core/time_format.h"
#include "sim/random.h"

namespace mw::sim {
namespace {

constexpr int kMaxMachinesPerGroup = 10000;
constexpr int kMaxReadingsPerMessage = 10000;

// Indexed by the enums' values.
constexpr std::array<std::string_view, 4> kTwinTypes{"rotating", "pump", "printer", "plc_line"};
constexpr std::array<std::string_view, 4> kProtocols{"mqtt", "sparkplug", "modbus", "opcua"};
constexpr std::array<std::string_view, 3> kLifeModes{"nominal", "accelerated", "stress"};

const char* Describe(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date or time";
  }
}

bool IsSegmentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-';
}

// Line and machine names become topic levels and asset path segments, so they must be valid in
// both: no '/', no MQTT wildcards, nothing a path would need escaping for.
bool IsValidSegment(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!IsSegmentChar(c)) return false;
  return true;
}

class FleetChecker {
 public:
  FleetChecker(std::string file, std::vector<ConfigError>& errors)
      : file_(std::move(file)), errors_(errors) {}

  void Run(const toml::table& root, FleetConfig& out) {
    out.file = file_;
    // The fleet seed first: groups and chaos without a seed of their own derive theirs from it.
    if (const toml::node* seed = root.get("seed")) fleet_seed_ = Seed(*seed, "seed");
    if (fleet_seed_) out.chaos.seed = DeriveSeed(*fleet_seed_, 0);
    for (const auto& [key, node] : root) {
      std::string name(key.str());
      if (name == "seed") continue;
      if (name == "time_acceleration")
        TimeAcceleration(node, out.time_acceleration);
      else if (name == "mqtt")
        Mqtt(node, out.mqtt);
      else if (name == "sparkplug")
        Sparkplug(node, out.sparkplug);
      else if (name == "modbus")
        Listen(node, name, out.modbus.host, out.modbus.port);
      else if (name == "opcua")
        Listen(node, name, out.opcua.host, out.opcua.port);
      else if (name == "chaos")
        Chaos(node, out);
      else if (name == "machines")
        Machines(node, out.machines);
      else
        Error(node, name,
              node.is_table() || node.is_array()
                  ? "unknown section; expected mqtt, sparkplug, modbus, opcua, chaos or machines"
                  : "unknown key; expected seed or time_acceleration");
    }
    if (!root.contains("machines")) {
      errors_.push_back({{file_, 1, 1}, "machines", "missing; declare at least one [[machines]] table"});
    }
    CheckTopicsUnique(out.machines);
  }

 private:
  SourceLocation Where(const toml::node& node) const {
    const auto& begin = node.source().begin;
    return {file_, static_cast<int>(begin.line), static_cast<int>(begin.column)};
  }

  void Error(const toml::node& node, std::string key, std::string message) {
    errors_.push_back({Where(node), std::move(key), std::move(message)});
  }

  void WrongType(const toml::node& node, const std::string& key, const char* expected) {
    Error(node, key, std::string("expected ") + expected + ", got " + Describe(node));
  }

  std::optional<std::uint64_t> Seed(const toml::node& node, const std::string& key) {
    auto* seed = node.as_integer();
    if (seed != nullptr && seed->get() >= 0) return static_cast<std::uint64_t>(seed->get());
    Error(node, key, "expected a non-negative integer");
    return std::nullopt;
  }

  void TimeAcceleration(const toml::node& node, double& out) {
    double factor = 0;
    if (!Number(node, factor) || !(factor > 0) || factor > kMaxTimeAcceleration)
      Error(
          node, "time_acceleration",
          fmt::format("expected simulated seconds per second, above 0 and at most {}", kMaxTimeAcceleration));
    else
      out = factor;
  }

  bool String(const toml::node& node, const std::string& key, std::string& out) {
    if (auto* s = node.as_string()) {
      out = s->get();
      return true;
    }
    WrongType(node, key, "a string");
    return false;
  }

  bool Int(const toml::node& node, const std::string& key, std::int64_t lo, std::int64_t hi, int& out) {
    auto* i = node.as_integer();
    if (i == nullptr) {
      WrongType(node, key, "an integer");
      return false;
    }
    if (i->get() < lo || i->get() > hi) {
      Error(node, key,
            "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got " +
                std::to_string(i->get()));
      return false;
    }
    out = static_cast<int>(i->get());
    return true;
  }

  bool Number(const toml::node& node, double& out) {
    if (auto* d = node.as_floating_point())
      out = d->get();
    else if (auto* i = node.as_integer())
      out = static_cast<double>(i->get());
    else
      return false;
    return true;
  }

  void Segment(const toml::node& node, const std::string& key, std::string& out) {
    std::string value;
    if (!String(node, key, value)) return;
    if (!IsValidSegment(value)) {
      Error(node, key,
            "expected letters, digits, '_', '.' or '-' (it becomes a topic level), got \"" + value + "\"");
      return;
    }
    out = value;
  }

  void RangeValue(const toml::node& node, const std::string& key, double lowest, Range& out) {
    auto* array = node.as_array();
    Range r;
    if (array == nullptr || array->size() != 2 || !Number(*array->get(0), r.min) ||
        !Number(*array->get(1), r.max)) {
      Error(node, key, "expected [min, max], two numbers");
      return;
    }
    if (!(r.min < r.max)) {
      Error(node, key,
            "expected min < max, got [" + std::to_string(r.min) + ", " + std::to_string(r.max) + "]");
      return;
    }
    if (r.min < lowest) {
      Error(node, key, "expected values of at least " + std::to_string(lowest));
      return;
    }
    out = r;
  }

  void Mqtt(const toml::node& node, MqttSettings& out) {
    auto* table = node.as_table();
    if (table == nullptr) return WrongType(node, "mqtt", "a table");
    for (const auto& [k, value] : *table) {
      std::string name(k.str());
      std::string key = "mqtt." + name;
      if (name == "host") {
        Host(value, key, out.host);
      } else if (name == "port") {
        Int(value, key, 1, 65535, out.port);
      } else if (name == "qos") {
        Int(value, key, 0, 1, out.qos);
      } else if (name == "client_id") {
        std::string id;
        if (!String(value, key, id)) continue;
        if (id.empty())
          Error(value, key, "expected a non-empty client id");
        else
          out.client_id = id;
      } else {
        Error(value, key, "unknown key; expected one of host, port, qos, client_id");
      }
    }
  }

  void Sparkplug(const toml::node& node, SparkplugSettings& out) {
    auto* table = node.as_table();
    if (table == nullptr) return WrongType(node, "sparkplug", "a table");
    for (const auto& [k, value] : *table) {
      std::string name(k.str());
      if (name == "group_id")
        Segment(value, "sparkplug." + name, out.group_id);
      else
        Error(value, "sparkplug." + name, "unknown key; expected group_id");
    }
  }

  void Chaos(const toml::node& node, FleetConfig& out) {
    auto* table = node.as_table();
    if (table == nullptr) return WrongType(node, "chaos", "a table");
    for (const auto& [k, value] : *table) {
      std::string name(k.str());
      std::string key = "chaos." + name;
      if (name == "seed") {
        if (auto seed = Seed(value, key)) out.chaos.seed = *seed;
      } else if (name == "ground_truth") {
        String(value, key, out.chaos_ground_truth);
      } else if (name == "schedule") {
        Schedule(value, out.chaos.schedule);
      } else if (std::optional<ChaosKind> kind = ParseChaosKind(name)) {
        double rate = 0;
        if (!Number(value, rate) || rate < 0)
          Error(value, key, "expected a rate in events per hour, 0 or more");
        else
          out.chaos.rate(*kind) = rate;
      } else {
        Error(value, key,
              "unknown key; expected seed, ground_truth, schedule or a fault kind (vibration_glitch, "
              "heat_wave, "
              "stuck_sensor, dropout, noise_burst, clock_skew, network_outage)");
      }
    }
  }

  void Schedule(const toml::node& node, std::vector<ScheduledFault>& out) {
    auto* array = node.as_array();
    if (array == nullptr) return WrongType(node, "chaos.schedule", "an array of tables ([[chaos.schedule]])");
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& item = *array->get(i);
      const std::string path = "chaos.schedule[" + std::to_string(i) + "]";
      auto* table = item.as_table();
      if (table == nullptr) {
        WrongType(item, path, "a table");
        continue;
      }
      ScheduledFault f;
      if (!table->contains("kind")) Error(item, path + ".kind", "missing; name the fault kind");
      if (!table->contains("duration")) Error(item, path + ".duration", "missing; e.g. \"30s\"");
      for (const auto& [k, value] : *table) {
        std::string name(k.str());
        std::string key = path + "." + name;
        std::string text;
        if (name == "kind") {
          if (!String(value, key, text)) continue;
          if (std::optional<ChaosKind> kind = ParseChaosKind(text))
            f.kind = *kind;
          else
            Error(value, key, "unknown fault kind \"" + text + "\"");
        } else if (name == "asset") {
          String(value, key, f.asset);
        } else if (name == "signal") {
          String(value, key, f.signal);
        } else if (name == "start" || name == "duration") {
          if (!String(value, key, text)) continue;
          auto ns = ParseDuration(text);
          if (!ns.ok() || *ns < 0 || (name == "duration" && *ns == 0))
            Error(value, key, "expected a positive duration such as \"30s\", got \"" + text + "\"");
          else
            (name == "start" ? f.start_ns : f.duration_ns) = *ns;
        } else if (name == "magnitude") {
          if (!Number(value, f.magnitude)) Error(value, key, "expected a number");
        } else {
          Error(value, key, "unknown key; expected kind, asset, signal, start, duration, magnitude");
        }
      }
      out.push_back(std::move(f));
    }
  }

  // [modbus] and [opcua]: where a server of the simulator listens.
  void Listen(const toml::node& node, const std::string& section, std::string& host, int& port) {
    auto* table = node.as_table();
    if (table == nullptr) return WrongType(node, section, "a table");
    for (const auto& [k, value] : *table) {
      std::string name(k.str());
      std::string key = section + "." + name;
      if (name == "host")
        Host(value, key, host);
      else if (name == "port")
        Int(value, key, 0, 65535, port);
      else
        Error(value, key, "unknown key; expected host or port (0: any free port)");
    }
  }

  void Host(const toml::node& value, const std::string& key, std::string& out) {
    std::string host;
    if (!String(value, key, host)) return;
    if (host.empty())
      Error(value, key, "expected a host name or address, got \"\"");
    else
      out = host;
  }

  void Machines(const toml::node& node, std::vector<MachineGroup>& out) {
    auto* array = node.as_array();
    if (array == nullptr) return WrongType(node, "machines", "an array of tables ([[machines]])");
    if (array->empty()) Error(node, "machines", "expected at least one [[machines]] table");
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& item = *array->get(i);
      std::string path = "machines[" + std::to_string(i) + "]";
      auto* table = item.as_table();
      if (table == nullptr) {
        WrongType(item, path, "a table");
        continue;
      }
      std::size_t errors_before = errors_.size();
      MachineGroup group = Group(*table, path, i);
      group.where = Where(item);
      CheckGroupKeys(*table, path, group);
      if (errors_.size() == errors_before) out.push_back(std::move(group));
    }
  }

  MachineGroup Group(const toml::table& table, const std::string& path, std::size_t index) {
    MachineGroup g;
    if (fleet_seed_) g.model.seed = DeriveSeed(*fleet_seed_, index + 1);
    for (const auto& [k, value] : table) {
      std::string name(k.str());
      std::string key = path + "." + name;
      if (name == "type") {
        Choice(value, key, kTwinTypes, g.type);
      } else if (name == "protocol") {
        Choice(value, key, kProtocols, g.protocol);
      } else if (name == "mode") {
        Choice(value, key, kLifeModes, g.mode);
      } else if (name == "iso_class") {
        Int(value, key, 1, 4, g.iso_class);
      } else if (name == "count") {
        Int(value, key, 1, kMaxMachinesPerGroup, g.count);
      } else if (name == "line") {
        Segment(value, key, g.line);
      } else if (name == "name") {
        Segment(value, key, g.name);
      } else if (name == "interval") {
        Interval(value, key, g.model.interval_ns);
      } else if (name == "readings_per_message") {
        Int(value, key, 1, kMaxReadingsPerMessage, g.readings_per_message);
      } else if (name == "temperature") {
        RangeValue(value, key, -273.15, g.model.temperature);
      } else if (name == "vibration") {
        RangeValue(value, key, 0, g.model.vibration);
      } else if (name == "rpm") {
        RangeValue(value, key, 0, g.model.rpm);
      } else if (name == "anomaly_rate") {
        double rate = 0;
        if (!Number(value, rate) || rate < 0 || rate > 1)
          Error(value, key, "expected a number from 0 to 1");
        else
          g.model.anomaly_rate = rate;
      } else if (name == "seed") {
        if (auto seed = Seed(value, key)) g.model.seed = *seed;
      } else if (name == "publish_truth") {
        if (auto flag = value.as_boolean())
          g.publish_truth = flag->get();
        else
          Error(value, key, "expected true or false");
      } else {
        Error(
            value, key,
            "unknown key; expected one of type, protocol, count, line, name, interval, readings_per_message, "
            "mode, iso_class, temperature, vibration, rpm, anomaly_rate, seed, publish_truth");
      }
    }
    return g;
  }

  // A string that must be one of `names`; `out` gets its index as the enum.
  template <typename Enum, std::size_t N>
  void Choice(const toml::node& node, const std::string& key, const std::array<std::string_view, N>& names,
              Enum& out) {
    std::string text;
    if (!String(node, key, text)) return;
    for (std::size_t i = 0; i < N; ++i) {
      if (names[i] == text) {
        out = static_cast<Enum>(i);
        return;
      }
    }
    std::string expected;
    for (auto n : names) expected += (expected.empty() ? "" : ", ") + std::string(n);
    Error(node, key, "unknown value \"" + text + "\"; expected one of " + expected);
  }

  // Keys that only make sense for some twins or protocols: an error rather than silently ignored.
  void CheckGroupKeys(const toml::table& table, const std::string& path, const MachineGroup& g) {
    const bool rotating = g.type == TwinType::kRotating;
    for (const char* key : {"temperature", "vibration", "rpm", "anomaly_rate"}) {
      if (!rotating && table.contains(key))
        Error(*table.get(key), path + "." + key, "applies to type \"rotating\" only");
    }
    for (const char* key : {"mode", "publish_truth"}) {
      if (rotating && table.contains(key))
        Error(*table.get(key), path + "." + key, "applies to types pump, printer and plc_line only");
    }
    if (g.type != TwinType::kPump && table.contains("iso_class"))
      Error(*table.get("iso_class"), path + ".iso_class", "applies to type \"pump\" only");
    if (g.protocol != Protocol::kMqtt && g.readings_per_message != 1)
      Error(*table.get("readings_per_message"), path + ".readings_per_message",
            "applies to protocol \"mqtt\" only");
  }

  void Interval(const toml::node& node, const std::string& key, std::int64_t& out) {
    std::string text;
    if (!String(node, key, text)) return;
    auto ns = ParseDuration(text);
    if (!ns.ok()) return Error(node, key, ns.status().message());
    // Timestamps are published in milliseconds: a shorter interval would repeat them.
    if (*ns < kNanosPerMilli) return Error(node, key, "expected at least 1ms, got \"" + text + "\"");
    out = *ns;
  }

  void CheckTopicsUnique(const std::vector<MachineGroup>& groups) {
    std::map<std::pair<std::string, std::string>, const MachineGroup*> seen;
    for (const auto& g : groups) {
      auto [it, inserted] = seen.emplace(std::make_pair(g.line, g.name), &g);
      if (!inserted) {
        errors_.push_back({g.where, "machines",
                           "line \"" + g.line + "\" and name \"" + g.name + "\" are already used at " +
                               it->second->where.ToString() + "; the topics would collide"});
      }
    }
  }

  std::string file_;
  std::vector<ConfigError>& errors_;
  std::optional<std::uint64_t> fleet_seed_;
};

Status JoinErrors(const std::vector<ConfigError>& errors) {
  std::string text;
  for (const auto& e : errors) {
    if (!text.empty()) text += '\n';
    text += e.ToString();
  }
  return Status::InvalidArgument(std::move(text));
}

}  // namespace

Result<FleetConfig> ParseFleetConfig(std::string_view text, const std::string& file) {
  std::vector<ConfigError> errors;
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    errors.push_back({{file, static_cast<int>(begin.line), static_cast<int>(begin.column)},
                      "",
                      std::string(e.description())});
    return JoinErrors(errors);
  }
  FleetConfig config;
  FleetChecker(file, errors).Run(root, config);
  if (!errors.empty()) return JoinErrors(errors);
  return config;
}

Result<FleetConfig> LoadFleetConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ":0:0: cannot open file");
  std::stringstream buf;
  buf << in.rdbuf();
  return ParseFleetConfig(buf.str(), path);
}

FleetConfig DefaultFleet(std::string host, int port) {
  FleetConfig config;
  config.mqtt.host = std::move(host);
  config.mqtt.port = port;
  config.opcua.port = 0;
  config.modbus.port = 0;
  for (int line = 1; line <= 2; ++line) {
    MachineGroup g;
    g.count = 5;
    g.line = "line" + std::to_string(line);
    g.name = "machine";
    g.model.interval_ns = kNanosPerSecond;
    g.model.anomaly_rate = 0.001;
    g.model.seed = static_cast<std::uint64_t>(line);
    config.machines.push_back(std::move(g));
  }
  // One group per other protocol, aging fast enough to watch a unit degrade during a demo.
  auto add = [&](TwinType type, Protocol protocol, const char* line, const char* name, int count,
                 std::int64_t interval_ns, std::uint64_t seed) {
    MachineGroup g;
    g.type = type;
    g.protocol = protocol;
    g.mode = LifeMode::kAccelerated;
    g.line = line;
    g.name = name;
    g.count = count;
    g.model.interval_ns = interval_ns;
    g.model.seed = seed;
    config.machines.push_back(std::move(g));
  };
  add(TwinType::kPump, Protocol::kSparkplug, "pumps", "pump", 4, kNanosPerSecond, 3);
  add(TwinType::kPump, Protocol::kModbus, "utilities", "pump", 3, kNanosPerSecond, 4);
  add(TwinType::kPlcLine, Protocol::kOpcua, "assembly", "line", 1, 50 * kNanosPerMilli, 5);
  add(TwinType::kPrinter, Protocol::kOpcua, "additive", "printer", 1, kNanosPerSecond, 6);
  return config;
}

std::string MachineName(const MachineGroup& group, int index) {
  std::string number = std::to_string(index + 1);
  std::size_t width = std::max<std::size_t>(2, std::to_string(group.count).size());
  if (number.size() < width) number.insert(0, width - number.size(), '0');
  return group.name + "-" + number;
}

std::string MachinePath(const MachineGroup& group, int index) {
  return "plant/" + group.line + "/" + MachineName(group, index);
}

std::string MachineTopic(const MachineGroup& group, int index) {
  return MachinePath(group, index) + "/telemetry";
}

std::string_view TwinTypeName(TwinType type) { return kTwinTypes[static_cast<std::size_t>(type)]; }
std::string_view ProtocolName(Protocol protocol) { return kProtocols[static_cast<std::size_t>(protocol)]; }
std::string_view LifeModeName(LifeMode mode) { return kLifeModes[static_cast<std::size_t>(mode)]; }

double MeanLifeSeconds(LifeMode mode) {
  switch (mode) {
    case LifeMode::kAccelerated:
      return 20 * 60;
    case LifeMode::kStress:
      return 150;
    case LifeMode::kNominal:
      break;
  }
  return 27 * 3600;
}

bool FleetConfig::Uses(Protocol protocol) const {
  return std::any_of(machines.begin(), machines.end(),
                     [&](const MachineGroup& g) { return g.protocol == protocol; });
}

RotatingMachineSpec MachineSpec(const MachineGroup& group, int index) {
  RotatingMachineSpec spec = group.model;
  // Mix the index into the seed so that neighbouring machines do not move in step.
  spec.seed = group.model.seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(index) + 1;
  return spec;
}

}  // namespace mw::sim
