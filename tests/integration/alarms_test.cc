// Alarms end to end, every part a real process or server on loopback: mosquitto_pub -> Mosquitto ->
// `millwright serve` (rule, lifecycle, journal) -> the API, the MQTT alerts topic (mosquitto_sub)
// and a webhook receiver; then kill -9 and a restart, after which the alarm list is what it was.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <mutex>
#include <string>
#include <vector>

#include "api/http_server.h"
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

std::string PlantConfig(int http_port, int broker_port, int hook_port, const std::string& data_dir) {
  const std::string broker = std::to_string(broker_port);
  return "[server]\nlisten = \"127.0.0.1:" + std::to_string(http_port) + "\"\ndata_dir = '" + data_dir +
         "'\n\n"
         "[templates.pump]\n"
         "signals = [{ name = \"vibration_x\", unit = \"mm/s\" }, { name = \"running\" }]\n\n"
         "[[templates.pump.alarms]]\n"
         "name = \"vibration_high\"\n"
         "when = \"vibration_x > 7.1\"\n"
         "deadband = 0.3\n"
         "suppress_when = \"running == 0\"\n"
         "severity = \"major\"\n"
         "priority = 2\n"
         "message = \"{asset}: vibration {value} mm/s above {limit}\"\n\n"
         "[[assets]]\npath = \"plant/pump-01\"\ntemplate = \"pump\"\n\n"
         "[[sources]]\ntype = \"mqtt\"\nhost = \"127.0.0.1\"\nport = " +
         broker +
         "\ntopics = [\"plant/+/telemetry\"]\nasset = \"plant/{1}\"\ntemplate = \"pump\"\nqos = 1\n\n"
         "[[notifications]]\ntype = \"mqtt\"\nname = \"alerts\"\nport = " +
         broker +
         "\n\n"
         "[[notifications]]\ntype = \"webhook\"\nname = \"hook\"\nurl = \"http://127.0.0.1:" +
         std::to_string(hook_port) + "/hook\"\nretry_min = \"50ms\"\n";
}

class AlarmsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto broker = connectors::mqtt::MosquittoBroker::Start(dir_.path());
    ASSERT_TRUE(broker.ok()) << broker.status().ToString();
    broker_ = std::make_unique<connectors::mqtt::MosquittoBroker>(std::move(broker).value());
    hook_router_.Add({"POST", "/hook", api::Route::Match::kExact, api::Role::kPublic, "test hook",
                      [this](const api::Request& req) {
                        std::lock_guard lock(mu_);
                        hooks_.push_back(json::parse(req.body, nullptr, false));
                        return api::Response::Text(204, "");
                      }});
    api::HttpServerOptions options;
    options.listen = "127.0.0.1:0";
    hook_server_ = std::make_unique<api::HttpServer>(options, hook_router_);
    ASSERT_TRUE(hook_server_->Start().ok());
    auto port = FreeLoopbackPort();
    ASSERT_TRUE(port.ok());
    http_port_ = *port;
    testing::WriteFile(dir_.File("plant.toml"),
                       PlantConfig(http_port_, broker_->port(), hook_server_->port(), dir_.File("data")));
    auto sub = ChildProcess::Spawn({"mosquitto_sub", "-h", "127.0.0.1", "-p", std::to_string(broker_->port()),
                                    "-t", "millwright/alerts"},
                                   dir_.File("alerts.log"));
    ASSERT_TRUE(sub.ok());
    sub_ = std::move(sub).value();
    StartServe();
  }

  void TearDown() override {
    serve_.Stop();
    sub_.Stop();
    if (hook_server_) hook_server_->Stop();
  }

  void StartServe() {
    auto serve = ChildProcess::Spawn({BinaryPath("millwright"), "serve", "-c", dir_.File("plant.toml")},
                                     dir_.File("serve.log"));
    ASSERT_TRUE(serve.ok()) << serve.status().ToString();
    serve_ = std::move(serve).value();
    ASSERT_TRUE(WaitForPort(http_port_, std::chrono::seconds(10))) << Logs();
  }

  void Publish(double vibration, double running) {
    const std::int64_t ms = SystemClock::Instance().Now() / kNanosPerMilli;
    const std::string payload = "{\"ts\": " + std::to_string(ms) +
                                ", \"vibration_x\": " + std::to_string(vibration) +
                                ", \"running\": " + std::to_string(running) + "}";
    auto pub = ChildProcess::Spawn({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(broker_->port()),
                                    "-q", "1", "-t", "plant/pump-01/telemetry", "-m", payload});
    ASSERT_TRUE(pub.ok());
    ASSERT_EQ(pub->Wait(std::chrono::seconds(5)), 0);
  }

  // Publishes the reading until the alarm list satisfies `done` (the source may not have
  // subscribed yet when the first one goes out).
  bool PublishUntil(double vibration, double running, const std::function<bool(const json&)>& done) {
    for (int i = 0; i < 50; ++i) {
      Publish(vibration, running);
      if (WaitUntil([&] { return done(Alarms()); }, std::chrono::milliseconds(300))) return true;
    }
    return false;
  }

  json GetJson(const std::string& target) {
    auto r = testing::Get(http_port_, target);
    if (r.status != 200) return json{{"http_status", r.status}, {"body", r.body}};
    return json::parse(r.body, nullptr, false);
  }
  json Alarms() { return GetJson("/api/v1/alarms")["alarms"]; }
  testing::HttpResponse Post(const std::string& target, const json& body) {
    return testing::Request(http_port_, "POST", target, body.dump(), {{"Content-Type", "application/json"}});
  }
  std::vector<json> Hooks() {
    std::lock_guard lock(mu_);
    return hooks_;
  }
  std::string Logs() { return "--- serve.log\n" + testing::ReadFile(dir_.File("serve.log")); }

  TempDir dir_;
  std::unique_ptr<connectors::mqtt::MosquittoBroker> broker_;
  api::Router hook_router_;
  std::unique_ptr<api::HttpServer> hook_server_;
  std::mutex mu_;
  std::vector<json> hooks_;
  int http_port_ = 0;
  ChildProcess serve_;
  ChildProcess sub_;
};

