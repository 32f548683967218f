// The secure conversation layer of UA-TCP (OPC 10000-6, 6.7): turns messages into signed and
// encrypted chunks and back, for either side of a channel.
//
// A SecureChannelCodec owns what a channel needs between the socket and the services: the security
// policy and mode, both certificates, the channel id, the tokens with their derived keys, the
// sequence numbers, and the reassembly of chunked messages. It is role-neutral: "local" is the side
// that owns the codec, "remote" its peer; the client and the server build the same codec.
//
//   Encode*: a message body (NodeId of the encoding, then the structure) becomes one or more
//   chunks, each at most the negotiated send buffer, the message and the chunk count within what
//   the peer accepts (ResourceExhausted otherwise, before anything is sent). OPN chunks use the
//   asymmetric algorithms (signed and encrypted whenever the mode is not None, as the
//   specification asks even for Sign); MSG and CLO chunks the symmetric keys of the current token.
//
//   ReceiveChunk: checks one chunk (channel id, policy, certificates, token, signature, sequence
//   number) and decrypts it; returns the message once its final chunk has arrived. An abort chunk
//   ('A') drops what was gathered for that request and is returned as an error naming its reason.
//   Every failure is a Status naming what was wrong; the caller closes the channel.
//
// Tokens: InstallToken derives the keys from both nonces. The codec sends with the newest token
// and accepts chunks under the newest and the one before it, so a renewal never drops a message
// in flight. Not thread-safe: the owner serialises Encode* (sequence numbers must go out in order)
// and ReceiveChunk separately.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "opcua/security/crypto.h"
#include "opcua/transport/ua_tcp.h"

namespace mw::opcua {

struct ChannelSecurity {
  const security::Policy* policy = &security::NonePolicy();
  security::MessageSecurityMode mode = security::MessageSecurityMode::kNone;
  // Our certificate and key, and the peer's certificate; both required unless the policy is None.
  std::optional<security::ApplicationIdentity> local;
  std::optional<security::Certificate> remote;
};

struct IncomingMessage {
  MessageType type = MessageType::kMessage;
  std::uint32_t request_id = 0;
  std::uint32_t token_id = 0;     // 0 for OPN
  std::string body;               // NodeId of the encoding, then the structure
  std::optional<TcpError> abort;  // set for an abort chunk: the peer gave up on this request
};

class SecureChannelCodec {
 public:
  // Checks that the certificates the policy needs are there and within its key sizes.
  static Result<SecureChannelCodec> Create(ChannelSecurity security, NegotiatedLimits limits);

  const ChannelSecurity& security() const { return security_; }
  const NegotiatedLimits& limits() const { return limits_; }
  std::uint32_t channel_id() const { return channel_id_; }
  void set_channel_id(std::uint32_t id) { channel_id_ = id; }
  // The server learns the mode from the first OpenSecureChannel request, which it decodes first
  // (OPN chunks are secured alike in Sign and SignAndEncrypt). InvalidArgument if the mode does
  // not fit the policy.
  Status SetMode(security::MessageSecurityMode mode);
  // Largest body one MSG chunk carries: callers use it to size what they batch.
  std::size_t MaxSymmetricBody() const;

  // Derives both directions' keys for `token_id` from the nonces and makes it the token to send
  // with. Earlier tokens but the previous one are forgotten.
  void InstallToken(std::uint32_t token_id, std::string_view local_nonce, std::string_view remote_nonce);
  std::uint32_t current_token() const { return send_token_; }

  Result<std::vector<std::string>> EncodeOpen(std::uint32_t request_id, std::string_view body);
  // type is kMessage or kClose.
  Result<std::vector<std::string>> EncodeSymmetric(MessageType type, std::uint32_t request_id,
                                                   std::string_view body);
  // `chunk` is one whole chunk, header included (its size already checked against the buffer).
  Result<std::optional<IncomingMessage>> ReceiveChunk(std::string chunk);

 private:
  struct Keys {
    security::SymmetricKeys sending;
    security::SymmetricKeys receiving;
  };
  struct Partial {
    MessageType type = MessageType::kMessage;
    std::uint32_t token_id = 0;
    std::size_t chunks = 0;
    std::string body;
  };

  SecureChannelCodec(ChannelSecurity security, NegotiatedLimits limits);
  bool Secured() const { return security_.mode != security::MessageSecurityMode::kNone; }
  bool Encrypted() const { return security_.mode == security::MessageSecurityMode::kSignAndEncrypt; }
  std::uint32_t NextSequenceNumber();
  Status CheckSequenceNumber(std::uint32_t number);
  std::string AsymmetricHeader() const;
  std::size_t MaxAsymmetricBody(std::size_t header_size) const;
  Result<std::vector<std::string>> Split(std::string_view body, std::size_t max_body, MessageType type,
                                         std::uint32_t request_id);
  Result<std::string> SealAsymmetric(std::string chunk, std::size_t secured_from);
  Result<std::string> SealSymmetric(std::string chunk, std::size_t secured_from);
  Result<std::string> OpenAsymmetric(const std::string& chunk, std::size_t& offset);
  Result<std::string> OpenSymmetric(std::string chunk, std::uint32_t token_id, std::size_t secured_from);
  Result<std::optional<IncomingMessage>> Gather(const MessageHeader& header, std::uint32_t token_id,
                                                std::string_view plain);

  ChannelSecurity security_;
  NegotiatedLimits limits_;
  std::uint32_t channel_id_ = 0;
  std::uint32_t send_token_ = 0;
  std::map<std::uint32_t, Keys> tokens_;
  std::uint32_t send_sequence_ = 0;
  std::optional<std::uint32_t> receive_sequence_;
  std::map<std::uint32_t, Partial> partial_;  // by request id
};

}  // namespace mw::opcua
