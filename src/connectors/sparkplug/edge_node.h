// EdgeNode: a Sparkplug B edge node that publishes devices' metrics, for the simulator and tests.
//
// Session: each connection attempt takes the next bdSeq (0..255, wrapping) and sets NDEATH
// {bdSeq} as the MQTT will (QoS 1, not retained), so that the broker announces the node's death if
// the connection breaks. Once the broker accepts the connection the node subscribes to its NCMD
// and DCMD topics and then publishes NBIRTH (seq 0, the metrics "bdSeq" and "Node Control/Rebirth")
// and one DBIRTH per device declaring every metric with its name, alias and datatype and its last
// value (null if none yet). Aliases number the metrics of all devices from 1, in definition order.
// Data then goes out as DDATA with aliases only (no names, no datatypes). seq counts every message
// of the node but NDEATH, 0..255 wrapping, NBIRTH starting at 0. Messages are QoS 0, not retained.
//
// Rebirth: an NCMD whose "Node Control/Rebirth" metric is true makes the node publish NBIRTH and
// the DBIRTHs again (same bdSeq, seq from 0), during the next Service(). Other commands are
// counted (commands_ignored()) and not acted upon.
//
// Reconnection: after a lost connection or a failed attempt the node tries again after a delay
// that doubles from reconnect_min to reconnect_max, with a new bdSeq, and is born again. Stop()
// publishes NDEATH itself before its DISCONNECT (a clean DISCONNECT makes the broker discard the
// will) and does not reconnect. DropConnection() closes the TCP connection without DISCONNECT, as
// a crash or a cable pulled would: the broker then publishes the will.
//
// Driving: the node has no thread. Its owner calls Service() in its publishing loop (network I/O,
// connecting, births, answering rebirths) and PublishDeviceData() between calls. While the node is
// not born, data is refused with Unavailable (the caller counts it as dropped).
//
// Why not mqtt::MqttPublisher: it has no will, no subscriptions and no incoming messages, and it
// cannot set a new will before each reconnection, all of which a Sparkplug edge node needs.
//
// Thread-safety: one owner thread calls everything, except the counters (online(), bd_seq(),
// births(), rebirths(), connections(), commands_ignored()), which any thread may read.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/sparkplug/payload.h"
#include "core/status.h"

struct mosquitto;
struct mosquitto_message;

namespace mw::connectors::sparkplug {

struct EdgeMetricDefinition {
  std::string name;
  DataType datatype = DataType::kDouble;  // Int*, UInt*, Float, Double, Boolean, String, Text or DateTime
};

struct EdgeDevice {
  std::string id;
  std::vector<EdgeMetricDefinition> metrics;
};

struct EdgeNodeOptions {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string client_id;  // "" = "spb-<group>-<edge node>"
  std::string group_id;
  std::string edge_node_id;
  std::vector<EdgeDevice> devices;
  int keepalive_s = 30;
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{2000};
  std::uint64_t first_bd_seq = 0;  // bdSeq of the first connection (0..255)
};

// A new value for metric `metric` (its index in the device's definition).
struct MetricUpdate {
  std::size_t metric = 0;
  MetricValue value;     // must suit the metric's datatype
  bool is_null = false;  // publish a null instead of `value`
};

class EdgeNode {
 public:
  explicit EdgeNode(EdgeNodeOptions options);
  ~EdgeNode();  // closes the connection at once (the broker then publishes the will)
  EdgeNode(const EdgeNode&) = delete;
  EdgeNode& operator=(const EdgeNode&) = delete;

  // Checks the options (ids, metric names unique per device, supported datatypes) and creates the
  // client. The first connection attempt happens in the first Service().
  Status Init();

  // Network work for up to `timeout`: connects when due, reads and writes, publishes the births
  // after a connection or a rebirth request. Returns early once something was read or written.
  void Service(std::chrono::milliseconds timeout);

  // Publishes DDATA for device `device` (its index in the options) with these values, stamped
  // `timestamp_ms` (0 = now). The values are also what the next DBIRTH declares. Unavailable when
  // the node is not born; InvalidArgument (naming device and metric) for a bad index or a value that
  // does not suit the datatype, nothing being published then.
  Status PublishDeviceData(std::size_t device, const std::vector<MetricUpdate>& updates,
                           std::uint64_t timestamp_ms = 0);

  // Publishes NDEATH, disconnects cleanly and stops reconnecting. Idempotent.
  void Stop();
  // Closes the TCP connection without DISCONNECT (see above); the node reconnects later.
  void DropConnection();

  bool online() const { return born_.load(std::memory_order_acquire); }
  std::uint64_t bd_seq() const { return bd_seq_.load(std::memory_order_relaxed); }
  std::uint64_t births() const { return births_.load(std::memory_order_relaxed); }
  std::uint64_t rebirths() const { return rebirths_.load(std::memory_order_relaxed); }
  std::uint64_t connections() const { return connections_.load(std::memory_order_relaxed); }
  std::uint64_t commands_ignored() const { return commands_ignored_.load(std::memory_order_relaxed); }

 private:
  static void OnConnect(struct mosquitto* client, void* self, int rc);
  static void OnDisconnect(struct mosquitto* client, void* self, int rc);
  static void OnMessage(struct mosquitto* client, void* self, const struct mosquitto_message* message);

  void Connect();
  void ScheduleRetry();
  bool SocketOpen() const;
  Status SetWill();
  void PublishBirths();
  Status Publish(const std::string& topic, const Payload& payload, bool datatypes, int qos);
  std::uint64_t NextSeq();
  void HandleCommand(std::string_view topic, std::string_view bytes);

  EdgeNodeOptions options_;
  std::string node_cmd_topic_;
  std::vector<std::string> device_data_topics_;
  std::vector<std::vector<MetricValue>> values_;     // last value per device metric (monostate: null)
  std::vector<std::vector<std::uint64_t>> aliases_;  // alias per device metric
  struct mosquitto* client_ = nullptr;
  bool attempted_ = false;      // connected once: later attempts reconnect
  bool connack_ = false;        // the broker accepted the connection; births not yet published
  bool rebirth_asked_ = false;  // an NCMD asked for a rebirth
  bool stopped_ = false;
  std::uint64_t next_bd_seq_;
  std::uint64_t seq_ = 0;  // of the next message
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds retry_delay_;
  std::atomic<bool> born_{false};
  std::atomic<std::uint64_t> bd_seq_{0};
  std::atomic<std::uint64_t> births_{0};
  std::atomic<std::uint64_t> rebirths_{0};
  std::atomic<std::uint64_t> connections_{0};
  std::atomic<std::uint64_t> commands_ignored_{0};
};

}  // namespace mw::connectors::sparkplug
