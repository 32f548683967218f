// HTTP/1.1 server and router of the API.
//
// A Router maps method + path to a handler `Response(const Request&)`. Routes are exact
// ("/api/v1/status") or prefix ("/api/v1/assets/", whose handler gets the rest of the path, which
// may contain '/'). Each route declares the Role it requires; nothing checks it yet, but keeping
// it on the route means adding authentication changes Router::Dispatch and not every route.
// Dispatch() is split into Find() and the handler call so that the server can look at the matched
// route before running it (which is where a WebSocket upgrade route will be recognised).
//
// HttpServer runs the router on Boost.Beast/Asio with N I/O threads, keep-alive, a body limit and
// a read timeout. Handlers run on the I/O threads: they must be quick and must not block (they read
// in-memory state). Beast stays inside http_server.cc so that including this header is cheap.
//
// Thread-safety: build the Router first, then start the server; Dispatch() and Find() are const
// and safe from any number of threads, Add() is not safe once a server uses the router.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace mw::api {

// What a caller must be to use a route. Ordered: each role includes the ones before it.
enum class Role { kPublic, kViewer, kOperator, kAdmin };
std::string_view RoleName(Role role);

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // percent-decoded, without the query string
  std::string target;  // as sent: path and query, still encoded
  HeaderList query;    // decoded parameters in request order ('+' is a space)
  HeaderList headers;  // names in lower case
  std::string body;
  std::string remote_address;  // peer IP, e.g. "127.0.0.1"
  int remote_port = 0;
  // Set by the router for a prefix route: the path after the prefix ("plant1/pump-07" for
  // "/api/v1/assets/plant1/pump-07"); empty for exact routes.
  std::string tail;

  // The first value of a query parameter, or nullptr if absent.
  const std::string* Query(std::string_view name) const;
  // The first value of a header (name matched case-insensitively), or nullptr if absent.
  const std::string* Header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  HeaderList headers;  // extra headers; Content-Type and Content-Length are set from the fields
  std::string body;

  static Response Json(int status, std::string body);
  static Response Text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
  static Response Html(int status, std::string body);
  // {"error": {"code": code, "message": message}} with `status`.
  static Response Error(int status, std::string_view code, std::string_view message);
};

using Handler = std::function<Response(const Request&)>;

struct Route {
  enum class Match { kExact, kPrefix };
  std::string method;  // upper case, e.g. "GET"
  std::string path;    // the whole path (kExact) or the leading part, ending in '/' (kPrefix)
  Match match = Match::kExact;
  Role role = Role::kViewer;
  std::string summary;  // one line, for listings and docs
  Handler handler;
};

class Router {
 public:
  // Throws std::logic_error on a duplicate method + path + match: a programming error.
  void Add(Route route);
  void Get(std::string path, Role role, std::string summary, Handler handler);
  void GetPrefix(std::string prefix, Role role, std::string summary, Handler handler);

  struct Found {
    const Route* route = nullptr;  // null: no route for this method and path
    bool path_known = false;       // some route has this path, with another method (405)
    std::string allow;             // the methods that path accepts, e.g. "GET, POST"
    std::string tail;              // the path after a prefix route's prefix
  };
  // Exact routes win over prefix routes; among prefix routes the longest prefix wins.
  Found Find(std::string_view method, std::string_view path) const;

  // Finds the route and runs its handler: 404 not_found for an unknown path, 405
  // method_not_allowed (with an Allow header) for a known path with another method, 500
  // internal_error (logged) when the handler throws.
  Response Dispatch(Request& request) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

struct HttpServerOptions {
  std::string listen = "127.0.0.1:8080";  // "host:port"; port 0 picks a free one; "[::1]:8080"
  int threads = 2;
  std::size_t body_limit = std::size_t{1} << 20;     // larger bodies get 413
  std::size_t header_limit = std::size_t{16} << 10;  // larger header blocks get 431
  // How long a connection may take to send a request, and how long it may stay idle between
  // keep-alive requests, before it is closed.
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  // Stop() waits this long for in-flight requests before closing every connection.
  std::chrono::milliseconds stop_grace{5'000};
};

class HttpServer {
 public:
  // `router` is borrowed: it must outlive the server and not change while the server runs.
  HttpServer(HttpServerOptions options, const Router& router);
  ~HttpServer();  // calls Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the I/O threads. InvalidArgument for a malformed address,
  // Unavailable when it cannot bind; FailedPrecondition if called twice.
  Status Start();
  // Closes the listening socket, lets requests being handled finish and be written (up to
  // stop_grace), closes idle connections, and joins the threads. Idempotent; safe before Start().
  // Must not be called from a handler (it joins the threads handlers run on).
  void Stop();

  // The bound port, valid after a successful Start(); 0 before.
  int port() const;
  // "host:port" as bound, e.g. "127.0.0.1:41233".
  std::string address() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-decoding of URL components. `plus_is_space` for query strings. False on a malformed
// escape.
bool UrlDecode(std::string_view in, std::string& out, bool plus_is_space);
// Percent-encodes everything but unreserved characters and, when `keep_slash`, '/'.
std::string UrlEncode(std::string_view in, bool keep_slash);

}  // namespace mw::api
