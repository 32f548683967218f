#include "opcua/client/client.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "core/clock.h"
#include "opcua/encoding/datetime.h"
#include "opcua/encoding/node_id.h"
#include "opcua/encoding/status_code_names.h"
#include "opcua/services/codec.h"
#include "opcua/transport/client_channel.h"

namespace mw::opcua {
namespace {

using Clock = std::chrono::steady_clock;
using security::MessageSecurityMode;

// Server_ServerCapabilities_OperationLimits_MaxNodesPerRead and _MaxMonitoredItemsPerCall.
constexpr std::uint32_t kMaxNodesPerReadNode = 11705;
constexpr std::uint32_t kMaxMonitoredItemsPerCallNode = 11714;
constexpr std::uint32_t kNamespaceArrayNode = 2255;
constexpr std::uint32_t kHasEncoding = 38;
constexpr std::uint32_t kDataTypeDefinitionAttribute = 23;
constexpr std::uint32_t kEnumDefinitionBinaryEncodingId = 123;

// A service failure that carries the OPC UA status code in its message, first, so callers and
// operators see the name the specification uses.
Status UaError(std::uint32_t code, std::string_view context) {
  return Status::FailedPrecondition(fmt::format("{} ({})", StatusCodeName(code), context));
}

bool SessionGone(std::uint32_t code) {
  return code == kBadSessionIdInvalid || code == kBadSessionClosed || code == kBadSecureChannelIdInvalid;
}

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

}  // namespace

class Client::Impl {
 public:
  explicit Impl(ClientOptions options) : options_(std::move(options)) {}
  ~Impl() { Disconnect(); }

  Status Start();
  void Disconnect();
  bool connected() const { return CurrentChannel() != nullptr; }
  const std::string& endpoint_url() const { return options_.endpoint_url; }
  ClientCounters counters() const {
    std::lock_guard lock(mu_);
    return counters_;
  }

  template <typename Request, typename Response>
  Status Call(Request& request, Response& response, std::string_view what);

  Result<std::vector<DataValue>> Read(const std::vector<ReadValueId>& nodes, TimestampsToReturn timestamps);
  Result<std::vector<ReferenceDescription>> Browse(const NodeId& node, BrowseDirection direction,
                                                   const NodeId& reference_type);
  Result<StructuredValue> DecodeStructure(const ExtensionObject& object);
  Result<std::uint32_t> CreateSubscription(const SubscriptionSettings& settings, SubscriptionHandler handler);
  Result<std::vector<MonitoredItemState>> AddMonitoredItems(std::uint32_t local_id,
                                                            const std::vector<MonitoredItemSpec>& items);
  Status RemoveMonitoredItems(std::uint32_t local_id, const std::vector<std::uint32_t>& handles);
  Status DeleteSubscription(std::uint32_t local_id);
  Status ModifySubscription(std::uint32_t local_id, const SubscriptionSettings& settings);
  Status SetPublishingMode(std::uint32_t local_id, bool enabled);

 private:
  struct Item {
    MonitoredItemSpec spec;
    MonitoredItemState state;
  };
  struct Subscription {
    std::uint32_t local_id = 0;
    std::uint32_t server_id = 0;
    SubscriptionSettings settings;
    double revised_interval_ms = 0;
    std::uint32_t revised_keep_alive = 0;
    SubscriptionHandler handler;
    std::map<std::uint32_t, Item> items;  // by client handle
    std::uint32_t last_sequence = 0;
    Clock::time_point last_message = Clock::now();
  };

  std::shared_ptr<ClientChannel> CurrentChannel() const {
    std::lock_guard lock(mu_);
    return broken_ ? nullptr : channel_;
  }
  void FillHeader(RequestHeader& header);
  Status ChooseEndpoint();
  Result<std::shared_ptr<ClientChannel>> OpenChannel(const ChannelSecurity& security);
  ChannelSecurity EndpointSecurity() const;
  Status CreateSession();
  Status ActivateSession();
  Result<ExtensionObject> IdentityToken(const UserTokenPolicy& policy, SignatureData& token_signature);
  void ReadOperationLimits();
  Status BuildSubscription(Subscription& sub);
  Status CreateItems(Subscription& sub, std::vector<std::uint32_t> handles,
                     std::vector<MonitoredItemState>* states);
  void IssuePublish();
  void OnPublish(Result<std::string> result);
  void HandleNotification(Subscription& sub, const NotificationMessage& message);
  void OnChannelClosed(const Status& status);
  void SupervisorLoop();
  void Reconnect();
  void RecoverSubscriptions(bool session_kept);
  void Rebuild(std::uint32_t local_id);
  void Republish(std::uint32_t server_id, std::uint32_t from, std::uint32_t to);
  void Watchdog();
  void MarkBroken(const Status& status);
  Status LoadDataType(const NodeId& data_type, int depth);

  ClientOptions options_;
  const security::Policy* policy_ = &security::NonePolicy();
  std::optional<security::ApplicationIdentity> identity_;
  std::optional<security::Certificate> server_certificate_;
  EndpointDescription endpoint_;
  std::string client_nonce_;

  mutable std::mutex mu_;
  std::shared_ptr<ClientChannel> channel_;
  bool broken_ = false;
  bool reconnecting_ = false;  // Reconnect() runs: its own failures do not re-mark the link
  bool stopping_ = false;
  NodeId session_id_;
  NodeId authentication_token_;
  std::string server_nonce_;
  std::uint32_t max_nodes_per_read_ = 0;
  std::uint32_t max_items_per_call_ = 0;
  std::map<std::uint32_t, Subscription> subscriptions_;  // by local id
  std::uint32_t next_local_id_ = 1;
  std::vector<SubscriptionAcknowledgement> acks_;
  int outstanding_publish_ = 0;
  std::deque<std::function<void()>> work_;  // run by the supervisor, off the I/O thread
  ClientCounters counters_;
  std::atomic<std::uint32_t> request_handle_{1};
  std::mutex types_mu_;  // held while loading: one loader at a time
  TypeDictionary types_;

