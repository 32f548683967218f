#include "opcua/transport/ua_tcp.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace mw::opcua {
namespace {

constexpr std::array<std::string_view, 7> kTags = {"HEL", "ACK", "ERR", "RHE", "OPN", "MSG", "CLO"};

void EncodeTransportLimits(Encoder& e, const TransportLimits& l) {
  e.UInt32(l.protocol_version);
  e.UInt32(l.receive_buffer_size);
  e.UInt32(l.send_buffer_size);
  e.UInt32(l.max_message_size);
  e.UInt32(l.max_chunk_count);
}

Status DecodeTransportLimits(Decoder& d, TransportLimits& l) {
  MW_RETURN_IF_ERROR(d.UInt32(l.protocol_version));
  MW_RETURN_IF_ERROR(d.UInt32(l.receive_buffer_size));
  MW_RETURN_IF_ERROR(d.UInt32(l.send_buffer_size));
  MW_RETURN_IF_ERROR(d.UInt32(l.max_message_size));
  return d.UInt32(l.max_chunk_count);
}

std::string Framed(MessageType type, const std::string& body) {
  std::string out;
  Encoder e(out);
  EncodeMessageHeader(
      e, {type, ChunkType::kFinal, static_cast<std::uint32_t>(kMessageHeaderSize + body.size())});
  e.Raw(body);
  return out;
}

}  // namespace

std::string_view MessageTypeTag(MessageType type) { return kTags[static_cast<std::size_t>(type)]; }

void EncodeMessageHeader(Encoder& e, const MessageHeader& h) {
  e.Raw(MessageTypeTag(h.type));
  static constexpr std::array<char, 3> kChunk = {'F', 'C', 'A'};
  e.Byte(static_cast<std::uint8_t>(kChunk[static_cast<std::size_t>(h.chunk)]));
  e.UInt32(h.size);
}

Status DecodeMessageHeader(Decoder& d, std::uint32_t max_size, MessageHeader& h) {
  const std::size_t at = d.offset();
  std::string tag;
  MW_RETURN_IF_ERROR(d.Raw(3, tag, "message type"));
  auto found = std::find(kTags.begin(), kTags.end(), tag);
  if (found == kTags.end()) return Decoder::Malformed(fmt::format("unknown message type '{}'", tag), at);
  h.type = static_cast<MessageType>(found - kTags.begin());
  std::uint8_t chunk = 0;
  MW_RETURN_IF_ERROR(d.Byte(chunk));
  switch (chunk) {
    case 'F':
      h.chunk = ChunkType::kFinal;
      break;
    case 'C':
      h.chunk = ChunkType::kIntermediate;
      break;
    case 'A':
      h.chunk = ChunkType::kAbort;
      break;
    default:
      return Decoder::Malformed(fmt::format("unknown chunk type 0x{:02x}", chunk), at + 3);
  }
  MW_RETURN_IF_ERROR(d.UInt32(h.size));
  if (h.size < kMessageHeaderSize)
    return Decoder::Malformed(fmt::format("chunk size {} below 8", h.size), at + 4);
  if (max_size != 0 && h.size > max_size) {
    return Decoder::OverLimit("chunk size", h.size, max_size, at + 4);
  }
  return Status::Ok();
}

void PatchMessageSize(std::string& chunk) {
  const auto size = static_cast<std::uint32_t>(chunk.size());
  for (int i = 0; i < 4; ++i) chunk[4 + i] = static_cast<char>((size >> (8 * i)) & 0xff);
}

std::string EncodeHello(const Hello& hello) {
  std::string body;
  Encoder e(body);
  EncodeTransportLimits(e, hello.limits);
  e.String(hello.endpoint_url);
  return Framed(MessageType::kHello, body);
}

std::string EncodeAcknowledge(const TransportLimits& limits) {
  std::string body;
  Encoder e(body);
  EncodeTransportLimits(e, limits);
  return Framed(MessageType::kAcknowledge, body);
}

std::string EncodeTcpError(const TcpError& error) {
  std::string body;
  Encoder e(body);
  e.UInt32(error.error);
  e.String(error.reason);
  return Framed(MessageType::kError, body);
}

Status DecodeHello(Decoder& d, Hello& hello) {
  MW_RETURN_IF_ERROR(DecodeTransportLimits(d, hello.limits));
  const std::size_t at = d.offset();
  String url;
  MW_RETURN_IF_ERROR(d.String(url, "Hello EndpointUrl"));
  if (url && url->size() > kMaxEndpointUrlLength) {
    return Decoder::OverLimit("Hello EndpointUrl length", static_cast<std::int64_t>(url->size()),
                              kMaxEndpointUrlLength, at);
  }
  hello.endpoint_url = url.value_or("");
  return Status::Ok();
}

Status DecodeAcknowledge(Decoder& d, TransportLimits& limits) { return DecodeTransportLimits(d, limits); }

Status DecodeTcpError(Decoder& d, TcpError& error) {
  MW_RETURN_IF_ERROR(d.UInt32(error.error));
  String reason;
  MW_RETURN_IF_ERROR(d.String(reason, "Error Reason"));
  error.reason = reason.value_or("");
  return Status::Ok();
}

Result<TransportLimits> AcknowledgeFor(const TransportLimits& server, const TransportLimits& hello) {
  if (hello.receive_buffer_size < kMinBufferSize || hello.send_buffer_size < kMinBufferSize) {
    return Status::InvalidArgument(fmt::format("client buffers {}/{} below the minimum of {} bytes",
                                               hello.receive_buffer_size, hello.send_buffer_size,
                                               kMinBufferSize));
  }
  TransportLimits ack = server;
  ack.receive_buffer_size = std::min(server.receive_buffer_size, hello.send_buffer_size);
  ack.send_buffer_size = std::min(server.send_buffer_size, hello.receive_buffer_size);
  return ack;
}

NegotiatedLimits ServerLimits(const TransportLimits& server, const TransportLimits& hello,
                              const TransportLimits& ack) {
  NegotiatedLimits n;
  n.send_buffer_size = ack.send_buffer_size;
  n.receive_buffer_size = ack.receive_buffer_size;
  n.send_max_message_size = hello.max_message_size;
  n.send_max_chunk_count = hello.max_chunk_count;
  n.receive_max_message_size = server.max_message_size;
  n.receive_max_chunk_count = server.max_chunk_count;
  return n;
}

Result<NegotiatedLimits> ClientLimits(const TransportLimits& hello, const TransportLimits& ack) {
  if (ack.receive_buffer_size < kMinBufferSize || ack.send_buffer_size < kMinBufferSize) {
    return Status::InvalidArgument(fmt::format("server buffers {}/{} below the minimum of {} bytes",
                                               ack.receive_buffer_size, ack.send_buffer_size,
                                               kMinBufferSize));
  }
  if (ack.send_buffer_size > hello.receive_buffer_size) {
    return Status::InvalidArgument(fmt::format("server send buffer {} larger than the {} bytes offered",
                                               ack.send_buffer_size, hello.receive_buffer_size));
  }
  NegotiatedLimits n;
  n.send_buffer_size = std::min(ack.receive_buffer_size, hello.send_buffer_size);
  n.receive_buffer_size = ack.send_buffer_size;
  n.send_max_message_size = ack.max_message_size;
  n.send_max_chunk_count = ack.max_chunk_count;
  n.receive_max_message_size = hello.max_message_size;
  n.receive_max_chunk_count = hello.max_chunk_count;
  return n;
}

}  // namespace mw::opcua
