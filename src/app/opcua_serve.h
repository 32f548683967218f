// `millwright opcua serve`: Millwright's OPC UA server on its own, with a small demo plant (a
// pump whose speed, bearing temperature and vibration move every 500 ms; a writable setpoint)
// and, for benchmarks, Bench.Static and Bench.D0..D<n-1> (Doubles that all change every 100 ms,
// the address space of the node-opcua test peer). Prints `endpoint opcua <url>` when it serves;
// runs until SIGINT/SIGTERM or --seconds.
#pragma once

#include <string>
#include <vector>

namespace mw::app {

struct OpcuaServeArgs {
  std::string host = "127.0.0.1";
  int port = 4840;
  std::string pki;                 // default: ~/.local/share/millwright/pki-server
  bool secure = false;             // also Basic256Sha256 and Aes256_Sha256_RsaPss, Sign and SignAndEncrypt
  std::vector<std::string> users;  // "name:password"
  bool x509_users = false;         // users log in with certificates trusted in <pki>/users/trusted/certs
  int bench_nodes = 0;
  double seconds = 0;
};

int RunOpcuaServe(const OpcuaServeArgs& args);

}  // namespace mw::app
