// Our OPC UA server driven by node-opcua's client (tests/peers/opcua/client_scenarios.js): browse
// the whole tree with BrowseNext, read every attribute, decode a structure through its
// DataTypeDefinition, write, subscribe; unsecured and with Basic256Sha256 SignAndEncrypt.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/process.h"
#include "opcua/server/server.h"
#include "tests/opcua/server/test_plant.h"
#include "tests/support/test_support.h"

namespace mw::opcua {
namespace {

using nlohmann::json;
using server::Server;

std::string Script() { return std::string(MW_SOURCE_DIR) + "/tests/peers/opcua/client_scenarios.js"; }

bool NodeOpcuaInstalled() {
  return !FindExecutable("node").empty() &&
         std::filesystem::exists(std::string(MW_SOURCE_DIR) + "/tests/peers/node_modules/node-opcua");
}

class NodeOpcuaClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!NodeOpcuaInstalled())
      GTEST_SKIP() << "node-opcua is not installed (scripts/install-deps.sh installs it)";
    server::ServerOptions o;
    o.port = 0;
    o.pki_dir = server_pki_.path();
    o.users = {{"operator", "secret-42"}};
    o.endpoints = {server::SecurityEndpoint{},
                   {security::FindPolicy("Basic256Sha256"), security::MessageSecurityMode::kSignAndEncrypt}};
    auto started = Server::Start(std::move(o));
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started).value();
    plant_ = testing::AddTestPlant(server_->address_space(), 20);
    ticker_ = std::thread([this] {
      for (std::int32_t i = 1; !stop_; ++i) {
        DataValue v;
        v.value = Variant::Scalar(i);
        (void)server_->address_space().SetValue(plant_.Id("Pump1.Count"), v);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  }
  void TearDown() override {
    stop_ = true;
    if (ticker_.joinable()) ticker_.join();
  }

  // Runs the script; returns its JSON lines by step (and the whole output on failure).
  std::map<std::string, json> Run(std::vector<std::string> args, std::string* output = nullptr) {
    std::vector<std::string> argv = {"node", Script(), "--pki", client_pki_.path()};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string log = client_pki_.File("run.log");
    std::filesystem::remove(log);
    auto child = ChildProcess::Spawn(argv, log);
    EXPECT_TRUE(child.ok()) << child.status().ToString();
    if (!child.ok()) return {};
    EXPECT_TRUE(child->Wait(std::chrono::seconds(90)).has_value()) << "client_scenarios.js did not finish";
    std::ifstream in(log);
    std::map<std::string, json> steps;
    std::string line, all;
    while (std::getline(in, line)) {
      all += line + "\n";
      if (line.empty() || line[0] != '{') continue;
      json j = json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("step")) steps[j["step"].get<std::string>()] = j;
    }
    if (output != nullptr) *output = all;
    return steps;
  }
  std::string Id(const std::string& name) const { return "ns=" + std::to_string(plant_.ns) + ";s=" + name; }

  mw::testing::TempDir server_pki_;
  mw::testing::TempDir client_pki_;
  std::unique_ptr<Server> server_;
  testing::TestPlant plant_;
  std::atomic<bool> stop_{false};
  std::thread ticker_;
};

TEST_F(NodeOpcuaClientTest, BrowsesReadsDecodesWritesAndSubscribes) {
  std::string output;
  auto steps = Run({"--endpoint", server_->endpoint_url(), "--browse", "1", "--read", Id("Pump1.Speed"),
                    "--struct", Id("Pump1.Status"), "--write", Id("Pump1.Speed") + "=2.75", "--subscribe",
                    Id("Pump1.Count"), "--changes", "5"},
                   &output);
  for (const char* step : {"connect", "browse", "read", "struct", "write", "subscribe"}) {
    ASSERT_TRUE(steps.contains(step)) << step << " missing:\n" << output;
    EXPECT_TRUE(steps[step]["ok"].get<bool>()) << steps[step].dump();
  }
  const json& browse = steps["browse"];
  EXPECT_GT(browse["browse_next_calls"].get<int>(), 0);
  const auto& paths = browse["paths"];
  for (const char* path :
       {"Objects/Plant/Pump1/Speed", "Objects/Plant/Pump1/Speed/EURange", "Objects/Server/NamespaceArray",
        "Objects/Server/ServerStatus/CurrentTime", "Objects/Bench/D19"}) {
    EXPECT_NE(std::find(paths.begin(), paths.end(), path), paths.end()) << path;
  }
  const json& attributes = steps["read"]["attributes"];
  EXPECT_EQ(attributes["Value"], 1480.0);
  EXPECT_EQ(attributes["DataType"], "ns=0;i=11");
  EXPECT_EQ(attributes["NodeClass"], "Variable");
  EXPECT_EQ(attributes["AccessLevel"], 3);
  const json& fields = steps["struct"]["fields"];
  EXPECT_EQ(fields["Speed"], 1480.5);
  EXPECT_EQ(fields["Bearing"]["Code"], 7);
  EXPECT_EQ(fields["Bearing"]["Label"], "ok");
  EXPECT_EQ(fields["Temps"].size(), 3u);
  EXPECT_EQ(steps["write"]["read_back"], 2.75);
  EXPECT_EQ(steps["subscribe"]["changes"], 5);
  const auto& values = steps["subscribe"]["values"];
  for (std::size_t i = 1; i < values.size(); ++i) EXPECT_GT(values[i].get<int>(), values[i - 1].get<int>());
}

TEST_F(NodeOpcuaClientTest, SignAndEncryptWithAUser) {
  std::string output;
  Run({"--make-cert"}, &output);
  const std::size_t at = output.find("CERT ");
  ASSERT_NE(at, std::string::npos) << output;
  const std::string path = output.substr(at + 5, output.find('\n', at) - at - 5);
  auto cert = security::Certificate::FromFile(path);
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  ASSERT_TRUE(security::TrustList(server_pki_.path()).Trust(*cert).ok());
  auto steps = Run({"--endpoint", server_->endpoint_url(), "--policy", "Basic256Sha256", "--mode",
                    "SignAndEncrypt", "--user", "operator", "--password", "secret-42", "--read",
                    Id("Pump1.Label"), "--write", Id("Pump1.Count") + "=41"},
                   &output);
  ASSERT_TRUE(steps.contains("write")) << output;
  EXPECT_TRUE(steps["connect"]["ok"].get<bool>()) << output;
  EXPECT_EQ(steps["read"]["attributes"]["Value"], "P-101");
  EXPECT_TRUE(steps["write"]["ok"].get<bool>()) << steps["write"].dump();
  steps = Run({"--endpoint", server_->endpoint_url(), "--policy", "Basic256Sha256", "--mode",
               "SignAndEncrypt", "--user", "operator", "--password", "wrong"},
              &output);
  ASSERT_TRUE(steps.contains("connect")) << output;
  EXPECT_FALSE(steps["connect"]["ok"].get<bool>());
}

}  // namespace
}  // namespace mw::opcua
