#include "api/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tests/api/http_client.h"
#include "tests/support/test_support.h"

namespace mw::api {
namespace {

using nlohmann::json;
using testing::HttpConnection;
using testing::HttpResponse;

std::string ErrorCode(const HttpResponse& response) {
  return json::parse(response.body).at("error").at("code").get<std::string>();
}

// Echoes what the server parsed out of the request, as JSON.
Response Echo(const Request& request) {
  json query = json::object();
  for (const auto& [key, value] : request.query)
    if (!query.contains(key)) query[key] = value;
  const std::string* agent = request.Header("x-test");
  return Response::Json(200, json{{"method", request.method},
                                  {"path", request.path},
                                  {"tail", request.tail},
                                  {"query", query},
                                  {"header", agent ? *agent : ""},
                                  {"body_size", request.body.size()},
                                  {"remote", request.remote_address},
                                  {"remote_port", request.remote_port}}
                                 .dump());
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Get("/echo", Role::kPublic, "echo", Echo);
    router_.Add(Route{"POST", "/echo", Route::Match::kExact, Role::kOperator, "echo a body", Echo});
    router_.GetPrefix("/items/", Role::kViewer, "one item", Echo);
    router_.Get("/throw", Role::kPublic, "fails",
                [](const Request&) -> Response { throw std::runtime_error("boom"); });
    router_.Get("/slow", Role::kPublic, "takes a while", [this](const Request&) {
      slow_entered_ = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
      return Response::Text(200, "done");
    });
  }

  void StartServer(HttpServerOptions options = {}) {
    options.listen = "127.0.0.1:0";
    server_ = std::make_unique<HttpServer>(options, router_);
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_GT(server_->port(), 0);
  }

  int port() const { return server_->port(); }

  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::atomic<bool> slow_entered_{false};
};

TEST_F(HttpServerTest, ServesRouteOnEphemeralPort) {
  StartServer();
  HttpResponse response = testing::Get(port(), "/echo");
  ASSERT_EQ(response.status, 200) << response.error;
  EXPECT_EQ(response.Header("content-type"), "application/json");
  json body = json::parse(response.body);
  EXPECT_EQ(body["method"], "GET");
  EXPECT_EQ(body["path"], "/echo");
  EXPECT_EQ(body["remote"], "127.0.0.1");
  EXPECT_GT(body["remote_port"].get<int>(), 0);
  EXPECT_EQ(server_->address(), "127.0.0.1:" + std::to_string(port()));
}

TEST_F(HttpServerTest, DecodesQueryParametersAndHeaders) {
  StartServer();
  HttpConnection connection(port());
  HttpResponse response =
      connection.Send("GET", "/echo?a=1&b=x%20y&c=p+q&flag&a=2&d=%2Fslash", {}, {{"X-Test", "hello"}});
  ASSERT_EQ(response.status, 200) << response.error;
  json body = json::parse(response.body);
  EXPECT_EQ(body["query"]["a"], "1");  // the first of a repeated parameter wins
  EXPECT_EQ(body["query"]["b"], "x y");
  EXPECT_EQ(body["query"]["c"], "p q");
  EXPECT_EQ(body["query"]["flag"], "");
  EXPECT_EQ(body["query"]["d"], "/slash");
  EXPECT_EQ(body["header"], "hello");
}

TEST_F(HttpServerTest, PrefixRouteGetsTheRestOfThePath) {
  StartServer();
  HttpResponse response = testing::Get(port(), "/items/plant1/line2/pump-07?x=1");
  ASSERT_EQ(response.status, 200) << response.error;
  json body = json::parse(response.body);
  EXPECT_EQ(body["tail"], "plant1/line2/pump-07");
  EXPECT_EQ(body["path"], "/items/plant1/line2/pump-07");
}

TEST_F(HttpServerTest, UnknownRouteIs404WithJsonError) {
  StartServer();
  HttpResponse response = testing::Get(port(), "/nope");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.Header("content-type"), "application/json");
  EXPECT_EQ(ErrorCode(response), "not_found");
  EXPECT_NE(json::parse(response.body)["error"]["message"].get<std::string>().find("/nope"),
            std::string::npos);
}

TEST_F(HttpServerTest, WrongMethodIs405WithAllowHeader) {
  StartServer();
  HttpResponse response = testing::Request(port(), "DELETE", "/echo");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(ErrorCode(response), "method_not_allowed");
  EXPECT_EQ(response.Header("allow"), "GET, POST");
  EXPECT_EQ(testing::Request(port(), "POST", "/items/x", "body").status, 405);
}

TEST_F(HttpServerTest, AcceptsBodyUpToTheLimit) {
  StartServer();
  HttpResponse response = testing::Request(port(), "POST", "/echo", std::string(1 << 20, 'x'));
  ASSERT_EQ(response.status, 200) << response.error;
  EXPECT_EQ(json::parse(response.body)["body_size"], 1 << 20);
}

