// UA-TCP framing (OPC 10000-6, 7.1): the 8-byte message header, the Hello / Acknowledge / Error
// messages, and the negotiation of buffer sizes and limits between client and server.
//
// Every chunk on the wire starts with a MessageHeader: a 3-letter type, a chunk type ('F' final,
// 'C' more to come, 'A' abort), and the size of the whole chunk. Decoders reject a size below the
// header's own or above the receiver's buffer, and any type they do not know; errors are Corruption
// with the offset. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "opcua/encoding/binary.h"

namespace mw::opcua {

enum class MessageType : std::uint8_t {
  kHello,
  kAcknowledge,
  kError,
  kReverseHello,
  kOpen,
  kMessage,
  kClose
};
enum class ChunkType : std::uint8_t { kFinal, kIntermediate, kAbort };

inline constexpr std::size_t kMessageHeaderSize = 8;
// The smallest buffer a peer may announce (OPC 10000-6, 7.1.2.3).
inline constexpr std::uint32_t kMinBufferSize = 8192;
// Endpoint URLs in Hello are capped at 4096 bytes by the specification.
inline constexpr std::size_t kMaxEndpointUrlLength = 4096;

struct MessageHeader {
  MessageType type = MessageType::kMessage;
  ChunkType chunk = ChunkType::kFinal;
  std::uint32_t size = 0;  // of the whole chunk, header included
};

// "HEL", "ACK", ... as on the wire.
std::string_view MessageTypeTag(MessageType type);
void EncodeMessageHeader(Encoder& e, const MessageHeader& h);
// Reads 8 bytes; `max_size` is the receive buffer: a chunk may not be larger.
Status DecodeMessageHeader(Decoder& d, std::uint32_t max_size, MessageHeader& h);
// Rewrites the size field of a chunk whose header sits at the start of `chunk`.
void PatchMessageSize(std::string& chunk);

// What one side can take: the sizes it announces in Hello or Acknowledge. 0 for max_message_size
// or max_chunk_count means "no limit".
struct TransportLimits {
  std::uint32_t protocol_version = 0;
  std::uint32_t receive_buffer_size = 65535;
  std::uint32_t send_buffer_size = 65535;
  std::uint32_t max_message_size = 16 << 20;
  std::uint32_t max_chunk_count = 0;
};

struct Hello {
  TransportLimits limits;
  std::string endpoint_url;
};

struct TcpError {
  std::uint32_t error = 0;  // an OPC UA StatusCode
  std::string reason;
};

// Whole messages, header included, ready to send.
std::string EncodeHello(const Hello& hello);
std::string EncodeAcknowledge(const TransportLimits& limits);
std::string EncodeTcpError(const TcpError& error);
// Bodies only: `d` is positioned after the header.
Status DecodeHello(Decoder& d, Hello& hello);
Status DecodeAcknowledge(Decoder& d, TransportLimits& limits);
Status DecodeTcpError(Decoder& d, TcpError& error);

// The sizes one side works with once Hello and Acknowledge have been exchanged: what it may send
// (bounded by the peer's announcement) and what it accepts. 0 = no limit.
struct NegotiatedLimits {
  std::uint32_t send_buffer_size = kMinBufferSize;
  std::uint32_t receive_buffer_size = kMinBufferSize;
  std::uint32_t send_max_message_size = 0;
  std::uint32_t send_max_chunk_count = 0;
  std::uint32_t receive_max_message_size = 0;
  std::uint32_t receive_max_chunk_count = 0;
};

// The server's Acknowledge for a Hello (OPC 10000-6, 7.1.2.4): each buffer no larger than the
// client's opposite one. Fails (BadTcpMessageTypeInvalid-like InvalidArgument) if the client's
// buffers are below 8192.
Result<TransportLimits> AcknowledgeFor(const TransportLimits& server, const TransportLimits& hello);
NegotiatedLimits ServerLimits(const TransportLimits& server, const TransportLimits& hello,
                              const TransportLimits& ack);
// What the client keeps after the Acknowledge. Fails if the server announced buffers below 8192 or
// larger than the client offered.
Result<NegotiatedLimits> ClientLimits(const TransportLimits& hello, const TransportLimits& ack);

}  // namespace mw::opcua
