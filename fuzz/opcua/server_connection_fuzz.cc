// Fuzzes the server's handling of one connection (ConnectionHandler): raw chunks, message bodies
// on an open secure channel, and service requests inside an activated session. The first input
// byte picks the depth:
//   0: the bytes are chunks as they come off the socket (split by their header sizes);
//   1: after a good Hello and OpenSecureChannel (None), each piece is the body of a MSG;
//   2: also after CreateSession/ActivateSession: each piece is [service][bytes after the
//      RequestHeader], sent with the session's token, so every service's decoder and handler run.
// Pieces in 1 and 2 are separated by the byte pair 0xFF 0xFE.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "opcua/encoding/node_id.h"
#include "opcua/server/server.h"
#include "opcua/server/server_core.h"
#include "opcua/services/codec.h"
#include "opcua/transport/secure_channel.h"

using namespace mw::opcua;

namespace {

server::ServerCore& Core() {
  static server::ServerCore* core = [] {
    server::ServerOptions o;
    o.port = 0;
    auto created = server::CreateServerCore(o);
    server::ServerCore* c = created->release();
    server::AddressSpace& space = server::CoreAddressSpace(*c);
    const std::uint16_t ns = space.AddNamespace("urn:fuzz");
    (void)space.AddFolder(NodeId::StringId(ns, "F"), NodeId::Numeric(0, 85), {ns, "F"});
    for (int i = 0; i < 4; ++i) {
      server::VariableOptions v;
      v.value = Variant::Scalar(1.0 * i);
      v.access_level = server::kAccessRead | server::kAccessWrite;
      (void)space.AddVariable(NodeId::Numeric(ns, i), NodeId::StringId(ns, "F"),
                              {ns, "V" + std::to_string(i)}, v);
    }
    return c;
  }();
  return *core;
}

constexpr std::uint32_t kServices[] = {
    ReadRequest::kBinaryEncodingId,
    WriteRequest::kBinaryEncodingId,
    BrowseRequest::kBinaryEncodingId,
    BrowseNextRequest::kBinaryEncodingId,
    TranslateBrowsePathsToNodeIdsRequest::kBinaryEncodingId,
    RegisterNodesRequest::kBinaryEncodingId,
    CreateSubscriptionRequest::kBinaryEncodingId,
    ModifySubscriptionRequest::kBinaryEncodingId,
    CreateMonitoredItemsRequest::kBinaryEncodingId,
    ModifyMonitoredItemsRequest::kBinaryEncodingId,
    DeleteMonitoredItemsRequest::kBinaryEncodingId,
    SetMonitoringModeRequest::kBinaryEncodingId,
    PublishRequest::kBinaryEncodingId,
    RepublishRequest::kBinaryEncodingId,
    SetPublishingModeRequest::kBinaryEncodingId,
    DeleteSubscriptionsRequest::kBinaryEncodingId,
    TransferSubscriptionsRequest::kBinaryEncodingId,
    CloseSessionRequest::kBinaryEncodingId,
    GetEndpointsRequest::kBinaryEncodingId,
    FindServersRequest::kBinaryEncodingId,
    HistoryReadRequest::kBinaryEncodingId,
};

// The client side of the conversation, enough to reach the services.
struct Peer {
  std::string out;  // what the server wrote
  server::ConnectionHandler handler{Core(),
                                    [this](std::string_view b) {
                                      out.append(b);
                                      return mw::Status::Ok();
                                    },
                                    "fuzz"};
  std::optional<SecureChannelCodec> codec;
  std::uint32_t request_id = 1;
  NodeId token;

