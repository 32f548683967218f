// Registers every feature processor of analytics/features with a plugin registry: window_stats,
// ewma, rate, current_integral, phase_asymmetry, inrush, valve_travel, machine_state, vibration.
#pragma once

#include "pipeline/plugin.h"

namespace mw::analytics {

void RegisterFeatures(pipeline::PluginRegistry& registry);

}  // namespace mw::analytics
