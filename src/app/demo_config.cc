#include "app/demo_config.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "sim/twin.h"

namespace mw::app {
namespace {

using sim::Protocol;

// A TOML basic string: the text quoted, with quotes and backslashes escaped.
std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string Template(const sim::Twin& twin) {
  std::string out = fmt::format("\n[templates.{}]\nsignals = [\n", twin.type());
  std::string watched;
  for (const sim::SignalDef& s : twin.signals()) {
    out += fmt::format("  {{ name = {}, unit = {} }},\n", Quoted(s.name), Quoted(s.unit));
    if (s.kind != sim::SignalClass::kOther) watched += (watched.empty() ? "" : ", ") + Quoted(s.name);
  }
  out += "]\n";
  if (!watched.empty()) {
    out += fmt::format(
        "\n[[templates.{}.detectors]]\ntype = \"zscore\"\nsignals = [{}]\nwindow = 120\nwarmup = 30\n"
        "threshold = 4.0\n",
        twin.type(), watched);
  }
  return out;
}

// "plant/line1/pump-01" under another root: "plant1/line1/pump-01".
std::string AssetPath(const std::string& sim_path, const std::string& root) {
  return root + sim_path.substr(sim_path.find('/'));
}

std::string OpcuaSource(const sim::Fleet& fleet, const std::string& path, const sim::Twin& twin,
                        std::int64_t interval_ns, const std::string& root) {
  // The sim's server adds its namespace first: ns=2. One node per scalar and per `<part>.` group.
  std::set<std::string> nodes;
  for (const sim::SignalDef& s : twin.signals()) nodes.insert(s.name.substr(0, s.name.find('.')));
  if (std::optional<sim::FrameView> frame = twin.frame()) nodes.insert(std::string(frame->name));
  std::string out = fmt::format(
      "\n[[sources]]\ntype = \"opcua\"\nname = {}\nendpoint = \"opc.tcp://127.0.0.1:{}\"\nasset = {}\n"
      "interval = \"{}ms\"\n[sources.nodes]\n",
      Quoted("opcua-" + path.substr(path.rfind('/') + 1)), fleet.opcua()->port(),
      Quoted(AssetPath(path, root)), std::max<std::int64_t>(interval_ns / kNanosPerMilli, 100));
  for (const std::string& node : nodes)
    out += fmt::format("{} = {}\n", Quoted("ns=2;s=" + path + "/" + node), Quoted(node));
  return out;
}

std::string ModbusSource(const sim::Fleet& fleet, const std::string& path, std::int64_t interval_ns,
                         sim::ModbusEncoding encoding, const std::string& root) {
  std::string out = fmt::format(
      "\n[[sources]]\ntype = \"modbus\"\nname = {}\nport = {}\nasset = {}\ninterval = \"{}ms\"\n"
      "[sources.points]\n",
      Quoted("modbus-" + path.substr(path.rfind('/') + 1)), fleet.modbus()->port(),
      Quoted(AssetPath(path, root)), interval_ns / kNanosPerMilli);
  for (const auto& [signal, point] : fleet.modbus()->Points(path, encoding))
    out += fmt::format("{} = {}\n", Quoted(signal), Quoted(point));
  return out;
}

}  // namespace

std::string FleetSourcesConfig(const sim::Fleet& fleet, int broker_port, const std::string& asset_root) {
  std::string templates;
  std::string assets;
  std::string sources;
  std::set<std::string> declared;
  std::set<std::string> sparkplug_groups;
  int modbus_machines = 0;
  for (const sim::MachineGroup& g : fleet.config().machines) {
    if (g.protocol == Protocol::kMqtt) continue;
    const std::unique_ptr<sim::Twin> twin = sim::MakeTwin(g, 0);
    if (declared.insert(std::string(twin->type())).second) templates += Template(*twin);
    for (int i = 0; i < g.count; ++i) {
      const std::string path = sim::MachinePath(g, i);
      assets += fmt::format("\n[[assets]]\npath = {}\ntemplate = \"{}\"\n",
                            Quoted(AssetPath(path, asset_root)), twin->type());
      if (g.protocol == Protocol::kOpcua)
        sources += OpcuaSource(fleet, path, *twin, g.model.interval_ns, asset_root);
      if (g.protocol == Protocol::kModbus) {
        const auto encoding = static_cast<sim::ModbusEncoding>(modbus_machines++ % 3);
        sources += ModbusSource(fleet, path, g.model.interval_ns, encoding, asset_root);
      }
    }
    if (g.protocol == Protocol::kSparkplug) sparkplug_groups.insert(fleet.config().sparkplug.group_id);
  }
  for (const std::string& group : sparkplug_groups) {
    sources += fmt::format(
        "\n[[sources]]\ntype = \"sparkplug\"\nname = \"sparkplug-{}\"\nport = {}\ngroups = [{}]\n"
        "asset = \"{}/{{edge}}/{{device}}\"\n",
        group, broker_port, Quoted(group), asset_root);
  }
  return templates + assets + sources;
}

std::string DemoServeConfig(const std::string& listen, int broker_port, const std::string& data_dir,
                            const sim::Fleet* fleet) {
  std::string fleet_part = fleet != nullptr ? FleetSourcesConfig(*fleet, broker_port, "plant1") : "";
  return fmt::format(R"([server]
listen = "{}"
data_dir = '{}'
workers = 2

# Every sample goes to the historian in <data_dir>/historian: raw kept 30 days, 1-minute rollups
# a year, 1-hour rollups ten years.
[storage]
default_retention = "standard"

[storage.retention.standard]
raw = "30d"
rollup_1m = "365d"
rollup_1h = "3650d"

[templates.rotating]
signals = [
  {{ name = "temperature", unit = "degC" }},
  {{ name = "vibration", unit = "mm/s" }},
  {{ name = "rpm", unit = "rpm" }},
]

[[templates.rotating.detectors]]
type = "zscore"
signals = ["temperature", "vibration"]
window = 120
warmup = 30
threshold = 4.0

[[sources]]
type = "mqtt"
name = "demo-broker"
host = "127.0.0.1"
port = {}
topics = ["plant/+/+/telemetry"]
asset = "plant1/{{1}}/{{2}}"
template = "rotating"
qos = 1
{}
)",
                     listen, data_dir, broker_port, fleet_part);
}

}  // namespace mw::app
