#include "connectors/sparkplug/sparkplug_source.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <pthread.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <limits>
#include <system_error>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "pipeline/metric_names.h"

namespace mw::connectors::sparkplug {

enum class SparkplugSource::Error : std::uint8_t {
  kBadTopic,
  kBadPayload,
  kBadMetric,
  kNoBirth,
  kUnknownAlias,
  kUnknownMetric,
  kUnknownAsset,
  kTooManyNodes,
};

enum class SparkplugSource::Ignored : std::uint8_t {
  kNone,  // not ignored: the metric has a series
  kProtocol,
  kNotNumeric,
  kUnmapped,
  kNoAsset,
  kTransient,
  kOldDeath,
  kUnbornDeath,
  kNotData,
};

namespace {

constexpr std::array<const char*, 8> kErrorNames = {"bad_topic",     "bad_payload",   "bad_metric",
                                                    "no_birth",      "unknown_alias", "unknown_metric",
                                                    "unknown_asset", "too_many_nodes"};
constexpr std::array<const char*, 9> kIgnoredNames = {"",          "protocol",     "not_numeric",
                                                      "unmapped",  "no_asset",     "transient",
                                                      "old_death", "unborn_death", "not_data"};

constexpr int kLoopTimeoutMs = 200;
constexpr int kMaxDrainPackets = 1024;
// A burst's samples go out at this size at the latest.
constexpr std::size_t kFlushSamples = 4096;
// Edge nodes tracked at once: a bound, so that a flood of made-up edge node ids cannot grow memory
// without end.
constexpr std::size_t kMaxNodes = 65536;
constexpr std::size_t kMaxDevices = 65536;  // per edge node
constexpr std::size_t kMaxSignalName = 256;
// Sparkplug timestamps are ms; beyond this, ns overflow int64 (year 2262).
constexpr std::uint64_t kMaxTimestampMs =
    static_cast<std::uint64_t>(std::numeric_limits<Timestamp>::max() / kNanosPerMilli);
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void InitMosquittoOnce() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

std::string ErrorText(int rc) {
  if (rc == MOSQ_ERR_ERRNO) return std::error_code(errno, std::generic_category()).message();
  return mosquitto_strerror(rc);
}

std::string FormatDuration(std::int64_t ns) {
  if (ns % kNanosPerSecond == 0) return std::to_string(ns / kNanosPerSecond) + "s";
  return std::to_string(ns / kNanosPerMilli) + "ms";
}

std::uint64_t NowMs(const Clock& clock) { return static_cast<std::uint64_t>(clock.Now() / kNanosPerMilli); }

bool IsProtocolMetric(std::string_view name) {
  return name == kBdSeqMetric || name.rfind("Node Control/", 0) == 0;
}

// Signal names may not contain '/', which Sparkplug uses for folders.
std::string SignalOf(std::string_view metric_name) {
  std::string s(metric_name);
  std::replace(s.begin(), s.end(), '/', '.');
  return s;
}

std::optional<std::uint64_t> BdSeqOf(const Payload& p) {
  for (const Metric& m : p.metrics)
    if (m.name == kBdSeqMetric)
      if (const auto* v = std::get_if<std::int64_t>(&m.value)) return static_cast<std::uint64_t>(*v);
  return std::nullopt;
}

std::string NodeKey(std::string_view group, std::string_view edge) {
  std::string key(group);
  key += '/';
  key += edge;
  return key;
}

}  // namespace

struct SparkplugSource::Callbacks {
  static void Connect(struct mosquitto*, void* self, int rc, int, const mosquitto_property*) {
    static_cast<SparkplugSource*>(self)->HandleConnect(rc);
  }
  static void Disconnect(struct mosquitto*, void* self, int rc, const mosquitto_property*) {
    static_cast<SparkplugSource*>(self)->HandleDisconnect(rc);
  }
  static void Subscribe(struct mosquitto*, void* self, int, int count, const int* granted,
                        const mosquitto_property*) {
    static_cast<SparkplugSource*>(self)->HandleSubscribe(count, granted);
  }
  static void Message(struct mosquitto*, void* self, const mosquitto_message* m, const mosquitto_property*) {
    static_cast<SparkplugSource*>(self)->HandleMessage(m->topic, m->payload, m->payloadlen);
  }
};

SparkplugSource::SparkplugSource(std::string name, SparkplugSourceOptions options, AssetResolver resolve,
                                 Catalog& catalog, const std::map<std::string, TemplateSpec>& templates,
                                 MetricsRegistry& metrics, const Clock& clock)
    : name_(std::move(name)),
      options_(std::move(options)),
      resolve_(std::move(resolve)),
      catalog_(catalog),
      templates_(templates),
      clock_(clock),
      log_(60 * kNanosPerSecond, &clock),
      connect_log_(10 * kNanosPerSecond, &clock),
      backoff_ns_(options_.reconnect_min_ns) {
  if (options_.groups.empty()) filters_.push_back(std::string(kNamespace) + "/+/#");
  for (const auto& g : options_.groups) filters_.push_back(std::string(kNamespace) + "/" + g + "/#");
  // "spBv1.0/+/#" already matches spBv1.0/STATE/<host_id>.
  if (options_.publish_state && !options_.groups.empty()) filters_.push_back(StateTopic(options_.host_id));

  namespace m = pipeline::metric;
  const Labels labels = {{"source", name_}};
  messages_in_ = &metrics.GetCounter(m::kMessagesIn, m::kMessagesInHelp, labels);
  samples_in_ = &metrics.GetCounter(m::kSamplesIn, m::kSamplesInHelp, labels);
  for (const char* reason : kErrorNames)
    errors_.push_back(
        &metrics.GetCounter(m::kDecodeErrors, m::kDecodeErrorsHelp, {{"source", name_}, {"reason", reason}}));
  ignored_.push_back(nullptr);  // Ignored::kNone
  for (std::size_t i = 1; i < kIgnoredNames.size(); ++i)
    ignored_.push_back(&metrics.GetCounter(kIgnoredMetric,
                                           "Sparkplug metrics or messages that give no sample, by reason",
                                           {{"source", name_}, {"reason", kIgnoredNames[i]}}));
  seq_gaps_ = &metrics.GetCounter(kSeqGapsMetric,
                                  "Sparkplug sequence numbers that did not follow the previous", labels);
  rebirth_requests_ =
      &metrics.GetCounter(kRebirthRequestsMetric, "Sparkplug rebirth requests sent to edge nodes", labels);
  const char* births_help = "Sparkplug birth certificates taken";
  node_births_ = &metrics.GetCounter(kBirthsMetric, births_help, {{"source", name_}, {"kind", "node"}});
  device_births_ = &metrics.GetCounter(kBirthsMetric, births_help, {{"source", name_}, {"kind", "device"}});
  const char* deaths_help = "Sparkplug death certificates that marked signals stale";
  node_deaths_ = &metrics.GetCounter(kDeathsMetric, deaths_help, {{"source", name_}, {"kind", "node"}});
  device_deaths_ = &metrics.GetCounter(kDeathsMetric, deaths_help, {{"source", name_}, {"kind", "device"}});
  stale_samples_ =
      &metrics.GetCounter(kStaleSamplesMetric, "Bad-quality samples emitted for signals gone stale", labels);
  connected_ =
      &metrics.GetGauge(kConnectedMetric, "1 while a Sparkplug source is connected and subscribed", labels);
  reconnects_ =
      &metrics.GetCounter(kReconnectsMetric, "Sparkplug connections re-established after a loss", labels);
  connected_->Set(0);
}

SparkplugSource::~SparkplugSource() { Stop(); }

// ---- Connection ---------------------------------------------------------------------------------

Status SparkplugSource::Start(pipeline::Emitter& emitter) {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (mosq_ != nullptr || stopping_)
    return Status::FailedPrecondition("sparkplug source " + name_ + ": already started");
  InitMosquittoOnce();
  mosq_ = mosquitto_new(options_.client_id.c_str(), true, this);
  if (mosq_ == nullptr)
    return Status::ResourceExhausted("sparkplug source " + name_ + ": cannot create a client");
  auto fail = [&](const std::string& what, int rc) {
    mosquitto_destroy(mosq_);
    mosq_ = nullptr;
    return Status::InvalidArgument("sparkplug source " + name_ + ": " + what + ": " + mosquitto_strerror(rc));
  };
  int rc = mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION,
                                options_.mqtt5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
  if (rc != MOSQ_ERR_SUCCESS) return fail("protocol version", rc);
  mosquitto_threaded_set(mosq_, true);
  if (!options_.username.empty()) {
    rc = mosquitto_username_pw_set(mosq_, options_.username.c_str(),
                                   options_.password.empty() ? nullptr : options_.password.c_str());
    if (rc != MOSQ_ERR_SUCCESS) return fail("username", rc);
  }
  mosquitto_connect_v5_callback_set(mosq_, &Callbacks::Connect);
  mosquitto_disconnect_v5_callback_set(mosq_, &Callbacks::Disconnect);
  mosquitto_subscribe_v5_callback_set(mosq_, &Callbacks::Subscribe);
  mosquitto_message_v5_callback_set(mosq_, &Callbacks::Message);
  SetWill();

  emitter_ = &emitter;
  spdlog::info("sparkplug source {}: connecting to {}:{} as \"{}\"{}", name_, options_.host, options_.port,
               options_.client_id, options_.publish_state ? ", host id \"" + options_.host_id + "\"" : "");
  rc = mosquitto_connect_async(mosq_, options_.host.c_str(), options_.port, options_.keepalive_s);
  if (rc == MOSQ_ERR_INVAL)
    return fail("connect to " + options_.host + ":" + std::to_string(options_.port), rc);
  const bool socket_open = rc == MOSQ_ERR_SUCCESS;
  if (!socket_open) LogConnectFailure(ErrorText(rc));
  thread_ = std::thread([this, socket_open] { Run(socket_open); });
  pthread_setname_np(thread_.native_handle(), ("spb-" + name_).substr(0, 15).c_str());
  return Status::Ok();
}

void SparkplugSource::Stop() {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (mosq_ == nullptr) return;
  {
    std::lock_guard lock(wait_mu_);
    stopping_ = true;
  }
  wait_cv_.notify_all();
  // A clean DISCONNECT makes the broker drop the will: say offline first (Sparkplug 3.0 asks a
  // host that leaves on purpose to do so).
  if (options_.publish_state && session_up_) PublishState(false);
  mosquitto_disconnect(mosq_);
  if (thread_.joinable()) thread_.join();
  mosquitto_loop(mosq_, 0, 1);
  Flush();
  mosquitto_destroy(mosq_);
  mosq_ = nullptr;
  connected_->Set(0);
  spdlog::info("sparkplug source {}: stopped", name_);
}

void SparkplugSource::SetWill() {
  if (!options_.publish_state) return;
  // Sparkplug 3.0: the will's timestamp is the one the online STATE of this connection will carry.
  state_timestamp_ms_ = NowMs(clock_);
  const std::string payload = R"({"online":false,"timestamp":)" + std::to_string(state_timestamp_ms_) + "}";
  const std::string topic = StateTopic(options_.host_id);
  int rc =
      mosquitto_will_set(mosq_, topic.c_str(), static_cast<int>(payload.size()), payload.data(), 1, true);
  if (rc != MOSQ_ERR_SUCCESS)
    spdlog::error("sparkplug source {}: cannot set the STATE will: {}", name_, mosquitto_strerror(rc));
}

void SparkplugSource::Run(bool socket_open) {
  while (!stopping_) {
    if (!socket_open) {
      if (!WaitBackoff()) break;
      attempt_reported_ = false;
      SetWill();
      int rc = mosquitto_reconnect_async(mosq_);
      if (rc != MOSQ_ERR_SUCCESS) {
        LogConnectFailure(ErrorText(rc));
        continue;
      }
      socket_open = true;
    }
    int rc = mosquitto_loop(mosq_, kLoopTimeoutMs, 1);
    if (rc == MOSQ_ERR_SUCCESS) DrainReadable();
    Flush();
    if (rc != MOSQ_ERR_SUCCESS) {
      if (!attempt_reported_ && !stopping_) LogConnectFailure(ErrorText(rc));
      socket_open = false;
    }
  }
}

bool SparkplugSource::WaitBackoff() {
  std::unique_lock lock(wait_mu_);
  bool stop =
      wait_cv_.wait_for(lock, std::chrono::nanoseconds(backoff_ns_), [&] { return stopping_.load(); });
  backoff_ns_ = std::min(backoff_ns_ * 2, options_.reconnect_max_ns);
  return !stop;
}

void SparkplugSource::DrainReadable() {
  for (int i = 0; i < kMaxDrainPackets; ++i) {
    std::uint64_t before = messages_seen_;
    if (mosquitto_loop_read(mosq_, 1) != MOSQ_ERR_SUCCESS || messages_seen_ == before) return;
  }
}

void SparkplugSource::HandleConnect(int rc) {
  attempt_reported_ = true;
  if (rc != 0) {
    spdlog::warn("sparkplug source {}: broker {}:{} refused the connection: {}; retrying in {}", name_,
                 options_.host, options_.port,
                 options_.mqtt5 ? mosquitto_reason_string(rc) : mosquitto_connack_string(rc),
                 FormatDuration(backoff_ns_));
    return;
  }
  session_up_ = true;
  backoff_ns_ = options_.reconnect_min_ns;
  if (ever_connected_) reconnects_->Add();
  spdlog::info("sparkplug source {}: {} to {}:{}", name_, ever_connected_ ? "reconnected" : "connected",
               options_.host, options_.port);
  ever_connected_ = true;
  std::vector<char*> filters;
  for (const auto& f : filters_) filters.push_back(const_cast<char*>(f.c_str()));
  rc = mosquitto_subscribe_multiple(mosq_, nullptr, static_cast<int>(filters.size()), filters.data(), 1, 0,
                                    nullptr);
  if (rc != MOSQ_ERR_SUCCESS)
    spdlog::error("sparkplug source {}: cannot subscribe: {}", name_, mosquitto_strerror(rc));
}

void SparkplugSource::HandleSubscribe(int count, const int* granted) {
  int accepted = 0;
  for (int i = 0; i < count; ++i) {
    if (granted[i] < 0x80) {
      ++accepted;
      continue;
    }
    const auto index = static_cast<std::size_t>(i);
    spdlog::error("sparkplug source {}: broker refused the subscription to \"{}\": {}", name_,
                  index < filters_.size() ? filters_[index] : std::string("?"),
                  mosquitto_reason_string(granted[i]));
  }
  spdlog::info("sparkplug source {}: subscribed to {} of {} filters", name_, accepted, count);
  if (accepted == 0) return;
  // Subscribed first, so that the own STATE topic is watched before we say we are online.
  if (options_.publish_state) PublishState(true);
  connected_->Set(1);
}

void SparkplugSource::HandleDisconnect(int rc) {
  connected_->Set(0);
  if (!session_up_) return;
  session_up_ = false;
  if (stopping_) {
    spdlog::info("sparkplug source {}: disconnected from {}:{}", name_, options_.host, options_.port);
    return;
  }
  spdlog::warn(
      "sparkplug source {}: lost the connection to {}:{} ({}); reconnecting in {}; every edge node's "
      "signals are stale until it is born again",
      name_, options_.host, options_.port,
      options_.mqtt5 && rc >= 0x80 ? mosquitto_reason_string(rc) : mosquitto_strerror(rc),
      FormatDuration(backoff_ns_));
  MarkAllStale(clock_.Now());
}

void SparkplugSource::PublishState(bool online) {
  const std::string payload = std::string(R"({"online":)") + (online ? "true" : "false") +
                              R"(,"timestamp":)" + std::to_string(state_timestamp_ms_) + "}";
  const std::string topic = StateTopic(options_.host_id);
  int rc = mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()), payload.data(),
                             1, true);
  if (rc != MOSQ_ERR_SUCCESS)
    spdlog::warn("sparkplug source {}: cannot publish STATE on {}: {}", name_, topic, mosquitto_strerror(rc));
}

