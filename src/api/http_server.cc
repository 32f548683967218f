#include "api/http_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace mw::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), ToLower);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ToLower(x) == ToLower(y); });
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits "host:port" or "[v6]:port". The port must be a number from 0 to 65535.
bool SplitHostPort(std::string_view listen, std::string& host, std::string& port) {
  if (!listen.empty() && listen.front() == '[') {
    std::size_t close = listen.find(']');
    if (close == std::string_view::npos || close + 1 >= listen.size() || listen[close + 1] != ':')
      return false;
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    std::size_t colon = listen.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
    if (host.find(':') != std::string::npos) return false;
  }
  if (host.empty() || port.empty() || port.size() > 5) return false;
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  return std::stoi(port) <= 65535;
}

std::string FormatEndpoint(const tcp::endpoint& endpoint) {
  std::string host = endpoint.address().to_string();
  if (endpoint.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

// Fills path, target and query from the request target. False on a malformed escape.
bool ParseTarget(std::string_view target, Request& request) {
  request.target = std::string(target);
  std::size_t question = target.find('?');
  if (!UrlDecode(target.substr(0, question), request.path, false)) return false;
  if (question == std::string_view::npos) return true;
  std::string_view rest = target.substr(question + 1);
  while (!rest.empty()) {
    std::size_t amp = rest.find('&');
    std::string_view part = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (part.empty()) continue;
    std::size_t eq = part.find('=');
    std::string key, value;
    if (!UrlDecode(part.substr(0, eq), key, true)) return false;
    if (eq != std::string_view::npos && !UrlDecode(part.substr(eq + 1), value, true)) return false;
    request.query.emplace_back(std::move(key), std::move(value));
  }
  return true;
}

std::string_view ToStd(beast::string_view s) { return {s.data(), s.size()}; }

bool IsHttpParseError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kPublic:
      return "public";
    case Role::kViewer:
      return "viewer";
    case Role::kOperator:
      return "operator";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

bool UrlDecode(std::string_view in, std::string& out, bool plus_is_space) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

std::string UrlEncode(std::string_view in, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~' || (c == '/' && keep_slash);
    if (unreserved) {
      out.push_back(c);
    } else {
      auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    }
  }
  return out;
}

const std::string* Request::Query(std::string_view name) const {
  for (const auto& [key, value] : query)
    if (key == name) return &value;
  return nullptr;
}

const std::string* Request::Header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (EqualsIgnoreCase(key, name)) return &value;
  return nullptr;
}

Response Response::Json(int status, std::string body) {
  return Response{status, "application/json", {}, std::move(body)};
}

Response Response::Text(int status, std::string body, std::string content_type) {
  return Response{status, std::move(content_type), {}, std::move(body)};
}

Response Response::Html(int status, std::string body) {
  return Response{status, "text/html; charset=utf-8", {}, std::move(body)};
}

