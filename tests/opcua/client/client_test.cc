// Our OPC UA client against node-opcua's server (tests/peers/opcua/server.js), started on a free
// loopback port for each test suite.
#include "opcua/client/client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <thread>

#include "opcua/client/value_text.h"
#include "opcua/encoding/node_id.h"
#include "opcua/encoding/status_code_names.h"
#include "tests/support/node_opcua_peer.h"
#include "tests/support/test_support.h"

namespace mw::opcua {
namespace {

namespace fs = std::filesystem;
using mw::testing::NodeOpcuaPeer;

class OpcuaClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!NodeOpcuaPeer::Available()) return;
    peer_dir_ = new mw::testing::TempDir();
    auto peer = NodeOpcuaPeer::Start(peer_dir_->path());
    ASSERT_TRUE(peer.ok()) << peer.status().ToString();
    peer_ = std::move(peer).value().release();
  }
  static void TearDownTestSuite() {
    delete peer_;
    peer_ = nullptr;
    delete peer_dir_;
    peer_dir_ = nullptr;
  }
  void SetUp() override {
    if (!peer_) GTEST_SKIP() << "node-opcua is not installed (scripts/install-deps.sh installs it)";
  }

  ClientOptions Options() const {
    ClientOptions o;
    o.endpoint_url = peer_->endpoint();
    o.pki_dir = pki_.path();
    o.request_timeout = std::chrono::milliseconds(5000);
    return o;
  }
  std::unique_ptr<Client> Connect(ClientOptions o) {
    auto client = Client::Connect(std::move(o));
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }
  std::unique_ptr<Client> Connect() { return Connect(Options()); }
  NodeId Node(const std::string& name) const { return NodeId::StringId(peer_->namespace_index(), name); }

  // Makes both sides trust each other: our certificate into the peer's trusted folder, the
  // peer's (refused once, so that it lands in our rejected folder) into ours.
  void TrustEachOther(const std::string& policy) {
    auto identity = security::LoadOrCreateApplicationIdentity(pki_.path(), "urn:millwright:client",
                                                              "Millwright", {"localhost"});
    ASSERT_TRUE(identity.ok()) << identity.status().ToString();
    fs::copy_file(pki_.path() + "/own/certs/cert.der", peer_->trusted_dir() + "/millwright.der",
                  fs::copy_options::overwrite_existing);
    ClientOptions o = Options();
    o.security_policy = policy;
    o.security_mode = security::MessageSecurityMode::kSignAndEncrypt;
    auto refused = Client::Connect(o);
    if (refused.ok()) return;  // already trusted by an earlier test
    ASSERT_NE(refused.status().message().find(pki_.path() + "/trusted/certs"), std::string::npos)
        << refused.status().message();
    for (const auto& entry : fs::directory_iterator(pki_.path() + "/rejected/certs")) {
      fs::rename(entry.path(), pki_.path() + "/trusted/certs/" + entry.path().filename().string());
    }
  }

  mw::testing::TempDir pki_;
  static mw::testing::TempDir* peer_dir_;
  static NodeOpcuaPeer* peer_;
};

mw::testing::TempDir* OpcuaClientTest::peer_dir_ = nullptr;
NodeOpcuaPeer* OpcuaClientTest::peer_ = nullptr;

const Value& Scalar(const DataValue& dv) {
  static const Value kNull;
  return dv.value && !dv.value->is_array && !dv.value->values.empty() ? dv.value->values[0] : kNull;
}

TEST_F(OpcuaClientTest, BrowseFindsThePeerFolders) {
  auto client = Connect();
  ASSERT_TRUE(client);
  auto objects = client->Browse(NodeId::Numeric(0, 85));
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  const ReferenceDescription* peer = nullptr;
  for (const auto& r : *objects) {
    if (r.browse_name.name == "TestPeer") peer = &r;
  }
  ASSERT_NE(peer, nullptr);
  auto children = client->Browse(peer->node_id.node_id);
  ASSERT_TRUE(children.ok());
  std::set<std::string> names;
  for (const auto& r : *children) names.insert(r.browse_name.name);
  for (const char* folder : {"Scalars", "Arrays", "Structs", "Dynamic", "Bench"})
    EXPECT_EQ(names.count(folder), 1u) << folder;
}

