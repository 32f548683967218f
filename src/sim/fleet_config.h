// FleetConfig: which simulated machines to run and where to publish them, read from a TOML file.
//
//   [mqtt]                      host, port, qos (0 or 1), client_id
//   [[machines]]                one group of identical machines, repeated as needed:
//     type = "rotating"         the model (only "rotating" for now)
//     count = 10                machines <name>-01 .. <name>-10
//     line = "line1"            topic plant/<line>/<name>-NN/telemetry
//     name = "machine"
//     interval = "1s"           between readings of one machine (duration: "100ms", "2s", ...)
//     readings_per_message = 1  >1 sends a JSON array of consecutive readings
//     temperature = [40.0, 80.0]  vibration = [0.5, 7.0]  rpm = [900.0, 3000.0]
//     anomaly_rate = 0.0        chance per reading that an injected anomaly starts
//     seed = 1                  machine i of the group uses a seed derived from (seed, i)
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
#include "sim/rotating_machine.h"

namespace mw::sim {

struct MqttSettings {
  std::string host = "127.0.0.1";
  int port = 1883;
  int qos = 0;  // 0 or 1
  std::string client_id = "millwright-sim";
};

// One [[machines]] table: `count` machines of one model, on one line.
struct MachineGroup {
  std::string type = "rotating";
  int count = 1;
  std::string line = "line1";
  std::string name = "machine";
  int readings_per_message = 1;
  RotatingMachineSpec model;  // ranges, interval, anomaly rate and the group's seed
  SourceLocation where;
};

struct FleetConfig {
  std::string file;  // empty for a fleet built in code
  MqttSettings mqtt;
  std::vector<MachineGroup> machines;
};

// Reads and checks a fleet file. The error status lists every problem, one per line.
Result<FleetConfig> LoadFleetConfig(const std::string& path);
// Parses fleet TOML text; `file` names it in errors.
Result<FleetConfig> ParseFleetConfig(std::string_view text, const std::string& file);

// The fleet of `millwright demo`: 10 rotating machines on two lines (line1 and line2, five each),
// one reading per second, a few injected anomalies, publishing to host:port at QoS 0.
FleetConfig DefaultFleet(std::string host, int port);

// "machine-07": the name of machine `index` (0-based) of a group, numbered from 01 and padded to
// two digits, or more when the group has 100 machines or more.
std::string MachineName(const MachineGroup& group, int index);
// "plant/line1/machine-07/telemetry".
std::string MachineTopic(const MachineGroup& group, int index);
// The model of machine `index` of a group: the group's spec with a seed derived from both.
RotatingMachineSpec MachineSpec(const MachineGroup& group, int index);

}  // namespace mw::sim
