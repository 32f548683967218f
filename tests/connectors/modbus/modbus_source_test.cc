// The `modbus` source against our Modbus TCP server on a free loopback port: decoded values in every
// shape, refusal (skipped, reported once, re-probed), restarts and outages, a device that never
// answers, values that are not numbers, and the poll grid.
#include "connectors/modbus/modbus_source.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>

#include "connectors/modbus/modbus_server.h"
#include "tests/connectors/modbus/source_harness.h"
#include "tests/support/test_support.h"

namespace mw::connectors::modbus {
namespace {

using namespace std::chrono_literals;
using testing::RecordingEmitter;
using testing::SourceHarness;

constexpr auto kWait = 10s;

std::string SourceToml(const std::string& name, int port, const std::string& points,
                       const std::string& extra = "") {
  return "[[sources]]\ntype = \"modbus\"\nname = \"" + name + "\"\nport = " + std::to_string(port) +
         "\nasset = \"plant/press1\"\ninterval = \"50ms\"\nreconnect_min = \"50ms\"\nreconnect_max = "
         "\"200ms\"\n" +
         (extra.find("timeout") == std::string::npos ? "timeout = \"500ms\"\n" : "") + extra +
         "\n[sources.points]\n" + points;
}

class ModbusSourceTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }

  bool WaitSamples(const std::string& signal, std::size_t n) {
    return mw::testing::WaitUntil([&] { return emitter_.Count(h_.Series(signal)) >= n; }, kWait);
  }
  double Last(const std::string& signal) {
    const std::vector<double> v = emitter_.Values(h_.Series(signal));
    return v.empty() ? NAN : v.back();
  }
  bool WaitConnected(const std::string& source, bool want) {
    return mw::testing::WaitUntil([&] { return (h_.Gauge(kConnectedMetric, source) == 1) == want; }, kWait);
  }

  ModbusServer server_;
  SourceHarness h_;
  RecordingEmitter emitter_;
};