void SparkplugSource::HandleOwnState(std::string_view payload) {
  const auto json = nlohmann::json::parse(payload.begin(), payload.end(), nullptr, false);
  const bool offline = json.is_object() && json.contains("online") && json["online"] == false;
  // While stopping, the offline STATE is our own goodbye coming back: leave it standing.
  if (!offline || !session_up_ || stopping_) return;
  // An old will, or another client using our host id: we are here, say so again.
  spdlog::warn(
      "sparkplug source {}: STATE of host id \"{}\" reads offline while connected; publishing online", name_,
      options_.host_id);
  PublishState(true);
}

void SparkplugSource::Flush() {
  if (batch_.empty() || emitter_ == nullptr) return;
  const std::size_t n = batch_.size();
  samples_in_->Add(n);
  Status s = emitter_->Emit(std::move(batch_));
  batch_ = Batch();
  if (!s.ok()) {
    std::uint64_t suppressed = 0;
    if (log_.ShouldLog(std::string("\0emit", 5), &suppressed))
      spdlog::warn("sparkplug source {}: pipeline did not take {} samples: {} ({} more suppressed)", name_, n,
                   s.message(), suppressed);
  }
}

// ---- Messages -----------------------------------------------------------------------------------

void SparkplugSource::HandleMessage(const char* topic_text, const void* data, int size) {
  ++messages_seen_;
  messages_in_->Add();
  const std::string_view text(topic_text);
  const std::string_view bytes(static_cast<const char*>(data),
                               data != nullptr ? static_cast<std::size_t>(size) : 0);
  Result<Topic> topic = ParseTopic(text);
  if (!topic.ok()) return Reject(text, Error::kBadTopic, topic.status().message());
  const Topic& t = *topic;
  if (t.type == MessageType::kState) {
    if (options_.publish_state && t.host == options_.host_id) HandleOwnState(bytes);
    return Ignore(Ignored::kNotData);
  }
  if (t.type == MessageType::kNCmd || t.type == MessageType::kDCmd) return Ignore(Ignored::kNotData);
  if (Status s = DecodePayload(bytes, payload_); !s.ok())
    return Reject(text, Error::kBadPayload, s.message());
  Node* node = NodeFor(t, text);
  if (node == nullptr) return;
  const Context c{t, text, clock_.Now(), payload_};
  switch (t.type) {
    case MessageType::kNBirth:
      return OnNodeBirth(*node, c);
    case MessageType::kNDeath:
      return OnNodeDeath(*node, c);
    case MessageType::kDBirth:
      return OnDeviceBirth(*node, c);
    case MessageType::kDDeath:
      return OnDeviceDeath(*node, c);
    case MessageType::kNData:
      if (CheckSequence(*node, c)) OnData(*node, node->self, c);
      break;
    case MessageType::kDData: {
      if (!CheckSequence(*node, c)) break;
      auto device = node->devices.find(t.device);
      if (device == node->devices.end() || !device->second.born) {
        Reject(text, Error::kNoBirth, "DDATA of a device without DBIRTH");
        RequestRebirth(*node, "DDATA of device \"" + t.device + "\" before its DBIRTH");
        break;
      }
      OnData(*node, device->second, c);
      break;
    }
    default:
      break;
  }
  if (batch_.size() >= kFlushSamples) Flush();
}

