// The served-model detectors as plugins.
#pragma once

#include "pipeline/plugin.h"

namespace mw::models {

// Registers `health_classifier` (health_classifier.h) and `rul` (rul_detector.h).
void RegisterModels(pipeline::PluginRegistry& registry);

}  // namespace mw::models
