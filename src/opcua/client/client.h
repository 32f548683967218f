// An OPC UA client: one server endpoint, one session, its subscriptions, and the recovery that
// brings them back by themselves after the server restarts or the network drops.
//
// Connect() picks the server's endpoint that matches the requested policy and mode (GetEndpoints
// over an unsecured channel first), checks the server certificate against the trust list of
// `pki_dir` (an unknown one is refused; the message says where to put it to trust it), opens the
// secure channel, and creates and activates a session with the requested identity.
//
// Services are blocking calls, safe from any thread; each returns the service's own results (a
// per-node StatusCode stays in the result, it is not an error) or a Status for what failed as a
// whole. Read splits its nodes into calls of at most the server's MaxNodesPerRead.
//
// Subscriptions: CreateSubscription registers a handler; monitored items are added to it and each
// data change reaches the handler on the client's I/O thread, so handlers must be quick (queue
// the work) and must not call the client. Several Publish requests are kept outstanding; sequence gaps are
// filled with Republish.
//
// Recovery: when the channel breaks, a supervisor reconnects with backoff (0.5 s doubling to 10 s).
// It re-activates the old session on the new channel when the server still has it; otherwise it
// creates a new session and tries TransferSubscriptions, and failing that re-creates every
// subscription and monitored item. A subscription that stays silent for longer than its keep-alive
// allows is rebuilt (watchdog). Each step is logged once with the endpoint; a monitored item the
// server refuses (BadNodeIdUnknown, ...) is reported to the handler and isolated, never stopping
// the others. Services called during recovery fail fast with Unavailable.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "opcua/encoding/structure.h"
#include "opcua/security/crypto.h"
#include "opcua/services/types.h"
#include "opcua/transport/ua_tcp.h"

namespace mw::opcua {

enum class IdentityKind { kAnonymous, kUserName, kCertificate };

struct ClientOptions {
  std::string endpoint_url;
  std::string security_policy = "None";  // short name or URI
  security::MessageSecurityMode security_mode = security::MessageSecurityMode::kNone;
  // Our certificate (own/) and the trust list (trusted/, rejected/). Required unless None.
  std::string pki_dir;
  // Adds an unknown server certificate to the trust list instead of refusing it (the tool's
  // --trust-server; a warning names the certificate).
  bool trust_unknown_server = false;
  std::string application_uri = "urn:millwright:client";
  std::string application_name = "Millwright";
  IdentityKind identity = IdentityKind::kAnonymous;
  std::string user_name;
  std::string password;
  std::string user_certificate;  // PEM or DER file, for kCertificate
  std::string user_key;          // PEM file, for kCertificate
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds connect_timeout{5'000};
  double session_timeout_ms = 120'000;
  TransportLimits limits;
  // Publish requests kept at the server at once.
  int publish_requests = 3;
};

// One data change, as the server sent it.
struct DataChange {
  std::uint32_t client_handle = 0;
  DataValue value;
};

struct SubscriptionSettings {
  double publishing_interval_ms = 1000;
  std::uint32_t lifetime_count = 60;
  std::uint32_t max_keep_alive_count = 10;
  std::uint32_t max_notifications_per_publish = 0;
  std::uint8_t priority = 0;
  bool publishing_enabled = true;
};

struct MonitoredItemSpec {
  NodeId node;
  std::uint32_t attribute_id = 13;   // Value
  std::uint32_t client_handle = 0;   // the caller's key; reported with each change
  double sampling_interval_ms = -1;  // -1: the publishing interval
  std::uint32_t queue_size = 1;
  bool discard_oldest = true;
  // Deadband: type 0 none, 1 absolute, 2 percent (of the EURange).
  std::uint32_t deadband_type = 0;
  double deadband_value = 0;
};

// What became of one monitored item: created, or refused with the server's status.
struct MonitoredItemState {
  std::uint32_t client_handle = 0;
  UaStatusCode status;
  std::uint32_t monitored_item_id = 0;
  double revised_sampling_interval_ms = 0;
};

struct SubscriptionHandler {
  std::function<void(const std::vector<DataChange>&)> on_data;
  // Items the server refused or dropped (BadNodeIdUnknown after a node was deleted, ...).
  std::function<void(const MonitoredItemState&)> on_item_error;
  // Called with a message when the subscription is lost and when it is back.
  std::function<void(const Status&)> on_status;
};

struct ClientCounters {
  std::uint64_t reconnects = 0;
  std::uint64_t sessions_created = 0;
  std::uint64_t sessions_reactivated = 0;
  std::uint64_t subscriptions_transferred = 0;
  std::uint64_t subscriptions_recreated = 0;
  std::uint64_t republished = 0;
  std::uint64_t notifications = 0;
  std::uint64_t publish_errors = 0;
  std::uint64_t watchdog_rebuilds = 0;
};

class Client {
 public:
  static Result<std::unique_ptr<Client>> Connect(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Closes the subscriptions, the session and the channel. Idempotent.
  void Disconnect();
  bool connected() const;
  const std::string& endpoint_url() const;
  ClientCounters counters() const;

  Result<std::vector<EndpointDescription>> GetEndpoints();
  // The servers the endpoint knows of (itself, for a plain server).
  Result<std::vector<ApplicationDescription>> FindServers();
  Result<std::vector<DataValue>> Read(const std::vector<ReadValueId>& nodes,
                                      TimestampsToReturn timestamps = TimestampsToReturn::kBoth);
  Result<DataValue> ReadValue(const NodeId& node);
  Result<std::vector<UaStatusCode>> Write(const std::vector<WriteValue>& values);
  // Every reference of `node` in `direction`, following continuation points.
  Result<std::vector<ReferenceDescription>> Browse(const NodeId& node,
                                                   BrowseDirection direction = BrowseDirection::kForward,
                                                   const NodeId& reference_type = NodeId::Numeric(0, 33));
  Result<std::vector<BrowsePathResult>> TranslateBrowsePaths(const std::vector<BrowsePath>& paths);
  Result<std::vector<NodeId>> RegisterNodes(const std::vector<NodeId>& nodes);
  Status UnregisterNodes(const std::vector<NodeId>& nodes);
  Result<std::vector<DataValue>> HistoryReadRaw(const NodeId& node, DateTime start, DateTime end,
                                                std::uint32_t max_values = 0);
  // A structure the server defines, as named fields: the first time an encoding is seen, its
  // DataType's DataTypeDefinition (and those of nested structures and enumerations) is read and
  // kept for the life of the client. NotFound names the type the server does not describe.
  Result<StructuredValue> DecodeStructure(const ExtensionObject& object);
  // The server's namespace table (index = namespace index).
  Result<std::vector<std::string>> NamespaceArray();

  Result<std::uint32_t> CreateSubscription(const SubscriptionSettings& settings, SubscriptionHandler handler);
  // One state per item, in order; refused items are also reported to on_item_error.
  Result<std::vector<MonitoredItemState>> AddMonitoredItems(std::uint32_t subscription,
                                                            const std::vector<MonitoredItemSpec>& items);
  Status RemoveMonitoredItems(std::uint32_t subscription, const std::vector<std::uint32_t>& client_handles);
  Status DeleteSubscription(std::uint32_t subscription);
  // New publishing settings (kept for recovery); the server's revised values apply.
  Status ModifySubscription(std::uint32_t subscription, const SubscriptionSettings& settings);
  // Pauses (false) or resumes a subscription's notifications; keep-alives continue.
  Status SetPublishingMode(std::uint32_t subscription, bool enabled);

  class Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mw::opcua
