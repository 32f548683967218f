// Each reference plant of examples/ run as a user would: `millwright sim -c fleet.toml` and
// `millwright serve -c plant.toml`, as real processes (and a real Mosquitto where the example needs
// a broker), with the example's fixed ports and folders rewritten to free ones in a temporary copy.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <signal.h>

#include <memory>

#include "connectors/mqtt/mosquitto_broker.h"
#include "core/process.h"
#include "tests/api/http_client.h"
#include "tests/support/test_support.h"

namespace mw {
namespace {

using nlohmann::json;
using testing::BinaryPath;
using testing::TempDir;
using testing::WaitUntil;

struct Example {
  std::string dir;
  bool broker = false;
  std::string asset;
  std::vector<std::string> signals;  // each must get values
  // millwright commands run first, in the test's folder (training a model, say)
  std::vector<std::vector<std::string>> prepare = {};
};

// The test's name in ctest's listing, rather than the bytes of the struct.
void PrintTo(const Example& e, std::ostream* os) { *os << e.dir; }

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

class ExamplesTest : public ::testing::TestWithParam<Example> {
 protected:
  // The example's file with its ports and folders moved to this test's.
  std::string Rewritten(const std::string& file) {
    std::string text =
        testing::ReadFile(std::string(MW_SOURCE_DIR) + "/examples/" + GetParam().dir + "/" + file);
    text = Replace(text, "127.0.0.1:8080", "127.0.0.1:" + std::to_string(http_port_));
    text = Replace(text, "4841", std::to_string(opcua_port_));
    text = Replace(text, "port = 1883", "port = " + std::to_string(broker_port_));
    text = Replace(text, "data_dir = \"data\"", "data_dir = '" + dir_.File("data") + "'");
    text = Replace(text, "model = \"pump.mwm\"", "model = '" + dir_.File("pump.mwm") + "'");
    text = Replace(text, "model = \"pump-rul.mwm\"", "model = '" + dir_.File("pump-rul.mwm") + "'");
    text = Replace(text, "ground_truth = \"chaos-ground-truth.csv\"",
                   "ground_truth = '" + dir_.File("truth.csv") + "'");
    const std::string out = dir_.File(file);
    testing::WriteFile(out, text);
    return out;
  }

  void SetUp() override {
    if (GetParam().broker) {
      if (FindExecutable("mosquitto").empty()) GTEST_SKIP() << "mosquitto not installed";
      auto broker = connectors::mqtt::MosquittoBroker::Start(dir_.path());
      ASSERT_TRUE(broker.ok()) << broker.status().ToString();
      broker_ = std::make_unique<connectors::mqtt::MosquittoBroker>(std::move(broker).value());
      broker_port_ = broker_->port();
    }
    for (std::vector<std::string> command : GetParam().prepare) {
      for (std::string& arg : command) arg = Replace(arg, "{dir}", dir_.path());
      command.insert(command.begin(), BinaryPath("millwright"));
      auto step = ChildProcess::Spawn(command, dir_.File("prepare.log"));
      ASSERT_TRUE(step.ok()) << step.status().ToString();
      ASSERT_EQ(step->Wait(std::chrono::seconds(120)), 0) << testing::ReadFile(dir_.File("prepare.log"));
    }
    auto http = FreeLoopbackPort();
    auto opcua = FreeLoopbackPort();
    ASSERT_TRUE(http.ok() && opcua.ok());
    http_port_ = *http;
    opcua_port_ = *opcua;
    auto sim = ChildProcess::Spawn({BinaryPath("millwright"), "sim", "-c", Rewritten("fleet.toml")},
                                   dir_.File("sim.log"));
    ASSERT_TRUE(sim.ok()) << sim.status().ToString();
    sim_ = std::move(sim).value();
    auto serve = ChildProcess::Spawn({BinaryPath("millwright"), "serve", "-c", Rewritten("plant.toml")},
                                     dir_.File("serve.log"));
    ASSERT_TRUE(serve.ok()) << serve.status().ToString();
    serve_ = std::move(serve).value();
  }

