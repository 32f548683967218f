#include "core/config.h"

#include <gtest/gtest.h>

namespace mw {
namespace {

constexpr const char* kGood = R"(
[server]
listen = "127.0.0.1:9090"
workers = 2

[templates.rotating]
signals = [
  { name = "temperature", unit = "degC", resolution = 0.01 },
  "rpm",
]
[[templates.rotating.detectors]]
type = "zscore"
window = 50

[[assets]]
path = "plant1/line1/m-01"
template = "rotating"

[[sources]]
type = "mqtt"
name = "broker"
topics = ["plant/+/+/telemetry"]
)";

std::string AllErrors(const ConfigLoad& load) {
  std::string out;
  for (const auto& e : load.errors) out += e.ToString() + "\n";
  return out;
}

TEST(ParseConfig, ReadsAWholeFile) {
  ConfigLoad load = ParseConfig(kGood, "plant.toml");
  ASSERT_TRUE(load.ok()) << AllErrors(load);
  const Config& c = load.config;
  EXPECT_EQ(c.server.listen, "127.0.0.1:9090");
  ASSERT_EQ(c.templates.count("rotating"), 1u);
  const auto& t = c.templates.at("rotating");
  ASSERT_EQ(t.signals.size(), 2u);
  EXPECT_EQ(t.signals[0].unit, "degC");
  EXPECT_DOUBLE_EQ(t.signals[0].resolution, 0.01);
  EXPECT_EQ(t.signals[1].name, "rpm");
  ASSERT_EQ(t.detectors.size(), 1u);
  EXPECT_EQ(t.detectors[0].type, "zscore");
  EXPECT_EQ(t.detectors[0].key_path, "templates.rotating.detectors[0]");
  ASSERT_EQ(c.assets.size(), 1u);
  EXPECT_EQ(c.assets[0].where.line, 15);
  ASSERT_EQ(c.sources.size(), 1u);
  EXPECT_EQ(c.sources[0].name, "broker");
  EXPECT_EQ(c.sources[0].where.line, 19);
}

TEST(ParseConfig, SyntaxErrorNamesFileAndLine) {
  ConfigLoad load = ParseConfig("[server]\nlisten = \n", "bad.toml");
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_EQ(load.errors[0].where.file, "bad.toml");
  EXPECT_EQ(load.errors[0].where.line, 2);
}

TEST(ParseConfig, ReportsEveryErrorNotJustTheFirst) {
  ConfigLoad load = ParseConfig(R"(
[server]
workers = "two"
colour = "red"

[templates.t]
signals = [{ name = "a", resolution = -1 }, { name = "a" }]

[[assets]]
path = "bad path"
template = "t"

[[assets]]
path = "ok/asset"
template = "missing"

[[sources]]
name = "no-type"
)",
                                "plant.toml");
  std::string all = AllErrors(load);
  EXPECT_EQ(load.errors.size(), 7u) << all;
  EXPECT_NE(all.find("plant.toml:3:11: server.workers: expected an integer, got a string"), std::string::npos)
      << all;
  EXPECT_NE(all.find("plant.toml:4:10: server.colour: unknown key"), std::string::npos) << all;
  EXPECT_NE(all.find("templates.t.signals[0].resolution: expected a positive number"), std::string::npos)
      << all;
  EXPECT_NE(all.find("templates.t.signals[1].name: signal \"a\" declared twice"), std::string::npos) << all;
  EXPECT_NE(all.find("plant.toml:10:8: assets[0].path: expected segments"), std::string::npos) << all;
  EXPECT_NE(all.find("plant.toml:15:12: assets[1].template: unknown template \"missing\""), std::string::npos)
      << all;
  EXPECT_NE(all.find("sources[0].type: missing"), std::string::npos) << all;
}

TEST(ParseConfig, RangeErrorsSayWhatWasExpected) {
  ConfigLoad load = ParseConfig("[server]\nworkers = 0\nlisten = \"nocolon\"\n", "f.toml");
  std::string all = AllErrors(load);
  EXPECT_NE(all.find("f.toml:2:11: server.workers: expected an integer from 1 to 64, got 0"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("f.toml:3:10: server.listen: expected host:port"), std::string::npos) << all;
}

TEST(ParseConfig, DuplicateAssetIsAnError) {
  ConfigLoad load = ParseConfig("[[assets]]\npath = \"a\"\n[[assets]]\npath = \"a\"\n", "f.toml");
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_NE(load.errors[0].message.find("declared twice"), std::string::npos);
}

TEST(LoadConfigFile, MissingFileIsAnError) {
  ConfigLoad load = LoadConfigFile("/nonexistent/plant.toml");
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_EQ(load.errors[0].ToString(), "/nonexistent/plant.toml:0:0: cannot open file");
}

TEST(IsValidAssetPath, AcceptsSegmentsAndRejectsOddCharacters) {
  EXPECT_TRUE(IsValidAssetPath("plant1/line-2/pump_07.a"));
  for (const char* bad : {"", "/a", "a/", "a//b", "a b", "a/<b>", "ä"})
    EXPECT_FALSE(IsValidAssetPath(bad)) << bad;
}

TEST(TemplateSpec, NamesItsSignalsAndSeriesDerivedFromThem) {
  TemplateSpec t;
  t.name = "pump";
  for (const char* name : {"vibration", "motor.current"}) {
    SignalSpec signal;
    signal.name = name;
    t.signals.push_back(signal);
  }
  EXPECT_TRUE(t.IsSignalOrDerived("vibration"));
  EXPECT_TRUE(t.IsSignalOrDerived("vibration.max"));
  EXPECT_TRUE(t.IsSignalOrDerived("vibration.max.robust_score"));
  EXPECT_TRUE(t.IsSignalOrDerived("motor.current"));
  EXPECT_TRUE(t.IsSignalOrDerived("motor.current.rms"));
  EXPECT_FALSE(t.IsSignalOrDerived("motor"));
  EXPECT_FALSE(t.IsSignalOrDerived("vibration."));
  EXPECT_FALSE(t.IsSignalOrDerived("vibrations.max"));
  EXPECT_FALSE(t.IsSignalOrDerived(""));
}

}  // namespace
}  // namespace mw
