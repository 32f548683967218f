// A blocking TCP connection for UA-TCP, and the opc.tcp:// endpoint URL.
//
// One thread reads (ReadChunk) while others write (WriteAll, serialised by the caller); Shutdown()
// from any thread wakes a blocked reader, which then fails with Unavailable. Nagle is off: OPC UA
// is request/response and every message is written whole. Errors name the endpoint.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace mw::opcua {

struct EndpointAddress {
  std::string host;
  int port = 4840;
  std::string path;  // after the port, with its leading '/', may be empty
};
// "opc.tcp://host[:port][/path]"; IPv6 hosts in brackets. InvalidArgument quoting the URL otherwise.
Result<EndpointAddress> ParseEndpointUrl(std::string_view url);

class TcpSocket {
 public:
  TcpSocket() = default;
  ~TcpSocket();
  TcpSocket(TcpSocket&& other) noexcept;
  TcpSocket& operator=(TcpSocket&& other) noexcept;
  TcpSocket(const TcpSocket&) = delete;
  TcpSocket& operator=(const TcpSocket&) = delete;

  static Result<TcpSocket> Connect(const EndpointAddress& address, std::chrono::milliseconds timeout);
  // Wraps an accepted descriptor (the server side).
  static TcpSocket Adopt(int fd, std::string peer);

  bool is_open() const { return fd_ >= 0; }
  const std::string& peer() const { return peer_; }
  Status WriteAll(std::string_view bytes);
  // Reads one UA-TCP chunk: the 8-byte header, then the rest of its size (at most max_size).
  Result<std::string> ReadChunk(std::uint32_t max_size);
  // True once bytes can be read without blocking (some may be buffered already), false after
  // `timeout`; Unavailable if the connection failed.
  Result<bool> WaitReadable(std::chrono::milliseconds timeout);
  // Gives up a blocked read after `timeout` (0 = never).
  void SetReadTimeout(std::chrono::milliseconds timeout);
  void Shutdown();
  void Close();

 private:
  Status ReadExact(char* out, std::size_t n);

  int fd_ = -1;
  std::string peer_;
  std::string in_;  // bytes received but not yet read
  std::size_t in_pos_ = 0;
};

}  // namespace mw::opcua