Response Response::Error(int status, std::string_view code, std::string_view message) {
  nlohmann::json body = {{"error", {{"code", std::string(code)}, {"message", std::string(message)}}}};
  // Messages can quote client input, which need not be valid UTF-8.
  return Json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void Router::Add(Route route) {
  if (route.method.empty() || route.path.empty() || route.path.front() != '/' || !route.handler)
    throw std::logic_error("route needs a method, a path starting with '/' and a handler");
  if (route.match == Route::Match::kPrefix && route.path.back() != '/')
    throw std::logic_error("prefix route '" + route.path + "' must end with '/'");
  for (const Route& r : routes_) {
    if (r.method == route.method && r.path == route.path && r.match == route.match)
      throw std::logic_error("duplicate route " + route.method + " " + route.path);
  }
  routes_.push_back(std::move(route));
}

void Router::Get(std::string path, Role role, std::string summary, Handler handler) {
  Add(Route{"GET", std::move(path), Route::Match::kExact, role, std::move(summary), std::move(handler)});
}

void Router::GetPrefix(std::string prefix, Role role, std::string summary, Handler handler) {
  Add(Route{"GET", std::move(prefix), Route::Match::kPrefix, role, std::move(summary), std::move(handler)});
}

Router::Found Router::Find(std::string_view method, std::string_view path) const {
  std::vector<const Route*> candidates;
  for (const Route& r : routes_)
    if (r.match == Route::Match::kExact && r.path == path) candidates.push_back(&r);
  std::size_t prefix_length = 0;
  if (candidates.empty()) {
    for (const Route& r : routes_) {
      if (r.match != Route::Match::kPrefix || !path.starts_with(r.path) || r.path.size() < prefix_length)
        continue;
      if (r.path.size() > prefix_length) candidates.clear();
      prefix_length = r.path.size();
      candidates.push_back(&r);
    }
  }
  Found found;
  found.path_known = !candidates.empty();
  for (const Route* r : candidates) {
    if (r->method == method) found.route = r;
    if (!found.allow.empty()) found.allow += ", ";
    found.allow += r->method;
  }
  if (found.route && found.route->match == Route::Match::kPrefix) found.tail = path.substr(prefix_length);
  return found;
}

Response Router::Dispatch(Request& request) const {
  Found found = Find(request.method, request.path);
  if (!found.route) {
    if (!found.path_known) return Response::Error(404, "not_found", "no route for path " + request.path);
    Response response = Response::Error(405, "method_not_allowed",
                                        "method " + request.method + " is not allowed on " + request.path +
                                            " (allowed: " + found.allow + ")");
    response.headers.emplace_back("Allow", found.allow);
    return response;
  }
  request.tail = std::move(found.tail);
  try {
    return found.route->handler(request);
  } catch (const std::exception& e) {
    spdlog::error("api: {} {} failed: {}", request.method, request.target, e.what());
  } catch (...) {
    spdlog::error("api: {} {} failed with an unknown exception", request.method, request.target);
  }
  return Response::Error(500, "internal_error",
                         "the server failed to handle " + request.method + " " + request.path +
                             "; the server log has the details");
}

namespace {

class Session;

// The server's state, shared by the connections. HttpServer::Impl is this under its private name.
struct ServerCore {
  ServerCore(HttpServerOptions opts, const Router& r)
      : options(std::move(opts)), router(r), ioc(std::max(1, options.threads)) {}

  void Accept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  // False once the server is stopping: the caller drops the session, which closes the socket.
  bool Register(const std::shared_ptr<Session>& session);
  void Unregister(Session* session);
  std::vector<std::shared_ptr<Session>> LiveSessions();
  bool stopping() const { return stopping_flag.load(std::memory_order_acquire); }

  const HttpServerOptions options;
  const Router& router;

  // Declared before the io_context: handlers still queued when it is destroyed hold sessions,
  // whose destructors unregister here.
  std::mutex mu;
  std::condition_variable drained;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
  bool started = false;
  bool stopped = false;
  std::atomic<bool> stopping_flag{false};
  int port = 0;
  std::string address;

  net::io_context ioc;
  tcp::acceptor acceptor{net::make_strand(ioc)};
  net::steady_timer accept_retry{acceptor.get_executor()};
  std::vector<std::thread> threads;
};

// One connection: reads a request, dispatches it, writes the response, and repeats while the
// client keeps the connection alive. Everything runs on the connection's strand, so the members
// need no lock; Stop() reaches it through PostShutdown() and PostForceClose().
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ServerCore& server) : stream_(std::move(socket)), server_(server) {
    beast::error_code ec;
    tcp::endpoint remote = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      remote_address_ = remote.address().to_string();
      remote_port_ = remote.port();
    }
  }
  ~Session() { server_.Unregister(this); }

  void Start() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::Read, shared_from_this()));
  }

  // Graceful: an idle connection closes now; one with a request in hand closes after writing it.
  void PostShutdown() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->stopping_ = true;
      if (!self->busy_) self->Close();
    });
  }

  void PostForceClose() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->Close(); });
  }

 private:
  void Read() {
    busy_ = false;
    if (stopping_ || server_.stopping()) return Close();
    parser_.emplace();
    parser_->body_limit(server_.options.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.header_limit));
    stream_.expires_after(server_.options.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    busy_ = true;
    if (ec == http::error::body_limit)
      return WriteFinal(Response::Error(413, "body_too_large",
                                        "request body is larger than the limit of " +
                                            std::to_string(server_.options.body_limit) + " bytes"));
    if (ec == http::error::header_limit)
      return WriteFinal(Response::Error(431, "headers_too_large",
                                        "request headers are larger than the limit of " +
                                            std::to_string(server_.options.header_limit) + " bytes"));
    if (ec && IsHttpParseError(ec) && ec != http::error::end_of_stream && ec != http::error::partial_message)
      return WriteFinal(Response::Error(400, "bad_request", "malformed HTTP request: " + ec.message()));
    if (ec) return Close();  // peer closed, timed out, or the server is stopping
    Handle(parser_->release());
  }

  void Handle(http::request<http::string_body> message) {
    Request request;
    request.method = std::string(message.method_string());
    request.remote_address = remote_address_;
    request.remote_port = remote_port_;
    for (const auto& field : message)
      request.headers.emplace_back(Lower(ToStd(field.name_string())), std::string(field.value()));
    request.body = std::move(message.body());
    Response response =
        ParseTarget(ToStd(message.target()), request)
            ? server_.router.Dispatch(request)
            : Response::Error(400, "bad_request", "malformed percent-encoding in the request target");
    spdlog::debug("api: {} {} {} -> {}", remote_address_, request.method, request.target, response.status);
    // A stop that began during the handler has not reached this strand yet; the flag has.
    bool keep_alive = message.keep_alive() && !stopping_ && !server_.stopping();
    Write(std::move(response), message.version(), keep_alive);
  }

  // Answers and then closes: after a parse error the rest of the stream cannot be trusted.
  void WriteFinal(Response response) { Write(std::move(response), 11, false); }

  void Write(Response response, unsigned version, bool keep_alive) {
    response_.emplace(static_cast<http::status>(response.status), version);
    response_->set(http::field::server, "millwright");
    response_->set(http::field::content_type,
                   response.content_type.empty() ? "text/plain; charset=utf-8" : response.content_type);
    for (const auto& [name, value] : response.headers) response_->set(name, value);
    response_->body() = std::move(response.body);
    response_->keep_alive(keep_alive);
    response_->prepare_payload();
    stream_.expires_after(server_.options.write_timeout);
    http::async_write(stream_, *response_, beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, std::size_t) {
    bool keep_alive = response_->keep_alive();
    response_.reset();
    if (ec || !keep_alive) return Close();
    Read();
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  ServerCore& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  std::string remote_address_;
  int remote_port_ = 0;
  bool busy_ = false;      // a request is being handled or its response written
  bool stopping_ = false;  // the server asked this connection to finish
};

void ServerCore::Accept() {
  acceptor.async_accept(net::make_strand(ioc), beast::bind_front_handler(&ServerCore::OnAccept, this));
}

void ServerCore::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (!acceptor.is_open() || ec == net::error::operation_aborted) return;
  if (ec) {
    // Typically out of file descriptors: pause instead of spinning on the same error.
    spdlog::warn("api: accept failed: {}", ec.message());
    accept_retry.expires_after(std::chrono::milliseconds(100));
    accept_retry.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && acceptor.is_open()) Accept();
    });
    return;
  }
  auto session = std::make_shared<Session>(std::move(socket), *this);
  if (Register(session)) session->Start();
  Accept();
}