TEST_F(ModbusSourceTest, EmitsScaledIntegersAndFloatsInBothWordOrders) {
  ASSERT_TRUE(server_.SetScaled(Table::kHolding, 0, -12.3, 0.1).ok());
  ASSERT_TRUE(server_.SetScaled(Table::kHolding, 1, 40, 0.5, -10, ValueType::kUint16).ok());
  ASSERT_TRUE(server_.SetFloat32(Table::kHolding, 10, 1480.5f, WordOrder::kAbcd).ok());
  ASSERT_TRUE(server_.SetFloat32(Table::kHolding, 12, -7.25f, WordOrder::kCdab).ok());
  ASSERT_TRUE(server_.SetInt32(Table::kInput, 0, -123456, WordOrder::kCdab).ok());
  ASSERT_TRUE(server_.SetPoint(*ParsePoint("energy", "input:2:float64:cdab scale=0.001"), 12345.678).ok());
  ASSERT_TRUE(server_.SetScaled(Table::kInput, 6, 99999.99, 0.01, 0, ValueType::kUint32).ok());
  ASSERT_TRUE(server_.SetBit(Table::kCoil, 3, true).ok());
  ASSERT_TRUE(server_.SetBit(Table::kDiscrete, 5, false).ok());

  auto source = h_.BuildOne(SourceToml("press", server_.port(), R"(
temp = "holding:0:int16 scale=0.1"
level = "holding:1:uint16 scale=0.5 offset=-10"
speed = "holding:10:float32"
flow = "holding:12:float32:cdab"
count = "input:0:int32:cdab"
energy = "input:2:float64:cdab scale=0.001"
total = "input:6:uint32 scale=0.01"
running = "coil:3"
alarm = "discrete:5"
)"));
  ASSERT_NE(source, nullptr);
  ASSERT_TRUE(source->Start(emitter_).ok());
  for (const char* s : {"temp", "level", "speed", "flow", "count", "energy", "total", "running", "alarm"})
    ASSERT_TRUE(WaitSamples(s, 3)) << s;

  EXPECT_NEAR(Last("temp"), -12.3, 1e-9);
  EXPECT_DOUBLE_EQ(Last("level"), 40);
  EXPECT_DOUBLE_EQ(Last("speed"), 1480.5);
  EXPECT_DOUBLE_EQ(Last("flow"), -7.25);
  EXPECT_DOUBLE_EQ(Last("count"), -123456);
  EXPECT_NEAR(Last("energy"), 12345.678, 1e-9);
  EXPECT_NEAR(Last("total"), 99999.99, 1e-6);
  EXPECT_EQ(Last("running"), 1);
  EXPECT_EQ(Last("alarm"), 0);

  // The values follow the device.
  ASSERT_TRUE(server_.SetFloat32(Table::kHolding, 10, 2000.25f).ok());
  ASSERT_TRUE(mw::testing::WaitUntil([&] { return Last("speed") == 2000.25; }, kWait));

  source->Stop();
  source->Stop();  // idempotent
  EXPECT_FALSE(source->Start(emitter_).ok());

  // One batch per poll, every sample stamped with the poll's time, polls in order.
  const std::vector<Batch> batches = emitter_.Batches();
  Timestamp previous = 0;
  for (const Batch& b : batches) {
    ASSERT_FALSE(b.empty());
    for (Timestamp t : b.times) EXPECT_EQ(t, b.times.front());
    EXPECT_GT(b.times.front(), previous);
    previous = b.times.front();
  }
  // Four requests a poll: holding 0..13 (the gap 2..9 is bridged), input 0..7, coil 3, discrete 5.
  const std::uint64_t polls = h_.Count(kPollsMetric, "press");
  EXPECT_GE(polls, batches.size());
  EXPECT_LE(server_.requests(), 4 * polls);
  EXPECT_GE(server_.requests(), 4 * (polls - 1));
  std::uint64_t samples = 0;
  for (const Batch& b : batches) samples += b.size();
  EXPECT_EQ(h_.Count(pipeline::metric::kSamplesIn, "press"), samples);
  EXPECT_EQ(h_.metrics_.CounterTotal(kReadErrorsMetric), 0u);
  EXPECT_EQ(h_.Count(kRefusedMetric, "press"), 0u);
  EXPECT_EQ(h_.Count(kReconnectsMetric, "press"), 0u);
  EXPECT_EQ(h_.Gauge(kConnectedMetric, "press"), 0);
}

TEST_F(ModbusSourceTest, RefusedAddressesAreSkippedAndReportedWhileTheRestFlows) {
  for (std::uint16_t a = 10; a <= 20; ++a) ASSERT_TRUE(server_.SetScaled(Table::kHolding, a, a, 1).ok());
  server_.Refuse(Table::kHolding, 11);  // the point "b"
  server_.Refuse(Table::kHolding, 16);  // unused, in the gap the planner bridges between "c" and "d"
  auto source = h_.BuildOne(SourceToml("press", server_.port(), R"(
a = "holding:10"
b = "holding:11"
c = "holding:12"
d = "holding:20"
)",
                                       "reprobe = \"1h\"\n"));
  ASSERT_NE(source, nullptr);
  ASSERT_TRUE(source->Start(emitter_).ok());
  ASSERT_TRUE(WaitSamples("a", 5));
  ASSERT_TRUE(WaitSamples("c", 5));
  ASSERT_TRUE(WaitSamples("d", 5));
  EXPECT_EQ(emitter_.Count(h_.Series("b")), 0u);
  EXPECT_EQ(Last("a"), 10);
  EXPECT_EQ(Last("c"), 12);
  EXPECT_EQ(Last("d"), 20);
  // Reported once each: the point and the gap; one point is being skipped.
  EXPECT_EQ(h_.Count(kRefusedMetric, "press"), 2u);
  EXPECT_EQ(h_.Gauge(kRefusedPointsMetric, "press"), 1);
  EXPECT_EQ(h_.metrics_.CounterTotal(kReadErrorsMetric), 0u);

  // Once learnt, the refused addresses are no longer asked for.
  const std::uint64_t refusals = server_.refusals();
  const std::uint64_t polls = h_.Count(kPollsMetric, "press");
  ASSERT_TRUE(mw::testing::WaitUntil([&] { return h_.Count(kPollsMetric, "press") >= polls + 5; }, kWait));
  EXPECT_EQ(server_.refusals(), refusals);
  EXPECT_EQ(h_.Count(kRefusedMetric, "press"), 2u);
  source->Stop();
}

