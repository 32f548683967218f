#include "app/demo_config.h"

#include <fmt/format.h>

namespace mw::app {

std::string DemoServeConfig(const std::string& listen, int broker_port) {
  return fmt::format(R"([server]
listen = "{}"
workers = 2

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
                     listen, broker_port);
}

}  // namespace mw::app
