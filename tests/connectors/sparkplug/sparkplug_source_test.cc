// Runs the Sparkplug source against a real Mosquitto broker on a free loopback port: once with our
// EdgeNode as the edge node, once with hand-made messages for the cases an honest node never sends.
#include "connectors/sparkplug/sparkplug_source.h"

#include <gtest/gtest.h>
#include <mosquitto.h>

#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>

#include "connectors/mqtt/mosquitto_broker.h"
#include "connectors/sparkplug/edge_node.h"
#include "connectors/sparkplug/register.h"
#include "core/process.h"
#include "pipeline/metric_names.h"
#include "tests/support/test_support.h"

namespace mw::connectors::sparkplug {
namespace {

using namespace std::chrono_literals;

constexpr auto kWait = 5s;

// Keeps every sample the source emits.
class RecordingEmitter final : public pipeline::Emitter {
 public:
  Status Emit(Batch&& batch) override {
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < batch.size(); ++i) samples_.push_back(batch.At(i));
    return Status::Ok();
  }
  std::vector<Sample> Samples() const {
    std::lock_guard lock(mu_);
    return samples_;
  }
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return samples_.size();
  }

 private:
  mutable std::mutex mu_;
  std::vector<Sample> samples_;
};

// A plain MQTT client that records what arrives on its filters and publishes raw bytes.
class Spy {
 public:
  Spy(int port, const std::vector<std::string>& filters) {
    mosquitto_lib_init();
    mosq_ = mosquitto_new(nullptr, true, this);
    mosquitto_message_callback_set(mosq_, [](struct mosquitto*, void* self, const mosquitto_message* m) {
      auto* spy = static_cast<Spy*>(self);
      std::lock_guard lock(spy->mu_);
      spy->messages_.emplace_back(m->topic, std::string(static_cast<const char*>(m->payload),
                                                        static_cast<std::size_t>(m->payloadlen)));
    });
    mosquitto_subscribe_callback_set(mosq_, [](struct mosquitto*, void* self, int, int, const int*) {
      static_cast<Spy*>(self)->subscribed_ = true;
    });
    connected_ = mosquitto_connect(mosq_, "127.0.0.1", port, 30) == MOSQ_ERR_SUCCESS &&
                 mosquitto_loop_start(mosq_) == MOSQ_ERR_SUCCESS;
    if (!filters.empty()) {
      std::vector<char*> f;
      for (const auto& s : filters) f.push_back(const_cast<char*>(s.c_str()));
      mosquitto_subscribe_multiple(mosq_, nullptr, static_cast<int>(f.size()), f.data(), 1, 0, nullptr);
      connected_ = connected_ && testing::WaitUntil([&] { return subscribed_.load(); }, kWait);
    }
  }
  ~Spy() {
    mosquitto_disconnect(mosq_);
    if (connected_) mosquitto_loop_stop(mosq_, false);
    mosquitto_destroy(mosq_);
  }
  bool connected() const { return connected_; }

  void Publish(const std::string& topic, const Payload& payload, bool datatypes = true) {
    auto bytes = EncodePayload(payload, EncodeOptions{datatypes});
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    ASSERT_EQ(mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(bytes->size()), bytes->data(),
                                1, false),
              MOSQ_ERR_SUCCESS);
  }
  void PublishRaw(const std::string& topic, const std::string& bytes) {
    ASSERT_EQ(mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(bytes.size()), bytes.data(),
                                1, false),
              MOSQ_ERR_SUCCESS);
  }
  std::vector<std::pair<std::string, std::string>> Messages(const std::string& topic) const {
    std::lock_guard lock(mu_);
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& m : messages_)
      if (m.first == topic) out.push_back(m);
    return out;
  }

 private:
  struct mosquitto* mosq_ = nullptr;
  bool connected_ = false;
  std::atomic<bool> subscribed_{false};
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, std::string>> messages_;
};

constexpr const char* kConfigHead = R"(
[templates.pump]
signals = ["temp", "rpm", "Motor.Current", "running"]

[[assets]]
path = "plant/edge1/pump1"
template = "pump"

[[assets]]
path = "plant/raw/dev"
template = "pump"
)";

Metric Def(std::string name, DataType type, MetricValue value, std::uint64_t alias) {
  Metric m;
  m.name = std::move(name);
  m.datatype = type;
  m.value = std::move(value);
  m.alias = alias;
  return m;
}

Metric ByAlias(std::uint64_t alias, DataType type, MetricValue value) {
  Metric m = Def("", type, std::move(value), alias);
  return m;
}

class SparkplugSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (FindExecutable("mosquitto").empty()) GTEST_SKIP() << "mosquitto not installed";
    RegisterSparkplugPlugins(registry_);
    auto broker = mqtt::MosquittoBroker::Start(dir_.path());
    ASSERT_TRUE(broker.ok()) << broker.status().ToString();
    broker_ = std::make_unique<mqtt::MosquittoBroker>(std::move(broker).value());
  }

  std::unique_ptr<SparkplugSource> Build(const std::string& extra = "") {
    load_ = ParseConfig(
        std::string(kConfigHead) +
            "[[sources]]\ntype = \"sparkplug\"\nname = \"s1\"\nport = " + std::to_string(broker_->port()) +
            "\ngroups = [\"plant\"]\nhost_id = \"mw-test\"\nreconnect_min = \"100ms\"\n"
            "reconnect_max = \"1s\"\nrebirth_interval = \"300ms\"\n" +
            extra,
        "test.toml");
    EXPECT_TRUE(load_.ok()) << (load_.errors.empty() ? "" : load_.errors[0].ToString());
    for (const auto& asset : load_.config.assets) catalog_.AddAsset(asset.path, asset.template_name);
    std::vector<ConfigError> errors;
    auto options = registry_.Validate(pipeline::PluginKind::kSource, load_.config.sources[0], errors);
    EXPECT_TRUE(options) << (errors.empty() ? "" : errors[0].ToString());
    if (!options) return nullptr;
    pipeline::PluginContext ctx{"s1",
                                catalog_,
                                metrics_,
                                clock_,
                                load_.config,
                                nullptr,
                                [this](std::string_view path, const std::string&) {
                                  return catalog_.FindAsset(path).value_or(kInvalidAsset);
                                }};
    auto plugin = registry_.Find(pipeline::PluginKind::kSource, "sparkplug")->factory(*options, ctx);
    EXPECT_TRUE(plugin.ok()) << plugin.status().ToString();
    if (!plugin.ok()) return nullptr;
    return std::unique_ptr<SparkplugSource>(static_cast<SparkplugSource*>(plugin->release()));
  }

  bool WaitConnected() {
    return testing::WaitUntil(
        [&] {
          return metrics_.GetGauge(kConnectedMetric, "", {{"source", "s1"}}).Value() == 1;
        },
        kWait);
  }
  std::uint64_t Count(const char* name) { return metrics_.CounterValue(name, {{"source", "s1"}}); }
  std::uint64_t Count(const char* name, const char* label, const char* value) {
    return metrics_.CounterValue(name, {{"source", "s1"}, {label, value}});
  }
  std::uint64_t Errors(const char* reason) {
    return Count(pipeline::metric::kDecodeErrors, "reason", reason);
  }
  SeriesId Series(const std::string& asset, const std::string& signal) {
    return catalog_.FindSeries(*catalog_.FindAsset(asset), signal).value_or(kInvalidSeries);
  }

  EdgeNodeOptions EdgeOptions() {
    EdgeNodeOptions o;
    o.port = broker_->port();
    o.group_id = "plant";
    o.edge_node_id = "edge1";
    o.first_bd_seq = 7;
    o.devices = {{"pump1",
                  {{"temp", DataType::kDouble},
                   {"rpm", DataType::kInt32},
                   {"Motor/Current", DataType::kFloat},
                   {"running", DataType::kBoolean},
                   {"status", DataType::kString}}}};
    return o;
  }

  // Services the edge node (single-threaded, as its API asks) until `done` holds.
  static bool Pump(EdgeNode& edge, const std::function<bool()>& done) {
    return testing::WaitUntil(
        [&] {
          edge.Service(10ms);
          return done();
        },
        kWait);
  }

  testing::TempDir dir_;
  std::unique_ptr<mqtt::MosquittoBroker> broker_;
  pipeline::PluginRegistry registry_;
  ConfigLoad load_;
  Catalog catalog_;
  MetricsRegistry metrics_;
  SystemClock clock_;
};

