// sim -> Mosquitto -> serve -> API, with every part a real process on loopback.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <signal.h>

#include <thread>

#include "app/demo_config.h"
#include "connectors/mqtt/mosquitto_broker.h"
#include "core/clock.h"
#include "core/process.h"
#include "tests/api/http_client.h"
#include "tests/support/test_support.h"

namespace mw {
namespace {

using nlohmann::json;
using testing::BinaryPath;
using testing::TempDir;
using testing::WaitUntil;

std::string FleetFile(int broker_port) {
  return "[mqtt]\nhost = \"127.0.0.1\"\nport = " + std::to_string(broker_port) +
         "\nqos = 1\nclient_id = \"it-sim\"\n\n[[machines]]\ntype = \"rotating\"\ncount = 3\nline = "
         "\"line1\"\n"
         "name = \"machine\"\ninterval = \"50ms\"\nseed = 7\n";
}

class PlatformTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto broker = connectors::mqtt::MosquittoBroker::Start(dir_.path());
    ASSERT_TRUE(broker.ok()) << broker.status().ToString();
    broker_ = std::make_unique<connectors::mqtt::MosquittoBroker>(std::move(broker).value());
    auto port = FreeLoopbackPort();
    ASSERT_TRUE(port.ok());
    http_port_ = *port;
    testing::WriteFile(
        dir_.File("plant.toml"),
        app::DemoServeConfig("127.0.0.1:" + std::to_string(http_port_), broker_->port(), dir_.File("data")));
    testing::WriteFile(dir_.File("fleet.toml"), FleetFile(broker_->port()));
    auto serve = ChildProcess::Spawn({BinaryPath("millwright"), "serve", "-c", dir_.File("plant.toml")},
                                     dir_.File("serve.log"));
    ASSERT_TRUE(serve.ok()) << serve.status().ToString();
    serve_ = std::move(serve).value();
    ASSERT_TRUE(WaitForPort(http_port_, std::chrono::seconds(10)))
        << testing::ReadFile(dir_.File("serve.log"));
    auto sim = ChildProcess::Spawn({BinaryPath("millwright"), "sim", "-c", dir_.File("fleet.toml")},
                                   dir_.File("sim.log"));
    ASSERT_TRUE(sim.ok()) << sim.status().ToString();
    sim_ = std::move(sim).value();
  }

  json GetJson(const std::string& target) {
    auto r = testing::Get(http_port_, target);
    if (r.status != 200) return json{{"http_status", r.status}, {"body", r.body}, {"error", r.error}};
    return json::parse(r.body, nullptr, false);
  }
  std::uint64_t Status(const std::string& field) {
    json s = GetJson("/api/v1/status");
    return s.contains(field) ? s[field].get<std::uint64_t>() : 0;
  }
  std::string Logs() {
    return "--- serve.log\n" + testing::ReadFile(dir_.File("serve.log")) + "--- sim.log\n" +
           testing::ReadFile(dir_.File("sim.log"));
  }

  TempDir dir_;
  std::unique_ptr<connectors::mqtt::MosquittoBroker> broker_;
  int http_port_ = 0;
  ChildProcess serve_;
  ChildProcess sim_;
};

TEST_F(PlatformTest, SimulatedAssetsArriveWithFreshValues) {
  ASSERT_TRUE(WaitUntil([&] { return GetJson("/api/v1/assets")["assets"].size() == 3; })) << Logs();
  json assets = GetJson("/api/v1/assets");
  EXPECT_EQ(assets["assets"][0]["path"], "plant1/line1/machine-01");
  EXPECT_EQ(assets["assets"][0]["template"], "rotating");
  ASSERT_TRUE(WaitUntil([&] {
    json a = GetJson("/api/v1/assets/plant1/line1/machine-02");
    for (const auto& s : a["signals"])
      if (s["name"] == "vibration" && !s["value"].is_null()) return true;
    return false;
  })) << Logs();
  json asset = GetJson("/api/v1/assets/plant1/line1/machine-02");
  std::int64_t now_ms = SystemClock::Instance().Now() / kNanosPerMilli;
  for (const auto& s : asset["signals"]) {
    if (s["name"] != "temperature" && s["name"] != "vibration" && s["name"] != "rpm") continue;
    ASSERT_FALSE(s["time"].is_null()) << s;
    EXPECT_LT(now_ms - s["time"].get<std::int64_t>(), 5000) << "stale value: " << s;
  }
  json series = GetJson("/api/v1/series?asset=plant1/line1/machine-02&signal=rpm&from=-1m");
  EXPECT_GT(series["points"].size(), 0u) << series;
  EXPECT_EQ(series["unit"], "rpm");
  EXPECT_EQ(GetJson("/api/v1/assets/plant1/nope")["http_status"], 404);
}

