// MosquittoBroker: runs Debian's Mosquitto on a loopback port with a generated configuration,
// for `millwright demo`, the integration tests and the benchmarks.
//
// The broker listens on 127.0.0.1 only, allows anonymous clients, keeps nothing on disk, and does
// not drop QoS 0 messages queued for a slow subscriber (max_queued_messages 0 = unlimited), so
// that a benchmark measures consumers rather than broker drops. Not thread-safe; one owner.
#pragma once

#include <string>

#include "core/process.h"
#include "core/status.h"

namespace mw::app {

class MosquittoBroker {
 public:
  // Starts a broker whose config and log live in `dir`; port 0 picks a free one.
  static Result<MosquittoBroker> Start(const std::string& dir, int port = 0);

  int port() const { return port_; }
  const std::string& log_file() const { return log_file_; }
  // Kills the broker at once (SIGKILL), as a crash would.
  void Kill() { process_.Kill(); }
  // Starts it again on the same port.
  Status Restart();
  void Stop() { process_.Stop(); }

 private:
  Status Launch();
  ChildProcess process_;
  std::string dir_;
  std::string config_file_;
  std::string log_file_;
  int port_ = 0;
};

}  // namespace mw::app
