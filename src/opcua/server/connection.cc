// One client connection: Hello/Acknowledge, the secure channel (open, renew, close) and the
// dispatch of service requests to the address space, the sessions and the subscriptions.
#include <fmt/format.h>

#include <algorithm>
#include <mutex>

#include <spdlog/spdlog.h>
#include "core/clock.h"
#include "opcua/encoding/datetime.h"
#include "opcua/encoding/node_id.h"
#include "opcua/encoding/status_code_names.h"
#include "opcua/server/server_core.h"
#include "opcua/services/codec.h"
#include "opcua/transport/secure_channel.h"

namespace mw::opcua::server {
namespace {

using security::MessageSecurityMode;

DateTime Now() { return DateTimeFromTimestamp(SystemClock::Instance().Now()); }

// The UA status an ERR message carries for a chunk the codec refused.
std::uint32_t ErrorCodeFor(const Status& s) {
  const std::string& m = s.message();
  if (s.code() == StatusCode::kResourceExhausted) return kBadTcpMessageTooLarge;
  if (m.find("sequence number") != std::string::npos) return kBadSequenceNumberInvalid;
  if (m.find("security token") != std::string::npos) return kBadSecureChannelTokenUnknown;
  if (m.find("channel") != std::string::npos && s.code() == StatusCode::kCorruption) {
    return kBadTcpSecureChannelUnknown;
  }
  if (s.code() == StatusCode::kFailedPrecondition) return kBadSecurityChecksFailed;
  return kBadDecodingError;
}

// The service result a request of `count` operations gets before any is done (OPC 10000-4,
// 7.34: nothing to do, or more than the advertised OperationLimits allow); Good otherwise.
std::uint32_t CheckOperationCount(std::size_t count, std::size_t limit) {
  if (count == 0) return kBadNothingToDo;
  if (limit != 0 && count > limit) return kBadTooManyOperations;
  return kGood;
}

// Reads the SecurityPolicyUri of an OPN chunk without checking anything else.
std::string PeekPolicyUri(std::string_view chunk) {
  Decoder d(chunk.substr(std::min<std::size_t>(chunk.size(), kMessageHeaderSize + 4)));
  String uri;
  return d.String(uri, "SecurityPolicyUri").ok() ? uri.value_or("") : std::string();
}

}  // namespace

class ConnectionHandler::Impl : public ResponseSink, public std::enable_shared_from_this<Impl> {
 public:
  Impl(ServerCore& core, std::function<Status(std::string_view)> write, std::string peer)
      : core_(core), write_(std::move(write)), peer_(std::move(peer)) {}

  std::uint32_t receive_buffer_size() const {
    return state_ == State::kHello ? core_.options().transport.receive_buffer_size
                                   : limits_.receive_buffer_size;
  }
  Status OnChunk(std::string chunk);
  Status Fail(std::uint32_t code, const std::string& reason);
  void SendResponse(std::uint32_t request_id, const PublishResponse& response) override {
    Reply(request_id, response);
  }

 private:
  enum class State { kHello, kOpen, kReady };

  Status OnHello(std::string_view chunk);
  Status OnOpen(const IncomingMessage& message);
  Status CreateCodec(std::string_view chunk);
  Status OnMessage(const IncomingMessage& message);

  template <typename Response>
  void Reply(std::uint32_t request_id, const Response& response);
  template <typename Response>
  void Answer(std::uint32_t request_id, const RequestHeader& request, Response response);
  void Fault(std::uint32_t request_id, std::uint32_t request_handle, std::uint32_t code);
  void Send(MessageType type, std::uint32_t request_id, const std::string& body);

