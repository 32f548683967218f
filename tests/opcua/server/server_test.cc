// Our OPC UA server against our client, over loopback: the services, security, parallel
// sessions, subscriptions, and what a misbehaving peer gets.
#include "opcua/server/server.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "opcua/client/client.h"
#include "opcua/encoding/node_id.h"
#include "opcua/encoding/status_code_names.h"
#include "opcua/services/codec.h"
#include "opcua/transport/ua_tcp.h"
#include "tests/opcua/server/test_plant.h"
#include "tests/support/test_support.h"

namespace mw::opcua {
namespace {

using server::Server;
using server::ServerOptions;
using testing::TestPlant;

class OpcuaServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options) {
    options.port = 0;
    auto started = Server::Start(std::move(options));
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started).value();
    plant_ = testing::AddTestPlant(server_->address_space(), 50);
  }
  void SetUp() override {
    ServerOptions o;
    o.pki_dir = server_pki_.path();
    o.users = {{"operator", "secret-42"}};
    o.x509_users = true;
    o.endpoints = {server::SecurityEndpoint{},
                   {security::FindPolicy("Basic256Sha256"), security::MessageSecurityMode::kSignAndEncrypt},
                   {security::FindPolicy("Aes256_Sha256_RsaPss"), security::MessageSecurityMode::kSign}};
    StartServer(std::move(o));
  }

  ClientOptions Options() const {
    ClientOptions o;
    o.endpoint_url = server_->endpoint_url();
    o.pki_dir = client_pki_.path();
    o.request_timeout = std::chrono::milliseconds(5000);
    return o;
  }
  std::unique_ptr<Client> Connect(ClientOptions o) {
    auto client = Client::Connect(std::move(o));
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }
  std::unique_ptr<Client> Connect() { return Connect(Options()); }

  // Our client's certificate into the server's trust list; the client trusts the server.
  void TrustClient() {
    auto identity = security::LoadOrCreateApplicationIdentity(client_pki_.path(), "urn:millwright:client",
                                                              "Millwright", {"localhost"});
    ASSERT_TRUE(identity.ok()) << identity.status().ToString();
    ASSERT_TRUE(security::TrustList(server_pki_.path()).Trust(identity->certificate).ok());
  }
  ClientOptions Secure(const std::string& policy, security::MessageSecurityMode mode) const {
    ClientOptions o = Options();
    o.security_policy = policy;
    o.security_mode = mode;
    o.trust_unknown_server = true;
    return o;
  }

  mw::testing::TempDir server_pki_;
  mw::testing::TempDir client_pki_;
  std::unique_ptr<Server> server_;
  TestPlant plant_;
};

