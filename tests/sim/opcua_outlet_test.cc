#include "sim/opcua_outlet.h"

#include <gtest/gtest.h>

#include <array>
#include <thread>

#include "opcua/client/client.h"
#include "opcua/encoding/datetime.h"
#include "opcua/encoding/structure.h"
#include "sim/fleet.h"

namespace mw::sim {
namespace {

using opcua::NodeId;

// A small twin with every shape the outlet serves: a scalar, two parts of one kind (served as
// structures of one type) and a 2x3 frame.
class ShapesTwin final : public Twin {
 public:
  std::string_view type() const override { return "plc_line"; }
  const std::vector<SignalDef>& signals() const override {
    static const std::vector<SignalDef> kSignals{{"speed", "rpm", 1, SignalClass::kOther},
                                                 {"valve1.open", "", 0, SignalClass::kOther},
                                                 {"valve1.travel_ms", "ms", 1, SignalClass::kOther},
                                                 {"valve2.open", "", 0, SignalClass::kOther},
                                                 {"valve2.travel_ms", "ms", 1, SignalClass::kOther}};
    return kSignals;
  }
  void Step(Timestamp, std::span<double> values) override {
    ++steps_;
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = steps_ * 10.0 + static_cast<double>(i);
    for (std::size_t i = 0; i < grid_.size(); ++i) grid_[i] = static_cast<float>(steps_ + i);
  }
  GroundTruth truth() const override { return {}; }
  std::optional<FrameView> frame() const override { return FrameView{"grid", 2, 3, grid_}; }

 private:
  int steps_ = 0;
  std::array<float, 6> grid_{};
};

Result<std::unique_ptr<opcua::Client>> Connect(int port) {
  opcua::ClientOptions o;
  o.endpoint_url = "opc.tcp://127.0.0.1:" + std::to_string(port);
  o.connect_timeout = std::chrono::milliseconds(2000);
  return opcua::Client::Connect(o);
}

class OpcuaOutletTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(outlet_.Add("plant/line1/line-01", twin_).ok());
    ASSERT_TRUE(outlet_.Start().ok());
    twin_.Step(0, values_);
    outlet_.Publish(0, 1'700'000'000'000'000'000, values_);
  }
  NodeId Id(const std::string& s) const { return NodeId::StringId(outlet_.namespace_index(), s); }

  ShapesTwin twin_;
  std::array<double, 5> values_{};
  OpcuaOutlet outlet_{"127.0.0.1", 0};
};

TEST_F(OpcuaOutletTest, ServesScalarsWithTheRecordTime) {
  auto client = Connect(outlet_.port());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto value = (*client)->ReadValue(Id("plant/line1/line-01/speed"));
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  ASSERT_TRUE(value->value.has_value());
  EXPECT_EQ(std::get<double>(value->value->values.at(0)), 10.0);
  ASSERT_TRUE(value->source_timestamp.has_value());
  EXPECT_EQ(opcua::TimestampFromDateTime(*value->source_timestamp), 1'700'000'000'000'000'000);
}

TEST_F(OpcuaOutletTest, ServesDottedSignalsAsOneStructurePerPartDecodedFromTheServersTypes) {
  auto client = Connect(outlet_.port());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  for (int valve : {1, 2}) {
    auto value = (*client)->ReadValue(Id("plant/line1/line-01/valve" + std::to_string(valve)));
    ASSERT_TRUE(value.ok()) << value.status().ToString();
    const auto& object = std::get<opcua::ExtensionObject>(value->value->values.at(0));
    auto decoded = (*client)->DecodeStructure(object);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(decoded->data_type, Id("types/PlcLineValveStatus"));  // one type for both valves
    const opcua::FieldValue* open = decoded->Find("open");
    const opcua::FieldValue* travel = decoded->Find("travel_ms");
    ASSERT_NE(open, nullptr);
    ASSERT_NE(travel, nullptr);
    EXPECT_EQ(std::get<double>(open->builtins.at(0)), 10.0 + (valve == 1 ? 1 : 3));
    EXPECT_EQ(std::get<double>(travel->builtins.at(0)), 10.0 + (valve == 1 ? 2 : 4));
  }
}

TEST_F(OpcuaOutletTest, ServesTheFrameAsAFloatMatrix) {
  auto client = Connect(outlet_.port());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto value = (*client)->ReadValue(Id("plant/line1/line-01/grid"));
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(value->value->type, opcua::BuiltinType::kFloat);
  EXPECT_EQ(value->value->dimensions, (std::vector<std::int32_t>{2, 3}));
  ASSERT_EQ(value->value->values.size(), 6u);
  EXPECT_EQ(std::get<float>(value->value->values[5]), 6.0f);
}

TEST_F(OpcuaOutletTest, AnOutageRefusesConnectionsUntilItEnds) {
  const int port = outlet_.port();
  outlet_.SetReachable(false);
  EXPECT_FALSE(Connect(port).ok());
  outlet_.SetReachable(true);
  EXPECT_EQ(outlet_.port(), port);
  twin_.Step(0, values_);
  outlet_.Publish(0, 1'700'000'001'000'000'000, values_);
  auto client = Connect(port);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto value = (*client)->ReadValue(Id("plant/line1/line-01/speed"));
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(std::get<double>(value->value->values.at(0)), 20.0);
}

TEST(FleetOverOpcua, ServesAnOpcuaGroupAndListsItsEndpoint) {
  FleetConfig config;
  config.opcua.port = 0;
  MachineGroup g;
  g.protocol = Protocol::kOpcua;
  g.count = 2;
  g.model.interval_ns = 50 * kNanosPerMilli;
  config.machines.push_back(g);
  Fleet fleet(config);
  ASSERT_TRUE(fleet.Start().ok());
  const std::vector<std::string> endpoints = fleet.Endpoints();
  ASSERT_EQ(endpoints.size(), 1u);
  ASSERT_EQ(endpoints[0].rfind("opcua opc.tcp://127.0.0.1:", 0), 0u) << endpoints[0];
  const int port = std::stoi(endpoints[0].substr(endpoints[0].rfind(':') + 1));
  auto client = Connect(port);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto ns = (*client)->NamespaceArray();
  ASSERT_TRUE(ns.ok());
  std::uint16_t index = 0;
  for (std::size_t i = 0; i < ns->size(); ++i)
    if ((*ns)[i] == "urn:millwright:sim") index = static_cast<std::uint16_t>(i);
  ASSERT_NE(index, 0);
  const NodeId rpm = NodeId::StringId(index, "plant/line1/machine-02/rpm");
  double first = 0;
  for (int i = 0; i < 100 && first == 0; ++i) {
    auto v = (*client)->ReadValue(rpm);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    first = std::get<double>(v->value->values.at(0));
    if (first == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GE(first, 900.0);  // inside the default rpm range once the twin has run
  fleet.Stop();
  EXPECT_GE(fleet.readings_published(), 2u);
}

}  // namespace
}  // namespace mw::sim