TEST_F(HttpServerTest, BodyOverLimitIs413) {
  StartServer();
  HttpResponse response = testing::Request(port(), "POST", "/echo", std::string((1 << 20) + 1, 'x'));
  ASSERT_EQ(response.status, 413) << response.error;
  EXPECT_EQ(ErrorCode(response), "body_too_large");
  EXPECT_FALSE(response.keep_alive);
}

TEST_F(HttpServerTest, ChunkedBodyOverLimitIs413) {
  HttpServerOptions options;
  options.body_limit = 1000;
  StartServer(options);
  HttpConnection connection(port());
  std::string chunk(600, 'x');
  HttpResponse response =
      connection.SendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n" +
                         chunk + "\r\n258\r\n" + chunk + "\r\n0\r\n\r\n");
  ASSERT_EQ(response.status, 413) << response.error;
  EXPECT_EQ(ErrorCode(response), "body_too_large");
}

TEST_F(HttpServerTest, MalformedRequestIs400) {
  StartServer();
  HttpConnection connection(port());
  HttpResponse response = connection.SendRaw("NOT HTTP AT ALL\r\n\r\n");
  ASSERT_EQ(response.status, 400) << response.error;
  EXPECT_EQ(ErrorCode(response), "bad_request");
}

TEST_F(HttpServerTest, MalformedPercentEncodingIs400) {
  StartServer();
  HttpResponse response = testing::Get(port(), "/echo?a=%zz");
  ASSERT_EQ(response.status, 400) << response.error;
  EXPECT_EQ(ErrorCode(response), "bad_request");
}

TEST_F(HttpServerTest, OversizedHeadersAre431) {
  StartServer();
  HttpResponse response =
      testing::Request(port(), "GET", "/echo", {}, {{"X-Big", std::string(32 << 10, 'h')}});
  ASSERT_EQ(response.status, 431) << response.error;
  EXPECT_EQ(ErrorCode(response), "headers_too_large");
}

TEST_F(HttpServerTest, HandlerExceptionIs500) {
  StartServer();
  HttpResponse response = testing::Get(port(), "/throw");
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(ErrorCode(response), "internal_error");
  // The server keeps serving.
  EXPECT_EQ(testing::Get(port(), "/echo").status, 200);
}

TEST_F(HttpServerTest, KeepsConnectionAliveAcrossRequests) {
  StartServer();
  HttpConnection connection(port());
  ASSERT_TRUE(connection.connected()) << connection.connect_error();
  std::set<int> client_ports;
  for (int i = 0; i < 5; ++i) {
    HttpResponse response = connection.Get("/echo?i=" + std::to_string(i));
    ASSERT_EQ(response.status, 200) << response.error;
    EXPECT_TRUE(response.keep_alive);
    json body = json::parse(response.body);
    EXPECT_EQ(body["query"]["i"], std::to_string(i));
    client_ports.insert(body["remote_port"].get<int>());
  }
  // Errors other than parse errors keep the connection too.
  EXPECT_EQ(connection.Get("/nope").status, 404);
  EXPECT_EQ(connection.Get("/echo").status, 200);
  EXPECT_EQ(client_ports.size(), 1u);
}

TEST_F(HttpServerTest, ClosesWhenTheClientAsksTo) {
  StartServer();
  HttpConnection connection(port());
  HttpResponse response = connection.Send("GET", "/echo", {}, {{"Connection", "close"}});
  ASSERT_EQ(response.status, 200) << response.error;
  EXPECT_FALSE(response.keep_alive);
  EXPECT_TRUE(connection.WaitClosed(std::chrono::seconds(5)));
}