TEST_F(PlatformTest, DetectorsProduceScoreSeries) {
  // Warm-up is 30 readings at 20 per second.
  ASSERT_TRUE(WaitUntil(
      [&] {
        json s =
            GetJson("/api/v1/series?asset=plant1/line1/machine-01&signal=vibration.anomaly_score&from=-1m");
        return s.contains("points") && !s["points"].empty();
      },
      std::chrono::seconds(15)))
      << Logs();
  auto metrics = testing::Get(http_port_, "/metrics").body;
  EXPECT_NE(metrics.find("mw_derived_samples_total"), std::string::npos);
  EXPECT_NE(metrics.find("mw_processing_latency_seconds_bucket"), std::string::npos);
}

TEST_F(PlatformTest, MalformedMessageIsCountedAndTheRestKeepsFlowing) {
  ASSERT_TRUE(WaitUntil([&] { return Status("samples_ingested") > 0; })) << Logs();
  auto pub =
      ChildProcess::Spawn({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(broker_->port()), "-t",
                           "plant/line1/machine-01/telemetry", "-m", "{\"ts\": 1, \"vibration\": "});
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  ASSERT_EQ(pub->Wait(std::chrono::seconds(5)), 0);
  ASSERT_TRUE(WaitUntil([&] { return Status("decode_errors") == 1; })) << Logs();
  std::uint64_t after = Status("samples_ingested");
  EXPECT_TRUE(WaitUntil([&] { return Status("samples_ingested") > after + 30; })) << Logs();
  auto metrics = testing::Get(http_port_, "/metrics").body;
  EXPECT_NE(metrics.find("reason=\"invalid_json\""), std::string::npos) << metrics;
  EXPECT_NE(testing::ReadFile(dir_.File("serve.log")).find("plant/line1/machine-01/telemetry"),
            std::string::npos)
      << "the log names the topic";
}

TEST_F(PlatformTest, IngestionResumesAfterTheBrokerRestarts) {
  ASSERT_TRUE(WaitUntil([&] { return Status("samples_ingested") > 0; })) << Logs();
  broker_->Kill();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::uint64_t during = Status("samples_ingested");
  ASSERT_TRUE(broker_->Restart().ok());
  EXPECT_TRUE(WaitUntil([&] { return Status("samples_ingested") > during + 60; }, std::chrono::seconds(20)))
      << "no data after the broker came back\n"
      << Logs();
  EXPECT_TRUE(serve_.running());
}

