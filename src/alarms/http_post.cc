#include "alarms/http_post.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>
#include <cerrno>
#include <cstring>

namespace mw::alarms {
namespace {

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string Where(const HttpUrl& url) { return "webhook " + url.host + ":" + std::to_string(url.port); }

// Waits for `events` on `fd`; false on timeout or error.
bool WaitFor(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (n < 0 && errno == EINTR) continue;
    return n > 0;
  }
}

Result<int> Connect(const HttpUrl& url, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(url.port);
  if (const int rc = ::getaddrinfo(url.host.c_str(), port.c_str(), &hints, &found); rc != 0)
    return Status::Unavailable(Where(url) + ": cannot resolve: " + ::gai_strerror(rc));
  std::string error = "no address";
  int connected = -1;
  for (addrinfo* a = found; a != nullptr && connected < 0; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      int err = ETIMEDOUT;
      socklen_t len = sizeof err;
      if (WaitFor(fd, POLLOUT, timeout)) ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      errno = err;
      rc = err == 0 ? 0 : -1;
    }
    if (rc == 0) {
      connected = fd;
    } else {
      error = std::strerror(errno);
      ::close(fd);
    }
  }
  ::freeaddrinfo(found);
  if (connected < 0) return Status::Unavailable(Where(url) + ": connect: " + error);
  return connected;
}

}  // namespace

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, 8) == "https://")
    return Status::InvalidArgument("https:// is not supported yet; use http://");
  if (url.substr(0, kScheme.size()) != kScheme)
    return Status::InvalidArgument("expected http://host[:port]/path");
  std::string_view rest = url.substr(kScheme.size());
  HttpUrl out;
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) out.path = std::string(rest.substr(slash));
  const std::size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    const std::string port(authority.substr(colon + 1));
    char* end = nullptr;
    const long p = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || p < 1 || p > 65535)
      return Status::InvalidArgument("port '" + port + "': expected 1 to 65535");
    out.port = static_cast<int>(p);
    authority = authority.substr(0, colon);
  }
  if (authority.size() >= 2 && authority.front() == '[' && authority.back() == ']')
    authority = authority.substr(1, authority.size() - 2);
  if (authority.empty()) return Status::InvalidArgument("no host in the URL");
  out.host = std::string(authority);
  return out;
}

Result<int> HttpPost(const HttpUrl& url, std::string_view body, std::chrono::milliseconds timeout,
                     const std::vector<std::pair<std::string, std::string>>& headers) {
  Result<int> fd = Connect(url, timeout);
  if (!fd.ok()) return fd.status();
  const Socket socket(*fd);
  std::string request =
      "POST " + url.path + " HTTP/1.1\r\nHost: " + url.host + ":" + std::to_string(url.port) +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\nUser-Agent: millwright\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "\r\n";
  request += body;
  std::size_t sent = 0;
  while (sent < request.size()) {
    if (!WaitFor(socket.get(), POLLOUT, timeout))
      return Status::Unavailable(Where(url) + ": could not send within " + std::to_string(timeout.count()) +
                                 " ms");
    const ssize_t n = ::send(socket.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return Status::Unavailable(Where(url) + ": send: " + std::strerror(errno));
    sent += static_cast<std::size_t>(n);
  }
  std::string head;
  char buffer[1024];
  while (head.find("\r\n") == std::string::npos) {
    if (!WaitFor(socket.get(), POLLIN, timeout))
      return Status::Unavailable(Where(url) + ": no response within " + std::to_string(timeout.count()) +
                                 " ms");
    const ssize_t n = ::recv(socket.get(), buffer, sizeof buffer, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return Status::Unavailable(Where(url) + ": receive: " + std::strerror(errno));
    if (n == 0) return Status::Unavailable(Where(url) + ": closed before answering");
    head.append(buffer, static_cast<std::size_t>(n));
    if (head.size() > 8192) break;
  }
  // "HTTP/1.1 204 No Content"
  if (head.compare(0, 7, "HTTP/1.") != 0 || head.size() < 12 || head[8] != ' ')
    return Status::InvalidArgument(Where(url) + ": not an HTTP response");
  const int code = std::atoi(head.substr(9, 3).c_str());
  if (code < 100 || code > 599) return Status::InvalidArgument(Where(url) + ": bad status line");
  return code;
}

}  // namespace mw::alarms
