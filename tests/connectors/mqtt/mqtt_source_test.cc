// Runs the MQTT source against a real Mosquitto broker started on a free loopback port.
#include "connectors/mqtt/mqtt_source.h"
#include "connectors/mqtt/mosquitto_broker.h"

#include <gtest/gtest.h>
#include <mosquitto.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>

#include "connectors/mqtt/register.h"
#include "core/process.h"
#include "pipeline/metric_names.h"
#include "tests/support/test_support.h"

namespace mw::connectors::mqtt {
namespace {

using namespace std::chrono_literals;

constexpr auto kWait = 5s;

// A Mosquitto broker on 127.0.0.1:<port>, which can be killed and started again on the same port.
class Broker {
 public:
  Broker() {
    auto broker = MosquittoBroker::Create(dir_.path());
    if (!broker.ok()) throw std::runtime_error(broker.status().ToString());
    broker_ = std::make_unique<MosquittoBroker>(std::move(broker).value());
  }
  bool Start() { return broker_->Launch().ok(); }
  void Kill() { broker_->Kill(); }
  int port() const { return broker_->port(); }
  std::string Log() const { return broker_->Log(); }

 private:
  testing::TempDir dir_;
  std::unique_ptr<MosquittoBroker> broker_;
};

// A plain libmosquitto client that publishes with QoS 1 and waits for the broker's acks.
class Publisher {
 public:
  explicit Publisher(int port) {
    mosquitto_lib_init();
    mosq_ = mosquitto_new(nullptr, true, this);
    mosquitto_publish_callback_set(mosq_, [](struct mosquitto*, void* self, int) {
      static_cast<Publisher*>(self)->acked_.fetch_add(1);
    });
    connected_ = mosquitto_connect(mosq_, "127.0.0.1", port, 30) == MOSQ_ERR_SUCCESS &&
                 mosquitto_loop_start(mosq_) == MOSQ_ERR_SUCCESS;
  }
  ~Publisher() {
    mosquitto_disconnect(mosq_);
    if (connected_) mosquitto_loop_stop(mosq_, false);
    mosquitto_destroy(mosq_);
  }

  bool connected() const { return connected_; }

  void Publish(const std::string& topic, const std::string& payload) {
    ASSERT_EQ(mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                                payload.data(), 1, false),
              MOSQ_ERR_SUCCESS);
    ++sent_;
  }

  bool WaitAcked() {
    return testing::WaitUntil([&] { return acked_.load() >= sent_; }, kWait);
  }

 private:
  struct mosquitto* mosq_ = nullptr;
  bool connected_ = false;
  int sent_ = 0;
  std::atomic<int> acked_{0};
};

// Keeps every batch the source emits.
class CollectingEmitter final : public pipeline::Emitter {
 public:
  Status Emit(Batch&& batch) override {
    std::lock_guard lock(mu_);
    batches_.push_back(std::move(batch));
    return Status::Ok();
  }

  std::vector<Sample> Samples() const {
    std::lock_guard lock(mu_);
    std::vector<Sample> out;
    for (const auto& b : batches_)
      for (std::size_t i = 0; i < b.size(); ++i) out.push_back(b.At(i));
    return out;
  }
  std::size_t SampleCount() const { return Samples().size(); }
  std::size_t BatchCount() const {
    std::lock_guard lock(mu_);
    return batches_.size();
  }

