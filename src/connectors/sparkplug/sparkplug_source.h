// SparkplugSource: a Sparkplug B host application as a pipeline Source. It subscribes to
// spBv1.0/<group>/# (every group, or the configured ones), learns each edge node's and device's
// metrics from their birth certificates, and turns metric values into samples.
//
// Series: a device's metrics belong to the asset `asset` ("{group}/{edge}/{device}" by default), an
// edge node's own metrics to `node_asset` ("{group}/{edge}"), resolved when the birth arrives
// (declared assets, or created from the discovery template). The signal is the metric name with
// each '/' replaced by '.' ("Motor/Temp" -> "Motor.Temp"), since signal names may not contain '/'.
// When the asset's template declares signals only metrics named like one of them become series;
// otherwise every numeric metric does. Int*, UInt*, Float, Double and Boolean (1/0) are numeric;
// other datatypes (String, DateTime, DataSet, ...) are counted as ignored. "bdSeq" and "Node
// Control/*" are protocol metrics, never series. A sample's time is the metric's timestamp, else the
// payload's, else the arrival time; a null value gives a sample of Quality::kBad with value NaN.
// Transient metrics are not historised (counted as ignored).
//
// Births and aliases: NBIRTH resets the edge node (its devices must be born again) and records its
// bdSeq; DBIRTH declares a device. Data messages (NDATA, DDATA) name metrics by alias (or by name)
// and are resolved through the birth; a metric of a data message takes the datatype of its birth.
// Births carry values too: they become samples like data.
//
// Sequence numbers: every message of an edge node but NDEATH carries seq, 0..255, one more than the
// previous (modulo 256), NBIRTH starting anew. A gap is counted and logged, the message is still
// used, and a rebirth is requested. Data before a birth (of the node or the device), an unknown
// alias or metric name, and a message without a valid seq also request a rebirth: an NCMD on
// spBv1.0/<group>/NCMD/<edge> with the Boolean metric "Node Control/Rebirth" = true, at most one
// per edge node per `rebirth_interval` (the births take a moment; a node that keeps misbehaving is
// not flooded). Data that cannot be resolved meanwhile is counted and dropped.
//
// Staleness: NDEATH (whose bdSeq matches the birth's; an older session's death is ignored) and
// DDEATH mark the signals of that edge node (and all its devices) or device stale: the source emits,
// at the death's arrival time, one sample of Quality::kBad with value NaN for every series the
// birth mapped, so that downstream (status page, detectors, sinks) sees them as stale until the next
// birth brings values again. The same happens to every known edge node when the source loses its
// broker connection: it cannot know what happened meanwhile, and every node must be born again
// (data without a birth then asks for a rebirth).
//
// Host STATE (Sparkplug 3.0): with `state` on, the source connects with the will
// {"online":false,"timestamp":T} on spBv1.0/STATE/<host_id> (QoS 1, retained), subscribes to its
// own STATE topic besides the groups, and once the subscriptions are acknowledged publishes
// {"online":true,"timestamp":T} there (QoS 1, retained), T being the connection attempt's time in
// ms, new for each connection. Should the retained STATE read offline while connected (e.g. an old
// will), the source publishes online again.
//
// Connection: one libmosquitto client and one thread, driven like MqttSource (mosquitto_loop with
// our own backoff between reconnect_min and reconnect_max, forever; clean session). Decoding and
// bookkeeping run on that thread, in message order; the samples of a burst of messages travel in
// one Emit (back-pressure: a blocked Emit stops the reading, the broker keeps the messages).
//
// Metrics, labelled {source="<name>"}: mw_messages_in_total, mw_samples_in_total (stale samples
// included), mw_decode_errors_total{reason}: bad_topic, bad_payload, bad_metric, no_birth,
// unknown_alias, unknown_metric, unknown_asset, too_many_nodes; mw_sparkplug_ignored_total{reason}:
// protocol, not_numeric, unmapped, no_asset, transient, old_death, unborn_death, not_data (STATE and
// commands); mw_sparkplug_seq_gaps_total, mw_sparkplug_rebirth_requests_total,
// mw_sparkplug_births_total{kind=node|device}, mw_sparkplug_deaths_total{kind=node|device},
// mw_sparkplug_stale_samples_total, mw_sparkplug_connected (gauge), mw_sparkplug_reconnects_total.
// Every rejected message or metric is counted; logs are limited to one line per edge node and
// reason per minute.
//
// Threading: Start() and Stop() may be called from any thread; Stop() is idempotent and joins the
// client thread; the destructor calls Stop(). The emitter must outlive Stop(); the catalog,
// templates, MetricsRegistry and Clock must outlive the source.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "connectors/sparkplug/payload.h"
#include "connectors/sparkplug/topic.h"
#include "core/catalog.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "pipeline/plugin.h"

