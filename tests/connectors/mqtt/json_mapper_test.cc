#include "connectors/mqtt/json_mapper.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

namespace mw::connectors::mqtt {
namespace {

constexpr Timestamp kArrival = 1'800'000'000 * kNanosPerSecond;
// 2023-11-14T22:13:20Z
constexpr std::int64_t kEpochS = 1'700'000'000;
constexpr const char* kTopic = "plant/line1/pump1/telemetry";

class MqttJsonMapperTest : public ::testing::Test {
 protected:
  MqttJsonMapperTest() {
    templates_["pump"] =
        TemplateSpec{"pump", {{"temp", "C", 0, {}}, {"vib", "mm/s", 0, {}}, {"rpm", "", 0, {}}}, {}, {}, {}};
    templates_["bare"] = TemplateSpec{"bare", {}, {}, {}, {}};
    pump_ = Declare("plant/line1/pump1", "pump");
  }

  // Declares an asset the way the runtime does: the asset, then its template's signals.
  AssetId Declare(const std::string& path, const std::string& tmpl) {
    AssetId id = catalog_.AddAsset(path, tmpl);
    auto it = templates_.find(tmpl);
    if (it != templates_.end())
      for (const auto& s : it->second.signals) catalog_.InternSeries(id, s.name, s.unit);
    return id;
  }

  // Known assets resolve; unknown ones are created from `discover_` when set.
  std::unique_ptr<JsonMapper> Mapper(MapperOptions options = {}) {
    AssetResolver resolve = [this](std::string_view path) {
      if (auto id = catalog_.FindAsset(path)) return *id;
      if (discover_.empty()) return kInvalidAsset;
      return Declare(std::string(path), discover_);
    };
    return std::make_unique<JsonMapper>(std::move(options), catalog_, templates_, resolve);
  }

  SeriesId Series(AssetId asset, const std::string& signal) {
    auto id = catalog_.FindSeries(asset, signal);
    EXPECT_TRUE(id.has_value()) << signal;
    return id.value_or(kInvalidSeries);
  }

