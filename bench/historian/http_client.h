// A tiny blocking HTTP/1.1 client for the benchmark's loader and queries: one persistent
// (keep-alive) connection to 127.0.0.1:<port>, one request at a time, Content-Length and chunked
// responses. Nothing else (no TLS, no redirects, no proxies, no compression).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace mw::bench::historian {

struct HttpResponse {
  int status = 0;
  std::string body;
};

class HttpClient {
 public:
  explicit HttpClient(int port) : port_(port) {}
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `target` is the path with its (already encoded) query string.
  Result<HttpResponse> Get(std::string_view target);
  Result<HttpResponse> Post(std::string_view target, std::string_view body,
                            std::string_view content_type = "text/plain; charset=utf-8");

  // Opens the connection now (requests open it when needed).
  Status Open() { return fd_ >= 0 ? Status::Ok() : Connect(); }
  // Times a connection was (re)opened; 1 for a load that kept its connection throughout.
  int connects() const { return connects_; }
  void Close();

 private:
  Status Connect();
  Result<HttpResponse> RoundTrip(std::string_view head, std::string_view body);
  Status SendAll(std::string_view head, std::string_view body);
  Status ReadResponse(HttpResponse& out, bool& keep_alive);
  Status Fill();                   // reads more bytes into buf_
  Result<std::string> ReadLine();  // up to CRLF, without it
  Status ReadExactly(std::size_t n, std::string& out);

  int port_;
  int fd_ = -1;
  int connects_ = 0;
  std::string buf_;
  std::size_t pos_ = 0;  // first unread byte of buf_
};

// Percent-encodes a query-string component.
std::string UrlEncode(std::string_view s);

}  // namespace mw::bench::historian
