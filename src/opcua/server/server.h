// Millwright's OPC UA server (OPC 10000-4 services over OPC 10000-6 UA-TCP), built on the same
// encoding and secure-channel code as the client.
//
// Server::Start binds a TCP port and serves the AddressSpace it owns: GetEndpoints and
// FindServers without a session; secure channels with the configured policies and modes (the
// client certificate checked against <pki>/trusted/certs, an unknown one copied to
// <pki>/rejected/certs); sessions with anonymous, user-name and X.509 identities, several in
// parallel;
// Browse/BrowseNext with continuation points, TranslateBrowsePathsToNodeIds, Read, Write,
// Register/UnregisterNodes; subscriptions and monitored items (subscriptions.h). Any other service
// answers Bad_ServiceUnsupported. Operation limits are advertised under
// Server/ServerCapabilities/OperationLimits and enforced (Bad_TooManyOperations).
//
// Each connection has its own thread, which reads chunks and answers requests in order; a timer
// thread runs the publishing cycles, session timeouts and ServerStatus. A peer that breaks the
// protocol (bad chunk, size, sequence number, signature, absurd Hello) gets an ERR message and
// its connection is closed; no other connection notices. Connections, sessions, subscriptions,
// monitored items and message sizes are bounded by ServerOptions.
//
// Thread-safety: the public functions may be called from any thread; address_space() may be
// used (SetValue, Add*) while the server runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "opcua/security/crypto.h"
#include "opcua/server/address_space.h"
#include "opcua/server/subscriptions.h"
#include "opcua/transport/ua_tcp.h"

namespace mw::opcua::server {

struct SecurityEndpoint {
  const security::Policy* policy = &security::NonePolicy();
  security::MessageSecurityMode mode = security::MessageSecurityMode::kNone;
};

struct OperationLimits {
  std::uint32_t max_nodes_per_read = 20'000;
  std::uint32_t max_nodes_per_write = 20'000;
  std::uint32_t max_nodes_per_browse = 20'000;
  std::uint32_t max_nodes_per_translate = 20'000;
  std::uint32_t max_nodes_per_register = 20'000;
  std::uint32_t max_monitored_items_per_call = 20'000;
  std::uint32_t max_references_per_node = 1'000;  // per Browse result before a continuation point
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 4840;  // 0: any free port (see Server::port())
  std::string application_uri = "urn:millwright:server";
  std::string product_uri = "urn:millwright";
  std::string application_name = "Millwright";
  // Own certificate in <pki_dir>/own, trust list in <pki_dir>/trusted. Required by any secured
  // endpoint and by user-name logins (passwords are encrypted with the server's key).
  std::string pki_dir;
  std::vector<SecurityEndpoint> endpoints = {SecurityEndpoint{}};
  bool allow_anonymous = true;
  bool anonymous_can_write = true;
  std::map<std::string, std::string> users;  // name -> password
  // X.509 user identities: certificates trusted in <pki_dir>/users/trusted/certs (refused ones
  // are filed in <pki_dir>/users/rejected/certs), kept apart from the application trust list.
  bool x509_users = false;
  std::size_t max_connections = 200;
  std::size_t max_sessions = 100;
  std::size_t max_continuation_points = 16;  // per session
  TransportLimits transport{0, 65535, 65535, 16u << 20, 0};
  OperationLimits operation_limits;
  SubscriptionLimits subscriptions;
  double min_session_timeout_ms = 10'000;
  double max_session_timeout_ms = 3'600'000;
  std::uint32_t min_channel_lifetime_ms = 10'000;
  std::uint32_t max_channel_lifetime_ms = 3'600'000;
};

struct ServerStats {
  std::size_t connections = 0;
  std::size_t sessions = 0;
  std::size_t subscriptions = 0;
  std::size_t monitored_items = 0;
  std::uint64_t protocol_errors = 0;  // connections closed with an ERR message
};

class ServerCore;

class Server {
 public:
  // Checks the options (policies need pki_dir; loads or creates the certificate), builds the
  // address space, binds and starts serving. Unavailable if the port cannot be bound.
  static Result<std::unique_ptr<Server>> Start(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  AddressSpace& address_space();
  int port() const { return port_; }
  std::string endpoint_url() const;
  ServerStats stats() const;
  // Closes the listener and every connection, then joins the threads. Idempotent.
  void Stop();

 private:
  explicit Server(std::unique_ptr<ServerCore> core);
  void AcceptLoop();
  void TimerLoop();
  void Serve(int fd, const std::string& peer);

  std::unique_ptr<ServerCore> core_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  struct Threads;
  std::unique_ptr<Threads> threads_;
};

// What one connection does with the bytes it receives, without a socket: the server's
// connection threads use it, and so do the fuzzer and the protocol tests. `write` sends bytes to
// the peer (it may be called from the timer thread too, never concurrently with itself).
class ConnectionHandler {
 public:
  ConnectionHandler(ServerCore& core, std::function<Status(std::string_view)> write, std::string peer);
  ~ConnectionHandler();
  ConnectionHandler(const ConnectionHandler&) = delete;
  ConnectionHandler& operator=(const ConnectionHandler&) = delete;

  // Receive buffer size to read the next chunk with.
  std::uint32_t receive_buffer_size() const;
  // One whole chunk (header included). An error means the connection must close; the ERR
  // message has already been written.
  Status OnChunk(std::string chunk);
  // Sends an ERR message (a chunk the caller could not even read) and counts the error.
  Status Refuse(std::uint32_t code, const std::string& reason);

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

// For tests and the fuzzer: the server's state without its network threads.
Result<std::unique_ptr<ServerCore>> CreateServerCore(ServerOptions options);
AddressSpace& CoreAddressSpace(ServerCore& core);

}  // namespace mw::opcua::server