struct mosquitto;

namespace mw::connectors::sparkplug {

inline constexpr const char* kConnectedMetric = "mw_sparkplug_connected";
inline constexpr const char* kReconnectsMetric = "mw_sparkplug_reconnects_total";
inline constexpr const char* kIgnoredMetric = "mw_sparkplug_ignored_total";
inline constexpr const char* kSeqGapsMetric = "mw_sparkplug_seq_gaps_total";
inline constexpr const char* kRebirthRequestsMetric = "mw_sparkplug_rebirth_requests_total";
inline constexpr const char* kBirthsMetric = "mw_sparkplug_births_total";
inline constexpr const char* kDeathsMetric = "mw_sparkplug_deaths_total";
inline constexpr const char* kStaleSamplesMetric = "mw_sparkplug_stale_samples_total";

struct SparkplugSourceOptions {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string client_id;  // must be unique on the broker
  std::string username;   // "" = anonymous
  std::string password;
  bool mqtt5 = true;  // false: MQTT 3.1.1
  int keepalive_s = 30;
  std::int64_t reconnect_min_ns = kNanosPerSecond;
  std::int64_t reconnect_max_ns = 30 * kNanosPerSecond;
  std::string host_id;              // the STATE topic's id
  bool publish_state = true;        // act as a (primary) host application: STATE and its will
  std::vector<std::string> groups;  // {} = every group
  std::string asset = "{group}/{edge}/{device}";
  std::string node_asset = "{group}/{edge}";
  std::int64_t rebirth_interval_ns = 5 * kNanosPerSecond;
};

// Asset path -> id (kInvalidAsset when unknown and not to be created). Called at births only.
using AssetResolver = std::function<AssetId(std::string_view path)>;

class SparkplugSource final : public pipeline::Source {
 public:
  // `name` labels metrics and logs. `templates` decide which metrics are signals (see above).
  SparkplugSource(std::string name, SparkplugSourceOptions options, AssetResolver resolve, Catalog& catalog,
                  const std::map<std::string, TemplateSpec>& templates, MetricsRegistry& metrics,
                  const Clock& clock);
  ~SparkplugSource() override;
  SparkplugSource(const SparkplugSource&) = delete;
  SparkplugSource& operator=(const SparkplugSource&) = delete;

  // Creates the client and its thread. An unreachable broker is not an error (the source keeps
  // retrying); invalid client settings are. Fails if called twice.
  Status Start(pipeline::Emitter& emitter) override;
  void Stop() override;

  // The subscription filters (groups, and the own STATE topic when `publish_state`).
  const std::vector<std::string>& filters() const { return filters_; }

 private:
  struct Callbacks;
  enum class Error : std::uint8_t;
  enum class Ignored : std::uint8_t;

