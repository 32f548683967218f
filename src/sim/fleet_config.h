// FleetConfig: which digital twins to run and how they are served, read from a TOML file.
//
// clang-format off
//   seed = 7                    optional: every group and [chaos] without a seed of its own derives
//                               one from it, so one number fixes the whole fleet's bytes
//   time_acceleration = 60      simulated seconds per wall-clock second in live mode (default 1):
//                               readings come 60 times as often and their timestamps run ahead
//   [mqtt]                      broker of the mqtt and sparkplug groups: host, port, qos (0 or 1), client_id
//   [sparkplug]                 group_id: the Sparkplug group the edge nodes publish under
//   [modbus]                    host, port (0: any free port): the Modbus TCP server of the modbus groups
//   [opcua]                     host, port (0: any free port): the OPC UA server of the opcua groups
//   [chaos]                     seed, ground_truth (CSV path written at stop), and per fault kind its
//                               random rate in events per hour (heat_wave = 0.5, dropout = 2, ...)
//   [[chaos.schedule]]          kind, asset ("*" or a machine), signal ("*"), start ("10m" after the
//                               start), duration ("30s"), magnitude (0: the kind's default)
//   [[machines]]                one group of identical twins, repeated as needed:
//     type = "rotating"         the twin: rotating, pump, printer or plc_line
//     protocol = "mqtt"         how the group is served: mqtt (JSON), sparkplug, modbus or opcua
//     count = 10                machines <name>-01 .. <name>-10
//     line = "line1"            topic plant/<line>/<name>-NN/telemetry, asset path plant/<line>/<name>-NN
//     name = "machine"
//     interval = "1s"           between readings of one machine (duration: "100ms", "2s", ...)
//     readings_per_message = 1  mqtt: >1 sends a JSON array of consecutive readings
//     mode = "nominal"          pump, printer, plc_line: mean life nominal (27 h), accelerated (20 min), stress (2.5 min)
//     iso_class = 2             pump: ISO 10816-1 machine class 1..4 (vibration zones)
//     temperature = [40.0, 80.0]  vibration = [0.5, 7.0]  rpm = [900.0, 3000.0]   rotating only
//     anomaly_rate = 0.0        rotating: chance per reading that an injected anomaly starts
//     seed = 1                  machine i of the group uses a seed derived from (seed, i)
// clang-format on
//
// LoadFleetConfig() reports every problem at once, one per line, each as
// "file:line:column: key: message" like mw::LoadConfigFile. The result is plain data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "sim/chaos.h"
#include "sim/rotating_machine.h"

namespace mw::sim {

enum class TwinType : std::uint8_t { kRotating, kPump, kPrinter, kPlcLine };
enum class Protocol : std::uint8_t { kMqtt, kSparkplug, kModbus, kOpcua };
// How fast a twin ages: the mean life of its unit.
enum class LifeMode : std::uint8_t { kNominal, kAccelerated, kStress };
std::string_view TwinTypeName(TwinType type);
std::string_view ProtocolName(Protocol protocol);
std::string_view LifeModeName(LifeMode mode);
// Mean life of a unit in each mode: 27 h, 20 min, 2.5 min.
double MeanLifeSeconds(LifeMode mode);

struct MqttSettings {
  std::string host = "127.0.0.1";
  int port = 1883;
  int qos = 0;  // 0 or 1
  std::string client_id = "millwright-sim";
};

struct SparkplugSettings {
  // "plant": a host's default asset pattern {group}/{edge}/{device} then gives plant/<line>/<machine>.
  std::string group_id = "plant";
};

struct ModbusSettings {
  std::string host = "127.0.0.1";
  int port = 1502;  // 0: any free port
};

struct OpcuaSettings {
  std::string host = "127.0.0.1";
  int port = 4840;  // 0: any free port
};

// One [[machines]] table: `count` machines of one model, on one line.
struct MachineGroup {
  TwinType type = TwinType::kRotating;
  Protocol protocol = Protocol::kMqtt;
  LifeMode mode = LifeMode::kNominal;
  int iso_class = 2;
  int count = 1;
  std::string line = "line1";
  std::string name = "machine";
  int readings_per_message = 1;
  // Publish the ground truth beside the signals, as `health_truth` (the state: 0 HEALTHY ..
  // 3 BROKEN), so that a platform can store labels and retrain on them. Ageing twins only.
  bool publish_truth = false;
  RotatingMachineSpec model;  // ranges, interval, anomaly rate and the group's seed
  SourceLocation where;
};

// Beyond this, a 1 ms interval would ask for a reading every picosecond of wall time.
inline constexpr double kMaxTimeAcceleration = 1e6;

struct FleetConfig {
  std::string file;              // empty for a fleet built in code
  double time_acceleration = 1;  // simulated seconds per wall-clock second (live mode)
  MqttSettings mqtt;
  SparkplugSettings sparkplug;
  ModbusSettings modbus;
  OpcuaSettings opcua;
  ChaosSpec chaos;                 // origin is set when the fleet starts
  std::string chaos_ground_truth;  // "" = not written
  std::vector<MachineGroup> machines;

  bool Uses(Protocol protocol) const;
};

// Reads and checks a fleet file. The error status lists every problem, one per line.
Result<FleetConfig> LoadFleetConfig(const std::string& path);
// Parses fleet TOML text; `file` names it in errors.
Result<FleetConfig> ParseFleetConfig(std::string_view text, const std::string& file);

// The fleet of `millwright demo`: 10 rotating machines on two lines (line1 and line2, five each) over
// MQTT JSON to host:port at QoS 0, with a few injected anomalies; 4 pumps over Sparkplug B (line
// "pumps") and 3 over Modbus TCP ("utilities"); a PLC line ("assembly", 50 ms steps) and a DMLS
// printer ("additive") over OPC UA. The aging twins run in accelerated mode (a life of about 20
// minutes). The OPC UA and Modbus servers take free ports.
FleetConfig DefaultFleet(std::string host, int port);

// "machine-07": the name of machine `index` (0-based) of a group, numbered from 01 and padded to
// two digits, or more when the group has 100 machines or more.
std::string MachineName(const MachineGroup& group, int index);
// "plant/line1/machine-07": the asset path of a machine, whatever its protocol.
std::string MachinePath(const MachineGroup& group, int index);
// "plant/line1/machine-07/telemetry".
std::string MachineTopic(const MachineGroup& group, int index);
// The model of machine `index` of a group: the group's spec with a seed derived from both.
RotatingMachineSpec MachineSpec(const MachineGroup& group, int index);

}  // namespace mw::sim
