// The history routes (series with step/agg and points, latest, frames) over a real historian.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/api_routes.h"
#include "core/time_format.h"
#include "storage/historian/historian.h"
#include "storage/live_cache.h"
#include "tests/api/http_client.h"
#include "tests/support/test_support.h"

namespace mw::api {
namespace {

using nlohmann::json;
constexpr Timestamp kSec = kNanosPerSecond;

Timestamp T0() { return ParseRfc3339("2026-11-22T03:00:00Z").value(); }
std::int64_t Ms(Timestamp t) { return t / kNanosPerMilli; }

// plant1/pump-07: temperature at 1 Hz for one hour before T0 (value = seconds since T0-1h, so
// every minute bucket holds 60 consecutive integers), and a 2x3 "thermal" frame signal with 5
// frames at T0-5s..T0-1s.
class HistoryRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::HistorianOptions o;
    o.dir = dir_.path();
    o.chunk_samples = 600;
    o.max_buckets = 1000;
    o.max_points = 3000;
    auto h = storage::Historian::Open(o, catalog_, metrics_, clock_);
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    historian_ = std::move(*h);
    AssetId pump = catalog_.AddAsset("plant1/pump-07", "pump");
    temperature_ = catalog_.InternSeries(pump, "temperature", "degC");
    thermal_ = catalog_.InternSeries(pump, "thermal");
    Batch b;
    for (int i = 0; i < 3600; ++i) b.Append(temperature_, T0() - 3600 * kSec + i * kSec, i);
    ASSERT_TRUE(historian_->Append(b).ok());
    for (int k = 0; k < 5; ++k) {
      std::vector<float> f = {1.0f * k, 2, 3, 4, 5, 6};
      ASSERT_TRUE(historian_->AppendFrame(thermal_, T0() - (5 - k) * kSec, {2, 3}, f).ok());
    }
    ApiRoutesOptions options;
    options.rate_sample_period = std::chrono::milliseconds(0);
    routes_ = std::make_unique<ApiRoutes>(catalog_, *historian_, metrics_, clock_, T0(), options);
    routes_->Register(router_);
    HttpServerOptions server_options;
    server_options.listen = "127.0.0.1:0";
    server_ = std::make_unique<HttpServer>(server_options, router_);
    ASSERT_TRUE(server_->Start().ok());
  }

  json GetJson(const std::string& target, int expected_status = 200) {
    auto response = testing::Get(server_->port(), target);
    EXPECT_EQ(response.status, expected_status) << target << ": " << response.body;
    return json::parse(response.body, nullptr, false);
  }

  mw::testing::TempDir dir_;
  SimulatedClock clock_{T0()};
  Catalog catalog_;
  MetricsRegistry metrics_;
  std::unique_ptr<storage::Historian> historian_;
  Router router_;
  std::unique_ptr<ApiRoutes> routes_;
  std::unique_ptr<HttpServer> server_;
  SeriesId temperature_ = 0, thermal_ = 0;
};

TEST_F(HistoryRoutesTest, StepAndAggReturnBucketRows) {
  json body = GetJson(
      "/api/v1/series?asset=plant1/pump-07&signal=temperature&from=-1h&to=-1s&step=1m&agg=min,max,avg,count");
  EXPECT_EQ(body["columns"], json::array({"time", "min", "max", "avg", "count"}));
  EXPECT_EQ(body["step_ms"], 60000);
  ASSERT_EQ(body["points"].size(), 60u);
  const json& row = body["points"][10];
  EXPECT_EQ(row[0], Ms(T0() - 3600 * kSec + 600 * kSec));
  EXPECT_EQ(row[1], 600);
  EXPECT_EQ(row[2], 659);
  EXPECT_EQ(row[3], 629.5);
  EXPECT_EQ(row[4], 60);
}

