// Notifiers against real peers on loopback: a web server that fails then recovers, and Mosquitto
// with mosquitto_sub reading the alerts topic.
#include "alarms/notify.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alarms/http_post.h"
#include "api/http_server.h"
#include "connectors/mqtt/mosquitto_broker.h"
#include "core/process.h"
#include "tests/support/test_support.h"

namespace mw::alarms {
namespace {

using nlohmann::json;
using testing::WaitUntil;

constexpr Timestamp kSecond = 1'000'000'000;

AlarmRecord Record(std::uint64_t seq, AlarmAction action = AlarmAction::kActivate,
                   Severity severity = Severity::kMajor, Timestamp time = 1'700'000'000 * kSecond) {
  AlarmRecord r;
  r.seq = seq;
  r.id = "00000000000000a" + std::to_string(seq % 10);
  r.asset = "plant/pump-01";
  r.rule = "vibration_high";
  r.severity = severity;
  r.entry.action = action;
  r.entry.from = AlarmState::kNormal;
  r.entry.to = AlarmState::kActiveUnacked;
  r.entry.time = time;
  r.entry.value = 9.5;
  r.limit = 7.1;
  r.after.state = AlarmState::kActiveUnacked;
  r.message = "vibration " + std::to_string(seq);
  return r;
}

// A web server on loopback that answers 503 to the first `failures` POSTs, then 204.
class Receiver {
 public:
  explicit Receiver(int failures) : failures_(failures) {
    router_.Add({"POST", "/hook", api::Route::Match::kExact, api::Role::kPublic, "test hook",
                 [this](const api::Request& req) {
                   std::lock_guard lock(mu_);
                   if (failures_ > 0) {
                     --failures_;
                     return api::Response::Error(503, "busy", "try later");
                   }
                   bodies_.push_back(req.body);
                   return api::Response::Text(204, "");
                 }});
    api::HttpServerOptions options;
    options.listen = "127.0.0.1:0";
    server_ = std::make_unique<api::HttpServer>(options, router_);
  }
  Status Start() { return server_->Start(); }
  void Stop() { server_->Stop(); }
  int port() const { return server_->port(); }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mu_);
    return bodies_;
  }

 private:
  std::mutex mu_;
  int failures_;
  std::vector<std::string> bodies_;
  api::Router router_;
  std::unique_ptr<api::HttpServer> server_;
};

std::unique_ptr<Notifier> Webhook(const std::string& name, const std::string& toml_extra,
                                  MetricsRegistry& metrics, std::vector<ConfigError>& errors) {
  ConfigLoad load =
      ParseConfig("[[notifications]]\ntype = \"webhook\"\nname = \"" + name + "\"\n" + toml_extra, "n.toml");
  EXPECT_TRUE(load.ok()) << load.errors[0].ToString();
  auto notifiers = NotifiersOf(load.config, metrics, errors);
  return notifiers.empty() ? nullptr : std::move(notifiers[0]);
}

TEST(HttpUrlTest, ParsesHostPortAndPath) {
  Result<HttpUrl> u = ParseHttpUrl("http://127.0.0.1:9000/hooks/alarms?x=1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 9000);
  EXPECT_EQ(u->path, "/hooks/alarms?x=1");
  EXPECT_EQ(ParseHttpUrl("http://[::1]:81")->host, "::1");
  EXPECT_EQ(ParseHttpUrl("http://example")->port, 80);
  EXPECT_FALSE(ParseHttpUrl("https://example/").ok());
  EXPECT_FALSE(ParseHttpUrl("ftp://example/").ok());
  EXPECT_FALSE(ParseHttpUrl("http://host:99999/").ok());
  EXPECT_FALSE(ParseHttpUrl("http:///x").ok());
}

TEST(NotifierTest, AWebhookThatFailsThenRecoversGetsEveryMessageInOrder) {
  Receiver receiver(3);
  ASSERT_TRUE(receiver.Start().ok());
  MetricsRegistry metrics;
  std::vector<ConfigError> errors;
  auto n = Webhook("hook",
                   "url = \"http://127.0.0.1:" + std::to_string(receiver.port()) +
                       "/hook\"\nretry_min = \"10ms\"\nretry_max = \"40ms\"\n",
                   metrics, errors);
  ASSERT_NE(n, nullptr) << errors[0].ToString();
  n->Start();
  for (std::uint64_t i = 1; i <= 5; ++i) n->OnNotice(Record(i));
  ASSERT_TRUE(WaitUntil([&] { return receiver.bodies().size() == 5; }));
  const std::vector<std::string> bodies = receiver.bodies();
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    const json j = json::parse(bodies[i]);
    EXPECT_EQ(j["seq"], i + 1);
    EXPECT_EQ(j["type"], "alarm");
    EXPECT_EQ(j["action"], "activate");
    EXPECT_EQ(j["severity"], "major");
    EXPECT_EQ(j["limit"], 7.1);
  }
  EXPECT_EQ(n->sent(), 5u);
  EXPECT_EQ(metrics.CounterValue("mw_notification_failures_total", {{"notifier", "hook"}}), 3u);
  EXPECT_EQ(metrics.CounterValue("mw_notifications_dropped_total", {{"notifier", "hook"}}), 0u);
  n->Stop();
  receiver.Stop();
}

