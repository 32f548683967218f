// The `opcua` source against node-opcua's server (tests/peers/opcua), and its browse-path globs.
#include "connectors/opcua/opcua_source.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "opcua/encoding/node_id.h"
#include "opcua/server/server.h"
#include "pipeline/metric_names.h"
#include "tests/opcua/server/test_plant.h"
#include "tests/support/node_opcua_peer.h"
#include "tests/support/test_support.h"

namespace mw::connectors::opcua_source {
namespace {

class CollectingEmitter final : public pipeline::Emitter {
 public:
  Status Emit(Batch&& batch) override {
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < batch.size(); ++i) samples_.push_back(batch.At(i));
    return Status::Ok();
  }
  std::vector<Sample> Of(SeriesId id) const {
    std::lock_guard lock(mu_);
    std::vector<Sample> out;
    for (const Sample& s : samples_) {
      if (s.series == id) out.push_back(s);
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Sample> samples_;
};

TEST(SegmentMatches, GlobsMatchOneBrowseName) {
  EXPECT_TRUE(SegmentMatches("Pump*", "Pump12"));
  EXPECT_TRUE(SegmentMatches("*", "anything"));
  EXPECT_TRUE(SegmentMatches("D?", "D7"));
  EXPECT_TRUE(SegmentMatches("*Temp*", "BearingTempC"));
  EXPECT_FALSE(SegmentMatches("D?", "D17"));
  EXPECT_FALSE(SegmentMatches("Pump*", "Motor1"));
  EXPECT_TRUE(SegmentMatches("Speed", "Speed"));
  EXPECT_FALSE(SegmentMatches("Speed", "Speeds"));
}

class OpcuaSourceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!mw::testing::NodeOpcuaPeer::Available()) return;
    dir_ = new mw::testing::TempDir();
    auto peer = mw::testing::NodeOpcuaPeer::Start(dir_->path());
    ASSERT_TRUE(peer.ok()) << peer.status().ToString();
    peer_ = std::move(peer).value().release();
  }
  static void TearDownTestSuite() {
    delete peer_;
    peer_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!peer_) GTEST_SKIP() << "node-opcua is not installed (scripts/install-deps.sh installs it)";
    asset_ = catalog_.AddAsset("plant/pump1", "");
  }

  OpcuaSourceOptions Options(std::vector<NodeMapping> nodes) const {
    OpcuaSourceOptions o;
    o.client.endpoint_url = peer_->endpoint();
    o.client.pki_dir = pki_.path();
    o.asset = "plant/pump1";
    o.nodes = std::move(nodes);
    o.interval_ms = 100;
    return o;
  }
  std::string Ns(const std::string& name) const {
    return opcua::ToString(opcua::NodeId::StringId(peer_->namespace_index(), name));
  }
  SeriesId Series(const std::string& signal) const {
    return catalog_.FindSeries(asset_, signal).value_or(kInvalidSeries);
  }
  std::uint64_t Errors(const std::string& reason) const {
    return metrics_.CounterValue(pipeline::metric::kDecodeErrors, {{"source", "ua"}, {"reason", reason}});
  }

  static mw::testing::TempDir* dir_;
  static mw::testing::NodeOpcuaPeer* peer_;
  mw::testing::TempDir pki_;
  Catalog catalog_;
  MetricsRegistry metrics_;
  SystemClock clock_;
  AssetId asset_ = kInvalidAsset;
};

mw::testing::TempDir* OpcuaSourceTest::dir_ = nullptr;
mw::testing::NodeOpcuaPeer* OpcuaSourceTest::peer_ = nullptr;

TEST_F(OpcuaSourceTest, SubscribedNodesBecomeSamplesOfTheirSignals) {
  OpcuaSource source("ua", Options({{Ns("Dynamic.Sine"), "vibration"}, {"TestPeer/Dynamic/St*", "{name}"}}),
                     asset_, catalog_, metrics_, clock_);
  CollectingEmitter emitter;
  ASSERT_TRUE(source.Start(emitter).ok());
  ASSERT_TRUE(mw::testing::WaitUntil([&] {
    return emitter.Of(Series("vibration")).size() >= 5 && emitter.Of(Series("Step")).size() >= 5;
  })) << "no samples";
  source.Stop();
  const auto sine = emitter.Of(Series("vibration"));
  for (const Sample& s : sine) {
    EXPECT_GE(s.value, -1.0);
    EXPECT_LE(s.value, 1.0);
    EXPECT_EQ(s.quality, Quality::kGood);
    EXPECT_GT(s.time, clock_.Now() - 60 * kNanosPerSecond);  // the server's source timestamps
  }
  EXPECT_EQ(metrics_.GetGauge("mw_opcua_connected", "", {{"source", "ua"}}).Value(), 0);
}

