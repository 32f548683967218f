// Starts node-opcua's server (tests/peers/opcua/server.js) for the OPC UA integration tests: on a
// free loopback port, with its PKI in a folder the test owns, and controlled over its stdin.
//
// Start() waits until the server prints READY (up to 60 s: the first start creates its
// certificate). Restart() kills it with SIGKILL and starts it again on the same port and PKI,
// which is what a crashed and restarted PLC looks like to a client. Command() sends one control
// line (`delete <nodeid>`, `set <nodeid> <json>`) and returns the server's OK line. The destructor
// stops the server. Owned by one thread.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"

namespace mw::testing {

class NodeOpcuaPeer {
 public:
  // node on PATH and tests/peers/node_modules/node-opcua installed.
  static bool Available();
  static Result<std::unique_ptr<NodeOpcuaPeer>> Start(const std::string& pki_dir);
  ~NodeOpcuaPeer();
  NodeOpcuaPeer(const NodeOpcuaPeer&) = delete;
  NodeOpcuaPeer& operator=(const NodeOpcuaPeer&) = delete;

  std::string endpoint() const { return "opc.tcp://127.0.0.1:" + std::to_string(port_) + "/"; }
  int port() const { return port_; }
  int namespace_index() const { return namespace_index_; }
  // Where client certificates go to be trusted by the server.
  const std::string& trusted_dir() const { return trusted_dir_; }

  Status Restart();
  Status Stop();
  Result<std::string> Command(const std::string& line);

 private:
  NodeOpcuaPeer(std::string pki_dir, int port) : pki_dir_(std::move(pki_dir)), port_(port) {}
  Status Launch();
  Result<std::string> ReadLine(int timeout_ms);
  void Kill();

  std::string pki_dir_;
  int port_ = 0;
  int pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  int namespace_index_ = 0;
  std::string trusted_dir_;
};

}  // namespace mw::testing