TEST_F(AlarmsTest, AnAlarmIsRaisedAcknowledgedAnnouncedAndSurvivesKillNine) {
  ASSERT_TRUE(PublishUntil(9.0, 1, [](const json& a) { return a.size() == 1; })) << Logs();
  json alarm = Alarms()[0];
  EXPECT_EQ(alarm["asset"], "plant/pump-01");
  EXPECT_EQ(alarm["rule"], "vibration_high");
  EXPECT_EQ(alarm["state"], "active_unacked");
  EXPECT_EQ(alarm["severity"], "major");
  EXPECT_EQ(alarm["value"], 9.0);
  EXPECT_EQ(alarm["message"], "plant/pump-01: vibration 9 mm/s above 7.1");
  const std::string id = alarm["id"];

  // Operator actions, checked.
  EXPECT_EQ(Post("/api/v1/alarms/" + id + "/ack", json::object()).status, 400);  // no user
  EXPECT_EQ(Post("/api/v1/alarms/0123456789abcdef/ack", {{"user", "ana"}}).status, 404);
  EXPECT_EQ(Post("/api/v1/alarms/" + id + "/dance", {{"user", "ana"}}).status, 404);
  auto acked = Post("/api/v1/alarms/" + id + "/ack", {{"user", "ana"}, {"comment", "bearing checked"}});
  ASSERT_EQ(acked.status, 200) << acked.body;
  EXPECT_EQ(json::parse(acked.body)["state"], "active_acked");
  EXPECT_EQ(Post("/api/v1/alarms/" + id + "/ack", {{"user", "ana"}}).status, 409);

  json one = GetJson("/api/v1/alarms/" + id);
  ASSERT_EQ(one["journal"].size(), 2u) << one;
  EXPECT_EQ(one["journal"][1]["action"], "acknowledge");
  EXPECT_EQ(one["journal"][1]["user"], "ana");
  EXPECT_EQ(one["journal"][1]["comment"], "bearing checked");
  EXPECT_EQ(GetJson("/api/v1/alarms/history?from=-1h")["records"].size(), 2u);

  // Announced on the alerts topic and to the webhook, in order.
  ASSERT_TRUE(WaitUntil([&] { return Hooks().size() == 2; })) << Logs();
  EXPECT_EQ(Hooks()[0]["action"], "activate");
  EXPECT_EQ(Hooks()[1]["action"], "acknowledge");
  ASSERT_TRUE(WaitUntil([&] {
    return testing::ReadFile(dir_.File("alerts.log")).find("\"acknowledge\"") != std::string::npos;
  })) << testing::ReadFile(dir_.File("alerts.log"));

  // kill -9: the journal was synced before the API answered; after a restart the list is the same.
  const json before = GetJson("/api/v1/alarms?all=true")["alarms"];
  serve_.Kill();
  StartServe();
  const json after = GetJson("/api/v1/alarms?all=true")["alarms"];
  ASSERT_EQ(after.size(), before.size()) << after;
  for (std::size_t i = 0; i < after.size(); ++i) {
    for (const char* field : {"id", "state", "since", "shown", "escalated", "shelved"})
      EXPECT_EQ(after[i][field], before[i][field]) << field;
  }
  EXPECT_EQ(GetJson("/api/v1/alarms/" + id)["journal"].size(), 2u);

  // The condition carries on: a normal reading clears the acknowledged alarm to normal.
  ASSERT_TRUE(PublishUntil(1.0, 1, [](const json& a) { return a.empty(); })) << Logs();
  EXPECT_EQ(GetJson("/api/v1/alarms/" + id)["state"], "normal");
  EXPECT_EQ(GetJson("/api/v1/alarms/" + id)["journal"].size(), 3u);
}

TEST_F(AlarmsTest, AStoppedMachineRaisesNoVibrationAlarm) {
  ASSERT_TRUE(PublishUntil(9.0, 0, [this](const json&) {
    const json all = GetJson("/api/v1/alarms?all=true")["alarms"];
    return all.size() == 1 && all[0]["suppressed"] == true;
  })) << Logs();
  for (const json& a : Alarms()) EXPECT_FALSE(a["shown"].get<bool>()) << a;
  EXPECT_TRUE(Hooks().empty());
}

}  // namespace
}  // namespace mw
