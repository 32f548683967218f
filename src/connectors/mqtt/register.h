// Registers the MQTT connector's plugins: the "mqtt" source (JSON payloads).
//
// Called once by `app` at start-up, before any config is validated; not thread-safe (it writes the
// registry).
#pragma once

#include "pipeline/plugin.h"

namespace mw::connectors::mqtt {

void RegisterMqttPlugins(pipeline::PluginRegistry& registry);

}  // namespace mw::connectors::mqtt
