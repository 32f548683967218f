#include "opcua/transport/secure_channel.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace mw::opcua {
namespace {

using security::MessageSecurityMode;

NegotiatedLimits Limits(std::uint32_t buffer = 65536) {
  NegotiatedLimits l;
  l.send_buffer_size = buffer;
  l.receive_buffer_size = buffer;
  return l;
}

// Two application identities, made once: RSA key generation is slow.
struct Identities {
  mw::testing::TempDir client_dir;
  mw::testing::TempDir server_dir;
  security::ApplicationIdentity client;
  security::ApplicationIdentity server;
};

const Identities& Ids() {
  static const Identities* ids = [] {
    auto* made = new Identities{};
    auto client = security::LoadOrCreateApplicationIdentity(made->client_dir.path(), "urn:test:client",
                                                            "client", {"localhost"});
    auto server = security::LoadOrCreateApplicationIdentity(made->server_dir.path(), "urn:test:server",
                                                            "server", {"localhost"});
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    made->client = std::move(client).value();
    made->server = std::move(server).value();
    return made;
  }();
  return *ids;
}

// A client codec and a server codec with an open channel between them.
struct Pair {
  std::unique_ptr<SecureChannelCodec> client;
  std::unique_ptr<SecureChannelCodec> server;
};

std::string Deliver(SecureChannelCodec& to, const std::vector<std::string>& chunks) {
  std::optional<IncomingMessage> message;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    Result<std::optional<IncomingMessage>> got = to.ReceiveChunk(chunks[i]);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (!got.ok()) return "";
    EXPECT_EQ(got->has_value(), i + 1 == chunks.size());
    if (got->has_value()) message = std::move(**got);
  }
  return message ? message->body : "";
}

Pair Open(const security::Policy& policy, MessageSecurityMode mode, NegotiatedLimits limits = Limits()) {
  ChannelSecurity client_side;
  ChannelSecurity server_side;
  client_side.policy = server_side.policy = &policy;
  client_side.mode = server_side.mode = mode;
  if (!policy.IsNone()) {
    client_side.local = Ids().client;
    client_side.remote = Ids().server.certificate;
    server_side.local = Ids().server;  // learns the client's certificate from its OPN
  }
  Pair pair;
  auto client = SecureChannelCodec::Create(client_side, limits);
  auto server = SecureChannelCodec::Create(server_side, limits);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  pair.client = std::make_unique<SecureChannelCodec>(std::move(client).value());
  pair.server = std::make_unique<SecureChannelCodec>(std::move(server).value());
  auto open = pair.client->EncodeOpen(1, "open request");
  EXPECT_TRUE(open.ok()) << open.status().ToString();
  EXPECT_EQ(Deliver(*pair.server, *open), "open request");
  pair.server->set_channel_id(42);
  auto reply = pair.server->EncodeOpen(1, "open response");
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(Deliver(*pair.client, *reply), "open response");
  pair.client->set_channel_id(42);
  const std::string client_nonce(32, 'c');
  const std::string server_nonce(32, 's');
  pair.client->InstallToken(5, client_nonce, server_nonce);
  pair.server->InstallToken(5, server_nonce, client_nonce);
  return pair;
}

std::string Body(std::size_t n) {
  std::string body(n, '\0');
  for (std::size_t i = 0; i < n; ++i) body[i] = static_cast<char>(i * 31 + 7);
  return body;
}