  std::condition_variable cv_;
  std::thread supervisor_;
};

// --- requests -----------------------------------------------------------------------------------

void Client::Impl::FillHeader(RequestHeader& header) {
  {
    std::lock_guard lock(mu_);
    header.authentication_token = authentication_token_;
  }
  header.timestamp = DateTimeFromTimestamp(SystemClock::Instance().Now());
  header.request_handle = request_handle_++;
  header.timeout_hint = static_cast<std::uint32_t>(options_.request_timeout.count());
}

template <typename Request, typename Response>
Status Client::Impl::Call(Request& request, Response& response, std::string_view what) {
  std::shared_ptr<ClientChannel> channel = CurrentChannel();
  if (!channel)
    return Status::Unavailable(
        fmt::format("{}: {}: not connected, reconnecting", options_.endpoint_url, what));
  FillHeader(request.request_header);
  std::string body;
  Encoder e(body);
  MW_RETURN_IF_ERROR(EncodeMessage(e, request));
  Result<std::string> reply = channel->Call(body, options_.request_timeout);
  if (!reply.ok())
    return Status(reply.status().code(), fmt::format("{}: {}", what, reply.status().message()));
  std::uint32_t service_result = 0;
  if (Status s = DecodeServiceResponse(*reply, response, service_result); !s.ok()) {
    if (SessionGone(service_result)) MarkBroken(UaError(service_result, what));
    return Status(s.code(), fmt::format("{}: {}: {}", options_.endpoint_url, what, s.message()));
  }
  return Status::Ok();
}

// --- connecting ---------------------------------------------------------------------------------

ChannelSecurity Client::Impl::EndpointSecurity() const {
  ChannelSecurity security;
  security.policy = policy_;
  security.mode = options_.security_mode;
  security.local = identity_;
  security.remote = server_certificate_;
  return security;
}

Result<std::shared_ptr<ClientChannel>> Client::Impl::OpenChannel(const ChannelSecurity& security) {
  ChannelOptions channel_options;
  channel_options.endpoint_url = options_.endpoint_url;
  channel_options.security = security;
  channel_options.limits = options_.limits;
  channel_options.connect_timeout = options_.connect_timeout;
  Result<std::unique_ptr<ClientChannel>> channel =
      ClientChannel::Open(std::move(channel_options), [this](const Status& s) { OnChannelClosed(s); });
  if (!channel.ok()) return channel.status();
  return std::shared_ptr<ClientChannel>(std::move(channel).value());
}

Status Client::Impl::ChooseEndpoint() {
  Result<std::shared_ptr<ClientChannel>> discovery = OpenChannel(ChannelSecurity{});
  if (!discovery.ok()) return discovery.status();
  {
    std::lock_guard lock(mu_);
    channel_ = *discovery;
  }
  GetEndpointsRequest request;
  request.endpoint_url = options_.endpoint_url;
  GetEndpointsResponse response;
  Status s = Call(request, response, "GetEndpoints");
  (*discovery)->Close();
  {
    std::lock_guard lock(mu_);
    channel_.reset();
  }
  MW_RETURN_IF_ERROR(s);
  std::string offered;
  for (const EndpointDescription& e : response.endpoints) {
    const security::Policy* p = security::FindPolicy(e.security_policy_uri.value_or(""));
    const std::string name = p ? std::string(p->name) : e.security_policy_uri.value_or("?");
    offered += fmt::format("{}{}/{}", offered.empty() ? "" : ", ", name,
                           security::SecurityModeName(static_cast<MessageSecurityMode>(e.security_mode)));
    if (p == policy_ && e.security_mode == static_cast<std::uint32_t>(options_.security_mode)) {
      endpoint_ = e;
      return Status::Ok();
    }
  }
  return Status::NotFound(fmt::format("{}: no endpoint with security {}/{}; the server offers: {}",
                                      options_.endpoint_url, policy_->name,
                                      security::SecurityModeName(options_.security_mode), offered));
}

Status Client::Impl::Start() {
  policy_ = security::FindPolicy(options_.security_policy);
  if (!policy_)
    return Status::InvalidArgument(fmt::format("unknown security policy '{}'", options_.security_policy));
  if (!policy_->IsNone()) {
    if (options_.pki_dir.empty())
      return Status::InvalidArgument("a secured endpoint needs a PKI folder (pki_dir)");
    Result<security::ApplicationIdentity> identity = security::LoadOrCreateApplicationIdentity(
        options_.pki_dir, options_.application_uri, options_.application_name, {HostName(), "localhost"});
    if (!identity.ok()) return identity.status();
    identity_ = std::move(identity).value();
  }
  MW_RETURN_IF_ERROR(ChooseEndpoint());
  if (!policy_->IsNone()) {
    Result<security::Certificate> cert =
        security::Certificate::FromDer(endpoint_.server_certificate.bytes.value_or(""));
    if (!cert.ok())
      return Status(cert.status().code(), fmt::format("{}: server certificate: {}", options_.endpoint_url,
                                                      cert.status().message()));
    const security::TrustList trust(options_.pki_dir);
    if (options_.trust_unknown_server && !trust.Check(*cert).ok()) {
      spdlog::warn("opcua {}: trusting server certificate {} ({}) as asked", options_.endpoint_url,
                   cert->SubjectName(), cert->ThumbprintHex());
      MW_RETURN_IF_ERROR(trust.Trust(*cert));
    }
    MW_RETURN_IF_ERROR(trust.Check(*cert));
    server_certificate_ = std::move(cert).value();
  }
  Result<std::shared_ptr<ClientChannel>> channel = OpenChannel(EndpointSecurity());
  if (!channel.ok()) return channel.status();
  {
    std::lock_guard lock(mu_);
    channel_ = *channel;
  }
  MW_RETURN_IF_ERROR(CreateSession());
  MW_RETURN_IF_ERROR(ActivateSession());
  ReadOperationLimits();
  supervisor_ = std::thread([this] { SupervisorLoop(); });
  return Status::Ok();
}

Status Client::Impl::CreateSession() {
  CreateSessionRequest request;
  request.client_description.application_uri = options_.application_uri;
  request.client_description.product_uri = std::string("urn:millwright");
  request.client_description.application_name.text = options_.application_name;
  request.client_description.application_type = ApplicationType::kClient;
  request.endpoint_url = options_.endpoint_url;
  request.session_name = fmt::format("{} session", options_.application_name);
  client_nonce_ = security::RandomBytes(32);
  request.client_nonce.bytes = client_nonce_;
  if (identity_) request.client_certificate.bytes = identity_->certificate.der();
  request.requested_session_timeout = options_.session_timeout_ms;
  request.max_response_message_size = 0;
  {
    std::lock_guard lock(mu_);
    authentication_token_ = NodeId();
  }
  CreateSessionResponse response;
  MW_RETURN_IF_ERROR(Call(request, response, "CreateSession"));
  if (server_certificate_ && !response.server_signature.signature.bytes.value_or("").empty()) {
    const std::string signed_data = identity_->certificate.der() + client_nonce_;
    if (Status s = security::AsymmetricVerify(*policy_, *server_certificate_, signed_data,
                                              response.server_signature.signature.bytes.value_or(""));
        !s.ok()) {
      return Status::FailedPrecondition(
          fmt::format("{}: CreateSession: the server's signature does not verify: {}", options_.endpoint_url,
                      s.message()));
    }
  }
  std::lock_guard lock(mu_);
  session_id_ = response.session_id;
  authentication_token_ = response.authentication_token;
  server_nonce_ = response.server_nonce.bytes.value_or("");
  ++counters_.sessions_created;
  return Status::Ok();
}

Result<ExtensionObject> Client::Impl::IdentityToken(const UserTokenPolicy& token_policy,
                                                    SignatureData& token_signature) {
  // The token is protected with the token policy's algorithms, or the endpoint's if it names none.
  const security::Policy* p = security::FindPolicy(token_policy.security_policy_uri.value_or(""));
  if (!p) p = policy_;
  std::string nonce;
  {
    std::lock_guard lock(mu_);
    nonce = server_nonce_;
  }
  switch (options_.identity) {
    case IdentityKind::kAnonymous: {
      AnonymousIdentityToken token;
      token.policy_id = token_policy.policy_id;
      return ToExtensionObject(token);
    }
    case IdentityKind::kUserName: {
      UserNameIdentityToken token;
      token.policy_id = token_policy.policy_id;
      token.user_name = options_.user_name;
      if (p->IsNone()) {
        token.password.bytes = options_.password;
      } else {
        if (!server_certificate_) {
          Result<security::Certificate> cert =
              security::Certificate::FromDer(endpoint_.server_certificate.bytes.value_or(""));
          if (!cert.ok()) return cert.status();
          server_certificate_ = *cert;
        }
        std::string plain;
        Encoder e(plain);
        e.UInt32(static_cast<std::uint32_t>(options_.password.size() + nonce.size()));
        e.Raw(options_.password);
        e.Raw(nonce);
        Result<std::string> secret = security::AsymmetricEncrypt(*p, *server_certificate_, plain);
        if (!secret.ok()) return secret.status();
        token.password.bytes = std::move(secret).value();
        token.encryption_algorithm = std::string(p->asymmetric_encryption_uri);
      }
      return ToExtensionObject(token);
    }
    case IdentityKind::kCertificate: {
      Result<security::Certificate> cert = security::Certificate::FromFile(options_.user_certificate);
      if (!cert.ok()) return cert.status();
      Result<security::PrivateKey> key = security::PrivateKey::FromFile(options_.user_key);
      if (!key.ok()) return key.status();
      X509IdentityToken token;
      token.policy_id = token_policy.policy_id;
      token.certificate_data.bytes = cert->der();
      const std::string server_der = endpoint_.server_certificate.bytes.value_or("");
      const security::Policy* sign_policy = p->IsNone() ? security::FindPolicy("Basic256Sha256") : p;
      Result<std::string> signature = security::AsymmetricSign(*sign_policy, *key, server_der + nonce);
      if (!signature.ok()) return signature.status();
      token_signature.algorithm = std::string(sign_policy->asymmetric_signature_uri);
      token_signature.signature.bytes = std::move(signature).value();
      return ToExtensionObject(token);
    }
  }
  return Status::Internal("identity kind");
}

Status Client::Impl::ActivateSession() {
  static constexpr UserTokenType kTokenType[] = {UserTokenType::kAnonymous, UserTokenType::kUserName,
                                                 UserTokenType::kCertificate};
  const UserTokenType wanted = kTokenType[static_cast<int>(options_.identity)];
  const UserTokenPolicy* token_policy = nullptr;
  for (const UserTokenPolicy& p : endpoint_.user_identity_tokens) {
    if (p.token_type == wanted) {
      token_policy = &p;
      break;
    }
  }
  if (!token_policy) {
    return Status::NotFound(fmt::format("{}: the endpoint accepts no {} identity", options_.endpoint_url,
                                        options_.identity == IdentityKind::kAnonymous  ? "anonymous"
                                        : options_.identity == IdentityKind::kUserName ? "user name"
                                                                                       : "certificate"));
  }
  ActivateSessionRequest request;
  if (identity_ && server_certificate_) {
    std::string nonce;
    {
      std::lock_guard lock(mu_);
      nonce = server_nonce_;
    }
    Result<std::string> signature =
        security::AsymmetricSign(*policy_, identity_->key, server_certificate_->der() + nonce);
    if (!signature.ok()) return signature.status();
    request.client_signature.algorithm = std::string(policy_->asymmetric_signature_uri);
    request.client_signature.signature.bytes = std::move(signature).value();
  }
  Result<ExtensionObject> token = IdentityToken(*token_policy, request.user_token_signature);
  if (!token.ok()) return token.status();
  request.user_identity_token = std::move(token).value();
  ActivateSessionResponse response;
  MW_RETURN_IF_ERROR(Call(request, response, "ActivateSession"));
  std::lock_guard lock(mu_);
  server_nonce_ = response.server_nonce.bytes.value_or("");
  return Status::Ok();
}

void Client::Impl::ReadOperationLimits() {
  std::vector<ReadValueId> nodes(2);
  nodes[0].node_id = NodeId::Numeric(0, kMaxNodesPerReadNode);
  nodes[1].node_id = NodeId::Numeric(0, kMaxMonitoredItemsPerCallNode);
  for (ReadValueId& n : nodes) n.attribute_id = kAttributeValue;
  ReadRequest request;
  request.nodes_to_read = nodes;
  request.timestamps_to_return = TimestampsToReturn::kNeither;
  ReadResponse response;
  if (!Call(request, response, "Read operation limits").ok()) return;
  auto limit = [&](std::size_t i) -> std::uint32_t {
    if (i >= response.results.size() || !response.results[i].value) return 0;
    const Variant& v = *response.results[i].value;
    if (v.is_array || v.values.size() != 1) return 0;
    if (const auto* u = std::get_if<std::uint32_t>(&v.values[0])) return *u;
    return 0;
  };
  std::lock_guard lock(mu_);
  max_nodes_per_read_ = limit(0);
  max_items_per_call_ = limit(1);
}

void Client::Impl::Disconnect() {
  std::shared_ptr<ClientChannel> channel;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    channel = broken_ ? nullptr : channel_;
  }
  cv_.notify_all();
  if (supervisor_.joinable()) supervisor_.join();
  if (channel) {
    CloseSessionRequest request;
    request.delete_subscriptions = true;
    CloseSessionResponse response;
    (void)Call(request, response, "CloseSession");
  }
  std::shared_ptr<ClientChannel> last;
  {
    std::lock_guard lock(mu_);
    last = std::move(channel_);
    broken_ = true;
  }
  if (last) last->Close();
}