TEST_F(ModbusSourceTest, RefusedPointIsAskedAgainAndComesBack) {
  ASSERT_TRUE(server_.SetScaled(Table::kInput, 0, 5, 1).ok());
  ASSERT_TRUE(server_.SetScaled(Table::kInput, 1, 6, 1).ok());
  server_.Refuse(Table::kInput, 1);
  auto source = h_.BuildOne(
      SourceToml("press", server_.port(), "a = \"input:0\"\nb = \"input:1\"\n", "reprobe = \"1s\"\n"));
  ASSERT_NE(source, nullptr);
  ASSERT_TRUE(source->Start(emitter_).ok());
  ASSERT_TRUE(mw::testing::WaitUntil([&] { return h_.Gauge(kRefusedPointsMetric, "press") == 1; }, kWait));
  ASSERT_TRUE(WaitSamples("a", 3));
  EXPECT_EQ(emitter_.Count(h_.Series("b")), 0u);

  server_.Allow(Table::kInput, 1);
  ASSERT_TRUE(WaitSamples("b", 1));  // within a re-probe period
  EXPECT_EQ(Last("b"), 6);
  EXPECT_EQ(h_.Gauge(kRefusedPointsMetric, "press"), 0);
  EXPECT_EQ(h_.Count(kRefusedMetric, "press"), 1u);
  source->Stop();
}

TEST_F(ModbusSourceTest, ResumesAfterTheDeviceRestartsOrGoesOffline) {
  ASSERT_TRUE(server_.SetScaled(Table::kHolding, 0, 1, 1).ok());
  auto source = h_.BuildOne(SourceToml("press", server_.port(), "speed = \"holding:0\"\n"));
  ASSERT_NE(source, nullptr);
  ASSERT_TRUE(source->Start(emitter_).ok());
  ASSERT_TRUE(WaitSamples("speed", 2));
  ASSERT_TRUE(WaitConnected("press", true));

  // The device restarts on the same port, with a new value.
  server_.Stop();
  ASSERT_TRUE(WaitConnected("press", false));
  ASSERT_TRUE(server_.SetScaled(Table::kHolding, 0, 2, 1).ok());
  ASSERT_TRUE(server_.Start().ok());
  ASSERT_TRUE(mw::testing::WaitUntil([&] { return Last("speed") == 2; }, kWait));
  EXPECT_EQ(h_.Count(kReconnectsMetric, "press"), 1u);
  EXPECT_GE(h_.ReadErrors("press", "connection"), 1u);

  // A network outage: connections dropped and refused for a while.
  ASSERT_TRUE(server_.SetOffline(true).ok());
  ASSERT_TRUE(WaitConnected("press", false));
  ASSERT_TRUE(server_.SetScaled(Table::kHolding, 0, 3, 1).ok());
  std::this_thread::sleep_for(300ms);  // a few failed attempts
  ASSERT_TRUE(server_.SetOffline(false).ok());
  ASSERT_TRUE(mw::testing::WaitUntil([&] { return Last("speed") == 3; }, kWait));
  EXPECT_EQ(h_.Count(kReconnectsMetric, "press"), 2u);
  source->Stop();
}