TEST(NotifierTest, MessagesWaitWhileTheServerIsDownAndLeaveWhenItComesUp) {
  auto port = FreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  MetricsRegistry metrics;
  std::vector<ConfigError> errors;
  auto n = Webhook("late",
                   "url = \"http://127.0.0.1:" + std::to_string(*port) +
                       "/hook\"\nretry_min = \"10ms\"\nretry_max = \"50ms\"\ntimeout = \"500ms\"\n",
                   metrics, errors);
  ASSERT_NE(n, nullptr);
  n->Start();
  n->OnNotice(Record(1));
  n->OnNotice(Record(2));
  ASSERT_TRUE(WaitUntil([&] {
    return metrics.CounterValue("mw_notification_failures_total", {{"notifier", "late"}}) >= 2;
  }));
  EXPECT_EQ(n->queued(), 2u);
  // The receiver comes up on the port the notifier keeps trying.
  api::Router router;
  std::atomic<int> got{0};
  router.Add({"POST", "/hook", api::Route::Match::kExact, api::Role::kPublic, "", [&](const api::Request&) {
                ++got;
                return api::Response::Text(200, "ok");
              }});
  api::HttpServerOptions options;
  options.listen = "127.0.0.1:" + std::to_string(*port);
  api::HttpServer server(options, router);
  ASSERT_TRUE(server.Start().ok());
  EXPECT_TRUE(WaitUntil([&] { return got == 2; }));
  n->Stop();
  server.Stop();
}

TEST(NotifierTest, SeverityActionAndSilenceFiltersHoldMessagesBack) {
  Receiver receiver(0);
  ASSERT_TRUE(receiver.Start().ok());
  MetricsRegistry metrics;
  std::vector<ConfigError> errors;
  auto n =
      Webhook("filtered",
              "url = \"http://127.0.0.1:" + std::to_string(receiver.port()) +
                  "/hook\"\nseverities = [\"critical\", \"major\"]\nactions = [\"activate\", \"escalate\"]\n"
                  "rules = [\"vibration_high\"]\n"
                  "silence = \"1m\"\n",
              metrics, errors);
  ASSERT_NE(n, nullptr);
  n->Start();
  const Timestamp t = 1'700'000'000 * kSecond;
  n->OnNotice(Record(1, AlarmAction::kActivate, Severity::kMajor, t));                  // sent
  n->OnNotice(Record(2, AlarmAction::kActivate, Severity::kMinor, t));                  // severity
  n->OnNotice(Record(3, AlarmAction::kClear, Severity::kCritical, t));                  // action
  n->OnNotice(Record(11, AlarmAction::kActivate, Severity::kMajor, t + 30 * kSecond));  // same id: silenced
  n->OnNotice(Record(21, AlarmAction::kActivate, Severity::kMajor, t + 61 * kSecond));  // after the window
  n->OnNotice(Record(4, AlarmAction::kEscalate, Severity::kCritical, t));               // sent
  ASSERT_TRUE(WaitUntil([&] { return receiver.bodies().size() == 3; }));
  EXPECT_EQ(metrics.CounterValue("mw_notifications_silenced_total", {{"notifier", "filtered"}}), 1u);
  n->Stop();
  EXPECT_EQ(receiver.bodies().size(), 3u);
  receiver.Stop();
}

