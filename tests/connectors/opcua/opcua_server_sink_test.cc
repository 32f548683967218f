// The `opcua_server` sink: Millwright's series served over OPC UA, read back with our client.
#include "connectors/opcua/opcua_server_sink.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "opcua/client/client.h"
#include "opcua/encoding/datetime.h"
#include "opcua/encoding/status_code_names.h"
#include "opcua/services/codec.h"
#include "tests/support/test_support.h"

namespace mw::connectors::opcua_source {
namespace {

using opcua::NodeId;

class OpcuaServerSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const AssetId asset = catalog_.AddAsset("plant/line1/pump1", "pump");
    vibration_ = catalog_.InternSeries(asset, "vibration", "mm/s");
    OpcuaServerSinkOptions o;
    o.server.port = 0;
    sink_ = std::make_unique<OpcuaServerSink>("results", o, catalog_, metrics_);
    ASSERT_TRUE(sink_->Start().ok());
    opcua::ClientOptions c;
    c.endpoint_url = sink_->endpoint_url();
    c.pki_dir = pki_.path();
    auto client = opcua::Client::Connect(c);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(client).value();
  }
  NodeId Id(const std::string& s) const { return NodeId::StringId(sink_->namespace_index(), s); }

  Catalog catalog_;
  MetricsRegistry metrics_;
  mw::testing::TempDir pki_;
  SeriesId vibration_ = kInvalidSeries;
  std::unique_ptr<OpcuaServerSink> sink_;
  std::unique_ptr<opcua::Client> client_;
};

TEST_F(OpcuaServerSinkTest, DeclaredSeriesAreBrowsableBeforeData) {
  auto refs = client_->Browse(Id("plant/line1/pump1"));
  ASSERT_TRUE(refs.ok()) << refs.status().ToString();
  ASSERT_EQ(refs->size(), 1u);
  EXPECT_EQ((*refs)[0].browse_name.name, "vibration");
  auto value = client_->ReadValue(Id("plant/line1/pump1/vibration"));
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value->status->code, 0x80320000u);  // BadWaitingForInitialData
  auto units = client_->ReadValue(Id("plant/line1/pump1/vibration.EngineeringUnits"));
  ASSERT_TRUE(units.ok());
  opcua::EUInformation unit;
  ASSERT_TRUE(
      opcua::FromExtensionObject(std::get<opcua::ExtensionObject>(units->value->values[0]), unit).ok());
  EXPECT_EQ(unit.display_name.text, std::string("mm/s"));
}

TEST_F(OpcuaServerSinkTest, SamplesDerivedSeriesAndAnomaliesArePublished) {
  const AssetId asset = *catalog_.FindAsset("plant/line1/pump1");
  const SeriesId score = catalog_.InternSeries(asset, "vibration.anomaly_score");
  const Timestamp t = 1'780'000'000 * kNanosPerSecond;
  Batch batch;
  batch.Append(vibration_, t, 2.5);
  batch.Append(score, t, 0.97, Quality::kUncertain);
  Event anomaly;
  anomaly.kind = EventKind::kAnomaly;
  anomaly.time = t;
  anomaly.series = vibration_;
  anomaly.message = "z = 5.1 over 100 samples";
  ASSERT_TRUE(sink_->Write(batch, {anomaly}).ok());
  auto values = client_->Read({{Id("plant/line1/pump1/vibration"), 13, {}, {}},
                               {Id("plant/line1/pump1/vibration.anomaly_score"), 13, {}, {}},
                               {Id("plant/line1/pump1/anomalies"), 13, {}, {}},
                               {Id("plant/line1/pump1/last_anomaly"), 13, {}, {}}});
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  const auto& v = *values;
  EXPECT_EQ(std::get<double>(v[0].value->values[0]), 2.5);
  EXPECT_EQ(*v[0].source_timestamp, opcua::DateTimeFromTimestamp(t));
  EXPECT_EQ(std::get<double>(v[1].value->values[0]), 0.97);
  EXPECT_TRUE(v[1].status->IsUncertain());
  EXPECT_EQ(std::get<std::uint32_t>(v[2].value->values[0]), 1u);
  EXPECT_EQ(*std::get<opcua::String>(v[3].value->values[0]), "vibration: z = 5.1 over 100 samples");
}

TEST_F(OpcuaServerSinkTest, SubscribersSeeEveryNewValue) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<double> seen;
  opcua::SubscriptionHandler handler;
  handler.on_data = [&](const std::vector<opcua::DataChange>& changes) {
    std::lock_guard lock(mu);
    for (const auto& c : changes) {
      if (c.value.value) seen.push_back(std::get<double>(c.value.value->values[0]));
    }
    cv.notify_all();
  };
  opcua::SubscriptionSettings settings;
  settings.publishing_interval_ms = 50;
  auto sub = client_->CreateSubscription(settings, handler);
  ASSERT_TRUE(sub.ok());
  opcua::MonitoredItemSpec item;
  item.node = Id("plant/line1/pump1/vibration");
  item.sampling_interval_ms = 0;
  item.queue_size = 10;
  ASSERT_TRUE(client_->AddMonitoredItems(*sub, {item}).ok());
  for (int i = 1; i <= 3; ++i) {
    Batch batch;
    batch.Append(vibration_, i * kNanosPerSecond, i * 1.5);
    ASSERT_TRUE(sink_->Write(batch, {}).ok());
  }
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return seen.size() >= 3; }));
  EXPECT_EQ(seen, (std::vector<double>{1.5, 3.0, 4.5}));
}

}  // namespace
}  // namespace mw::connectors::opcua_source
