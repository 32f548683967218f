#include "tests/api/http_client.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>

namespace mw::testing {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::uint64_t kMaxResponseBody = std::uint64_t{256} << 20;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  std::string wanted = Lower(name);
  for (const auto& [key, value] : headers)
    if (key == wanted) return value;
  return {};
}

struct HttpConnection::Impl {
  explicit Impl(std::chrono::milliseconds t) : timeout(t) {}

  // Runs the operation started by `start`, which must store its error code in `result`.
  template <typename Start>
  beast::error_code Run(Start start) {
    beast::error_code result = net::error::would_block;
    stream.expires_after(timeout);
    start(result);
    ioc.restart();
    ioc.run();
    return result;
  }

  HttpResponse ReadResponse(beast::error_code write_error) {
    HttpResponse out;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBody);
    // Read even when the write failed: a server may answer (413) and close before taking the body.
    beast::error_code ec = Run([&](beast::error_code& result) {
      http::async_read(stream, buffer, parser, [&result](beast::error_code e, std::size_t) { result = e; });
    });
    if (ec) {
      out.error =
          "read: " + ec.message() + (write_error ? " (after write: " + write_error.message() + ")" : "");
      return out;
    }
    auto& message = parser.get();
    out.status = static_cast<int>(message.result_int());
    for (const auto& field : message)
      out.headers.emplace_back(
          Lower(std::string_view(field.name_string().data(), field.name_string().size())),
          std::string(field.value()));
    out.body = std::move(message.body());
    out.keep_alive = message.keep_alive();
    return out;
  }

  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  std::chrono::milliseconds timeout;
  std::string connect_error;
  bool connected = false;
};

HttpConnection::HttpConnection(int port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(timeout)) {
  tcp::endpoint endpoint(net::ip::address_v4::loopback(), static_cast<unsigned short>(port));
  beast::error_code ec = impl_->Run([&](beast::error_code& result) {
    impl_->stream.async_connect(endpoint, [&result](beast::error_code e) { result = e; });
  });
  impl_->connected = !ec;
  if (ec) impl_->connect_error = "connect to 127.0.0.1:" + std::to_string(port) + ": " + ec.message();
}

HttpConnection::~HttpConnection() {
  beast::error_code ec;
  impl_->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  impl_->stream.close();
}

bool HttpConnection::connected() const { return impl_->connected; }
const std::string& HttpConnection::connect_error() const { return impl_->connect_error; }

HttpResponse HttpConnection::Send(const std::string& method, const std::string& target,
                                  const std::string& body, const HttpHeaders& headers) {
  if (!impl_->connected) return HttpResponse{0, {}, {}, impl_->connect_error, false};
  http::request<http::string_body> request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  if (!body.empty() || method == "POST" || method == "PUT") request.prepare_payload();
  beast::error_code write_error = impl_->Run([&](beast::error_code& result) {
    http::async_write(impl_->stream, request, [&result](beast::error_code e, std::size_t) { result = e; });
  });
  return impl_->ReadResponse(write_error);
}

HttpResponse HttpConnection::SendRaw(const std::string& bytes) {
  if (!impl_->connected) return HttpResponse{0, {}, {}, impl_->connect_error, false};
  beast::error_code write_error = impl_->Run([&](beast::error_code& result) {
    net::async_write(impl_->stream, net::buffer(bytes),
                     [&result](beast::error_code e, std::size_t) { result = e; });
  });
  return impl_->ReadResponse(write_error);
}

bool HttpConnection::WaitClosed(std::chrono::milliseconds timeout) {
  if (!impl_->connected) return true;
  auto saved = impl_->timeout;
  impl_->timeout = timeout;
  beast::error_code ec;
  char scratch[4096];
  // Reads until an error: end of stream or reset means closed, a timeout means still open.
  do {
    ec = impl_->Run([&](beast::error_code& result) {
      impl_->stream.async_read_some(net::buffer(scratch),
                                    [&result](beast::error_code e, std::size_t) { result = e; });
    });
  } while (!ec);
  impl_->timeout = saved;
  return ec != beast::error::timeout;
}

HttpResponse Get(int port, const std::string& target) { return HttpConnection(port).Get(target); }

HttpResponse Request(int port, const std::string& method, const std::string& target, const std::string& body,
                     const HttpHeaders& headers) {
  return HttpConnection(port).Send(method, target, body, headers);
}

}  // namespace mw::testing
