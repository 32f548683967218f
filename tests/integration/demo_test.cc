// `millwright demo` as a user runs it: broker, mixed simulated plant and platform in one process.
// Every protocol's machines must reach the API through Millwright's own sources: rotating machines
// over MQTT JSON, pumps over Sparkplug B and over Modbus TCP, a PLC line and a printer over OPC UA.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/process.h"
#include "tests/api/http_client.h"
#include "tests/support/test_support.h"

namespace mw {
namespace {

using nlohmann::json;
using testing::BinaryPath;
using testing::TempDir;
using testing::WaitUntil;

class DemoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (FindExecutable("mosquitto").empty()) GTEST_SKIP() << "mosquitto not installed";
    auto port = FreeLoopbackPort();
    ASSERT_TRUE(port.ok());
    http_port_ = *port;
    auto demo = ChildProcess::Spawn({BinaryPath("millwright"), "demo", "--listen",
                                     "127.0.0.1:" + std::to_string(http_port_), "--data", dir_.File("data")},
                                    dir_.File("demo.log"));
    ASSERT_TRUE(demo.ok()) << demo.status().ToString();
    demo_ = std::move(demo).value();
  }

  std::string Log() { return testing::ReadFile(dir_.File("demo.log")); }

  // True once `signal` of `asset` has a value.
  bool HasValue(const std::string& asset, const std::string& signal) {
    auto r = testing::Get(http_port_, "/api/v1/assets/" + asset);
    if (r.status != 200) return false;
    json a = json::parse(r.body, nullptr, false);
    if (!a.contains("signals")) return false;
    for (const auto& s : a["signals"])
      if (s["name"] == signal && s["value"].is_number()) return true;
    return false;
  }

  TempDir dir_;
  int http_port_ = 0;
  ChildProcess demo_;
};

TEST_F(DemoTest, PrintsItsEndpointsAndEveryProtocolReachesTheApi) {
  ASSERT_TRUE(WaitUntil([&] { return Log().find("endpoint http http://") != std::string::npos; },
                        std::chrono::seconds(20)))
      << Log();
  const std::string log = Log();
  for (const char* protocol : {"mqtt mqtt://127.0.0.1:", "opcua opc.tcp://127.0.0.1:",
                               "sparkplug mqtt://127.0.0.1:", "modbus modbus+tcp://127.0.0.1:"})
    EXPECT_NE(log.find(std::string("endpoint ") + protocol), std::string::npos) << protocol << "\n" << log;
  const std::vector<std::pair<std::string, std::string>> expected{
      {"plant1/line1/machine-01", "vibration"},         // MQTT JSON
      {"plant1/pumps/pump-04", "bearing_temperature"},  // Sparkplug B
      {"plant1/utilities/pump-01", "motor_current"},    // Modbus TCP, float32 abcd
      {"plant1/utilities/pump-02", "motor_current"},    // float32 cdab
      {"plant1/utilities/pump-03", "motor_current"},    // scaled int16
      {"plant1/assembly/line-01", "motor.current_l1"},  // OPC UA, a structure's field
      {"plant1/additive/printer-01", "grid_max_temperature"},
  };
  for (const auto& [asset, signal] : expected) {
    EXPECT_TRUE(WaitUntil([&] { return HasValue(asset, signal); }, std::chrono::seconds(20)))
        << asset << " " << signal << "\n"
        << Log();
  }
}

}  // namespace
}  // namespace mw
