// Internal to the server module: the state every connection shares (address space,
// subscriptions, sessions, certificates) and the session services that need no channel state.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "opcua/server/server.h"

namespace mw::opcua::server {

struct Session {
  std::uint32_t id = 0;
  NodeId session_id;
  NodeId token;
  std::string name;
  double timeout_ms = 0;
  SteadyClock::time_point last_seen;
  bool activated = false;
  bool may_write = true;
  std::string user;  // empty: anonymous
  std::uint32_t channel_id = 0;
  std::string server_nonce;
  std::string client_certificate;  // DER, for the ActivateSession signature
  std::map<std::string, std::vector<ReferenceDescription>> continuation_points;
};

class ServerCore {
 public:
  ServerCore(ServerOptions options, std::optional<security::ApplicationIdentity> identity);

  const ServerOptions& options() const { return options_; }
  const std::optional<security::ApplicationIdentity>& identity() const { return identity_; }
  const security::TrustList* trust_list() const { return trust_ ? &*trust_ : nullptr; }
  AddressSpace& space() { return space_; }
  SubscriptionEngine& engine() { return engine_; }
  std::string endpoint_url() const;
  void set_port(int port) { port_ = port; }
  std::vector<EndpointDescription> Endpoints() const;
  ApplicationDescription Application() const;
  bool Offers(const security::Policy& policy, security::MessageSecurityMode mode) const;
  bool OffersPolicy(const std::string& uri) const;
  std::uint32_t NextChannelId() { return next_channel_id_.fetch_add(1); }

  // Sessions, by authentication token. Create fails with BadTooManySessions.
  std::uint32_t CreateSession(const CreateSessionRequest& request, std::uint32_t channel_id,
                              std::shared_ptr<Session>& out);
  std::shared_ptr<Session> FindSession(const NodeId& token);
  void CloseSession(const NodeId& token, bool delete_subscriptions);
  // Closes sessions idle past their timeout; returns how many.
  std::size_t ExpireSessions(SteadyClock::time_point now);
  std::mutex& sessions_mutex() { return sessions_mu_; }
  std::size_t session_count();

  // Checks the user identity of an ActivateSession for `session` (its nonce; the channel's policy
  // for decrypting passwords and checking signatures).
  std::uint32_t CheckIdentity(const ActivateSessionRequest& request, const security::Policy& channel_policy,
                              Session& session);
  // Writes ServerStatus (CurrentTime and the whole structure).
  void UpdateServerStatus();

  std::atomic<std::uint64_t> protocol_errors{0};
  std::atomic<std::size_t> connections{0};

 private:
  std::uint32_t CheckUserName(const UserNameIdentityToken& token, const security::Policy& channel_policy,
                              Session& session);
  std::uint32_t CheckCertificate(const X509IdentityToken& token, const SignatureData& signature,
                                 const security::Policy& channel_policy, Session& session);
  void PublishOperationLimits();

  const ServerOptions options_;
  std::optional<security::ApplicationIdentity> identity_;
  std::optional<security::TrustList> trust_;
  std::optional<security::TrustList> user_trust_;
  AddressSpace space_;
  SubscriptionEngine engine_;
  int port_ = 0;
  std::atomic<std::uint32_t> next_channel_id_{1};
  const DateTime start_time_;

  std::mutex sessions_mu_;
  std::unordered_map<NodeId, std::shared_ptr<Session>, NodeIdHash> sessions_;
  std::uint32_t next_session_ = 1;
};

}  // namespace mw::opcua::server
