// Registers the Modbus connector's plugins: the "modbus" source (Modbus TCP polling, libmodbus).
//
// Called once by `app` at start-up, before any config is validated; not thread-safe (it writes the
// registry).
#pragma once

#include "pipeline/plugin.h"

namespace mw::connectors::modbus {

void RegisterModbusPlugins(pipeline::PluginRegistry& registry);

}  // namespace mw::connectors::modbus