// --- services -----------------------------------------------------------------------------------

Result<std::vector<DataValue>> Client::Impl::Read(const std::vector<ReadValueId>& nodes,
                                                  TimestampsToReturn timestamps) {
  std::size_t step = nodes.size();
  {
    std::lock_guard lock(mu_);
    if (max_nodes_per_read_ != 0) step = max_nodes_per_read_;
  }
  std::vector<DataValue> values;
  values.reserve(nodes.size());
  for (std::size_t from = 0; from < nodes.size() || (from == 0 && nodes.empty()); from += step) {
    if (nodes.empty()) break;
    ReadRequest request;
    request.timestamps_to_return = timestamps;
    request.nodes_to_read.assign(
        nodes.begin() + static_cast<std::ptrdiff_t>(from),
        nodes.begin() + static_cast<std::ptrdiff_t>(std::min(nodes.size(), from + step)));
    ReadResponse response;
    MW_RETURN_IF_ERROR(Call(request, response, "Read"));
    if (response.results.size() != request.nodes_to_read.size()) {
      return Status::Corruption(fmt::format("{}: Read returned {} results for {} nodes",
                                            options_.endpoint_url, response.results.size(),
                                            request.nodes_to_read.size()));
    }
    std::move(response.results.begin(), response.results.end(), std::back_inserter(values));
  }
  return values;
}