TEST_F(SparkplugSourceTest, EdgeNodeBirthDataRebirthAndDeath) {
  auto source = Build();
  ASSERT_TRUE(source);
  EXPECT_EQ(source->filters(), (std::vector<std::string>{"spBv1.0/plant/#", "spBv1.0/STATE/mw-test"}));
  RecordingEmitter emitter;
  Spy spy(broker_->port(), {"spBv1.0/STATE/#", "spBv1.0/plant/NCMD/#"});
  ASSERT_TRUE(spy.connected());
  ASSERT_TRUE(source->Start(emitter).ok());
  ASSERT_TRUE(WaitConnected());
  // The host's STATE: retained, online, JSON.
  ASSERT_TRUE(testing::WaitUntil([&] { return !spy.Messages("spBv1.0/STATE/mw-test").empty(); }, kWait));
  EXPECT_EQ(spy.Messages("spBv1.0/STATE/mw-test").back().second.rfind(R"({"online":true,"timestamp":)", 0),
            0u);

  EdgeNode edge(EdgeOptions());
  ASSERT_TRUE(edge.Init().ok());
  ASSERT_TRUE(Pump(edge, [&] { return edge.online(); }));
  EXPECT_EQ(edge.bd_seq(), 7u);
  ASSERT_TRUE(testing::WaitUntil([&] { return Count(kBirthsMetric, "kind", "device") == 1; }, kWait));
  // The DBIRTH declares null values: bad-quality samples of the four mapped signals.
  ASSERT_TRUE(testing::WaitUntil([&] { return emitter.size() == 4; }, kWait));
  for (const Sample& s : emitter.Samples()) {
    EXPECT_EQ(s.quality, Quality::kBad);
    EXPECT_TRUE(std::isnan(s.value));
  }

  const std::uint64_t t0 = 1'700'000'000'000;
  ASSERT_TRUE(edge.PublishDeviceData(
                      0, {{0, 21.5}, {1, std::int64_t{-3}}, {2, 1.25}, {3, true}, {4, std::string("ok")}}, t0)
                  .ok());
  ASSERT_TRUE(Pump(edge, [&] { return emitter.size() == 8; }));
  auto samples = emitter.Samples();
  const std::string pump = "plant/edge1/pump1";
  EXPECT_EQ(samples[4].series, Series(pump, "temp"));
  EXPECT_EQ(samples[4].value, 21.5);
  EXPECT_EQ(samples[4].time, static_cast<Timestamp>(t0) * kNanosPerMilli);
  EXPECT_EQ(samples[4].quality, Quality::kGood);
  EXPECT_EQ(samples[5].series, Series(pump, "rpm"));
  EXPECT_EQ(samples[5].value, -3);
  EXPECT_EQ(samples[6].series, Series(pump, "Motor.Current"));
  EXPECT_EQ(samples[6].value, 1.25);
  EXPECT_EQ(samples[7].series, Series(pump, "running"));
  EXPECT_EQ(samples[7].value, 1);
  // "status" (a String, and no signal of the template), in DBIRTH and DDATA.
  EXPECT_EQ(Count(kIgnoredMetric, "reason", "unmapped"), 2u);
  EXPECT_EQ(Count(kSeqGapsMetric), 0u);
  EXPECT_EQ(Count(kRebirthRequestsMetric), 0u);
  EXPECT_EQ(metrics_.CounterTotal(pipeline::metric::kDecodeErrors), 0u);

  // A DDATA with a seq out of order (NBIRTH 0, DBIRTH 1, DDATA 2 so far): counted, used, and the
  // edge node is asked for a rebirth, which it answers.
  Payload odd;
  odd.seq = 200;
  odd.metrics = {ByAlias(1, DataType::kDouble, 99.0)};
  spy.Publish("spBv1.0/plant/DDATA/edge1/pump1", odd, false);
  ASSERT_TRUE(testing::WaitUntil([&] { return Count(kRebirthRequestsMetric) == 1; }, kWait));
  EXPECT_EQ(Count(kSeqGapsMetric), 1u);
  ASSERT_TRUE(testing::WaitUntil([&] { return emitter.size() == 9; }, kWait));
  EXPECT_EQ(emitter.Samples()[8].value, 99.0);
  ASSERT_TRUE(
      testing::WaitUntil([&] { return spy.Messages("spBv1.0/plant/NCMD/edge1").size() == 1; }, kWait));
  Payload command;
  ASSERT_TRUE(DecodePayload(spy.Messages("spBv1.0/plant/NCMD/edge1")[0].second, command).ok());
  ASSERT_EQ(command.metrics.size(), 1u);
  EXPECT_EQ(command.metrics[0].name, "Node Control/Rebirth");
  EXPECT_EQ(command.metrics[0].value, MetricValue(true));
  ASSERT_TRUE(Pump(edge, [&] { return edge.rebirths() == 1 && Count(kBirthsMetric, "kind", "node") == 2; }));
  EXPECT_EQ(edge.births(), 2u);
  // The rebirth declares the last values: good samples again, and data flows without a new gap.
  ASSERT_TRUE(testing::WaitUntil([&] { return Count(kBirthsMetric, "kind", "device") == 2; }, kWait));
  ASSERT_TRUE(edge.PublishDeviceData(0, {{0, 22.0}}).ok());
  ASSERT_TRUE(Pump(edge, [&] { return emitter.Samples().back().value == 22.0; }));
  EXPECT_EQ(Count(kSeqGapsMetric), 1u);
  EXPECT_EQ(Count(kRebirthRequestsMetric), 1u);

  // The connection breaks without DISCONNECT: the broker publishes the NDEATH will, and every
  // signal of the device goes stale.
  const std::size_t before = emitter.size();
  edge.DropConnection();
  edge.Service(0ms);
  ASSERT_TRUE(testing::WaitUntil([&] { return Count(kDeathsMetric, "kind", "node") == 1; }, kWait));
  ASSERT_TRUE(testing::WaitUntil([&] { return emitter.size() == before + 4; }, kWait));
  samples = emitter.Samples();
  std::set<SeriesId> stale;
  for (std::size_t i = before; i < samples.size(); ++i) {
    EXPECT_EQ(samples[i].quality, Quality::kBad);
    EXPECT_TRUE(std::isnan(samples[i].value));
    stale.insert(samples[i].series);
  }
  EXPECT_EQ(stale, (std::set<SeriesId>{Series(pump, "temp"), Series(pump, "rpm"),
                                       Series(pump, "Motor.Current"), Series(pump, "running")}));
  EXPECT_EQ(Count(kStaleSamplesMetric), 4u);

  // It comes back by itself with the next bdSeq, is born again, and a clean stop says NDEATH too.
  ASSERT_TRUE(Pump(edge, [&] { return edge.online() && Count(kBirthsMetric, "kind", "node") == 3; }));
  EXPECT_EQ(edge.bd_seq(), 8u);
  ASSERT_TRUE(testing::WaitUntil([&] { return Count(kBirthsMetric, "kind", "device") == 3; }, kWait));
  edge.Stop();
  ASSERT_TRUE(testing::WaitUntil([&] { return Count(kDeathsMetric, "kind", "node") == 2; }, kWait));
  EXPECT_EQ(Count(kStaleSamplesMetric), 8u);
  EXPECT_EQ(Count(kIgnoredMetric, "reason", "old_death"), 0u);
  EXPECT_EQ(metrics_.CounterTotal(pipeline::metric::kDecodeErrors), 0u);

  source->Stop();
  // A clean stop leaves the retained STATE offline.
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        return spy.Messages("spBv1.0/STATE/mw-test").back().second.find(R"("online":false)") !=
               std::string::npos;
      },
      kWait));
}

