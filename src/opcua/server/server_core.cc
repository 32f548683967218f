#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "core/clock.h"
#include "opcua/encoding/datetime.h"
#include "opcua/encoding/status_code_names.h"
#include "opcua/server/server_core.h"
#include "opcua/services/codec.h"

namespace mw::opcua::server {

void AddOperationLimit(AddressSpace& space, std::uint32_t id, const char* name);  // namespace0.cc

namespace {

constexpr std::string_view kTransportProfile =
    "http://opcfoundation.org/UA-Profile/Transport/uatcp-uasc-uabinary";
constexpr std::size_t kSessionNonceLength = 32;

DateTime Now() { return DateTimeFromTimestamp(SystemClock::Instance().Now()); }

// Equal strings in time that does not depend on where they differ.
bool SameSecret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

}  // namespace

ServerCore::ServerCore(ServerOptions options, std::optional<security::ApplicationIdentity> identity)
    : options_(std::move(options)),
      identity_(std::move(identity)),
      space_(options_.application_uri),
      engine_(space_, options_.subscriptions),
      start_time_(Now()) {
  if (!options_.pki_dir.empty()) trust_.emplace(options_.pki_dir);
  if (!options_.pki_dir.empty() && options_.x509_users) user_trust_.emplace(options_.pki_dir + "/users");
  PublishOperationLimits();
  UpdateServerStatus();
}

void ServerCore::PublishOperationLimits() {
  const OperationLimits& l = options_.operation_limits;
  const std::pair<std::uint32_t, std::pair<const char*, std::uint32_t>> limits[] = {
      {11705, {"MaxNodesPerRead", l.max_nodes_per_read}},
      {11707, {"MaxNodesPerWrite", l.max_nodes_per_write}},
      {11710, {"MaxNodesPerBrowse", l.max_nodes_per_browse}},
      {11711, {"MaxNodesPerRegisterNodes", l.max_nodes_per_register}},
      {11712, {"MaxNodesPerTranslateBrowsePathsToNodeIds", l.max_nodes_per_translate}},
      {11714, {"MaxMonitoredItemsPerCall", l.max_monitored_items_per_call}},
  };
  for (const auto& [id, entry] : limits) {
    AddOperationLimit(space_, id, entry.first);
    DataValue v;
    v.value = Variant::Scalar(entry.second);
    (void)space_.SetValue(NodeId::Numeric(0, id), std::move(v));
  }
  DataValue cps;
  cps.value = Variant::Scalar(
      static_cast<std::uint16_t>(std::min<std::size_t>(options_.max_continuation_points, 65535)));
  (void)space_.SetValue(NodeId::Numeric(0, 2735), std::move(cps));
}

void ServerCore::UpdateServerStatus() {
  ServerStatusDataType status;
  status.start_time = start_time_;
  status.current_time = Now();
  status.state = ServerState::kRunning;
  status.build_info.product_uri = options_.product_uri;
  status.build_info.manufacturer_name = std::string("Millwright");
  status.build_info.product_name = options_.application_name;
  status.build_info.software_version = std::string("0.1");
  status.build_info.build_number = std::string("0");
  status.build_info.build_date = start_time_;
  auto set = [&](std::uint32_t id, Value v) {
    DataValue dv;
    dv.value = Variant::Scalar(std::move(v));
    dv.source_timestamp = status.current_time;
    (void)space_.SetValue(NodeId::Numeric(0, id), std::move(dv));
  };
  set(ns0::kCurrentTime, status.current_time);
  set(2257, status.start_time);
  set(2260, ToExtensionObject(status.build_info));
  set(ns0::kServerStatus, ToExtensionObject(status));
}

std::string ServerCore::endpoint_url() const { return fmt::format("opc.tcp://{}:{}/", options_.host, port_); }

ApplicationDescription ServerCore::Application() const {
  ApplicationDescription app;
  app.application_uri = options_.application_uri;
  app.product_uri = options_.product_uri;
  app.application_name = LocalizedText{std::string("en"), options_.application_name};
  app.application_type = ApplicationType::kServer;
  app.discovery_urls = {endpoint_url()};
  return app;
}

std::vector<EndpointDescription> ServerCore::Endpoints() const {
  std::vector<EndpointDescription> out;
  for (const SecurityEndpoint& e : options_.endpoints) {
    EndpointDescription d;
    d.endpoint_url = endpoint_url();
    d.server = Application();
    if (identity_) d.server_certificate = ByteString{identity_->certificate.der()};
    d.security_mode = static_cast<std::uint32_t>(e.mode);
    d.security_policy_uri = std::string(e.policy->uri);
    if (options_.allow_anonymous) {
      d.user_identity_tokens.push_back({std::string("anonymous"), UserTokenType::kAnonymous, {}, {}, {}});
    }
    // On an unsecured channel passwords are still encrypted and certificates signed, with
    // Basic256Sha256.
    const String policy =
        e.policy->IsNone() ? String(std::string(security::FindPolicy("Basic256Sha256")->uri)) : String();
    if (!options_.users.empty() && identity_) {
      d.user_identity_tokens.push_back({std::string("username"), UserTokenType::kUserName, {}, {}, policy});
    }
    if (user_trust_ && identity_) {
      d.user_identity_tokens.push_back({std::string("x509"), UserTokenType::kCertificate, {}, {}, policy});
    }
    d.transport_profile_uri = std::string(kTransportProfile);
    d.security_level =
        static_cast<std::uint8_t>(static_cast<std::uint32_t>(e.mode) * 10 + (e.policy->IsNone() ? 0 : 1));
    out.push_back(std::move(d));
  }
  return out;
}

bool ServerCore::Offers(const security::Policy& policy, security::MessageSecurityMode mode) const {
  return std::any_of(options_.endpoints.begin(), options_.endpoints.end(),
                     [&](const SecurityEndpoint& e) { return e.policy == &policy && e.mode == mode; });
}

bool ServerCore::OffersPolicy(const std::string& uri) const {
  return std::any_of(options_.endpoints.begin(), options_.endpoints.end(),
                     [&](const SecurityEndpoint& e) { return e.policy->uri == uri; });
}

std::uint32_t ServerCore::CreateSession(const CreateSessionRequest& request, std::uint32_t channel_id,
                                        std::shared_ptr<Session>& out) {
  std::lock_guard lock(sessions_mu_);
  if (sessions_.size() >= options_.max_sessions) return kBadTooManySessions;
  auto s = std::make_shared<Session>();
  s->id = next_session_++;
  s->session_id = NodeId::Numeric(1, s->id);
  s->token = NodeId::Opaque(1, security::RandomBytes(32));
  s->name = request.session_name.value_or("");
  const double requested = request.requested_session_timeout;
  s->timeout_ms = std::clamp(requested > 0 ? requested : options_.max_session_timeout_ms,
                             options_.min_session_timeout_ms, options_.max_session_timeout_ms);
  s->last_seen = SteadyClock::now();
  s->channel_id = channel_id;
  s->server_nonce = security::RandomBytes(kSessionNonceLength);
  s->client_certificate = request.client_certificate.bytes.value_or("");
  sessions_[s->token] = s;
  out = std::move(s);
  return kGood;
}

std::shared_ptr<Session> ServerCore::FindSession(const NodeId& token) {
  std::lock_guard lock(sessions_mu_);
  const auto it = sessions_.find(token);
  return it == sessions_.end() ? nullptr : it->second;
}

std::size_t ServerCore::session_count() {
  std::lock_guard lock(sessions_mu_);
  return sessions_.size();
}

void ServerCore::CloseSession(const NodeId& token, bool delete_subscriptions) {
  std::uint32_t id = 0;
  {
    std::lock_guard lock(sessions_mu_);
    const auto it = sessions_.find(token);
    if (it == sessions_.end()) return;
    id = it->second->id;
    sessions_.erase(it);
  }
  engine_.CloseSession(id, delete_subscriptions);
}

std::size_t ServerCore::ExpireSessions(SteadyClock::time_point now) {
  std::vector<std::uint32_t> expired;
  {
    std::lock_guard lock(sessions_mu_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      const auto idle = std::chrono::duration<double, std::milli>(now - it->second->last_seen).count();
      if (idle > it->second->timeout_ms) {
        expired.push_back(it->second->id);
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const std::uint32_t id : expired) engine_.CloseSession(id, true);
  return expired.size();
}

std::uint32_t ServerCore::CheckIdentity(const ActivateSessionRequest& request,
                                        const security::Policy& channel_policy, Session& session) {
  const ExtensionObject& token = request.user_identity_token;
  AnonymousIdentityToken anonymous;
  UserNameIdentityToken user;
  X509IdentityToken certificate;
  if (token.type_id.IsNull() || FromExtensionObject(token, anonymous).ok()) {
    if (!options_.allow_anonymous) return kBadIdentityTokenRejected;
    session.user.clear();
    session.may_write = options_.anonymous_can_write;
    return kGood;
  }
  if (FromExtensionObject(token, user).ok()) return CheckUserName(user, channel_policy, session);
  if (FromExtensionObject(token, certificate).ok()) {
    return CheckCertificate(certificate, request.user_token_signature, channel_policy, session);
  }
  return kBadIdentityTokenInvalid;
}

// The user proves it holds the certificate's key by signing our certificate and nonce (OPC
// 10000-4, 5.6.3); the certificate itself must be in the user trust list.
std::uint32_t ServerCore::CheckCertificate(const X509IdentityToken& token, const SignatureData& signature,
                                           const security::Policy& channel_policy, Session& session) {
  if (!user_trust_ || !identity_) return kBadIdentityTokenRejected;
  Result<security::Certificate> cert =
      security::Certificate::FromDer(token.certificate_data.bytes.value_or(""));
  if (!cert.ok()) return kBadIdentityTokenInvalid;
  if (!user_trust_->Check(*cert).ok()) return kBadIdentityTokenRejected;
  const security::Policy& policy =
      channel_policy.IsNone() ? *security::FindPolicy("Basic256Sha256") : channel_policy;
  if (signature.algorithm.value_or("") != policy.asymmetric_signature_uri) return kBadUserSignatureInvalid;
  const std::string data = identity_->certificate.der() + session.server_nonce;
  if (!security::AsymmetricVerify(policy, *cert, data, signature.signature.bytes.value_or("")).ok()) {
    return kBadUserSignatureInvalid;
  }
  session.user = cert->SubjectName();
  session.may_write = true;
  return kGood;
}

// The password arrives encrypted for our key as length | password | server nonce (OPC 10000-4,
// 7.41.2.2); on a None channel with the policy our endpoint named for user tokens.
std::uint32_t ServerCore::CheckUserName(const UserNameIdentityToken& token,
                                        const security::Policy& channel_policy, Session& session) {
  if (options_.users.empty() || !identity_) return kBadIdentityTokenRejected;
  const security::Policy& policy =
      channel_policy.IsNone() ? *security::FindPolicy("Basic256Sha256") : channel_policy;
  const std::string& cipher = token.password.bytes.value_or("");
  std::string password;
  if (token.encryption_algorithm.value_or("").empty()) {
    return kBadIdentityTokenInvalid;  // we only advertise encrypted passwords
  }
  if (*token.encryption_algorithm != policy.asymmetric_encryption_uri) return kBadIdentityTokenInvalid;
  Result<std::string> plain = security::AsymmetricDecrypt(policy, identity_->key, cipher);
  if (!plain.ok() || plain->size() < 4) return kBadIdentityTokenInvalid;
  std::uint32_t length = 0;
  std::memcpy(&length, plain->data(), 4);  // little-endian on every platform we build for
  const std::string_view secret = std::string_view(*plain).substr(4);
  const std::string& nonce = session.server_nonce;
  if (length > secret.size() || length < nonce.size() ||
      secret.substr(length - nonce.size(), nonce.size()) != nonce) {
    return kBadIdentityTokenInvalid;
  }
  password = std::string(secret.substr(0, length - nonce.size()));
  const auto it = options_.users.find(token.user_name.value_or(""));
  const bool ok = it != options_.users.end() && SameSecret(it->second, password);
  if (!ok) return kBadUserAccessDenied;
  session.user = it->first;
  session.may_write = true;
  return kGood;
}

}  // namespace mw::opcua::server