TEST_F(HistoryRoutesTest, CapsAndBadParametersAreClear400s) {
  json body = GetJson("/api/v1/series?asset=plant1/pump-07&signal=temperature&from=-1h&step=1s", 400);
  EXPECT_EQ(body["error"]["code"], "too_large");
  EXPECT_NE(body["error"]["message"].get<std::string>().find("buckets"), std::string::npos);
  body = GetJson("/api/v1/series?asset=plant1/pump-07&signal=temperature&from=-1h&limit=100000", 400);
  EXPECT_EQ(body["error"]["code"], "too_large");
  body = GetJson("/api/v1/series?asset=plant1/pump-07&signal=temperature&step=1m&agg=median", 400);
  EXPECT_NE(body["error"]["message"].get<std::string>().find("'agg'"), std::string::npos);
  body = GetJson("/api/v1/series?asset=plant1/pump-07&signal=temperature&step=-5m", 400);
  EXPECT_NE(body["error"]["message"].get<std::string>().find("'step'"), std::string::npos);
}

TEST_F(HistoryRoutesTest, PointsAsksForAnLttbDownsample) {
  json body = GetJson("/api/v1/series?asset=plant1/pump-07&signal=temperature&from=-30m&points=100");
  ASSERT_EQ(body["points"].size(), 100u);
  EXPECT_EQ(body["points"][0][0], Ms(T0() - 1800 * kSec));
}

TEST_F(HistoryRoutesTest, LatestListsEverySignalOfEachAsset) {
  json body = GetJson("/api/v1/latest?asset=plant1/pump-07");
  ASSERT_EQ(body["assets"].size(), 1u);
  const json& signals = body["assets"][0]["signals"];
  EXPECT_EQ(signals["temperature"]["value"], 3599);
  EXPECT_EQ(signals["temperature"]["time"], Ms(T0() - kSec));
  EXPECT_EQ(signals["thermal"]["value"], (4.0 + 2 + 3 + 4 + 5 + 6) / 6);
  GetJson("/api/v1/latest?asset=plant1/nope", 404);
}

TEST_F(HistoryRoutesTest, FramesByTimeIndexAndNeighbour) {
  json body = GetJson("/api/v1/frames?asset=plant1/pump-07&signal=thermal&at=-2500ms");
  EXPECT_EQ(body["index"], 2);
  EXPECT_EQ(body["rows"], 2);
  EXPECT_EQ(body["cols"], 3);
  EXPECT_EQ(body["values"], json::array({2.0, 2.0, 3.0, 4.0, 5.0, 6.0}));
  body =
      GetJson("/api/v1/frames?asset=plant1/pump-07&signal=thermal&at=" + std::to_string(Ms(T0() - 3 * kSec)) +
              "&select=after");
  EXPECT_EQ(body["index"], 3);
  body = GetJson("/api/v1/frames?asset=plant1/pump-07&signal=thermal&index=0");
  EXPECT_EQ(body["time"], Ms(T0() - 5 * kSec));
  GetJson("/api/v1/frames?asset=plant1/pump-07&signal=thermal&index=5", 404);
  GetJson("/api/v1/frames?asset=plant1/pump-07&signal=temperature&index=0", 400);
  GetJson("/api/v1/frames?asset=plant1/pump-07&signal=thermal", 400);
}

TEST(HistoryRoutesOnMemory, BucketsNeedTheHistorian) {
  Catalog catalog;
  MetricsRegistry metrics;
  SimulatedClock clock(T0());
  storage::LiveCache cache;
  AssetId a = catalog.AddAsset("p/a", "t");
  catalog.InternSeries(a, "x");
  ApiRoutesOptions options;
  options.rate_sample_period = std::chrono::milliseconds(0);
  ApiRoutes routes(catalog, cache, metrics, clock, T0(), options);
  Router router;
  routes.Register(router);
  HttpServerOptions server_options;
  server_options.listen = "127.0.0.1:0";
  HttpServer server(server_options, router);
  ASSERT_TRUE(server.Start().ok());
  auto response = testing::Get(server.port(), "/api/v1/series?asset=p/a&signal=x&step=1m");
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("historian"), std::string::npos);
}

}  // namespace
}  // namespace mw::api
