#include "opcua/transport/tcp_socket.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "opcua/encoding/binary.h"
#include "opcua/transport/ua_tcp.h"

namespace mw::opcua {
namespace {

std::string Errno() { return std::strerror(errno); }

Status WaitWritable(int fd, std::chrono::milliseconds timeout, const std::string& peer) {
  pollfd p{fd, POLLOUT, 0};
  const int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (n == 0) return Status::Unavailable(fmt::format("{}: no answer within {} ms", peer, timeout.count()));
  if (n < 0) return Status::Unavailable(fmt::format("{}: {}", peer, Errno()));
  int error = 0;
  socklen_t len = sizeof(error);
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
  if (error != 0) return Status::Unavailable(fmt::format("{}: {}", peer, std::strerror(error)));
  return Status::Ok();
}

}  // namespace

Result<EndpointAddress> ParseEndpointUrl(std::string_view url) {
  constexpr std::string_view kScheme = "opc.tcp://";
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(fmt::format("endpoint '{}': {}", url, why));
  };
  if (url.substr(0, kScheme.size()) != kScheme) return bad("must start with opc.tcp://");
  std::string_view rest = url.substr(kScheme.size());
  EndpointAddress address;
  const std::size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    address.path = std::string(rest.substr(slash));
    rest = rest.substr(0, slash);
  }
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad("unclosed '[' in host");
    address.host = std::string(rest.substr(1, close - 1));
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return bad("text after ']'");
    if (!rest.empty()) port = rest.substr(1);
  } else {
    const std::size_t colon = rest.find(':');
    address.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  if (address.host.empty()) return bad("no host");
  if (!port.empty()) {
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), address.port);
    if (ec != std::errc() || end != port.data() + port.size() || address.port <= 0 || address.port > 65535) {
      return bad("port must be 1..65535");
    }
  }
  return address;
}

TcpSocket::~TcpSocket() { Close(); }

TcpSocket::TcpSocket(TcpSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      peer_(std::move(other.peer_)),
      in_(std::move(other.in_)),
      in_pos_(std::exchange(other.in_pos_, 0)) {}

TcpSocket& TcpSocket::operator=(TcpSocket&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
    peer_ = std::move(other.peer_);
    in_ = std::move(other.in_);
    in_pos_ = std::exchange(other.in_pos_, 0);
  }
  return *this;
}

Result<TcpSocket> TcpSocket::Connect(const EndpointAddress& address, std::chrono::milliseconds timeout) {
  const std::string peer = fmt::format("{}:{}", address.host, address.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(address.port);
  if (int rc = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return Status::Unavailable(fmt::format("{}: {}", peer, ::gai_strerror(rc)));
  }
  Status last = Status::Unavailable(fmt::format("{}: no address", peer));
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    TcpSocket socket = Adopt(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol), peer);
    if (!socket.is_open()) {
      last = Status::Unavailable(fmt::format("{}: socket: {}", peer, Errno()));
      continue;
    }
    const int flags = ::fcntl(socket.fd_, F_GETFL);
    ::fcntl(socket.fd_, F_SETFL, flags | O_NONBLOCK);
    if (::connect(socket.fd_, ai->ai_addr, ai->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last = Status::Unavailable(fmt::format("{}: {}", peer, Errno()));
        continue;
      }
      last = WaitWritable(socket.fd_, timeout, peer);
      if (!last.ok()) continue;
    }
    ::fcntl(socket.fd_, F_SETFL, flags);
    const int one = 1;
    ::setsockopt(socket.fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    ::freeaddrinfo(found);
    return socket;
  }
  ::freeaddrinfo(found);
  return last;
}

TcpSocket TcpSocket::Adopt(int fd, std::string peer) {
  TcpSocket socket;
  socket.fd_ = fd;
  socket.peer_ = std::move(peer);
  return socket;
}

Status TcpSocket::WriteAll(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Unavailable(fmt::format("{}: send: {}", peer_, Errno()));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

Status TcpSocket::ReadExact(char* out, std::size_t n) {
  while (n > 0) {
    if (in_pos_ < in_.size()) {
      const std::size_t take = std::min(n, in_.size() - in_pos_);
      std::memcpy(out, in_.data() + in_pos_, take);
      in_pos_ += take;
      out += take;
      n -= take;
      continue;
    }
    // Read whatever is there (up to 64 KiB): a response usually arrives whole, so one recv
    // serves its header and its body.
    in_.resize(65536);
    in_pos_ = 0;
    const ssize_t got = ::recv(fd_, in_.data(), in_.size(), 0);
    if (got <= 0) in_.clear();
    if (got == 0) return Status::Unavailable(fmt::format("{}: connection closed by the peer", peer_));
    if (got < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return Status::Unavailable(fmt::format("{}: read timed out", peer_));
      return Status::Unavailable(fmt::format("{}: recv: {}", peer_, Errno()));
    }
    in_.resize(static_cast<std::size_t>(got));
  }
  return Status::Ok();
}

Result<std::string> TcpSocket::ReadChunk(std::uint32_t max_size) {
  std::string chunk(kMessageHeaderSize, '\0');
  MW_RETURN_IF_ERROR(ReadExact(chunk.data(), kMessageHeaderSize));
  Decoder d(chunk);
  MessageHeader header;
  if (Status s = DecodeMessageHeader(d, max_size, header); !s.ok()) {
    return Status(s.code(), fmt::format("{}: {}", peer_, s.message()));
  }
  chunk.resize(header.size);
  MW_RETURN_IF_ERROR(ReadExact(chunk.data() + kMessageHeaderSize, header.size - kMessageHeaderSize));
  return chunk;
}

Result<bool> TcpSocket::WaitReadable(std::chrono::milliseconds timeout) {
  if (in_pos_ < in_.size()) return true;
  pollfd p{fd_, POLLIN, 0};
  const int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (n < 0 && errno != EINTR) return Status::Unavailable(fmt::format("{}: poll: {}", peer_, Errno()));
  return n > 0;
}

void TcpSocket::SetReadTimeout(std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

void TcpSocket::Shutdown() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

void TcpSocket::Close() {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
}

}  // namespace mw::opcua
