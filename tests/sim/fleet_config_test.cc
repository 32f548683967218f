#include "sim/fleet_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <set>

#include "sim/random.h"
#include "tests/support/test_support.h"

namespace mw::sim {
namespace {

using ::testing::HasSubstr;

std::string Errors(std::string_view text) {
  auto r = ParseFleetConfig(text, "fleet.toml");
  EXPECT_FALSE(r.ok());
  return r.ok() ? std::string() : r.status().message();
}

TEST(FleetConfig, ParsesTheExampleFile) {
  auto r = LoadFleetConfig(std::string(MW_SOURCE_DIR) + "/examples/rotating-plant/fleet.toml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->machines.size(), 2u);
  EXPECT_EQ(r->mqtt.port, 1883);
  EXPECT_EQ(r->machines[0].count, 10);
  EXPECT_EQ(r->machines[1].readings_per_message, 10);
  EXPECT_EQ(r->machines[1].model.interval_ns, 100 * kNanosPerMilli);
  EXPECT_DOUBLE_EQ(r->machines[1].model.rpm.max, 1800.0);
}

TEST(FleetConfig, ReadsEveryKey) {
  auto r = ParseFleetConfig(R"(
[mqtt]
host = "broker.local"
port = 1884
qos = 1
client_id = "sim-a"
[[machines]]
type = "rotating"
count = 3
line = "hall_2"
name = "fan"
interval = "250ms"
readings_per_message = 4
temperature = [20, 50.5]
vibration = [0.1, 3.0]
rpm = [600.0, 1200.0]
anomaly_rate = 0.01
seed = 42
)",
                            "fleet.toml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->mqtt.host, "broker.local");
  EXPECT_EQ(r->mqtt.port, 1884);
  EXPECT_EQ(r->mqtt.qos, 1);
  EXPECT_EQ(r->mqtt.client_id, "sim-a");
  const MachineGroup& g = r->machines.at(0);
  EXPECT_EQ(g.count, 3);
  EXPECT_EQ(g.line, "hall_2");
  EXPECT_EQ(g.name, "fan");
  EXPECT_EQ(g.model.interval_ns, 250 * kNanosPerMilli);
  EXPECT_EQ(g.readings_per_message, 4);
  EXPECT_DOUBLE_EQ(g.model.temperature.min, 20.0);
  EXPECT_DOUBLE_EQ(g.model.temperature.max, 50.5);
  EXPECT_DOUBLE_EQ(g.model.vibration.max, 3.0);
  EXPECT_DOUBLE_EQ(g.model.rpm.min, 600.0);
  EXPECT_DOUBLE_EQ(g.model.anomaly_rate, 0.01);
  EXPECT_EQ(g.model.seed, 42u);
  EXPECT_EQ(g.where.line, 7);
}

TEST(FleetConfig, FillsDefaults) {
  auto r = ParseFleetConfig("[[machines]]\n", "fleet.toml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->mqtt.host, "127.0.0.1");
  EXPECT_EQ(r->mqtt.qos, 0);
  const MachineGroup& g = r->machines.at(0);
  EXPECT_EQ(g.count, 1);
  EXPECT_EQ(g.line, "line1");
  EXPECT_EQ(g.model.interval_ns, kNanosPerSecond);
  EXPECT_EQ(g.readings_per_message, 1);
}

TEST(FleetConfig, ReadsTwinTypesProtocolsAndServerSections) {
  auto r = ParseFleetConfig(R"(
[sparkplug]
group_id = "plant-a"
[modbus]
host = "127.0.0.2"
port = 0
[opcua]
port = 4841
[[machines]]
type = "pump"
protocol = "sparkplug"
mode = "stress"
iso_class = 3
[[machines]]
type = "plc_line"
protocol = "opcua"
name = "line"
interval = "10ms"
)",
                            "fleet.toml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->sparkplug.group_id, "plant-a");
  EXPECT_EQ(r->modbus.host, "127.0.0.2");
  EXPECT_EQ(r->modbus.port, 0);
  EXPECT_EQ(r->opcua.port, 4841);
  EXPECT_EQ(r->machines.at(0).type, TwinType::kPump);
  EXPECT_EQ(r->machines.at(0).protocol, Protocol::kSparkplug);
  EXPECT_EQ(r->machines.at(0).mode, LifeMode::kStress);
  EXPECT_EQ(r->machines.at(0).iso_class, 3);
  EXPECT_EQ(r->machines.at(1).type, TwinType::kPlcLine);
  EXPECT_EQ(MachinePath(r->machines.at(1), 0), "plant/line1/line-01");
  EXPECT_TRUE(r->Uses(Protocol::kOpcua));
  EXPECT_FALSE(r->Uses(Protocol::kModbus));
  EXPECT_DOUBLE_EQ(MeanLifeSeconds(LifeMode::kAccelerated), 1200.0);
}

TEST(FleetConfig, RefusesKeysThatDoNotApplyToTheTwinOrProtocol) {
  std::string e = Errors(R"([[machines]]
type = "printer"
protocol = "modbus"
rpm = [1, 2]
iso_class = 2
readings_per_message = 5
[[machines]]
name = "fan"
mode = "stress"
protocol = "carrier-pigeon"
publish_truth = true
)");
  EXPECT_THAT(e, HasSubstr("fleet.toml:4:7: machines[0].rpm: applies to type \"rotating\" only"));
  EXPECT_THAT(e, HasSubstr("fleet.toml:5:13: machines[0].iso_class: applies to type \"pump\" only"));
  EXPECT_THAT(
      e, HasSubstr("fleet.toml:6:24: machines[0].readings_per_message: applies to protocol \"mqtt\" only"));
  EXPECT_THAT(
      e, HasSubstr("fleet.toml:9:8: machines[1].mode: applies to types pump, printer and plc_line only"));
  EXPECT_THAT(e, HasSubstr("fleet.toml:10:12: machines[1].protocol: unknown value \"carrier-pigeon\""));
  EXPECT_THAT(e, HasSubstr("machines[1].publish_truth: applies to types pump, printer and plc_line only"));
}

TEST(FleetConfig, ReportsEveryErrorWithFileLineAndKey) {
  std::string e = Errors(R"([mqtt]
port = 70000
qos = 2
colour = "red"
[[machines]]
type = "turbine"
count = 0
interval = "fast"
temperature = [80.0, 40.0]
vibration = "high"
anomaly_rate = 2.0
line = "line/1"
)");
  EXPECT_THAT(e, HasSubstr("fleet.toml:2:8: mqtt.port: expected an integer from 1 to 65535, got 70000"));
  EXPECT_THAT(e, HasSubstr("fleet.toml:3:7: mqtt.qos: expected an integer from 0 to 1, got 2"));
  EXPECT_THAT(e, HasSubstr("fleet.toml:4:10: mqtt.colour: unknown key"));
  EXPECT_THAT(
      e, HasSubstr("fleet.toml:6:8: machines[0].type: unknown value \"turbine\"; expected one of rotating, "
                   "pump, printer, plc_line"));
  EXPECT_THAT(e, HasSubstr("fleet.toml:7:9: machines[0].count: expected an integer from 1 to 10000"));
  EXPECT_THAT(e, HasSubstr("fleet.toml:8:12: machines[0].interval: bad duration 'fast'"));
  EXPECT_THAT(e, HasSubstr("fleet.toml:9:15: machines[0].temperature: expected min < max"));
  EXPECT_THAT(e, HasSubstr("fleet.toml:10:13: machines[0].vibration: expected [min, max]"));
  EXPECT_THAT(e, HasSubstr("fleet.toml:11:16: machines[0].anomaly_rate: expected a number from 0 to 1"));
  EXPECT_THAT(e, HasSubstr("fleet.toml:12:8: machines[0].line: expected letters, digits"));
}

TEST(FleetConfig, RejectsIntervalsShorterThanTheTimestampResolution) {
  EXPECT_THAT(Errors("[[machines]]\ninterval = \"500us\"\n"),
              HasSubstr("fleet.toml:2:12: machines[0].interval: expected at least 1ms"));
}

TEST(FleetConfig, RejectsUnknownSectionsAndKeys) {
  std::string e = Errors("[broker]\nhost = \"x\"\n[[machines]]\nspeed = 3\n");
  EXPECT_THAT(e, HasSubstr("fleet.toml:1:1: broker: unknown section"));
  EXPECT_THAT(e, HasSubstr("fleet.toml:4:9: machines[0].speed: unknown key"));
}

TEST(FleetConfig, DerivesGroupAndChaosSeedsFromTheFleetSeed) {
  const char* text = R"(seed = %d
time_acceleration = 60
[chaos]
heat_wave = 1
[[machines]]
name = "a"
[[machines]]
name = "b"
seed = 5
[[machines]]
name = "c"
)";
  char buf[256];
  std::snprintf(buf, sizeof buf, text, 7);
  auto r = ParseFleetConfig(buf, "fleet.toml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_DOUBLE_EQ(r->time_acceleration, 60);
  EXPECT_EQ(r->chaos.seed, DeriveSeed(7, 0));
  EXPECT_EQ(r->machines.at(0).model.seed, DeriveSeed(7, 1));
  EXPECT_EQ(r->machines.at(1).model.seed, 5u);  // its own seed wins
  EXPECT_EQ(r->machines.at(2).model.seed, DeriveSeed(7, 3));
  std::snprintf(buf, sizeof buf, text, 8);
  auto other = ParseFleetConfig(buf, "fleet.toml");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->machines.at(0).model.seed, r->machines.at(0).model.seed);
  EXPECT_NE(other->chaos.seed, r->chaos.seed);
  // Without a fleet seed, nothing changes: default seeds, real time.
  auto plain = ParseFleetConfig("[[machines]]\nname = \"a\"\n", "fleet.toml");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->machines.at(0).model.seed, RotatingMachineSpec{}.seed);
  EXPECT_DOUBLE_EQ(plain->time_acceleration, 1);
}

TEST(FleetConfig, RejectsABadFleetSeedOrTimeAcceleration) {
  std::string e = Errors("seed = -1\ntime_acceleration = 0\n[[machines]]\n");
  EXPECT_THAT(e, HasSubstr("fleet.toml:1:8: seed: expected a non-negative integer"));
  EXPECT_THAT(e, HasSubstr("fleet.toml:2:21: time_acceleration: expected simulated seconds per second"));
  EXPECT_THAT(Errors("time_acceleration = \"fast\"\n[[machines]]\n"),
              HasSubstr("fleet.toml:1:21: time_acceleration"));
  EXPECT_THAT(Errors("time_acceleration = 2e6\n[[machines]]\n"), HasSubstr("at most 1000000"));
  EXPECT_THAT(Errors("speed = 3\n[[machines]]\n"),
              HasSubstr("fleet.toml:1:9: speed: unknown key; expected seed"));
}

TEST(FleetConfig, RequiresMachines) {
  EXPECT_THAT(Errors("[mqtt]\nport = 1883\n"), HasSubstr("machines: missing"));
  EXPECT_THAT(Errors("machines = []\n"), HasSubstr("machines: expected at least one"));
}

TEST(FleetConfig, RejectsGroupsWhoseTopicsCollide) {
  std::string e = Errors("[[machines]]\ncount = 2\n[[machines]]\ncount = 3\n");
  EXPECT_THAT(e,
              HasSubstr("fleet.toml:3:1: machines: line \"line1\" and name \"machine\" are already used at "
                        "fleet.toml:1:1"));
}

TEST(FleetConfig, ReportsTomlSyntaxErrorsWithTheirPlace) {
  EXPECT_THAT(Errors("[[machines]]\ncount = = 3\n"), HasSubstr("fleet.toml:2:"));
}

TEST(FleetConfig, ReportsAMissingFile) {
  auto r = LoadFleetConfig("/nonexistent/fleet.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("/nonexistent/fleet.toml"));
}

TEST(FleetConfig, NamesMachinesWithPaddedNumbers) {
  MachineGroup g;
  g.count = 10;
  EXPECT_EQ(MachineName(g, 0), "machine-01");
  EXPECT_EQ(MachineName(g, 9), "machine-10");
  EXPECT_EQ(MachineTopic(g, 6), "plant/line1/machine-07/telemetry");
  g.count = 120;
  EXPECT_EQ(MachineName(g, 4), "machine-005");
}

TEST(FleetConfig, GivesEveryMachineItsOwnSeed) {
  MachineGroup g;
  g.count = 50;
  std::set<std::uint64_t> seeds;
  for (int i = 0; i < g.count; ++i) seeds.insert(MachineSpec(g, i).seed);
  EXPECT_EQ(seeds.size(), 50u);
  MachineGroup other = g;
  other.model.seed = 2;
  EXPECT_NE(MachineSpec(g, 0).seed, MachineSpec(other, 0).seed);
}

TEST(FleetConfig, DefaultFleetIsAMixedPlantOverEveryProtocol) {
  FleetConfig f = DefaultFleet("127.0.0.1", 18830);
  EXPECT_EQ(f.mqtt.port, 18830);
  std::set<std::string> topics;
  for (const auto& g : f.machines) {
    if (g.protocol != Protocol::kMqtt) continue;
    EXPECT_EQ(g.model.interval_ns, kNanosPerSecond);
    for (int i = 0; i < g.count; ++i) topics.insert(MachineTopic(g, i));
  }
  EXPECT_EQ(topics.size(), 10u);
  EXPECT_TRUE(topics.count("plant/line1/machine-01/telemetry"));
  EXPECT_TRUE(topics.count("plant/line2/machine-05/telemetry"));
  for (Protocol p : {Protocol::kSparkplug, Protocol::kModbus, Protocol::kOpcua}) EXPECT_TRUE(f.Uses(p));
  EXPECT_EQ(f.opcua.port, 0);  // free ports: a demo never collides with a real server
  EXPECT_EQ(f.modbus.port, 0);
}

}  // namespace
}  // namespace mw::sim