  bool HasValue(const std::string& signal) {
    auto r = testing::Get(http_port_, "/api/v1/assets/" + GetParam().asset);
    if (r.status != 200) return false;
    json a = json::parse(r.body, nullptr, false);
    if (!a.contains("signals")) return false;
    for (const auto& s : a["signals"])
      if (s["name"] == signal && s["value"].is_number()) return true;
    return false;
  }

  std::string Logs() {
    return "--- sim.log\n" + testing::ReadFile(dir_.File("sim.log")) + "--- serve.log\n" +
           testing::ReadFile(dir_.File("serve.log"));
  }

  TempDir dir_;
  std::unique_ptr<connectors::mqtt::MosquittoBroker> broker_;
  int broker_port_ = 0;
  int http_port_ = 0;
  int opcua_port_ = 0;
  ChildProcess sim_;
  ChildProcess serve_;
};

TEST_P(ExamplesTest, RunsAndItsSignalsReachTheApi) {
  for (const std::string& signal : GetParam().signals) {
    EXPECT_TRUE(WaitUntil([&] { return HasValue(signal); }, std::chrono::seconds(20)))
        << GetParam().asset << " " << signal << "\n"
        << Logs();
  }
  // A frame signal arrives whole and is stored by the historian.
  if (GetParam().dir == "dmls-printer-opcua") {
    json frame;
    EXPECT_TRUE(WaitUntil(
        [&] {
          auto r = testing::Get(
              http_port_, "/api/v1/frames?asset=" + GetParam().asset + "&signal=temperature_grid&at=now");
          frame = json::parse(r.body, nullptr, false);
          return r.status == 200;
        },
        std::chrono::seconds(20)))
        << frame << "\n"
        << Logs();
    EXPECT_EQ(frame["rows"], 100);
    EXPECT_EQ(frame["cols"], 100);
    ASSERT_EQ(frame["values"].size(), 10'000u);
    double max = 0;
    for (const auto& v : frame["values"]) max = std::max(max, v.get<double>());
    EXPECT_GT(max, 40.0);  // the melt spot
    EXPECT_LE(max, 81.0);
  }
  // A served model is listed with the metrics it was trained with.
  if (GetParam().dir == "pump-health") {
    auto r = testing::Get(http_port_, "/api/v1/models");
    ASSERT_EQ(r.status, 200);
    json models = json::parse(r.body, nullptr, false)["models"];
    ASSERT_EQ(models.size(), 2u) << r.body;
    const json& classifier = models[0]["model"]["kind"] == "health_classifier" ? models[0] : models[1];
    const json& rul = models[0]["model"]["kind"] == "rul_regressor" ? models[0] : models[1];
    EXPECT_EQ(classifier["model"]["kind"], "health_classifier");
    EXPECT_EQ(classifier["model"]["classes"].size(), 4u);
    EXPECT_GT(classifier["model"]["metrics"]["held_out"]["macro_f1"].get<double>(), 0.9);
    EXPECT_EQ(classifier["signals"].size(), 6u);
    EXPECT_EQ(rul["model"]["kind"], "rul_regressor");
    // Each pump's remaining life, its interval and the date of its next maintenance.
    json estimate;
    std::string answered;
    EXPECT_TRUE(WaitUntil(
        [&] {
          auto answer = testing::Get(http_port_, "/api/v1/rul");
          answered = answer.body;
          const json all = json::parse(answer.body, nullptr, false);
          if (!all.contains("assets")) return false;
          for (const json& a : all["assets"]) {
            if (a["asset"] == GetParam().asset && a["next_maintenance"].is_number()) estimate = a;
          }
          return !estimate.is_null();
        },
        std::chrono::seconds(20)))
        << answered << "\n"
        << Logs();
    EXPECT_EQ(estimate["unit"], "s") << estimate;
    EXPECT_LE(estimate["lower"].get<double>(), estimate["rul"].get<double>()) << estimate;
    EXPECT_LE(estimate["rul"].get<double>(), estimate["upper"].get<double>()) << estimate;
    EXPECT_GE(estimate["next_maintenance"].get<std::int64_t>(), estimate["time"].get<std::int64_t>())
        << estimate;
    EXPECT_TRUE(estimate["next_maintenance_iso"].is_string()) << estimate;
    // Every pump has its four alarms, whatever their state.
    EXPECT_TRUE(WaitUntil([&] {
      auto answer = testing::Get(http_port_, "/api/v1/alarms?all=true&asset=" + GetParam().asset);
      const json all = json::parse(answer.body, nullptr, false);
      return all.contains("alarms") && all["alarms"].size() == 4;
    })) << testing::Get(http_port_, "/api/v1/alarms?all=true").body;
    // And every classified record goes back to the broker, enriched.
    auto sub = ChildProcess::Spawn({FindExecutable("mosquitto_sub"), "-p", std::to_string(broker_port_), "-t",
                                    "millwright/plant1/pumps/pump-02/health", "-C", "1", "-W", "20"},
                                   dir_.File("records.log"));
    ASSERT_TRUE(sub.ok());
    EXPECT_EQ(sub->Wait(std::chrono::seconds(25)), 0);
    json record = json::parse(testing::ReadFile(dir_.File("records.log")), nullptr, false);
    EXPECT_TRUE(record["values"].contains("health_state")) << record;
    EXPECT_TRUE(record["values"].contains("vibration_x")) << record;
  }
  EXPECT_EQ(sim_.Stop(SIGTERM), 0) << Logs();
  // An example with chaos writes its ground truth when the simulator stops.
  if (GetParam().dir == "pump-fleet-sparkplug") {
    EXPECT_EQ(
        testing::ReadFile(dir_.File("truth.csv")).rfind("kind,asset,signal,start_ns,end_ns,magnitude\n", 0),
        0u);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Plants, ExamplesTest,
    ::testing::Values(Example{"plc-line-opcua",
                              false,
                              "plant1/assembly/line-01",
                              {"valve1.travel_ms", "valve4.closed", "motor.current_l3", "machine_state",
                               "motor.current_l1.anomaly_score"}},
                      Example{"pump-fleet-sparkplug",
                              true,
                              "plant1/pumps/pump-06",
                              {"vibration_z", "bearing_temperature", "motor_current"}},
                      Example{"dmls-printer-opcua",
                              false,
                              "plant1/additive/printer-01",
                              {"power", "layer", "grid_max_temperature"}},
                      Example{"rotating-plant", true, "plant1/line2/pump-04", {"vibration", "rpm"}},
                      Example{"pump-health",
                              true,
                              "plant1/pumps/pump-02",
                              {"health_state", "health_state.p_healthy", "health_state.p_broken", "rul",
                               "rul.next_maintenance"},
                              {{"sim", "--lifecycles", "16", "--out", "{dir}/lives", "--mode", "accelerated",
                                "--seed", "5"},
                               {"train", "--input", "{dir}/lives/lifecycles.csv", "--out", "{dir}/pump.mwm",
                                "--trees", "20", "--threads", "1", "--features",
                                "vibration_x,vibration_y,vibration_z,bearing_temperature,discharge_pressure,"
                                "motor_current,vibration_x.mean10,bearing_temperature.mean10"},
                               {"rul", "fit", "--input", "{dir}/lives/lifecycles.csv", "--out",
                                "{dir}/pump-rul.mwm", "--trees", "60", "--folds", "3", "--threads", "1"}}}),
    [](const auto& p) {
      std::string name = p.param.dir;
      for (char& c : name)
        if (c == '-') c = '_';
      return name;
    });

}  // namespace
}  // namespace mw