bool ServerCore::Register(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(mu);
  if (stopping()) return false;
  sessions.emplace(session.get(), session);
  return true;
}

void ServerCore::Unregister(Session* session) {
  std::lock_guard lock(mu);
  if (sessions.erase(session) > 0 && sessions.empty()) drained.notify_all();
}

std::vector<std::shared_ptr<Session>> ServerCore::LiveSessions() {
  std::lock_guard lock(mu);
  std::vector<std::shared_ptr<Session>> live;
  for (auto& [ptr, weak] : sessions)
    if (auto session = weak.lock()) live.push_back(std::move(session));
  return live;
}

}  // namespace

struct HttpServer::Impl : ServerCore {
  using ServerCore::ServerCore;
};

HttpServer::HttpServer(HttpServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  Impl& s = *impl_;
  std::lock_guard lock(s.mu);
  if (s.started || s.stopped) return Status::FailedPrecondition("HTTP server was already started");
  const std::string& listen = s.options.listen;
  std::string host, port;
  if (!SplitHostPort(listen, host, port))
    return Status::InvalidArgument("listen address '" + listen +
                                   "': expected host:port, e.g. 127.0.0.1:8080");
  beast::error_code ec;
  tcp::resolver resolver(s.ioc);
  auto endpoints = resolver.resolve(host, port, tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty())
    return Status::InvalidArgument("listen address '" + listen + "': cannot resolve host: " + ec.message());
  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  auto fail = [&](const char* what) {
    beast::error_code ignored;
    s.acceptor.close(ignored);
    return Status::Unavailable("cannot " + std::string(what) + " " + listen + ": " + ec.message());
  };
  if (s.acceptor.open(endpoint.protocol(), ec); ec) return fail("open a socket for");
  if (s.acceptor.set_option(net::socket_base::reuse_address(true), ec); ec) return fail("configure");
  if (s.acceptor.bind(endpoint, ec); ec) return fail("bind");
  if (s.acceptor.listen(net::socket_base::max_listen_connections, ec); ec) return fail("listen on");
  tcp::endpoint bound = s.acceptor.local_endpoint(ec);
  if (ec) return fail("read the address of");
  s.port = bound.port();
  s.address = FormatEndpoint(bound);
  s.started = true;
  s.Accept();
  for (int i = 0; i < std::max(1, s.options.threads); ++i) {
    s.threads.emplace_back([&s] {
      for (;;) {
        try {
          s.ioc.run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("api: I/O thread caught: {}", e.what());
        }
      }
    });
  }
  spdlog::info("api: listening on http://{}", s.address);
  return Status::Ok();
}

