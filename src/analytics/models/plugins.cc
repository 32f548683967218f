#include "analytics/models/plugins.h"

#include "analytics/models/health_classifier.h"
#include "analytics/models/rul_detector.h"

namespace mw::models {

void RegisterModels(pipeline::PluginRegistry& registry) {
  registry.Register(HealthClassifier::Descriptor());
  registry.Register(RulDetector::Descriptor());
}

}  // namespace mw::models