TEST(SecureChannelNone, LargeMessageIsChunkedAndReassembled) {
  Pair pair = Open(security::NonePolicy(), MessageSecurityMode::kNone, Limits(8192));
  const std::string body = Body(100'000);
  auto chunks = pair.client->EncodeSymmetric(MessageType::kMessage, 9, body);
  ASSERT_TRUE(chunks.ok());
  EXPECT_EQ(chunks->size(),
            (body.size() + pair.client->MaxSymmetricBody() - 1) / pair.client->MaxSymmetricBody());
  for (const std::string& chunk : *chunks) EXPECT_LE(chunk.size(), 8192u);
  EXPECT_EQ(Deliver(*pair.server, *chunks), body);
}

TEST(SecureChannelNone, RefusesToSendMoreChunksThanThePeerTakes) {
  NegotiatedLimits limits = Limits(8192);
  limits.send_max_chunk_count = 3;
  Pair pair = Open(security::NonePolicy(), MessageSecurityMode::kNone, limits);
  auto chunks = pair.client->EncodeSymmetric(MessageType::kMessage, 9, Body(40'000));
  ASSERT_FALSE(chunks.ok());
  EXPECT_EQ(chunks.status().code(), StatusCode::kResourceExhausted);
}

TEST(SecureChannelNone, RefusesToGatherMoreChunksThanItTakes) {
  NegotiatedLimits limits = Limits(8192);
  limits.receive_max_chunk_count = 2;
  Pair pair = Open(security::NonePolicy(), MessageSecurityMode::kNone, limits);
  auto chunks = pair.client->EncodeSymmetric(MessageType::kMessage, 9, Body(40'000));
  ASSERT_TRUE(chunks.ok());
  Status last;
  for (const std::string& chunk : *chunks) {
    auto got = pair.server->ReceiveChunk(chunk);
    if (!got.ok()) {
      last = got.status();
      break;
    }
  }
  EXPECT_EQ(last.code(), StatusCode::kResourceExhausted);
}

TEST(SecureChannelNone, ReplayedChunkFailsTheSequenceCheck) {
  Pair pair = Open(security::NonePolicy(), MessageSecurityMode::kNone);
  auto chunks = pair.client->EncodeSymmetric(MessageType::kMessage, 3, "once");
  ASSERT_TRUE(chunks.ok());
  EXPECT_EQ(Deliver(*pair.server, *chunks), "once");
  auto again = pair.server->ReceiveChunk((*chunks)[0]);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("sequence number"), std::string::npos);
}

TEST(SecureChannelNone, AbortChunkIsReturnedWithItsReason) {
  Pair pair = Open(security::NonePolicy(), MessageSecurityMode::kNone);
  auto first =
      pair.server->EncodeSymmetric(MessageType::kMessage, 1, "x");  // to learn the next sequence number
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(Deliver(*pair.client, *first), "x");
  std::string chunk;
  Encoder e(chunk);
  EncodeMessageHeader(e, {MessageType::kMessage, ChunkType::kAbort, 0});
  e.UInt32(42);
  e.UInt32(5);   // token
  e.UInt32(3);   // sequence number after the OPN (1) and "x" (2)
  e.UInt32(77);  // request id
  e.UInt32(0x80080000);
  e.String(std::string("response too large"));
  PatchMessageSize(chunk);
  auto got = pair.client->ReceiveChunk(chunk);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->request_id, 77u);
  ASSERT_TRUE((*got)->abort.has_value());
  EXPECT_EQ((*got)->abort->reason, "response too large");
}

TEST(SecureChannelNone, ChunkForAnotherChannelIsRefused) {
  Pair pair = Open(security::NonePolicy(), MessageSecurityMode::kNone);
  pair.server->set_channel_id(43);
  auto chunks = pair.server->EncodeSymmetric(MessageType::kMessage, 1, "x");
  ASSERT_TRUE(chunks.ok());
  EXPECT_FALSE(pair.client->ReceiveChunk((*chunks)[0]).ok());
}

struct Case {
  const char* policy;
  MessageSecurityMode mode;
};

class SecureChannelSecured : public ::testing::TestWithParam<Case> {
 protected:
  const security::Policy& policy() const { return *security::FindPolicy(GetParam().policy); }
};

TEST_P(SecureChannelSecured, MessagesRoundTripBothWays) {
  Pair pair = Open(policy(), GetParam().mode, Limits(8192));
  for (const std::size_t size : {0u, 1u, 15u, 16u, 17u, 8000u, 50'000u}) {
    const std::string body = Body(size);
    auto up = pair.client->EncodeSymmetric(MessageType::kMessage, 10 + size, body);
    ASSERT_TRUE(up.ok()) << up.status().ToString();
    for (const std::string& chunk : *up) EXPECT_LE(chunk.size(), 8192u);
    EXPECT_EQ(Deliver(*pair.server, *up), body) << size;
    auto down = pair.server->EncodeSymmetric(MessageType::kMessage, 10 + size, body);
    ASSERT_TRUE(down.ok());
    EXPECT_EQ(Deliver(*pair.client, *down), body) << size;
  }
}

TEST_P(SecureChannelSecured, EncryptionHidesTheBody) {
  Pair pair = Open(policy(), GetParam().mode);
  const std::string secret = "the bearing temperature is 87.5";
  auto chunks = pair.client->EncodeSymmetric(MessageType::kMessage, 1, secret);
  ASSERT_TRUE(chunks.ok());
  const bool visible = (*chunks)[0].find(secret) != std::string::npos;
  EXPECT_EQ(visible, GetParam().mode == MessageSecurityMode::kSign);
}

TEST_P(SecureChannelSecured, TamperedChunkIsRefused) {
  Pair pair = Open(policy(), GetParam().mode);
  auto chunks = pair.client->EncodeSymmetric(MessageType::kMessage, 1, Body(300));
  ASSERT_TRUE(chunks.ok());
  std::string chunk = (*chunks)[0];
  chunk[chunk.size() / 2] ^= 0x01;
  EXPECT_FALSE(pair.server->ReceiveChunk(chunk).ok());
}

TEST_P(SecureChannelSecured, RenewedTokenTakesOverWhileTheOldOneStillDecrypts) {
  Pair pair = Open(policy(), GetParam().mode);
  auto old_token = pair.server->EncodeSymmetric(MessageType::kMessage, 1, "sent before the renewal");
  ASSERT_TRUE(old_token.ok());
  pair.client->InstallToken(6, std::string(32, 'C'), std::string(32, 'S'));
  pair.server->InstallToken(6, std::string(32, 'S'), std::string(32, 'C'));
  EXPECT_EQ(Deliver(*pair.client, *old_token), "sent before the renewal");
  auto fresh = pair.client->EncodeSymmetric(MessageType::kMessage, 2, "after");
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(Deliver(*pair.server, *fresh), "after");
}

TEST_P(SecureChannelSecured, OpenFromAnUnexpectedCertificateIsRefused) {
  ChannelSecurity client_side;
  client_side.policy = &policy();
  client_side.mode = GetParam().mode;
  client_side.local = Ids().client;
  client_side.remote = Ids().client.certificate;  // not the server's: the server cannot decrypt
  auto client = SecureChannelCodec::Create(client_side, Limits());
  ASSERT_TRUE(client.ok());
  ChannelSecurity server_side;
  server_side.policy = &policy();
  server_side.mode = GetParam().mode;
  server_side.local = Ids().server;
  auto server = SecureChannelCodec::Create(server_side, Limits());
  ASSERT_TRUE(server.ok());
  auto open = client->EncodeOpen(1, "open");
  ASSERT_TRUE(open.ok());
  auto got = server->ReceiveChunk((*open)[0]);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("certificate other than ours"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Policies, SecureChannelSecured,
    ::testing::Values(Case{"Basic256Sha256", MessageSecurityMode::kSign},
                      Case{"Basic256Sha256", MessageSecurityMode::kSignAndEncrypt},
                      Case{"Aes128_Sha256_RsaOaep", MessageSecurityMode::kSign},
                      Case{"Aes128_Sha256_RsaOaep", MessageSecurityMode::kSignAndEncrypt},
                      Case{"Aes256_Sha256_RsaPss", MessageSecurityMode::kSign},
                      Case{"Aes256_Sha256_RsaPss", MessageSecurityMode::kSignAndEncrypt}),
    [](const ::testing::TestParamInfo<Case>& param) {
      return std::string(param.param.policy) + "_" +
             std::string(security::SecurityModeName(param.param.mode));
    });

TEST(SecureChannelCodec, PolicyAndModeMustAgree) {
  ChannelSecurity s;
  s.mode = MessageSecurityMode::kSign;  // None policy cannot sign
  EXPECT_FALSE(SecureChannelCodec::Create(s, Limits()).ok());
  ChannelSecurity no_cert;
  no_cert.policy = security::FindPolicy("Basic256Sha256");
  no_cert.mode = MessageSecurityMode::kSign;
  EXPECT_FALSE(SecureChannelCodec::Create(no_cert, Limits()).ok());
}

}  // namespace
}  // namespace mw::opcua
