// The client end of a secure channel: a TCP connection, Hello/Acknowledge, OpenSecureChannel, and
// then request/response over MSG chunks, with the token renewed before it expires.
//
// Open() returns once the channel is usable. Send() may be called from any thread; the response
// (the body after the sequence header: the NodeId of its encoding, then the structure) or the
// failure reaches `done` exactly once, on whichever thread reads the socket at that moment, the
// timer thread (timeouts) or the closing thread. Callbacks must be quick and must not call
// Close() or Call().
//
// Who reads the socket: one thread at a time. A thread blocked in Call() reads for itself when
// nobody else is reading (leader/follower: its response comes back with no thread hand-off, which
// halves the context switches of sequential requests); the channel's reader thread reads only
// while asynchronous answers (Send()'s, a token renewal) are awaited. Whoever reads delivers every
// response it meets to its owner.
//
// The channel renews its token at 75% of the lifetime the server granted. When the connection
// breaks, or the server sends ERR, every pending request fails with Unavailable naming the cause
// and `on_closed` runs once; the channel is then dead and a new one must be opened (the session
// layer does that). Close() sends CloseSecureChannel and waits for the threads; the destructor
// closes too.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"
#include "opcua/encoding/status_code_names.h"
#include "opcua/services/codec.h"
#include "opcua/transport/secure_channel.h"
#include "opcua/transport/tcp_socket.h"
#include "opcua/transport/ua_tcp.h"

namespace mw::opcua {

struct ChannelOptions {
  std::string endpoint_url;
  ChannelSecurity security;
  TransportLimits limits;  // what we announce in Hello
  std::chrono::milliseconds connect_timeout{5000};
  std::uint32_t requested_lifetime_ms = 600'000;
};

class ClientChannel {
 public:
  using Callback = std::function<void(Result<std::string>)>;

  static Result<std::unique_ptr<ClientChannel>> Open(ChannelOptions options,
                                                     std::function<void(const Status&)> on_closed = {});
  ~ClientChannel();
  ClientChannel(const ClientChannel&) = delete;
  ClientChannel& operator=(const ClientChannel&) = delete;

  void Send(std::string_view request, std::chrono::milliseconds timeout, Callback done);
  // Blocks until the response arrives or `timeout` passes.
  Result<std::string> Call(std::string_view request, std::chrono::milliseconds timeout);
  void Close();

  bool is_open() const { return !closed_.load(); }
  const NegotiatedLimits& limits() const { return limits_; }
  std::uint32_t channel_id() const { return channel_id_; }
  const std::string& endpoint_url() const { return options_.endpoint_url; }
  // Largest request body sent in one chunk; messages above it are chunked.
  std::size_t MaxChunkBody() const;
  std::uint64_t renewals() const { return renewals_.load(); }

 private:
  struct Pending {
    Callback done;
    std::chrono::steady_clock::time_point deadline;
    bool async = true;  // Send() (the reader thread waits for it), not Call()
  };

  ClientChannel(ChannelOptions options, TcpSocket socket, NegotiatedLimits limits, SecureChannelCodec codec);
  Status OpenSecureChannel(bool renew);
  Result<std::string> OpenRequest(bool renew, std::string& client_nonce) const;
  Status AcceptOpenResponse(const std::string& body, const std::string& client_nonce);
  Status SendChunks(MessageType type, std::uint32_t request_id, std::string_view body);
  void SendRequest(std::string_view request, std::chrono::milliseconds timeout, Callback done, bool async);
  // Reads and delivers at most one chunk, waiting up to `wait` for it; false once the channel
  // has failed.
  bool ReceiveOne(std::chrono::milliseconds wait);
  void ReadLoop();
  void TimerLoop();
  void Fail(const Status& status);
  void Deliver(std::uint32_t request_id, Result<std::string> result);

  ChannelOptions options_;
  TcpSocket socket_;
  NegotiatedLimits limits_;
  std::function<void(const Status&)> on_closed_;

  std::mutex send_mu_;  // guards codec_ encoding, token installs and socket writes
  SecureChannelCodec codec_;
  std::atomic<std::uint32_t> next_request_id_{1};
  std::uint32_t channel_id_ = 0;
  std::string renew_nonce_;  // client nonce of the renewal in flight
  std::uint32_t renew_request_id_ = 0;

  std::mutex pending_mu_;
  std::condition_variable timer_cv_;
  std::map<std::uint32_t, Pending> pending_;
  int async_pending_ = 0;   // Send() requests and renewals not yet answered
  bool receiving_ = false;  // a thread is reading the socket
  std::condition_variable receive_cv_;
  std::chrono::steady_clock::time_point renew_at_;
  std::atomic<std::uint64_t> renewals_{0};

  std::atomic<bool> closed_{false};
  std::atomic<bool> stopping_{false};
  std::thread reader_;
  std::thread timer_;
};

// Decodes a response body of type Response. A ServiceFault, or a response whose service result is
// bad, fails with FailedPrecondition named after the result ("BadSessionIdInvalid"), which is also
// left in `service_result` so that callers can react to particular codes.
template <typename Response>
Status DecodeServiceResponse(const std::string& body, Response& response, std::uint32_t& service_result) {
  Decoder d(body);
  std::uint32_t type = 0;
  MW_RETURN_IF_ERROR(PeekMessageType(d, type));
  if (type == ServiceFault::kBinaryEncodingId) {
    ServiceFault fault;
    MW_RETURN_IF_ERROR(Decode(d, fault));
    service_result = fault.response_header.service_result.code;
    return Status::FailedPrecondition(StatusCodeName(service_result));
  }
  if (type != Response::kBinaryEncodingId) {
    return Status::Corruption("unexpected response type " + std::to_string(type));
  }
  MW_RETURN_IF_ERROR(Decode(d, response));
  service_result = response.response_header.service_result.code;
  if (response.response_header.service_result.IsBad())
    return Status::FailedPrecondition(StatusCodeName(service_result));
  return Status::Ok();
}

}  // namespace mw::opcua