TEST_F(ModbusSourceTest, ConnectsOnceTheDeviceComesUp) {
  const int port = server_.port();
  server_.Stop();
  ASSERT_TRUE(server_.SetScaled(Table::kHolding, 0, 7, 1).ok());
  auto source = h_.BuildOne(SourceToml("press", port, "speed = \"holding:0\"\n"));
  ASSERT_NE(source, nullptr);
  ASSERT_TRUE(source->Start(emitter_).ok());
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(h_.Gauge(kConnectedMetric, "press"), 0);
  EXPECT_EQ(h_.Count(kPollsMetric, "press"), 0u);
  ASSERT_TRUE(server_.Start().ok());
  ASSERT_TRUE(WaitSamples("speed", 1));
  EXPECT_EQ(Last("speed"), 7);
  EXPECT_EQ(h_.Count(kReconnectsMetric, "press"), 0u);  // a first connection, not a re-connection
  source->Stop();
}

TEST_F(ModbusSourceTest, SilentDeviceTimesOutAndIsReconnected) {
  // A socket that accepts connections (in the kernel's backlog) and never answers.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 64), 0);
  socklen_t size = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size), 0);

  auto source = h_.BuildOne(
      SourceToml("press", ntohs(addr.sin_port), "speed = \"holding:0\"\n", "timeout = \"50ms\"\n"));
  ASSERT_NE(source, nullptr);
  ASSERT_TRUE(source->Start(emitter_).ok());
  ASSERT_TRUE(mw::testing::WaitUntil([&] { return h_.Count(kReconnectsMetric, "press") >= 1; }, kWait));
  EXPECT_GE(h_.ReadErrors("press", "timeout"), 3u);
  EXPECT_EQ(emitter_.BatchCount(), 0u);
  source->Stop();
  ::close(fd);
}

TEST_F(ModbusSourceTest, ValuesThatAreNotNumbersAreCountedNotEmitted) {
  ASSERT_TRUE(server_.SetFloat32(Table::kHolding, 0, std::nanf("")).ok());
  ASSERT_TRUE(server_.SetScaled(Table::kHolding, 2, 9, 1).ok());
  auto source = h_.BuildOne(
      SourceToml("press", server_.port(), "flow = \"holding:0:float32\"\nspeed = \"holding:2\"\n"));
  ASSERT_NE(source, nullptr);
  ASSERT_TRUE(source->Start(emitter_).ok());
  ASSERT_TRUE(WaitSamples("speed", 3));
  EXPECT_EQ(emitter_.Count(h_.Series("flow")), 0u);
  EXPECT_GE(h_.metrics_.CounterValue(pipeline::metric::kDecodeErrors,
                                     {{"source", "press"}, {"reason", "not_finite"}}),
            3u);
  ASSERT_TRUE(server_.SetFloat32(Table::kHolding, 0, 0.5f).ok());
  ASSERT_TRUE(WaitSamples("flow", 1));
  EXPECT_EQ(Last("flow"), 0.5);
  source->Stop();
}

TEST_F(ModbusSourceTest, PollsKeepToTheirGrid) {
  auto source = h_.BuildOne(SourceToml("press", server_.port(), "speed = \"holding:0\"\n"));
  ASSERT_NE(source, nullptr);
  ASSERT_TRUE(source->Start(emitter_).ok());
  ASSERT_TRUE(WaitSamples("speed", 12));
  source->Stop();
  const std::vector<Batch> batches = emitter_.Batches();
  const double mean_ms = static_cast<double>(batches.back().times.front() - batches.front().times.front()) /
                         static_cast<double>(batches.size() - 1) / kNanosPerMilli;
  EXPECT_GE(mean_ms, 45);
  EXPECT_LE(mean_ms, 100);  // a loaded machine may skip a deadline; never faster than the interval
}

}  // namespace
}  // namespace mw::connectors::modbus
