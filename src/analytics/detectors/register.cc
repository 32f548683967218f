#include "analytics/detectors/register.h"

#include "analytics/detectors/anomaly_likelihood.h"
#include "analytics/detectors/control_charts.h"
#include "analytics/detectors/health_score.h"
#include "analytics/detectors/iforest_detector.h"
#include "analytics/detectors/robust_zscore.h"
#include "analytics/detectors/sequence_novelty.h"

namespace mw::analytics {

void RegisterDetectors(pipeline::PluginRegistry& registry) {
  registry.Register(RobustZScoreDetector::Descriptor());
  registry.Register(EwmaChartDetector::Descriptor());
  registry.Register(CusumDetector::Descriptor());
  registry.Register(SequenceNoveltyDetector::Descriptor());
  registry.Register(IForestDetector::Descriptor());
  registry.Register(AnomalyLikelihoodDetector::Descriptor());
  registry.Register(HealthScore::Descriptor());
}

}  // namespace mw::analytics
