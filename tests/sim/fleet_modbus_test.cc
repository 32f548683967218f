// The modbus groups of a fleet, read back through Millwright's own `modbus` source: every signal in
// each of the three encodings the outlet serves, and the outage of the chaos engine.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "connectors/modbus/modbus_source.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "sim/fleet.h"

namespace mw::sim {
namespace {

using namespace std::chrono_literals;

class LastValues final : public pipeline::Emitter {
 public:
  Status Emit(Batch&& batch) override {
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < batch.size(); ++i) last_[batch.series[i]] = batch.values[i];
    ++batches_;
    return Status::Ok();
  }
  std::map<SeriesId, double> last() {
    std::lock_guard lock(mu_);
    return last_;
  }
  int batches() {
    std::lock_guard lock(mu_);
    return batches_;
  }

 private:
  std::mutex mu_;
  std::map<SeriesId, double> last_;
  int batches_ = 0;
};

FleetConfig PumpsOverModbus(int count) {
  FleetConfig config;
  config.modbus.port = 0;
  MachineGroup g;
  g.type = TwinType::kPump;
  g.protocol = Protocol::kModbus;
  g.name = "pump";
  g.count = count;
  g.model.interval_ns = 50 * kNanosPerMilli;
  config.machines.push_back(g);
  return config;
}

std::unique_ptr<connectors::modbus::ModbusSource> Source(const Fleet& fleet, const std::string& path,
                                                         ModbusEncoding encoding, MetricsRegistry& metrics) {
  connectors::modbus::ModbusSourceOptions o;
  o.port = fleet.modbus()->port();
  o.interval_ns = 50 * kNanosPerMilli;
  o.reconnect_min_ns = 50 * kNanosPerMilli;
  o.reconnect_max_ns = 200 * kNanosPerMilli;
  std::vector<SeriesId> series;
  for (const auto& [signal, spec] : fleet.modbus()->Points(path, encoding)) {
    auto point = connectors::modbus::ParsePoint(signal, spec);
    EXPECT_TRUE(point.ok()) << spec;
    o.points.push_back(*point);
    series.push_back(static_cast<SeriesId>(series.size()));
  }
  EXPECT_TRUE(connectors::modbus::ModbusSource::Validate(o).ok());
  return std::make_unique<connectors::modbus::ModbusSource>("modbus-test", o, series, metrics,
                                                            SystemClock::Instance());
}

template <typename Pred>
bool WaitFor(Pred pred, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

TEST(FleetOverModbus, EveryEncodingReadsThePumpsValuesThroughTheModbusSource) {
  Fleet fleet(PumpsOverModbus(3));
  ASSERT_TRUE(fleet.Start().ok());
  ASSERT_NE(fleet.modbus(), nullptr);
  EXPECT_EQ(fleet.Endpoints().at(0),
            "modbus modbus+tcp://127.0.0.1:" + std::to_string(fleet.modbus()->port()));
  // Blocks of 100 registers, one per machine.
  EXPECT_EQ(fleet.modbus()->Points("plant/line1/pump-02", ModbusEncoding::kFloatAbcd).at("vibration_x"),
            "holding:100:float32");
  std::map<ModbusEncoding, std::map<SeriesId, double>> seen;
  for (ModbusEncoding e :
       {ModbusEncoding::kFloatAbcd, ModbusEncoding::kFloatCdab, ModbusEncoding::kScaledInt16}) {
    MetricsRegistry metrics;
    LastValues emitter;
    auto source = Source(fleet, "plant/line1/pump-03", e, metrics);
    ASSERT_TRUE(source->Start(emitter).ok());
    ASSERT_TRUE(WaitFor([&] { return emitter.batches() >= 2; }));
    source->Stop();
    seen[e] = emitter.last();
    ASSERT_EQ(seen[e].size(), 6u);
  }
  // Points() is ordered by signal name: series 0 is bearing_temperature, 1 discharge_pressure.
  const double temperature = seen[ModbusEncoding::kFloatAbcd].at(0);
  EXPECT_GT(temperature, 20.0);
  EXPECT_LT(temperature, 120.0);
  EXPECT_GT(seen[ModbusEncoding::kFloatCdab].at(1), 0.5);  // bar
  EXPECT_GT(seen[ModbusEncoding::kScaledInt16].at(0), 20.0);
  fleet.Stop();
  EXPECT_EQ(fleet.modbus()->out_of_range(), 0u);
}

TEST(FleetOverModbus, ANetworkOutageTakesTheServerOfflineAndItComesBack) {
  FleetConfig config = PumpsOverModbus(1);
  ScheduledFault outage;
  outage.kind = ChaosKind::kNetworkOutage;
  outage.start_ns = 300 * kNanosPerMilli;
  outage.duration_ns = 700 * kNanosPerMilli;
  config.chaos.schedule.push_back(outage);
  Fleet fleet(config);
  ASSERT_TRUE(fleet.Start().ok());
  MetricsRegistry metrics;
  LastValues emitter;
  auto source = Source(fleet, "plant/line1/pump-01", ModbusEncoding::kFloatAbcd, metrics);
  ASSERT_TRUE(source->Start(emitter).ok());
  auto reconnects = [&] {
    return metrics.CounterValue(connectors::modbus::kReconnectsMetric, {{"source", "modbus-test"}});
  };
  ASSERT_TRUE(WaitFor([&] { return reconnects() >= 1; }, 5s)) << "the outage never cut the source off";
  const int before = emitter.batches();
  EXPECT_TRUE(WaitFor([&] { return emitter.batches() > before + 2; }, 5s)) << "the source never came back";
  source->Stop();
  fleet.Stop();
}

}  // namespace
}  // namespace mw::sim