SparkplugSource::Node* SparkplugSource::NodeFor(const Topic& topic, std::string_view topic_text) {
  std::string key = NodeKey(topic.group, topic.edge);
  auto it = nodes_.find(key);
  if (it != nodes_.end()) return &it->second;
  // Only a birth makes a node worth remembering; data of unknown nodes still needs one (to ask it
  // for a rebirth), but deaths of unknown nodes need none.
  if (topic.type == MessageType::kNDeath || topic.type == MessageType::kDDeath) {
    Ignore(Ignored::kUnbornDeath);
    return nullptr;
  }
  if (nodes_.size() >= kMaxNodes) {
    Reject(topic_text, Error::kTooManyNodes, "already tracking " + std::to_string(kMaxNodes) + " edge nodes");
    return nullptr;
  }
  Node& node = nodes_[key];
  node.group = topic.group;
  node.edge = topic.edge;
  return &node;
}

bool SparkplugSource::CheckSequence(Node& node, const Context& c) {
  if (!node.self.born) {
    Reject(c.topic_text, Error::kNoBirth,
           std::string(MessageTypeName(c.topic.type)) + " before the edge node's NBIRTH");
    RequestRebirth(node, std::string(MessageTypeName(c.topic.type)) + " before NBIRTH");
    return false;
  }
  if (!c.payload.seq || *c.payload.seq > 255) {
    Reject(c.topic_text, Error::kBadPayload,
           c.payload.seq ? "seq " + std::to_string(*c.payload.seq) + " is beyond 0..255" : "no seq");
    RequestRebirth(node, "a message without a valid seq");
    return false;
  }
  const int seq = static_cast<int>(*c.payload.seq);
  const int expected = (node.last_seq + 1) % 256;
  node.last_seq = seq;
  if (seq == expected) return true;
  seq_gaps_->Add();
  std::uint64_t suppressed = 0;
  if (log_.ShouldLog(NodeKey(node.group, node.edge) + std::string("\0gap", 4), &suppressed))
    spdlog::warn("sparkplug source {}: topic {}: seq {} where {} was expected ({} more suppressed)", name_,
                 c.topic_text, seq, expected, suppressed);
  RequestRebirth(node, "seq " + std::to_string(seq) + " where " + std::to_string(expected) + " was expected");
  return true;
}

