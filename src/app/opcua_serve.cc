#include "app/opcua_serve.h"

#include <fmt/format.h>
#include <signal.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "app/platform.h"
#include "opcua/server/server.h"

namespace mw::app {
namespace {

using opcua::NodeId;
using opcua::server::AddressSpace;
using opcua::server::VariableOptions;

std::string DefaultServerPki() {
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.local/share/millwright/pki-server";
}

opcua::DataValue Value(opcua::Value v) {
  opcua::DataValue dv;
  dv.value = opcua::Variant::Scalar(std::move(v));
  return dv;
}

struct DemoNodes {
  opcua::server::Node* speed = nullptr;
  opcua::server::Node* temperature = nullptr;
  opcua::server::Node* vibration = nullptr;
  std::vector<opcua::server::Node*> bench;
};

Status AddVariable(AddressSpace& space, const NodeId& id, const NodeId& parent, const std::string& name,
                   double value, bool writable, opcua::server::Node** out) {
  VariableOptions v;
  v.value = opcua::Variant::Scalar(value);
  if (writable) v.access_level |= opcua::server::kAccessWrite;
  Result<opcua::server::Node*> added = space.AddVariable(id, parent, {id.namespace_index, name}, v);
  if (!added.ok()) return added.status();
  if (out != nullptr) *out = *added;
  return Status::Ok();
}

Result<DemoNodes> BuildDemo(AddressSpace& space, int bench_nodes) {
  DemoNodes nodes;
  const std::uint16_t ns = space.AddNamespace("urn:millwright:demo");
  auto id = [ns](const std::string& s) { return NodeId::StringId(ns, s); };
  const NodeId objects = NodeId::Numeric(0, opcua::server::ns0::kObjectsFolder);
  MW_RETURN_IF_ERROR(space.AddFolder(id("Demo"), objects, {ns, "Demo"}).status());
  MW_RETURN_IF_ERROR(space.AddObject(id("Pump1"), id("Demo"), {ns, "Pump1"}).status());
  MW_RETURN_IF_ERROR(AddVariable(space, id("Pump1.Speed"), id("Pump1"), "Speed", 1480, false, &nodes.speed));
  MW_RETURN_IF_ERROR(space.AddEngineering(id("Pump1.Speed"), {"rpm", 4395097, opcua::Range{0, 3000}}));
  MW_RETURN_IF_ERROR(AddVariable(space, id("Pump1.BearingTemperature"), id("Pump1"), "BearingTemperature", 41,
                                 false, &nodes.temperature));
  MW_RETURN_IF_ERROR(
      space.AddEngineering(id("Pump1.BearingTemperature"), {"°C", 4408652, opcua::Range{0, 120}}));
  MW_RETURN_IF_ERROR(
      AddVariable(space, id("Pump1.Vibration"), id("Pump1"), "Vibration", 2.3, false, &nodes.vibration));
  MW_RETURN_IF_ERROR(space.AddEngineering(id("Pump1.Vibration"), {"mm/s", 4403510, opcua::Range{0, 20}}));
  MW_RETURN_IF_ERROR(AddVariable(space, id("Pump1.Setpoint"), id("Pump1"), "Setpoint", 1500, true, nullptr));
  if (bench_nodes <= 0) return nodes;
  MW_RETURN_IF_ERROR(space.AddFolder(id("Bench"), objects, {ns, "Bench"}).status());
  MW_RETURN_IF_ERROR(AddVariable(space, id("Bench.Static"), id("Bench"), "Static", 42.5, false, nullptr));
  for (int k = 0; k < bench_nodes; ++k) {
    opcua::server::Node* node = nullptr;
    const std::string name = "D" + std::to_string(k);
    MW_RETURN_IF_ERROR(AddVariable(space, id("Bench." + name), id("Bench"), name, k, false, &node));
    nodes.bench.push_back(node);
  }
  return nodes;
}

// Moves the demo values every 500 ms and the bench values every 100 ms.
void Animate(AddressSpace& space, const DemoNodes& nodes, const std::atomic<bool>& stop) {
  for (std::int64_t tick = 1; !stop; ++tick) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (std::size_t k = 0; k < nodes.bench.size(); ++k) {
      (void)space.SetValue(nodes.bench[k], Value(static_cast<double>(tick + static_cast<std::int64_t>(k))));
    }
    if (tick % 5 != 0) continue;
    const double t = static_cast<double>(tick) / 10;
    (void)space.SetValue(nodes.speed, Value(1480 + 12 * std::sin(t / 7)));
    (void)space.SetValue(nodes.temperature, Value(41 + 3 * std::sin(t / 60)));
    (void)space.SetValue(nodes.vibration, Value(2.3 + 0.2 * std::sin(t * 1.3)));
  }
}

Result<opcua::server::ServerOptions> Options(const OpcuaServeArgs& args) {
  opcua::server::ServerOptions o;
  o.host = args.host;
  o.port = args.port;
  o.application_uri = "urn:millwright:opcua-serve";
  o.x509_users = args.x509_users;
  if (args.secure || !args.users.empty() || args.x509_users)
    o.pki_dir = args.pki.empty() ? DefaultServerPki() : args.pki;
  if (args.secure) {
    using opcua::security::MessageSecurityMode;
    for (const char* policy : {"Basic256Sha256", "Aes256_Sha256_RsaPss"}) {
      for (const MessageSecurityMode mode :
           {MessageSecurityMode::kSign, MessageSecurityMode::kSignAndEncrypt}) {
        o.endpoints.push_back({opcua::security::FindPolicy(policy), mode});
      }
    }
  }
  for (const std::string& user : args.users) {
    const std::size_t colon = user.find(':');
    if (colon == std::string::npos)
      return Status::InvalidArgument("--user wants name:password, not '" + user + "'");
    o.users[user.substr(0, colon)] = user.substr(colon + 1);
  }
  return o;
}

}  // namespace

int RunOpcuaServe(const OpcuaServeArgs& args) {
  Result<opcua::server::ServerOptions> options = Options(args);
  if (!options.ok()) {
    std::cerr << "millwright opcua serve: " << options.status().message() << "\n";
    return 2;
  }
  const std::string pki = options->pki_dir;
  Result<std::unique_ptr<opcua::server::Server>> server =
      opcua::server::Server::Start(std::move(options).value());
  if (!server.ok()) {
    std::cerr << "millwright opcua serve: " << server.status().message() << "\n";
    return 1;
  }
  Result<DemoNodes> nodes = BuildDemo((*server)->address_space(), args.bench_nodes);
  if (!nodes.ok()) {
    std::cerr << "millwright opcua serve: " << nodes.status().message() << "\n";
    return 1;
  }
  std::atomic<bool> stop{false};
  std::thread animator([&] { Animate((*server)->address_space(), *nodes, stop); });
  std::cout << "endpoint opcua " << (*server)->endpoint_url() << std::endl;
  if (!pki.empty())
    std::cout << "trust clients by copying their certificates to " << pki << "/trusted/certs" << std::endl;
  if (args.seconds > 0) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    const auto ms = static_cast<long>(args.seconds * 1000);
    const timespec timeout{ms / 1000, (ms % 1000) * 1'000'000};
    sigtimedwait(&set, nullptr, &timeout);
  } else {
    WaitForStopSignal();
  }
  stop = true;
  animator.join();
  (*server)->Stop();
  return 0;
}

}  // namespace mw::app
