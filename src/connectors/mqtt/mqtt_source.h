// MqttSource: a pipeline Source that subscribes to MQTT topics (libmosquitto, MQTT 5 or 3.1.1)
// and turns JSON payloads into samples with JsonMappers, on the pipeline's workers.
//
// Connection: the source owns one libmosquitto client and one thread that drives it. It connects
// asynchronously, subscribes every filter on each (re)connect, and after any loss or failed attempt
// retries forever with exponential backoff from reconnect_min to reconnect_max (reset once the
// broker accepts a connection). Each disconnect and reconnect is logged. The session is clean:
// messages published while the source is disconnected are not kept for it by the broker.
//
// Why not mosquitto_loop_start() with mosquitto_reconnect_delay_set(): libmosquitto's own loop
// counts reconnect delays in whole seconds (a 0 s minimum spins on a refused port) and its thread
// ends for good on "fatal" errors such as an MQTT 5 CONNACK refusal or a DNS failure. Our thread
// calls mosquitto_loop() and mosquitto_reconnect_async() itself, so the backoff has nanosecond
// options and the source never stops retrying.
//
// Routing and decoding: the client thread only routes each message, topic -> asset (TopicRouter,
// cached per topic) -> the pipeline worker of that asset (Emitter::WorkerOf), and copies topic and
// payload into that worker's pending batch. The worker parses and maps it (JsonMapper::MapRouted,
// one mapper per worker, in place in the copy) right before scoring and storing the samples: the
// parsing of one source runs on all the workers, beside the client thread.
//
// Batching: while further messages are already readable, or arrive within 1 ms, they join the
// pending batches (up to 1024 messages or 128 KiB per worker, and 1 ms of age), which are then
// handed to Emitter::EmitEncoded. A lone message is handed over within about a millisecond; a
// steady stream costs one pipeline hand-off per worker per millisecond instead of one per message.
//
// Back-pressure: EmitEncoded blocks while the worker's queue is full, and so does the client:
// nothing is read from the socket while it waits, so the broker holds the QoS 1 messages for this
// client (up to its inflight and queue limits, e.g. Mosquitto's max_inflight_messages /
// max_queued_messages). A block longer than 1.5 x keepalive makes the broker drop the connection;
// the source then reconnects.
//
// Metrics, labelled {source="<name>"}: mw_messages_in_total (counted once a message is decoded, or
// rejected by the router), mw_samples_in_total, mw_decode_errors_total{reason}, mw_mqtt_connected
// (1 once connected and the subscriptions are acknowledged, else 0), mw_mqtt_reconnects_total
// (connections re-established after a loss). Every rejected message is counted, by the thread that
// rejects it (unknown_asset and bad_topic: the client thread; the others: a worker); logs are
// limited to one line per topic per reason per minute.
//
// Threading: Start() and Stop() may be called from any thread; Stop() is idempotent and waits for
// the client thread (and so for a blocked EmitEncoded). The destructor calls Stop(). The emitter
// passed to Start() must outlive Stop(); the MetricsRegistry and Clock must outlive the source, and
// the source must outlive the decoding of what it emitted (the runtime drains its queues before it
// destroys its sources).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "connectors/mqtt/json_mapper.h"
#include "connectors/mqtt/topic_pattern.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "pipeline/plugin.h"

struct mosquitto;

namespace mw::connectors::mqtt {

inline constexpr const char* kConnectedMetric = "mw_mqtt_connected";
inline constexpr const char* kReconnectsMetric = "mw_mqtt_reconnects_total";

struct MqttSourceOptions {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string client_id;  // must be unique on the broker
  std::string username;   // "" = anonymous
  std::string password;
  std::vector<std::string> topics;  // subscription filters
  int qos = 1;
  std::string shared_group;  // "" = plain subscriptions, else $share/<group>/<filter>
  bool mqtt5 = true;         // false: MQTT 3.1.1
  int keepalive_s = 30;      // 0 or 5..65535
  std::int64_t reconnect_min_ns = kNanosPerSecond;
  std::int64_t reconnect_max_ns = 30 * kNanosPerSecond;
};

// Makes the JsonMapper of one worker; every call gives an equal mapper.
using MapperFactory = std::function<std::unique_ptr<JsonMapper>()>;

class MqttSource final : public pipeline::Source {
 public:
  // `name` is the instance name used in metric labels and logs. `router` must route topics the way
  // the mappers `make_mapper` makes do (JsonMapper::MakeRouter()).
  MqttSource(std::string name, MqttSourceOptions options, TopicRouter router, MapperFactory make_mapper,
             MetricsRegistry& metrics, const Clock& clock);
  ~MqttSource() override;
  MqttSource(const MqttSource&) = delete;
  MqttSource& operator=(const MqttSource&) = delete;

