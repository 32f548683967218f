#include "opcua/transport/ua_tcp.h"

#include <gtest/gtest.h>

namespace mw::opcua {
namespace {

TEST(UaTcp, HelloHasTheLayoutOfTheSpecification) {
  Hello hello;
  hello.limits = {0, 65536, 32768, 1 << 24, 0};
  hello.endpoint_url = "opc.tcp://h:1";
  const std::string bytes = EncodeHello(hello);
  // "HEL" 'F', size 8 + 5*4 + 4 + 13 = 45, then the five UInt32 and the String.
  const std::string expected = std::string("HELF\x2d\x00\x00\x00", 8) + std::string("\x00\x00\x00\x00", 4) +
                               std::string("\x00\x00\x01\x00", 4) + std::string("\x00\x80\x00\x00", 4) +
                               std::string("\x00\x00\x00\x01", 4) + std::string("\x00\x00\x00\x00", 4) +
                               std::string("\x0d\x00\x00\x00", 4) + "opc.tcp://h:1";
  EXPECT_EQ(bytes, expected);
  Decoder d(bytes);
  MessageHeader header;
  ASSERT_TRUE(DecodeMessageHeader(d, 0, header).ok());
  EXPECT_EQ(header.type, MessageType::kHello);
  EXPECT_EQ(header.size, bytes.size());
  Hello back;
  ASSERT_TRUE(DecodeHello(d, back).ok());
  EXPECT_EQ(back.endpoint_url, hello.endpoint_url);
  EXPECT_EQ(back.limits.receive_buffer_size, 65536u);
  EXPECT_EQ(back.limits.max_message_size, 1u << 24);
}

TEST(UaTcp, HeaderDecoderRejectsWhatIsNotAChunk) {
  MessageHeader header;
  Decoder unknown(std::string_view("XYZF\x10\x00\x00\x00", 8));
  EXPECT_NE(DecodeMessageHeader(unknown, 0, header).message().find("unknown message type 'XYZ'"),
            std::string::npos);
  Decoder chunk_type(std::string_view("MSGX\x10\x00\x00\x00", 8));
  EXPECT_FALSE(DecodeMessageHeader(chunk_type, 0, header).ok());
  Decoder tiny(std::string_view("MSGF\x04\x00\x00\x00", 8));
  EXPECT_FALSE(DecodeMessageHeader(tiny, 0, header).ok());
  Decoder big(std::string_view("MSGF\x00\x00\x01\x00", 8));
  const Status over = DecodeMessageHeader(big, 8192, header);
  EXPECT_EQ(over.code(), StatusCode::kResourceExhausted);
}

TEST(UaTcp, ErrorMessageRoundTrips) {
  const std::string bytes = EncodeTcpError({0x80820000, "too many sessions"});
  Decoder d(bytes);
  MessageHeader header;
  ASSERT_TRUE(DecodeMessageHeader(d, 0, header).ok());
  EXPECT_EQ(header.type, MessageType::kError);
  TcpError error;
  ASSERT_TRUE(DecodeTcpError(d, error).ok());
  EXPECT_EQ(error.error, 0x80820000u);
  EXPECT_EQ(error.reason, "too many sessions");
}

TEST(UaTcp, NegotiationNeverExceedsWhatTheOtherSideOffered) {
  TransportLimits client{0, 65536, 16384, 0, 0};
  TransportLimits server{0, 32768, 131072, 1 << 20, 64};
  Result<TransportLimits> ack = AcknowledgeFor(server, client);
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(ack->receive_buffer_size, 16384u);  // the client sends at most 16384
  EXPECT_EQ(ack->send_buffer_size, 65536u);     // the client receives at most 65536
  Result<NegotiatedLimits> kept = ClientLimits(client, *ack);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->send_buffer_size, 16384u);
  EXPECT_EQ(kept->receive_buffer_size, 65536u);
  EXPECT_EQ(kept->send_max_message_size, 1u << 20);
  EXPECT_EQ(kept->send_max_chunk_count, 64u);
  const NegotiatedLimits server_side = ServerLimits(server, client, *ack);
  EXPECT_EQ(server_side.send_buffer_size, 65536u);
  EXPECT_EQ(server_side.receive_buffer_size, 16384u);
}

TEST(UaTcp, NegotiationRefusesBuffersBelowTheMinimum) {
  EXPECT_FALSE(AcknowledgeFor({}, {0, 4096, 65536, 0, 0}).ok());
  EXPECT_FALSE(ClientLimits({0, 65536, 65536, 0, 0}, {0, 1024, 65536, 0, 0}).ok());
  EXPECT_FALSE(ClientLimits({0, 16384, 65536, 0, 0}, {0, 65536, 65536, 0, 0}).ok());  // more than offered
}

}  // namespace
}  // namespace mw::opcua