TEST_F(HttpServerTest, ServesConcurrentClients) {
  StartServer();
  constexpr int kClients = 8;
  constexpr int kRequests = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      HttpConnection connection(port());
      for (int i = 0; i < kRequests; ++i) {
        HttpResponse response = connection.Get("/items/" + std::to_string(c) + "/" + std::to_string(i));
        if (response.status == 200 &&
            json::parse(response.body)["tail"] == std::to_string(c) + "/" + std::to_string(i))
          ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
}

TEST_F(HttpServerTest, ReadTimeoutClosesIdleConnection) {
  HttpServerOptions options;
  options.read_timeout = std::chrono::milliseconds(200);
  StartServer(options);
  HttpConnection connection(port());
  ASSERT_EQ(connection.Get("/echo").status, 200);
  EXPECT_TRUE(connection.WaitClosed(std::chrono::seconds(5)));
}

TEST_F(HttpServerTest, StopClosesIdleConnections) {
  StartServer();
  HttpConnection connection(port());
  ASSERT_EQ(connection.Get("/echo").status, 200);
  auto started = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  EXPECT_TRUE(connection.WaitClosed(std::chrono::seconds(2)));
  EXPECT_EQ(testing::Get(port(), "/echo").status, 0);  // no longer listening
}

TEST_F(HttpServerTest, StopLetsInFlightRequestFinish) {
  StartServer();
  auto pending = std::async(std::launch::async, [this] { return testing::Get(port(), "/slow"); });
  ASSERT_TRUE(testing::WaitUntil([this] { return slow_entered_.load(); }));
  server_->Stop();
  HttpResponse response = pending.get();
  ASSERT_EQ(response.status, 200) << response.error;
  EXPECT_EQ(response.body, "done");
  EXPECT_FALSE(response.keep_alive);
}

TEST_F(HttpServerTest, StopIsIdempotent) {
  StartServer();
  server_->Stop();
  server_->Stop();
  server_.reset();
}

TEST_F(HttpServerTest, StartTwiceFails) {
  StartServer();
  EXPECT_EQ(server_->Start().code(), StatusCode::kFailedPrecondition);
}

TEST(HttpServer, StopBeforeStartIsHarmless) {
  Router router;
  HttpServer server({}, router);
  server.Stop();
  EXPECT_EQ(server.port(), 0);
}

TEST(HttpServer, RejectsMalformedListenAddress) {
  Router router;
  for (const char* listen : {"8080", "127.0.0.1:", ":8080", "127.0.0.1:99999", "127.0.0.1:http", "[::1"}) {
    HttpServerOptions options;
    options.listen = listen;
    HttpServer server(options, router);
    EXPECT_EQ(server.Start().code(), StatusCode::kInvalidArgument) << listen;
  }
}

TEST(HttpServer, PortInUseIsUnavailable) {
  Router router;
  HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  HttpServer first(options, router);
  ASSERT_TRUE(first.Start().ok());
  options.listen = "127.0.0.1:" + std::to_string(first.port());
  HttpServer second(options, router);
  Status status = second.Start();
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find(options.listen), std::string::npos);
}

TEST(Router, ExactRouteWinsOverPrefix) {
  Router router;
  router.Get("/a/b", Role::kPublic, "", [](const Request&) { return Response::Text(200, "exact"); });
  router.GetPrefix("/a/", Role::kPublic, "", [](const Request&) { return Response::Text(200, "prefix"); });
  Request request;
  request.method = "GET";
  request.path = "/a/b";
  EXPECT_EQ(router.Dispatch(request).body, "exact");
  request.path = "/a/b/c";
  EXPECT_EQ(router.Dispatch(request).body, "prefix");
  EXPECT_EQ(request.tail, "b/c");
}

TEST(Router, LongestPrefixWins) {
  Router router;
  router.GetPrefix("/a/", Role::kPublic, "", [](const Request&) { return Response::Text(200, "short"); });
  router.GetPrefix("/a/b/", Role::kPublic, "", [](const Request&) { return Response::Text(200, "long"); });
  Router::Found found = router.Find("GET", "/a/b/c");
  ASSERT_NE(found.route, nullptr);
  EXPECT_EQ(found.route->path, "/a/b/");
  EXPECT_EQ(found.tail, "c");
  EXPECT_EQ(router.Find("GET", "/a/x").route->path, "/a/");
  EXPECT_EQ(router.Find("GET", "/b").route, nullptr);
  EXPECT_FALSE(router.Find("GET", "/b").path_known);
}

TEST(Router, RejectsDuplicateAndMalformedRoutes) {
  Router router;
  auto handler = [](const Request&) { return Response::Text(200, ""); };
  router.Get("/x", Role::kPublic, "", handler);
  EXPECT_THROW(router.Get("/x", Role::kPublic, "", handler), std::logic_error);
  EXPECT_THROW(router.GetPrefix("/p", Role::kPublic, "", handler), std::logic_error);
  EXPECT_THROW(router.Get("x", Role::kPublic, "", handler), std::logic_error);
}

TEST(Router, ListsRoutesWithTheirRoles) {
  Router router;
  auto handler = [](const Request&) { return Response::Text(200, ""); };
  router.Get("/healthz", Role::kPublic, "probe", handler);
  router.Add(Route{"POST", "/api/v1/write", Route::Match::kExact, Role::kOperator, "write", handler});
  ASSERT_EQ(router.routes().size(), 2u);
  EXPECT_EQ(RoleName(router.routes()[0].role), "public");
  EXPECT_EQ(RoleName(router.routes()[1].role), "operator");
}

TEST(UrlCoding, RoundTripsAndRejectsBadEscapes) {
  std::string out;
  EXPECT_TRUE(UrlDecode(UrlEncode("a b/c?d=é&", false), out, false));
  EXPECT_EQ(out, "a b/c?d=é&");
  EXPECT_EQ(UrlEncode("plant1/pump 7", true), "plant1/pump%207");
  EXPECT_FALSE(UrlDecode("%4", out, false));
  EXPECT_FALSE(UrlDecode("%g0", out, false));
  EXPECT_TRUE(UrlDecode("a+b", out, false));
  EXPECT_EQ(out, "a+b");
}

}  // namespace
}  // namespace mw::api
