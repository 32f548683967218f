#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>

namespace mw::bench::historian {
namespace {

constexpr std::size_t kReadChunk = 1 << 20;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string UrlEncode(std::string_view s) {
  static const char* const kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

HttpClient::~HttpClient() { Close(); }

void HttpClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buf_.clear();
  pos_ = 0;
}

Status HttpClient::Connect() {
  Close();
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return Status::IoError(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval timeout{600, 0};  // a stuck peer fails the run instead of hanging it
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port_));
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    Status s =
        Status::Unavailable("connect 127.0.0.1:" + std::to_string(port_) + ": " + std::strerror(errno));
    Close();
    return s;
  }
  ++connects_;
  return Status::Ok();
}

Result<HttpResponse> HttpClient::Get(std::string_view target) {
  std::string head = "GET ";
  head.append(target);
  head += " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n";
  return RoundTrip(head, {});
}

Result<HttpResponse> HttpClient::Post(std::string_view target, std::string_view body,
                                      std::string_view content_type) {
  std::string head = "POST ";
  head.append(target);
  head += " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ";
  head.append(content_type);
  head += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  return RoundTrip(head, body);
}

Result<HttpResponse> HttpClient::RoundTrip(std::string_view head, std::string_view body) {
  // A kept-alive connection the server closed while idle fails on first use: retry once, fresh.
  for (int attempt = 0;; ++attempt) {
    const bool fresh = fd_ < 0;
    if (fresh) MW_RETURN_IF_ERROR(Connect());
    Status sent = SendAll(head, body);
    HttpResponse response;
    bool keep_alive = true;
    Status read = sent.ok() ? ReadResponse(response, keep_alive) : sent;
    if (read.ok()) {
      if (!keep_alive) Close();
      return response;
    }
    Close();
    if (fresh || attempt > 0) return read;
  }
}

Status HttpClient::SendAll(std::string_view head, std::string_view body) {
  iovec iov[2] = {{const_cast<char*>(head.data()), head.size()},
                  {const_cast<char*>(body.data()), body.size()}};
  std::size_t total = head.size() + body.size(), done = 0;
  while (done < total) {
    // Skip what was sent already.
    std::size_t skip = done;
    iovec parts[2];
    int count = 0;
    for (auto& v : iov) {
      if (skip >= v.iov_len) {
        skip -= v.iov_len;
        continue;
      }
      parts[count++] = {static_cast<char*>(v.iov_base) + skip, v.iov_len - skip};
      skip = 0;
    }
    msghdr msg{};
    msg.msg_iov = parts;
    msg.msg_iovlen = static_cast<std::size_t>(count);
    ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IoError(std::string("send: ") + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

Status HttpClient::Fill() {
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  const std::size_t old = buf_.size();
  buf_.resize(old + kReadChunk);
  ssize_t n;
  do {
    n = ::recv(fd_, buf_.data() + old, kReadChunk, 0);
  } while (n < 0 && errno == EINTR);
  buf_.resize(old + static_cast<std::size_t>(n > 0 ? n : 0));
  if (n < 0) return Status::IoError(std::string("recv: ") + std::strerror(errno));
  if (n == 0) return Status::Unavailable("connection closed by 127.0.0.1:" + std::to_string(port_));
  return Status::Ok();
}

Result<std::string> HttpClient::ReadLine() {
  for (;;) {
    std::size_t eol = buf_.find("\r\n", pos_);
    if (eol != std::string::npos) {
      std::string line = buf_.substr(pos_, eol - pos_);
      pos_ = eol + 2;
      return line;
    }
    if (buf_.size() - pos_ > (1 << 16)) return Status::IoError("HTTP header line too long");
    MW_RETURN_IF_ERROR(Fill());
  }
}

Status HttpClient::ReadExactly(std::size_t n, std::string& out) {
  while (buf_.size() - pos_ < n) {
    // Large bodies: move what we have out, then read straight on.
    const std::size_t have = buf_.size() - pos_;
    out.append(buf_, pos_, have);
    n -= have;
    buf_.clear();
    pos_ = 0;
    MW_RETURN_IF_ERROR(Fill());
  }
  out.append(buf_, pos_, n);
  pos_ += n;
  return Status::Ok();
}

Status HttpClient::ReadResponse(HttpResponse& out, bool& keep_alive) {
  auto status_line = ReadLine();
  if (!status_line.ok()) return status_line.status();
  // "HTTP/1.1 204 No Content"
  if (status_line->compare(0, 5, "HTTP/") != 0 || status_line->size() < 12)
    return Status::IoError("bad HTTP status line: " + *status_line);
  keep_alive = status_line->compare(0, 8, "HTTP/1.0") != 0;
  std::from_chars(status_line->data() + 9, status_line->data() + 12, out.status);
  std::optional<std::size_t> length;
  bool chunked = false;
  for (;;) {
    auto line = ReadLine();
    if (!line.ok()) return line.status();
    if (line->empty()) break;
    std::size_t colon = line->find(':');
    if (colon == std::string::npos) continue;
    std::string_view name(line->data(), colon);
    std::string_view value = Trim(std::string_view(*line).substr(colon + 1));
    if (EqualsIgnoreCase(name, "content-length")) {
      std::size_t n = 0;
      std::from_chars(value.data(), value.data() + value.size(), n);
      length = n;
    } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
      chunked = value.find("chunked") != std::string_view::npos;
    } else if (EqualsIgnoreCase(name, "connection")) {
      if (EqualsIgnoreCase(value, "close")) keep_alive = false;
      if (EqualsIgnoreCase(value, "keep-alive")) keep_alive = true;
    }
  }
  if (out.status == 204 || out.status == 304 || out.status / 100 == 1) return Status::Ok();
  if (chunked) {
    for (;;) {
      auto size_line = ReadLine();
      if (!size_line.ok()) return size_line.status();
      std::size_t size = 0;
      auto r = std::from_chars(size_line->data(), size_line->data() + size_line->size(), size, 16);
      if (r.ec != std::errc()) return Status::IoError("bad chunk size: " + *size_line);
      if (size == 0) {
        // Trailers, then an empty line.
        for (;;) {
          auto trailer = ReadLine();
          if (!trailer.ok()) return trailer.status();
          if (trailer->empty()) break;
        }
        return Status::Ok();
      }
      MW_RETURN_IF_ERROR(ReadExactly(size, out.body));
      auto crlf = ReadLine();
      if (!crlf.ok()) return crlf.status();
    }
  }
  if (length) return ReadExactly(*length, out.body);
  // Neither: the body runs to the end of the connection.
  keep_alive = false;
  out.body.append(buf_, pos_, std::string::npos);
  buf_.clear();
  pos_ = 0;
  for (;;) {
    Status s = Fill();
    out.body.append(buf_);
    buf_.clear();
    if (!s.ok()) return s.code() == StatusCode::kUnavailable ? Status::Ok() : s;
  }
}

}  // namespace mw::bench::historian
