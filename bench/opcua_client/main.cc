// bench_opcua_client: our OPC UA client against node-opcua's own client, same server, same run.
//
// Starts node-opcua's test server (tests/peers/opcua/server.js) on a free loopback port, then
// runs three workloads with each client in turn:
//   reads   sequential Reads of one Double for a fixed time;
//   bulk    one Read of the 10,000 Bench.D* nodes, repeated;
//   notify  a subscription of the 10,000 Bench.D* nodes at 100 ms, counting data changes.
// Each client's CPU time comes from its own process (getrusage here; process.cpuUsage() in
// client_bench.js), so the headline is CPU seconds per 100k operations, an operation being one
// node value read or one notification. The server caps throughput alike for both clients.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <map>

#include "bench/opcua_load/opcua_load.h"
#include "core/process.h"

using mw::opcua::Client;

int main(int argc, char** argv) {
  CLI::App app{"OPC UA client: Millwright vs node-opcua, against node-opcua's server"};
  double seconds = 5;
  std::string data;
  app.add_option("--seconds", seconds, "time per workload and client")->capture_default_str();
  app.add_option("--data", data, "ignored (no data set)");
  CLI11_PARSE(app, argc, argv);

  const std::string peers = mw::bench::PeersDir();
  if (!mw::bench::NodeOpcuaInstalled("opcua_client")) return 1;
  const auto port = mw::FreeLoopbackPort();
  if (!port.ok()) return 1;
  const std::string pki =
      std::filesystem::temp_directory_path() / fmt::format("mw-bench-opcua-{}", ::getpid());
  auto server = mw::ChildProcess::Spawn(
      {"node", peers + "/opcua/server.js", "--port", std::to_string(*port), "--pki", pki}, pki + ".log");
  if (!server.ok() || !mw::WaitForPort(*port, std::chrono::seconds(60))) {
    fmt::print(stderr, "bench opcua_client: the node-opcua server did not start (log: {}.log)\n", pki);
    return 1;
  }
  const std::string endpoint = fmt::format("opc.tcp://127.0.0.1:{}/", *port);
  std::map<std::string, std::pair<mw::bench::Figure, mw::bench::Figure>> results;  // ours, node-opcua
  try {
    mw::opcua::ClientOptions options;
    options.endpoint_url = endpoint;
    auto client = Client::Connect(options);
    if (!client.ok()) throw std::runtime_error(client.status().ToString());
    const int ns = mw::bench::NamespaceOf(**client, "urn:millwright:test-peer");
    for (const char* mode : {"reads", "bulk", "notify"}) {
      fmt::print(stderr, "bench opcua_client: {} (Millwright, then node-opcua), {} s each\n", mode, seconds);
      results[mode] = {mw::bench::OurClientLoad(**client, mode, ns, seconds, 0),
                       mw::bench::NodeClientLoad(mode, endpoint, ns, seconds, 0)};
    }
    (*client)->Disconnect();
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench opcua_client: {}\n", e.what());
    return 1;
  }
  server->Stop();
  std::filesystem::remove_all(pki);

  fmt::print("{:<8} {:>14} {:>14} {:>16} {:>16}\n", "workload", "ours ops/s", "node ops/s", "ours cpu/100k",
             "node cpu/100k");
  for (const auto& [name, pair] : results) {
    fmt::print("{:<8} {:>14.0f} {:>14.0f} {:>16.4f} {:>16.4f}\n", name, pair.first.per_s(),
               pair.second.per_s(), pair.first.cpu_per_100k(), pair.second.cpu_per_100k());
  }
  for (const auto& [name, pair] : results) {
    const auto& [ours, node] = pair;
    fmt::print("RESULT opcua_client.{}.ops_per_s = {:.0f} ops/s\n", name, ours.per_s());
    fmt::print("RESULT opcua_client.{}.node_opcua_ops_per_s = {:.0f} ops/s\n", name, node.per_s());
    fmt::print("RESULT opcua_client.{}.cpu_s_per_100k = {:.4f} s\n", name, ours.cpu_per_100k());
    fmt::print("RESULT opcua_client.{}.node_opcua_cpu_s_per_100k = {:.4f} s\n", name, node.cpu_per_100k());
    fmt::print("RESULT opcua_client.{}.cpu.vs_node_opcua = {:.2f}\n", name,
               ours.cpu_per_100k() > 0 ? node.cpu_per_100k() / ours.cpu_per_100k() : 0.0);
    fmt::print("RESULT opcua_client.{}.throughput.vs_node_opcua = {:.2f}\n", name,
               node.per_s() > 0 ? ours.per_s() / node.per_s() : 0.0);
  }
  return 0;
}
