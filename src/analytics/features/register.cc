#include "analytics/features/register.h"

#include "analytics/features/electrical.h"
#include "analytics/features/machine_state.h"
#include "analytics/features/trend.h"
#include "analytics/features/valve.h"
#include "analytics/features/vibration.h"
#include "analytics/features/window_stats.h"

namespace mw::analytics {

void RegisterFeatures(pipeline::PluginRegistry& registry) {
  registry.Register(WindowStats::Descriptor());
  registry.Register(Ewma::Descriptor());
  registry.Register(Rate::Descriptor());
  registry.Register(CurrentIntegral::Descriptor());
  registry.Register(PhaseAsymmetry::Descriptor());
  registry.Register(Inrush::Descriptor());
  registry.Register(ValveTravel::Descriptor());
  registry.Register(MachineState::Descriptor());
  registry.Register(Vibration::Descriptor());
}

}  // namespace mw::analytics