void HttpServer::Stop() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.mu);
    if (s.stopped) return;
    s.stopped = true;
    s.stopping_flag.store(true, std::memory_order_release);
    if (!s.started) return;
  }
  net::post(s.acceptor.get_executor(), [&s] {
    beast::error_code ec;
    s.acceptor.close(ec);
    s.accept_retry.cancel();
  });
  for (auto& session : s.LiveSessions()) session->PostShutdown();
  auto all_gone = [&s] { return s.sessions.empty(); };
  std::unique_lock lock(s.mu);
  if (!s.drained.wait_for(lock, s.options.stop_grace, all_gone)) {
    lock.unlock();
    spdlog::warn("api: closing connections still busy after {} ms", s.options.stop_grace.count());
    for (auto& session : s.LiveSessions()) session->PostForceClose();
    lock.lock();
    s.drained.wait_for(lock, std::chrono::seconds(1), all_gone);
  }
  lock.unlock();
  s.ioc.stop();
  for (auto& thread : s.threads) thread.join();
  s.threads.clear();
  beast::error_code ec;
  s.acceptor.close(ec);
  spdlog::info("api: stopped listening on http://{}", s.address);
}

int HttpServer::port() const {
  std::lock_guard lock(impl_->mu);
  return impl_->port;
}

std::string HttpServer::address() const {
  std::lock_guard lock(impl_->mu);
  return impl_->address;
}

}  // namespace mw::api