TEST_F(OpcuaSourceTest, PolledStructureAndArrayBecomeOneSignalPerField) {
  OpcuaSourceOptions o = Options({{Ns("Structs.Pump1"), "pump"}, {Ns("Arrays.Int32"), "codes"}});
  o.subscribe = false;
  OpcuaSource source("ua", std::move(o), asset_, catalog_, metrics_, clock_);
  CollectingEmitter emitter;
  ASSERT_TRUE(source.Start(emitter).ok());
  ASSERT_TRUE(mw::testing::WaitUntil([&] { return emitter.Of(Series("pump.Temps.2")).size() >= 2; }));
  source.Stop();
  EXPECT_EQ(emitter.Of(Series("pump.Speed")).front().value, 1480.5);
  EXPECT_EQ(emitter.Of(Series("pump.Running")).front().value, 1.0);
  EXPECT_EQ(emitter.Of(Series("pump.Bearing.Code")).front().value, 7.0);
  EXPECT_EQ(emitter.Of(Series("pump.Temps.1")).front().value, 41.25);
  EXPECT_FALSE(emitter.Of(Series("codes.0")).empty());
  EXPECT_EQ(Series("pump.Bearing.Label"), kInvalidSeries);  // text is not a sample
}

TEST_F(OpcuaSourceTest, UnknownNodeIsCountedAndTheOthersFlow) {
  OpcuaSource source("ua", Options({{Ns("No.Such.Node"), "ghost"}, {Ns("Dynamic.Sine"), "vibration"}}),
                     asset_, catalog_, metrics_, clock_);
  CollectingEmitter emitter;
  ASSERT_TRUE(source.Start(emitter).ok());
  ASSERT_TRUE(mw::testing::WaitUntil([&] { return emitter.Of(Series("vibration")).size() >= 3; }));
  source.Stop();
  EXPECT_EQ(Errors("bad_node"), 1u);
}

TEST_F(OpcuaSourceTest, BrowsePathThatMatchesNothingIsReportedNamingIt) {
  mw::opcua::ClientOptions o;
  o.endpoint_url = peer_->endpoint();
  auto client = mw::opcua::Client::Connect(o);
  ASSERT_TRUE(client.ok());
  auto none = OpcuaSource::ResolveNodes(**client, {{"TestPeer/Nowhere/*", "x"}});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("'TestPeer/Nowhere/*'"), std::string::npos);
  auto deep = OpcuaSource::ResolveNodes(**client, {{"TestPeer/**/Float10k", "{name}"}});
  ASSERT_TRUE(deep.ok()) << deep.status().ToString();
  ASSERT_EQ(deep->size(), 1u);
  EXPECT_EQ(deep->front().signal, "Float10k");
  auto bench = OpcuaSource::ResolveNodes(**client, {{"TestPeer/Bench/D1?", "{name}"}});
  ASSERT_TRUE(bench.ok());
  EXPECT_EQ(bench->size(), 10u);  // D10..D19
}

}  // namespace
}  // namespace mw::connectors::opcua_source

namespace mw::connectors::opcua_source {
namespace {

// The same source against Millwright's own server: browse paths with globs, a structure as one
// signal per field, values pushed by the server's application side.
TEST(OpcuaSourceOwnServer, ReadsPlantVariablesAndStructureFields) {
  opcua::server::ServerOptions server_options;
  server_options.port = 0;
  auto server = opcua::server::Server::Start(server_options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const auto plant = opcua::testing::AddTestPlant((*server)->address_space(), 2);
  Catalog catalog;
  MetricsRegistry metrics;
  SystemClock clock;
  const AssetId asset = catalog.AddAsset("plant/pump1", "");
  mw::testing::TempDir pki;
  OpcuaSourceOptions o;
  o.client.endpoint_url = (*server)->endpoint_url();
  o.client.pki_dir = pki.path();
  o.asset = "plant/pump1";
  o.nodes = {{"Plant/Pump1/Count", "count"}, {"Plant/Pump1/Sta*", "{name}"}};
  o.interval_ms = 50;
  OpcuaSource source("own", o, asset, catalog, metrics, clock);
  CollectingEmitter emitter;
  ASSERT_TRUE(source.Start(emitter).ok());
  std::atomic<bool> stop{false};
  std::thread ticker([&] {
    for (std::int32_t i = 1; !stop; ++i) {
      opcua::DataValue v;
      v.value = opcua::Variant::Scalar(i);
      (void)(*server)->address_space().SetValue(plant.Id("Pump1.Count"), v);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  auto series = [&](const std::string& signal) {
    return catalog.FindSeries(asset, signal).value_or(kInvalidSeries);
  };
  const bool seen = mw::testing::WaitUntil(
      [&] { return emitter.Of(series("count")).size() >= 5 && !emitter.Of(series("Status.Speed")).empty(); });
  stop = true;
  ticker.join();
  source.Stop();
  ASSERT_TRUE(seen) << "no samples from our server";
  EXPECT_EQ(emitter.Of(series("Status.Speed"))[0].value, 1480.5);
  EXPECT_EQ(emitter.Of(series("Status.Bearing.Code"))[0].value, 7);
  const auto counts = emitter.Of(series("count"));
  for (std::size_t i = 1; i < counts.size(); ++i) EXPECT_GT(counts[i].value, counts[i - 1].value);
}

}  // namespace
}  // namespace mw::connectors::opcua_source
