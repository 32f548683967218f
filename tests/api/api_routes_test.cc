#include "api/api_routes.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "core/time_format.h"
#include "pipeline/metric_names.h"
#include "storage/live_cache.h"
#include "tests/api/http_client.h"
#include "tests/support/test_support.h"

namespace mw::api {
namespace {

using nlohmann::json;
using testing::HttpConnection;
using testing::HttpResponse;

constexpr Timestamp kMinute = 60 * kNanosPerSecond;

Timestamp T0() { return ParseRfc3339("2026-11-22T03:14:00Z").value(); }
std::int64_t Ms(Timestamp t) { return t / kNanosPerMilli; }

// A real catalog, live cache and metrics registry on a simulated clock at T0, served on an
// ephemeral port. The plant:
//   plant1/line2/pump-07 (pump): vibration [mm/s] one point a minute from T0-20min to T0 (value =
//     minutes since T0-20min), temperature [degC] one uncertain point at T0-5s, and the derived
//     vibration.anomaly_score at T0-1min;
//   plant1/line1/motor-01 (motor): current [A] at T0-2s;
//   plant2/press-01 (press): force [kN] with no data yet.
class ApiRoutesTest : public ::testing::Test {
 protected:
  ApiRoutesTest() : clock_(T0()) {}

  void SetUp() override {
    AssetId pump = catalog_.AddAsset("plant1/line2/pump-07", "pump");
    vibration_ = catalog_.InternSeries(pump, "vibration", "mm/s");
    temperature_ = catalog_.InternSeries(pump, "temperature", "degC");
    score_ = catalog_.InternSeries(pump, "vibration.anomaly_score");
    AssetId motor = catalog_.AddAsset("plant1/line1/motor-01", "motor");
    current_ = catalog_.InternSeries(motor, "current", "A");
    AssetId press = catalog_.AddAsset("plant2/press-01", "press");
    catalog_.InternSeries(press, "force", "kN");

    Batch batch;
    for (int i = 0; i <= 20; ++i) batch.Append(vibration_, T0() - (20 - i) * kMinute, i);
    batch.Append(temperature_, T0() - 5 * kNanosPerSecond, 41.5, Quality::kUncertain);
    batch.Append(score_, T0() - kMinute, 3.25);
    batch.Append(current_, T0() - 2 * kNanosPerSecond, 12.0);
    ASSERT_TRUE(cache_.Append(batch).ok());

    ApiRoutesOptions options;
    options.rate_sample_period = std::chrono::milliseconds(0);
    routes_ = std::make_unique<ApiRoutes>(catalog_, cache_, metrics_, clock_, T0() - 3600 * kNanosPerSecond,
                                          options);
    routes_->Register(router_);
    HttpServerOptions server_options;
    server_options.listen = "127.0.0.1:0";
    server_ = std::make_unique<HttpServer>(server_options, router_);
    ASSERT_TRUE(server_->Start().ok());
  }

  void TearDown() override { server_.reset(); }

  HttpResponse Get(const std::string& target) { return testing::Get(server_->port(), target); }

  json GetJson(const std::string& target, int expected_status = 200) {
    HttpResponse response = Get(target);
    EXPECT_EQ(response.status, expected_status) << target << ": " << response.error << response.body;
    EXPECT_EQ(response.Header("content-type"), "application/json") << target;
    return json::parse(response.body, nullptr, false);
  }

  // Expects an error response and returns its message.
  std::string ExpectError(const std::string& target, int status, const std::string& code) {
    json body = GetJson(target, status);
    EXPECT_EQ(body["error"]["code"], code) << target;
    return body["error"]["message"].get<std::string>();
  }

  std::vector<std::int64_t> PointTimes(const json& body) {
    std::vector<std::int64_t> times;
    for (const auto& p : body["points"]) times.push_back(p[0].get<std::int64_t>());
    return times;
  }

