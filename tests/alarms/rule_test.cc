#include "alarms/rule.h"

#include <gtest/gtest.h>

#include <cmath>

#include "analytics/detectors/register.h"

namespace mw::alarms {
namespace {

const char* kPlant = R"toml(
[templates.pump]
signals = [{ name = "vibration_x", unit = "mm/s" }, { name = "running" }, { name = "status" }]

[[templates.pump.detectors]]
type = "health_score"

[[templates.pump.alarms]]
name = "vibration_high"
when = "vibration_x > 7.1"
deadband = 0.3
on_delay = "5s"
suppress_when = "running == 0"
severity = "major"
priority = 2
message = "{asset}: {signal} {value} mm/s above {limit} ({severity})"
escalate_after = "15m"
renotify_every = "30m"

[[templates.pump.alarms]]
name = "unhealthy"
when = "health < 40 or bit(status, 3) or stale(vibration_x.rms, 1m)"
)toml";

class RuleConfig : public ::testing::Test {
 protected:
  void SetUp() override { analytics::RegisterDetectors(registry_); }
  std::vector<Rule> Rules(const std::string& text) {
    ConfigLoad load = ParseConfig(text, "plant.toml");
    errors_ = load.errors;
    return RulesOf(load.config, registry_, errors_);
  }
  std::string Errors() const {
    std::string out;
    for (const ConfigError& e : errors_) out += e.ToString() + "\n";
    return out;
  }
  pipeline::PluginRegistry registry_;
  std::vector<ConfigError> errors_;
};

TEST_F(RuleConfig, ReadsEveryOptionOfARule) {
  const auto rules = Rules(kPlant);
  ASSERT_TRUE(errors_.empty()) << Errors();
  ASSERT_EQ(rules.size(), 2u);
  const Rule& r = rules[0];
  EXPECT_EQ(r.name, "vibration_high");
  EXPECT_EQ(r.template_name, "pump");
  EXPECT_EQ(r.key_path, "templates.pump.alarms[0]");
  EXPECT_EQ(r.condition.signals, std::vector<std::string>{"vibration_x"});
  EXPECT_EQ(r.debounce.deadband, 0.3);
  EXPECT_EQ(r.debounce.on_delay, 5 * kNanosPerSecond);
  ASSERT_TRUE(r.suppress_when.has_value());
  EXPECT_EQ(r.suppress_when->signals, std::vector<std::string>{"running"});
  EXPECT_EQ(r.severity, Severity::kMajor);
  EXPECT_EQ(r.priority, 2);
  EXPECT_EQ(r.escalation.escalate_after, 900 * kNanosPerSecond);
  EXPECT_EQ(r.escalation.renotify_every, 1800 * kNanosPerSecond);
  EXPECT_EQ(FormatMessage(r, "plant1/pump-07", 7.25, 7.1),
            "plant1/pump-07: vibration_x 7.25 mm/s above 7.1 (major)");
  // Defaults, and a detector's output (health_score writes `health`) may be named.
  EXPECT_EQ(rules[1].severity, Severity::kWarning);
  EXPECT_EQ(rules[1].priority, 3);
  EXPECT_FALSE(rules[1].suppress_when.has_value());
  EXPECT_EQ(FormatMessage(rules[1], "p", 35, 40), "p: unhealthy (health 35, limit 40)");
}

TEST_F(RuleConfig, ErrorsNameTheFileLineAndKey) {
  const auto rules = Rules(R"(
[templates.pump]
signals = [{ name = "vibration_x" }]

[[templates.pump.alarms]]
name = "a"
when = "vibration_y > 3"

[[templates.pump.alarms]]
name = "b"
when = "vibration_x >"
severity = "loud"

[[templates.pump.alarms]]
when = "vibration_x > 1"

[[templates.pump.alarms]]
name = "a"
when = "vibration_x > 1"
colour = "red"
)");
  EXPECT_TRUE(rules.empty());
  const std::string errors = Errors();
  EXPECT_NE(
      errors.find("plant.toml:7:8: templates.pump.alarms[0].when: no signal 'vibration_y' in template pump"),
      std::string::npos)
      << errors;
  EXPECT_NE(errors.find("plant.toml:12:12: templates.pump.alarms[1].severity: expected critical"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("templates.pump.alarms[2].name: missing"), std::string::npos) << errors;
  EXPECT_NE(errors.find("templates.pump.alarms[3].name: alarm rule \"a\" appears twice"), std::string::npos)
      << errors;
  EXPECT_EQ(errors.find("colour"), std::string::npos) << "the duplicate is not read further\n" << errors;
}

TEST_F(RuleConfig, ABadConditionSaysWhereInTheCondition) {
  Rules(R"(
[templates.pump]
signals = [{ name = "vibration_x" }]
[[templates.pump.alarms]]
name = "b"
when = "vibration_x >"
)");
  ASSERT_EQ(errors_.size(), 1u) << Errors();
  EXPECT_NE(
      Errors().find("templates.pump.alarms[0].when: condition 'vibration_x >': column 14: expected a number"),
      std::string::npos)
      << Errors();
}

TEST_F(RuleConfig, AnAssetChangesItsTemplatesRuleKeyByKey) {
  const auto rules = Rules(std::string(kPlant) + R"toml(
[[assets]]
path = "plant/pump-07"
template = "pump"
[assets.alarms.vibration_high]
when = "vibration_x > 9.5"
)toml");
  ASSERT_TRUE(errors_.empty()) << Errors();
  ASSERT_EQ(rules.size(), 3u);
  const Rule& own = rules[2];
  EXPECT_EQ(own.asset, "plant/pump-07");
  EXPECT_EQ(own.name, "vibration_high");
  EXPECT_EQ(own.condition.text, "vibration_x > 9.5");
  EXPECT_EQ(own.severity, Severity::kMajor);  // the template's
  EXPECT_EQ(own.debounce.deadband, 0.3);
  EXPECT_EQ(own.key_path, "assets[0].alarms.vibration_high");
  EXPECT_TRUE(rules[0].asset.empty());
}

TEST_F(RuleConfig, AnAssetCannotChangeARuleItsTemplateLacksOrGiveItBadKeys) {
  Rules(std::string(kPlant) + R"toml(
[[assets]]
path = "plant/pump-07"
template = "pump"
alarms = { vibraton_high = { deadband = 1.0 }, unhealthy = { severity = "loud", enabled = false } }
)toml");
  const std::string all = Errors();
  EXPECT_NE(all.find("assets[0].alarms.vibraton_high: template \"pump\" has no alarm rule \"vibraton_high\""),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("assets[0].alarms.unhealthy.severity: expected critical, major, minor or warning"),
            std::string::npos)
      << all;
}

}  // namespace
}  // namespace mw::alarms