TEST_F(SparkplugSourceTest, HandMadeMessages) {
  auto source = Build();
  ASSERT_TRUE(source);
  RecordingEmitter emitter;
  Spy spy(broker_->port(), {"spBv1.0/plant/NCMD/#"});
  ASSERT_TRUE(spy.connected());
  ASSERT_TRUE(source->Start(emitter).ok());
  ASSERT_TRUE(WaitConnected());
  const std::string dev = "plant/raw/dev";

  // Data before any birth: counted, and a rebirth is asked for.
  Payload data;
  data.seq = 5;
  data.metrics = {ByAlias(1, DataType::kDouble, 1.0)};
  spy.Publish("spBv1.0/plant/DDATA/raw/dev", data, false);
  ASSERT_TRUE(testing::WaitUntil([&] { return Errors("no_birth") == 1; }, kWait));
  ASSERT_TRUE(testing::WaitUntil([&] { return spy.Messages("spBv1.0/plant/NCMD/raw").size() == 1; }, kWait));
  EXPECT_EQ(Count(kRebirthRequestsMetric), 1u);

  Payload nbirth;
  nbirth.seq = 0;
  nbirth.metrics = {Def("bdSeq", DataType::kInt64, std::int64_t{3}, 0)};
  nbirth.metrics[0].alias.reset();
  spy.Publish("spBv1.0/plant/NBIRTH/raw", nbirth);
  Payload dbirth;
  dbirth.seq = 1;
  dbirth.timestamp = 1'000;
  dbirth.metrics = {Def("temp", DataType::kDouble, 20.0, 1),
                    Def("rpm", DataType::kUInt16, std::int64_t{1500}, 2),
                    Def("other", DataType::kDouble, 5.0, 3)};
  dbirth.metrics[1].timestamp = 2'000;
  spy.Publish("spBv1.0/plant/DBIRTH/raw/dev", dbirth);
  ASSERT_TRUE(testing::WaitUntil([&] { return emitter.size() == 2; }, kWait));
  auto samples = emitter.Samples();
  EXPECT_EQ(samples[0].series, Series(dev, "temp"));
  EXPECT_EQ(samples[0].time, 1'000 * kNanosPerMilli);  // the payload's timestamp
  EXPECT_EQ(samples[1].value, 1500);
  EXPECT_EQ(samples[1].time, 2'000 * kNanosPerMilli);          // the metric's own
  EXPECT_EQ(Count(kIgnoredMetric, "reason", "unmapped"), 1u);  // "other" is no signal of the template
  EXPECT_EQ(Count(kIgnoredMetric, "reason", "protocol"), 1u);  // bdSeq
  // The node asset "plant/raw" is not declared, but the NBIRTH holds no data: no error.
  EXPECT_EQ(Errors("unknown_asset"), 0u);

  // An unknown alias, a value that does not fit the birth's datatype, and a good one.
  data.seq = 2;
  data.metrics = {ByAlias(9, DataType::kDouble, 1.0), ByAlias(2, DataType::kUnknown, std::int64_t{70000}),
                  ByAlias(1, DataType::kUnknown, 21.0)};
  spy.Publish("spBv1.0/plant/DDATA/raw/dev", data, false);
  ASSERT_TRUE(testing::WaitUntil([&] { return emitter.size() == 3; }, kWait));
  EXPECT_EQ(emitter.Samples()[2].value, 21.0);
  EXPECT_EQ(Errors("unknown_alias"), 1u);
  EXPECT_EQ(Errors("bad_metric"), 1u);

  // Garbage, a topic outside the scheme, a STATE of another host: counted.
  spy.PublishRaw("spBv1.0/plant/DDATA/raw/dev", "\xff\xff\xff");
  spy.PublishRaw("spBv1.0/plant/NOPE/raw", "");
  ASSERT_TRUE(
      testing::WaitUntil([&] { return Errors("bad_payload") == 1 && Errors("bad_topic") == 1; }, kWait));

  // DDEATH (seq 3): the device's two signals go stale.
  Payload ddeath;
  ddeath.seq = 3;
  spy.Publish("spBv1.0/plant/DDEATH/raw/dev", ddeath);
  ASSERT_TRUE(testing::WaitUntil([&] { return emitter.size() == 5; }, kWait));
  samples = emitter.Samples();
  EXPECT_EQ(samples[3].quality, Quality::kBad);
  EXPECT_EQ(samples[4].quality, Quality::kBad);
  EXPECT_EQ(Count(kDeathsMetric, "kind", "device"), 1u);
  EXPECT_EQ(Count(kSeqGapsMetric), 0u);

  // An NDEATH of an earlier session (bdSeq 2, the birth said 3) changes nothing.
  Payload old_death;
  old_death.metrics = {Def("bdSeq", DataType::kInt64, std::int64_t{2}, 0)};
  old_death.metrics[0].alias.reset();
  spy.Publish("spBv1.0/plant/NDEATH/raw", old_death);
  ASSERT_TRUE(testing::WaitUntil([&] { return Count(kIgnoredMetric, "reason", "old_death") == 1; }, kWait));
  EXPECT_EQ(Count(kDeathsMetric, "kind", "node"), 0u);
  EXPECT_EQ(emitter.size(), 5u);
}

TEST_F(SparkplugSourceTest, RejectsBadOptions) {
  struct Case {
    std::string toml;
    std::string key;
  };
  const Case cases[] = {
      {"groups = [\"a/b\"]", "groups"},
      {"groups = [\"STATE\"]", "groups"},
      {"host_id = \"a+b\"", "host_id"},
      {"asset = \"{group}/{nope}\"", "asset"},
      {"node_asset = \"{group}/{device}\"", "node_asset"},
      {"rebirth_interval = \"0s\"", "rebirth_interval"},
      {"protocol = \"mqtt4\"", "protocol"},
  };
  for (const auto& c : cases) {
    ConfigLoad load = ParseConfig("[[sources]]\ntype = \"sparkplug\"\n" + c.toml + "\n", "bad.toml");
    ASSERT_TRUE(load.ok()) << c.toml;
    std::vector<ConfigError> errors;
    EXPECT_FALSE(registry_.Validate(pipeline::PluginKind::kSource, load.config.sources[0], errors)) << c.toml;
    ASSERT_GE(errors.size(), 1u) << c.toml;
    EXPECT_EQ(errors[0].key, "sources[0]." + c.key) << errors[0].ToString();
  }
  EXPECT_NE(registry_.Describe().find("rebirth_interval"), std::string::npos);
}

}  // namespace
}  // namespace mw::connectors::sparkplug
