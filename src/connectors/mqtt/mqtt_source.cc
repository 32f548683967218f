#include "connectors/mqtt/mqtt_source.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <pthread.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>

#include <spdlog/spdlog.h>

#include "pipeline/metric_names.h"

namespace mw::connectors::mqtt {
namespace {

// How long one mosquitto_loop() call may wait for socket activity. It bounds how late the thread
// notices a stop request while a connection attempt hangs; keepalive pings need no shorter value.
constexpr int kLoopTimeoutMs = 200;

// Messages that are already waiting on the socket are gathered into one pending batch per worker,
// handed to the pipeline at the end of the burst or once it holds this many messages or bytes: one
// queue hand-off per burst instead of one per message, which is what lets small messages keep up
// with the broker. (128 KiB also keeps the buffers below glibc's default mmap threshold.)
constexpr std::size_t kFlushMessages = 1024;
constexpr std::size_t kFlushBytes = 128 * 1024 - 4096;
constexpr int kMaxDrainPackets = 1024;
// The longest a sample waits in an open batch while messages keep arriving.
constexpr std::int64_t kLingerNs = kNanosPerMilli;

void InitMosquittoOnce() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

// libmosquitto's text for `rc`, or the system's when rc says "see errno" (read right after the call).
std::string ErrorText(int rc) {
  if (rc == MOSQ_ERR_ERRNO) return std::error_code(errno, std::generic_category()).message();
  return mosquitto_strerror(rc);
}

std::string FormatDuration(std::int64_t ns) {
  if (ns % kNanosPerSecond == 0) return std::to_string(ns / kNanosPerSecond) + "s";
  return std::to_string(ns / kNanosPerMilli) + "ms";
}

}  // namespace

// The messages routed to one worker since the last flush: per message its topic, its payload and
// JsonMapper::kPadding bytes, so that the worker parses the payload where it is.
class MqttSource::Pending final : public pipeline::EncodedBatch {
 public:
  explicit Pending(MqttSource& source) : source_(source) {}
  ~Pending() override { source_.Recycle(std::move(bytes), std::move(messages)); }
  Pending(const Pending&) = delete;
  Pending& operator=(const Pending&) = delete;

  void Decode(std::size_t worker, Batch& out) override { source_.Decode(worker, *this, out); }

  void Add(std::string_view topic, std::string_view payload, Timestamp arrival, AssetId asset) {
    PendingMessage m;
    m.at = bytes.size();
    m.topic_size = static_cast<std::uint32_t>(topic.size());
    m.payload_size = static_cast<std::uint32_t>(payload.size());
    m.arrival = arrival;
    m.asset = asset;
    const std::size_t size = topic.size() + payload.size() + JsonMapper::kPadding;
    if (bytes.capacity() < m.at + size) bytes.reserve(std::max(2 * bytes.capacity(), m.at + size));
    bytes.insert(bytes.end(), topic.begin(), topic.end());
    bytes.insert(bytes.end(), payload.begin(), payload.end());
    bytes.insert(bytes.end(), JsonMapper::kPadding, ' ');
    messages.push_back(m);
  }

  std::vector<char> bytes;
  std::vector<PendingMessage> messages;

