// MosquittoBroker: runs Debian's Mosquitto on a loopback port with a generated configuration, for
// `millwright demo`, the integration tests and the benchmarks (one launcher for all of them).
//
// The broker listens on 127.0.0.1 only and allows anonymous clients. It never drops what a slow
// subscriber has not read yet: with Mosquitto 2.0 a QoS 0 message is dropped once a subscriber's
// queue holds max_queued_messages (default 1000), so every queue and inflight limit is lifted
// (0 = none). A warning in the log containing "dropped" would say otherwise (see Dropped()).
// Not thread-safe; one owner.
#pragma once

#include <string>
#include <vector>

#include "core/process.h"
#include "core/status.h"

namespace mw::connectors::mqtt {

struct MosquittoOptions {
  int port = 0;              // 0: a free port, chosen when the broker is created
  bool persistence = false;  // keep sessions and queued QoS 1 messages across restarts, in the dir
  std::vector<std::string> extra_config;  // further mosquitto.conf lines, e.g. "sys_interval 1"
};

class MosquittoBroker {
 public:
  // Writes the configuration into `dir` and fixes the port, without starting the broker.
  static Result<MosquittoBroker> Create(const std::string& dir, MosquittoOptions options = {});
  // Create() and Launch().
  static Result<MosquittoBroker> Start(const std::string& dir, MosquittoOptions options = {});

  // Starts the broker (again) on its port and waits until it accepts connections.
  Status Launch();
  // Kills the broker at once (SIGKILL), as a crash would.
  void Kill() { process_.Kill(); }
  void Stop() { process_.Stop(); }
  // Stop() and Launch().
  Status Restart();

  int port() const { return port_; }
  const std::string& exe() const { return exe_; }
  const std::string& log_file() const { return log_file_; }
  std::string Log() const;
  // True if the broker logged that it dropped messages for a client.
  bool Dropped() const;

 private:
  ChildProcess process_;
  std::string exe_;
  std::string config_file_;
  std::string log_file_;
  int port_ = 0;
};

}  // namespace mw::connectors::mqtt
