// Fuzzes what a UA-TCP peer sends before and after the secure channel opens: the message header,
// Hello, Acknowledge, Error, and whole chunks through an open None-mode SecureChannelCodec
// (reassembly, aborts, sequence numbers, limits). The first input byte picks the decoder.
#include <cstddef>
#include <cstdint>
#include <string>

#include "opcua/transport/secure_channel.h"
#include "opcua/transport/ua_tcp.h"

using namespace mw::opcua;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      Decoder d(input);
      MessageHeader header;
      if (DecodeMessageHeader(d, 65536, header).ok()) {
        Hello hello;
        if (header.type == MessageType::kHello && DecodeHello(d, hello).ok()) (void)EncodeHello(hello);
      }
      break;
    }
    case 1: {
      Decoder d(input);
      TransportLimits limits;
      if (DecodeAcknowledge(d, limits).ok()) (void)ClientLimits(TransportLimits{}, limits);
      break;
    }
    case 2: {
      Decoder d(input);
      TcpError error;
      if (DecodeTcpError(d, error).ok()) (void)EncodeTcpError(error);
      break;
    }
    default: {
      NegotiatedLimits limits;
      limits.send_buffer_size = limits.receive_buffer_size = 65536;
      limits.receive_max_chunk_count = 8;
      limits.receive_max_message_size = 1 << 20;
      auto codec = SecureChannelCodec::Create(ChannelSecurity{}, limits);
      if (!codec.ok()) return 0;
      codec->InstallToken(1, "", "");
      // The input is a run of chunks, each preceded by its size as two bytes.
      std::size_t at = 0;
      while (at + 2 <= input.size()) {
        const std::size_t n =
            static_cast<std::uint8_t>(input[at]) | (static_cast<std::uint8_t>(input[at + 1]) << 8);
        at += 2;
        if (at + n > input.size()) break;
        if (!codec->ReceiveChunk(input.substr(at, n)).ok()) break;
        at += n;
      }
      break;
    }
  }
  return 0;
}