TEST(NotifierTest, AFullQueueDropsItsOldestMessageAndCountsIt) {
  auto port = FreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  MetricsRegistry metrics;
  std::vector<ConfigError> errors;
  auto n =
      Webhook("small", "url = \"http://127.0.0.1:" + std::to_string(*port) + "/hook\"\nqueue_limit = 2\n",
              metrics, errors);
  ASSERT_NE(n, nullptr);
  for (std::uint64_t i = 1; i <= 5; ++i) n->OnNotice(Record(i));  // not started: all wait
  EXPECT_EQ(n->queued(), 2u);
  EXPECT_EQ(metrics.CounterValue("mw_notifications_dropped_total", {{"notifier", "small"}}), 3u);
}

TEST(NotifierTest, ChangesNobodyWasShownAreNotSent) {
  MetricsRegistry metrics;
  std::vector<ConfigError> errors;
  auto n = Webhook("quiet", "url = \"http://127.0.0.1:9/hook\"\n", metrics, errors);
  ASSERT_NE(n, nullptr);
  AlarmRecord hidden = Record(1);
  hidden.entry.to = AlarmState::kNormal;  // the condition of a suppressed alarm: normal to normal
  n->OnNotice(hidden);
  hidden.entry.action = AlarmAction::kSuppress;
  n->OnNotice(hidden);
  EXPECT_EQ(n->queued(), 0u);
  AlarmRecord comment = hidden;
  comment.entry.action = AlarmAction::kComment;  // an operator's note is news even on a normal alarm
  n->OnNotice(comment);
  EXPECT_EQ(n->queued(), 1u);
}

TEST(NotifierTest, BadOptionsAreErrorsNamingTheKey) {
  MetricsRegistry metrics;
  std::vector<ConfigError> errors;
  EXPECT_EQ(Webhook("bad", "url = \"https://x/\"\n", metrics, errors), nullptr);
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].ToString().find("notifications[0].url"), std::string::npos) << errors[0].ToString();
  errors.clear();
  EXPECT_EQ(Webhook("bad", "url = \"http://x/\"\nseverities = [\"loud\"]\n", metrics, errors), nullptr);
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].ToString().find("loud"), std::string::npos);
  errors.clear();
  ConfigLoad load = ParseConfig("[[notifications]]\ntype = \"pager\"\n", "n.toml");
  EXPECT_TRUE(NotifiersOf(load.config, metrics, errors).empty());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].ToString().find("n.toml:2"), std::string::npos) << errors[0].ToString();
}

TEST(NotifierTest, MqttAlertsAndAnomaliesReachTheirTopics) {
  testing::TempDir dir;
  auto broker = connectors::mqtt::MosquittoBroker::Start(dir.path());
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  auto sub = ChildProcess::Spawn(
      {"mosquitto_sub", "-h", "127.0.0.1", "-p", std::to_string(broker->port()), "-t", "millwright/#", "-v"},
      dir.File("sub.log"));
  ASSERT_TRUE(sub.ok());
  ConfigLoad load = ParseConfig("[[notifications]]\ntype = \"mqtt\"\nname = \"alerts\"\nport = " +
                                    std::to_string(broker->port()) + "\n",
                                "n.toml");
  ASSERT_TRUE(load.ok());
  MetricsRegistry metrics;
  std::vector<ConfigError> errors;
  auto notifiers = NotifiersOf(load.config, metrics, errors);
  ASSERT_EQ(notifiers.size(), 1u) << (errors.empty() ? "" : errors[0].ToString());
  notifiers[0]->Start();
  Event e;
  e.time = 1'700'000'000 * kSecond;
  e.value = 12;
  e.score = 5.5;
  e.source = "zscore";
  // Until mosquitto_sub has subscribed, what is published passes it by: publish until it shows.
  const auto both = [&] {
    const std::string got = testing::ReadFile(dir.File("sub.log"));
    return got.find("millwright/alerts") != std::string::npos &&
           got.find("millwright/anomalies") != std::string::npos;
  };
  for (int i = 0; i < 50 && !both(); ++i) {
    notifiers[0]->OnNotice(Record(1));
    notifiers[0]->OnAnomaly(e, "plant/pump-01", "vibration_x");
    WaitUntil(both, std::chrono::milliseconds(200));
  }
  sub->Stop();
  const std::string got = testing::ReadFile(dir.File("sub.log"));
  EXPECT_NE(got.find("millwright/alerts {\"action\":\"activate\""), std::string::npos) << got;
  EXPECT_NE(got.find("millwright/anomalies {"), std::string::npos) << got;
  EXPECT_NE(got.find("\"signal\":\"vibration_x\""), std::string::npos) << got;
  notifiers[0]->Stop();
}

}  // namespace
}  // namespace mw::alarms