  Catalog catalog_;
  storage::LiveCache cache_;
  MetricsRegistry metrics_;
  SimulatedClock clock_;
  Router router_;
  std::unique_ptr<ApiRoutes> routes_;
  std::unique_ptr<HttpServer> server_;
  SeriesId vibration_ = kInvalidSeries, temperature_ = kInvalidSeries, score_ = kInvalidSeries,
           current_ = kInvalidSeries;
};

TEST_F(ApiRoutesTest, HealthzIsOk) { EXPECT_EQ(GetJson("/healthz"), json({{"status", "ok"}})); }

TEST_F(ApiRoutesTest, MetricsServesPrometheusText) {
  metrics_.GetCounter(pipeline::metric::kSamplesIn, pipeline::metric::kSamplesInHelp, {{"source", "mqtt-0"}})
      .Add(600);
  HttpResponse response = Get("/metrics");
  ASSERT_EQ(response.status, 200) << response.error;
  EXPECT_EQ(response.Header("content-type"), "text/plain; version=0.0.4");
  EXPECT_NE(response.body.find("# TYPE mw_samples_in_total counter"), std::string::npos) << response.body;
  EXPECT_NE(response.body.find("mw_samples_in_total{source=\"mqtt-0\"} 600"), std::string::npos)
      << response.body;
}

TEST_F(ApiRoutesTest, StatusReportsCountersAndUptime) {
  metrics_.GetCounter(pipeline::metric::kSamplesIn, "", {{"source", "a"}}).Add(600);
  metrics_.GetCounter(pipeline::metric::kSamplesIn, "", {{"source", "b"}}).Add(400);
  metrics_.GetCounter(pipeline::metric::kSamplesProcessed, "").Add(900);
  metrics_.GetCounter(pipeline::metric::kAnomalies, "").Add(2);
  metrics_.GetCounter(pipeline::metric::kDecodeErrors, "", {{"reason", "json"}}).Add(3);
  clock_.Advance(1500 * kNanosPerMilli);
  json status = GetJson("/api/v1/status");
  EXPECT_EQ(status["version"], "0.1.0");
  EXPECT_EQ(status["started_at"], "2026-11-22T02:14:00Z");
  EXPECT_DOUBLE_EQ(status["uptime_s"].get<double>(), 3601.5);
  EXPECT_EQ(status["assets"], 3);
  EXPECT_EQ(status["series"], 5);
  EXPECT_EQ(status["samples_ingested"], 1000);
  EXPECT_EQ(status["samples_processed"], 900);
  EXPECT_EQ(status["anomalies"], 2);
  EXPECT_EQ(status["decode_errors"], 3);
  EXPECT_TRUE(status["ingest_rate"].is_number());
}

TEST_F(ApiRoutesTest, IngestRateFollowsTheLastTenSeconds) {
  Counter& in = metrics_.GetCounter(pipeline::metric::kSamplesIn, "", {{"source", "a"}});
  auto run = [&](int seconds, int per_second) {
    for (int i = 0; i < seconds; ++i) {
      in.Add(per_second);
      clock_.Advance(kNanosPerSecond);
      routes_->SampleRates();
    }
  };
  run(30, 100);
  EXPECT_NEAR(GetJson("/api/v1/status")["ingest_rate"].get<double>(), 100, 1e-9);
  run(20, 0);
  EXPECT_NEAR(GetJson("/api/v1/status")["ingest_rate"].get<double>(), 0, 1e-9);
  run(5, 1000);
  EXPECT_NEAR(GetJson("/api/v1/status")["ingest_rate"].get<double>(), 500, 1e-9);
}

TEST(ApiRoutes, SamplerThreadLetsRateFallToZeroWhenIngestStops) {
  Catalog catalog;
  storage::LiveCache cache;
  MetricsRegistry metrics;
  ApiRoutesOptions options;
  options.rate_sample_period = std::chrono::milliseconds(10);
  options.rate_window_ns = 100 * kNanosPerMilli;
  const Clock& clock = SystemClock::Instance();
  ApiRoutes routes(catalog, cache, metrics, clock, clock.Now(), options);
  metrics.GetCounter(pipeline::metric::kSamplesIn, "").Add(1000);
  EXPECT_GT(routes.Figures().ingest_rate, 0);
  // Only the sampler thread records while nobody asks; once it has seen a whole window with no
  // growth, the rate is zero.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(routes.Figures().ingest_rate, 0);
}

TEST_F(ApiRoutesTest, ListsAssetsSortedByPath) {
  json body = GetJson("/api/v1/assets");
  ASSERT_EQ(body["assets"].size(), 3u);
  EXPECT_EQ(body["assets"][0]["path"], "plant1/line1/motor-01");
  EXPECT_EQ(body["assets"][1]["path"], "plant1/line2/pump-07");
  EXPECT_EQ(body["assets"][2]["path"], "plant2/press-01");
  const json& pump = body["assets"][1];
  EXPECT_EQ(pump["template"], "pump");
  EXPECT_EQ(pump["signals"], 3);
  EXPECT_EQ(pump["last_seen"], Ms(T0()));
  EXPECT_TRUE(body["assets"][2]["last_seen"].is_null());
}

TEST_F(ApiRoutesTest, FiltersAssetsByPrefix) {
  json body = GetJson("/api/v1/assets?prefix=plant1/");
  ASSERT_EQ(body["assets"].size(), 2u);
  EXPECT_EQ(body["assets"][0]["path"], "plant1/line1/motor-01");
  EXPECT_EQ(GetJson("/api/v1/assets?prefix=nowhere")["assets"], json::array());
}

TEST_F(ApiRoutesTest, AssetShowsLatestValueOfEachSignal) {
  json body = GetJson("/api/v1/assets/plant1/line2/pump-07");
  EXPECT_EQ(body["path"], "plant1/line2/pump-07");
  EXPECT_EQ(body["template"], "pump");
  ASSERT_EQ(body["signals"].size(), 3u);
  const json& vibration = body["signals"][0];
  EXPECT_EQ(vibration["name"], "vibration");
  EXPECT_EQ(vibration["unit"], "mm/s");
  EXPECT_EQ(vibration["series_id"], vibration_);
  EXPECT_EQ(vibration["value"], 20.0);
  EXPECT_EQ(vibration["time"], Ms(T0()));
  EXPECT_EQ(vibration["time_iso"], "2026-11-22T03:14:00Z");
  EXPECT_EQ(vibration["quality"], "good");
  const json& temperature = body["signals"][1];
  EXPECT_EQ(temperature["value"], 41.5);
  EXPECT_EQ(temperature["time_iso"], "2026-11-22T03:13:55Z");
  EXPECT_EQ(temperature["quality"], "uncertain");
  // Derived series are signals like any other.
  const json& score = body["signals"][2];
  EXPECT_EQ(score["name"], "vibration.anomaly_score");
  EXPECT_EQ(score["value"], 3.25);
  EXPECT_EQ(score["unit"], "");
}

TEST_F(ApiRoutesTest, AssetWithoutDataHasNullValues) {
  json body = GetJson("/api/v1/assets/plant2/press-01/");  // a trailing slash is accepted
  ASSERT_EQ(body["signals"].size(), 1u);
  const json& force = body["signals"][0];
  EXPECT_EQ(force["name"], "force");
  EXPECT_TRUE(force["value"].is_null());
  EXPECT_TRUE(force["time"].is_null());
  EXPECT_TRUE(force["time_iso"].is_null());
  EXPECT_TRUE(force["quality"].is_null());
}

TEST_F(ApiRoutesTest, UnknownAssetIs404WithCode) {
  std::string message = ExpectError("/api/v1/assets/plant9/nothing", 404, "unknown_asset");
  EXPECT_NE(message.find("plant9/nothing"), std::string::npos);
  ExpectError("/api/v1/assets/", 404, "unknown_asset");
  ExpectError("/api/v1/assets/plant1/line2", 404, "unknown_asset");  // a folder, not an asset
}

TEST_F(ApiRoutesTest, UnknownRouteIs404AndWrongMethodIs405) {
  ExpectError("/api/v2/status", 404, "not_found");
  HttpResponse response = testing::Request(server_->port(), "POST", "/api/v1/status", "{}");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(json::parse(response.body)["error"]["code"], "method_not_allowed");
  EXPECT_EQ(testing::Request(server_->port(), "DELETE", "/api/v1/assets/plant2/press-01").status, 405);
}

TEST_F(ApiRoutesTest, SeriesDefaultsToTheLast15Minutes) {
  json body = GetJson("/api/v1/series?asset=plant1/line2/pump-07&signal=vibration");
  EXPECT_EQ(body["asset"], "plant1/line2/pump-07");
  EXPECT_EQ(body["signal"], "vibration");
  EXPECT_EQ(body["unit"], "mm/s");
  EXPECT_EQ(body["from"], Ms(T0() - 15 * kMinute));
  EXPECT_EQ(body["to"], Ms(T0()));
  ASSERT_EQ(body["points"].size(), 16u);
  EXPECT_EQ(body["points"][0], json::array({Ms(T0() - 15 * kMinute), 5.0}));
  EXPECT_EQ(body["points"][15], json::array({Ms(T0()), 20.0}));
}

TEST_F(ApiRoutesTest, SeriesAcceptsRfc3339Times) {
  json body = GetJson(
      "/api/v1/series?asset=plant1/line2/"
      "pump-07&signal=vibration&from=2026-11-22T03:00:00Z&to=2026-11-22T03:10:00Z");
  EXPECT_EQ(body["from"], Ms(T0() - 14 * kMinute));
  EXPECT_EQ(body["to"], Ms(T0() - 4 * kMinute));
  EXPECT_EQ(body["points"].size(), 11u);
  // A zone offset, its '+' encoded as a query string needs.
  body = GetJson(
      "/api/v1/series?asset=plant1/line2/"
      "pump-07&signal=vibration&from=2026-11-22T04:13:00%2B01:00");
  EXPECT_EQ(PointTimes(body), (std::vector<std::int64_t>{Ms(T0() - kMinute), Ms(T0())}));
}

TEST_F(ApiRoutesTest, SeriesAcceptsUnixMilliseconds) {
  std::string from = std::to_string(Ms(T0() - 20 * kMinute));
  std::string to = std::to_string(Ms(T0() - 18 * kMinute));
  json body =
      GetJson("/api/v1/series?asset=plant1/line2/pump-07&signal=vibration&from=" + from + "&to=" + to);
  EXPECT_EQ(PointTimes(body), (std::vector<std::int64_t>{Ms(T0() - 20 * kMinute), Ms(T0() - 19 * kMinute),
                                                         Ms(T0() - 18 * kMinute)}));
}

TEST_F(ApiRoutesTest, SeriesAcceptsRelativeTimesFromTheClock) {
  json body = GetJson("/api/v1/series?asset=plant1/line2/pump-07&signal=vibration&from=-1h&to=-10m");
  EXPECT_EQ(body["points"].size(), 11u);
  EXPECT_EQ(body["points"].back()[0], Ms(T0() - 10 * kMinute));
  clock_.Advance(5 * kMinute);
  body = GetJson("/api/v1/series?asset=plant1/line2/pump-07&signal=vibration&from=-6m&to=now");
  EXPECT_EQ(PointTimes(body), (std::vector<std::int64_t>{Ms(T0() - kMinute), Ms(T0())}));
}

TEST_F(ApiRoutesTest, SeriesLimitKeepsTheNewestPoints) {
  json body = GetJson("/api/v1/series?asset=plant1/line2/pump-07&signal=vibration&limit=3");
  EXPECT_EQ(PointTimes(body),
            (std::vector<std::int64_t>{Ms(T0() - 2 * kMinute), Ms(T0() - kMinute), Ms(T0())}));
  EXPECT_EQ(
      GetJson("/api/v1/series?asset=plant1/line2/pump-07&signal=vibration&limit=100000")["points"].size(),
      16u);
}

TEST_F(ApiRoutesTest, SeriesBadLimitIs400NamingLimit) {
  for (const char* limit : {"100001", "0", "-1", "ten", "", "5x"}) {
    std::string message =
        ExpectError(std::string("/api/v1/series?asset=plant1/line2/pump-07&signal=vibration&limit=") + limit,
                    400, "invalid_parameter");
    EXPECT_NE(message.find("'limit'"), std::string::npos) << message;
    EXPECT_NE(message.find("100000"), std::string::npos) << message;
  }
}

TEST_F(ApiRoutesTest, SeriesMissingAssetOrSignalIs400) {
  std::string message = ExpectError("/api/v1/series?signal=vibration", 400, "missing_parameter");
  EXPECT_NE(message.find("'asset'"), std::string::npos) << message;
  message = ExpectError("/api/v1/series?asset=plant1/line2/pump-07", 400, "missing_parameter");
  EXPECT_NE(message.find("'signal'"), std::string::npos) << message;
  ExpectError("/api/v1/series?asset=&signal=vibration", 400, "missing_parameter");
}

TEST_F(ApiRoutesTest, SeriesUnknownAssetOrSignalIs404) {
  ExpectError("/api/v1/series?asset=plant9/x&signal=vibration", 404, "unknown_asset");
  std::string message =
      ExpectError("/api/v1/series?asset=plant1/line2/pump-07&signal=pressure", 404, "unknown_signal");
  EXPECT_NE(message.find("pressure"), std::string::npos) << message;
}

TEST_F(ApiRoutesTest, SeriesBadTimeIs400NamingTheParameter) {
  std::string message = ExpectError(
      "/api/v1/series?asset=plant1/line2/pump-07&signal=vibration&from=yesterday", 400, "invalid_parameter");
  EXPECT_NE(message.find("'from'"), std::string::npos) << message;
  EXPECT_NE(message.find("RFC 3339"), std::string::npos) << message;
  message = ExpectError("/api/v1/series?asset=plant1/line2/pump-07&signal=vibration&to=-5parsecs", 400,
                        "invalid_parameter");
  EXPECT_NE(message.find("'to'"), std::string::npos) << message;
}

TEST_F(ApiRoutesTest, SeriesFromAfterToIs400) {
  std::string message =
      ExpectError("/api/v1/series?asset=plant1/line2/pump-07&signal=vibration&from=-1m&to=-10m", 400,
                  "invalid_parameter");
  EXPECT_NE(message.find("'from'"), std::string::npos) << message;
  EXPECT_NE(message.find("'to'"), std::string::npos) << message;
}

TEST_F(ApiRoutesTest, SeriesOfDerivedSignal) {
  json body = GetJson("/api/v1/series?asset=plant1/line2/pump-07&signal=vibration.anomaly_score");
  EXPECT_EQ(body["points"], json::array({json::array({Ms(T0() - kMinute), 3.25})}));
}

TEST_F(ApiRoutesTest, EventsAreListedNewestLast) {
  std::vector<Event> events;
  for (int i = 0; i < 3; ++i) {
    Event e;
    e.kind = EventKind::kAnomaly;
    e.time = T0() - (3 - i) * kMinute;
    e.series = vibration_;
    e.value = 10 + i;
    e.score = 4.5 + i;
    e.source = "zscore-0";
    e.message = "z above 4";
    events.push_back(e);
  }
  ASSERT_TRUE(cache_.AppendEvents(events).ok());
  json body = GetJson("/api/v1/events");
  ASSERT_EQ(body["events"].size(), 3u);
  const json& last = body["events"][2];
  EXPECT_EQ(last["kind"], "anomaly");
  EXPECT_EQ(last["time"], Ms(T0() - kMinute));
  EXPECT_EQ(last["time_iso"], "2026-11-22T03:13:00Z");
  EXPECT_EQ(last["asset"], "plant1/line2/pump-07");
  EXPECT_EQ(last["signal"], "vibration");
  EXPECT_EQ(last["value"], 12.0);
  EXPECT_EQ(last["score"], 6.5);
  EXPECT_EQ(last["source"], "zscore-0");
  EXPECT_EQ(last["message"], "z above 4");
  json limited = GetJson("/api/v1/events?limit=2");
  ASSERT_EQ(limited["events"].size(), 2u);
  EXPECT_EQ(limited["events"][1], last);
  std::string message = ExpectError("/api/v1/events?limit=0", 400, "invalid_parameter");
  EXPECT_NE(message.find("'limit'"), std::string::npos);
  ExpectError("/api/v1/events?limit=10001", 400, "invalid_parameter");
}

TEST_F(ApiRoutesTest, NoEventsIsAnEmptyList) {
  EXPECT_EQ(GetJson("/api/v1/events")["events"], json::array());
}

TEST_F(ApiRoutesTest, StatusPageListsAssetsAndFigures) {
  metrics_.GetCounter(pipeline::metric::kSamplesIn, "").Add(1234);
  HttpResponse page = Get("/");
  ASSERT_EQ(page.status, 200) << page.error;
  EXPECT_EQ(page.Header("content-type"), "text/html; charset=utf-8");
  const std::string& html = page.body;
  EXPECT_NE(html.find("<meta http-equiv=\"refresh\" content=\"2\">"), std::string::npos);
  EXPECT_NE(html.find("1234"), std::string::npos);
  EXPECT_NE(html.find("plant1/line2/pump-07"), std::string::npos);
  EXPECT_NE(html.find("41.5"), std::string::npos);
  EXPECT_NE(html.find("degC"), std::string::npos);
  EXPECT_NE(html.find("5.0 s"), std::string::npos);  // age of the temperature
  for (const char* link : {"/api/v1/status", "/api/v1/assets", "/api/v1/events", "/metrics",
                           "/api/v1/assets/plant1/line2/pump-07",
                           "/api/v1/series?asset=plant1%2Fline2%2Fpump-07&amp;signal=vibration"})
    EXPECT_NE(html.find(std::string("href=\"") + link + "\""), std::string::npos) << link;
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_LT(html.find("plant1/line1/motor-01"), html.find("plant2/press-01"));
}

TEST_F(ApiRoutesTest, StatusPageEscapesNamesFromTheWire) {
  AssetId mixer = catalog_.AddAsset("plant3/mixer-01", "<i>mixer</i>");
  SeriesId evil = catalog_.InternSeries(mixer, "<script>alert(1)</script>", "\"&'<b>");
  Batch batch;
  batch.Append(evil, T0(), 1.0);
  ASSERT_TRUE(cache_.Append(batch).ok());
  HttpResponse page = Get("/");
  ASSERT_EQ(page.status, 200) << page.error;
  EXPECT_EQ(page.body.find("<script"), std::string::npos);
  EXPECT_EQ(page.body.find("<b>"), std::string::npos);
  EXPECT_EQ(page.body.find("<i>"), std::string::npos);
  EXPECT_NE(page.body.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.body.find("&quot;&amp;&#39;&lt;b&gt;"), std::string::npos);
  EXPECT_NE(page.body.find("signal=%3Cscript%3Ealert%281%29%3C%2Fscript%3E"), std::string::npos);
}

TEST_F(ApiRoutesTest, InvalidUtf8InNamesStillGivesValidJson) {
  AssetId mixer = catalog_.AddAsset("plant3/mixer-01", "mixer");
  catalog_.InternSeries(mixer, "bad\xff\xfe", "\xc3");
  json body = GetJson("/api/v1/assets/plant3/mixer-01");
  ASSERT_FALSE(body.is_discarded());
  ASSERT_EQ(body["signals"].size(), 1u);
  EXPECT_EQ(body["signals"][0]["name"].get<std::string>().substr(0, 3), "bad");
}

TEST_F(ApiRoutesTest, ServesManyRequestsOnOneKeptAliveConnection) {
  HttpConnection connection(server_->port());
  for (const char* target :
       {"/healthz", "/api/v1/status", "/api/v1/assets", "/api/v1/assets/plant1/line2/pump-07",
        "/api/v1/series?asset=plant1/line2/pump-07&signal=vibration", "/api/v1/events", "/api/v1/assets/nope",
        "/", "/metrics"}) {
    HttpResponse response = connection.Get(target);
    EXPECT_GT(response.status, 0) << target << ": " << response.error;
    EXPECT_TRUE(response.keep_alive) << target;
    EXPECT_FALSE(response.Header("content-type").empty()) << target;
  }
}

TEST_F(ApiRoutesTest, ConcurrentReadersWhileTheStoreIsWritten) {
  std::atomic<bool> done{false};
  // One writer per series, as the runtime guarantees.
  std::thread writer([&] {
    for (int i = 1; i <= 2000 && !done; ++i) {
      Batch batch;
      batch.Append(vibration_, T0() + i * kNanosPerMilli, 100 + i);
      ASSERT_TRUE(cache_.Append(batch).ok());
    }
  });
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&] {
      HttpConnection connection(server_->port());
      for (int i = 0; i < 30; ++i) {
        HttpResponse asset = connection.Get("/api/v1/assets/plant1/line2/pump-07");
        HttpResponse series =
            connection.Get("/api/v1/series?asset=plant1/line2/pump-07&signal=vibration&to=%2B1h");
        bool ok = asset.status == 200 && (series.status == 200 || series.status == 503);
        if (!ok || json::parse(asset.body, nullptr, false).is_discarded()) ++failures;
      }
    });
  }
  for (auto& t : readers) t.join();
  done = true;
  writer.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(ApiRoutesTest, StopWhileAClientIsConnected) {
  HttpConnection connection(server_->port());
  ASSERT_EQ(connection.Get("/api/v1/status").status, 200);
  server_->Stop();
  EXPECT_TRUE(connection.WaitClosed(std::chrono::seconds(2)));
}

TEST(ApiRoutes, RegistersEveryRouteWithItsRole) {
  Catalog catalog;
  storage::LiveCache cache;
  MetricsRegistry metrics;
  SimulatedClock clock;
  ApiRoutesOptions options;
  options.rate_sample_period = std::chrono::milliseconds(0);
  ApiRoutes routes(catalog, cache, metrics, clock, 0, options);
  Router router;
  routes.Register(router);
  std::vector<std::string> paths;
  for (const Route& route : router.routes()) {
    paths.push_back(route.path);
    EXPECT_EQ(route.method, "GET");
    EXPECT_EQ(route.role, route.path == "/healthz" ? Role::kPublic : Role::kViewer) << route.path;
  }
  EXPECT_EQ(paths, (std::vector<std::string>{"/healthz", "/metrics", "/api/v1/status", "/api/v1/assets",
                                             "/api/v1/assets/", "/api/v1/series", "/api/v1/latest",
                                             "/api/v1/frames", "/api/v1/events", "/"}));
}

}  // namespace
}  // namespace mw::api
