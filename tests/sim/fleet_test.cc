// Integration: the fleet against a real Mosquitto on a free loopback port, read back by a
// libmosquitto subscriber.
#include "sim/fleet.h"

#include <gtest/gtest.h>
#include <mosquitto.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "connectors/mqtt/mosquitto_broker.h"
#include "core/process.h"
#include "tests/support/test_support.h"

namespace mw::sim {
namespace {

using namespace std::chrono_literals;
using mw::testing::TempDir;
using mw::testing::WaitUntil;

// A Mosquitto broker on 127.0.0.1:port that keeps sessions across restarts.
class Broker {
 public:
  Broker(const TempDir& dir, int port) {
    auto broker = connectors::mqtt::MosquittoBroker::Create(dir.path(), {port, true, {}});
    if (!broker.ok()) throw std::runtime_error(broker.status().ToString());
    broker_ = std::make_unique<connectors::mqtt::MosquittoBroker>(std::move(broker).value());
  }
  void Start() {
    Status s = broker_->Launch();
    ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << broker_->Log();
  }
  void Stop() { broker_->Stop(); }

 private:
  std::unique_ptr<connectors::mqtt::MosquittoBroker> broker_;
};

// Collects every message on plant/+/+/telemetry; resubscribes after a reconnection.
class Subscriber {
 public:
  struct Message {
    std::string topic;
    std::string payload;
  };

  // A persistent session (clean = false) at QoS 1 keeps what arrives while it is away.
  Subscriber(int port, int qos = 0, bool clean = true) : qos_(qos) {
    mosquitto_lib_init();
    client_ = mosquitto_new("fleet-test-subscriber", clean, this);
    mosquitto_connect_callback_set(client_, [](mosquitto* m, void* self, int rc) {
      auto* s = static_cast<Subscriber*>(self);
      if (rc == 0) mosquitto_subscribe(m, nullptr, "plant/+/+/telemetry", s->qos_);
    });
    mosquitto_subscribe_callback_set(client_, [](mosquitto*, void* self, int, int, const int*) {
      static_cast<Subscriber*>(self)->subscribed_ = true;
    });
    mosquitto_message_callback_set(client_, [](mosquitto*, void* self, const mosquitto_message* m) {
      auto* s = static_cast<Subscriber*>(self);
      std::lock_guard lock(s->mu_);
      s->messages_.push_back({m->topic, std::string(static_cast<const char*>(m->payload),
                                                    static_cast<std::size_t>(m->payloadlen))});
    });
    mosquitto_reconnect_delay_set(client_, 1, 1, false);
    EXPECT_EQ(mosquitto_connect(client_, "127.0.0.1", port, 10), MOSQ_ERR_SUCCESS);
    EXPECT_EQ(mosquitto_loop_start(client_), MOSQ_ERR_SUCCESS);
    EXPECT_TRUE(WaitUntil([this] { return subscribed_.load(); }));
  }
  ~Subscriber() {
    mosquitto_disconnect(client_);
    mosquitto_loop_stop(client_, false);
    mosquitto_destroy(client_);
  }

  std::vector<Message> Messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }
  std::size_t Count() {
    std::lock_guard lock(mu_);
    return messages_.size();
  }

 private:
  int qos_;
  mosquitto* client_;
  std::atomic<bool> subscribed_{false};
  std::mutex mu_;
  std::vector<Message> messages_;
};

FleetConfig TestFleet(int port, int count, std::int64_t interval_ns, int per_message = 1) {
  FleetConfig f;
  f.mqtt.port = port;
  f.mqtt.client_id = "fleet-test-sim";
  MachineGroup g;
  g.count = count;
  g.line = "line1";
  g.name = "m";
  g.model.interval_ns = interval_ns;
  g.readings_per_message = per_message;
  f.machines.push_back(g);
  return f;
}

// Every reading of a payload, checked for shape and ranges.
std::vector<nlohmann::json> Readings(const std::string& payload, const RotatingMachineSpec& spec) {
  nlohmann::json doc = nlohmann::json::parse(payload);
  std::vector<nlohmann::json> out;
  if (doc.is_array()) {
    for (auto& r : doc) out.push_back(r);
  } else {
    out.push_back(doc);
  }
  for (const auto& r : out) {
    EXPECT_TRUE(r.is_object()) << payload;
    EXPECT_EQ(r.size(), 4u) << payload;
    EXPECT_TRUE(r["ts"].is_number_integer()) << payload;
    EXPECT_GE(r["temperature"].get<double>(), spec.temperature.min);
    EXPECT_LE(r["temperature"].get<double>(), spec.temperature.max);
    EXPECT_GE(r["vibration"].get<double>(), spec.vibration.min);
    EXPECT_LE(r["vibration"].get<double>(), spec.vibration.max);
    EXPECT_GE(r["rpm"].get<double>(), spec.rpm.min);
    EXPECT_LE(r["rpm"].get<double>(), spec.rpm.max);
  }
  return out;
}

// Reading timestamps per topic, in arrival order.
std::map<std::string, std::vector<std::int64_t>> TimesByTopic(
    const std::vector<Subscriber::Message>& messages, const RotatingMachineSpec& spec) {
  std::map<std::string, std::vector<std::int64_t>> out;
  for (const auto& m : messages) {
    for (const auto& r : Readings(m.payload, spec)) out[m.topic].push_back(r["ts"].get<std::int64_t>());
  }
  return out;
}

void ExpectConsecutive(const std::vector<std::int64_t>& times, std::int64_t step_ms,
                       const std::string& topic) {
  for (std::size_t i = 1; i < times.size(); ++i) {
    ASSERT_EQ(times[i] - times[i - 1], step_ms) << topic << " reading " << i;
  }
}

// Messages the running fleet publishes over about `span`, and the span measured; then stops it.
std::pair<std::uint64_t, double> PublishFor(Fleet& fleet, std::chrono::milliseconds span) {
  const auto start = std::chrono::steady_clock::now();
  const std::uint64_t first = fleet.messages_published();
  std::this_thread::sleep_for(span);
  const std::uint64_t published = fleet.messages_published() - first;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fleet.Stop();
  return {published, seconds};
}

class FleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto port = FreeLoopbackPort();
    ASSERT_TRUE(port.ok());
    port_ = *port;
    broker_ = std::make_unique<Broker>(dir_, port_);
    broker_->Start();
  }

  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<Broker> broker_;
};