Result<std::vector<ReferenceDescription>> Client::Impl::Browse(const NodeId& node, BrowseDirection direction,
                                                               const NodeId& reference_type) {
  BrowseRequest request;
  BrowseDescription description;
  description.node_id = node;
  description.browse_direction = direction;
  description.reference_type_id = reference_type;
  description.include_subtypes = true;
  description.node_class_mask = 0;
  description.result_mask = 0x3f;
  request.nodes_to_browse.push_back(description);
  BrowseResponse response;
  MW_RETURN_IF_ERROR(Call(request, response, "Browse"));
  if (response.results.size() != 1) return Status::Corruption("Browse: no result");
  std::vector<ReferenceDescription> references;
  BrowseResult result = std::move(response.results[0]);
  while (true) {
    if (result.status_code.IsBad()) return UaError(result.status_code.code, "Browse " + ToString(node));
    std::move(result.references.begin(), result.references.end(), std::back_inserter(references));
    if (result.continuation_point.bytes.value_or("").empty()) return references;
    BrowseNextRequest next;
    next.release_continuation_points = false;
    next.continuation_points.push_back(result.continuation_point);
    BrowseNextResponse next_response;
    MW_RETURN_IF_ERROR(Call(next, next_response, "BrowseNext"));
    if (next_response.results.size() != 1) return Status::Corruption("BrowseNext: no result");
    result = std::move(next_response.results[0]);
  }
}

// --- structured types ---------------------------------------------------------------------------

Status Client::Impl::LoadDataType(const NodeId& data_type, int depth) {
  if (depth > 16) return Status::ResourceExhausted("structures nested more than 16 deep");
  if (data_type.namespace_index == 0 || types_.FindStructure(data_type) || types_.BuiltinFor(data_type)) {
    return Status::Ok();
  }
  ReadValueId id;
  id.node_id = data_type;
  id.attribute_id = kDataTypeDefinitionAttribute;
  Result<std::vector<DataValue>> read = Read({id}, TimestampsToReturn::kNeither);
  if (!read.ok()) return read.status();
  const DataValue& value = read->front();
  if (value.status && value.status->IsBad())
    return UaError(value.status->code, "DataTypeDefinition of " + ToString(data_type));
  const auto* object = value.value && !value.value->is_array && value.value->values.size() == 1
                           ? std::get_if<ExtensionObject>(&value.value->values[0])
                           : nullptr;
  if (!object) return Status::NotFound(fmt::format("{} has no DataTypeDefinition", ToString(data_type)));
  if (object->type_id == NodeId::Numeric(0, kEnumDefinitionBinaryEncodingId)) {
    types_.AddEnumeration(data_type);
    return Status::Ok();
  }
  Result<StructureDefinition> def = StructureDefinitionFromExtensionObject(*object);
  if (!def.ok()) return def.status();
  for (const StructureField& field : def->fields)
    MW_RETURN_IF_ERROR(LoadDataType(field.data_type, depth + 1));
  return types_.AddStructure(data_type, std::move(def).value());
}

Result<StructuredValue> Client::Impl::DecodeStructure(const ExtensionObject& object) {
  std::lock_guard lock(types_mu_);
  if (!types_.DataTypeOfEncoding(object.type_id)) {
    Result<std::vector<ReferenceDescription>> owners =
        Browse(object.type_id, BrowseDirection::kInverse, NodeId::Numeric(0, kHasEncoding));
    if (!owners.ok()) return owners.status();
    if (owners->empty())
      return Status::NotFound(fmt::format("no DataType has the encoding {}", ToString(object.type_id)));
    MW_RETURN_IF_ERROR(LoadDataType(owners->front().node_id.node_id, 0));
  }
  return DecodeStructuredValue(object, types_);
}

// --- subscriptions ------------------------------------------------------------------------------

Status Client::Impl::BuildSubscription(Subscription& sub) {
  CreateSubscriptionRequest request;
  request.requested_publishing_interval = sub.settings.publishing_interval_ms;
  request.requested_lifetime_count = sub.settings.lifetime_count;
  request.requested_max_keep_alive_count = sub.settings.max_keep_alive_count;
  request.max_notifications_per_publish = sub.settings.max_notifications_per_publish;
  request.publishing_enabled = sub.settings.publishing_enabled;
  request.priority = sub.settings.priority;
  CreateSubscriptionResponse response;
  MW_RETURN_IF_ERROR(Call(request, response, "CreateSubscription"));
  sub.server_id = response.subscription_id;
  sub.revised_interval_ms = response.revised_publishing_interval;
  sub.revised_keep_alive = response.revised_max_keep_alive_count;
  sub.last_sequence = 0;
  sub.last_message = Clock::now();
  return Status::Ok();
}