TEST_F(OpcuaServerTest, StandardNodesAnswerAsClientsExpect) {
  auto client = Connect();
  ASSERT_TRUE(client);
  auto namespaces = client->NamespaceArray();
  ASSERT_TRUE(namespaces.ok()) << namespaces.status().ToString();
  ASSERT_EQ(namespaces->size(), 3u);
  EXPECT_EQ((*namespaces)[0], "http://opcfoundation.org/UA/");
  EXPECT_EQ((*namespaces)[2], testing::kPlantNamespace);
  std::vector<ReadValueId> ids(3);
  ids[0].node_id = NodeId::Numeric(0, 2259);
  ids[1].node_id = NodeId::Numeric(0, 11705);
  ids[2].node_id = NodeId::Numeric(0, 2258);
  auto values = client->Read(ids);
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(std::get<std::int32_t>((*values)[0].value->values[0]), 0);  // Running
  EXPECT_EQ(std::get<std::uint32_t>((*values)[1].value->values[0]), 20'000u);
  EXPECT_TRUE(std::holds_alternative<DateTime>((*values)[2].value->values[0]));
  auto status = client->ReadValue(NodeId::Numeric(0, 2256));
  ASSERT_TRUE(status.ok());
  ServerStatusDataType decoded;
  EXPECT_TRUE(FromExtensionObject(std::get<ExtensionObject>(status->value->values[0]), decoded).ok());
  EXPECT_EQ(decoded.build_info.manufacturer_name, std::string("Millwright"));
}

TEST_F(OpcuaServerTest, BrowseFollowsTheTreeAndTranslateFindsPaths) {
  auto client = Connect();
  ASSERT_TRUE(client);
  auto objects = client->Browse(NodeId::Numeric(0, 85));
  ASSERT_TRUE(objects.ok());
  std::vector<std::string> names;
  for (const auto& r : *objects) names.push_back(r.browse_name.name);
  EXPECT_NE(std::find(names.begin(), names.end(), "Server"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "Plant"), names.end());
  auto bench = client->Browse(plant_.Id("Bench"));
  ASSERT_TRUE(bench.ok());
  EXPECT_EQ(bench->size(), 50u);
  BrowsePath path;
  path.starting_node = NodeId::Numeric(0, 85);
  for (const char* name : {"Plant", "Pump1", "Speed"}) {
    RelativePathElement e;
    e.reference_type_id = NodeId::Numeric(0, 33);
    e.target_name = {plant_.ns, name};
    path.relative_path.elements.push_back(e);
  }
  BrowsePath missing = path;
  missing.relative_path.elements.back().target_name.name = "Nope";
  auto found = client->TranslateBrowsePaths({path, missing});
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_EQ(found->size(), 2u);
  ASSERT_EQ((*found)[0].targets.size(), 1u);
  EXPECT_EQ((*found)[0].targets[0].target_id.node_id, plant_.Id("Pump1.Speed"));
  EXPECT_EQ((*found)[1].status_code.code, kBadNoMatch);
}

TEST_F(OpcuaServerTest, ReadReturnsEveryAttributeOfAVariable) {
  auto client = Connect();
  ASSERT_TRUE(client);
  std::vector<ReadValueId> ids;
  for (std::uint32_t a = 1; a <= 27; ++a) ids.push_back({plant_.Id("Pump1.Speed"), a, {}, {}});
  auto values = client->Read(ids);
  ASSERT_TRUE(values.ok());
  const auto& v = *values;
  EXPECT_EQ(std::get<NodeId>(v[0].value->values[0]), plant_.Id("Pump1.Speed"));
  EXPECT_EQ(std::get<std::int32_t>(v[1].value->values[0]), 2);  // Variable
  EXPECT_EQ(std::get<QualifiedName>(v[2].value->values[0]).name, "Speed");
  EXPECT_EQ(std::get<double>(v[12].value->values[0]), 1480.0);
  EXPECT_EQ(std::get<NodeId>(v[13].value->values[0]), NodeId::Numeric(0, 11));
  EXPECT_EQ(std::get<std::uint8_t>(v[16].value->values[0]), 3);
  EXPECT_EQ(v[7].status->code, kBadAttributeIdInvalid);  // IsAbstract: not for variables
  auto unknown = client->ReadValue(plant_.Id("Nope"));
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->status->code, kBadNodeIdUnknown);
  auto ranged = client->Read({{plant_.Id("Pump1.Temps"), 13, String("1:2"), {}}});
  ASSERT_TRUE(ranged.ok());
  EXPECT_EQ((*ranged)[0].value->values.size(), 2u);
}

TEST_F(OpcuaServerTest, WriteChecksAccessAndType) {
  auto client = Connect();
  ASSERT_TRUE(client);
  auto write = [&](const NodeId& node, Variant v) {
    WriteValue w;
    w.node_id = node;
    w.value.value = std::move(v);
    auto r = client->Write({w});
    EXPECT_TRUE(r.ok());
    return r.ok() ? (*r)[0].code : kBad;
  };
  EXPECT_EQ(write(plant_.Id("Pump1.Speed"), Variant::Scalar(1500.0)), kGood);
  EXPECT_EQ(write(plant_.Id("Pump1.Speed"), Variant::Scalar(std::int32_t{5})), kBadTypeMismatch);
  EXPECT_EQ(write(plant_.Id("Pump1.Label"), Variant::Scalar(String("x"))), kBadNotWritable);
  EXPECT_EQ(write(plant_.Id("Nope"), Variant::Scalar(1.0)), kBadNodeIdUnknown);
  auto back = client->ReadValue(plant_.Id("Pump1.Speed"));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::get<double>(back->value->values[0]), 1500.0);
}