TEST_F(FleetTest, PublishesEachMachineOnItsTopicAtItsRate) {
  Subscriber sub(port_);
  FleetConfig config = TestFleet(port_, 4, 50 * kNanosPerMilli);
  Fleet fleet(config);
  ASSERT_TRUE(fleet.Start().ok());
  ASSERT_TRUE(WaitUntil([&] { return fleet.connected(); }));
  const auto [published, seconds] = PublishFor(fleet, 2s);

  // 4 machines at 20 readings/s each.
  EXPECT_NEAR(static_cast<double>(published), 4 * 20 * seconds, 6);
  EXPECT_EQ(fleet.messages_dropped(), 0u);
  ASSERT_TRUE(WaitUntil([&] { return sub.Count() == fleet.messages_published(); }));
  auto times = TimesByTopic(sub.Messages(), config.machines[0].model);
  std::set<std::string> topics;
  for (const auto& [topic, t] : times) {
    topics.insert(topic);
    EXPECT_GE(t.size(), 35u) << topic;
    ExpectConsecutive(t, 50, topic);  // on schedule: no drift, no gap
  }
  EXPECT_EQ(topics, (std::set<std::string>{"plant/line1/m-01/telemetry", "plant/line1/m-02/telemetry",
                                           "plant/line1/m-03/telemetry", "plant/line1/m-04/telemetry"}));
  EXPECT_EQ(fleet.readings_published(), fleet.messages_published());
}

TEST_F(FleetTest, AcceleratedTimeRunsTheScheduleAndTimestampsFaster) {
  Subscriber sub(port_);
  FleetConfig config = TestFleet(port_, 2, kNanosPerSecond);
  config.time_acceleration = 25;  // a 1 s interval becomes 25 readings per wall-clock second
  Fleet fleet(config);
  ASSERT_TRUE(fleet.Start().ok());
  ASSERT_TRUE(WaitUntil([&] { return fleet.connected(); }));
  const auto [published, seconds] = PublishFor(fleet, 2s);

  EXPECT_NEAR(static_cast<double>(published), 2 * 25 * seconds, 8);
  ASSERT_TRUE(WaitUntil([&] { return sub.Count() == fleet.messages_published(); }));
  for (const auto& [topic, t] : TimesByTopic(sub.Messages(), config.machines[0].model)) {
    EXPECT_GE(t.size(), 40u) << topic;
    ExpectConsecutive(t, 1000, topic);  // simulated seconds apart, however fast they came
  }
}

TEST_F(FleetTest, BatchesConsecutiveReadingsIntoArrays) {
  Subscriber sub(port_);
  FleetConfig config = TestFleet(port_, 2, 10 * kNanosPerMilli, 5);
  Fleet fleet(config);
  ASSERT_TRUE(fleet.Start().ok());
  ASSERT_TRUE(WaitUntil([&] { return sub.Count() >= 20; }));
  fleet.Stop();
  ASSERT_TRUE(WaitUntil([&] { return sub.Count() == fleet.messages_published(); }));
  for (const auto& m : sub.Messages()) {
    auto doc = nlohmann::json::parse(m.payload);
    ASSERT_TRUE(doc.is_array());
    EXPECT_EQ(doc.size(), 5u);
  }
  for (const auto& [topic, t] : TimesByTopic(sub.Messages(), config.machines[0].model))
    ExpectConsecutive(t, 10, topic);
  EXPECT_EQ(fleet.readings_published(), 5 * fleet.messages_published());
}