Status Client::Impl::CreateItems(Subscription& sub, std::vector<std::uint32_t> handles,
                                 std::vector<MonitoredItemState>* states) {
  std::size_t step = handles.size();
  {
    std::lock_guard lock(mu_);
    if (max_items_per_call_ != 0) step = max_items_per_call_;
  }
  for (std::size_t from = 0; from < handles.size(); from += step) {
    CreateMonitoredItemsRequest request;
    request.subscription_id = sub.server_id;
    request.timestamps_to_return = TimestampsToReturn::kBoth;
    const std::size_t to = std::min(handles.size(), from + step);
    for (std::size_t i = from; i < to; ++i) {
      const MonitoredItemSpec& spec = sub.items.at(handles[i]).spec;
      MonitoredItemCreateRequest item;
      item.item_to_monitor.node_id = spec.node;
      item.item_to_monitor.attribute_id = spec.attribute_id;
      item.monitoring_mode = MonitoringMode::kReporting;
      item.requested_parameters.client_handle = spec.client_handle;
      item.requested_parameters.sampling_interval = spec.sampling_interval_ms;
      item.requested_parameters.queue_size = spec.queue_size;
      item.requested_parameters.discard_oldest = spec.discard_oldest;
      if (spec.deadband_type != 0) {
        DataChangeFilter filter;
        filter.trigger = DataChangeTrigger::kStatusValue;
        filter.deadband_type = spec.deadband_type;
        filter.deadband_value = spec.deadband_value;
        item.requested_parameters.filter = ToExtensionObject(filter);
      }
      request.items_to_create.push_back(std::move(item));
    }
    CreateMonitoredItemsResponse response;
    MW_RETURN_IF_ERROR(Call(request, response, "CreateMonitoredItems"));
    if (response.results.size() != to - from) return Status::Corruption("CreateMonitoredItems: result count");
    for (std::size_t i = from; i < to; ++i) {
      const MonitoredItemCreateResult& r = response.results[i - from];
      Item& item = sub.items.at(handles[i]);
      item.state.client_handle = handles[i];
      item.state.status = r.status_code;
      item.state.monitored_item_id = r.monitored_item_id;
      item.state.revised_sampling_interval_ms = r.revised_sampling_interval;
      if (states) states->push_back(item.state);
      if (r.status_code.IsBad()) {
        spdlog::warn("opcua {}: monitored item {} refused: {}", options_.endpoint_url,
                     ToString(item.spec.node), StatusCodeName(r.status_code.code));
        if (sub.handler.on_item_error) sub.handler.on_item_error(item.state);
      }
    }
  }
  return Status::Ok();
}

Result<std::uint32_t> Client::Impl::CreateSubscription(const SubscriptionSettings& settings,
                                                       SubscriptionHandler handler) {
  Subscription sub;
  sub.settings = settings;
  sub.handler = std::move(handler);
  MW_RETURN_IF_ERROR(BuildSubscription(sub));
  std::uint32_t local_id = 0;
  {
    std::lock_guard lock(mu_);
    local_id = next_local_id_++;
    sub.local_id = local_id;
    subscriptions_.emplace(local_id, std::move(sub));
  }
  for (int i = 0; i < options_.publish_requests; ++i) IssuePublish();
  return local_id;
}

Result<std::vector<MonitoredItemState>> Client::Impl::AddMonitoredItems(
    std::uint32_t local_id, const std::vector<MonitoredItemSpec>& items) {
  // The subscription is copied out to create the items without holding the lock during the call.
  Subscription sub;
  std::vector<std::uint32_t> handles;
  {
    std::lock_guard lock(mu_);
    auto it = subscriptions_.find(local_id);
    if (it == subscriptions_.end()) return Status::NotFound(fmt::format("no subscription {}", local_id));
    sub.server_id = it->second.server_id;
    sub.handler = it->second.handler;
    for (const MonitoredItemSpec& spec : items) {
      if (it->second.items.count(spec.client_handle) != 0) {
        return Status::AlreadyExists(fmt::format("client handle {} already monitored", spec.client_handle));
      }
      sub.items[spec.client_handle].spec = spec;
      handles.push_back(spec.client_handle);
    }
  }
  std::vector<MonitoredItemState> states;
  MW_RETURN_IF_ERROR(CreateItems(sub, handles, &states));
  std::lock_guard lock(mu_);
  auto it = subscriptions_.find(local_id);
  if (it == subscriptions_.end())
    return Status::NotFound(fmt::format("subscription {} deleted meanwhile", local_id));
  for (auto& [handle, item] : sub.items) it->second.items[handle] = item;
  return states;
}

Status Client::Impl::RemoveMonitoredItems(std::uint32_t local_id, const std::vector<std::uint32_t>& handles) {
  DeleteMonitoredItemsRequest request;
  {
    std::lock_guard lock(mu_);
    auto it = subscriptions_.find(local_id);
    if (it == subscriptions_.end()) return Status::NotFound(fmt::format("no subscription {}", local_id));
    request.subscription_id = it->second.server_id;
    for (std::uint32_t handle : handles) {
      auto item = it->second.items.find(handle);
      if (item == it->second.items.end()) continue;
      if (item->second.state.status.IsGood())
        request.monitored_item_ids.push_back(item->second.state.monitored_item_id);
      it->second.items.erase(item);
    }
  }
  if (request.monitored_item_ids.empty()) return Status::Ok();
  DeleteMonitoredItemsResponse response;
  return Call(request, response, "DeleteMonitoredItems");
}

Status Client::Impl::DeleteSubscription(std::uint32_t local_id) {
  DeleteSubscriptionsRequest request;
  {
    std::lock_guard lock(mu_);
    auto it = subscriptions_.find(local_id);
    if (it == subscriptions_.end()) return Status::NotFound(fmt::format("no subscription {}", local_id));
    request.subscription_ids.push_back(it->second.server_id);
    subscriptions_.erase(it);
  }
  DeleteSubscriptionsResponse response;
  return Call(request, response, "DeleteSubscriptions");
}

Status Client::Impl::ModifySubscription(std::uint32_t local_id, const SubscriptionSettings& settings) {
  ModifySubscriptionRequest request;
  {
    std::lock_guard lock(mu_);
    auto it = subscriptions_.find(local_id);
    if (it == subscriptions_.end()) return Status::NotFound(fmt::format("no subscription {}", local_id));
    request.subscription_id = it->second.server_id;
  }
  request.requested_publishing_interval = settings.publishing_interval_ms;
  request.requested_lifetime_count = settings.lifetime_count;
  request.requested_max_keep_alive_count = settings.max_keep_alive_count;
  request.max_notifications_per_publish = settings.max_notifications_per_publish;
  request.priority = settings.priority;
  ModifySubscriptionResponse response;
  MW_RETURN_IF_ERROR(Call(request, response, "ModifySubscription"));
  std::lock_guard lock(mu_);
  auto it = subscriptions_.find(local_id);
  if (it == subscriptions_.end()) return Status::Ok();  // deleted meanwhile
  const bool enabled = it->second.settings.publishing_enabled;
  it->second.settings = settings;
  it->second.settings.publishing_enabled = enabled;
  it->second.revised_interval_ms = response.revised_publishing_interval;
  it->second.revised_keep_alive = response.revised_max_keep_alive_count;
  return Status::Ok();
}

