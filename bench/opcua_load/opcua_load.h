// The OPC UA loads the OPC UA benchmarks share: the same three workloads driven by our client
// (in this process) or by node-opcua's client (tests/peers/opcua/client_bench.js, a child
// process), against any server that has Bench.Static and Bench.D0..D9999 in namespace `ns`:
//   reads   sequential Reads of Bench.Static for a fixed time;
//   bulk    one Read of the 10,000 Bench.D* nodes, repeated;
//   notify  a subscription of the 10,000 Bench.D* nodes at 100 ms, counting data changes.
// An operation is one node value read or one notification. Figures carry the client's CPU time
// and, when a server pid is given, the server's (from /proc) over the same measured phase; for
// node-opcua's client the server's CPU covers its whole run (connect and warm-up included).
// Failures throw std::runtime_error with the reason.
#pragma once

#include <string>

#include "opcua/client/client.h"

namespace mw::bench {

inline constexpr int kBenchNodes = 10'000;

struct Figure {
  double ops = 0;
  double seconds = 0;
  double cpu_seconds = 0;         // the client's
  double server_cpu_seconds = 0;  // the server's, when measured
  double per_s() const { return seconds > 0 ? ops / seconds : 0; }
  double cpu_per_100k() const { return ops > 0 ? cpu_seconds / ops * 100'000 : 0; }
  double server_cpu_per_100k() const { return ops > 0 ? server_cpu_seconds / ops * 100'000 : 0; }
};

// user + system CPU seconds of a process (0 = this one), from /proc/<pid>/stat.
double ProcessCpuSeconds(int pid);
// VmRSS and VmHWM of a process in MiB.
double ResidentMiB(int pid);
double PeakResidentMiB(int pid);

// "reads", "bulk" or "notify" with our client; `server_pid` 0 skips the server's CPU.
Figure OurClientLoad(opcua::Client& client, const std::string& workload, int ns, double seconds,
                     int server_pid);
Figure NodeClientLoad(const std::string& workload, const std::string& endpoint, int ns, double seconds,
                      int server_pid);
// The index of `uri` in the server's namespace table.
int NamespaceOf(opcua::Client& client, const std::string& uri);
// tests/peers, where node-opcua and the scripts are.
std::string PeersDir();
// False (after saying so on stderr, naming `bench`) when node-opcua is not installed there.
bool NodeOpcuaInstalled(const std::string& bench);

}  // namespace mw::bench
