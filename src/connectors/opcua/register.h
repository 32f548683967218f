// Registers the `opcua` source plugin (see opcua_source.h and docs/configuration.md).
#pragma once

#include "pipeline/plugin.h"

namespace mw::connectors::opcua_source {

void RegisterOpcuaPlugins(pipeline::PluginRegistry& registry);

}  // namespace mw::connectors::opcua_source
