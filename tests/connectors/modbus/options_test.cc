// The `modbus` plugin's options as a config file gives them: the points table, the checks that name
// the point and field, and the factory's cross-option checks. No device is contacted.
#include <gtest/gtest.h>

#include "tests/connectors/modbus/source_harness.h"

namespace mw::connectors::modbus {
namespace {

using testing::SourceHarness;

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(ModbusOptionsTest, PointsAsASubTableBuildASource) {
  SourceHarness h;
  auto source = h.BuildOne(R"(
[[sources]]
type = "modbus"
name = "press"
host = "10.0.0.5"
port = 5020
unit_id = 3
interval = "250ms"
asset = "plant/press1"

[sources.points]
temp = "input:0:int16 scale=0.1"
speed = "holding:100:float32:cdab"
running = "coil:3"
)");
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->device(), "10.0.0.5:5020 unit 3");
  // Every point's series exists, including one the template does not declare.
  EXPECT_NE(h.Series("temp"), kInvalidSeries);
  EXPECT_NE(h.Series("speed"), kInvalidSeries);
  EXPECT_NE(h.Series("running"), kInvalidSeries);
}

TEST(ModbusOptionsTest, InlinePointsAndDiscoveredAsset) {
  SourceHarness h;
  auto source = h.BuildOne(R"(
[[sources]]
type = "modbus"
asset = "plant/press9"
template = "press"
points = { level = "holding:0", speed = "holding:1:uint32:cdab scale=0.5" }
)");
  ASSERT_NE(source, nullptr);
  EXPECT_NE(h.Series("level", "plant/press9"), kInvalidSeries);
  EXPECT_EQ(source->device(), "127.0.0.1:502 unit 1");
}

TEST(ModbusOptionsTest, BadPointsAreNamedWithTheirField) {
  SourceHarness h;
  const std::string e = h.BuildErrors(R"(
[[sources]]
type = "modbus"
asset = "plant/press1"
points = { temp = "holding:70000:int16", speed = "holding:1:float23", ok = "input:1" }
)");
  EXPECT_TRUE(Has(e, "test.toml:")) << e;
  EXPECT_TRUE(Has(e, "points")) << e;
  EXPECT_TRUE(Has(e, "point \"temp\": address \"70000\"")) << e;
  EXPECT_TRUE(Has(e, "point \"speed\": type \"float23\"")) << e;
  EXPECT_FALSE(Has(e, "\"ok\"")) << e;
}

TEST(ModbusOptionsTest, RangeChecks) {
  SourceHarness h;
  auto source_with = [](const std::string& extra) {
    return "[[sources]]\ntype = \"modbus\"\nasset = \"plant/press1\"\npoints = { temp = \"holding:0\" }\n" +
           extra;
  };
  EXPECT_TRUE(Has(h.BuildErrors(source_with("unit_id = 250\n")), "expected 0..247 or 255")) << "unit_id";
  EXPECT_TRUE(Has(h.BuildErrors(source_with("port = 0\n")), "port"));
  EXPECT_TRUE(Has(h.BuildErrors(source_with("max_registers = 126\n")), "max_registers"));
  EXPECT_TRUE(Has(h.BuildErrors(source_with("interval = \"0s\"\n")), "interval"));
  EXPECT_TRUE(
      Has(h.BuildErrors(source_with("reconnect_min = \"10s\"\nreconnect_max = \"1s\"\n")), "reconnect_min"));
  EXPECT_TRUE(Has(h.BuildErrors("[[sources]]\ntype = \"modbus\"\nasset = \"plant/press1\"\npoints = {}\n"),
                  "at least one point"));
  EXPECT_TRUE(Has(h.BuildErrors("[[sources]]\ntype = \"modbus\"\nasset = \"plant/press1\"\n"), "points"));
  EXPECT_NE(h.BuildOne(source_with("unit_id = 255\nmax_gap = 0\nmax_registers = 1\n")), nullptr);
}

TEST(ModbusOptionsTest, FactoryChecksAcrossOptions) {
  SourceHarness h;
  // A float64 needs 4 registers: more than max_registers = 2 allows in one request.
  std::string e = h.BuildErrors(R"(
[[sources]]
type = "modbus"
asset = "plant/press1"
max_registers = 2
points = { energy = "holding:0:float64" }
)");
  EXPECT_TRUE(Has(e, "modbus source modbus-0")) << e;
  EXPECT_TRUE(Has(e, "point \"energy\"")) << e;
  e = h.BuildErrors(R"(
[[sources]]
type = "modbus"
asset = "plant/ghost"
points = { temp = "holding:0" }
)");
  EXPECT_TRUE(Has(e, "asset \"plant/ghost\" is not declared")) << e;
  e = h.BuildErrors(R"(
[[sources]]
type = "modbus"
asset = "plant/ghost"
template = "nope"
points = { temp = "holding:0" }
)");
  EXPECT_TRUE(Has(e, "template \"nope\"")) << e;
}

TEST(ModbusOptionsTest, DescribedByThePluginTable) {
  SourceHarness h;
  const std::string text = h.registry_.Describe();
  EXPECT_TRUE(Has(text, "modbus")) << text;
  EXPECT_TRUE(Has(text, "max_gap")) << text;
}

}  // namespace
}  // namespace mw::connectors::modbus
