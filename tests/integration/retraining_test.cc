// Continuous training through real processes: pumps that publish their ground truth over a real
// Mosquitto, `serve` storing it and serving a classifier trained on other machines (ISO class IV
// pumps, which vibrate more), its retraining schedule replacing that model with one trained on the
// stored labels; then `export --dataset` reading the same labels out of the stopped server's folder.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <signal.h>

#include <map>
#include <sstream>

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

constexpr const char* kFeatures =
    "vibration_x,vibration_y,vibration_z,bearing_temperature,discharge_pressure,motor_current";

std::string Fleet(int broker) {
  return "time_acceleration = 20\n[mqtt]\nport = " + std::to_string(broker) +
         "\nqos = 1\nclient_id = \"retrain-sim\"\n\n[[machines]]\ntype = \"pump\"\ncount = 6\nline = "
         "\"pumps\"\n"
         "name = \"pump\"\nmode = \"stress\"\nseed = 4\npublish_truth = true\n";
}

std::string Plant(int http, int broker, const TempDir& dir) {
  return "[server]\nlisten = \"127.0.0.1:" + std::to_string(http) + "\"\ndata_dir = '" + dir.File("data") +
         "'\n\n[templates.pump]\nsignals = [\n  { name = \"vibration_x\" }, { name = \"vibration_y\" },\n"
         "  { name = \"vibration_z\" }, { name = \"bearing_temperature\" },\n"
         "  { name = \"discharge_pressure\" }, { name = \"motor_current\" }, { name = \"health_truth\" "
         "},\n]\n\n"
         "[[templates.pump.detectors]]\ntype = \"health_classifier\"\nmodel = '" +
         dir.File("pump.mwm") +
         "'\nsignals = [\"vibration_x\", \"vibration_y\", \"vibration_z\", \"bearing_temperature\", "
         "\"discharge_pressure\", \"motor_current\"]\nreload_interval = \"200ms\"\nretrain_every = \"3s\"\n"
         "retrain_window = \"1d\"\nretrain_min_rows = 500\n\n"
         "[[sources]]\ntype = \"mqtt\"\nname = \"pumps\"\nport = " +
         std::to_string(broker) +
         "\ntopics = [\"plant/+/+/telemetry\"]\nasset = \"plant1/{1}/{2}\"\ntemplate = \"pump\"\nqos = 1\n";
}

int RunMillwright(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> argv{BinaryPath("millwright")};
  argv.insert(argv.end(), args.begin(), args.end());
  auto p = ChildProcess::Spawn(argv, log);
  if (!p.ok()) return -1;
  return p->Wait(std::chrono::seconds(120)).value_or(-1);
}

TEST(Retraining, PromotesAModelTrainedOnStoredLabelsAndExportsThem) {
  if (FindExecutable("mosquitto").empty()) GTEST_SKIP() << "mosquitto not installed";
  TempDir dir;
  auto broker = connectors::mqtt::MosquittoBroker::Start(dir.path());
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  auto http = FreeLoopbackPort();
  ASSERT_TRUE(http.ok());
  const std::string log = dir.File("steps.log");
  ASSERT_EQ(RunMillwright({"sim", "--lifecycles", "4", "--out", dir.File("other"), "--mode", "stress",
                           "--iso-class", "4", "--seed", "9"},
                          log),
            0)
      << testing::ReadFile(log);
  ASSERT_EQ(RunMillwright({"train", "--input", dir.File("other/lifecycles.csv"), "--out",
                           dir.File("pump.mwm"), "--trees", "10", "--threads", "1", "--features", kFeatures},
                          log),
            0)
      << testing::ReadFile(log);
  testing::WriteFile(dir.File("fleet.toml"), Fleet(broker->port()));
  testing::WriteFile(dir.File("plant.toml"), Plant(*http, broker->port(), dir));
  auto serve = ChildProcess::Spawn({BinaryPath("millwright"), "serve", "-c", dir.File("plant.toml")},
                                   dir.File("serve.log"));
  ASSERT_TRUE(serve.ok());
  ASSERT_TRUE(WaitForPort(*http, std::chrono::seconds(10))) << testing::ReadFile(dir.File("serve.log"));
  auto sim = ChildProcess::Spawn({BinaryPath("millwright"), "sim", "-c", dir.File("fleet.toml")},
                                 dir.File("sim.log"));
  ASSERT_TRUE(sim.ok());

  json promoted;
  const auto promotion = [&] {
    auto r = testing::Get(*http, "/api/v1/models");
    json models = json::parse(r.body, nullptr, false);
    if (r.status != 200 || !models.contains("models") || models["models"].empty()) return false;
    for (const json& t : models["models"][0]["trainings"]) {
      if (t["decision"] == "promoted") promoted = t;
    }
    return !promoted.is_null() && models["models"][0]["model"]["version"] == 2;
  };
  EXPECT_TRUE(WaitUntil(promotion, std::chrono::seconds(90)))
      << testing::Get(*http, "/api/v1/models").body << "\n"
      << testing::ReadFile(dir.File("serve.log"));
  if (!promoted.is_null()) {
    EXPECT_GT(promoted["candidate"]["macro_f1"].get<double>(), promoted["serving"]["macro_f1"].get<double>());
    EXPECT_EQ(promoted["candidate"]["units"], promoted["serving"]["units"]);  // the same held-out pumps
    EXPECT_NE(testing::ReadFile(dir.File("data/models/training-log.jsonl")).find("\"promoted\""),
              std::string::npos);
  }
  // Run until some pump has failed, so that the store holds every state.
  const auto some_broken = [&] {
    for (int i = 1; i <= 6; ++i) {
      auto r = testing::Get(*http, "/api/v1/assets/plant1/pumps/pump-0" + std::to_string(i));
      json a = json::parse(r.body, nullptr, false);
      if (r.status != 200 || !a.contains("signals")) continue;
      for (const json& signal : a["signals"]) {
        if (signal["name"] == "health_truth" && signal["value"] == 3) return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(WaitUntil(some_broken, std::chrono::seconds(60)));
  EXPECT_EQ(sim->Stop(SIGTERM), 0);
  EXPECT_EQ(serve->Stop(SIGTERM), 0) << testing::ReadFile(dir.File("serve.log"));

  ASSERT_EQ(RunMillwright({"export", "--dataset", "--data", dir.File("data"), "--from", "0", "--to",
                           "2100-01-01T00:00:00Z", "--features", "vibration_x,vibration_x.mean10",
                           "--balanced", "-o", dir.File("dataset.csv")},
                          log),
            0)
      << testing::ReadFile(log);
  std::istringstream csv(testing::ReadFile(dir.File("dataset.csv")));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "unit,time,vibration_x,vibration_x.mean10,state");
  std::map<std::string, int> per_class;
  while (std::getline(csv, line)) ++per_class[line.substr(line.rfind(',') + 1)];
  EXPECT_EQ(per_class.size(), 4u);  // the stress lives run through every state
  EXPECT_EQ(per_class["HEALTHY"], per_class["BROKEN"]);
}

}  // namespace
}  // namespace mw
