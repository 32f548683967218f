// bench_opcua_server: our OPC UA server against node-opcua's server, same address space, same
// load from the same clients, in the same run.
//
// Starts both servers as child processes on free loopback ports: ours with
// `millwright opcua serve --bench-nodes 10000`, node-opcua's with tests/peers/opcua/server.js.
// Both hold Bench.Static and Bench.D0..D9999, the D nodes changing every 100 ms. Each server
// then takes the three workloads of bench/opcua_load (reads, bulk, notify), first from our client
// and then from node-opcua's. The headline is the server's own CPU seconds per 100k operations
// (from /proc/<pid>/stat) and its resident memory (VmRSS after start, VmHWM at the end).
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <map>
#include <thread>

#include "bench/opcua_load/opcua_load.h"
#include "core/process.h"

namespace {

using mw::bench::Figure;

struct ServerRun {
  std::string name;
  std::string ns_uri;
  int pid = 0;
  std::string endpoint;
  double idle_mib = 0;
  double peak_mib = 0;
  std::map<std::string, Figure> figures;  // "<workload>.<client>"
};

mw::Result<mw::ChildProcess> StartServer(const std::vector<std::string>& argv, const std::string& log,
                                         int port) {
  auto child = mw::ChildProcess::Spawn(argv, log);
  if (!child.ok()) return child.status();
  if (!mw::WaitForPort(port, std::chrono::seconds(60))) {
    return mw::Status::Unavailable(fmt::format("{} did not start (log: {})", argv[0], log));
  }
  return child;
}

void Load(ServerRun& run, double seconds) {
  mw::opcua::ClientOptions options;
  options.endpoint_url = run.endpoint;
  auto client = mw::opcua::Client::Connect(options);
  if (!client.ok()) throw std::runtime_error(client.status().ToString());
  const int ns = mw::bench::NamespaceOf(**client, run.ns_uri);
  for (const char* workload : {"reads", "bulk", "notify"}) {
    fmt::print(stderr, "bench opcua_server: {} server, {} (our client, then node-opcua's), {} s each\n",
               run.name, workload, seconds);
    run.figures[std::string(workload) + ".ours"] =
        mw::bench::OurClientLoad(**client, workload, ns, seconds, run.pid);
    run.figures[std::string(workload) + ".node"] =
        mw::bench::NodeClientLoad(workload, run.endpoint, ns, seconds, run.pid);
  }
  (*client)->Disconnect();
  run.peak_mib = mw::bench::PeakResidentMiB(run.pid);
}

void Report(const ServerRun& ours, const ServerRun& node) {
  fmt::print("{:<14} {:>12} {:>12} {:>14} {:>14}\n", "load", "ours ops/s", "node ops/s", "ours cpu/100k",
             "node cpu/100k");
  for (const auto& [key, f] : ours.figures) {
    const Figure& n = node.figures.at(key);
    fmt::print("{:<14} {:>12.0f} {:>12.0f} {:>14.4f} {:>14.4f}\n", key, f.per_s(), n.per_s(),
               f.server_cpu_per_100k(), n.server_cpu_per_100k());
  }
  fmt::print("memory MiB: ours idle {:.1f} peak {:.1f}; node-opcua idle {:.1f} peak {:.1f}\n", ours.idle_mib,
             ours.peak_mib, node.idle_mib, node.peak_mib);
  for (const auto& [key, f] : ours.figures) {
    const Figure& n = node.figures.at(key);
    const std::string k = key + "_client";
    fmt::print("RESULT opcua_server.{}.ops_per_s = {:.0f} ops/s\n", k, f.per_s());
    fmt::print("RESULT opcua_server.{}.node_opcua_ops_per_s = {:.0f} ops/s\n", k, n.per_s());
    fmt::print("RESULT opcua_server.{}.server_cpu_s_per_100k = {:.4f} s\n", k, f.server_cpu_per_100k());
    fmt::print("RESULT opcua_server.{}.node_opcua_server_cpu_s_per_100k = {:.4f} s\n", k,
               n.server_cpu_per_100k());
    fmt::print("RESULT opcua_server.{}.server_cpu.vs_node_opcua = {:.2f}\n", k,
               f.server_cpu_per_100k() > 0 ? n.server_cpu_per_100k() / f.server_cpu_per_100k() : 0.0);
    // The client's own CPU against each server (issue 4's client figure, with a server that is
    // not the bottleneck when it is ours).
    fmt::print("RESULT opcua_server.{}.client_cpu_s_per_100k = {:.4f} s\n", k, f.cpu_per_100k());
    fmt::print("RESULT opcua_server.{}.client_cpu_on_node_opcua_s_per_100k = {:.4f} s\n", k,
               n.cpu_per_100k());
  }
  fmt::print("RESULT opcua_server.idle_rss = {:.1f} MiB\n", ours.idle_mib);
  fmt::print("RESULT opcua_server.node_opcua_idle_rss = {:.1f} MiB\n", node.idle_mib);
  fmt::print("RESULT opcua_server.peak_rss = {:.1f} MiB\n", ours.peak_mib);
  fmt::print("RESULT opcua_server.node_opcua_peak_rss = {:.1f} MiB\n", node.peak_mib);
  fmt::print("RESULT opcua_server.peak_rss.vs_node_opcua = {:.2f}\n",
             ours.peak_mib > 0 ? node.peak_mib / ours.peak_mib : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"OPC UA server: Millwright vs node-opcua, the same loads from both clients"};
  double seconds = 5;
  std::string data;
  app.add_option("--seconds", seconds, "time per workload and client")->capture_default_str();
  app.add_option("--data", data, "ignored (no data set)");
  CLI11_PARSE(app, argc, argv);
  const std::string peers = mw::bench::PeersDir();
  if (!mw::bench::NodeOpcuaInstalled("opcua_server")) return 1;
  const auto our_port = mw::FreeLoopbackPort();
  const auto node_port = mw::FreeLoopbackPort();
  if (!our_port.ok() || !node_port.ok()) return 1;
  const std::string work =
      std::filesystem::temp_directory_path() / fmt::format("mw-bench-opcua-server-{}", ::getpid());
  std::filesystem::create_directories(work);
  auto ours = StartServer(
      {MW_MILLWRIGHT_BINARY, "opcua", "serve", "--port", std::to_string(*our_port), "--bench-nodes", "10000"},
      work + "/ours.log", *our_port);
  auto node = StartServer(
      {"node", peers + "/opcua/server.js", "--port", std::to_string(*node_port), "--pki", work + "/pki"},
      work + "/node.log", *node_port);
  if (!ours.ok() || !node.ok()) {
    fmt::print(stderr, "bench opcua_server: {}\n", (!ours.ok() ? ours.status() : node.status()).ToString());
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));  // let both settle before the idle reading
  ServerRun our_run{"Millwright",
                    "urn:millwright:demo",
                    ours->pid(),
                    fmt::format("opc.tcp://127.0.0.1:{}/", *our_port),
                    0,
                    0,
                    {}};
  ServerRun node_run{"node-opcua",
                     "urn:millwright:test-peer",
                     node->pid(),
                     fmt::format("opc.tcp://127.0.0.1:{}/", *node_port),
                     0,
                     0,
                     {}};
  our_run.idle_mib = mw::bench::ResidentMiB(our_run.pid);
  node_run.idle_mib = mw::bench::ResidentMiB(node_run.pid);
  try {
    Load(our_run, seconds);
    Load(node_run, seconds);
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench opcua_server: {}\n", e.what());
    return 1;
  }
  ours->Stop();
  node->Stop();
  std::filesystem::remove_all(work);
  Report(our_run, node_run);
  return 0;
}