Status Client::Impl::SetPublishingMode(std::uint32_t local_id, bool enabled) {
  SetPublishingModeRequest request;
  request.publishing_enabled = enabled;
  {
    std::lock_guard lock(mu_);
    auto it = subscriptions_.find(local_id);
    if (it == subscriptions_.end()) return Status::NotFound(fmt::format("no subscription {}", local_id));
    request.subscription_ids.push_back(it->second.server_id);
  }
  SetPublishingModeResponse response;
  MW_RETURN_IF_ERROR(Call(request, response, "SetPublishingMode"));
  if (response.results.size() == 1 && response.results[0].IsBad()) {
    return UaError(response.results[0].code, "SetPublishingMode");
  }
  std::lock_guard lock(mu_);
  auto it = subscriptions_.find(local_id);
  if (it != subscriptions_.end()) it->second.settings.publishing_enabled = enabled;
  return Status::Ok();
}

// --- publishing ---------------------------------------------------------------------------------

void Client::Impl::IssuePublish() {
  std::shared_ptr<ClientChannel> channel;
  PublishRequest request;
  double longest_ms = 0;
  {
    std::lock_guard lock(mu_);
    if (stopping_ || broken_ || subscriptions_.empty() || outstanding_publish_ >= options_.publish_requests)
      return;
    channel = channel_;
    ++outstanding_publish_;
    request.subscription_acknowledgements.swap(acks_);
    for (const auto& [id, sub] : subscriptions_) {
      longest_ms =
          std::max(longest_ms, sub.revised_interval_ms * std::max<std::uint32_t>(sub.revised_keep_alive, 1));
    }
  }
  FillHeader(request.request_header);
  // The server holds a Publish until it has something: the timeout must outlast the keep-alive.
  const auto timeout =
      options_.request_timeout + std::chrono::milliseconds(static_cast<std::int64_t>(longest_ms * 2));
  request.request_header.timeout_hint = static_cast<std::uint32_t>(timeout.count());
  std::string body;
  Encoder e(body);
  if (!EncodeMessage(e, request).ok()) {
    std::lock_guard lock(mu_);
    --outstanding_publish_;
    return;
  }
  channel->Send(body, timeout, [this](Result<std::string> result) { OnPublish(std::move(result)); });
}

void Client::Impl::OnPublish(Result<std::string> result) {
  {
    std::lock_guard lock(mu_);
    --outstanding_publish_;
    if (stopping_) return;  // closing: the server answers the Publish requests it still holds
  }
  if (!result.ok()) {
    std::lock_guard lock(mu_);
    ++counters_.publish_errors;
    return;  // a broken channel is the supervisor's; a timeout is re-issued by it
  }
  PublishResponse response;
  std::uint32_t service_result = 0;
  if (Status s = DecodeServiceResponse(*result, response, service_result); !s.ok()) {
    std::lock_guard lock(mu_);
    ++counters_.publish_errors;
    if (service_result == kBadTooManyPublishRequests) {
      options_.publish_requests = std::max(1, outstanding_publish_ + 1);
    } else if (service_result != kBadNoSubscription && service_result != kBadTimeout) {
      if (SessionGone(service_result)) {
        broken_ = true;
        cv_.notify_all();
      }
      spdlog::warn("opcua {}: Publish: {}", options_.endpoint_url, s.message());
    }
    return;
  }
  {
    std::unique_lock lock(mu_);
    for (auto& [id, sub] : subscriptions_) {
      if (sub.server_id != response.subscription_id) continue;
      HandleNotification(sub, response.notification_message);
      break;
    }
  }
  IssuePublish();
  IssuePublish();  // tops up after a lowered count recovers or a timeout was lost
}

void Client::Impl::HandleNotification(Subscription& sub, const NotificationMessage& message) {
  sub.last_message = Clock::now();
  if (message.notification_data.empty()) return;  // keep-alive: carries the next sequence number
  const std::uint32_t sequence = message.sequence_number;
  if (sub.last_sequence != 0 && sequence > sub.last_sequence + 1) {
    const std::uint32_t server_id = sub.server_id;
    const std::uint32_t from = sub.last_sequence + 1;
    work_.push_back([this, server_id, from, sequence] { Republish(server_id, from, sequence - 1); });
    cv_.notify_all();
  }
  if (sequence > sub.last_sequence) sub.last_sequence = sequence;
  SubscriptionAcknowledgement ack;
  ack.subscription_id = sub.server_id;
  ack.sequence_number = sequence;
  acks_.push_back(ack);
  for (const ExtensionObject& data : message.notification_data) {
    if (data.type_id == NodeId::Numeric(0, DataChangeNotification::kBinaryEncodingId)) {
      DataChangeNotification changes;
      if (Status s = FromExtensionObject(data, changes); !s.ok()) {
        spdlog::warn("opcua {}: undecodable data change: {}", options_.endpoint_url, s.message());
        continue;
      }
      std::vector<DataChange> out;
      out.reserve(changes.monitored_items.size());
      for (MonitoredItemNotification& n : changes.monitored_items) {
        out.push_back({n.client_handle, std::move(n.value)});
      }
      counters_.notifications += out.size();
      if (sub.handler.on_data) sub.handler.on_data(out);
    } else if (data.type_id == NodeId::Numeric(0, StatusChangeNotification::kBinaryEncodingId)) {
      StatusChangeNotification change;
      if (FromExtensionObject(data, change).ok() && sub.handler.on_status) {
        sub.handler.on_status(UaError(change.status.code, "subscription status change"));
      }
    }
  }
}

void Client::Impl::Republish(std::uint32_t server_id, std::uint32_t from, std::uint32_t to) {
  for (std::uint32_t sequence = from; sequence <= to; ++sequence) {
    RepublishRequest request;
    request.subscription_id = server_id;
    request.retransmit_sequence_number = sequence;
    RepublishResponse response;
    if (!Call(request, response, "Republish").ok()) return;  // gone: the data is lost at the server
    std::lock_guard lock(mu_);
    ++counters_.republished;
    for (auto& [id, sub] : subscriptions_) {
      if (sub.server_id != server_id) continue;
      const std::uint32_t keep = sub.last_sequence;
      HandleNotification(sub, response.notification_message);
      sub.last_sequence = std::max(keep, sub.last_sequence);
    }
  }
}

// --- recovery -----------------------------------------------------------------------------------

void Client::Impl::MarkBroken(const Status& status) {
  std::lock_guard lock(mu_);
  if (broken_ || stopping_ || reconnecting_) return;
  broken_ = true;
  spdlog::warn("opcua {}: connection lost: {}", options_.endpoint_url, status.message());
  cv_.notify_all();
}

