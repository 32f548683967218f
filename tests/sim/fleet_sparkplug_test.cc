// The sparkplug groups of a fleet, through a real Mosquitto broker, read by Millwright's own
// `sparkplug` host application: births map the pumps' signals, DDATA carries their values, and a
// network outage of the chaos engine kills the edge nodes (NDEATH wills) and marks the signals stale.
#include <gtest/gtest.h>

#include <mutex>

#include "connectors/mqtt/mosquitto_broker.h"
#include "connectors/sparkplug/sparkplug_source.h"
#include "core/catalog.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "sim/fleet.h"
#include "tests/support/test_support.h"

namespace mw::sim {
namespace {

using namespace std::chrono_literals;

class Recorder final : public pipeline::Emitter {
 public:
  Status Emit(Batch&& batch) override {
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (batch.qualities[i] == Quality::kBad)
        ++bad_[batch.series[i]];
      else
        ++good_[batch.series[i]];
    }
    return Status::Ok();
  }
  int Good(SeriesId s) {
    std::lock_guard lock(mu_);
    return good_[s];
  }
  int Bad(SeriesId s) {
    std::lock_guard lock(mu_);
    return bad_[s];
  }

 private:
  std::mutex mu_;
  std::map<SeriesId, int> good_;
  std::map<SeriesId, int> bad_;
};

class FleetOverSparkplug : public ::testing::Test {
 protected:
  void SetUp() override {
    if (FindExecutable("mosquitto").empty()) GTEST_SKIP() << "mosquitto not installed";
    auto broker = connectors::mqtt::MosquittoBroker::Start(dir_.path());
    ASSERT_TRUE(broker.ok()) << broker.status().ToString();
    broker_ = std::make_unique<connectors::mqtt::MosquittoBroker>(std::move(broker).value());
    TemplateSpec pump;
    pump.name = "pump";
    for (const char* signal : {"vibration_x", "vibration_y", "vibration_z", "bearing_temperature",
                               "discharge_pressure", "motor_current"}) {
      SignalSpec spec;
      spec.name = signal;
      pump.signals.push_back(spec);
    }
    templates_["pump"] = pump;
  }

  FleetConfig Config() const {
    FleetConfig config;
    config.mqtt.port = broker_->port();
    MachineGroup g;
    g.type = TwinType::kPump;
    g.protocol = Protocol::kSparkplug;
    g.name = "pump";
    g.count = 2;
    g.model.interval_ns = 50 * kNanosPerMilli;
    config.machines.push_back(g);
    return config;
  }

  std::unique_ptr<connectors::sparkplug::SparkplugSource> Source() {
    connectors::sparkplug::SparkplugSourceOptions o;
    o.port = broker_->port();
    o.client_id = "host-under-test";
    o.host_id = "mw-test";
    o.reconnect_min_ns = 100 * kNanosPerMilli;
    o.reconnect_max_ns = kNanosPerSecond;
    auto resolve = [this](std::string_view path) {
      if (auto id = catalog_.FindAsset(path)) return *id;
      return catalog_.AddAsset(path, "pump");
    };
    return std::make_unique<connectors::sparkplug::SparkplugSource>("sp", o, resolve, catalog_, templates_,
                                                                    metrics_, SystemClock::Instance());
  }

  SeriesId Series(const std::string& asset, const std::string& signal) {
    auto id = catalog_.FindAsset(asset);
    return id ? catalog_.FindSeries(*id, signal).value_or(kInvalidSeries) : kInvalidSeries;
  }

  testing::TempDir dir_;
  std::unique_ptr<connectors::mqtt::MosquittoBroker> broker_;
  std::map<std::string, TemplateSpec> templates_;
  Catalog catalog_;
  MetricsRegistry metrics_;
};

TEST_F(FleetOverSparkplug, BirthsMapThePumpsAndDataFlowsToTheHost) {
  auto source = Source();
  Recorder recorder;
  ASSERT_TRUE(source->Start(recorder).ok());
  Fleet fleet(Config());
  ASSERT_TRUE(fleet.Start().ok());
  EXPECT_EQ(fleet.Endpoints().back(),
            "sparkplug mqtt://127.0.0.1:" + std::to_string(broker_->port()) + "/spBv1.0/plant");
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        SeriesId s = Series("plant/line1/pump-02", "bearing_temperature");
        return s != kInvalidSeries && recorder.Good(s) >= 5;
      },
      10s));
  fleet.Stop();
  source->Stop();
  EXPECT_EQ(metrics_.CounterValue(connectors::sparkplug::kSeqGapsMetric, {{"source", "sp"}}), 0u);
}

TEST_F(FleetOverSparkplug, ANetworkOutageKillsTheEdgeNodeAndMarksItsSignalsStale) {
  auto source = Source();
  Recorder recorder;
  ASSERT_TRUE(source->Start(recorder).ok());
  FleetConfig config = Config();
  ScheduledFault outage;
  outage.kind = ChaosKind::kNetworkOutage;
  outage.start_ns = 1500 * kNanosPerMilli;
  outage.duration_ns = 1000 * kNanosPerMilli;
  config.chaos.schedule.push_back(outage);
  Fleet fleet(config);
  ASSERT_TRUE(fleet.Start().ok());
  SeriesId current = kInvalidSeries;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        current = Series("plant/line1/pump-01", "motor_current");
        return current != kInvalidSeries && recorder.Good(current) >= 3;
      },
      10s));
  // The births carry null values for metrics not published yet: those are bad samples already.
  const int bad_before = recorder.Bad(current);
  ASSERT_TRUE(testing::WaitUntil([&] { return recorder.Bad(current) > bad_before; }, 10s))
      << "no stale sample after the outage began";
  const int good_before = recorder.Good(current);
  EXPECT_TRUE(testing::WaitUntil([&] { return recorder.Good(current) > good_before + 5; }, 10s))
      << "data did not come back after the outage";
  fleet.Stop();
  source->Stop();
}

}  // namespace
}  // namespace mw::sim
