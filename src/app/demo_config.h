// The embedded defaults `millwright demo` runs on: the same plant as
// examples/rotating-plant/plant.toml, with the broker port and listen address filled in.
#pragma once

#include <string>

namespace mw::app {

// The historian keeps its files in <data_dir>/historian.
std::string DemoServeConfig(const std::string& listen, int broker_port, const std::string& data_dir);

}  // namespace mw::app