TEST_F(PlatformTest, HistoryOutlivesKillNineAndExports) {
  ASSERT_TRUE(WaitUntil([&] { return Status("samples_ingested") > 300; })) << Logs();
  sim_.Stop();
  json before = GetJson("/api/v1/series?asset=plant1/line1/machine-01&signal=rpm&from=-10m&limit=100000");
  ASSERT_GT(before["points"].size(), 0u) << before;
  serve_.Stop(SIGKILL, std::chrono::seconds(5));
  auto serve = ChildProcess::Spawn({BinaryPath("millwright"), "serve", "-c", dir_.File("plant.toml")},
                                   dir_.File("serve2.log"));
  ASSERT_TRUE(serve.ok());
  serve_ = std::move(serve).value();
  ASSERT_TRUE(WaitForPort(http_port_, std::chrono::seconds(10)))
      << testing::ReadFile(dir_.File("serve2.log"));
  json after = GetJson("/api/v1/series?asset=plant1/line1/machine-01&signal=rpm&from=-10m&limit=100000");
  ASSERT_GE(after["points"].size(), before["points"].size()) << testing::ReadFile(dir_.File("serve2.log"));
  for (std::size_t i = 0; i < before["points"].size(); ++i)
    ASSERT_EQ(after["points"][i], before["points"][i]) << i;
  json buckets =
      GetJson("/api/v1/series?asset=plant1/line1/machine-01&signal=rpm&from=-10m&step=1m&agg=count");
  std::uint64_t counted = 0;
  for (const auto& row : buckets["points"]) counted += row[1].get<std::uint64_t>();
  EXPECT_EQ(counted, after["points"].size()) << buckets;
  EXPECT_EQ(serve_.Stop(SIGTERM, std::chrono::seconds(10)), 0);

  // Offline export of the same folder.
  auto exp = ChildProcess::Spawn(
      {BinaryPath("millwright"), "export", "-c", dir_.File("plant.toml"), "--from", "-10m", "--asset",
       "plant1/line1/machine-01", "--format", "csv", "-o", dir_.File("out.csv")},
      dir_.File("export.log"));
  ASSERT_TRUE(exp.ok());
  ASSERT_EQ(exp->Wait(std::chrono::seconds(30)), 0) << testing::ReadFile(dir_.File("export.log"));
  std::string csv = testing::ReadFile(dir_.File("out.csv"));
  EXPECT_EQ(csv.rfind("asset,signal,time,time_ns,value,quality\n", 0), 0u);
  std::size_t rpm_lines = 0;
  for (std::size_t at = csv.find(",rpm,"); at != std::string::npos; at = csv.find(",rpm,", at + 1))
    ++rpm_lines;
  EXPECT_EQ(rpm_lines, after["points"].size());
  EXPECT_EQ(csv.find("machine-02"), std::string::npos) << "only the asked asset";
}

TEST_F(PlatformTest, SigtermDrainsAndExitsCleanly) {
  ASSERT_TRUE(WaitUntil([&] { return Status("samples_ingested") > 0; })) << Logs();
  sim_.Stop();
  EXPECT_EQ(serve_.Stop(SIGTERM, std::chrono::seconds(10)), 0) << Logs();
  EXPECT_NE(testing::ReadFile(dir_.File("serve.log")).find("samples processed"), std::string::npos);
}

TEST(CheckConfig, PrintsEveryErrorWithItsPlace) {
  TempDir dir;
  testing::WriteFile(dir.File("bad.toml"), R"([server]
workers = 0
[templates.t]
signals = ["a"]
[[templates.t.detectors]]
type = "zscore"
treshold = 3
[[sources]]
type = "mqtt"
port = 99999
topics = ["x/#"]
)");
  auto run = ChildProcess::Spawn({BinaryPath("millwright"), "check-config", "-c", dir.File("bad.toml")},
                                 dir.File("out"));
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->Wait(std::chrono::seconds(10)), 2);
  std::string out = testing::ReadFile(dir.File("out"));
  EXPECT_NE(out.find("bad.toml:2:11: server.workers: expected an integer from 1 to 64, got 0"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("bad.toml:7:12: templates.t.detectors[0].treshold: unknown option"), std::string::npos)
      << out;
  EXPECT_NE(out.find("bad.toml:10:8: sources[0].port:"), std::string::npos) << out;
  EXPECT_NE(out.find("3 errors"), std::string::npos) << out;
}

TEST(Examples, RotatingPlantConfigIsValid) {
  TempDir dir;
  auto run = ChildProcess::Spawn({BinaryPath("millwright"), "check-config", "-c",
                                  std::string(MW_SOURCE_DIR) + "/examples/rotating-plant/plant.toml"},
                                 dir.File("out"));
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->Wait(std::chrono::seconds(10)), 0) << testing::ReadFile(dir.File("out"));
}

TEST(Plugins, ListsEveryPluginWithOptions) {
  TempDir dir;
  auto run = ChildProcess::Spawn({BinaryPath("millwright"), "plugins"}, dir.File("out"));
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->Wait(std::chrono::seconds(10)), 0);
  std::string out = testing::ReadFile(dir.File("out"));
  EXPECT_NE(out.find("source mqtt"), std::string::npos) << out;
  EXPECT_NE(out.find("detector zscore"), std::string::npos) << out;
  EXPECT_NE(out.find("threshold (number, default 3.0)"), std::string::npos) << out;
}

}  // namespace
}  // namespace mw