void Client::Impl::OnChannelClosed(const Status& status) { MarkBroken(status); }

void Client::Impl::SupervisorLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::milliseconds(200));
    if (stopping_) break;
    if (channel_ && !channel_->is_open()) broken_ = true;  // it died while Reconnect() ran
    if (broken_) {
      lock.unlock();
      Reconnect();
      lock.lock();
      continue;
    }
    std::deque<std::function<void()>> work;
    work.swap(work_);
    const bool top_up = outstanding_publish_ < options_.publish_requests && !subscriptions_.empty();
    lock.unlock();
    for (auto& job : work) job();
    if (top_up) {
      for (int i = 0; i < options_.publish_requests; ++i) IssuePublish();
    }
    Watchdog();
    lock.lock();
  }
}

void Client::Impl::Reconnect() {
  struct Flag {
    Impl& impl;
    explicit Flag(Impl& i) : impl(i) { Set(true); }
    ~Flag() { Set(false); }
    void Set(bool on) {
      std::lock_guard lock(impl.mu_);
      impl.reconnecting_ = on;
    }
  } flag(*this);
  auto delay = std::chrono::milliseconds(500);
  std::shared_ptr<ClientChannel> old;
  {
    std::lock_guard lock(mu_);
    old = std::move(channel_);  // closing it fails its pending Publish requests, which count down
  }
  if (old) old->Close();
  while (true) {
    {
      std::unique_lock lock(mu_);
      if (stopping_) return;
    }
    Result<std::shared_ptr<ClientChannel>> channel = OpenChannel(EndpointSecurity());
    if (channel.ok()) {
      {
        std::lock_guard lock(mu_);
        channel_ = *channel;
        broken_ = false;
        ++counters_.reconnects;
      }
      // The old session may still be there (network drop): activating it keeps every subscription.
      if (ActivateSession().ok()) {
        {
          std::lock_guard lock(mu_);
          ++counters_.sessions_reactivated;
        }
        spdlog::info("opcua {}: reconnected, session kept", options_.endpoint_url);
        RecoverSubscriptions(true);
        return;
      }
      const Status created = CreateSession();
      if (created.ok() && ActivateSession().ok()) {
        spdlog::info("opcua {}: reconnected with a new session", options_.endpoint_url);
        ReadOperationLimits();
        RecoverSubscriptions(false);
        return;
      }
      spdlog::warn("opcua {}: reconnect: {}", options_.endpoint_url,
                   created.ok() ? "ActivateSession failed" : created.message());
      std::shared_ptr<ClientChannel> failed;
      {
        std::lock_guard lock(mu_);
        failed = std::move(channel_);
        broken_ = true;
      }
      if (failed) failed->Close();
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, delay, [this] { return stopping_; });
    delay = std::min(delay * 2, std::chrono::milliseconds(10'000));
  }
}

void Client::Impl::RecoverSubscriptions(bool session_kept) {
  std::vector<std::uint32_t> local_ids;
  std::vector<std::uint32_t> server_ids;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, sub] : subscriptions_) {
      local_ids.push_back(id);
      server_ids.push_back(sub.server_id);
    }
  }
  if (local_ids.empty()) return;
  std::vector<bool> alive(local_ids.size(), session_kept);
  if (!session_kept) {
    TransferSubscriptionsRequest request;
    request.subscription_ids = server_ids;
    request.send_initial_values = true;
    TransferSubscriptionsResponse response;
    if (Call(request, response, "TransferSubscriptions").ok() &&
        response.results.size() == local_ids.size()) {
      for (std::size_t i = 0; i < local_ids.size(); ++i) alive[i] = response.results[i].status_code.IsGood();
    }
  }
  for (std::size_t i = 0; i < local_ids.size(); ++i) {
    if (!alive[i]) {
      Rebuild(local_ids[i]);
      continue;
    }
    std::lock_guard lock(mu_);
    auto it = subscriptions_.find(local_ids[i]);
    if (it == subscriptions_.end()) continue;
    if (!session_kept) ++counters_.subscriptions_transferred;
    it->second.last_message = Clock::now();
    if (it->second.handler.on_status) it->second.handler.on_status(Status::Ok());
  }
  for (int i = 0; i < options_.publish_requests; ++i) IssuePublish();
}

void Client::Impl::Rebuild(std::uint32_t local_id) {
  Subscription copy;
  {
    std::lock_guard lock(mu_);
    auto it = subscriptions_.find(local_id);
    if (it == subscriptions_.end()) return;
    copy.settings = it->second.settings;
    copy.handler = it->second.handler;
    copy.items = it->second.items;
  }
  if (Status s = BuildSubscription(copy); !s.ok()) {
    spdlog::warn("opcua {}: subscription {} not re-created: {}", options_.endpoint_url, local_id,
                 s.message());
    return;
  }
  std::vector<std::uint32_t> handles;
  for (const auto& [handle, item] : copy.items) handles.push_back(handle);
  const Status items = CreateItems(copy, handles, nullptr);
  std::lock_guard lock(mu_);
  auto it = subscriptions_.find(local_id);
  if (it == subscriptions_.end()) return;
  it->second.server_id = copy.server_id;
  it->second.revised_interval_ms = copy.revised_interval_ms;
  it->second.revised_keep_alive = copy.revised_keep_alive;
  it->second.items = copy.items;
  it->second.last_sequence = 0;
  it->second.last_message = Clock::now();
  ++counters_.subscriptions_recreated;
  spdlog::info("opcua {}: subscription {} re-created with {} items{}", options_.endpoint_url, local_id,
               handles.size(), items.ok() ? "" : ": " + items.message());
  if (it->second.handler.on_status) it->second.handler.on_status(items);
}

void Client::Impl::Watchdog() {
  std::vector<std::uint32_t> stalled;
  {
    std::lock_guard lock(mu_);
    if (broken_) return;
    const auto now = Clock::now();
    for (auto& [id, sub] : subscriptions_) {
      const double allowed_ms = sub.revised_interval_ms * (sub.revised_keep_alive + 1) * 2 + 5000;
      if (now - sub.last_message > std::chrono::milliseconds(static_cast<std::int64_t>(allowed_ms))) {
        stalled.push_back(id);
        sub.last_message = now;
      }
    }
    counters_.watchdog_rebuilds += stalled.size();
  }
  for (std::uint32_t id : stalled) {
    spdlog::warn("opcua {}: subscription {} silent past its keep-alive, rebuilding", options_.endpoint_url,
                 id);
    DeleteSubscriptionsRequest request;
    {
      std::lock_guard lock(mu_);
      auto it = subscriptions_.find(id);
      if (it == subscriptions_.end()) continue;
      request.subscription_ids.push_back(it->second.server_id);
    }
    DeleteSubscriptionsResponse response;
    (void)Call(request, response, "DeleteSubscriptions");  // it may be gone already
    Rebuild(id);
  }
  if (!stalled.empty()) {
    for (int i = 0; i < options_.publish_requests; ++i) IssuePublish();
  }
}