 private:
  mutable std::mutex mu_;
  std::vector<Batch> batches_;
};

// Blocks in Emit until Release(), like a full pipeline, and then collects.
class BlockingEmitter final : public pipeline::Emitter {
 public:
  Status Emit(Batch&& batch) override {
    std::unique_lock lock(mu_);
    ++calls_;
    cv_.wait(lock, [&] { return released_; });
    samples_ += batch.size();
    return Status::Ok();
  }
  void Release() {
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
  }
  int calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  std::size_t samples() {
    std::lock_guard lock(mu_);
    return samples_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  int calls_ = 0;
  std::size_t samples_ = 0;
};

constexpr const char* kConfigHead = R"(
[templates.pump]
signals = ["temp", "vib", "rpm"]

[[assets]]
path = "plant/line1/pump1"
template = "pump"

[[assets]]
path = "plant/line1/pump2"
template = "pump"
)";

// Builds sources the way the runtime does: config text -> option validation -> factory.
class MqttSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterMqttPlugins(registry_);
    if (FindExecutable("mosquitto").empty()) GTEST_SKIP() << "mosquitto not installed";
  }

  // `sources` is TOML for one or more [[sources]] tables.
  std::vector<std::unique_ptr<MqttSource>> Build(const std::string& sources) {
    load_ = ParseConfig(std::string(kConfigHead) + sources, "test.toml");
    EXPECT_TRUE(load_.ok()) << (load_.errors.empty() ? "" : load_.errors[0].ToString());
    for (const auto& asset : load_.config.assets) {
      AssetId id = catalog_.AddAsset(asset.path, asset.template_name);
      for (const auto& s : load_.config.templates.at(asset.template_name).signals)
        catalog_.InternSeries(id, s.name);
    }
    std::vector<std::unique_ptr<MqttSource>> out;
    for (const auto& spec : load_.config.sources) {
      std::vector<ConfigError> errors;
      auto options = registry_.Validate(pipeline::PluginKind::kSource, spec, errors);
      EXPECT_TRUE(options) << (errors.empty() ? "" : errors[0].ToString());
      if (!options) return {};
      auto plugin = Create(spec, *options);
      EXPECT_TRUE(plugin.ok()) << plugin.status().ToString();
      if (!plugin.ok()) return {};
      out.emplace_back(static_cast<MqttSource*>(plugin->release()));
    }
    return out;
  }

  Result<std::unique_ptr<pipeline::Plugin>> Create(const PluginSpec& spec, const pipeline::Options& options) {
    pipeline::PluginContext ctx{spec.name,
                                catalog_,
                                metrics_,
                                clock_,
                                load_.config,
                                nullptr,
                                [this](std::string_view path, const std::string&) {
                                  return catalog_.FindAsset(path).value_or(kInvalidAsset);
                                }};
    return registry_.Find(pipeline::PluginKind::kSource, "mqtt")->factory(options, ctx);
  }

  std::string SourceToml(const std::string& name, int port, const std::string& extra = "") {
    return "[[sources]]\ntype = \"mqtt\"\nname = \"" + name + "\"\nport = " + std::to_string(port) +
           "\ntopics = [\"plant/+/+/telemetry\"]\nreconnect_min = \"100ms\"\nreconnect_max = \"1s\"\n" +
           extra;
  }

  double Connected(const std::string& source) {
    return metrics_.GetGauge(kConnectedMetric, "", {{"source", source}}).Value();
  }
  bool WaitConnected(const std::string& source, bool want = true) {
    return testing::WaitUntil([&] { return (Connected(source) == 1) == want; }, kWait);
  }
  std::uint64_t Count(const char* name, const std::string& source) {
    return metrics_.CounterValue(name, {{"source", source}});
  }
  std::uint64_t DecodeErrors(const std::string& source, const std::string& reason) {
    return metrics_.CounterValue(pipeline::metric::kDecodeErrors, {{"source", source}, {"reason", reason}});
  }
  SeriesId Series(const std::string& asset, const std::string& signal) {
    return catalog_.FindSeries(*catalog_.FindAsset(asset), signal).value_or(kInvalidSeries);
  }

  pipeline::PluginRegistry registry_;
  ConfigLoad load_;
  Catalog catalog_;
  MetricsRegistry metrics_;
  SystemClock clock_;
};