TEST_F(OpcuaClientTest, ReadsEveryScalarType) {
  auto client = Connect();
  ASSERT_TRUE(client);
  const std::vector<std::pair<std::string, BuiltinType>> scalars = {
      {"Boolean", BuiltinType::kBoolean},
      {"SByte", BuiltinType::kSByte},
      {"Byte", BuiltinType::kByte},
      {"Int16", BuiltinType::kInt16},
      {"UInt16", BuiltinType::kUInt16},
      {"Int32", BuiltinType::kInt32},
      {"UInt32", BuiltinType::kUInt32},
      {"Int64", BuiltinType::kInt64},
      {"UInt64", BuiltinType::kUInt64},
      {"Float", BuiltinType::kFloat},
      {"Double", BuiltinType::kDouble},
      {"String", BuiltinType::kString},
      {"DateTime", BuiltinType::kDateTime},
      {"Guid", BuiltinType::kGuid},
      {"ByteString", BuiltinType::kByteString},
      {"XmlElement", BuiltinType::kXmlElement},
      {"NodeId", BuiltinType::kNodeId},
      {"ExpandedNodeId", BuiltinType::kExpandedNodeId},
      {"StatusCode", BuiltinType::kStatusCode},
      {"QualifiedName", BuiltinType::kQualifiedName},
      {"LocalizedText", BuiltinType::kLocalizedText}};
  std::vector<ReadValueId> ids(scalars.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ids[i].node_id = Node("Scalars." + scalars[i].first);
    ids[i].attribute_id = kAttributeValue;
  }
  auto values = client->Read(ids);
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  ASSERT_EQ(values->size(), scalars.size());
  for (std::size_t i = 0; i < scalars.size(); ++i) {
    const DataValue& dv = (*values)[i];
    EXPECT_FALSE(dv.status && dv.status->IsBad())
        << scalars[i].first << ": " << StatusCodeName(dv.status->code);
    ASSERT_TRUE(dv.value) << scalars[i].first;
    EXPECT_EQ(dv.value->type, scalars[i].second) << scalars[i].first;
  }
  EXPECT_EQ(std::get<std::int64_t>(Scalar((*values)[7])), -1234567890123);
  EXPECT_DOUBLE_EQ(std::get<double>(Scalar((*values)[10])), 3.14159);
  EXPECT_EQ(std::get<String>(Scalar((*values)[11])), String("Grüße"));
}