// --- Client -------------------------------------------------------------------------------------

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::Connect(ClientOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  if (Status s = impl->Start(); !s.ok()) {
    impl->Disconnect();
    return s;
  }
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

void Client::Disconnect() { impl_->Disconnect(); }
bool Client::connected() const { return impl_->connected(); }
const std::string& Client::endpoint_url() const { return impl_->endpoint_url(); }
ClientCounters Client::counters() const { return impl_->counters(); }

Result<std::vector<EndpointDescription>> Client::GetEndpoints() {
  GetEndpointsRequest request;
  request.endpoint_url = impl_->endpoint_url();
  GetEndpointsResponse response;
  MW_RETURN_IF_ERROR(impl_->Call(request, response, "GetEndpoints"));
  return std::move(response.endpoints);
}

Result<std::vector<ApplicationDescription>> Client::FindServers() {
  FindServersRequest request;
  request.endpoint_url = impl_->endpoint_url();
  FindServersResponse response;
  MW_RETURN_IF_ERROR(impl_->Call(request, response, "FindServers"));
  return std::move(response.servers);
}

Result<std::vector<DataValue>> Client::Read(const std::vector<ReadValueId>& nodes,
                                            TimestampsToReturn timestamps) {
  return impl_->Read(nodes, timestamps);
}

Result<DataValue> Client::ReadValue(const NodeId& node) {
  ReadValueId id;
  id.node_id = node;
  id.attribute_id = kAttributeValue;
  Result<std::vector<DataValue>> values = impl_->Read({id}, TimestampsToReturn::kBoth);
  if (!values.ok()) return values.status();
  return std::move(values->front());
}

Result<std::vector<UaStatusCode>> Client::Write(const std::vector<WriteValue>& values) {
  WriteRequest request;
  request.nodes_to_write = values;
  WriteResponse response;
  MW_RETURN_IF_ERROR(impl_->Call(request, response, "Write"));
  return std::move(response.results);
}

Result<std::vector<ReferenceDescription>> Client::Browse(const NodeId& node, BrowseDirection direction,
                                                         const NodeId& reference_type) {
  return impl_->Browse(node, direction, reference_type);
}

Result<StructuredValue> Client::DecodeStructure(const ExtensionObject& object) {
  return impl_->DecodeStructure(object);
}

Result<std::vector<BrowsePathResult>> Client::TranslateBrowsePaths(const std::vector<BrowsePath>& paths) {
  TranslateBrowsePathsToNodeIdsRequest request;
  request.browse_paths = paths;
  TranslateBrowsePathsToNodeIdsResponse response;
  MW_RETURN_IF_ERROR(impl_->Call(request, response, "TranslateBrowsePathsToNodeIds"));
  return std::move(response.results);
}

Result<std::vector<NodeId>> Client::RegisterNodes(const std::vector<NodeId>& nodes) {
  RegisterNodesRequest request;
  request.nodes_to_register = nodes;
  RegisterNodesResponse response;
  MW_RETURN_IF_ERROR(impl_->Call(request, response, "RegisterNodes"));
  return std::move(response.registered_node_ids);
}

Status Client::UnregisterNodes(const std::vector<NodeId>& nodes) {
  UnregisterNodesRequest request;
  request.nodes_to_unregister = nodes;
  UnregisterNodesResponse response;
  return impl_->Call(request, response, "UnregisterNodes");
}

Result<std::vector<DataValue>> Client::HistoryReadRaw(const NodeId& node, DateTime start, DateTime end,
                                                      std::uint32_t max_values) {
  ReadRawModifiedDetails details;
  details.is_read_modified = false;
  details.start_time = start;
  details.end_time = end;
  details.num_values_per_node = max_values;
  details.return_bounds = false;
  std::vector<DataValue> values;
  ByteString continuation;
  do {
    HistoryReadRequest request;
    request.history_read_details = ToExtensionObject(details);
    request.timestamps_to_return = TimestampsToReturn::kBoth;
    HistoryReadValueId id;
    id.node_id = node;
    id.continuation_point = continuation;
    request.nodes_to_read.push_back(id);
    HistoryReadResponse response;
    MW_RETURN_IF_ERROR(impl_->Call(request, response, "HistoryRead"));
    if (response.results.size() != 1) return Status::Corruption("HistoryRead: no result");
    const HistoryReadResult& result = response.results[0];
    if (result.status_code.IsBad()) return UaError(result.status_code.code, "HistoryRead " + ToString(node));
    HistoryData data;
    MW_RETURN_IF_ERROR(FromExtensionObject(result.history_data, data));
    std::move(data.data_values.begin(), data.data_values.end(), std::back_inserter(values));
    continuation = result.continuation_point;
  } while (!continuation.bytes.value_or("").empty());
  return values;
}

Result<std::vector<std::string>> Client::NamespaceArray() {
  Result<DataValue> value = ReadValue(NodeId::Numeric(0, kNamespaceArrayNode));
  if (!value.ok()) return value.status();
  std::vector<std::string> uris;
  if (!value->value) return uris;
  for (const Value& v : value->value->values) {
    if (const auto* s = std::get_if<String>(&v)) uris.push_back(s->value_or(""));
  }
  return uris;
}

Result<std::uint32_t> Client::CreateSubscription(const SubscriptionSettings& settings,
                                                 SubscriptionHandler handler) {
  return impl_->CreateSubscription(settings, std::move(handler));
}

Result<std::vector<MonitoredItemState>> Client::AddMonitoredItems(
    std::uint32_t subscription, const std::vector<MonitoredItemSpec>& items) {
  return impl_->AddMonitoredItems(subscription, items);
}

Status Client::RemoveMonitoredItems(std::uint32_t subscription, const std::vector<std::uint32_t>& handles) {
  return impl_->RemoveMonitoredItems(subscription, handles);
}

Status Client::DeleteSubscription(std::uint32_t subscription) {
  return impl_->DeleteSubscription(subscription);
}

Status Client::ModifySubscription(std::uint32_t subscription, const SubscriptionSettings& settings) {
  return impl_->ModifySubscription(subscription, settings);
}

Status Client::SetPublishingMode(std::uint32_t subscription, bool enabled) {
  return impl_->SetPublishingMode(subscription, enabled);
}

}  // namespace mw::opcua