TEST_F(MqttSourceTest, SamplesArriveWithSeriesValuesAndTimes) {
  Broker broker;
  ASSERT_TRUE(broker.Start());
  auto sources = Build(SourceToml("m1", broker.port()));
  ASSERT_EQ(sources.size(), 1u);
  CollectingEmitter emitter;
  ASSERT_TRUE(sources[0]->Start(emitter).ok());
  ASSERT_TRUE(WaitConnected("m1"));

  Publisher pub(broker.port());
  ASSERT_TRUE(pub.connected());
  pub.Publish("plant/line1/pump1/telemetry", R"({"ts":1700000000000,"temp":21.5,"vib":0.25})");
  pub.Publish("plant/line1/pump2/telemetry",
              R"([{"ts":1700000001000,"rpm":1500},{"ts":1700000002000,"rpm":1510}])");
  ASSERT_TRUE(pub.WaitAcked());
  ASSERT_TRUE(testing::WaitUntil([&] { return emitter.SampleCount() >= 4; }, kWait));

  auto samples = emitter.Samples();
  ASSERT_EQ(samples.size(), 4u);
  EXPECT_EQ(samples[0].series, Series("plant/line1/pump1", "temp"));
  EXPECT_EQ(samples[0].value, 21.5);
  EXPECT_EQ(samples[0].time, 1'700'000'000 * kNanosPerSecond);
  EXPECT_EQ(samples[1].series, Series("plant/line1/pump1", "vib"));
  EXPECT_EQ(samples[1].value, 0.25);
  EXPECT_EQ(samples[2].series, Series("plant/line1/pump2", "rpm"));
  EXPECT_EQ(samples[2].value, 1500);
  EXPECT_EQ(samples[2].time, 1'700'000'001 * kNanosPerSecond);
  EXPECT_EQ(samples[3].value, 1510);
  EXPECT_EQ(samples[3].time, 1'700'000'002 * kNanosPerSecond);
  // Messages read in one burst travel in one batch.
  EXPECT_GE(emitter.BatchCount(), 1u);
  EXPECT_LE(emitter.BatchCount(), 2u);
  EXPECT_EQ(Count(pipeline::metric::kMessagesIn, "m1"), 2u);
  EXPECT_EQ(Count(pipeline::metric::kSamplesIn, "m1"), 4u);
  EXPECT_EQ(Count(kReconnectsMetric, "m1"), 0u);

  sources[0]->Stop();
  EXPECT_EQ(Connected("m1"), 0);
  sources[0]->Stop();  // idempotent
  EXPECT_FALSE(sources[0]->Start(emitter).ok());
}

TEST_F(MqttSourceTest, MalformedMessageIsCountedAndNextOnesArrive) {
  Broker broker;
  ASSERT_TRUE(broker.Start());
  auto sources = Build(SourceToml("m1", broker.port()));
  ASSERT_EQ(sources.size(), 1u);
  CollectingEmitter emitter;
  ASSERT_TRUE(sources[0]->Start(emitter).ok());
  ASSERT_TRUE(WaitConnected("m1"));

  Publisher pub(broker.port());
  ASSERT_TRUE(pub.connected());
  pub.Publish("plant/line1/pump1/telemetry", R"({"ts":1700000000000,"temp":)");
  pub.Publish("plant/line1/ghost/telemetry", R"({"temp":1})");
  pub.Publish("plant/line1/pump1/telemetry", R"({"temp":"hot","vib":2})");
  pub.Publish("plant/line1/pump1/telemetry", R"({"temp":3})");
  ASSERT_TRUE(pub.WaitAcked());
  ASSERT_TRUE(testing::WaitUntil([&] { return Count(pipeline::metric::kMessagesIn, "m1") == 4; }, kWait));

  auto samples = emitter.Samples();
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].series, Series("plant/line1/pump1", "vib"));
  EXPECT_EQ(samples[1].value, 3);
  EXPECT_EQ(DecodeErrors("m1", "invalid_json"), 1u);
  EXPECT_EQ(DecodeErrors("m1", "unknown_asset"), 1u);
  EXPECT_EQ(DecodeErrors("m1", "bad_field"), 1u);
  EXPECT_EQ(DecodeErrors("m1", "unmapped"), 0u);
  EXPECT_EQ(metrics_.CounterTotal(pipeline::metric::kDecodeErrors), 3u);
  EXPECT_EQ(Count(pipeline::metric::kSamplesIn, "m1"), 2u);
}

TEST_F(MqttSourceTest, ResumesAfterBrokerRestart) {
  Broker broker;
  ASSERT_TRUE(broker.Start());
  auto sources = Build(SourceToml("m1", broker.port()));
  ASSERT_EQ(sources.size(), 1u);
  CollectingEmitter emitter;
  ASSERT_TRUE(sources[0]->Start(emitter).ok());
  ASSERT_TRUE(WaitConnected("m1"));
  {
    Publisher pub(broker.port());
    pub.Publish("plant/line1/pump1/telemetry", R"({"temp":1})");
    ASSERT_TRUE(pub.WaitAcked());
    ASSERT_TRUE(testing::WaitUntil([&] { return emitter.SampleCount() == 1; }, kWait));
  }

  broker.Kill();
  ASSERT_TRUE(WaitConnected("m1", false));
  ASSERT_TRUE(broker.Start()) << broker.Log();
  ASSERT_TRUE(WaitConnected("m1")) << broker.Log();
  EXPECT_EQ(Count(kReconnectsMetric, "m1"), 1u);

  Publisher pub(broker.port());
  ASSERT_TRUE(pub.connected());
  pub.Publish("plant/line1/pump1/telemetry", R"({"temp":2})");
  ASSERT_TRUE(pub.WaitAcked());
  ASSERT_TRUE(testing::WaitUntil([&] { return emitter.SampleCount() == 2; }, kWait));
  EXPECT_EQ(emitter.Samples()[1].value, 2);
}

TEST_F(MqttSourceTest, ConnectsOnceTheBrokerComesUp) {
  Broker broker;  // port chosen, broker not started yet
  auto sources = Build(SourceToml("m1", broker.port()));
  ASSERT_EQ(sources.size(), 1u);
  CollectingEmitter emitter;
  ASSERT_TRUE(sources[0]->Start(emitter).ok());  // a peer that is down is not a start-up error
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(Connected("m1"), 0);
  ASSERT_TRUE(broker.Start());
  ASSERT_TRUE(WaitConnected("m1"));
  EXPECT_EQ(Count(kReconnectsMetric, "m1"), 0u);  // a first connection is not a reconnection
}

TEST_F(MqttSourceTest, SharedGroupSplitsMessagesWithoutLossOrDuplicates) {
  Broker broker;
  ASSERT_TRUE(broker.Start());
  auto sources = Build(SourceToml("a", broker.port(), "shared_group = \"g\"\n") +
                       SourceToml("b", broker.port(), "shared_group = \"g\"\nprotocol = \"mqtt311\"\n"));
  ASSERT_EQ(sources.size(), 2u);
  EXPECT_EQ(sources[0]->filters(), std::vector<std::string>{"$share/g/plant/+/+/telemetry"});
  CollectingEmitter ea;
  CollectingEmitter eb;
  ASSERT_TRUE(sources[0]->Start(ea).ok());
  ASSERT_TRUE(sources[1]->Start(eb).ok());
  ASSERT_TRUE(WaitConnected("a"));
  ASSERT_TRUE(WaitConnected("b"));

  constexpr int kMessages = 200;
  Publisher pub(broker.port());
  ASSERT_TRUE(pub.connected());
  for (int i = 0; i < kMessages; ++i)
    pub.Publish("plant/line1/pump1/telemetry", R"({"temp":)" + std::to_string(i) + "}");
  ASSERT_TRUE(pub.WaitAcked());
  ASSERT_TRUE(testing::WaitUntil([&] { return ea.SampleCount() + eb.SampleCount() >= kMessages; }, kWait));
  std::this_thread::sleep_for(100ms);  // a duplicate would arrive now

  auto a = ea.Samples();
  auto b = eb.Samples();
  EXPECT_GT(a.size(), 0u);
  EXPECT_GT(b.size(), 0u);
  std::multiset<double> values;
  for (const auto& s : a) values.insert(s.value);
  for (const auto& s : b) values.insert(s.value);
  ASSERT_EQ(values.size(), static_cast<std::size_t>(kMessages));
  for (int i = 0; i < kMessages; ++i) EXPECT_EQ(values.count(i), 1u) << i;
}

TEST_F(MqttSourceTest, BlockedPipelineHoldsMessagesWithoutLoss) {
  Broker broker;
  ASSERT_TRUE(broker.Start());
  auto sources = Build(SourceToml("m1", broker.port()));
  ASSERT_EQ(sources.size(), 1u);
  BlockingEmitter emitter;
  ASSERT_TRUE(sources[0]->Start(emitter).ok());
  ASSERT_TRUE(WaitConnected("m1"));

  constexpr int kMessages = 50;
  Publisher pub(broker.port());
  ASSERT_TRUE(pub.connected());
  for (int i = 0; i < kMessages; ++i) pub.Publish("plant/line1/pump1/telemetry", R"({"temp":1})");
  ASSERT_TRUE(pub.WaitAcked());
  ASSERT_TRUE(testing::WaitUntil([&] { return emitter.calls() == 1; }, kWait));
  const std::uint64_t read_before_block = Count(pipeline::metric::kMessagesIn, "m1");
  std::this_thread::sleep_for(200ms);
  // The client waits in Emit: nothing else is read or emitted meanwhile.
  EXPECT_EQ(emitter.calls(), 1);
  EXPECT_EQ(Count(pipeline::metric::kMessagesIn, "m1"), read_before_block);

  emitter.Release();
  ASSERT_TRUE(testing::WaitUntil([&] { return emitter.samples() == kMessages; }, kWait));
  EXPECT_EQ(Count(pipeline::metric::kSamplesIn, "m1"), static_cast<std::uint64_t>(kMessages));
}

TEST_F(MqttSourceTest, RejectsBadOptions) {
  struct Case {
    std::string toml;
    std::string key;
  };
  const Case cases[] = {
      {"port = 0\ntopics = [\"a/b\"]", "port"},
      {"topics = [\"a/#/b\"]", "topics"},
      {"topics = []", "topics"},
      {"topics = [\"a\"]\nqos = 2", "qos"},
      {"topics = [\"a\"]\nprotocol = \"mqtt4\"", "protocol"},
      {"topics = [\"a\"]\ntime_unit = \"min\"", "time_unit"},
      {"topics = [\"a\"]\nkeepalive = \"2s\"", "keepalive"},
      {"topics = [\"a\"]\nasset = \"{1\"", "asset"},
      {"topics = [\"a\"]\nshared_group = \"a/b\"", "shared_group"},
      {"topics = [\"a\"]\nfields = { t = \"\" }", "fields"},
      {"port = 1883", "topics"},
  };
  for (const auto& c : cases) {
    ConfigLoad load = ParseConfig("[[sources]]\ntype = \"mqtt\"\n" + c.toml + "\n", "bad.toml");
    ASSERT_TRUE(load.ok()) << c.toml;
    std::vector<ConfigError> errors;
    EXPECT_FALSE(registry_.Validate(pipeline::PluginKind::kSource, load.config.sources[0], errors)) << c.toml;
    // A rejected required option is also reported missing, hence "at least one".
    ASSERT_GE(errors.size(), 1u) << c.toml;
    EXPECT_EQ(errors[0].key, "sources[0]." + c.key) << errors[0].ToString();
    EXPECT_EQ(errors[0].where.file, "bad.toml");
  }

  // Checks that need more than one option, or the config, fail in the factory.
  for (const char* extra : {"reconnect_min = \"5s\"\nreconnect_max = \"1s\"", "template = \"nope\""}) {
    load_ = ParseConfig(std::string("[[sources]]\ntype = \"mqtt\"\ntopics = [\"a\"]\n") + extra + "\n",
                        "bad.toml");
    std::vector<ConfigError> errors;
    auto options = registry_.Validate(pipeline::PluginKind::kSource, load_.config.sources[0], errors);
    ASSERT_TRUE(options) << extra;
    auto plugin = Create(load_.config.sources[0], *options);
    EXPECT_FALSE(plugin.ok()) << extra;
  }
  EXPECT_NE(registry_.Describe().find("shared_group"), std::string::npos);
}

}  // namespace
}  // namespace mw::connectors::mqtt