  std::map<std::string, TemplateSpec> templates_;
  Catalog catalog_;
  AssetId pump_ = kInvalidAsset;
  std::string discover_;
  Batch batch_;
};

TEST_F(MqttJsonMapperTest, SingleObjectIsOneReading) {
  auto mapper = Mapper();
  auto r = mapper->Map(kTopic, R"({"ts":1700000000000,"temp":21.5,"vib":0.25,"rpm":1500})", kArrival, batch_);
  ASSERT_FALSE(r.error) << r.message;
  EXPECT_EQ(r.readings, 1u);
  EXPECT_EQ(r.samples, 3u);
  EXPECT_EQ(r.bad_fields, 0u);
  EXPECT_TRUE(r.message.empty());
  ASSERT_EQ(batch_.size(), 3u);
  EXPECT_EQ(batch_.At(0).series, Series(pump_, "temp"));
  EXPECT_EQ(batch_.At(0).value, 21.5);
  EXPECT_EQ(batch_.At(1).series, Series(pump_, "vib"));
  EXPECT_EQ(batch_.At(1).value, 0.25);
  EXPECT_EQ(batch_.At(2).series, Series(pump_, "rpm"));
  EXPECT_EQ(batch_.At(2).value, 1500);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(batch_.times[i], kEpochS * kNanosPerSecond);
    EXPECT_EQ(batch_.qualities[i], Quality::kGood);
  }
}

TEST_F(MqttJsonMapperTest, ArrayOfHundredReadings) {
  std::string payload = "[";
  for (int i = 0; i < 100; ++i) {
    if (i) payload += ',';
    payload += R"({"ts":)" + std::to_string(kEpochS * 1000 + i) + R"(,"temp":)" + std::to_string(i) +
               R"(,"vib":0.5,"rpm":)" + std::to_string(1000 + i) + "}";
  }
  payload += "]";
  auto mapper = Mapper();
  auto r = mapper->Map(kTopic, payload, kArrival, batch_);
  ASSERT_FALSE(r.error) << r.message;
  EXPECT_EQ(r.readings, 100u);
  ASSERT_EQ(batch_.size(), 300u);
  SeriesId temp = Series(pump_, "temp");
  SeriesId rpm = Series(pump_, "rpm");
  for (int i = 0; i < 100; ++i) {
    auto base = static_cast<std::size_t>(3 * i);
    EXPECT_EQ(batch_.series[base], temp);
    EXPECT_EQ(batch_.values[base], i);
    EXPECT_EQ(batch_.series[base + 2], rpm);
    EXPECT_EQ(batch_.values[base + 2], 1000 + i);
    for (std::size_t k = 0; k < 3; ++k)
      EXPECT_EQ(batch_.times[base + k], (kEpochS * 1000 + i) * kNanosPerMilli);
  }
}

TEST_F(MqttJsonMapperTest, NestedValuesField) {
  MapperOptions o;
  o.values_field = "values";
  auto mapper = Mapper(std::move(o));
  auto r = mapper->Map(kTopic,
                       R"({"device":"x","temp":99,"ts":1700000000000,"values":{"temp":20,"vib":1,"ts":5}})",
                       kArrival, batch_);
  ASSERT_FALSE(r.error) << r.message;
  ASSERT_EQ(batch_.size(), 2u);  // the top-level "temp" is not a value; the nested "ts" is not a signal
  EXPECT_EQ(batch_.At(0).series, Series(pump_, "temp"));
  EXPECT_EQ(batch_.At(0).value, 20);
  EXPECT_EQ(batch_.At(0).time, kEpochS * kNanosPerSecond);
  EXPECT_EQ(batch_.At(1).series, Series(pump_, "vib"));

  batch_.clear();
  r = mapper->Map(kTopic, R"({"values":[1,2]})", kArrival, batch_);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(*r.error, Reason::kNotObject);
  EXPECT_NE(r.message.find("\"values\""), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("byte 10"), std::string::npos) << r.message;
}

TEST_F(MqttJsonMapperTest, FieldsTableRenames) {
  MapperOptions o;
  o.fields = {{"t", "temp"}, {"v", "vib"}, {"speed", "shaft_speed"}};
  auto mapper = Mapper(std::move(o));
  auto r = mapper->Map(kTopic, R"({"t":1,"v":2,"temp":3,"speed":4})", kArrival, batch_);
  ASSERT_FALSE(r.error) << r.message;
  ASSERT_EQ(batch_.size(), 3u);  // "temp" itself is not in the table
  EXPECT_EQ(batch_.At(0).series, Series(pump_, "temp"));
  EXPECT_EQ(batch_.At(0).value, 1);
  EXPECT_EQ(batch_.At(1).series, Series(pump_, "vib"));
  EXPECT_EQ(batch_.At(2).series, Series(pump_, "shaft_speed"));  // created: the table says so
  EXPECT_EQ(batch_.At(2).value, 4);
}

TEST_F(MqttJsonMapperTest, TimeUnitsAndFormats) {
  struct Case {
    const char* unit;
    std::string ts;
    Timestamp want;
  };
  const Case cases[] = {
      {"s", "1700000000", kEpochS * kNanosPerSecond},
      {"s", "1700000000.5", kEpochS * kNanosPerSecond + 500 * kNanosPerMilli},
      {"ms", "1700000000123", kEpochS * kNanosPerSecond + 123 * kNanosPerMilli},
      {"us", "1700000000123456", kEpochS * kNanosPerSecond + 123456 * kNanosPerMicro},
      {"ns", "1700000000123456789", kEpochS * kNanosPerSecond + 123456789},
      {"ms", "\"2023-11-14T22:13:20.250Z\"", kEpochS * kNanosPerSecond + 250 * kNanosPerMilli},
      {"s", "\"2023-11-14T23:13:20+01:00\"", kEpochS * kNanosPerSecond},
  };
  for (const auto& c : cases) {
    MapperOptions o;
    o.time_unit_ns = *ParseTimeUnit(c.unit);
    auto mapper = Mapper(std::move(o));
    batch_.clear();
    auto r = mapper->Map(kTopic, R"({"temp":1,"ts":)" + c.ts + "}", kArrival, batch_);
    ASSERT_FALSE(r.error) << c.ts << ": " << r.message;
    ASSERT_EQ(batch_.size(), 1u);
    EXPECT_EQ(batch_.times[0], c.want) << c.unit << " " << c.ts;  // time after the values applies too
  }
}

TEST_F(MqttJsonMapperTest, MissingTimeUsesArrival) {
  auto mapper = Mapper();
  auto r = mapper->Map(kTopic, R"([{"temp":1},{"temp":2,"ts":1700000000000}])", kArrival, batch_);
  ASSERT_FALSE(r.error) << r.message;
  ASSERT_EQ(batch_.size(), 2u);
  EXPECT_EQ(batch_.times[0], kArrival);
  EXPECT_EQ(batch_.times[1], kEpochS * kNanosPerSecond);
}

TEST_F(MqttJsonMapperTest, CustomTimeField) {
  MapperOptions o;
  o.time_field = "time";
  auto mapper = Mapper(std::move(o));
  auto r =
      mapper->Map(kTopic, R"({"time":"2023-11-14T22:13:20Z","ts":"not a time","temp":1})", kArrival, batch_);
  ASSERT_FALSE(r.error) << r.message;
  ASSERT_EQ(batch_.size(), 1u);
  EXPECT_EQ(batch_.times[0], kEpochS * kNanosPerSecond);
}

TEST_F(MqttJsonMapperTest, BoolBecomesOneOrZero) {
  auto mapper = Mapper();
  auto r = mapper->Map(kTopic, R"({"temp":true,"vib":false})", kArrival, batch_);
  ASSERT_FALSE(r.error) << r.message;
  ASSERT_EQ(batch_.size(), 2u);
  EXPECT_EQ(batch_.values[0], 1.0);
  EXPECT_EQ(batch_.values[1], 0.0);
}

TEST_F(MqttJsonMapperTest, UnknownFieldsAreIgnored) {
  auto mapper = Mapper();
  auto r =
      mapper->Map(kTopic, R"({"id":"abc","meta":{"fw":[1,{"x":null}]},"temp":7,"other":"s","flag":null})",
                  kArrival, batch_);
  ASSERT_FALSE(r.error) << r.message;
  EXPECT_EQ(r.bad_fields, 0u);
  ASSERT_EQ(batch_.size(), 1u);
  EXPECT_EQ(batch_.values[0], 7);
}

TEST_F(MqttJsonMapperTest, AssetWithoutTemplateSignalsTakesEveryNumericField) {
  AssetId bare = Declare("plant/line1/bare1", "bare");
  AssetId none = catalog_.AddAsset("plant/line1/none1", "");
  auto mapper = Mapper();
  for (AssetId asset : {bare, none}) {
    batch_.clear();
    std::string topic = catalog_.Asset(asset)->path + "/telemetry";
    auto r =
        mapper->Map(topic, R"({"ts":1700000000000,"pressure":2.5,"on":true,"label":"x","nested":{"a":1}})",
                    kArrival, batch_);
    ASSERT_FALSE(r.error) << r.message;
    EXPECT_EQ(r.bad_fields, 0u);  // non-numeric fields are payload, not bad signals, here
    ASSERT_EQ(batch_.size(), 2u);
    EXPECT_EQ(batch_.series[0], Series(asset, "pressure"));
    EXPECT_EQ(batch_.series[1], Series(asset, "on"));
    EXPECT_FALSE(catalog_.FindSeries(asset, "ts"));
    EXPECT_FALSE(catalog_.FindSeries(asset, "label"));
  }
}

TEST_F(MqttJsonMapperTest, CacheReturnsTheCatalogsSeriesIds) {
  auto mapper = Mapper();
  const std::string payload = R"({"temp":1,"vib":2,"rpm":3,"junk":4})";
  ASSERT_FALSE(mapper->Map(kTopic, payload, kArrival, batch_).error);
  const std::size_t series_before = catalog_.series_count();
  Batch second;
  ASSERT_FALSE(mapper->Map(kTopic, payload, kArrival, second).error);
  EXPECT_EQ(catalog_.series_count(), series_before);
  EXPECT_EQ(mapper->cached_topics(), 1u);
  ASSERT_EQ(second.size(), 3u);
  EXPECT_EQ(second.series, batch_.series);
  EXPECT_EQ(second.series[0], Series(pump_, "temp"));
  EXPECT_EQ(second.series[1], Series(pump_, "vib"));
  EXPECT_EQ(second.series[2], Series(pump_, "rpm"));
  for (SeriesId id : second.series) EXPECT_EQ(catalog_.AssetOf(id), pump_);
}

TEST_F(MqttJsonMapperTest, DiscoveryCreatesAssetFromTemplate) {
  discover_ = "pump";
  auto mapper = Mapper();
  auto r = mapper->Map("plant/line9/pump42/telemetry", R"({"temp":5,"unknown":6})", kArrival, batch_);
  ASSERT_FALSE(r.error) << r.message;
  auto asset = catalog_.FindAsset("plant/line9/pump42");
  ASSERT_TRUE(asset);
  EXPECT_EQ(catalog_.Asset(*asset)->template_name, "pump");
  ASSERT_EQ(batch_.size(), 1u);
  EXPECT_EQ(batch_.series[0], Series(*asset, "temp"));
}

class MqttJsonMapperErrorTest : public MqttJsonMapperTest {
 protected:
  // Maps `payload` into a batch that already holds one sample, and checks that a rejection leaves
  // it untouched.
  MapResult Reject(const std::string& payload, Reason want, const std::string& topic = kTopic,
                   MapperOptions options = {}) {
    auto mapper = Mapper(std::move(options));
    Batch batch;
    batch.Append(123, 456, 7.5);
    MapResult r = mapper->Map(topic, payload, kArrival, batch);
    EXPECT_TRUE(r.error) << payload;
    EXPECT_EQ(ReasonName(r.error.value_or(Reason::kBadField)), ReasonName(want))
        << payload << ": " << r.message;
    EXPECT_EQ(r.samples, 0u);
    EXPECT_EQ(r.bad_fields, 0u);
    EXPECT_EQ(batch.size(), 1u) << payload;
    EXPECT_EQ(batch.At(0).series, 123u);
    EXPECT_NE(r.message.find(topic), std::string::npos) << r.message;
    return r;
  }
};

TEST_F(MqttJsonMapperErrorTest, InvalidJson) {
  auto r = Reject(R"({"temp":1,"vib":)", Reason::kInvalidJson);
  EXPECT_NE(r.message.find("byte 16"), std::string::npos) << r.message;
  Reject(R"([{"temp":1},{"temp":2},)", Reason::kInvalidJson);
  Reject("", Reason::kInvalidJson);
  Reject("not json", Reason::kInvalidJson);
  Reject(R"({"temp":1.2.3})", Reason::kInvalidJson);
  Reject(R"({"temp":tru})", Reason::kInvalidJson);
  r = Reject(R"({"temp":1} {"temp":2})", Reason::kInvalidJson);
  EXPECT_NE(r.message.find("trailing"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("byte 11"), std::string::npos) << r.message;
}

TEST_F(MqttJsonMapperErrorTest, NotObject) {
  auto r = Reject("42", Reason::kNotObject);
  EXPECT_NE(r.message.find("a number"), std::string::npos) << r.message;
  r = Reject(R"([{"temp":1},"x"])", Reason::kNotObject);
  EXPECT_NE(r.message.find("element 1"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("byte 12"), std::string::npos) << r.message;
  Reject("null", Reason::kNotObject);
}

TEST_F(MqttJsonMapperErrorTest, BadTime) {
  auto r = Reject(R"({"temp":1,"ts":"yesterday"})", Reason::kBadTime);
  EXPECT_NE(r.message.find("\"ts\""), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("byte 15"), std::string::npos) << r.message;
  Reject(R"({"temp":1,"ts":true})", Reason::kBadTime);
  Reject(R"({"temp":1,"ts":null})", Reason::kBadTime);
  Reject(R"({"temp":1,"ts":99999999999999999999})", Reason::kBadTime);
  Reject(R"({"temp":1,"ts":1e300})", Reason::kBadTime);
  Reject(R"({"temp":1,"ts":"9999-12-31T23:59:59Z"})", Reason::kBadTime);
  Reject(R"({"temp":1,"ts":"0001-01-01T00:00:00Z"})", Reason::kBadTime);
  Reject(R"([{"temp":1,"ts":1},{"temp":1,"ts":{}}])", Reason::kBadTime);
}

TEST_F(MqttJsonMapperErrorTest, Unmapped) {
  auto r = Reject(R"({"ts":1,"humidity":3})", Reason::kUnmapped);
  EXPECT_NE(r.message.find("no field"), std::string::npos) << r.message;
  Reject("[]", Reason::kUnmapped);
  Reject("{}", Reason::kUnmapped);
}

TEST_F(MqttJsonMapperErrorTest, UnknownAsset) {
  auto r = Reject(R"({"temp":1})", Reason::kUnknownAsset, "plant/line1/ghost/telemetry");
  EXPECT_NE(r.message.find("\"plant/line1/ghost\""), std::string::npos) << r.message;
}

TEST_F(MqttJsonMapperErrorTest, BadTopic) {
  MapperOptions o;
  o.asset = *TopicPattern::Parse("plant1/{5}");
  Reject(R"({"temp":1})", Reason::kBadTopic, kTopic, std::move(o));
  Reject(R"({"temp":1})", Reason::kBadTopic, "telemetry");
}

TEST_F(MqttJsonMapperTest, BadFieldKeepsTheOtherValues) {
  auto mapper = Mapper();
  auto r = mapper->Map(kTopic, R"({"temp":"hot","vib":1.5,"rpm":null,"x":"fine"})", kArrival, batch_);
  ASSERT_FALSE(r.error) << r.message;
  EXPECT_EQ(r.samples, 1u);
  EXPECT_EQ(r.bad_fields, 2u);
  EXPECT_NE(r.message.find(kTopic), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("\"temp\""), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("a string"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("byte 8"), std::string::npos) << r.message;
  ASSERT_EQ(batch_.size(), 1u);
  EXPECT_EQ(batch_.At(0).series, Series(pump_, "vib"));

  batch_.clear();
  r = mapper->Map(kTopic, R"({"temp":{"v":1}})", kArrival, batch_);
  EXPECT_FALSE(r.error) << r.message;  // a mapped field was there, only its value was wrong
  EXPECT_EQ(r.samples, 0u);
  EXPECT_EQ(r.bad_fields, 1u);
  EXPECT_NE(r.message.find("an object"), std::string::npos) << r.message;
}

TEST_F(MqttJsonMapperTest, ReasonNamesAndTimeUnits) {
  EXPECT_EQ(ReasonName(Reason::kInvalidJson), "invalid_json");
  EXPECT_EQ(ReasonName(Reason::kNotObject), "not_object");
  EXPECT_EQ(ReasonName(Reason::kBadTime), "bad_time");
  EXPECT_EQ(ReasonName(Reason::kUnmapped), "unmapped");
  EXPECT_EQ(ReasonName(Reason::kBadField), "bad_field");
  EXPECT_EQ(ReasonName(Reason::kUnknownAsset), "unknown_asset");
  EXPECT_EQ(ReasonName(Reason::kBadTopic), "bad_topic");
  EXPECT_EQ(*ParseTimeUnit("us"), kNanosPerMicro);
  EXPECT_FALSE(ParseTimeUnit("min").ok());
}

// A timing loop, not a test: run with --gtest_also_run_disabled_tests --gtest_filter='*Timing*'.
TEST_F(MqttJsonMapperTest, DISABLED_TimingHundredReadings) {
  std::string payload = "[";
  for (int i = 0; i < 100; ++i) {
    if (i) payload += ',';
    char buf[160];
    std::snprintf(buf, sizeof buf, R"({"ts":%lld,"temp":%.3f,"vib":%.4f,"rpm":%d})",
                  static_cast<long long>(kEpochS * 1000 + i * 10), 20.0 + i * 0.013, 0.1 + i * 0.0007,
                  1480 + i);
    payload += buf;
  }
  payload += "]";
  auto mapper = Mapper();
  Batch batch;
  batch.reserve(300);
  for (int i = 0; i < 1000; ++i) {
    batch.clear();
    ASSERT_FALSE(mapper->Map(kTopic, payload, kArrival, batch).error);
  }
  // Blocks of 100 messages; the fastest block is the figure least disturbed by other processes.
  constexpr int kBlocks = 300;
  constexpr int kPerBlock = 100;
  std::vector<double> block_us;
  for (int b = 0; b < kBlocks; ++b) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kPerBlock; ++i) {
      batch.clear();
      (void)mapper->Map(kTopic, payload, kArrival, batch);
    }
    block_us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() /
        kPerBlock);
  }
  std::sort(block_us.begin(), block_us.end());
  std::printf("payload %zu bytes, %zu samples: %.2f us per message (fastest block), %.2f us (median)\n",
              payload.size(), batch.size(), block_us.front(), block_us[block_us.size() / 2]);
}

}  // namespace
}  // namespace mw::connectors::mqtt