void SparkplugSource::OnNodeBirth(Node& node, const Context& c) {
  if (!c.payload.seq || *c.payload.seq > 255) {
    node.self.born = false;
    Reject(c.topic_text, Error::kBadPayload, "NBIRTH without a seq in 0..255");
    return RequestRebirth(node, "an NBIRTH without a valid seq");
  }
  // A new session of the edge node: its devices must be born again.
  node.devices.clear();
  node.last_seq = static_cast<int>(*c.payload.seq);
  node.bd_seq = BdSeqOf(c.payload);
  Birth(node.self, ExpandAssetPattern(options_.node_asset, node.group, node.edge, ""), c);
  node_births_->Add();
  spdlog::info("sparkplug source {}: edge node {}/{} born (bdSeq {}, {} metrics)", name_, node.group,
               node.edge, node.bd_seq ? std::to_string(*node.bd_seq) : "none", c.payload.metrics.size());
}

void SparkplugSource::OnDeviceBirth(Node& node, const Context& c) {
  if (!CheckSequence(node, c)) return;
  if (node.devices.size() >= kMaxDevices && node.devices.count(c.topic.device) == 0) {
    return Reject(c.topic_text, Error::kTooManyNodes,
                  "edge node already has " + std::to_string(kMaxDevices) + " devices");
  }
  Entity& device = node.devices[c.topic.device];
  Birth(device, ExpandAssetPattern(options_.asset, node.group, node.edge, c.topic.device), c);
  device_births_->Add();
}

