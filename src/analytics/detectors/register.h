// Registers the detectors of analytics/detectors that RegisterZScore (zscore.h) does not:
// robust_zscore, ewma_chart, cusum, isolation_forest, anomaly_likelihood and health_score.
// `app` calls both; zscore keeps its own function because its owner registers it.
#pragma once

#include "pipeline/plugin.h"

namespace mw::analytics {

void RegisterDetectors(pipeline::PluginRegistry& registry);

}  // namespace mw::analytics
