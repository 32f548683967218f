#include "connectors/sparkplug/edge_node.h"

#include <mosquitto.h>
#include <sys/socket.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>

#include "connectors/sparkplug/topic.h"

namespace mw::connectors::sparkplug {
namespace {

void InitMosquittoOnce() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

std::uint64_t NowMs() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

bool Publishable(DataType t) {
  return IsNumeric(t) || t == DataType::kString || t == DataType::kText || t == DataType::kDateTime;
}

Metric BdSeqMetric(std::uint64_t bd_seq) {
  Metric m;
  m.name = std::string(kBdSeqMetric);
  m.datatype = DataType::kInt64;
  m.value = static_cast<std::int64_t>(bd_seq);
  return m;
}

}  // namespace

EdgeNode::EdgeNode(EdgeNodeOptions options)
    : options_(std::move(options)),
      next_bd_seq_(options_.first_bd_seq % 256),
      retry_delay_(options_.reconnect_min) {}

EdgeNode::~EdgeNode() {
  if (client_ != nullptr) mosquitto_destroy(client_);
}

Status EdgeNode::Init() {
  if (client_ != nullptr) return Status::FailedPrecondition("edge node already initialised");
  const std::string self = "edge node " + options_.group_id + "/" + options_.edge_node_id;
  if (std::string why = CheckId(options_.group_id); !why.empty())
    return Status::InvalidArgument(self + ": group id " + why);
  if (std::string why = CheckId(options_.edge_node_id); !why.empty())
    return Status::InvalidArgument(self + ": edge node id " + why);
  std::uint64_t alias = 1;
  for (const EdgeDevice& d : options_.devices) {
    if (std::string why = CheckId(d.id); !why.empty())
      return Status::InvalidArgument(self + ": device id \"" + d.id + "\" " + why);
    std::set<std::string> names;
    aliases_.emplace_back();
    for (const EdgeMetricDefinition& m : d.metrics) {
      const std::string where = self + ": device " + d.id + ": metric '" + m.name + "'";
      if (m.name.empty() || !names.insert(m.name).second)
        return Status::InvalidArgument(where + ": names must be non-empty and unique per device");
      if (!Publishable(m.datatype))
        return Status::InvalidArgument(where + ": datatype " + std::string(DataTypeName(m.datatype)) +
                                       " is not supported by the edge node");
      aliases_.back().push_back(alias++);
    }
    values_.emplace_back(d.metrics.size());
    device_data_topics_.push_back(
        DeviceTopic(options_.group_id, MessageType::kDData, options_.edge_node_id, d.id));
  }
  node_cmd_topic_ = NodeTopic(options_.group_id, MessageType::kNCmd, options_.edge_node_id);
  if (options_.client_id.empty())
    options_.client_id = "spb-" + options_.group_id + "-" + options_.edge_node_id;
  InitMosquittoOnce();
  client_ = mosquitto_new(options_.client_id.c_str(), /*clean_session=*/true, this);
  if (client_ == nullptr) return Status::ResourceExhausted(self + ": cannot create an MQTT client");
  mosquitto_connect_callback_set(client_, &EdgeNode::OnConnect);
  mosquitto_disconnect_callback_set(client_, &EdgeNode::OnDisconnect);
  mosquitto_message_callback_set(client_, &EdgeNode::OnMessage);
  next_attempt_ = std::chrono::steady_clock::now();
  return Status::Ok();
}

bool EdgeNode::SocketOpen() const { return client_ != nullptr && mosquitto_socket(client_) >= 0; }

void EdgeNode::ScheduleRetry() {
  next_attempt_ = std::chrono::steady_clock::now() + retry_delay_;
  retry_delay_ = std::min(retry_delay_ * 2, options_.reconnect_max);
}

Status EdgeNode::SetWill() {
  Payload death;
  death.timestamp = NowMs();
  death.metrics.push_back(BdSeqMetric(bd_seq()));
  Result<std::string> bytes = EncodePayload(death);
  if (!bytes.ok()) return bytes.status();
  const std::string topic = NodeTopic(options_.group_id, MessageType::kNDeath, options_.edge_node_id);
  int rc =
      mosquitto_will_set(client_, topic.c_str(), static_cast<int>(bytes->size()), bytes->data(), 1, false);
  if (rc != MOSQ_ERR_SUCCESS)
    return Status::Internal(std::string("cannot set the NDEATH will: ") + mosquitto_strerror(rc));
  return Status::Ok();
}

void EdgeNode::Connect() {
  // Every connection is a new session of the node, with its own bdSeq in the will and the NBIRTH.
  bd_seq_.store(next_bd_seq_, std::memory_order_relaxed);
  next_bd_seq_ = (next_bd_seq_ + 1) % 256;
  if (Status s = SetWill(); !s.ok()) {
    spdlog::error("edge node {}/{}: {}", options_.group_id, options_.edge_node_id, s.message());
    return ScheduleRetry();
  }
  int rc = attempted_
               ? mosquitto_reconnect_async(client_)
               : mosquitto_connect_async(client_, options_.host.c_str(), options_.port, options_.keepalive_s);
  attempted_ = true;
  if (rc != MOSQ_ERR_SUCCESS) {
    spdlog::debug("edge node {}/{}: connect to {}:{} failed: {}", options_.group_id, options_.edge_node_id,
                  options_.host, options_.port, mosquitto_strerror(rc));
    return ScheduleRetry();
  }
  // If the attempt fails, the loop reports it and schedules the next one.
  next_attempt_ = std::chrono::steady_clock::now() + retry_delay_;
}

void EdgeNode::OnConnect(struct mosquitto* client, void* self, int rc) {
  auto* n = static_cast<EdgeNode*>(self);
  if (rc != 0) {
    spdlog::warn("edge node {}/{}: connection refused: {}", n->options_.group_id, n->options_.edge_node_id,
                 mosquitto_connack_string(rc));
    return;
  }
  n->connections_.fetch_add(1, std::memory_order_relaxed);
  n->retry_delay_ = n->options_.reconnect_min;
  spdlog::info("edge node {}/{}: connected to {}:{} (bdSeq {})", n->options_.group_id,
               n->options_.edge_node_id, n->options_.host, n->options_.port, n->bd_seq());
  // Subscribed before NBIRTH goes out (same connection, so the broker handles them in this order):
  // a host that answers the birth with a command reaches us.
  const std::string dcmd =
      DeviceTopic(n->options_.group_id, MessageType::kDCmd, n->options_.edge_node_id, "+");
  mosquitto_subscribe(client, nullptr, n->node_cmd_topic_.c_str(), 1);
  mosquitto_subscribe(client, nullptr, dcmd.c_str(), 1);
  n->connack_ = true;
}

void EdgeNode::OnDisconnect(struct mosquitto*, void* self, int rc) {
  auto* n = static_cast<EdgeNode*>(self);
  const bool was_born = n->born_.exchange(false, std::memory_order_acq_rel);
  n->connack_ = false;
  if (was_born && rc != 0)
    spdlog::warn("edge node {}/{}: connection lost ({}); reconnecting", n->options_.group_id,
                 n->options_.edge_node_id, mosquitto_strerror(rc));
}

void EdgeNode::OnMessage(struct mosquitto*, void* self, const struct mosquitto_message* message) {
  auto* n = static_cast<EdgeNode*>(self);
  const std::string_view bytes(
      static_cast<const char*>(message->payload),
      message->payload != nullptr ? static_cast<std::size_t>(message->payloadlen) : 0);
  n->HandleCommand(message->topic, bytes);
}

void EdgeNode::HandleCommand(std::string_view topic, std::string_view bytes) {
  Payload command;
  if (topic != node_cmd_topic_ || !DecodePayload(bytes, command).ok()) {
    commands_ignored_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  bool rebirth = false;
  for (const Metric& m : command.metrics) {
    const auto* on = std::get_if<bool>(&m.value);
    if (m.name == kRebirthMetric && on != nullptr && *on) rebirth = true;
  }
  if (!rebirth) {
    commands_ignored_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // Answered after the loop returns, not from inside libmosquitto's callback.
  rebirth_asked_ = true;
}

void EdgeNode::Service(std::chrono::milliseconds timeout) {
  if (client_ == nullptr || stopped_) return;
  if (!SocketOpen()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_attempt_) return Connect();
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(timeout, next_attempt_ - now));
    return;
  }
  int rc = mosquitto_loop(client_, static_cast<int>(std::clamp<std::int64_t>(timeout.count(), 0, 60'000)), 1);
  if (rc != MOSQ_ERR_SUCCESS || !SocketOpen()) {
    born_.store(false, std::memory_order_release);
    connack_ = false;
    ScheduleRetry();
    return;
  }
  if (connack_ && !online()) PublishBirths();
  if (rebirth_asked_ && online()) {
    rebirths_.fetch_add(1, std::memory_order_relaxed);
    PublishBirths();
  }
  rebirth_asked_ = false;
}

std::uint64_t EdgeNode::NextSeq() {
  const std::uint64_t seq = seq_;
  seq_ = (seq_ + 1) % 256;
  return seq;
}

Status EdgeNode::Publish(const std::string& topic, const Payload& payload, bool datatypes, int qos) {
  Result<std::string> bytes = EncodePayload(payload, EncodeOptions{datatypes});
  if (!bytes.ok()) return Status::InvalidArgument("topic " + topic + ": " + bytes.status().message());
  int rc = mosquitto_publish(client_, nullptr, topic.c_str(), static_cast<int>(bytes->size()), bytes->data(),
                             qos, false);
  if (rc != MOSQ_ERR_SUCCESS)
    return Status::Unavailable("publish to " + topic + ": " + mosquitto_strerror(rc));
  return Status::Ok();
}

void EdgeNode::PublishBirths() {
  const std::uint64_t now = NowMs();
  seq_ = 0;
  Payload node;
  node.timestamp = now;
  node.seq = NextSeq();
  node.metrics.push_back(BdSeqMetric(bd_seq()));
  Metric rebirth;
  rebirth.name = std::string(kRebirthMetric);
  rebirth.datatype = DataType::kBoolean;
  rebirth.value = false;
  node.metrics.push_back(std::move(rebirth));
  Status s =
      Publish(NodeTopic(options_.group_id, MessageType::kNBirth, options_.edge_node_id), node, true, 0);
  for (std::size_t d = 0; s.ok() && d < options_.devices.size(); ++d) {
    const EdgeDevice& device = options_.devices[d];
    Payload birth;
    birth.timestamp = now;
    birth.seq = NextSeq();
    for (std::size_t i = 0; i < device.metrics.size(); ++i) {
      Metric m;
      m.name = device.metrics[i].name;
      m.alias = aliases_[d][i];
      m.datatype = device.metrics[i].datatype;
      m.value = values_[d][i];
      m.is_null = std::holds_alternative<std::monostate>(m.value);
      birth.metrics.push_back(std::move(m));
    }
    s = Publish(DeviceTopic(options_.group_id, MessageType::kDBirth, options_.edge_node_id, device.id), birth,
                true, 0);
  }
  if (!s.ok()) {
    // The connection broke meanwhile; the next connection is born again.
    spdlog::warn("edge node {}/{}: births not published: {}", options_.group_id, options_.edge_node_id,
                 s.message());
    return;
  }
  connack_ = false;
  born_.store(true, std::memory_order_release);
  births_.fetch_add(1, std::memory_order_relaxed);
}

Status EdgeNode::PublishDeviceData(std::size_t device, const std::vector<MetricUpdate>& updates,
                                   std::uint64_t timestamp_ms) {
  if (device >= options_.devices.size())
    return Status::InvalidArgument("edge node " + options_.edge_node_id + ": no device " +
                                   std::to_string(device));
  const EdgeDevice& d = options_.devices[device];
  if (!online())
    return Status::Unavailable("edge node " + options_.edge_node_id + " is not born (not connected)");
  Payload data;
  data.timestamp = timestamp_ms != 0 ? timestamp_ms : NowMs();
  for (const MetricUpdate& u : updates) {
    if (u.metric >= d.metrics.size())
      return Status::InvalidArgument("device " + d.id + ": no metric " + std::to_string(u.metric));
    Metric m;
    m.alias = aliases_[device][u.metric];
    m.datatype = d.metrics[u.metric].datatype;  // chooses the field; not sent
    m.is_null = u.is_null;
    if (!u.is_null) m.value = u.value;
    data.metrics.push_back(std::move(m));
  }
  // Checked before taking a seq, so that a refused message leaves no gap.
  if (Result<std::string> check = EncodePayload(data, EncodeOptions{false}); !check.ok())
    return Status::InvalidArgument("device " + d.id + ": " + check.status().message());
  data.seq = NextSeq();
  MW_RETURN_IF_ERROR(Publish(device_data_topics_[device], data, false, 0));
  for (const MetricUpdate& u : updates) values_[device][u.metric] = u.is_null ? MetricValue() : u.value;
  return Status::Ok();
}

void EdgeNode::Stop() {
  if (client_ == nullptr || stopped_) return;
  stopped_ = true;
  if (!SocketOpen()) return;
  if (online()) {
    Payload death;
    death.timestamp = NowMs();
    death.metrics.push_back(BdSeqMetric(bd_seq()));
    (void)Publish(NodeTopic(options_.group_id, MessageType::kNDeath, options_.edge_node_id), death, true, 1);
  }
  born_.store(false, std::memory_order_release);
  mosquitto_disconnect(client_);
  // Writes what is pending (NDEATH, DISCONNECT) until libmosquitto closes the socket.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (SocketOpen() && std::chrono::steady_clock::now() < deadline)
    if (mosquitto_loop(client_, 50, 1) != MOSQ_ERR_SUCCESS) break;
}

void EdgeNode::DropConnection() {
  if (!SocketOpen()) return;
  // The socket stays libmosquitto's: shut it down under its feet, and its next read reports the loss.
  shutdown(mosquitto_socket(client_), SHUT_RDWR);
  born_.store(false, std::memory_order_release);
}

}  // namespace mw::connectors::sparkplug