void SparkplugSource::Birth(Entity& entity, const std::string& asset_path, const Context& c) {
  entity = Entity();
  entity.born = true;
  // An NBIRTH with nothing but bdSeq and Node Control metrics (the usual case) needs no asset.
  const auto& metrics = c.payload.metrics;
  const bool has_data =
      std::any_of(metrics.begin(), metrics.end(), [](const Metric& m) { return !IsProtocolMetric(m.name); });
  if (has_data) entity.asset = resolve_(asset_path);
  if (has_data && entity.asset == kInvalidAsset) {
    Reject(c.topic_text, Error::kUnknownAsset,
           "asset \"" + asset_path +
               "\" is not declared and no template may create it; its metrics give no samples");
  }
  for (std::size_t i = 0; i < c.payload.metrics.size(); ++i)
    AddDefinition(entity, i, c.payload.metrics[i], c);
}

void SparkplugSource::AddDefinition(Entity& entity, std::size_t index, const Metric& m, const Context& c) {
  // A rejected declaration is still recorded under its alias (or name), so that its data is counted
  // as bad_metric rather than asking for rebirths that would declare it the same way again.
  auto bad = [&](const std::string& why) {
    Reject(c.topic_text, Error::kBadMetric, DescribeMetric(index, m) + ": " + why);
    MetricDef def;
    def.name = m.name;
    def.invalid = true;
    const std::size_t at = entity.defs.size();
    entity.defs.push_back(std::move(def));
    if (m.alias) entity.by_alias.emplace(*m.alias, at);
    if (!m.name.empty()) entity.by_name.emplace(m.name, at);
  };
  if (m.alias && entity.by_alias.count(*m.alias) > 0) {
    return Reject(c.topic_text, Error::kBadMetric,
                  DescribeMetric(index, m) + ": alias already declared in this birth");
  }
  if (m.name.empty()) return bad("a birth metric needs a name");
  if (m.datatype == DataType::kUnknown) return bad("a birth metric needs a datatype");
  MetricDef def;
  def.name = m.name;
  def.datatype = m.datatype;
  def.series = SeriesFor(entity.asset, m.name, def.why);
  if (def.why == Ignored::kNone && !IsNumeric(m.datatype)) {
    def.series = kInvalidSeries;
    def.why = Ignored::kNotNumeric;
  }
  const std::size_t at = entity.defs.size();
  entity.defs.push_back(std::move(def));
  if (m.alias) entity.by_alias.emplace(*m.alias, at);
  entity.by_name.emplace(m.name, at);
  EmitValue(entity.defs[at], index, m, c);
}

