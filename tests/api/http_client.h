// A small synchronous HTTP/1.1 client for tests, on Boost.Beast, talking to 127.0.0.1.
//
// Failures never throw: a response with status 0 carries the reason in `error`. Every operation
// gives up after the connection's timeout, so a hung server fails a test instead of hanging it.
// An HttpConnection is one keep-alive TCP connection, for one thread at a time; the free
// functions open a fresh connection per request.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mw::testing {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;       // 0: no response was read; see `error`
  HttpHeaders headers;  // names in lower case, in the order received
  std::string body;
  std::string error;
  bool keep_alive = false;  // the server will keep the connection open

  // The first value of a header (case-insensitive name), or "" if absent.
  std::string Header(std::string_view name) const;
};

class HttpConnection {
 public:
  explicit HttpConnection(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  bool connected() const;
  const std::string& connect_error() const;

  HttpResponse Send(const std::string& method, const std::string& target, const std::string& body = {},
                    const HttpHeaders& headers = {});
  HttpResponse Get(const std::string& target) { return Send("GET", target); }
  // Writes `bytes` as they are (for malformed requests) and reads one response.
  HttpResponse SendRaw(const std::string& bytes);
  // True when the server closes the connection within `timeout` (any bytes it sends are dropped).
  // The connection is closed afterwards either way.
  bool WaitClosed(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

HttpResponse Get(int port, const std::string& target);
HttpResponse Request(int port, const std::string& method, const std::string& target,
                     const std::string& body = {}, const HttpHeaders& headers = {});

}  // namespace mw::testing
