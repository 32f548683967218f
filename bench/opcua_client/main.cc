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
#include <sys/resource.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "core/process.h"
#include "opcua/client/client.h"
#include "opcua/encoding/node_id.h"

namespace {

using mw::opcua::Client;
using mw::opcua::NodeId;
using Clock = std::chrono::steady_clock;

constexpr int kBenchNodes = 10'000;

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Figure {
  double ops = 0;
  double seconds = 0;
  double cpu_seconds = 0;
  double per_s() const { return seconds > 0 ? ops / seconds : 0; }
  double cpu_per_100k() const { return ops > 0 ? cpu_seconds / ops * 100'000 : 0; }
};

template <typename Body>
Figure Measure(double seconds, Body body) {
  const double cpu0 = CpuSeconds();
  const auto t0 = Clock::now();
  const auto end = t0 + std::chrono::duration<double>(seconds);
  double ops = 0;
  while (Clock::now() < end) ops += body();
  Figure f;
  f.ops = ops;
  f.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  f.cpu_seconds = CpuSeconds() - cpu0;
  return f;
}

Figure OursReads(Client& client, int ns, double seconds) {
  const NodeId node = NodeId::StringId(static_cast<std::uint16_t>(ns), "Bench.Static");
  return Measure(seconds, [&] {
    auto v = client.ReadValue(node);
    if (!v.ok()) throw std::runtime_error(v.status().ToString());
    return 1.0;
  });
}

Figure OursBulk(Client& client, int ns, double seconds) {
  std::vector<mw::opcua::ReadValueId> ids(kBenchNodes);
  for (int k = 0; k < kBenchNodes; ++k) {
    ids[k].node_id = NodeId::StringId(static_cast<std::uint16_t>(ns), fmt::format("Bench.D{}", k));
    ids[k].attribute_id = mw::opcua::kAttributeValue;
  }
  return Measure(seconds, [&] {
    auto v = client.Read(ids);
    if (!v.ok()) throw std::runtime_error(v.status().ToString());
    return static_cast<double>(v->size());
  });
}

Figure OursNotify(Client& client, int ns, double seconds) {
  std::atomic<std::uint64_t> seen{0};
  mw::opcua::SubscriptionHandler handler;
  handler.on_data = [&](const std::vector<mw::opcua::DataChange>& changes) { seen += changes.size(); };
  mw::opcua::SubscriptionSettings settings;
  settings.publishing_interval_ms = 100;
  auto sub = client.CreateSubscription(settings, handler);
  if (!sub.ok()) throw std::runtime_error(sub.status().ToString());
  std::vector<mw::opcua::MonitoredItemSpec> items(kBenchNodes);
  for (int k = 0; k < kBenchNodes; ++k) {
    items[k].node = NodeId::StringId(static_cast<std::uint16_t>(ns), fmt::format("Bench.D{}", k));
    items[k].client_handle = static_cast<std::uint32_t>(k);
    items[k].sampling_interval_ms = 100;
  }
  auto created = client.AddMonitoredItems(*sub, items);
  if (!created.ok()) throw std::runtime_error(created.status().ToString());
  std::this_thread::sleep_for(std::chrono::seconds(2));  // past the initial values
  const std::uint64_t before = seen.load();
  const double cpu0 = CpuSeconds();
  const auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  Figure f;
  f.ops = static_cast<double>(seen.load() - before);
  f.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  f.cpu_seconds = CpuSeconds() - cpu0;
  (void)client.DeleteSubscription(*sub);
  return f;
}

Figure NodeClient(const std::string& script, const std::string& endpoint, const std::string& mode, int ns,
                  double seconds) {
  const std::string command = fmt::format("node {} --endpoint {} --mode {} --seconds {} --ns {}", script,
                                          endpoint, mode, seconds, ns);
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + command);
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe)) out += buf;
  ::pclose(pipe);
  const std::size_t brace = out.rfind('{');
  if (brace == std::string::npos) throw std::runtime_error("node client printed no result: " + out);
  const nlohmann::json j = nlohmann::json::parse(out.substr(brace));
  Figure f;
  f.ops = j.at("ops").get<double>();
  f.seconds = j.at("seconds").get<double>();
  f.cpu_seconds = j.at("cpu_seconds").get<double>();
  return f;
}

int NamespaceOf(Client& client) {
  auto uris = client.NamespaceArray();
  if (!uris.ok()) throw std::runtime_error(uris.status().ToString());
  for (std::size_t i = 0; i < uris->size(); ++i) {
    if ((*uris)[i] == "urn:millwright:test-peer") return static_cast<int>(i);
  }
  throw std::runtime_error("the test peer's namespace is missing");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"OPC UA client: Millwright vs node-opcua, against node-opcua's server"};
  double seconds = 5;
  std::string data;
  app.add_option("--seconds", seconds, "time per workload and client")->capture_default_str();
  app.add_option("--data", data, "ignored (no data set)");
  CLI11_PARSE(app, argc, argv);

  const std::string peers = std::string(MW_SOURCE_DIR) + "/tests/peers";
  if (!std::filesystem::exists(peers + "/node_modules/node-opcua")) {
    fmt::print(stderr, "bench opcua_client: node-opcua missing; run scripts/install-deps.sh\n");
    return 1;
  }
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
  std::map<std::string, std::pair<Figure, Figure>> results;  // ours, node-opcua
  try {
    mw::opcua::ClientOptions options;
    options.endpoint_url = endpoint;
    auto client = Client::Connect(options);
    if (!client.ok()) throw std::runtime_error(client.status().ToString());
    const int ns = NamespaceOf(**client);
    const std::string script = peers + "/opcua/client_bench.js";
    for (const char* mode : {"reads", "bulk", "notify"}) {
      fmt::print(stderr, "bench opcua_client: {} (Millwright, then node-opcua), {} s each\n", mode, seconds);
      const std::string m = mode;
      const Figure ours = m == "reads"  ? OursReads(**client, ns, seconds)
                          : m == "bulk" ? OursBulk(**client, ns, seconds)
                                        : OursNotify(**client, ns, seconds);
      results[m] = {ours, NodeClient(script, endpoint, m, ns, seconds)};
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
