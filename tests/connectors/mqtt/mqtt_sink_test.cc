// The MQTT sink against a real Mosquitto broker on a free loopback port, read back by a plain
// libmosquitto subscriber.
#include "connectors/mqtt/mqtt_sink.h"

#include <gtest/gtest.h>
#include <mosquitto.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "connectors/mqtt/mosquitto_broker.h"
#include "tests/support/test_support.h"

namespace mw::connectors::mqtt {
namespace {

// Collects every message on a topic filter.
class Subscriber {
 public:
  Subscriber(int port, const std::string& filter) {
    mosquitto_lib_init();
    mosq_ = mosquitto_new(nullptr, true, this);
    mosquitto_message_callback_set(
        mosq_, [](struct mosquitto*, void* self, const struct mosquitto_message* m) {
          auto* s = static_cast<Subscriber*>(self);
          std::lock_guard lock(s->mutex_);
          s->messages_.emplace_back(m->topic, std::string(static_cast<const char*>(m->payload),
                                                          static_cast<std::size_t>(m->payloadlen)));
        });
    ok_ = mosquitto_connect(mosq_, "127.0.0.1", port, 30) == MOSQ_ERR_SUCCESS &&
          mosquitto_subscribe(mosq_, nullptr, filter.c_str(), 1) == MOSQ_ERR_SUCCESS &&
          mosquitto_loop_start(mosq_) == MOSQ_ERR_SUCCESS;
  }
  ~Subscriber() {
    mosquitto_disconnect(mosq_);
    if (ok_) mosquitto_loop_stop(mosq_, false);
    mosquitto_destroy(mosq_);
  }
  bool ok() const { return ok_; }
  std::vector<std::pair<std::string, std::string>> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }

 private:
  struct mosquitto* mosq_ = nullptr;
  bool ok_ = false;
  std::mutex mutex_;
  std::vector<std::pair<std::string, std::string>> messages_;
};

class MqttSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pump_ = catalog_.AddAsset("plant/pumps/pump-1", "pump");
    other_ = catalog_.AddAsset("plant/pumps/pump-2", "pump");
    vibration_ = catalog_.InternSeries(pump_, "vibration_x");
    state_ = catalog_.InternSeries(pump_, "health_state");
    p_ok_ = catalog_.InternSeries(pump_, "health_state.p_healthy");
    other_vibration_ = catalog_.InternSeries(other_, "vibration_x");
  }
  MqttSinkOptions Options(int port) {
    MqttSinkOptions o;
    o.client.port = port;
    o.client.qos = 1;
    o.client.client_id = "sink-test";
    o.topic = "out/{asset}";
    return o;
  }
  Batch Sample() {
    Batch b;
    b.Append(vibration_, 1000, 2.5);
    b.Append(other_vibration_, 1000, 9.0);  // no state for this asset: no record
    b.Append(vibration_, 2000, 2.6);        // another time, no state: not in the record
    b.Append(state_, 1000, 1);
    b.Append(p_ok_, 1000, 0.25);
    return b;
  }
  Catalog catalog_;
  MetricsRegistry metrics_;
  AssetId pump_ = 0, other_ = 0;
  SeriesId vibration_ = 0, state_ = 0, p_ok_ = 0, other_vibration_ = 0;
};

TEST_F(MqttSinkTest, MakesOneRecordPerTriggerSampleWithItsAssetsSamplesOfThatTime) {
  MqttSink sink("records", Options(1), catalog_, metrics_);
  const auto records = sink.Records(Sample());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].first, "out/plant/pumps/pump-1");
  const auto j = nlohmann::json::parse(records[0].second);
  EXPECT_EQ(j["asset"], "plant/pumps/pump-1");
  EXPECT_EQ(j["time_ns"], 1000);
  EXPECT_EQ(j["values"],
            (nlohmann::json{{"vibration_x", 2.5}, {"health_state", 1}, {"health_state.p_healthy", 0.25}}));
  Batch none;
  none.Append(vibration_, 1000, 2.5);
  EXPECT_TRUE(sink.Records(none).empty());
}

TEST_F(MqttSinkTest, PublishesRecordsToARealBroker) {
  testing::TempDir dir;
  auto broker = MosquittoBroker::Start(dir.path());
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  Subscriber subscriber(broker->port(), "out/#");
  ASSERT_TRUE(subscriber.ok());
  MqttSink sink("records", Options(broker->port()), catalog_, metrics_);
  ASSERT_TRUE(sink.Start().ok());
  for (int i = 0; i < 20; ++i) {
    Batch b;
    b.Append(state_, 1000 + i, i % 4);
    ASSERT_TRUE(sink.Write(b, {}).ok());
  }
  EXPECT_TRUE(testing::WaitUntil([&] { return subscriber.messages().size() == 20; }))
      << subscriber.messages().size();
  sink.Stop();
  EXPECT_EQ(metrics_.CounterTotal("mw_sink_messages_total"), 20u);
  EXPECT_EQ(metrics_.CounterTotal("mw_sink_dropped_total"), 0u);
  EXPECT_EQ(nlohmann::json::parse(subscriber.messages().back().second)["values"]["health_state"], 3);
}

TEST_F(MqttSinkTest, DropsAndCountsWhatOverflowsTheQueueWithoutBlocking) {
  MqttSinkOptions o = Options(1);  // nothing listens on port 1: the queue only fills
  o.max_queue = 5;
  MqttSink sink("records", o, catalog_, metrics_);
  for (int i = 0; i < 8; ++i) {
    Batch b;
    b.Append(state_, i, 0);
    ASSERT_TRUE(sink.Write(b, {}).ok());
  }
  EXPECT_EQ(metrics_.CounterTotal("mw_sink_dropped_total"), 3u);
}

}  // namespace
}  // namespace mw::connectors::mqtt