SeriesId SparkplugSource::SeriesFor(AssetId asset, const std::string& metric_name, Ignored& why) {
  why = Ignored::kNone;
  if (IsProtocolMetric(metric_name)) {
    why = Ignored::kProtocol;
    return kInvalidSeries;
  }
  if (asset == kInvalidAsset) {
    why = Ignored::kNoAsset;
    return kInvalidSeries;
  }
  const std::string signal = SignalOf(metric_name);
  SeriesId id = kInvalidSeries;
  const auto info = catalog_.Asset(asset);
  const auto tmpl = info ? templates_.find(info->template_name) : templates_.end();
  if (tmpl != templates_.end() && !tmpl->second.signals.empty()) {
    if (const SignalSpec* spec = tmpl->second.FindSignal(signal))
      id = catalog_.InternSeries(asset, signal, spec->unit);
  } else if (signal.size() <= kMaxSignalName) {
    id = catalog_.InternSeries(asset, signal);
  }
  if (id == kInvalidSeries) why = Ignored::kUnmapped;
  return id;
}

void SparkplugSource::OnData(Node& node, Entity& entity, const Context& c) {
  for (std::size_t i = 0; i < c.payload.metrics.size(); ++i) {
    Metric& m = payload_.metrics[i];
    std::size_t at = 0;
    if (m.alias) {
      auto a = entity.by_alias.find(*m.alias);
      if (a == entity.by_alias.end()) {
        Reject(c.topic_text, Error::kUnknownAlias,
               DescribeMetric(i, m) + ": alias not declared in the birth");
        RequestRebirth(node, "unknown alias " + std::to_string(*m.alias));
        continue;
      }
      at = a->second;
    } else {
      auto found = entity.by_name.find(m.name);
      if (found == entity.by_name.end()) {
        Reject(c.topic_text, m.name.empty() ? Error::kBadMetric : Error::kUnknownMetric,
               DescribeMetric(i, m) +
                   (m.name.empty() ? ": neither name nor alias" : ": not declared in the birth"));
        if (!m.name.empty()) RequestRebirth(node, "unknown metric name");
        continue;
      }
      at = found->second;
    }
    const MetricDef& def = entity.defs[at];
    if (def.invalid) {
      Reject(c.topic_text, Error::kBadMetric, DescribeMetric(i, m) + ": its birth declaration was rejected");
      continue;
    }
    if (m.datatype != DataType::kUnknown && m.datatype != def.datatype) {
      Reject(c.topic_text, Error::kBadMetric,
             DescribeMetric(i, m) + ": datatype " + std::to_string(static_cast<std::uint32_t>(m.datatype)) +
                 " differs from its birth's " + std::to_string(static_cast<std::uint32_t>(def.datatype)));
      continue;
    }
    if (Status s = ApplyDatatype(m, def.datatype); !s.ok()) {
      Reject(c.topic_text, Error::kBadMetric, DescribeMetric(i, m) + ": " + s.message());
      continue;
    }
    EmitValue(def, i, m, c);
  }
}