 private:
  MqttSource& source_;
};

// libmosquitto's C callbacks, forwarding to the source given as user data. They all run on the
// source's client thread, inside mosquitto_loop().
struct MqttSource::Callbacks {
  static void Connect(struct mosquitto*, void* self, int rc, int, const mosquitto_property*) {
    static_cast<MqttSource*>(self)->HandleConnect(rc);
  }
  static void Disconnect(struct mosquitto*, void* self, int rc, const mosquitto_property*) {
    static_cast<MqttSource*>(self)->HandleDisconnect(rc);
  }
  static void Subscribe(struct mosquitto*, void* self, int, int count, const int* granted,
                        const mosquitto_property*) {
    static_cast<MqttSource*>(self)->HandleSubscribe(count, granted);
  }
  static void Message(struct mosquitto*, void* self, const mosquitto_message* m, const mosquitto_property*) {
    static_cast<MqttSource*>(self)->HandleMessage(m->topic, m->payload, m->payloadlen);
  }
};

MqttSource::MqttSource(std::string name, MqttSourceOptions options, TopicRouter router,
                       MapperFactory make_mapper, MetricsRegistry& metrics, const Clock& clock)
    : name_(std::move(name)),
      options_(std::move(options)),
      make_mapper_(std::move(make_mapper)),
      clock_(clock),
      reject_log_(60 * kNanosPerSecond, &clock),
      connect_log_(10 * kNanosPerSecond, &clock),
      backoff_ns_(options_.reconnect_min_ns),
      router_(std::move(router)) {
  for (const auto& topic : options_.topics)
    filters_.push_back(options_.shared_group.empty() ? topic
                                                     : "$share/" + options_.shared_group + "/" + topic);
  const Labels labels = {{"source", name_}};
  messages_in_ =
      &metrics.GetCounter(pipeline::metric::kMessagesIn, pipeline::metric::kMessagesInHelp, labels);
  samples_in_ = &metrics.GetCounter(pipeline::metric::kSamplesIn, pipeline::metric::kSamplesInHelp, labels);
  for (std::size_t i = 0; i < kReasonCount; ++i) {
    std::string reason(ReasonName(static_cast<Reason>(i)));
    decode_errors_[i] =
        &metrics.GetCounter(pipeline::metric::kDecodeErrors, pipeline::metric::kDecodeErrorsHelp,
                            {{"source", name_}, {"reason", reason}});
  }
  connected_ =
      &metrics.GetGauge(kConnectedMetric, "1 while an MQTT source is connected and subscribed", labels);
  reconnects_ =
      &metrics.GetCounter(kReconnectsMetric, "MQTT connections re-established after a loss", labels);
  connected_->Set(0);
}

MqttSource::~MqttSource() { Stop(); }

Status MqttSource::Start(pipeline::Emitter& emitter) {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (mosq_ != nullptr || stopping_)
    return Status::FailedPrecondition("mqtt source " + name_ + ": already started");
  InitMosquittoOnce();
  mosq_ = mosquitto_new(options_.client_id.c_str(), true, this);
  if (mosq_ == nullptr) return Status::ResourceExhausted("mqtt source " + name_ + ": cannot create a client");
  auto fail = [&](const std::string& what, int rc) {
    mosquitto_destroy(mosq_);
    mosq_ = nullptr;
    return Status::InvalidArgument("mqtt source " + name_ + ": " + what + ": " + mosquitto_strerror(rc));
  };
  int rc = mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION,
                                options_.mqtt5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
  if (rc != MOSQ_ERR_SUCCESS) return fail("protocol version", rc);
  // We drive the client from our own thread and call it from others (Stop): tell libmosquitto.
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

  emitter_ = &emitter;
  const std::size_t workers = std::max<std::size_t>(1, emitter.workers());
  mappers_.clear();
  for (std::size_t i = 0; i < workers; ++i) mappers_.push_back(make_mapper_());
  pending_.clear();
  pending_.resize(workers);
  spdlog::info("mqtt source {}: connecting to {}:{} as \"{}\" ({})", name_, options_.host, options_.port,
               options_.client_id, options_.mqtt5 ? "MQTT 5" : "MQTT 3.1.1");
  rc = mosquitto_connect_async(mosq_, options_.host.c_str(), options_.port, options_.keepalive_s);
  if (rc == MOSQ_ERR_INVAL)
    return fail("connect to " + options_.host + ":" + std::to_string(options_.port), rc);
  const bool socket_open = rc == MOSQ_ERR_SUCCESS;
  if (!socket_open) LogConnectFailure(ErrorText(rc));
  thread_ = std::thread([this, socket_open] { Run(socket_open); });
  // Named for top/perf/gdb; Linux keeps 15 characters.
  pthread_setname_np(thread_.native_handle(), ("mqtt-" + name_).substr(0, 15).c_str());
  return Status::Ok();
}

void MqttSource::Stop() {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (mosq_ == nullptr) return;
  {
    std::lock_guard lock(wait_mu_);
    stopping_ = true;
  }
  wait_cv_.notify_all();
  // Queuing the DISCONNECT also wakes the client thread out of its select().
  mosquitto_disconnect(mosq_);
  if (thread_.joinable()) thread_.join();
  // The thread may have left before writing the DISCONNECT; the client is ours alone now.
  mosquitto_loop(mosq_, 0, 1);
  Flush();
  mosquitto_destroy(mosq_);
  mosq_ = nullptr;
  connected_->Set(0);
  spdlog::info("mqtt source {}: stopped", name_);
}

void MqttSource::Run(bool socket_open) {
  while (!stopping_) {
    if (!socket_open) {
      if (!WaitBackoff()) break;
      attempt_reported_ = false;
      int rc = mosquitto_reconnect_async(mosq_);
      if (rc != MOSQ_ERR_SUCCESS) {
        LogConnectFailure(ErrorText(rc));
        continue;
      }
      socket_open = true;
    }
    // While a batch is open, wait at most 1 ms for more: a steady stream of small messages then
    // travels in batches of up to a millisecond, and an idle moment flushes at once.
    std::uint64_t before = messages_seen_;
    int rc = mosquitto_loop(mosq_, pending_messages_ == 0 ? kLoopTimeoutMs : 1, 1);
    if (rc == MOSQ_ERR_SUCCESS) DrainReadable();
    bool idle = messages_seen_ == before;
    if (rc != MOSQ_ERR_SUCCESS || idle || clock_.Steady() - pending_since_ >= kLingerNs) Flush();
    if (rc != MOSQ_ERR_SUCCESS) {
      if (!attempt_reported_ && !stopping_) LogConnectFailure(ErrorText(rc));
      socket_open = false;
    }
  }
}

bool MqttSource::WaitBackoff() {
  std::unique_lock lock(wait_mu_);
  bool stop =
      wait_cv_.wait_for(lock, std::chrono::nanoseconds(backoff_ns_), [&] { return stopping_.load(); });
  backoff_ns_ = std::min(backoff_ns_ * 2, options_.reconnect_max_ns);
  return !stop;
}

void MqttSource::HandleConnect(int rc) {
  attempt_reported_ = true;
  if (rc != 0) {
    spdlog::warn("mqtt source {}: broker {}:{} refused the connection: {}; retrying in {}", name_,
                 options_.host, options_.port, ReasonText(rc), FormatDuration(backoff_ns_));
    return;
  }
  session_up_ = true;
  backoff_ns_ = options_.reconnect_min_ns;
  if (ever_connected_) {
    reconnects_->Add();
    spdlog::info("mqtt source {}: reconnected to {}:{}", name_, options_.host, options_.port);
  } else {
    spdlog::info("mqtt source {}: connected to {}:{}", name_, options_.host, options_.port);
  }
  ever_connected_ = true;
  Subscribe();
}

void MqttSource::Subscribe() {
  std::vector<char*> filters;
  for (const auto& f : filters_) filters.push_back(const_cast<char*>(f.c_str()));
  int rc = mosquitto_subscribe_multiple(mosq_, nullptr, static_cast<int>(filters.size()), filters.data(),
                                        options_.qos, 0, nullptr);
  if (rc != MOSQ_ERR_SUCCESS)
    spdlog::error("mqtt source {}: cannot subscribe: {}", name_, mosquitto_strerror(rc));
}

void MqttSource::HandleSubscribe(int count, const int* granted) {
  int accepted = 0;
  for (int i = 0; i < count; ++i) {
    // Granted QoS 0..2, or a failure code of 0x80 and above (MQTT 3.1.1 and 5 alike).
    if (granted[i] < 0x80) {
      ++accepted;
      continue;
    }
    auto index = static_cast<std::size_t>(i);
    spdlog::error("mqtt source {}: broker refused the subscription to \"{}\": {}", name_,
                  index < filters_.size() ? filters_[index] : std::string("?"),
                  mosquitto_reason_string(granted[i]));
  }
  if (accepted > 0) connected_->Set(1);
  spdlog::info("mqtt source {}: subscribed to {} of {} filters", name_, accepted, count);
}

void MqttSource::HandleDisconnect(int rc) {
  connected_->Set(0);
  if (!session_up_) return;
  session_up_ = false;
  if (stopping_) {
    spdlog::info("mqtt source {}: disconnected from {}:{}", name_, options_.host, options_.port);
    return;
  }
  spdlog::warn("mqtt source {}: lost the connection to {}:{} ({}); reconnecting in {}", name_, options_.host,
               options_.port,
               options_.mqtt5 && rc >= 0x80 ? mosquitto_reason_string(rc) : mosquitto_strerror(rc),
               FormatDuration(backoff_ns_));
}

void MqttSource::DrainReadable() {
  // The socket is non-blocking: a read that finds nothing (or half a packet) delivers no message,
  // which ends the burst without a poll() per packet.
  for (int i = 0; i < kMaxDrainPackets; ++i) {
    std::uint64_t before = messages_seen_;
    // An error closes the socket; the next mosquitto_loop() reports it and reconnects.
    if (mosquitto_loop_read(mosq_, 1) != MOSQ_ERR_SUCCESS || messages_seen_ == before) return;
  }
}

void MqttSource::HandleMessage(const char* topic, const void* payload, int size) {
  ++messages_seen_;
  std::string_view body(static_cast<const char*>(payload), payload ? static_cast<std::size_t>(size) : 0);
  MapResult routed;
  const AssetId asset = router_.Route(topic, routed);
  if (asset == kInvalidAsset) {
    messages_in_->Add();
    return Reject(topic, *routed.error, 1, routed.message);
  }
  const std::size_t worker = emitter_->WorkerOf(asset) % pending_.size();
  std::unique_ptr<Pending>& pending = pending_[worker];
  if (!pending) pending = NewPending();
  if (pending_messages_++ == 0) pending_since_ = clock_.Steady();
  pending->Add(topic, body, clock_.Now(), asset);
  if (pending->messages.size() >= kFlushMessages || pending->bytes.size() >= kFlushBytes) FlushWorker(worker);
}

void MqttSource::Flush() {
  for (std::size_t w = 0; w < pending_.size(); ++w) FlushWorker(w);
  pending_messages_ = 0;
}

void MqttSource::FlushWorker(std::size_t worker) {
  std::unique_ptr<Pending> pending = std::move(pending_[worker]);
  if (!pending) return;
  const std::size_t n = pending->messages.size();
  pending_messages_ -= std::min(pending_messages_, n);
  Status s = emitter_->EmitEncoded(worker, std::move(pending));
  if (!s.ok()) {
    std::uint64_t suppressed = 0;
    if (reject_log_.ShouldLog(std::string("\0emit", 5), &suppressed))
      spdlog::warn("mqtt source {}: pipeline did not take {} messages: {} ({} more suppressed)", name_, n,
                   s.message(), suppressed);
  }
}

void MqttSource::Decode(std::size_t worker, const Pending& pending, Batch& out) {
  JsonMapper& mapper = *mappers_[worker % mappers_.size()];
  const std::size_t before = out.size();
  for (const PendingMessage& m : pending.messages) {
    const char* p = pending.bytes.data() + m.at;
    const std::string_view topic(p, m.topic_size);
    MapResult r = mapper.MapRouted(topic, m.asset, std::string_view(p + m.topic_size, m.payload_size), true,
                                   m.arrival, out);
    if (r.error) {
      Reject(topic, *r.error, 1, r.message);
    } else if (r.bad_fields > 0) {
      Reject(topic, Reason::kBadField, r.bad_fields, r.message);
    }
  }
  // Once per batch: the counters are shared by the workers, and one increment per message made
  // their cache line travel between them.
  messages_in_->Add(pending.messages.size());
  samples_in_->Add(out.size() - before);
}

std::unique_ptr<MqttSource::Pending> MqttSource::NewPending() {
  auto pending = std::make_unique<Pending>(*this);
  std::lock_guard lock(pool_mu_);
  if (!pool_.empty()) {
    pending->bytes.swap(pool_.back().first);
    pending->messages.swap(pool_.back().second);
    pool_.pop_back();
  }
  return pending;
}

void MqttSource::Recycle(std::vector<char>&& bytes, std::vector<PendingMessage>&& messages) {
  // Keep the buffers of a few batches per worker: enough for the queues' steady state, while a
  // burst of many larger ones is given back to the allocator.
  bytes.clear();
  messages.clear();
  std::lock_guard lock(pool_mu_);
  if (pool_.size() < 4 * std::max<std::size_t>(1, pending_.size()) && bytes.capacity() <= 4 * kFlushBytes)
    pool_.emplace_back(std::move(bytes), std::move(messages));
}

void MqttSource::Reject(std::string_view topic, Reason reason, std::uint64_t count,
                        const std::string& message) {
  decode_errors_[static_cast<std::size_t>(reason)]->Add(count);
  std::string key(topic);
  key += '\0';
  key += ReasonName(reason);
  std::uint64_t suppressed = 0;
  if (reject_log_.ShouldLog(key, &suppressed))
    spdlog::warn("mqtt source {}: topic {}: {}: {} ({} more suppressed)", name_, topic, ReasonName(reason),
                 message, suppressed);
}

void MqttSource::LogConnectFailure(const std::string& why) {
  attempt_reported_ = true;
  std::uint64_t suppressed = 0;
  if (connect_log_.ShouldLog("connect", &suppressed))
    spdlog::warn("mqtt source {}: cannot connect to {}:{}: {}; retrying in {} ({} more failures suppressed)",
                 name_, options_.host, options_.port, why, FormatDuration(backoff_ns_), suppressed);
}

std::string MqttSource::ReasonText(int rc) const {
  return options_.mqtt5 ? mosquitto_reason_string(rc) : mosquitto_connack_string(rc);
}

}  // namespace mw::connectors::mqtt
