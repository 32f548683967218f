#include "analytics/features/register.h"

#include <gtest/gtest.h>

namespace mw::analytics {
namespace {

TEST(RegisterFeatures, RegistersEveryProcessorWithValidDefaults) {
  pipeline::PluginRegistry registry;
  RegisterFeatures(registry);
  for (const char* name : {"window_stats", "ewma", "rate", "current_integral", "phase_asymmetry", "inrush",
                           "valve_travel", "machine_state", "vibration"}) {
    const pipeline::PluginDescriptor* d = registry.Find(pipeline::PluginKind::kProcessor, name);
    ASSERT_NE(d, nullptr) << name;
    EXPECT_FALSE(d->doc.empty()) << name;
    EXPECT_TRUE(d->factory) << name;
    for (const auto& o : d->options) {
      EXPECT_FALSE(o.doc.empty()) << name << "." << o.key;
      if (o.default_value && o.check) {
        EXPECT_EQ(o.check(*o.default_value), "") << name << "." << o.key;
      }
    }
  }
  EXPECT_NE(registry.Describe().find("window_stats"), std::string::npos);
}

}  // namespace
}  // namespace mw::analytics