TEST_F(OpcuaServerTest, StructuresDecodeThroughTheirDataTypeDefinition) {
  auto client = Connect();
  ASSERT_TRUE(client);
  auto value = client->ReadValue(plant_.Id("Pump1.Status"));
  ASSERT_TRUE(value.ok());
  auto decoded = client->DecodeStructure(std::get<ExtensionObject>(value->value->values[0]));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(std::get<double>(decoded->Find("Speed")->builtins[0]), 1480.5);
  const StructuredValue& inner = decoded->Find("Bearing")->structures[0];
  EXPECT_EQ(std::get<std::int32_t>(inner.Find("Code")->builtins[0]), 7);
  EXPECT_EQ(decoded->Find("Temps")->builtins.size(), 3u);
}

// Collects data changes by client handle.
struct Changes {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<DataChange> seen;
  SubscriptionHandler Handler() {
    SubscriptionHandler h;
    h.on_data = [this](const std::vector<DataChange>& changes) {
      std::lock_guard lock(mu);
      seen.insert(seen.end(), changes.begin(), changes.end());
      cv.notify_all();
    };
    return h;
  }
  bool WaitFor(std::size_t n, std::chrono::seconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [&] { return seen.size() >= n; });
  }
};

TEST_F(OpcuaServerTest, SubscriptionsDeliverChangesPastTheDeadband) {
  auto client = Connect();
  ASSERT_TRUE(client);
  Changes changes;
  auto sub = client->CreateSubscription({50, 100, 10, 0, 0, true}, changes.Handler());
  ASSERT_TRUE(sub.ok()) << sub.status().ToString();
  MonitoredItemSpec speed{plant_.Id("Pump1.Speed"), 13, 1, 0, 10, true, 1, 5.0};
  MonitoredItemSpec count{plant_.Id("Pump1.Count"), 13, 2, 0, 10, true, 0, 0};
  MonitoredItemSpec missing{plant_.Id("Nope"), 13, 3};
  auto items = client->AddMonitoredItems(*sub, {speed, count, missing});
  ASSERT_TRUE(items.ok());
  EXPECT_TRUE((*items)[0].status.IsGood());
  EXPECT_EQ((*items)[2].status.code, kBadNodeIdUnknown);
  ASSERT_TRUE(changes.WaitFor(2));  // the initial values
  server::AddressSpace& space = server_->address_space();
  for (double v : {1481.0, 1483.0, 1490.0}) {  // only 1490 is more than 5 from 1480
    DataValue dv;
    dv.value = Variant::Scalar(v);
    ASSERT_TRUE(space.SetValue(plant_.Id("Pump1.Speed"), dv).ok());
  }
  for (std::int32_t i = 1; i <= 3; ++i) {
    DataValue dv;
    dv.value = Variant::Scalar(i);
    ASSERT_TRUE(space.SetValue(plant_.Id("Pump1.Count"), dv).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(changes.WaitFor(6));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::lock_guard lock(changes.mu);
  std::vector<double> speeds;
  std::vector<std::int32_t> counts;
  for (const DataChange& c : changes.seen) {
    if (c.client_handle == 1) speeds.push_back(std::get<double>(c.value.value->values[0]));
    if (c.client_handle == 2) counts.push_back(std::get<std::int32_t>(c.value.value->values[0]));
  }
  EXPECT_EQ(speeds, (std::vector<double>{1480.0, 1490.0}));
  EXPECT_EQ(counts, (std::vector<std::int32_t>{0, 1, 2, 3}));
  EXPECT_EQ(server_->stats().monitored_items, 2u);
  EXPECT_TRUE(client->DeleteSubscription(*sub).ok());
  EXPECT_EQ(server_->stats().monitored_items, 0u);
}

TEST_F(OpcuaServerTest, ModifyPauseAndResumeASubscription) {
  auto client = Connect();
  ASSERT_TRUE(client);
  Changes changes;
  auto sub = client->CreateSubscription({50, 100, 10, 0, 0, true}, changes.Handler());
  ASSERT_TRUE(sub.ok());
  ASSERT_TRUE(client->AddMonitoredItems(*sub, {{plant_.Id("Pump1.Count"), 13, 2, 0, 10, true, 0, 0}}).ok());
  ASSERT_TRUE(changes.WaitFor(1));
  EXPECT_TRUE(client->ModifySubscription(*sub, {200, 100, 5, 0, 1, true}).ok());
  ASSERT_TRUE(client->SetPublishingMode(*sub, false).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a cycle in flight may still arrive
  std::size_t before = 0;
  {
    std::lock_guard lock(changes.mu);
    before = changes.seen.size();
  }
  DataValue dv;
  dv.value = Variant::Scalar(std::int32_t{77});
  ASSERT_TRUE(server_->address_space().SetValue(plant_.Id("Pump1.Count"), dv).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  {
    std::lock_guard lock(changes.mu);
    EXPECT_EQ(changes.seen.size(), before) << "a paused subscription published";
  }
  ASSERT_TRUE(client->SetPublishingMode(*sub, true).ok());
  ASSERT_TRUE(changes.WaitFor(before + 1));
  std::lock_guard lock(changes.mu);
  EXPECT_EQ(std::get<std::int32_t>(changes.seen.back().value.value->values[0]), 77);
}

TEST_F(OpcuaServerTest, FindServersAndUnregisterNodes) {
  auto client = Connect();
  ASSERT_TRUE(client);
  auto servers = client->FindServers();
  ASSERT_TRUE(servers.ok()) << servers.status().ToString();
  ASSERT_EQ(servers->size(), 1u);
  EXPECT_EQ((*servers)[0].application_uri, std::string("urn:millwright:server"));
  auto registered = client->RegisterNodes({plant_.Id("Pump1.Speed")});
  ASSERT_TRUE(registered.ok());
  EXPECT_TRUE(client->UnregisterNodes(*registered).ok());
}

TEST_F(OpcuaServerTest, SignAndEncryptWithUserAndPassword) {
  TrustClient();
  ClientOptions o = Secure("Basic256Sha256", security::MessageSecurityMode::kSignAndEncrypt);
  o.identity = IdentityKind::kUserName;
  o.user_name = "operator";
  o.password = "secret-42";
  auto client = Connect(o);
  ASSERT_TRUE(client);
  auto value = client->ReadValue(plant_.Id("Pump1.Speed"));
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(std::get<double>(value->value->values[0]), 1480.0);
  o.password = "wrong";
  auto refused = Client::Connect(o);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("BadUserAccessDenied"), std::string::npos)
      << refused.status().ToString();
}

TEST_F(OpcuaServerTest, SignModeAndPasswordOverAnUnsecuredChannel) {
  TrustClient();
  auto signed_client = Connect(Secure("Aes256_Sha256_RsaPss", security::MessageSecurityMode::kSign));
  ASSERT_TRUE(signed_client);
  EXPECT_TRUE(signed_client->ReadValue(plant_.Id("Pump1.Speed")).ok());
  ClientOptions o = Options();
  o.identity = IdentityKind::kUserName;
  o.user_name = "operator";
  o.password = "secret-42";
  auto client = Connect(o);
  ASSERT_TRUE(client);
  EXPECT_TRUE(client->ReadValue(plant_.Id("Pump1.Speed")).ok());
}

// A user certificate and key in `dir`; trusted as a user by the server when `trust` is set.
struct UserCertificate {
  std::string cert;
  std::string key;
};
UserCertificate MakeUser(const std::string& dir, const std::string& server_pki, bool trust) {
  auto key = security::PrivateKey::Generate(2048);
  EXPECT_TRUE(key.ok());
  const Timestamp now = SystemClock::Instance().Now();
  auto cert =
      security::CreateSelfSignedCertificate(*key, "urn:millwright:user:alice", "alice", {},
                                            now - kNanosPerSecond * 3600, now + kNanosPerSecond * 86400);
  EXPECT_TRUE(cert.ok());
  UserCertificate out{dir + "/alice.der", dir + "/alice.pem"};
  std::ofstream(out.cert, std::ios::binary) << cert->der();
  std::ofstream(out.key) << *key->ToPem();
  if (trust) {
    EXPECT_TRUE(security::TrustList(server_pki + "/users").Trust(*cert).ok());
  }
  return out;
}

TEST_F(OpcuaServerTest, X509UserIdentityOnUnsecuredAndSecuredChannels) {
  mw::testing::TempDir users;
  const UserCertificate alice = MakeUser(users.path(), server_pki_.path(), true);
  ClientOptions o = Options();
  o.identity = IdentityKind::kCertificate;
  o.user_certificate = alice.cert;
  o.user_key = alice.key;
  auto plain = Connect(o);
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->ReadValue(plant_.Id("Pump1.Speed")).ok());
  TrustClient();
  ClientOptions secure = Secure("Basic256Sha256", security::MessageSecurityMode::kSignAndEncrypt);
  secure.identity = IdentityKind::kCertificate;
  secure.user_certificate = alice.cert;
  secure.user_key = alice.key;
  auto client = Connect(secure);
  ASSERT_TRUE(client);
  WriteValue w;
  w.node_id = plant_.Id("Pump1.Count");
  w.value.value = Variant::Scalar(std::int32_t{9});
  auto written = client->Write({w});
  ASSERT_TRUE(written.ok());
  EXPECT_EQ((*written)[0].code, kGood);
  mw::testing::TempDir strangers;
  const UserCertificate mallory = MakeUser(strangers.path(), server_pki_.path(), false);
  o.user_certificate = mallory.cert;
  o.user_key = mallory.key;
  auto refused = Client::Connect(o);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("BadIdentityTokenRejected"), std::string::npos)
      << refused.status().ToString();
}

TEST_F(OpcuaServerTest, UnknownClientCertificateIsRefusedAndFiled) {
  auto refused = Client::Connect(Secure("Basic256Sha256", security::MessageSecurityMode::kSignAndEncrypt));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("BadCertificateUntrusted"), std::string::npos)
      << refused.status().ToString();
  EXPECT_FALSE(std::filesystem::is_empty(server_pki_.path() + "/rejected/certs"));
  EXPECT_GE(server_->stats().protocol_errors, 1u);
  auto modes = Client::Connect(Secure("Basic256Sha256", security::MessageSecurityMode::kSign));
  EXPECT_FALSE(modes.ok());  // no such endpoint
}