TEST_F(OpcuaClientTest, ReadsTheTenThousandElementArrayInOneResponse) {
  auto client = Connect();
  ASSERT_TRUE(client);
  auto value = client->ReadValue(Node("Arrays.Float10k"));
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  ASSERT_TRUE(value->value);
  ASSERT_TRUE(value->value->is_array);
  ASSERT_EQ(value->value->values.size(), 10'000u);
  EXPECT_FLOAT_EQ(std::get<float>(value->value->values[9'999]), 9'999 * 0.5f);
}

TEST_F(OpcuaClientTest, DecodesTheServersStructureIntoFields) {
  auto client = Connect();
  ASSERT_TRUE(client);
  auto value = client->ReadValue(Node("Structs.Pump1"));
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  const auto* object = std::get_if<ExtensionObject>(&Scalar(*value));
  ASSERT_NE(object, nullptr);
  auto fields = client->DecodeStructure(*object);
  ASSERT_TRUE(fields.ok()) << fields.status().ToString();
  EXPECT_EQ(
      StructuredToJson(*fields).dump(),
      R"({"Bearing":{"Code":7,"Label":"ok"},"Running":true,"Speed":1480.5,"Temps":[40.5,41.25,39.75]})");
}

TEST_F(OpcuaClientTest, WriteIsReadBack) {
  auto client = Connect();
  ASSERT_TRUE(client);
  WriteValue w;
  w.node_id = Node("Scalars.Int32");
  w.attribute_id = kAttributeValue;
  w.value.value = Variant::Scalar(std::int32_t{-424242});
  auto results = client->Write({w});
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->size(), 1u);
  EXPECT_TRUE(results->front().IsGood()) << StatusCodeName(results->front().code);
  auto back = client->ReadValue(w.node_id);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::get<std::int32_t>(Scalar(*back)), -424242);
}

TEST_F(OpcuaClientTest, ReadOfAnUnknownNodeReportsItAndKeepsTheOthers) {
  auto client = Connect();
  ASSERT_TRUE(client);
  std::vector<ReadValueId> ids(2);
  ids[0].node_id = Node("No.Such.Node");
  ids[1].node_id = Node("Scalars.Double");
  for (auto& id : ids) id.attribute_id = kAttributeValue;
  auto values = client->Read(ids);
  ASSERT_TRUE(values.ok());
  EXPECT_EQ((*values)[0].status->code, kBadNodeIdUnknown);
  EXPECT_DOUBLE_EQ(std::get<double>(Scalar((*values)[1])), 3.14159);
}

// Collects the data changes of one subscription.
struct Collector {
  std::mutex mu;
  std::map<std::uint32_t, std::vector<DataValue>> changes;
  std::vector<MonitoredItemState> errors;
  SubscriptionHandler Handler() {
    SubscriptionHandler h;
    h.on_data = [this](const std::vector<DataChange>& batch) {
      std::lock_guard lock(mu);
      for (const DataChange& c : batch) changes[c.client_handle].push_back(c.value);
    };
    h.on_item_error = [this](const MonitoredItemState& s) {
      std::lock_guard lock(mu);
      errors.push_back(s);
    };
    return h;
  }
  std::size_t Count(std::uint32_t handle) {
    std::lock_guard lock(mu);
    return changes[handle].size();
  }
};

TEST_F(OpcuaClientTest, SubscriptionDeliversChangesAndHonoursTheDeadband) {
  auto client = Connect();
  ASSERT_TRUE(client);
  Collector collector;
  SubscriptionSettings settings;
  settings.publishing_interval_ms = 100;
  auto sub = client->CreateSubscription(settings, collector.Handler());
  ASSERT_TRUE(sub.ok()) << sub.status().ToString();
  MonitoredItemSpec every;
  every.node = Node("Dynamic.Ramp");
  every.client_handle = 1;
  every.sampling_interval_ms = 50;
  every.queue_size = 10;
  MonitoredItemSpec banded = every;
  banded.client_handle = 2;
  banded.deadband_type = 1;
  banded.deadband_value = 0.25;
  auto items = client->AddMonitoredItems(*sub, {every, banded});
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  for (const auto& s : *items) EXPECT_TRUE(s.status.IsGood()) << StatusCodeName(s.status.code);
  ASSERT_TRUE(mw::testing::WaitUntil([&] { return collector.Count(1) >= 20; }, std::chrono::seconds(10)));
  std::lock_guard lock(collector.mu);
  const auto& all = collector.changes[1];
  const auto& few = collector.changes[2];
  EXPECT_LT(few.size() * 2, all.size());
  ASSERT_GE(few.size(), 2u);
  for (std::size_t i = 1; i < few.size(); ++i) {
    const double step = std::abs(std::get<double>(Scalar(few[i])) - std::get<double>(Scalar(few[i - 1])));
    EXPECT_GT(step, 0.25 - 1e-9);
  }
}

TEST_F(OpcuaClientTest, DeletedNodeIsIsolatedWhileTheOthersKeepFlowing) {
  auto client = Connect();
  ASSERT_TRUE(client);
  ASSERT_TRUE(peer_->Command("set " + ToString(Node("Scalars.Double")) + " 3.14159").ok());
  Collector collector;
  SubscriptionSettings settings;
  settings.publishing_interval_ms = 100;
  auto sub = client->CreateSubscription(settings, collector.Handler());
  ASSERT_TRUE(sub.ok());
  MonitoredItemSpec sine;
  sine.node = Node("Dynamic.Sine");
  sine.client_handle = 1;
  sine.sampling_interval_ms = 100;
  MonitoredItemSpec missing = sine;
  missing.node = Node("Does.Not.Exist");
  missing.client_handle = 2;
  MonitoredItemSpec step = sine;
  step.node = Node("Dynamic.Step");
  step.client_handle = 3;
  auto items = client->AddMonitoredItems(*sub, {sine, missing, step});
  ASSERT_TRUE(items.ok());
  EXPECT_EQ((*items)[1].status.code, kBadNodeIdUnknown);
  ASSERT_TRUE(mw::testing::WaitUntil([&] { return collector.Count(3) >= 3; }));
  auto deleted = peer_->Command("delete " + ToString(Node("Dynamic.Step")));
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  const std::size_t step_at_delete = collector.Count(3);
  const std::size_t sine_before = collector.Count(1);
  ASSERT_TRUE(mw::testing::WaitUntil([&] { return collector.Count(1) >= sine_before + 10; }));
  std::lock_guard lock(collector.mu);
  ASSERT_EQ(collector.errors.size(), 1u);
  EXPECT_EQ(collector.errors[0].client_handle, 2u);
  // The deleted node stops: it falls silent, or its last change carries a bad status.
  const auto& steps = collector.changes[3];
  const bool reported_bad = steps.back().status && steps.back().status->IsBad();
  EXPECT_TRUE(reported_bad || steps.size() <= step_at_delete + 1) << steps.size() << " vs " << step_at_delete;
}

TEST_F(OpcuaClientTest, UserPasswordIsAcceptedAndAWrongOneRefused) {
  ClientOptions good = Options();
  good.identity = IdentityKind::kUserName;
  good.user_name = "operator";
  good.password = "secret-42";
  auto client = Connect(good);
  ASSERT_TRUE(client);
  EXPECT_TRUE(client->ReadValue(Node("Scalars.Double")).ok());
  ClientOptions bad = good;
  bad.password = "guess";
  auto refused = Client::Connect(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("BadUserAccessDenied"), std::string::npos)
      << refused.status().message();
}

TEST_F(OpcuaClientTest, UnknownServerCertificateIsRefusedSayingWhereToTrustIt) {
  ClientOptions o = Options();
  o.security_policy = "Basic256Sha256";
  o.security_mode = security::MessageSecurityMode::kSignAndEncrypt;
  auto refused = Client::Connect(o);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find(pki_.path() + "/trusted/certs"), std::string::npos)
      << refused.status().message();
  EXPECT_FALSE(fs::is_empty(pki_.path() + "/rejected/certs"));
}

