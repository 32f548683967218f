#include "connectors/mqtt/json_mapper.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <utility>
#include <vector>

namespace mw::connectors::mqtt {
namespace {

constexpr Timestamp kArrival = 1'800'000'000 * kNanosPerSecond;
// 2023-11-14T22:13:20Z
constexpr std::int64_t kEpochS = 1'700'000'000;
constexpr const char* kTopic = "plant/line1/pump1/telemetry";

TemplateSpec Template(const std::string& name,
                      const std::vector<std::pair<std::string, std::string>>& signals) {
  TemplateSpec t;
  t.name = name;
  for (const auto& [signal, unit] : signals) {
    SignalSpec s;
    s.name = signal;
    s.unit = unit;
    t.signals.push_back(s);
  }
  return t;
}

// Every test runs with each JSON kernel; one this CPU cannot run is skipped.
class MqttJsonMapperTest : public ::testing::TestWithParam<JsonKernel> {
 protected:
  MqttJsonMapperTest() {
    templates_["pump"] = Template("pump", {{"temp", "C"}, {"vib", "mm/s"}, {"rpm", ""}});
    templates_["bare"] = Template("bare", {});
    pump_ = Declare("plant/line1/pump1", "pump");
  }

  void SetUp() override {
    if (!JsonKernelAvailable(GetParam()))
      GTEST_SKIP() << "this CPU cannot run the " << JsonKernelName(GetParam()) << " kernel";
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
  AssetResolver Resolver() {
    return [this](std::string_view path) {
      if (auto id = catalog_.FindAsset(path)) return *id;
      if (discover_.empty()) return kInvalidAsset;
      return Declare(std::string(path), discover_);
    };
  }
  std::unique_ptr<JsonMapper> Mapper(MapperOptions options = {}) {
    options.kernel = GetParam();
    auto mapper = std::make_unique<JsonMapper>(std::move(options), catalog_, templates_, Resolver());
    EXPECT_EQ(mapper->kernel(), GetParam());
    return mapper;
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

TEST_P(MqttJsonMapperTest, SingleObjectIsOneReading) {
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

TEST_P(MqttJsonMapperTest, ArrayOfHundredReadings) {
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

TEST_P(MqttJsonMapperTest, NestedValuesField) {
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

TEST_P(MqttJsonMapperTest, FieldsTableRenames) {
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

TEST_P(MqttJsonMapperTest, TimeUnitsAndFormats) {
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

TEST_P(MqttJsonMapperTest, MissingTimeUsesArrival) {
  auto mapper = Mapper();
  auto r = mapper->Map(kTopic, R"([{"temp":1},{"temp":2,"ts":1700000000000}])", kArrival, batch_);
  ASSERT_FALSE(r.error) << r.message;
  ASSERT_EQ(batch_.size(), 2u);
  EXPECT_EQ(batch_.times[0], kArrival);
  EXPECT_EQ(batch_.times[1], kEpochS * kNanosPerSecond);
}

TEST_P(MqttJsonMapperTest, CustomTimeField) {
  MapperOptions o;
  o.time_field = "time";
  auto mapper = Mapper(std::move(o));
  auto r =
      mapper->Map(kTopic, R"({"time":"2023-11-14T22:13:20Z","ts":"not a time","temp":1})", kArrival, batch_);
  ASSERT_FALSE(r.error) << r.message;
  ASSERT_EQ(batch_.size(), 1u);
  EXPECT_EQ(batch_.times[0], kEpochS * kNanosPerSecond);
}

TEST_P(MqttJsonMapperTest, BoolBecomesOneOrZero) {
  auto mapper = Mapper();
  auto r = mapper->Map(kTopic, R"({"temp":true,"vib":false})", kArrival, batch_);
  ASSERT_FALSE(r.error) << r.message;
  ASSERT_EQ(batch_.size(), 2u);
  EXPECT_EQ(batch_.values[0], 1.0);
  EXPECT_EQ(batch_.values[1], 0.0);
}

TEST_P(MqttJsonMapperTest, UnknownFieldsAreIgnored) {
  auto mapper = Mapper();
  auto r =
      mapper->Map(kTopic, R"({"id":"abc","meta":{"fw":[1,{"x":null}]},"temp":7,"other":"s","flag":null})",
                  kArrival, batch_);
  ASSERT_FALSE(r.error) << r.message;
  EXPECT_EQ(r.bad_fields, 0u);
  ASSERT_EQ(batch_.size(), 1u);
  EXPECT_EQ(batch_.values[0], 7);
}

TEST_P(MqttJsonMapperTest, AssetWithoutTemplateSignalsTakesEveryNumericField) {
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

TEST_P(MqttJsonMapperTest, CacheReturnsTheCatalogsSeriesIds) {
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

TEST_P(MqttJsonMapperTest, DiscoveryCreatesAssetFromTemplate) {
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

TEST_P(MqttJsonMapperErrorTest, InvalidJson) {
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

TEST_P(MqttJsonMapperErrorTest, NotObject) {
  auto r = Reject("42", Reason::kNotObject);
  EXPECT_NE(r.message.find("a number"), std::string::npos) << r.message;
  r = Reject(R"([{"temp":1},"x"])", Reason::kNotObject);
  EXPECT_NE(r.message.find("element 1"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("byte 12"), std::string::npos) << r.message;
  Reject("null", Reason::kNotObject);
}

TEST_P(MqttJsonMapperErrorTest, BadTime) {
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

TEST_P(MqttJsonMapperErrorTest, Unmapped) {
  auto r = Reject(R"({"ts":1,"humidity":3})", Reason::kUnmapped);
  EXPECT_NE(r.message.find("no field"), std::string::npos) << r.message;
  Reject("[]", Reason::kUnmapped);
  Reject("{}", Reason::kUnmapped);
}

TEST_P(MqttJsonMapperErrorTest, UnknownAsset) {
  auto r = Reject(R"({"temp":1})", Reason::kUnknownAsset, "plant/line1/ghost/telemetry");
  EXPECT_NE(r.message.find("\"plant/line1/ghost\""), std::string::npos) << r.message;
}

TEST_P(MqttJsonMapperErrorTest, BadTopic) {
  MapperOptions o;
  o.asset = *TopicPattern::Parse("plant1/{5}");
  Reject(R"({"temp":1})", Reason::kBadTopic, kTopic, std::move(o));
  Reject(R"({"temp":1})", Reason::kBadTopic, "telemetry");
}

TEST_P(MqttJsonMapperTest, BadFieldKeepsTheOtherValues) {
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

TEST_P(MqttJsonMapperTest, ReasonNamesAndTimeUnits) {
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

TEST_P(MqttJsonMapperTest, EscapedKeysMapLikePlainOnes) {
  auto mapper = Mapper();
  auto r =
      mapper->Map(kTopic, R"({"t\u0073":1700000000000,"te\u006dp":1.5,"vib":2,"r\"pm":3})", kArrival, batch_);
  ASSERT_FALSE(r.error) << r.message;
  ASSERT_EQ(batch_.size(), 2u);  // r"pm is not a signal
  EXPECT_EQ(batch_.series[0], Series(pump_, "temp"));
  EXPECT_EQ(batch_.values[0], 1.5);
  EXPECT_EQ(batch_.times[0], kEpochS * kNanosPerSecond);
  EXPECT_EQ(batch_.series[1], Series(pump_, "vib"));
}

TEST_P(MqttJsonMapperTest, FieldsInAnyOrderAndNewFieldsLater) {
  auto mapper = Mapper();
  const char* payloads[] = {
      R"({"temp":1,"vib":2,"rpm":3})",
      R"({"rpm":3,"temp":1,"vib":2})",
      R"({"vib":2})",
      R"({"x":0,"temp":1,"y":"s","vib":2,"rpm":3,"z":null})",
      R"({"rpm":3,"vib":2,"temp":1})",
      R"([{"temp":1,"vib":2},{"vib":2,"temp":1},{"rpm":3}])",
  };
  std::size_t want = 0;
  for (const char* payload : payloads) {
    auto r = mapper->Map(kTopic, payload, kArrival, batch_);
    ASSERT_FALSE(r.error) << payload << ": " << r.message;
    want += r.samples;
  }
  ASSERT_EQ(batch_.size(), want);
  ASSERT_EQ(want, 3u + 3 + 1 + 3 + 3 + 5);
  for (std::size_t i = 0; i < batch_.size(); ++i) {
    const double v = batch_.values[i];
    EXPECT_EQ(batch_.series[i], Series(pump_, v == 1 ? "temp" : v == 2 ? "vib" : "rpm")) << i;
  }
}

TEST_P(MqttJsonMapperTest, RoutedAndPaddedPayloadsMapLikeMap) {
  std::string payload = "[";
  for (int i = 0; i < 50; ++i)
    payload += std::string(i ? "," : "") + R"({"ts":)" + std::to_string(kEpochS * 1000 + i) + R"(,"temp":)" +
               std::to_string(i * 0.25) + R"(,"vib":true,"rpm":-1e3})";
  payload += "]";
  auto mapper = Mapper();
  ASSERT_FALSE(mapper->Map(kTopic, payload, kArrival, batch_).error);

  TopicRouter router = mapper->MakeRouter();
  MapResult routed;
  const AssetId asset = router.Route(kTopic, routed);
  ASSERT_EQ(asset, pump_);
  std::vector<char> padded(payload.begin(), payload.end());
  padded.resize(payload.size() + JsonMapper::kPadding, '\0');
  for (bool in_place : {false, true}) {
    Batch batch;
    auto r = mapper->MapRouted(kTopic, asset, std::string_view(padded.data(), payload.size()), in_place,
                               kArrival, batch);
    ASSERT_FALSE(r.error) << r.message;
    EXPECT_EQ(r.readings, 50u);
    EXPECT_EQ(batch.series, batch_.series);
    EXPECT_EQ(batch.times, batch_.times);
    EXPECT_EQ(batch.values, batch_.values);
  }
}

std::string KernelParamName(const ::testing::TestParamInfo<JsonKernel>& param) {
  return std::string(JsonKernelName(param.param));
}
INSTANTIATE_TEST_SUITE_P(Kernels, MqttJsonMapperTest,
                         ::testing::Values(JsonKernel::kGeneric, JsonKernel::kHaswell), KernelParamName);
INSTANTIATE_TEST_SUITE_P(Kernels, MqttJsonMapperErrorTest,
                         ::testing::Values(JsonKernel::kGeneric, JsonKernel::kHaswell), KernelParamName);

TEST(MqttJsonKernel, NamesAndSelection) {
  EXPECT_EQ(JsonKernelName(JsonKernel::kAuto), "auto");
  EXPECT_EQ(JsonKernelName(JsonKernel::kGeneric), "generic");
  EXPECT_EQ(JsonKernelName(JsonKernel::kHaswell), "haswell");
  EXPECT_TRUE(JsonKernelAvailable(JsonKernel::kAuto));
  EXPECT_TRUE(JsonKernelAvailable(JsonKernel::kGeneric));
  const JsonKernel chosen = AutoJsonKernel();
  EXPECT_NE(chosen, JsonKernel::kAuto);
  EXPECT_TRUE(JsonKernelAvailable(chosen));
  if (std::getenv("MW_JSON_KERNEL") == nullptr) {
    EXPECT_EQ(chosen,
              JsonKernelAvailable(JsonKernel::kHaswell) ? JsonKernel::kHaswell : JsonKernel::kGeneric);
  }

  Catalog catalog;
  std::map<std::string, TemplateSpec> templates;
  JsonMapper automatic({}, catalog, templates, [](std::string_view) { return kInvalidAsset; });
  EXPECT_EQ(automatic.kernel(), chosen);
  MapperOptions generic;
  generic.kernel = JsonKernel::kGeneric;
  EXPECT_EQ(JsonMapper(generic, catalog, templates, [](std::string_view) { return kInvalidAsset; }).kernel(),
            JsonKernel::kGeneric);
}

TEST(MqttTopicRouter, CachesAssetsAndReportsTopicsWithout) {
  Catalog catalog;
  AssetId pump = catalog.AddAsset("plant1/line1/pump1", "");
  int resolved = 0;
  TopicRouter router(*TopicPattern::Parse("plant1/{1}/{2}"), [&](std::string_view path) {
    ++resolved;
    return catalog.FindAsset(path).value_or(kInvalidAsset);
  });
  MapResult r;
  EXPECT_EQ(router.Route("plant/line1/pump1/telemetry", r), pump);
  EXPECT_EQ(router.Route("plant/line1/pump1/telemetry", r), pump);
  EXPECT_FALSE(r.error);
  EXPECT_EQ(resolved, 1);
  EXPECT_EQ(router.cached_topics(), 1u);
  EXPECT_EQ(router.Route("plant/line1/ghost/telemetry", r), kInvalidAsset);
  EXPECT_EQ(r.error, Reason::kUnknownAsset);
  EXPECT_NE(r.message.find("\"plant1/line1/ghost\""), std::string::npos) << r.message;
  MapResult bad;
  EXPECT_EQ(router.Route("telemetry", bad), kInvalidAsset);
  EXPECT_EQ(bad.error, Reason::kBadTopic);
  EXPECT_EQ(router.cached_topics(), 1u);
}

// The two kernels compile the same walk against two simdjson implementations: they must agree on
// everything, for well-formed and malformed payloads alike.
class MqttJsonKernelsAgree : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!JsonKernelAvailable(JsonKernel::kHaswell)) GTEST_SKIP() << "this CPU cannot run the haswell kernel";
    templates_["pump"] = Template("pump", {{"temp", "C"}, {"vib", "mm/s"}, {"rpm", ""}});
    templates_["bare"] = Template("bare", {});
    AssetId pump = catalog_.AddAsset("plant/line1/pump1", "pump");
    for (const char* s : {"temp", "vib", "rpm"}) catalog_.InternSeries(pump, s);
    catalog_.AddAsset("plant/line1/bare1", "bare");
  }

  std::unique_ptr<JsonMapper> Mapper(JsonKernel kernel, int variant) {
    MapperOptions o;
    o.kernel = kernel;
    if (variant & 1) o.fields = {{"t", "temp"}, {"v", "vib"}, {"temp", "temp"}};
    if (variant & 2) o.values_field = "values";
    if (variant & 4) o.time_unit_ns = kNanosPerSecond;
    return std::make_unique<JsonMapper>(std::move(o), catalog_, templates_, [this](std::string_view path) {
      return catalog_.FindAsset(path).value_or(kInvalidAsset);
    });
  }

  // Maps every payload on every topic with both kernels (one mapper per kernel and variant, so that
  // the per-topic caches see the same history) and compares the outcomes field by field.
  void ExpectAgreement(const std::vector<std::string>& payloads) {
    for (int variant = 0; variant < 8; ++variant) {
      auto generic = Mapper(JsonKernel::kGeneric, variant);
      auto haswell = Mapper(JsonKernel::kHaswell, variant);
      for (const char* topic : {"plant/line1/pump1/telemetry", "plant/line1/bare1/telemetry"}) {
        for (const std::string& payload : payloads) {
          Batch a, b;
          a.Append(1, 2, 3.0);
          b.Append(1, 2, 3.0);
          MapResult ra = generic->Map(topic, payload, kArrival, a);
          MapResult rb = haswell->Map(topic, payload, kArrival, b);
          SCOPED_TRACE("variant " + std::to_string(variant) + ", topic " + topic + ", payload " + payload);
          EXPECT_EQ(ra.error, rb.error);
          EXPECT_EQ(ra.message, rb.message);
          EXPECT_EQ(ra.readings, rb.readings);
          EXPECT_EQ(ra.samples, rb.samples);
          EXPECT_EQ(ra.bad_fields, rb.bad_fields);
          EXPECT_EQ(a.series, b.series);
          EXPECT_EQ(a.times, b.times);
          EXPECT_EQ(a.qualities, b.qualities);
          ASSERT_EQ(a.values.size(), b.values.size());
          EXPECT_EQ(0, std::memcmp(a.values.data(), b.values.data(), a.values.size() * sizeof(double)));
          ++compared_;
        }
      }
    }
  }

  std::map<std::string, TemplateSpec> templates_;
  Catalog catalog_;
  std::size_t compared_ = 0;
};

// The payloads of the tests above, good and bad, and a few more.
std::vector<std::string> KnownPayloads() {
  std::string hundred = "[";
  for (int i = 0; i < 100; ++i)
    hundred += std::string(i ? "," : "") + R"({"ts":)" + std::to_string(kEpochS * 1000 + i) + R"(,"temp":)" +
               std::to_string(i) + R"(,"vib":0.5,"rpm":)" + std::to_string(1000 + i) + "}";
  hundred += "]";
  return {
      R"({"ts":1700000000000,"temp":21.5,"vib":0.25,"rpm":1500})",
      hundred,
      R"({"device":"x","temp":99,"ts":1700000000000,"values":{"temp":20,"vib":1,"ts":5}})",
      R"({"values":[1,2]})",
      R"({"t":1,"v":2,"temp":3,"speed":4})",
      R"({"temp":1,"ts":1700000000})",
      R"({"temp":1,"ts":1700000000.5})",
      R"({"temp":1,"ts":1700000000123456789})",
      R"({"temp":1,"ts":"2023-11-14T22:13:20.250Z"})",
      R"({"temp":1,"ts":"2023-11-14T23:13:20+01:00"})",
      R"([{"temp":1},{"temp":2,"ts":1700000000000}])",
      R"({"time":"2023-11-14T22:13:20Z","ts":"not a time","temp":1})",
      R"({"temp":true,"vib":false})",
      R"({"id":"abc","meta":{"fw":[1,{"x":null}]},"temp":7,"other":"s","flag":null})",
      R"({"ts":1700000000000,"pressure":2.5,"on":true,"label":"x","nested":{"a":1}})",
      R"({"temp":1,"vib":2,"rpm":3,"junk":4})",
      R"({"temp":5,"unknown":6})",
      R"({"temp":1,"vib":)",
      R"([{"temp":1},{"temp":2},)",
      "",
      "not json",
      R"({"temp":1.2.3})",
      R"({"temp":tru})",
      R"({"temp":1} {"temp":2})",
      "42",
      R"([{"temp":1},"x"])",
      "null",
      R"({"temp":1,"ts":"yesterday"})",
      R"({"temp":1,"ts":true})",
      R"({"temp":1,"ts":null})",
      R"({"temp":1,"ts":99999999999999999999})",
      R"({"temp":1,"ts":1e300})",
      R"({"temp":1,"ts":"9999-12-31T23:59:59Z"})",
      R"({"temp":1,"ts":"0001-01-01T00:00:00Z"})",
      R"([{"temp":1,"ts":1},{"temp":1,"ts":{}}])",
      R"({"ts":1,"humidity":3})",
      "[]",
      "{}",
      R"({"temp":"hot","vib":1.5,"rpm":null,"x":"fine"})",
      R"({"temp":{"v":1}})",
      R"({"t\u0073":1,"te\u006dp":1.5,"vib":2,"r\"pm":3})",
      R"({"temp":-0.0,"vib":1e-320,"rpm":123456789012345678901234567890})",
      R"({"temp":1e400})",
      R"({"temp":01})",
      R"({"temp":-})",
      R"({"temp":.5})",
      R"({"temp":1.})",
      R"({"temp":1e})",
      " {\"temp\" : 1 ,\n\t\"vib\":2 } ",
      "{\"temp\":1,\"vib\":\"\xc3\xa9\"}",
      "{\"temp\":1,\"vib\":\"\xc3\"}",
      R"({"temp":1,"temp":2})",
      R"({"temp":[1,2,3],"vib":{"a":[{}]}})",
      R"([[{"temp":1}]])",
      R"([{"temp":1}]])",
      R"({"temp":1,})",
      R"({,"temp":1})",
      R"({"temp" 1})",
      R"({"temp":1]})",
      R"("just a string")",
  };
}

TEST_F(MqttJsonKernelsAgree, OnTheMapperTestPayloads) {
  ExpectAgreement(KnownPayloads());
  EXPECT_GT(compared_, 500u);
}

// Truncations and byte changes of the known payloads: mostly malformed JSON, in every way.
TEST_F(MqttJsonKernelsAgree, OnMutatedPayloads) {
  std::mt19937 rng(12345);
  const char bytes[] = "{}[]\",:0123456789.eE+-tfnul \\x\x80";
  std::vector<std::string> mutated;
  for (const std::string& base : KnownPayloads()) {
    if (base.empty()) continue;
    for (int k = 0; k < 12; ++k) {
      std::string s = base;
      std::uniform_int_distribution<std::size_t> at(0, s.size() - 1);
      switch (k % 4) {
        case 0:
          s.resize(at(rng));
          break;
        case 1:
          s[at(rng)] = bytes[rng() % (sizeof bytes - 1)];
          break;
        case 2:
          s.insert(at(rng), 1, bytes[rng() % (sizeof bytes - 1)]);
          break;
        default:
          s.erase(at(rng), 1);
          break;
      }
      mutated.push_back(std::move(s));
    }
  }
  ExpectAgreement(mutated);
}

}  // namespace
}  // namespace mw::connectors::mqtt