TEST_F(FleetTest, ReconnectsWhenTheBrokerComesBack) {
  Fleet fleet(TestFleet(port_, 2, 20 * kNanosPerMilli));
  ASSERT_TRUE(fleet.Start().ok());
  ASSERT_TRUE(WaitUntil([&] { return fleet.messages_published() > 10; }));

  broker_->Stop();
  ASSERT_TRUE(WaitUntil([&] { return !fleet.connected(); }));
  // Generation goes on; at QoS 0 what cannot be sent is counted.
  ASSERT_TRUE(WaitUntil([&] { return fleet.messages_dropped() > 10; }));

  broker_->Start();
  Subscriber sub(port_);
  ASSERT_TRUE(WaitUntil([&] { return fleet.connected(); }));
  ASSERT_TRUE(WaitUntil([&] { return sub.Count() > 10; }));
  fleet.Stop();
}

TEST_F(FleetTest, KeepsQos1MessagesWhileTheBrokerIsAway) {
  FleetConfig config = TestFleet(port_, 2, 20 * kNanosPerMilli);
  config.mqtt.qos = 1;
  auto sub = std::make_unique<Subscriber>(port_, 1, /*clean=*/false);
  Fleet fleet(config);
  ASSERT_TRUE(fleet.Start().ok());
  ASSERT_TRUE(WaitUntil([&] { return sub->Count() > 10; }));

  // The subscriber's persistent session is saved with the broker, which then goes away for a while.
  sub.reset();
  broker_->Stop();
  ASSERT_TRUE(WaitUntil([&] { return !fleet.connected(); }));
  std::uint64_t before = fleet.messages_published();
  ASSERT_TRUE(WaitUntil([&] { return fleet.messages_published() > before + 20; }));
  broker_->Start();
  ASSERT_TRUE(WaitUntil([&] { return fleet.connected(); }));
  fleet.Stop();
  EXPECT_EQ(fleet.messages_dropped(), 0u);

  // Back online, the subscriber gets the session's queue: everything since it left.
  Subscriber back(port_, 1, /*clean=*/false);
  ASSERT_TRUE(WaitUntil([&] { return back.Count() > 20; }))
      << mw::testing::ReadFile(dir_.File("mosquitto.log"));
  std::this_thread::sleep_for(200ms);
  for (const auto& [topic, t] : TimesByTopic(back.Messages(), config.machines[0].model)) {
    std::set<std::int64_t> unique(t.begin(), t.end());  // QoS 1 may repeat a message
    std::vector<std::int64_t> ordered(unique.begin(), unique.end());
    ExpectConsecutive(ordered, 20, topic);
  }
}

TEST_F(FleetTest, PublishBurstSendsEveryMessage) {
  Subscriber sub(port_);
  FleetConfig config = TestFleet(port_, 3, 10 * kNanosPerMilli, 10);
  Fleet fleet(config);
  Status s = fleet.PublishBurst(3000, 30s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(fleet.messages_published(), 3000u);
  EXPECT_EQ(fleet.readings_published(), 30000u);
  ASSERT_TRUE(WaitUntil([&] { return sub.Count() == 3000; }, 30s)) << sub.Count();
  auto times = TimesByTopic(sub.Messages(), config.machines[0].model);
  ASSERT_EQ(times.size(), 3u);
  for (const auto& [topic, t] : times) {
    EXPECT_EQ(t.size(), 10000u);
    ExpectConsecutive(t, 10, topic);
  }
}

TEST_F(FleetTest, RefusesABurstWhileRunningLive) {
  Fleet fleet(TestFleet(port_, 1, kNanosPerSecond));
  ASSERT_TRUE(fleet.Start().ok());
  EXPECT_EQ(fleet.Start().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(fleet.PublishBurst(10).code(), StatusCode::kFailedPrecondition);
  fleet.Stop();
  fleet.Stop();
}

TEST(Fleet, RefusesAFleetThatCannotRun) {
  Fleet zero_interval(TestFleet(1, 1, 0));
  EXPECT_EQ(zero_interval.Start().code(), StatusCode::kInvalidArgument);
  Fleet empty{FleetConfig{}};
  EXPECT_EQ(empty.Start().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(empty.PublishBurst(1).code(), StatusCode::kInvalidArgument);
}

TEST_F(FleetTest, BurstFailsWhenNoBrokerListens) {
  broker_->Stop();
  Fleet fleet(TestFleet(port_, 1, kNanosPerSecond));
  Status s = fleet.PublishBurst(10, 500ms);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
}

}  // namespace
}  // namespace mw::sim