TEST_F(OpcuaClientTest, SecureChannelsWorkOncePeersTrustEachOther) {
  for (const char* policy : {"Basic256Sha256", "Aes256_Sha256_RsaPss"}) {
    TrustEachOther(policy);
    for (auto mode : {security::MessageSecurityMode::kSign, security::MessageSecurityMode::kSignAndEncrypt}) {
      ClientOptions o = Options();
      o.security_policy = policy;
      o.security_mode = mode;
      o.identity = IdentityKind::kUserName;
      o.user_name = "operator";
      o.password = "secret-42";
      auto client = Connect(o);
      ASSERT_TRUE(client) << policy << " " << security::SecurityModeName(mode);
      auto value = client->ReadValue(Node("Arrays.Float10k"));
      ASSERT_TRUE(value.ok()) << value.status().ToString();
      EXPECT_EQ(value->value->values.size(), 10'000u);
    }
  }
}

TEST_F(OpcuaClientTest, SubscriptionResumesAfterTheServerIsKilledAndRestarted) {
  auto client = Connect();
  ASSERT_TRUE(client);
  Collector collector;
  SubscriptionSettings settings;
  settings.publishing_interval_ms = 100;
  auto sub = client->CreateSubscription(settings, collector.Handler());
  ASSERT_TRUE(sub.ok());
  MonitoredItemSpec sine;
  sine.node = Node("Dynamic.Sine");
  sine.client_handle = 1;
  sine.sampling_interval_ms = 100;
  ASSERT_TRUE(client->AddMonitoredItems(*sub, {sine}).ok());
  ASSERT_TRUE(mw::testing::WaitUntil([&] { return collector.Count(1) >= 3; }));
  ASSERT_TRUE(peer_->Restart().ok());
  const std::size_t before = collector.Count(1);
  ASSERT_TRUE(
      mw::testing::WaitUntil([&] { return collector.Count(1) >= before + 5; }, std::chrono::seconds(30)))
      << "no data after the restart";
  const ClientCounters c = client->counters();
  EXPECT_GE(c.reconnects, 1u);
  EXPECT_GE(c.subscriptions_recreated + c.subscriptions_transferred, 1u);
  EXPECT_TRUE(client->ReadValue(Node("Scalars.Double")).ok());
}

}  // namespace
}  // namespace mw::opcua
