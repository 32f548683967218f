// A small blocking HTTP/1.1 client for webhooks: one POST per connection, plain http:// only.
//
// HttpPost connects (IPv4 or IPv6, as the host resolves), sends the request with Content-Length
// and `Connection: close`, and reads the response's status line; the body is not read. The
// timeout bounds each of connecting, sending and waiting for the status line. Errors are
// Unavailable ("webhook 127.0.0.1:9000: connect: Connection refused") or DeadlineExceeded-like
// Unavailable ("... : no response within 5000 ms"); a malformed status line is InvalidArgument.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace mw::alarms {

struct HttpUrl {
  std::string host;
  int port = 80;
  std::string path = "/";  // with the query, if any
};

// "http://host[:port][/path]"; InvalidArgument naming what is wrong (https is refused: not yet).
Result<HttpUrl> ParseHttpUrl(std::string_view url);

// The response's status code.
Result<int> HttpPost(const HttpUrl& url, std::string_view body, std::chrono::milliseconds timeout,
                     const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace mw::alarms
