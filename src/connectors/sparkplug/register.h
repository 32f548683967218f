// Registers the Sparkplug connector's plugins: the "sparkplug" source (a Sparkplug B host
// application, see sparkplug_source.h).
//
// Called once by `app` at start-up, before any config is validated; not thread-safe (it writes the
// registry).
#pragma once

#include "pipeline/plugin.h"

namespace mw::connectors::sparkplug {

void RegisterSparkplugPlugins(pipeline::PluginRegistry& registry);

}  // namespace mw::connectors::sparkplug
