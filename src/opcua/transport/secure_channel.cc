#include "opcua/transport/secure_channel.h"

#include <fmt/format.h>

#include <limits>
#include <utility>

namespace mw::opcua {
namespace {

using security::MessageSecurityMode;

constexpr std::size_t kChunkPrefix = kMessageHeaderSize + 4;  // header and secure channel id
constexpr std::size_t kSequenceHeaderSize = 8;
// Sequence numbers wrap to a value below 1024 once they pass UInt32 max - 1024 (OPC 10000-6, 6.7.2.4).
constexpr std::uint32_t kSequenceWrapAt = std::numeric_limits<std::uint32_t>::max() - 1024;
// Requests whose chunks are still arriving; a peer that opens more is misbehaving.
constexpr std::size_t kMaxPartialMessages = 4096;

void SetSize(std::string& chunk, std::size_t size) {
  for (int i = 0; i < 4; ++i) chunk[4 + i] = static_cast<char>((size >> (8 * i)) & 0xff);
}

}  // namespace

SecureChannelCodec::SecureChannelCodec(ChannelSecurity security, NegotiatedLimits limits)
    : security_(std::move(security)), limits_(limits) {}

Result<SecureChannelCodec> SecureChannelCodec::Create(ChannelSecurity security, NegotiatedLimits limits) {
  const security::Policy& policy = *security.policy;
  const bool none_mode = security.mode == MessageSecurityMode::kNone;
  if (security.mode == MessageSecurityMode::kInvalid) return Status::InvalidArgument("security mode Invalid");
  if (policy.IsNone() != none_mode) {
    return Status::InvalidArgument(fmt::format("security policy {} cannot be used with mode {}", policy.name,
                                               security::SecurityModeName(security.mode)));
  }
  if (!policy.IsNone()) {
    if (!security.local)
      return Status::InvalidArgument(fmt::format("policy {} needs our certificate", policy.name));
    for (const std::size_t bits :
         {security.local->key.KeyBits(),
          security.remote ? security.remote->KeyBits() : policy.min_asymmetric_key_bits}) {
      if (bits < policy.min_asymmetric_key_bits || bits > policy.max_asymmetric_key_bits) {
        return Status::InvalidArgument(fmt::format("policy {} takes RSA keys of {}..{} bits, not {}",
                                                   policy.name, policy.min_asymmetric_key_bits,
                                                   policy.max_asymmetric_key_bits, bits));
      }
    }
  }
  if (limits.send_buffer_size < kMinBufferSize || limits.receive_buffer_size < kMinBufferSize) {
    return Status::InvalidArgument("buffers below 8192 bytes");
  }
  return SecureChannelCodec(std::move(security), limits);
}

Status SecureChannelCodec::SetMode(MessageSecurityMode mode) {
  if (mode == MessageSecurityMode::kInvalid ||
      security_.policy->IsNone() != (mode == MessageSecurityMode::kNone)) {
    return Status::InvalidArgument(fmt::format("security policy {} cannot be used with mode {}",
                                               security_.policy->name, security::SecurityModeName(mode)));
  }
  security_.mode = mode;
  return Status::Ok();
}

std::size_t SecureChannelCodec::MaxSymmetricBody() const {
  const std::size_t header = kChunkPrefix + 4;
  const std::size_t buffer = limits_.send_buffer_size;
  if (!Secured()) return buffer - header - kSequenceHeaderSize;
  const std::size_t signature = security_.policy->symmetric_signature_size;
  if (!Encrypted()) return buffer - header - kSequenceHeaderSize - signature;
  const std::size_t block = security_.policy->symmetric_block_size;
  const std::size_t secured = (buffer - header) / block * block;
  return secured - kSequenceHeaderSize - signature - 1;
}

void SecureChannelCodec::InstallToken(std::uint32_t token_id, std::string_view local_nonce,
                                      std::string_view remote_nonce) {
  Keys keys;
  if (Secured()) {
    keys.sending = security::DeriveKeys(*security_.policy, remote_nonce, local_nonce);
    keys.receiving = security::DeriveKeys(*security_.policy, local_nonce, remote_nonce);
  }
  const std::uint32_t previous = send_token_;
  tokens_[token_id] = std::move(keys);
  send_token_ = token_id;
  std::erase_if(tokens_,
                [&](const auto& entry) { return entry.first != token_id && entry.first != previous; });
}

std::uint32_t SecureChannelCodec::NextSequenceNumber() {
  send_sequence_ = send_sequence_ >= kSequenceWrapAt ? 1 : send_sequence_ + 1;
  return send_sequence_;
}

Status SecureChannelCodec::CheckSequenceNumber(std::uint32_t number) {
  if (receive_sequence_) {
    const std::uint32_t last = *receive_sequence_;
    const bool next = number == last + 1 || (last >= kSequenceWrapAt && number < 1024);
    if (!next) return Status::Corruption(fmt::format("sequence number {} after {}", number, last));
  }
  receive_sequence_ = number;
  return Status::Ok();
}

std::string SecureChannelCodec::AsymmetricHeader() const {
  std::string out;
  Encoder e(out);
  e.String(std::string(security_.policy->uri));
  if (Secured()) {
    e.ByteString({security_.local->certificate.der()});
    e.ByteString({security_.remote ? std::optional(security_.remote->Thumbprint()) : std::nullopt});
  } else {
    e.ByteString({});
    e.ByteString({});
  }
  return out;
}

std::size_t SecureChannelCodec::MaxAsymmetricBody(std::size_t header_size) const {
  const std::size_t buffer = limits_.send_buffer_size;
  if (!Secured()) return buffer - header_size - kSequenceHeaderSize;
  const std::size_t remote_bits = security_.remote->KeyBits();
  const std::size_t cipher_block = security::AsymmetricCipherBlockSize(remote_bits);
  const std::size_t plain_block = security::AsymmetricPlainBlockSize(*security_.policy, remote_bits);
  const std::size_t signature = security::AsymmetricSignatureSize(security_.local->key.KeyBits());
  const std::size_t extra = cipher_block > 256 ? 1 : 0;
  const std::size_t capacity = (buffer - header_size) / cipher_block * plain_block;
  return capacity - kSequenceHeaderSize - signature - 1 - extra;
}

Result<std::vector<std::string>> SecureChannelCodec::Split(std::string_view body, std::size_t max_body,
                                                           MessageType type, std::uint32_t request_id) {
  const std::size_t count = body.empty() ? 1 : (body.size() + max_body - 1) / max_body;
  if (limits_.send_max_chunk_count != 0 && count > limits_.send_max_chunk_count) {
    return Status::ResourceExhausted(fmt::format("message of {} bytes needs {} chunks, the peer takes {}",
                                                 body.size(), count, limits_.send_max_chunk_count));
  }
  if (limits_.send_max_message_size != 0 && body.size() > limits_.send_max_message_size) {
    return Status::ResourceExhausted(
        fmt::format("message of {} bytes, the peer takes {}", body.size(), limits_.send_max_message_size));
  }
  std::vector<std::string> chunks;
  chunks.reserve(count);
  const std::string header = type == MessageType::kOpen ? AsymmetricHeader() : std::string();
  for (std::size_t i = 0; i < count; ++i) {
    std::string chunk;
    Encoder e(chunk);
    EncodeMessageHeader(e, {type, i + 1 == count ? ChunkType::kFinal : ChunkType::kIntermediate, 0});
    e.UInt32(channel_id_);
    if (type == MessageType::kOpen) {
      e.Raw(header);
    } else {
      e.UInt32(send_token_);
    }
    const std::size_t secured_from = chunk.size();
    e.UInt32(NextSequenceNumber());
    e.UInt32(request_id);
    e.Raw(body.substr(i * max_body, max_body));
    Result<std::string> sealed = type == MessageType::kOpen ? SealAsymmetric(std::move(chunk), secured_from)
                                                            : SealSymmetric(std::move(chunk), secured_from);
    if (!sealed.ok()) return sealed.status();
    chunks.push_back(std::move(sealed).value());
  }
  return chunks;
}

Result<std::vector<std::string>> SecureChannelCodec::EncodeOpen(std::uint32_t request_id,
                                                                std::string_view body) {
  if (Secured() && !security_.remote)
    return Status::FailedPrecondition("no peer certificate to encrypt with");
  return Split(body, MaxAsymmetricBody(kChunkPrefix + AsymmetricHeader().size()), MessageType::kOpen,
               request_id);
}

Result<std::vector<std::string>> SecureChannelCodec::EncodeSymmetric(MessageType type,
                                                                     std::uint32_t request_id,
                                                                     std::string_view body) {
  if (Secured() && tokens_.count(send_token_) == 0)
    return Status::FailedPrecondition("no security token yet");
  return Split(body, MaxSymmetricBody(), type, request_id);
}

Result<std::string> SecureChannelCodec::SealSymmetric(std::string chunk, std::size_t secured_from) {
  if (!Secured()) {
    SetSize(chunk, chunk.size());
    return chunk;
  }
  const security::SymmetricKeys& keys = tokens_.at(send_token_).sending;
  const std::size_t signature = security_.policy->symmetric_signature_size;
  if (Encrypted()) {
    const std::size_t block = security_.policy->symmetric_block_size;
    const std::size_t used = chunk.size() - secured_from + 1 + signature;
    const std::size_t padding = (block - used % block) % block;
    chunk.append(padding + 1, static_cast<char>(padding));
  }
  SetSize(chunk, chunk.size() + signature);
  chunk += security::SymmetricSign(keys, chunk);
  if (Encrypted()) {
    std::string secured = chunk.substr(secured_from);
    MW_RETURN_IF_ERROR(security::SymmetricEncrypt(keys, secured));
    chunk.replace(secured_from, std::string::npos, secured);
  }
  return chunk;
}

Result<std::string> SecureChannelCodec::SealAsymmetric(std::string chunk, std::size_t secured_from) {
  if (!Secured()) {
    SetSize(chunk, chunk.size());
    return chunk;
  }
  const security::Policy& policy = *security_.policy;
  const std::size_t remote_bits = security_.remote->KeyBits();
  const std::size_t cipher_block = security::AsymmetricCipherBlockSize(remote_bits);
  const std::size_t plain_block = security::AsymmetricPlainBlockSize(policy, remote_bits);
  const std::size_t signature = security::AsymmetricSignatureSize(security_.local->key.KeyBits());
  const bool extra = cipher_block > 256;
  const std::size_t used = chunk.size() - secured_from + 1 + (extra ? 1 : 0) + signature;
  const std::size_t padding = (plain_block - used % plain_block) % plain_block;
  chunk.append(padding + 1, static_cast<char>(padding & 0xff));
  if (extra) chunk.push_back(static_cast<char>(padding >> 8));
  const std::size_t plain_size = chunk.size() - secured_from + signature;
  SetSize(chunk, secured_from + plain_size / plain_block * cipher_block);
  Result<std::string> signed_part = security::AsymmetricSign(policy, security_.local->key, chunk);
  if (!signed_part.ok()) return signed_part.status();
  chunk += *signed_part;
  Result<std::string> cipher =
      security::AsymmetricEncrypt(policy, *security_.remote, std::string_view(chunk).substr(secured_from));
  if (!cipher.ok()) return cipher.status();
  chunk.replace(secured_from, std::string::npos, *cipher);
  return chunk;
}

Result<std::optional<IncomingMessage>> SecureChannelCodec::ReceiveChunk(std::string chunk) {
  Decoder d(chunk);
  MessageHeader header;
  MW_RETURN_IF_ERROR(DecodeMessageHeader(d, 0, header));
  if (header.size != chunk.size()) {
    return Status::Corruption(fmt::format("chunk says {} bytes, holds {}", header.size, chunk.size()));
  }
  if (header.type != MessageType::kOpen && header.type != MessageType::kMessage &&
      header.type != MessageType::kClose) {
    return Status::Corruption(
        fmt::format("unexpected {} chunk on a secure channel", MessageTypeTag(header.type)));
  }
  std::uint32_t channel_id = 0;
  MW_RETURN_IF_ERROR(d.UInt32(channel_id));
  if (channel_id_ != 0 && channel_id != channel_id_) {
    return Status::Corruption(fmt::format("chunk for channel {} on channel {}", channel_id, channel_id_));
  }
  std::uint32_t token_id = 0;
  Result<std::string> plain = std::string();
  if (header.type == MessageType::kOpen) {
    std::size_t offset = d.offset();
    plain = OpenAsymmetric(chunk, offset);
  } else {
    MW_RETURN_IF_ERROR(d.UInt32(token_id));
    plain = OpenSymmetric(std::move(chunk), token_id, d.offset());
  }
  if (!plain.ok()) return plain.status();
  return Gather(header, token_id, *plain);
}

Result<std::string> SecureChannelCodec::OpenAsymmetric(const std::string& chunk, std::size_t& offset) {
  Decoder d(std::string_view(chunk).substr(offset));
  String policy_uri;
  ByteString sender;
  ByteString thumbprint;
  MW_RETURN_IF_ERROR(d.String(policy_uri, "SecurityPolicyUri"));
  MW_RETURN_IF_ERROR(d.ByteString(sender, "SenderCertificate"));
  MW_RETURN_IF_ERROR(d.ByteString(thumbprint, "ReceiverCertificateThumbprint"));
  offset += d.offset();
  if (policy_uri.value_or("") != security_.policy->uri) {
    return Status::FailedPrecondition(fmt::format("peer uses security policy '{}', the channel '{}'",
                                                  policy_uri.value_or(""), security_.policy->uri));
  }
  if (!Secured()) return chunk.substr(offset);
  if (!sender.bytes) return Status::FailedPrecondition("peer sent no certificate");
  if (security_.remote) {
    if (*sender.bytes != security_.remote->der()) {
      return Status::FailedPrecondition("peer signed with a certificate other than the endpoint's");
    }
  } else {
    Result<security::Certificate> cert = security::Certificate::FromDer(*sender.bytes);
    if (!cert.ok()) return cert.status();
    security_.remote = std::move(cert).value();
  }
  if (thumbprint.bytes.value_or("") != security_.local->certificate.Thumbprint()) {
    return Status::FailedPrecondition("peer encrypted for a certificate other than ours");
  }
  Result<std::string> plain = security::AsymmetricDecrypt(*security_.policy, security_.local->key,
                                                          std::string_view(chunk).substr(offset));
  if (!plain.ok()) return plain.status();
  std::string& text = *plain;
  const std::size_t signature = security::AsymmetricSignatureSize(security_.remote->KeyBits());
  if (text.size() < signature + 1 + kSequenceHeaderSize) return Status::Corruption("OPN chunk too short");
  const std::string signed_part = chunk.substr(0, offset) + text.substr(0, text.size() - signature);
  MW_RETURN_IF_ERROR(security::AsymmetricVerify(*security_.policy, *security_.remote, signed_part,
                                                std::string_view(text).substr(text.size() - signature)));
  // The padding was sized for our key, which the peer encrypted with.
  const bool extra = security::AsymmetricCipherBlockSize(security_.local->key.KeyBits()) > 256;
  std::size_t end = text.size() - signature;
  std::size_t padding = 0;
  if (extra) {
    padding = static_cast<std::uint8_t>(text[end - 1]) << 8;
    --end;
  }
  padding |= static_cast<std::uint8_t>(text[end - 1]);
  if (padding + 1 > end - kSequenceHeaderSize) return Status::Corruption("OPN padding longer than the chunk");
  text.resize(end - 1 - padding);
  return std::move(text);
}

Result<std::string> SecureChannelCodec::OpenSymmetric(std::string chunk, std::uint32_t token_id,
                                                      std::size_t secured_from) {
  auto keys = tokens_.find(token_id);
  if (keys == tokens_.end())
    return Status::FailedPrecondition(fmt::format("unknown security token {}", token_id));
  if (!Secured()) return chunk.substr(secured_from);
  const security::SymmetricKeys& receiving = keys->second.receiving;
  if (Encrypted()) {
    std::string secured = chunk.substr(secured_from);
    MW_RETURN_IF_ERROR(security::SymmetricDecrypt(receiving, secured));
    chunk.replace(secured_from, std::string::npos, secured);
  }
  const std::size_t signature = security_.policy->symmetric_signature_size;
  if (chunk.size() < secured_from + kSequenceHeaderSize + signature + (Encrypted() ? 1 : 0)) {
    return Status::Corruption("MSG chunk too short");
  }
  const std::size_t signed_size = chunk.size() - signature;
  MW_RETURN_IF_ERROR(security::SymmetricVerify(receiving, std::string_view(chunk).substr(0, signed_size),
                                               std::string_view(chunk).substr(signed_size)));
  std::size_t end = signed_size;
  if (Encrypted()) {
    const std::size_t padding = static_cast<std::uint8_t>(chunk[end - 1]);
    if (secured_from + kSequenceHeaderSize + padding + 1 > end) {
      return Status::Corruption("MSG padding longer than the chunk");
    }
    end -= padding + 1;
  }
  return chunk.substr(secured_from, end - secured_from);
}

Result<std::optional<IncomingMessage>> SecureChannelCodec::Gather(const MessageHeader& header,
                                                                  std::uint32_t token_id,
                                                                  std::string_view plain) {
  Decoder d(plain);
  std::uint32_t sequence = 0;
  std::uint32_t request_id = 0;
  MW_RETURN_IF_ERROR(d.UInt32(sequence));
  MW_RETURN_IF_ERROR(d.UInt32(request_id));
  MW_RETURN_IF_ERROR(CheckSequenceNumber(sequence));
  const std::string_view body = plain.substr(kSequenceHeaderSize);
  if (header.chunk == ChunkType::kAbort) {
    partial_.erase(request_id);
    Decoder abort(body);
    TcpError error;
    MW_RETURN_IF_ERROR(DecodeTcpError(abort, error));
    IncomingMessage message;
    message.type = header.type;
    message.request_id = request_id;
    message.token_id = token_id;
    message.abort = std::move(error);
    return std::optional(std::move(message));
  }
  if (header.chunk == ChunkType::kFinal && partial_.empty()) {  // the common case: one chunk
    IncomingMessage message;
    message.type = header.type;
    message.request_id = request_id;
    message.token_id = token_id;
    message.body.assign(body);
    if (limits_.receive_max_message_size != 0 && message.body.size() > limits_.receive_max_message_size) {
      return Status::ResourceExhausted(fmt::format("request {}: message larger than {} bytes", request_id,
                                                   limits_.receive_max_message_size));
    }
    return std::optional(std::move(message));
  }
  if (partial_.size() >= kMaxPartialMessages && partial_.count(request_id) == 0) {
    return Status::ResourceExhausted(
        fmt::format("more than {} messages arriving at once", kMaxPartialMessages));
  }
  Partial& part = partial_[request_id];
  part.type = header.type;
  part.token_id = token_id;
  part.body.append(body);
  ++part.chunks;
  if (limits_.receive_max_chunk_count != 0 && part.chunks > limits_.receive_max_chunk_count) {
    partial_.erase(request_id);
    return Status::ResourceExhausted(
        fmt::format("request {}: more than {} chunks", request_id, limits_.receive_max_chunk_count));
  }
  if (limits_.receive_max_message_size != 0 && part.body.size() > limits_.receive_max_message_size) {
    partial_.erase(request_id);
    return Status::ResourceExhausted(fmt::format("request {}: message larger than {} bytes", request_id,
                                                 limits_.receive_max_message_size));
  }
  if (header.chunk == ChunkType::kIntermediate) return std::optional<IncomingMessage>();
  IncomingMessage message;
  message.type = part.type;
  message.request_id = request_id;
  message.token_id = part.token_id;
  message.body = std::move(part.body);
  partial_.erase(request_id);
  return std::optional(std::move(message));
}

}  // namespace mw::opcua