  bool Feed(std::string chunk) { return handler.OnChunk(std::move(chunk)).ok(); }
  // The last whole message the server sent, decoded by our codec.
  std::string LastBody() {
    std::string body;
    for (std::size_t at = 0; at + 8 <= out.size();) {
      std::uint32_t size = 0;
      std::memcpy(&size, out.data() + at + 4, 4);
      if (size < 8 || at + size > out.size()) break;
      auto m = codec->ReceiveChunk(out.substr(at, size));
      if (m.ok() && m->has_value()) body = (*m)->body;
      at += size;
    }
    out.clear();
    return body;
  }
  bool Open() {
    if (!Feed(EncodeHello({TransportLimits{}, "opc.tcp://fuzz/"}))) return false;
    out.clear();
    NegotiatedLimits limits;
    limits.send_buffer_size = limits.receive_buffer_size = 65535;
    codec.emplace(std::move(SecureChannelCodec::Create(ChannelSecurity{}, limits)).value());
    OpenSecureChannelRequest open;
    open.security_mode = 1;  // None
    open.requested_lifetime = 60000;
    std::string body;
    Encoder e(body);
    (void)EncodeMessage(e, open);
    auto chunks = codec->EncodeOpen(request_id++, body);
    for (std::string& c : *chunks) {
      if (!Feed(std::move(c))) return false;
    }
    const std::string reply = LastBody();
    Decoder d(reply);
    std::uint32_t type = 0;
    OpenSecureChannelResponse r;
    if (!PeekMessageType(d, type).ok() || !Decode(d, r).ok()) return false;
    codec->set_channel_id(r.security_token.channel_id);
    codec->InstallToken(r.security_token.token_id, "", "");
    return true;
  }
  bool SendBody(const std::string& body) {
    auto chunks = codec->EncodeSymmetric(MessageType::kMessage, request_id++, body);
    if (!chunks.ok()) return true;
    for (std::string& c : *chunks) {
      if (!Feed(std::move(c))) return false;
    }
    return true;
  }
  template <typename T>
  std::string Call(const T& request) {
    std::string body;
    Encoder e(body);
    (void)EncodeMessage(e, request);
    SendBody(body);
    return LastBody();
  }
  bool Activate() {
    CreateSessionRequest create;
    create.requested_session_timeout = 60000;
    const std::string reply = Call(create);
    Decoder d(reply);
    std::uint32_t type = 0;
    CreateSessionResponse created;
    if (!PeekMessageType(d, type).ok() || !Decode(d, created).ok()) return false;
    token = created.authentication_token;
    ActivateSessionRequest activate;
    activate.request_header.authentication_token = token;
    activate.user_identity_token = ToExtensionObject(AnonymousIdentityToken{std::string("anonymous")});
    Call(activate);
    return true;
  }
};

std::vector<std::string> Pieces(const std::string& input) {
  std::vector<std::string> out(1);
  for (std::size_t i = 0; i < input.size(); ++i) {
    if (i + 1 < input.size() && input[i] == '\xff' && input[i + 1] == '\xfe') {
      out.emplace_back();
      ++i;
    } else {
      out.back() += input[i];
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  Peer peer;
  const int depth = data[0] % 3;
  if (depth == 0) {
    for (std::size_t at = 0; at < input.size();) {
      std::uint32_t chunk = 0;
      if (input.size() - at >= 8) std::memcpy(&chunk, input.data() + at + 4, 4);
      chunk = std::clamp<std::uint32_t>(chunk, 1, static_cast<std::uint32_t>(input.size() - at));
      if (!peer.Feed(input.substr(at, chunk))) break;
      at += chunk;
    }
    return 0;
  }
  if (!peer.Open()) return 0;
  if (depth == 2 && !peer.Activate()) return 0;
  for (const std::string& piece : Pieces(input)) {
    std::string body;
    Encoder e(body);
    if (depth == 1 || piece.empty()) {
      body = piece;
    } else {
      EncodeNodeId(e,
                   NodeId::Numeric(0, kServices[static_cast<std::uint8_t>(piece[0]) % std::size(kServices)]));
      RequestHeader header;
      header.authentication_token = peer.token;
      (void)Encode(e, header);
      body += piece.substr(1);
    }
    if (!peer.SendBody(body)) break;
    peer.out.clear();
  }
  // Sessions would pile up to the server's limit and stop the next inputs at CreateSession.
  Core().CloseSession(peer.token, true);
  return 0;
}