  // Session services.
  template <typename Request, typename Handler>
  void Serve(Decoder& d, std::uint32_t request_id, Handler handler);
  std::shared_ptr<Session> Authorize(const RequestHeader& header, std::uint32_t& code);
  std::string UserOf(const Session& s);
  void Dispatch(std::uint32_t type, Decoder& d, std::uint32_t request_id);
  void CreateSession(const CreateSessionRequest& r, std::uint32_t request_id);
  void ActivateSession(const ActivateSessionRequest& r, std::uint32_t request_id);
  ReadResponse Read(const ReadRequest& r);
  WriteResponse Write(Session& s, const WriteRequest& r);
  BrowseResponse Browse(Session& s, const BrowseRequest& r);
  BrowseNextResponse BrowseNext(Session& s, const BrowseNextRequest& r);
  BrowseResult Slice(Session& s, std::vector<ReferenceDescription> refs, std::size_t max);
  void Publish(Session& s, const PublishRequest& r, std::uint32_t request_id);

  ServerCore& core_;
  std::function<Status(std::string_view)> write_;
  const std::string peer_;
  State state_ = State::kHello;
  NegotiatedLimits limits_;
  std::optional<SecureChannelCodec> codec_;
  std::mutex send_mu_;  // Encode* and writes; also guards InstallToken against them
  std::uint32_t channel_id_ = 0;
  std::uint32_t next_token_ = 1;
};

Status ConnectionHandler::Impl::Fail(std::uint32_t code, const std::string& reason) {
  ++core_.protocol_errors;
  spdlog::warn("opcua server: {}: {} ({})", peer_, reason, StatusCodeName(code));
  std::lock_guard lock(send_mu_);
  (void)write_(EncodeTcpError({code, reason}));
  return Status::FailedPrecondition(reason);
}

Status ConnectionHandler::Impl::OnChunk(std::string chunk) {
  if (chunk.size() < kMessageHeaderSize)
    return Fail(kBadTcpMessageTypeInvalid, "chunk shorter than its header");
  Decoder d(chunk);
  MessageHeader header;
  if (Status s = DecodeMessageHeader(d, receive_buffer_size(), header); !s.ok()) {
    return Fail(kBadTcpMessageTypeInvalid, s.message());
  }
  if (state_ == State::kHello) {
    if (header.type != MessageType::kHello) return Fail(kBadTcpMessageTypeInvalid, "expected HEL");
    return OnHello(std::string_view(chunk).substr(kMessageHeaderSize));
  }
  if (header.type == MessageType::kHello) return Fail(kBadTcpMessageTypeInvalid, "second HEL");
  if (state_ == State::kOpen) {
    if (header.type != MessageType::kOpen) return Fail(kBadTcpMessageTypeInvalid, "expected OPN");
    MW_RETURN_IF_ERROR(CreateCodec(chunk));
  }
  Result<std::optional<IncomingMessage>> message = codec_->ReceiveChunk(std::move(chunk));
  if (!message.ok()) return Fail(ErrorCodeFor(message.status()), message.status().message());
  if (!message->has_value()) return Status::Ok();
  const IncomingMessage& m = **message;
  if (m.abort) return Status::Ok();  // the client gave up on that request
  if (m.type == MessageType::kClose) return Status::Unavailable("client closed the secure channel");
  if (m.type == MessageType::kOpen) return OnOpen(m);
  if (state_ != State::kReady) return Fail(kBadTcpMessageTypeInvalid, "MSG before the channel is open");
  return OnMessage(m);
}

Status ConnectionHandler::Impl::OnHello(std::string_view body) {
  Decoder d(body);
  Hello hello;
  if (Status s = DecodeHello(d, hello); !s.ok()) return Fail(kBadDecodingError, "HEL: " + s.message());
  if (hello.endpoint_url.size() > kMaxEndpointUrlLength)
    return Fail(kBadTcpEndpointUrlInvalid, "endpoint URL too long");
  const TransportLimits& ours = core_.options().transport;
  Result<TransportLimits> ack = AcknowledgeFor(ours, hello.limits);
  if (!ack.ok()) return Fail(kBadTcpNotEnoughResources, "HEL: " + ack.status().message());
  limits_ = ServerLimits(ours, hello.limits, *ack);
  state_ = State::kOpen;
  std::lock_guard lock(send_mu_);
  return write_(EncodeAcknowledge(*ack));
}

Status ConnectionHandler::Impl::CreateCodec(std::string_view chunk) {
  if (codec_) return Status::Ok();
  const std::string uri = PeekPolicyUri(chunk);
  const security::Policy* policy = security::FindPolicy(uri);
  if (policy == nullptr || !core_.OffersPolicy(uri)) {
    return Fail(kBadSecurityPolicyRejected, fmt::format("security policy '{}' is not offered", uri));
  }
  ChannelSecurity security;
  security.policy = policy;
  // OPN chunks are signed and encrypted under any mode; the request tells the real mode.
  security.mode = policy->IsNone() ? MessageSecurityMode::kNone : MessageSecurityMode::kSignAndEncrypt;
  if (!policy->IsNone()) security.local = core_.identity();
  Result<SecureChannelCodec> codec = SecureChannelCodec::Create(std::move(security), limits_);
  if (!codec.ok()) return Fail(kBadSecurityPolicyRejected, codec.status().message());
  codec_.emplace(std::move(codec).value());
  return Status::Ok();
}

Status ConnectionHandler::Impl::OnOpen(const IncomingMessage& m) {
  Decoder d(m.body);
  std::uint32_t type = 0;
  OpenSecureChannelRequest request;
  if (!PeekMessageType(d, type).ok() || type != OpenSecureChannelRequest::kBinaryEncodingId ||
      !Decode(d, request).ok()) {
    return Fail(kBadDecodingError, "OPN does not hold an OpenSecureChannelRequest");
  }
  const auto mode = static_cast<MessageSecurityMode>(request.security_mode);
  const security::Policy& policy = *codec_->security().policy;
  const bool renew = request.request_type == SecurityTokenRequestType::kRenew;
  if (renew != (state_ == State::kReady))
    return Fail(kBadTcpSecureChannelUnknown, "renewal on an unopened channel");
  if (!renew) {
    if (!core_.Offers(policy, mode)) {
      return Fail(kBadSecurityModeRejected,
                  fmt::format("no endpoint with {} and {}", policy.name, security::SecurityModeName(mode)));
    }
    if (Status s = codec_->SetMode(mode); !s.ok()) return Fail(kBadSecurityModeRejected, s.message());
    if (!policy.IsNone()) {
      const Status trusted = core_.trust_list()->Check(*codec_->security().remote);
      if (!trusted.ok()) return Fail(kBadCertificateUntrusted, trusted.message());
    }
  } else if (mode != codec_->security().mode) {
    return Fail(kBadSecurityModeRejected, "renewal changed the security mode");
  }
  const std::string client_nonce = request.client_nonce.bytes.value_or("");
  if (!policy.IsNone() && client_nonce.size() != policy.nonce_length) {
    return Fail(kBadNonceInvalid, fmt::format("client nonce of {} bytes", client_nonce.size()));
  }
  const std::string server_nonce =
      policy.IsNone() ? std::string() : security::RandomBytes(policy.nonce_length);
  OpenSecureChannelResponse response;
  response.response_header.request_handle = request.request_header.request_handle;
  response.response_header.timestamp = Now();
  if (!renew) channel_id_ = core_.NextChannelId();
  response.security_token.channel_id = channel_id_;
  response.security_token.token_id = next_token_++;
  response.security_token.created_at = Now();
  const ServerOptions& o = core_.options();
  response.security_token.revised_lifetime =
      std::clamp(request.requested_lifetime, o.min_channel_lifetime_ms, o.max_channel_lifetime_ms);
  response.server_nonce = ByteString{policy.IsNone() ? std::nullopt : std::optional(server_nonce)};
  std::string body;
  Encoder e(body);
  if (!EncodeMessage(e, response).ok()) return Fail(kBadInternalError, "cannot encode OPN response");
  std::lock_guard lock(send_mu_);
  codec_->set_channel_id(channel_id_);
  Result<std::vector<std::string>> chunks = codec_->EncodeOpen(m.request_id, body);
  if (!chunks.ok()) return Status::Unavailable(chunks.status().message());
  codec_->InstallToken(response.security_token.token_id, server_nonce, client_nonce);
  state_ = State::kReady;
  for (const std::string& c : *chunks) MW_RETURN_IF_ERROR(write_(c));
  return Status::Ok();
}

void ConnectionHandler::Impl::Send(MessageType type, std::uint32_t request_id, const std::string& body) {
  std::lock_guard lock(send_mu_);
  Result<std::vector<std::string>> chunks = codec_->EncodeSymmetric(type, request_id, body);
  if (!chunks.ok()) {
    // Too large for what the client accepts: tell it so instead.
    ServiceFault fault;
    fault.response_header.timestamp = Now();
    fault.response_header.service_result = {kBadResponseTooLarge};
    std::string small;
    Encoder e(small);
    (void)EncodeMessage(e, fault);
    chunks = codec_->EncodeSymmetric(type, request_id, small);
    if (!chunks.ok()) return;
  }
  for (const std::string& c : *chunks) {
    if (!write_(c).ok()) return;  // the reader sees the connection drop and cleans up
  }
}

template <typename Response>
void ConnectionHandler::Impl::Reply(std::uint32_t request_id, const Response& response) {
  if (response.response_header.service_result.IsBad()) {
    Fault(request_id, response.response_header.request_handle, response.response_header.service_result.code);
    return;
  }
  std::string body;
  Encoder e(body);
  if (!EncodeMessage(e, response).ok()) {
    Fault(request_id, response.response_header.request_handle, kBadInternalError);
    return;
  }
  Send(MessageType::kMessage, request_id, body);
}

template <typename Response>
void ConnectionHandler::Impl::Answer(std::uint32_t request_id, const RequestHeader& request,
                                     Response response) {
  response.response_header.request_handle = request.request_handle;
  response.response_header.timestamp = Now();
  Reply(request_id, response);
}

void ConnectionHandler::Impl::Fault(std::uint32_t request_id, std::uint32_t request_handle,
                                    std::uint32_t code) {
  ServiceFault fault;
  fault.response_header.request_handle = request_handle;
  fault.response_header.timestamp = Now();
  fault.response_header.service_result = {code};
  std::string body;
  Encoder e(body);
  (void)EncodeMessage(e, fault);
  Send(MessageType::kMessage, request_id, body);
}

std::shared_ptr<Session> ConnectionHandler::Impl::Authorize(const RequestHeader& header,
                                                            std::uint32_t& code) {
  std::shared_ptr<Session> s = core_.FindSession(header.authentication_token);
  if (s == nullptr) {
    code = kBadSessionIdInvalid;
    return nullptr;
  }
  std::lock_guard lock(core_.sessions_mutex());
  if (!s->activated) {
    code = kBadSessionNotActivated;
    return nullptr;
  }
  if (s->channel_id != channel_id_) {
    code = kBadSecureChannelIdInvalid;
    return nullptr;
  }
  s->last_seen = SteadyClock::now();
  code = kGood;
  return s;
}

// Decodes a request and hands it with its session to `handler`, which returns the response.
template <typename Request, typename Handler>
void ConnectionHandler::Impl::Serve(Decoder& d, std::uint32_t request_id, Handler handler) {
  Request request;
  if (Status s = Decode(d, request); !s.ok()) {
    ++core_.protocol_errors;
    spdlog::warn("opcua server: {}: request {} does not decode: {}", peer_, request_id, s.message());
    Fault(request_id, request.request_header.request_handle, kBadDecodingError);
    return;
  }
  std::uint32_t code = kGood;
  std::shared_ptr<Session> session = Authorize(request.request_header, code);
  if (session == nullptr) {
    Fault(request_id, request.request_header.request_handle, code);
    return;
  }
  Answer(request_id, request.request_header, handler(*session, request));
}

Status ConnectionHandler::Impl::OnMessage(const IncomingMessage& m) {
  Decoder d(m.body);
  std::uint32_t type = 0;
  if (!PeekMessageType(d, type).ok())
    return Fail(kBadDecodingError, "message type is not a ns=0 numeric NodeId");
  Dispatch(type, d, m.request_id);
  return Status::Ok();
}

ReadResponse ConnectionHandler::Impl::Read(const ReadRequest& r) {
  ReadResponse out;
  out.response_header.service_result = {
      CheckOperationCount(r.nodes_to_read.size(), core_.options().operation_limits.max_nodes_per_read)};
  UaStatusCode& result = out.response_header.service_result;
  if (result.IsGood() && r.max_age < 0) result = {kBadMaxAgeInvalid};
  if (result.IsGood() && static_cast<std::uint32_t>(r.timestamps_to_return) > 3) {
    result = {kBadTimestampsToReturnInvalid};
  }
  if (result.IsBad()) return out;
  const DateTime now = Now();
  out.results.reserve(r.nodes_to_read.size());
  for (const ReadValueId& id : r.nodes_to_read)
    out.results.push_back(core_.space().Read(id, r.timestamps_to_return, now));
  return out;
}

WriteResponse ConnectionHandler::Impl::Write(Session& s, const WriteRequest& r) {
  WriteResponse out;
  out.response_header.service_result = {
      CheckOperationCount(r.nodes_to_write.size(), core_.options().operation_limits.max_nodes_per_write)};
  if (out.response_header.service_result.IsBad()) return out;
  const DateTime now = Now();
  for (const WriteValue& v : r.nodes_to_write)
    out.results.push_back(core_.space().Write(v, s.may_write, now));
  return out;
}

// Returns the first `max` references and keeps the rest behind a continuation point.
BrowseResult ConnectionHandler::Impl::Slice(Session& s, std::vector<ReferenceDescription> refs,
                                            std::size_t max) {
  BrowseResult result;
  if (refs.size() <= max) {
    result.references = std::move(refs);
    return result;
  }
  std::lock_guard lock(core_.sessions_mutex());
  if (s.continuation_points.size() >= core_.options().max_continuation_points) {
    result.status_code = {kBadNoContinuationPoints};
    return result;
  }
  std::string id = security::RandomBytes(16);
  result.references.assign(std::make_move_iterator(refs.begin()),
                           std::make_move_iterator(refs.begin() + static_cast<std::ptrdiff_t>(max)));
  refs.erase(refs.begin(), refs.begin() + static_cast<std::ptrdiff_t>(max));
  s.continuation_points[id] = std::move(refs);
  result.continuation_point = ByteString{std::move(id)};
  return result;
}

BrowseResponse ConnectionHandler::Impl::Browse(Session& s, const BrowseRequest& r) {
  BrowseResponse out;
  const OperationLimits& limits = core_.options().operation_limits;
  out.response_header.service_result = {
      CheckOperationCount(r.nodes_to_browse.size(), limits.max_nodes_per_browse)};
  if (out.response_header.service_result.IsBad()) return out;
  if (!r.view.view_id.IsNull()) {
    out.response_header.service_result = {kBadViewIdUnknown};
    return out;
  }
  std::size_t max = limits.max_references_per_node;
  if (r.requested_max_references_per_node != 0)
    max = std::min<std::size_t>(max, r.requested_max_references_per_node);
  for (const BrowseDescription& d : r.nodes_to_browse) {
    std::vector<ReferenceDescription> refs;
    const UaStatusCode status = core_.space().Browse(d, refs);
    BrowseResult result;
    if (status.IsGood()) {
      result = Slice(s, std::move(refs), max);
    } else {
      result.status_code = status;
    }
    out.results.push_back(std::move(result));
  }
  return out;
}

BrowseNextResponse ConnectionHandler::Impl::BrowseNext(Session& s, const BrowseNextRequest& r) {
  BrowseNextResponse out;
  out.response_header.service_result = {CheckOperationCount(r.continuation_points.size(), 0)};
  if (out.response_header.service_result.IsBad()) return out;
  std::size_t max = core_.options().operation_limits.max_references_per_node;
  for (const ByteString& cp : r.continuation_points) {
    std::vector<ReferenceDescription> rest;
    bool found = false;
    {
      std::lock_guard lock(core_.sessions_mutex());
      const auto it = s.continuation_points.find(cp.bytes.value_or(""));
      if (it != s.continuation_points.end()) {
        found = true;
        rest = std::move(it->second);
        s.continuation_points.erase(it);
      }
    }
    BrowseResult result;
    if (!found) {
      result.status_code = {kBadContinuationPointInvalid};
    } else if (!r.release_continuation_points) {
      // A continuation point hands out as many references as the first Browse did.
      result = Slice(s, std::move(rest), max);
    }
    out.results.push_back(std::move(result));
  }
  return out;
}

void ConnectionHandler::Impl::Publish(Session& s, const PublishRequest& r, std::uint32_t request_id) {
  const auto now = SteadyClock::now();
  const std::uint32_t hint = r.request_header.timeout_hint;
  const auto deadline = hint == 0 ? SteadyClock::time_point::max() : now + std::chrono::milliseconds(hint);
  for (PublishResult& result : core_.engine().Publish(s.id, weak_from_this(), request_id, r, now, deadline)) {
    if (const auto sink = result.sink.lock()) sink->SendResponse(result.request_id, result.response);
  }
}

void ConnectionHandler::Impl::CreateSession(const CreateSessionRequest& r, std::uint32_t request_id) {
  const security::Policy& policy = *codec_->security().policy;
  CreateSessionResponse out;
  std::shared_ptr<Session> session;
  if (!policy.IsNone() && r.client_certificate.bytes.value_or("") != codec_->security().remote->der()) {
    out.response_header.service_result = {kBadSecurityChecksFailed};
  } else {
    out.response_header.service_result = {core_.CreateSession(r, channel_id_, session)};
  }
  if (session != nullptr) {
    out.session_id = session->session_id;
    out.authentication_token = session->token;
    out.revised_session_timeout = session->timeout_ms;
    out.server_nonce = ByteString{session->server_nonce};
    if (core_.identity()) out.server_certificate = ByteString{core_.identity()->certificate.der()};
    out.server_endpoints = core_.Endpoints();
    out.max_request_message_size = core_.options().transport.max_message_size;
    if (!policy.IsNone()) {
      // Proves we hold the key of the certificate the client trusted (OPC 10000-4, 5.6.2).
      Result<std::string> signature = security::AsymmetricSign(
          policy, core_.identity()->key, session->client_certificate + r.client_nonce.bytes.value_or(""));
      if (signature.ok()) {
        out.server_signature.algorithm = std::string(policy.asymmetric_signature_uri);
        out.server_signature.signature = ByteString{std::move(signature).value()};
      }
    }
  }
  Answer(request_id, r.request_header, std::move(out));
}

void ConnectionHandler::Impl::ActivateSession(const ActivateSessionRequest& r, std::uint32_t request_id) {
  ActivateSessionResponse out;
  std::shared_ptr<Session> s = core_.FindSession(r.request_header.authentication_token);
  const security::Policy& policy = *codec_->security().policy;
  if (s == nullptr) {
    out.response_header.service_result = {kBadSessionIdInvalid};
    Answer(request_id, r.request_header, std::move(out));
    return;
  }
  {
    std::lock_guard lock(core_.sessions_mutex());
    if (!policy.IsNone()) {
      // The client proves it holds its key: it signed our certificate and last nonce.
      const std::string data = core_.identity()->certificate.der() + s->server_nonce;
      const Status valid = security::AsymmetricVerify(policy, *codec_->security().remote, data,
                                                      r.client_signature.signature.bytes.value_or(""));
      if (!valid.ok()) out.response_header.service_result = {kBadApplicationSignatureInvalid};
    }
    if (out.response_header.service_result.IsGood()) {
      out.response_header.service_result = {core_.CheckIdentity(r, policy, *s)};
    }
    if (out.response_header.service_result.IsGood()) {
      s->activated = true;
      s->channel_id = channel_id_;
      s->last_seen = SteadyClock::now();
      s->server_nonce = security::RandomBytes(32);
      out.server_nonce = ByteString{s->server_nonce};
    }
  }
  Answer(request_id, r.request_header, std::move(out));
}

std::string ConnectionHandler::Impl::UserOf(const Session& s) {
  std::lock_guard lock(core_.sessions_mutex());
  return s.user;
}

void ConnectionHandler::Impl::Dispatch(std::uint32_t type, Decoder& d, std::uint32_t id) {
  ServerCore& core = core_;
  SubscriptionEngine& engine = core.engine();
  switch (type) {
    case GetEndpointsRequest::kBinaryEncodingId: {
      GetEndpointsRequest r;
      if (!Decode(d, r).ok()) return Fault(id, 0, kBadDecodingError);
      GetEndpointsResponse out;
      out.endpoints = core.Endpoints();
      return Answer(id, r.request_header, std::move(out));
    }
    case FindServersRequest::kBinaryEncodingId: {
      FindServersRequest r;
      if (!Decode(d, r).ok()) return Fault(id, 0, kBadDecodingError);
      FindServersResponse out;
      const ApplicationDescription app = core.Application();
      if (r.server_uris.empty() ||
          std::find(r.server_uris.begin(), r.server_uris.end(), app.application_uri) != r.server_uris.end()) {
        out.servers.push_back(app);
      }
      return Answer(id, r.request_header, std::move(out));
    }
    case CreateSessionRequest::kBinaryEncodingId: {
      CreateSessionRequest r;
      if (!Decode(d, r).ok()) return Fault(id, 0, kBadDecodingError);
      return CreateSession(r, id);
    }
    case ActivateSessionRequest::kBinaryEncodingId: {
      ActivateSessionRequest r;
      if (!Decode(d, r).ok()) return Fault(id, 0, kBadDecodingError);
      return ActivateSession(r, id);
    }
    case CloseSessionRequest::kBinaryEncodingId:
      return Serve<CloseSessionRequest>(d, id, [&](Session& s, const CloseSessionRequest& r) {
        core.CloseSession(s.token, r.delete_subscriptions);
        return CloseSessionResponse{};
      });
    case ReadRequest::kBinaryEncodingId:
      return Serve<ReadRequest>(d, id, [&](Session&, const ReadRequest& r) { return Read(r); });
    case WriteRequest::kBinaryEncodingId:
      return Serve<WriteRequest>(d, id, [&](Session& s, const WriteRequest& r) { return Write(s, r); });
    case BrowseRequest::kBinaryEncodingId:
      return Serve<BrowseRequest>(d, id, [&](Session& s, const BrowseRequest& r) { return Browse(s, r); });
    case BrowseNextRequest::kBinaryEncodingId:
      return Serve<BrowseNextRequest>(
          d, id, [&](Session& s, const BrowseNextRequest& r) { return BrowseNext(s, r); });
    case TranslateBrowsePathsToNodeIdsRequest::kBinaryEncodingId:
      return Serve<TranslateBrowsePathsToNodeIdsRequest>(
          d, id, [&](Session&, const TranslateBrowsePathsToNodeIdsRequest& r) {
            TranslateBrowsePathsToNodeIdsResponse out;
            out.response_header.service_result = {CheckOperationCount(
                r.browse_paths.size(), core.options().operation_limits.max_nodes_per_translate)};
            if (out.response_header.service_result.IsGood()) {
              for (const BrowsePath& p : r.browse_paths) out.results.push_back(core.space().Translate(p));
            }
            return out;
          });
    case RegisterNodesRequest::kBinaryEncodingId:
      return Serve<RegisterNodesRequest>(d, id, [&](Session&, const RegisterNodesRequest& r) {
        RegisterNodesResponse out;
        out.response_header.service_result = {CheckOperationCount(
            r.nodes_to_register.size(), core.options().operation_limits.max_nodes_per_register)};
        // Our node lookup is a hash probe already: registered ids are the ids themselves.
        if (out.response_header.service_result.IsGood()) out.registered_node_ids = r.nodes_to_register;
        return out;
      });
    case UnregisterNodesRequest::kBinaryEncodingId:
      return Serve<UnregisterNodesRequest>(d, id, [&](Session&, const UnregisterNodesRequest& r) {
        UnregisterNodesResponse out;
        out.response_header.service_result = {CheckOperationCount(r.nodes_to_unregister.size(), 0)};
        return out;
      });
    case CreateSubscriptionRequest::kBinaryEncodingId:
      return Serve<CreateSubscriptionRequest>(d, id, [&](Session& s, const CreateSubscriptionRequest& r) {
        return engine.Create(s.id, r, UserOf(s));
      });
    case ModifySubscriptionRequest::kBinaryEncodingId:
      return Serve<ModifySubscriptionRequest>(
          d, id, [&](Session& s, const ModifySubscriptionRequest& r) { return engine.Modify(s.id, r); });
    case SetPublishingModeRequest::kBinaryEncodingId:
      return Serve<SetPublishingModeRequest>(d, id, [&](Session& s, const SetPublishingModeRequest& r) {
        return engine.SetPublishingMode(s.id, r);
      });
    case DeleteSubscriptionsRequest::kBinaryEncodingId:
      return Serve<DeleteSubscriptionsRequest>(
          d, id, [&](Session& s, const DeleteSubscriptionsRequest& r) { return engine.Delete(s.id, r); });
    case TransferSubscriptionsRequest::kBinaryEncodingId:
      return Serve<TransferSubscriptionsRequest>(d, id,
                                                 [&](Session& s, const TransferSubscriptionsRequest& r) {
                                                   return engine.Transfer(s.id, r, UserOf(s));
                                                 });
    case CreateMonitoredItemsRequest::kBinaryEncodingId:
      return Serve<CreateMonitoredItemsRequest>(d, id, [&](Session& s, const CreateMonitoredItemsRequest& r) {
        const std::uint32_t count = CheckOperationCount(
            r.items_to_create.size(), core.options().operation_limits.max_monitored_items_per_call);
        if (count != kGood) {
          CreateMonitoredItemsResponse out;
          out.response_header.service_result = {count};
          return out;
        }
        return engine.CreateItems(s.id, r);
      });
    case ModifyMonitoredItemsRequest::kBinaryEncodingId:
      return Serve<ModifyMonitoredItemsRequest>(d, id, [&](Session& s, const ModifyMonitoredItemsRequest& r) {
        return engine.ModifyItems(s.id, r);
      });
    case DeleteMonitoredItemsRequest::kBinaryEncodingId:
      return Serve<DeleteMonitoredItemsRequest>(d, id, [&](Session& s, const DeleteMonitoredItemsRequest& r) {
        return engine.DeleteItems(s.id, r);
      });
    case SetMonitoringModeRequest::kBinaryEncodingId:
      return Serve<SetMonitoringModeRequest>(d, id, [&](Session& s, const SetMonitoringModeRequest& r) {
        return engine.SetMonitoringMode(s.id, r);
      });
    case RepublishRequest::kBinaryEncodingId:
      return Serve<RepublishRequest>(
          d, id, [&](Session& s, const RepublishRequest& r) { return engine.Republish(s.id, r); });
    case PublishRequest::kBinaryEncodingId: {
      PublishRequest r;
      if (!Decode(d, r).ok()) return Fault(id, 0, kBadDecodingError);
      std::uint32_t code = kGood;
      std::shared_ptr<Session> s = Authorize(r.request_header, code);
      if (s == nullptr) return Fault(id, r.request_header.request_handle, code);
      return Publish(*s, r, id);
    }
    default: {
      // Every request starts with its RequestHeader: answer with the right handle.
      RequestHeader header;
      (void)Decode(d, header);
      return Fault(id, header.request_handle, kBadServiceUnsupported);
    }
  }
}

ConnectionHandler::ConnectionHandler(ServerCore& core, std::function<Status(std::string_view)> write,
                                     std::string peer)
    : impl_(std::make_shared<Impl>(core, std::move(write), std::move(peer))) {}

ConnectionHandler::~ConnectionHandler() = default;

std::uint32_t ConnectionHandler::receive_buffer_size() const { return impl_->receive_buffer_size(); }

Status ConnectionHandler::OnChunk(std::string chunk) { return impl_->OnChunk(std::move(chunk)); }

Status ConnectionHandler::Refuse(std::uint32_t code, const std::string& reason) {
  return impl_->Fail(code, reason);
}

}  // namespace mw::opcua::server
