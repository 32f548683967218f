// One connection's protocol (ConnectionHandler) without a socket: what a peer that breaks the
// secure conversation gets.
#include <gtest/gtest.h>

#include <cstring>

#include "opcua/encoding/status_code_names.h"
#include "opcua/server/server.h"
#include "opcua/server/server_core.h"
#include "opcua/services/codec.h"
#include "opcua/transport/secure_channel.h"

namespace mw::opcua::server {
namespace {

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.port = 0;
    auto core = CreateServerCore(o);
    ASSERT_TRUE(core.ok());
    core_ = std::move(core).value();
    handler_ = std::make_unique<ConnectionHandler>(
        *core_,
        [this](std::string_view b) {
          out_.append(b);
          return Status::Ok();
        },
        "test");
  }
  // Hello and an unsecured OpenSecureChannel; the client side's codec is then ready.
  void Open() {
    ASSERT_TRUE(handler_->OnChunk(EncodeHello({TransportLimits{}, "opc.tcp://test/"})).ok());
    out_.clear();
    NegotiatedLimits limits;
    limits.send_buffer_size = limits.receive_buffer_size = 65535;
    codec_.emplace(std::move(SecureChannelCodec::Create(ChannelSecurity{}, limits)).value());
    OpenSecureChannelRequest open;
    open.security_mode = 1;
    open.requested_lifetime = 60000;
    std::string body;
    Encoder e(body);
    ASSERT_TRUE(EncodeMessage(e, open).ok());
    auto chunks = codec_->EncodeOpen(1, body);
    ASSERT_TRUE(chunks.ok());
    ASSERT_TRUE(handler_->OnChunk((*chunks)[0]).ok());
    auto reply = codec_->ReceiveChunk(out_);
    ASSERT_TRUE(reply.ok() && reply->has_value());
    Decoder d((*reply)->body);
    std::uint32_t type = 0;
    OpenSecureChannelResponse r;
    ASSERT_TRUE(PeekMessageType(d, type).ok() && Decode(d, r).ok());
    codec_->set_channel_id(r.security_token.channel_id);
    codec_->InstallToken(r.security_token.token_id, "", "");
    out_.clear();
  }
  std::string GetEndpointsChunk(std::uint32_t request_id) {
    GetEndpointsRequest request;
    request.request_header.request_handle = request_id;
    std::string body;
    Encoder e(body);
    EXPECT_TRUE(EncodeMessage(e, request).ok());
    return (*codec_->EncodeSymmetric(MessageType::kMessage, request_id, body))[0];
  }
  // The status of the ERR message the handler wrote, or 0.
  std::uint32_t ErrorWritten() const {
    if (out_.size() < kMessageHeaderSize || out_.compare(0, 3, "ERR") != 0) return 0;
    Decoder d(std::string_view(out_).substr(kMessageHeaderSize));
    TcpError e;
    return DecodeTcpError(d, e).ok() ? e.error : 0;
  }

  std::unique_ptr<ServerCore> core_;
  std::unique_ptr<ConnectionHandler> handler_;
  std::optional<SecureChannelCodec> codec_;
  std::string out_;
};

TEST_F(ConnectionTest, AnsweredRequestOnAnOpenChannel) {
  Open();
  EXPECT_TRUE(handler_->OnChunk(GetEndpointsChunk(2)).ok());
  auto reply = codec_->ReceiveChunk(out_);
  ASSERT_TRUE(reply.ok() && reply->has_value()) << reply.status().ToString();
  Decoder d((*reply)->body);
  std::uint32_t type = 0;
  ASSERT_TRUE(PeekMessageType(d, type).ok());
  EXPECT_EQ(type, GetEndpointsResponse::kBinaryEncodingId);
}

TEST_F(ConnectionTest, ReplayedSequenceNumberClosesWithBadSequenceNumberInvalid) {
  Open();
  const std::string first = GetEndpointsChunk(2);
  ASSERT_TRUE(handler_->OnChunk(first).ok());
  out_.clear();
  EXPECT_FALSE(handler_->OnChunk(first).ok());  // the same sequence number again
  EXPECT_EQ(ErrorWritten(), kBadSequenceNumberInvalid);
}

TEST_F(ConnectionTest, SkippedSequenceNumberIsRefused) {
  Open();
  (void)GetEndpointsChunk(2);  // encoded, never sent: the next one skips a number
  EXPECT_FALSE(handler_->OnChunk(GetEndpointsChunk(3)).ok());
  EXPECT_EQ(ErrorWritten(), kBadSequenceNumberInvalid);
}

TEST_F(ConnectionTest, WrongChannelIdAndWrongSizeAreRefused) {
  Open();
  std::string chunk = GetEndpointsChunk(2);
  chunk[8] = static_cast<char>(chunk[8] + 1);  // the channel id
  EXPECT_FALSE(handler_->OnChunk(chunk).ok());
  EXPECT_EQ(ErrorWritten(), kBadTcpSecureChannelUnknown);
  SetUp();
  Open();
  chunk = GetEndpointsChunk(2);
  chunk.resize(chunk.size() - 3);  // the header still says the full size
  EXPECT_FALSE(handler_->OnChunk(chunk).ok());
  EXPECT_NE(ErrorWritten(), 0u);
}

TEST_F(ConnectionTest, SecondHelloAndUnknownTokenAreRefused) {
  Open();
  EXPECT_FALSE(handler_->OnChunk(EncodeHello({TransportLimits{}, "opc.tcp://test/"})).ok());
  EXPECT_EQ(ErrorWritten(), kBadTcpMessageTypeInvalid);
  SetUp();
  Open();
  std::string chunk = GetEndpointsChunk(2);
  chunk[12] = static_cast<char>(chunk[12] + 7);  // the token id
  out_.clear();
  EXPECT_FALSE(handler_->OnChunk(chunk).ok());
  EXPECT_EQ(ErrorWritten(), kBadSecureChannelTokenUnknown);
}

}  // namespace
}  // namespace mw::opcua::server