void SparkplugSource::EmitValue(const MetricDef& def, std::size_t index, const Metric& m, const Context& c) {
  if (def.series == kInvalidSeries) return Ignore(def.why);
  if (m.is_transient) return Ignore(Ignored::kTransient);
  const std::optional<std::uint64_t> ms = m.timestamp ? m.timestamp : c.payload.timestamp;
  if (ms && *ms > kMaxTimestampMs) {
    return Reject(c.topic_text, Error::kBadMetric,
                  DescribeMetric(index, m) + ": timestamp " + std::to_string(*ms) + " ms is out of range");
  }
  const Timestamp time = ms ? static_cast<Timestamp>(*ms) * kNanosPerMilli : c.arrival;
  if (m.is_null) return batch_.Append(def.series, time, kNaN, Quality::kBad);
  Result<double> value = NumericValue(m);
  if (!value.ok())
    return Reject(c.topic_text, Error::kBadMetric,
                  DescribeMetric(index, m) + ": " + value.status().message());
  batch_.Append(def.series, time, *value, Quality::kGood);
}

void SparkplugSource::OnNodeDeath(Node& node, const Context& c) {
  const std::optional<std::uint64_t> bd_seq = BdSeqOf(c.payload);
  if (!node.self.born) return Ignore(Ignored::kUnbornDeath);
  if (node.bd_seq && bd_seq && *bd_seq != *node.bd_seq) {
    // The will of an earlier connection, delivered after the node came back.
    spdlog::info(
        "sparkplug source {}: topic {}: NDEATH with bdSeq {} of an earlier session (current {}) ignored",
        name_, c.topic_text, *bd_seq, *node.bd_seq);
    return Ignore(Ignored::kOldDeath);
  }
  MarkStale(node.self, c.arrival);
  for (const auto& [id, device] : node.devices) MarkStale(device, c.arrival);
  node_deaths_->Add();
  spdlog::info("sparkplug source {}: edge node {}/{} died (bdSeq {}); its signals are stale", name_,
               node.group, node.edge, bd_seq ? std::to_string(*bd_seq) : "none");
  // Forget the session: what comes next must start with a birth.
  node.self = Entity();
  node.devices.clear();
  node.last_seq = -1;
}

