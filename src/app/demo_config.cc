#include "app/demo_config.h"

#include <fmt/format.h>

namespace mw::app {

std::string DemoServeConfig(const std::string& listen, int broker_port, const std::string& data_dir) {
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
)",
                     listen, data_dir, broker_port);
}

}  // namespace mw::app
