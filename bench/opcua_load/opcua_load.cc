#include "bench/opcua_load/opcua_load.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "opcua/encoding/node_id.h"

namespace mw::bench {
namespace {

using opcua::NodeId;
using Clock = std::chrono::steady_clock;

double StatusField(int pid, const std::string& field) {
  std::ifstream in(pid == 0 ? std::string("/proc/self/status") : fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) / 1024.0;  // kB
  }
  return 0;
}

// Runs `body` (which returns the operations it did) until `seconds` have passed.
template <typename Body>
Figure Measure(double seconds, int server_pid, Body body) {
  const double cpu0 = ProcessCpuSeconds(0);
  const double server0 = server_pid ? ProcessCpuSeconds(server_pid) : 0;
  const auto t0 = Clock::now();
  const auto end = t0 + std::chrono::duration<double>(seconds);
  Figure f;
  while (Clock::now() < end) f.ops += body();
  f.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  f.cpu_seconds = ProcessCpuSeconds(0) - cpu0;
  if (server_pid) f.server_cpu_seconds = ProcessCpuSeconds(server_pid) - server0;
  return f;
}

std::vector<opcua::ReadValueId> BenchIds(int ns) {
  std::vector<opcua::ReadValueId> ids(kBenchNodes);
  for (int k = 0; k < kBenchNodes; ++k) {
    ids[k].node_id = NodeId::StringId(static_cast<std::uint16_t>(ns), fmt::format("Bench.D{}", k));
    ids[k].attribute_id = opcua::kAttributeValue;
  }
  return ids;
}

Figure Reads(opcua::Client& client, int ns, double seconds, int server_pid) {
  const NodeId node = NodeId::StringId(static_cast<std::uint16_t>(ns), "Bench.Static");
  return Measure(seconds, server_pid, [&] {
    auto v = client.ReadValue(node);
    if (!v.ok()) throw std::runtime_error(v.status().ToString());
    return 1.0;
  });
}

Figure Bulk(opcua::Client& client, int ns, double seconds, int server_pid) {
  const std::vector<opcua::ReadValueId> ids = BenchIds(ns);
  return Measure(seconds, server_pid, [&] {
    auto v = client.Read(ids);
    if (!v.ok()) throw std::runtime_error(v.status().ToString());
    return static_cast<double>(v->size());
  });
}

Figure Notify(opcua::Client& client, int ns, double seconds, int server_pid) {
  std::atomic<std::uint64_t> seen{0};
  opcua::SubscriptionHandler handler;
  handler.on_data = [&](const std::vector<opcua::DataChange>& changes) { seen += changes.size(); };
  opcua::SubscriptionSettings settings;
  settings.publishing_interval_ms = 100;
  auto sub = client.CreateSubscription(settings, handler);
  if (!sub.ok()) throw std::runtime_error(sub.status().ToString());
  std::vector<opcua::MonitoredItemSpec> items(kBenchNodes);
  const std::vector<opcua::ReadValueId> ids = BenchIds(ns);
  for (int k = 0; k < kBenchNodes; ++k) {
    items[k].node = ids[k].node_id;
    items[k].client_handle = static_cast<std::uint32_t>(k);
    items[k].sampling_interval_ms = 100;
  }
  auto created = client.AddMonitoredItems(*sub, items);
  if (!created.ok()) throw std::runtime_error(created.status().ToString());
  std::this_thread::sleep_for(std::chrono::seconds(2));  // past the initial values
  const std::uint64_t before = seen.load();
  Figure f = Measure(seconds, server_pid, [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return 0.0;
  });
  f.ops = static_cast<double>(seen.load() - before);
  (void)client.DeleteSubscription(*sub);
  return f;
}

}  // namespace

double ProcessCpuSeconds(int pid) {
  if (pid == 0) {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  }
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (in parentheses, which may hold spaces): utime is the 12th.
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 1; i <= 13 && rest >> field; ++i) {
    if (i >= 12) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double ResidentMiB(int pid) { return StatusField(pid, "VmRSS"); }
double PeakResidentMiB(int pid) { return StatusField(pid, "VmHWM"); }

std::string PeersDir() { return std::string(MW_SOURCE_DIR) + "/tests/peers"; }

bool NodeOpcuaInstalled(const std::string& bench) {
  if (std::filesystem::exists(PeersDir() + "/node_modules/node-opcua")) return true;
  fmt::print(stderr, "bench {}: node-opcua missing; run scripts/install-deps.sh\n", bench);
  return false;
}

Figure OurClientLoad(opcua::Client& client, const std::string& workload, int ns, double seconds,
                     int server_pid) {
  if (workload == "reads") return Reads(client, ns, seconds, server_pid);
  if (workload == "bulk") return Bulk(client, ns, seconds, server_pid);
  return Notify(client, ns, seconds, server_pid);
}

Figure NodeClientLoad(const std::string& workload, const std::string& endpoint, int ns, double seconds,
                      int server_pid) {
  const std::string command =
      fmt::format("node {}/opcua/client_bench.js --endpoint {} --mode {} --seconds {} --ns {}", PeersDir(),
                  endpoint, workload, seconds, ns);
  const double server0 = server_pid ? ProcessCpuSeconds(server_pid) : 0;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + command);
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe)) out += buf;
  ::pclose(pipe);
  // node-opcua writes its own warnings to stdout too: take the result line.
  const std::size_t at = out.rfind("{\"mode\"");
  if (at == std::string::npos) throw std::runtime_error("node client printed no result: " + out);
  const nlohmann::json j = nlohmann::json::parse(out.substr(at, out.find('\n', at) - at));
  Figure f;
  f.ops = j.at("ops").get<double>();
  f.seconds = j.at("seconds").get<double>();
  f.cpu_seconds = j.at("cpu_seconds").get<double>();
  if (server_pid) f.server_cpu_seconds = ProcessCpuSeconds(server_pid) - server0;
  return f;
}

int NamespaceOf(opcua::Client& client, const std::string& uri) {
  auto uris = client.NamespaceArray();
  if (!uris.ok()) throw std::runtime_error(uris.status().ToString());
  for (std::size_t i = 0; i < uris->size(); ++i) {
    if ((*uris)[i] == uri) return static_cast<int>(i);
  }
  throw std::runtime_error("namespace " + uri + " is missing");
}

}  // namespace mw::bench
