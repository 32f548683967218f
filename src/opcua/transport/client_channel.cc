#include "opcua/transport/client_channel.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <future>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "opcua/encoding/datetime.h"
#include "opcua/encoding/status_code_names.h"
#include "opcua/services/codec.h"

namespace mw::opcua {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kTimerTick = std::chrono::milliseconds(50);
constexpr auto kOpenTimeout = std::chrono::milliseconds(10'000);
// How long one reader waits for a chunk before it looks again at what it is waiting for.
constexpr auto kLeaderPoll = std::chrono::milliseconds(20);
constexpr auto kReaderPoll = std::chrono::milliseconds(100);

Status ServerError(const std::string& endpoint, const std::string& chunk) {
  Decoder d(std::string_view(chunk).substr(kMessageHeaderSize));
  TcpError error;
  if (Status s = DecodeTcpError(d, error); !s.ok()) return s;
  return Status::Unavailable(
      fmt::format("{}: server error {}: {}", endpoint, StatusCodeName(error.error), error.reason));
}

bool IsErrorChunk(const std::string& chunk) { return chunk.compare(0, 3, "ERR") == 0; }

}  // namespace

ClientChannel::ClientChannel(ChannelOptions options, TcpSocket socket, NegotiatedLimits limits,
                             SecureChannelCodec codec)
    : options_(std::move(options)), socket_(std::move(socket)), limits_(limits), codec_(std::move(codec)) {}

ClientChannel::~ClientChannel() { Close(); }

Result<std::unique_ptr<ClientChannel>> ClientChannel::Open(ChannelOptions options,
                                                           std::function<void(const Status&)> on_closed) {
  Result<EndpointAddress> address = ParseEndpointUrl(options.endpoint_url);
  if (!address.ok()) return address.status();
  Result<TcpSocket> socket = TcpSocket::Connect(*address, options.connect_timeout);
  if (!socket.ok()) return socket.status();
  socket->SetReadTimeout(kOpenTimeout);

  MW_RETURN_IF_ERROR(socket->WriteAll(EncodeHello({options.limits, options.endpoint_url})));
  Result<std::string> ack_chunk = socket->ReadChunk(options.limits.receive_buffer_size);
  if (!ack_chunk.ok()) return ack_chunk.status();
  if (IsErrorChunk(*ack_chunk)) return ServerError(options.endpoint_url, *ack_chunk);
  Decoder d(*ack_chunk);
  MessageHeader header;
  MW_RETURN_IF_ERROR(DecodeMessageHeader(d, 0, header));
  if (header.type != MessageType::kAcknowledge) {
    return Status::Corruption(
        fmt::format("{}: expected ACK, got {}", options.endpoint_url, MessageTypeTag(header.type)));
  }
  TransportLimits ack;
  MW_RETURN_IF_ERROR(DecodeAcknowledge(d, ack));
  Result<NegotiatedLimits> limits = ClientLimits(options.limits, ack);
  if (!limits.ok())
    return Status::Unavailable(fmt::format("{}: {}", options.endpoint_url, limits.status().message()));

  Result<SecureChannelCodec> codec = SecureChannelCodec::Create(options.security, *limits);
  if (!codec.ok()) return codec.status();
  std::unique_ptr<ClientChannel> channel(
      new ClientChannel(std::move(options), std::move(socket).value(), *limits, std::move(codec).value()));
  channel->on_closed_ = std::move(on_closed);
  MW_RETURN_IF_ERROR(channel->OpenSecureChannel(false));
  channel->reader_ = std::thread([c = channel.get()] { c->ReadLoop(); });
  channel->timer_ = std::thread([c = channel.get()] { c->TimerLoop(); });
  return channel;
}

Result<std::string> ClientChannel::OpenRequest(bool renew, std::string& client_nonce) const {
  const security::Policy& policy = *options_.security.policy;
  client_nonce = policy.IsNone() ? std::string() : security::RandomBytes(policy.nonce_length);
  OpenSecureChannelRequest request;
  request.request_header.timestamp = DateTimeFromTimestamp(SystemClock::Instance().Now());
  request.request_header.timeout_hint = static_cast<std::uint32_t>(kOpenTimeout.count());
  request.client_protocol_version = 0;
  request.request_type = renew ? SecurityTokenRequestType::kRenew : SecurityTokenRequestType::kIssue;
  request.security_mode = static_cast<std::uint32_t>(options_.security.mode);
  request.client_nonce = ByteString{policy.IsNone() ? std::nullopt : std::optional(client_nonce)};
  request.requested_lifetime = options_.requested_lifetime_ms;
  std::string body;
  Encoder e(body);
  MW_RETURN_IF_ERROR(EncodeMessage(e, request));
  return body;
}

Status ClientChannel::AcceptOpenResponse(const std::string& body, const std::string& client_nonce) {
  OpenSecureChannelResponse response;
  std::uint32_t service_result = 0;
  if (Status s = DecodeServiceResponse(body, response, service_result); !s.ok()) {
    return Status(s.code(), fmt::format("{}: OpenSecureChannel: {}", options_.endpoint_url, s.message()));
  }
  const ChannelSecurityToken& token = response.security_token;
  if (channel_id_ != 0 && token.channel_id != channel_id_) {
    return Status::Corruption(fmt::format("{}: renewal moved the channel from id {} to {}",
                                          options_.endpoint_url, channel_id_, token.channel_id));
  }
  const std::string server_nonce = response.server_nonce.bytes.value_or("");
  const security::Policy& policy = *options_.security.policy;
  if (!policy.IsNone() && server_nonce.size() != policy.nonce_length) {
    return Status::FailedPrecondition(fmt::format("{}: server nonce of {} bytes, policy {} needs {}",
                                                  options_.endpoint_url, server_nonce.size(), policy.name,
                                                  policy.nonce_length));
  }
  channel_id_ = token.channel_id;
  codec_.set_channel_id(token.channel_id);
  codec_.InstallToken(token.token_id, client_nonce, server_nonce);
  const auto lifetime = std::chrono::milliseconds(std::max<std::uint32_t>(token.revised_lifetime, 1000));
  std::lock_guard lock(pending_mu_);
  renew_at_ = Clock::now() + lifetime * 3 / 4;
  return Status::Ok();
}

Status ClientChannel::OpenSecureChannel(bool renew) {
  std::string client_nonce;
  Result<std::string> body = OpenRequest(renew, client_nonce);
  if (!body.ok()) return body.status();
  const std::uint32_t request_id = next_request_id_++;
  {
    std::lock_guard lock(send_mu_);
    Result<std::vector<std::string>> chunks = codec_.EncodeOpen(request_id, *body);
    if (!chunks.ok()) return chunks.status();
    for (const std::string& chunk : *chunks) MW_RETURN_IF_ERROR(socket_.WriteAll(chunk));
    if (renew) {
      renew_nonce_ = client_nonce;
      renew_request_id_ = request_id;
      return Status::Ok();
    }
  }
  // The first OPN: read its answer here, before the reader thread exists.
  while (true) {
    Result<std::string> chunk = socket_.ReadChunk(limits_.receive_buffer_size);
    if (!chunk.ok()) return chunk.status();
    if (IsErrorChunk(*chunk)) return ServerError(options_.endpoint_url, *chunk);
    Result<std::optional<IncomingMessage>> message = codec_.ReceiveChunk(std::move(chunk).value());
    if (!message.ok()) {
      return Status(message.status().code(), fmt::format("{}: OpenSecureChannel: {}", options_.endpoint_url,
                                                         message.status().message()));
    }
    if (!message->has_value()) continue;
    if ((*message)->abort) {
      return Status::Unavailable(
          fmt::format("{}: OpenSecureChannel aborted: {}", options_.endpoint_url, (*message)->abort->reason));
    }
    return AcceptOpenResponse((*message)->body, client_nonce);
  }
}

std::size_t ClientChannel::MaxChunkBody() const { return codec_.MaxSymmetricBody(); }

Status ClientChannel::SendChunks(MessageType type, std::uint32_t request_id, std::string_view body) {
  std::lock_guard lock(send_mu_);
  Result<std::vector<std::string>> chunks = codec_.EncodeSymmetric(type, request_id, body);
  if (!chunks.ok()) return chunks.status();
  for (const std::string& chunk : *chunks) MW_RETURN_IF_ERROR(socket_.WriteAll(chunk));
  return Status::Ok();
}

void ClientChannel::Send(std::string_view request, std::chrono::milliseconds timeout, Callback done) {
  SendRequest(request, timeout, std::move(done), true);
}

void ClientChannel::SendRequest(std::string_view request, std::chrono::milliseconds timeout, Callback done,
                                bool async) {
  if (closed_.load()) {
    done(Status::Unavailable(fmt::format("{}: channel closed", options_.endpoint_url)));
    return;
  }
  const std::uint32_t request_id = next_request_id_++;
  {
    std::lock_guard lock(pending_mu_);
    pending_.emplace(request_id, Pending{std::move(done), Clock::now() + timeout, async});
    if (async) ++async_pending_;
  }
  if (async) receive_cv_.notify_all();
  Status sent = SendChunks(MessageType::kMessage, request_id, request);
  if (sent.ok()) return;
  if (sent.code() == StatusCode::kResourceExhausted) {
    Deliver(request_id, sent);  // too large: this request fails, the channel is fine
    return;
  }
  Fail(sent);
}

Result<std::string> ClientChannel::Call(std::string_view request, std::chrono::milliseconds timeout) {
  struct Slot {
    bool done = false;
    Result<std::string> result = Status::Internal("no result");
  };
  auto slot = std::make_shared<Slot>();
  SendRequest(
      request, timeout,
      [this, slot](Result<std::string> result) {
        {
          std::lock_guard lock(pending_mu_);
          slot->result = std::move(result);
          slot->done = true;
        }
        receive_cv_.notify_all();
      },
      false);
  // The caller reads the socket itself when nobody else does (no thread hand-off on the way
  // back); otherwise whoever reads delivers its response and wakes it.
  std::unique_lock lock(pending_mu_);
  while (!slot->done) {
    if (receiving_) {
      receive_cv_.wait(lock);
      continue;
    }
    receiving_ = true;
    lock.unlock();
    ReceiveOne(kLeaderPoll);
    lock.lock();
    receiving_ = false;
    receive_cv_.notify_all();
  }
  return std::move(slot->result);
}

void ClientChannel::Deliver(std::uint32_t request_id, Result<std::string> result) {
  Callback done;
  {
    std::lock_guard lock(pending_mu_);
    auto it = pending_.find(request_id);
    if (it == pending_.end()) return;  // timed out already
    done = std::move(it->second.done);
    if (it->second.async) --async_pending_;
    pending_.erase(it);
  }
  done(std::move(result));
}

bool ClientChannel::ReceiveOne(std::chrono::milliseconds wait) {
  if (closed_.load()) return false;
  Result<bool> readable = socket_.WaitReadable(wait);
  if (!readable.ok()) {
    Fail(readable.status());
    return false;
  }
  if (!*readable) return true;
  Result<std::string> chunk = socket_.ReadChunk(limits_.receive_buffer_size);
  if (!chunk.ok()) {
    Fail(chunk.status());
    return false;
  }
  if (IsErrorChunk(*chunk)) {
    Fail(ServerError(options_.endpoint_url, *chunk));
    return false;
  }
  Result<std::optional<IncomingMessage>> message = codec_.ReceiveChunk(std::move(chunk).value());
  if (!message.ok()) {
    Fail(Status(message.status().code(),
                fmt::format("{}: {}", options_.endpoint_url, message.status().message())));
    return false;
  }
  if (!message->has_value()) return true;
  IncomingMessage& m = **message;
  if (m.abort) {
    Deliver(m.request_id,
            Status::Unavailable(fmt::format("{}: server aborted the response: {}: {}", options_.endpoint_url,
                                            StatusCodeName(m.abort->error), m.abort->reason)));
  } else if (m.type == MessageType::kOpen) {
    Status accepted;
    {
      std::lock_guard lock(send_mu_);
      accepted = AcceptOpenResponse(m.body, renew_nonce_);
    }
    {
      std::lock_guard lock(pending_mu_);
      --async_pending_;  // the renewal
    }
    if (!accepted.ok()) {
      Fail(accepted);
      return false;
    }
    ++renewals_;
  } else {
    Deliver(m.request_id, std::move(m.body));
  }
  return true;
}

// Reads while asynchronous answers are awaited (Publish responses, a token renewal) and no
// caller is reading for its own response.
void ClientChannel::ReadLoop() {
  std::unique_lock lock(pending_mu_);
  while (!stopping_.load() && !closed_.load()) {
    receive_cv_.wait_for(lock, kReaderPoll, [this] {
      return stopping_.load() || closed_.load() || (async_pending_ > 0 && !receiving_);
    });
    if (stopping_.load() || closed_.load()) return;
    if (async_pending_ <= 0 || receiving_) continue;
    receiving_ = true;
    lock.unlock();
    const bool alive = ReceiveOne(kReaderPoll);
    lock.lock();
    receiving_ = false;
    receive_cv_.notify_all();
    if (!alive) return;
  }
}

void ClientChannel::TimerLoop() {
  std::unique_lock lock(pending_mu_);
  while (!stopping_.load() && !closed_.load()) {
    timer_cv_.wait_for(lock, kTimerTick);
    const auto now = Clock::now();
    std::vector<Callback> expired;
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->second.deadline <= now) {
        if (it->second.async) --async_pending_;
        expired.push_back(std::move(it->second.done));
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
    const bool renew = now >= renew_at_;
    if (renew) {
      renew_at_ = now + std::chrono::hours(24);  // re-armed by the response
      ++async_pending_;                          // which the reader thread must read
    }
    lock.unlock();
    if (renew) receive_cv_.notify_all();
    for (Callback& done : expired) {
      done(Status::Unavailable(fmt::format("{}: no response in time (BadTimeout)", options_.endpoint_url)));
    }
    if (renew) {
      if (Status s = OpenSecureChannel(true); !s.ok()) Fail(s);
    }
    lock.lock();
  }
}

void ClientChannel::Fail(const Status& status) {
  if (closed_.exchange(true)) return;
  socket_.Shutdown();
  std::map<std::uint32_t, Pending> pending;
  {
    std::lock_guard lock(pending_mu_);
    pending.swap(pending_);
    async_pending_ = 0;
  }
  timer_cv_.notify_all();
  receive_cv_.notify_all();
  for (auto& [id, p] : pending) p.done(status);
  if (on_closed_ && !stopping_.load()) on_closed_(status);
}

void ClientChannel::Close() {
  if (stopping_.exchange(true)) return;
  if (!closed_.load()) {
    CloseSecureChannelRequest request;
    request.request_header.timestamp = DateTimeFromTimestamp(SystemClock::Instance().Now());
    std::string body;
    Encoder e(body);
    if (EncodeMessage(e, request).ok()) (void)SendChunks(MessageType::kClose, next_request_id_++, body);
  }
  const bool was_open = !closed_.exchange(true);
  socket_.Shutdown();
  timer_cv_.notify_all();
  receive_cv_.notify_all();
  if (reader_.joinable()) reader_.join();
  if (timer_.joinable()) timer_.join();
  if (was_open) {
    std::map<std::uint32_t, Pending> pending;
    {
      std::lock_guard lock(pending_mu_);
      pending.swap(pending_);
    }
    for (auto& [id, p] : pending)
      p.done(Status::Cancelled(fmt::format("{}: channel closed", options_.endpoint_url)));
  }
  socket_.Close();
}

}  // namespace mw::opcua