  // One metric of a birth certificate.
  struct MetricDef {
    std::string name;
    DataType datatype = DataType::kUnknown;
    SeriesId series = kInvalidSeries;
    Ignored why{};         // why there is no series
    bool invalid = false;  // the birth's declaration was rejected
  };
  // The metrics of an edge node itself, or of one device.
  struct Entity {
    bool born = false;
    AssetId asset = kInvalidAsset;
    std::vector<MetricDef> defs;
    std::unordered_map<std::uint64_t, std::size_t> by_alias;
    std::unordered_map<std::string, std::size_t> by_name;
  };
  struct Node {
    std::string group;
    std::string edge;
    Entity self;
    std::unordered_map<std::string, Entity> devices;
    std::optional<std::uint64_t> bd_seq;
    int last_seq = -1;
    bool rebirth_requested = false;
    std::int64_t rebirth_requested_at = 0;  // clock_.Steady() of the last request
  };
  // What one message is about, for counting and logging.
  struct Context {
    const Topic& topic;
    std::string_view topic_text;
    Timestamp arrival;
    const Payload& payload;
  };

  // Client thread.
  void Run(bool socket_open);
  bool WaitBackoff();
  void SetWill();
  void HandleConnect(int rc);
  void HandleDisconnect(int rc);
  void HandleSubscribe(int count, const int* granted);
  void HandleMessage(const char* topic, const void* payload, int size);
  void DrainReadable();
  void Flush();
  void PublishState(bool online);
  void HandleOwnState(std::string_view payload);

  // Sparkplug bookkeeping (client thread).
  Node* NodeFor(const Topic& topic, std::string_view topic_text);
  void OnNodeBirth(Node& node, const Context& c);
  void OnNodeDeath(Node& node, const Context& c);
  void OnDeviceBirth(Node& node, const Context& c);
  void OnDeviceDeath(Node& node, const Context& c);
  void OnData(Node& node, Entity& entity, const Context& c);
  // False when the message must not be used (no birth, bad seq); counts gaps.
  bool CheckSequence(Node& node, const Context& c);
  void Birth(Entity& entity, const std::string& asset_path, const Context& c);
  void AddDefinition(Entity& entity, std::size_t index, const Metric& m, const Context& c);
  SeriesId SeriesFor(AssetId asset, const std::string& metric_name, Ignored& why);
  void EmitValue(const MetricDef& def, std::size_t index, const Metric& m, const Context& c);
  void MarkStale(const Entity& entity, Timestamp time);
  void MarkAllStale(Timestamp time);
  void RequestRebirth(Node& node, std::string_view why);

  void Reject(std::string_view where, Error error, const std::string& message);
  void Ignore(Ignored why, std::uint64_t count = 1);
  void LogConnectFailure(const std::string& why);

  const std::string name_;
  const SparkplugSourceOptions options_;
  std::vector<std::string> filters_;
  AssetResolver resolve_;
  Catalog& catalog_;
  const std::map<std::string, TemplateSpec>& templates_;
  const Clock& clock_;

  Counter* messages_in_;
  Counter* samples_in_;
  std::vector<Counter*> errors_;
  std::vector<Counter*> ignored_;
  Counter* seq_gaps_;
  Counter* rebirth_requests_;
  Counter* node_births_;
  Counter* device_births_;
  Counter* node_deaths_;
  Counter* device_deaths_;
  Counter* stale_samples_;
  Gauge* connected_;
  Counter* reconnects_;
  LogLimiter log_;
  LogLimiter connect_log_;

  std::mutex lifecycle_mu_;
  struct mosquitto* mosq_ = nullptr;
  pipeline::Emitter* emitter_ = nullptr;
  std::thread thread_;
  std::mutex wait_mu_;
  std::condition_variable wait_cv_;
  std::atomic<bool> stopping_{false};

  // Client-thread state.
  std::int64_t backoff_ns_;
  std::atomic<bool> session_up_{false};  // also read by Stop()
  bool ever_connected_ = false;
  bool attempt_reported_ = false;
  std::atomic<std::uint64_t> state_timestamp_ms_{0};  // T of the connection's STATE and will
  std::uint64_t messages_seen_ = 0;
  std::unordered_map<std::string, Node> nodes_;  // by "<group>/<edge>"
  Payload payload_;                              // reused for each decoded message
  Batch batch_;                                  // samples not yet emitted
};

}  // namespace mw::connectors::sparkplug