  // Creates the client and its thread. A broker that cannot be reached is not an error (the
  // source keeps retrying); invalid client settings are. Fails if called twice.
  Status Start(pipeline::Emitter& emitter) override;
  void Stop() override;

  // The filters as sent to the broker (with the $share prefix when shared_group is set).
  const std::vector<std::string>& filters() const { return filters_; }

 private:
  struct Callbacks;
  class Pending;
  // Where a pending message is in its batch's bytes: topic, then payload, then padding.
  struct PendingMessage {
    std::size_t at = 0;
    std::uint32_t topic_size = 0;
    std::uint32_t payload_size = 0;
    Timestamp arrival = 0;
    AssetId asset = kInvalidAsset;
  };

  void Run(bool socket_open);
  bool WaitBackoff();
  void Subscribe();
  void HandleConnect(int rc);
  void HandleDisconnect(int rc);
  void HandleSubscribe(int count, const int* granted);
  void HandleMessage(const char* topic, const void* payload, int size);
  // Reads the packets already waiting on the socket (their messages join the pending batches).
  void DrainReadable();
  // Hands every pending batch to the emitter; FlushWorker one of them.
  void Flush();
  void FlushWorker(std::size_t worker);
  // Worker `worker`'s decoding of a pending batch (called through Pending::Decode).
  void Decode(std::size_t worker, const Pending& pending, Batch& out);
  // Buffers for pending batches, recycled once a worker has decoded them.
  std::unique_ptr<Pending> NewPending();
  void Recycle(std::vector<char>&& bytes, std::vector<PendingMessage>&& messages);
  void Reject(std::string_view topic, Reason reason, std::uint64_t count, const std::string& message);
  void LogConnectFailure(const std::string& why);
  std::string ReasonText(int rc) const;

  const std::string name_;
  const MqttSourceOptions options_;
  std::vector<std::string> filters_;
  MapperFactory make_mapper_;
  std::vector<std::unique_ptr<JsonMapper>> mappers_;  // one per worker, made by Start()
  const Clock& clock_;

  Counter* messages_in_;
  Counter* samples_in_;
  Counter* decode_errors_[kReasonCount];
  Gauge* connected_;
  Counter* reconnects_;
  LogLimiter reject_log_;
  LogLimiter connect_log_;

  std::mutex lifecycle_mu_;  // serialises Start() and Stop()
  struct mosquitto* mosq_ = nullptr;
  pipeline::Emitter* emitter_ = nullptr;
  std::thread thread_;

  // Stop() sets stopping_ under wait_mu_, so that a backoff wait cannot miss the wake-up.
  std::mutex wait_mu_;
  std::condition_variable wait_cv_;
  std::atomic<bool> stopping_{false};

  // Client-thread state.
  std::int64_t backoff_ns_;
  bool session_up_ = false;  // CONNACK accepted and no disconnect since
  bool ever_connected_ = false;
  bool attempt_reported_ = false;  // the current connection attempt has been logged
  TopicRouter router_;
  std::vector<std::unique_ptr<Pending>> pending_;  // per worker; null when nothing is pending
  std::size_t pending_messages_ = 0;               // in all of pending_
  std::int64_t pending_since_ = 0;                 // clock_.Steady() when the first of them arrived
  std::uint64_t messages_seen_ = 0;  // messages delivered by libmosquitto, to detect an idle read

  // Buffers of decoded pending batches, for the next ones (workers return them).
  std::mutex pool_mu_;
  std::vector<std::pair<std::vector<char>, std::vector<PendingMessage>>> pool_;
};

}  // namespace mw::connectors::mqtt