TEST_F(OpcuaServerTest, FiftySessionsInParallel) {
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&, i] {
      auto client = Client::Connect(Options());
      if (!client.ok()) return;
      bool all = true;
      for (int k = 0; k < 20; ++k) {
        auto v = (*client)->ReadValue(plant_.Id("Bench.D" + std::to_string((i + k) % 50)));
        all = all && v.ok() && std::get<double>(v->value->values[0]) == (i + k) % 50;
      }
      if (all) ++good;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 50);
}

TEST_F(OpcuaServerTest, UnsupportedServicesAnswerBadServiceUnsupported) {
  auto client = Connect();
  ASSERT_TRUE(client);
  auto history = client->HistoryReadRaw(plant_.Id("Pump1.Speed"), DateTime{0}, DateTime{1});
  ASSERT_FALSE(history.ok());
  EXPECT_NE(history.status().message().find("BadServiceUnsupported"), std::string::npos)
      << history.status().ToString();
  EXPECT_TRUE(client->ReadValue(plant_.Id("Pump1.Speed")).ok());  // still serving
}

// A raw TCP peer, to send what no client library would.
class RawPeer {
 public:
  explicit RawPeer(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~RawPeer() { ::close(fd_); }
  bool Send(const std::string& bytes) { return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) > 0; }
  // Everything until the server closes (or 5 s).
  std::string ReadAll() {
    std::string out;
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::recv(fd_, buf, sizeof(buf), 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
    return out;
  }
  bool connected() const { return connected_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

std::string Hello(const TransportLimits& limits) { return EncodeHello({limits, "opc.tcp://127.0.0.1/"}); }

// The ERR a broken peer gets, as "ERR <status name>", or what came instead.
std::string ErrorOf(const std::string& reply) {
  const std::size_t at = reply.find("ERRF");
  if (at == std::string::npos) return "no ERR in " + std::to_string(reply.size()) + " bytes";
  Decoder d(std::string_view(reply).substr(at + kMessageHeaderSize));
  TcpError e;
  if (!DecodeTcpError(d, e).ok()) return "undecodable ERR";
  return "ERR " + StatusCodeName(e.error);
}

TEST_F(OpcuaServerTest, MalformedInputGetsAnErrorAndOthersKeepWorking) {
  auto bystander = Connect();
  ASSERT_TRUE(bystander);
  const int port = server_->port();
  std::string hello = Hello(TransportLimits{});
  {
    RawPeer p(port);  // a message that is not a Hello
    ASSERT_TRUE(p.Send("GET / HTTP/1.1\r\n\r\n"));
    EXPECT_NE(ErrorOf(p.ReadAll()), "no ERR in 0 bytes");
  }
  {
    RawPeer p(port);  // absurdly small buffers
    ASSERT_TRUE(p.Send(Hello(TransportLimits{0, 16, 16, 0, 0})));
    EXPECT_EQ(ErrorOf(p.ReadAll()), "ERR BadTcpNotEnoughResources");
  }
  {
    RawPeer p(port);  // a size larger than any buffer
    std::string big = hello;
    big[4] = '\xff';
    big[5] = '\xff';
    big[6] = '\xff';
    big[7] = '\x7f';
    ASSERT_TRUE(p.Send(big));
    EXPECT_EQ(ErrorOf(p.ReadAll()), "ERR BadTcpMessageTooLarge");
  }
  {
    RawPeer p(port);  // a truncated Hello body
    std::string cut = hello.substr(0, 20);
    cut[4] = 20;
    cut[5] = cut[6] = cut[7] = 0;
    ASSERT_TRUE(p.Send(cut));
    EXPECT_EQ(ErrorOf(p.ReadAll()), "ERR BadDecodingError");
  }
  {
    RawPeer p(port);  // an OPN for a policy we do not offer
    ASSERT_TRUE(p.Send(hello));
    std::string opn("OPNF\0\0\0\0\0\0\0\0", 12);
    Encoder e(opn);
    e.String(std::string("http://opcfoundation.org/UA/SecurityPolicy#Basic128Rsa15"));
    e.ByteString(ByteString{});
    e.ByteString(ByteString{});
    opn += std::string(16, '\0');
    PatchMessageSize(opn);
    ASSERT_TRUE(p.Send(opn));
    EXPECT_EQ(ErrorOf(p.ReadAll()), "ERR BadSecurityPolicyRejected");
  }
  {
    RawPeer p(port);  // MSG on a channel that was never opened
    ASSERT_TRUE(p.Send(hello));
    std::string msg("MSGF\0\0\0\0\7\0\0\0\1\0\0\0\1\0\0\0\1\0\0\0", 24);
    PatchMessageSize(msg);
    ASSERT_TRUE(p.Send(msg));
    EXPECT_NE(ErrorOf(p.ReadAll()).find("ERR Bad"), std::string::npos);
  }
  EXPECT_GE(server_->stats().protocol_errors, 5u);
  auto still = bystander->ReadValue(plant_.Id("Pump1.Speed"));
  EXPECT_TRUE(still.ok()) << still.status().ToString();
}

TEST_F(OpcuaServerTest, ConnectionsBeyondTheLimitAreRefused) {
  server_.reset();
  ServerOptions o;
  o.max_connections = 2;
  o.max_sessions = 2;
  StartServer(std::move(o));
  auto a = Connect();
  auto b = Connect();
  ASSERT_TRUE(a && b);
  auto c = Client::Connect(Options());
  EXPECT_FALSE(c.ok());
  EXPECT_TRUE(a->ReadValue(plant_.Id("Pump1.Speed")).ok());
}

}  // namespace
}  // namespace mw::opcua
