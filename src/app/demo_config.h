// The embedded defaults `millwright demo` runs on: the plant of examples/rotating-plant/plant.toml
// (rotating machines over MQTT) with the broker port and listen address filled in, and, given the
// running simulator, the sources, templates and assets that read its other protocols.
#pragma once

#include <string>

#include "sim/fleet.h"

namespace mw::app {

// The historian keeps its files in <data_dir>/historian. With `fleet` (started: its ports are
// known), every machine of its sparkplug, modbus and opcua groups is declared as an asset under
// plant1/<line>/<machine> with a template per twin type (its signals and a z-score detector on its
// vibration and temperature signals), and read by one `sparkplug` source for the broker, one
// `opcua` source per OPC UA machine (every variable, frames included) and one `modbus` source per
// Modbus machine (the three register encodings in turn, so that each is exercised).
std::string DemoServeConfig(const std::string& listen, int broker_port, const std::string& data_dir,
                            const sim::Fleet* fleet = nullptr);

// Only the part for `fleet` (templates, assets, sources); `asset_root` replaces the sim's "plant".
std::string FleetSourcesConfig(const sim::Fleet& fleet, int broker_port, const std::string& asset_root);

}  // namespace mw::app
