#include "connectors/mqtt/mqtt_source.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <pthread.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <system_error>

#include <spdlog/spdlog.h>

#include "pipeline/metric_names.h"

namespace mw::connectors::mqtt {
namespace {

// How long one mosquitto_loop() call may wait for socket activity. It bounds how late the thread
// notices a stop request while a connection attempt hangs; keepalive pings need no shorter value.
constexpr int kLoopTimeoutMs = 200;

// Messages that are already waiting on the socket are gathered into one batch of up to this many
// samples before it is handed to the pipeline: one queue hand-off per burst instead of one per
// message, which is what lets small messages keep up with the broker.
constexpr std::size_t kFlushSamples = 4096;
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

MqttSource::MqttSource(std::string name, MqttSourceOptions options, std::unique_ptr<JsonMapper> mapper,
                       MetricsRegistry& metrics, const Clock& clock)
    : name_(std::move(name)),
      options_(std::move(options)),
      mapper_(std::move(mapper)),
      clock_(clock),
      reject_log_(60 * kNanosPerSecond, &clock),
      connect_log_(10 * kNanosPerSecond, &clock),
      backoff_ns_(options_.reconnect_min_ns) {
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
    int rc = mosquitto_loop(mosq_, batch_.empty() ? kLoopTimeoutMs : 1, 1);
    if (rc == MOSQ_ERR_SUCCESS) DrainReadable();
    bool idle = messages_seen_ == before;
    if (rc != MOSQ_ERR_SUCCESS || idle || clock_.Steady() - batch_opened_ >= kLingerNs) Flush();
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
  for (int i = 0; i < kMaxDrainPackets && batch_.size() < kFlushSamples; ++i) {
    std::uint64_t before = messages_seen_;
    // An error closes the socket; the next mosquitto_loop() reports it and reconnects.
    if (mosquitto_loop_read(mosq_, 1) != MOSQ_ERR_SUCCESS || messages_seen_ == before) return;
  }
}

void MqttSource::HandleMessage(const char* topic, const void* payload, int size) {
  messages_in_->Add();
  ++messages_seen_;
  std::string_view body(static_cast<const char*>(payload), payload ? static_cast<std::size_t>(size) : 0);
  if (batch_.empty()) {
    batch_.reserve(last_batch_size_);
    batch_opened_ = clock_.Steady();
  }
  MapResult result = mapper_->Map(topic, body, clock_.Now(), batch_);
  if (result.error) return Reject(topic, *result.error, 1, result.message);
  if (result.bad_fields > 0) Reject(topic, Reason::kBadField, result.bad_fields, result.message);
  if (batch_.size() >= kFlushSamples) Flush();
}

void MqttSource::Flush() {
  if (batch_.empty()) return;
  const std::size_t n = batch_.size();
  last_batch_size_ = n;
  Status s = emitter_->Emit(std::move(batch_));
  batch_ = Batch();
  if (s.ok()) {
    samples_in_->Add(n);
  } else {
    std::uint64_t suppressed = 0;
    if (reject_log_.ShouldLog(std::string("\0emit", 5), &suppressed))
      spdlog::warn("mqtt source {}: pipeline did not take {} samples: {} ({} more suppressed)", name_, n,
                   s.message(), suppressed);
  }
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