void SparkplugSource::OnDeviceDeath(Node& node, const Context& c) {
  if (!node.self.born) return Ignore(Ignored::kUnbornDeath);
  auto device = node.devices.find(c.topic.device);
  if (device == node.devices.end() || !device->second.born) {
    CheckSequence(node, c);
    return Ignore(Ignored::kUnbornDeath);
  }
  if (!CheckSequence(node, c)) return;
  MarkStale(device->second, c.arrival);
  device->second = Entity();
  device_deaths_->Add();
  spdlog::info("sparkplug source {}: device {}/{}/{} died; its signals are stale", name_, node.group,
               node.edge, c.topic.device);
}

void SparkplugSource::MarkStale(const Entity& entity, Timestamp time) {
  if (!entity.born) return;
  std::uint64_t n = 0;
  for (const MetricDef& def : entity.defs) {
    if (def.series == kInvalidSeries) continue;
    batch_.Append(def.series, time, kNaN, Quality::kBad);
    ++n;
  }
  stale_samples_->Add(n);
}

void SparkplugSource::MarkAllStale(Timestamp time) {
  for (const auto& [key, node] : nodes_) {
    MarkStale(node.self, time);
    for (const auto& [id, device] : node.devices) MarkStale(device, time);
  }
  nodes_.clear();
}

void SparkplugSource::RequestRebirth(Node& node, std::string_view why) {
  const std::int64_t now = clock_.Steady();
  // One request per interval: the births it brings may take a moment, and a node that keeps
  // misbehaving must not be flooded.
  if (node.rebirth_requested && now - node.rebirth_requested_at < options_.rebirth_interval_ns) return;
  if (!session_up_) return;
  Metric rebirth;
  rebirth.name = std::string(kRebirthMetric);
  rebirth.datatype = DataType::kBoolean;
  rebirth.value = true;
  Payload p;
  p.timestamp = NowMs(clock_);
  p.metrics.push_back(std::move(rebirth));
  Result<std::string> bytes = EncodePayload(p);
  const std::string topic = NodeTopic(node.group, MessageType::kNCmd, node.edge);
  int rc = bytes.ok() ? mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(bytes->size()),
                                          bytes->data(), 0, false)
                      : MOSQ_ERR_INVAL;
  if (rc != MOSQ_ERR_SUCCESS) {
    spdlog::warn("sparkplug source {}: cannot request a rebirth on {}: {}", name_, topic,
                 mosquitto_strerror(rc));
    return;
  }
  node.rebirth_requested = true;
  node.rebirth_requested_at = now;
  rebirth_requests_->Add();
  std::uint64_t suppressed = 0;
  if (log_.ShouldLog(NodeKey(node.group, node.edge) + std::string("\0rebirth", 8), &suppressed))
    spdlog::info("sparkplug source {}: asked edge node {}/{} for a rebirth: {} ({} more suppressed)", name_,
                 node.group, node.edge, why, suppressed);
}

void SparkplugSource::Reject(std::string_view where, Error error, const std::string& message) {
  const auto e = static_cast<std::size_t>(error);
  errors_[e]->Add();
  std::string key(where);
  key += '\0';
  key += kErrorNames[e];
  std::uint64_t suppressed = 0;
  if (log_.ShouldLog(key, &suppressed))
    spdlog::warn("sparkplug source {}: topic {}: {}: {} ({} more suppressed)", name_, where, kErrorNames[e],
                 message, suppressed);
}

void SparkplugSource::Ignore(Ignored why, std::uint64_t count) {
  if (why != Ignored::kNone) ignored_[static_cast<std::size_t>(why)]->Add(count);
}

void SparkplugSource::LogConnectFailure(const std::string& why) {
  attempt_reported_ = true;
  std::uint64_t suppressed = 0;
  if (connect_log_.ShouldLog("connect", &suppressed))
    spdlog::warn(
        "sparkplug source {}: cannot connect to {}:{}: {}; retrying in {} ({} more failures suppressed)",
        name_, options_.host, options_.port, why, FormatDuration(backoff_ns_), suppressed);
}

}  // namespace mw::connectors::sparkplug
