// Fleet: runs the twins of a FleetConfig and serves their readings over each group's protocol.
//
// Live mode (Start/Stop): one thread owns every twin, the MqttPublisher of the mqtt groups and the
// outlets of the other protocols (outlet.h: OPC UA, Modbus, Sparkplug). Reading k of
// a machine is due at start + phase + k * interval on the steady clock and is stamped with the
// same offset from the wall-clock start, so neither the schedule nor the timestamps drift; the
// machines of a group are spread over the interval (phase) so that they do not all publish at
// once. With a time_acceleration of A, the schedule runs on simulated time, A times the steady
// clock's elapsed time, and so do the timestamps (they run ahead of the wall clock). A machine that
// falls more than a few wall-clock seconds behind skips ahead and counts the readings it skipped. With
// readings_per_message > 1 a message goes out when a machine has that many readings. The broker may come and
// go: the publisher reconnects by itself, generation never stops, and messages produced while disconnected
// are dropped and counted at QoS 0 (kept and resent by libmosquitto at QoS 1, up to a bound).
//
// Flood mode (PublishBurst): for benchmarks. Precomputes N messages (consecutive readings,
// machines in turn, timestamps ending now) and publishes them on the calling thread as fast as the
// broker takes them.
//
// Thread-safety: Start, Stop and PublishBurst are called by the owner; the counters and
// connected() may be read from any thread. The destructor stops the fleet.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "connectors/mqtt/mqtt_publisher.h"
#include "core/status.h"
#include "sim/chaos.h"
#include "sim/fleet_config.h"
#include "sim/modbus_outlet.h"
#include "sim/opcua_outlet.h"
#include "sim/outlet.h"
#include "sim/twin.h"

namespace mw::sim {

class Fleet {
 public:
  explicit Fleet(FleetConfig config);
  ~Fleet();
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  // Waits up to a second for the first connection, then starts the publishing thread, which
  // connects (and reconnects) in the background if the broker was not there.
  // FailedPrecondition if already started; InvalidArgument for a fleet that cannot run (no
  // machines, an interval under 1 ms).
  Status Start();
  // Stops generating, waits up to two seconds for what is pending to be written (acknowledged at
  // QoS 1), disconnects and joins the thread. Safe to call twice, or without Start().
  void Stop();

  // Flood mode: publishes `n_messages` messages as fast as the broker accepts them, on the calling
  // thread, and returns once all are written to the socket (acknowledged at QoS 1). Unavailable if
  // the broker cannot be reached or the connection is lost, or if `timeout` passes first.
  // FailedPrecondition while the live mode runs.
  Status PublishBurst(std::uint64_t n_messages, std::chrono::milliseconds timeout = std::chrono::minutes(5));

  // Wall time the last PublishBurst spent publishing: from its first message to its last one
  // handed to the socket (payload precomputation and the final flush excluded).
  double last_burst_seconds() const { return last_burst_seconds_.load(std::memory_order_relaxed); }

  std::uint64_t messages_published() const { return messages_published_.load(std::memory_order_relaxed); }
  std::uint64_t readings_published() const { return readings_published_.load(std::memory_order_relaxed); }
  std::uint64_t messages_dropped() const { return messages_dropped_.load(std::memory_order_relaxed); }
  std::uint64_t readings_skipped() const { return readings_skipped_.load(std::memory_order_relaxed); }
  // Readings the chaos engine dropped (dropouts, the publisher cut off by an outage).
  std::uint64_t readings_dropped() const { return readings_dropped_.load(std::memory_order_relaxed); }
  bool connected() const { return publisher_.connected(); }

  std::size_t machine_count() const { return machines_.size(); }
  // The topic of every mqtt machine, in configuration order.
  std::vector<std::string> topics() const;
  // After Start: what the fleet serves, each "<protocol> <url>" ("opcua opc.tcp://127.0.0.1:4840").
  std::vector<std::string> Endpoints() const;
  const FleetConfig& config() const { return config_; }
  // The Modbus outlet (its register map), or nullptr when no group uses modbus.
  const ModbusOutlet* modbus() const { return modbus_; }
  // The OPC UA outlet (its port), or nullptr when no group uses opcua.
  const OpcuaOutlet* opcua() const { return opcua_; }

 private:
  struct Machine {
    std::string path;   // the asset path, plant/<line>/<name>-NN
    std::string topic;  // mqtt groups
    std::unique_ptr<Twin> twin;
    std::int64_t interval_ns;
    std::int64_t phase_ns;  // offset of reading 0 from the fleet's start
    std::size_t per_message;
    Outlet* outlet = nullptr;  // nullptr: MQTT JSON through publisher_
    std::size_t slot = 0;      // the machine's slot in its outlet
    std::vector<double> values;
    std::int64_t next_index = 0;  // number of the next reading
    std::string pending;          // JSON records not yet sent, comma-separated (batched messages)
    std::size_t pending_count = 0;
  };

  void Run();
  // Produces every reading due at `now_ns` (steady, since start) and publishes full messages.
  void ProduceDue(std::int64_t now_ns);
  void Send(Machine& machine);
  // Checks the configuration and creates the client on first use.
  Status Prepare();
  Status WaitConnected(std::chrono::steady_clock::time_point deadline);
  Status StartOutlets();
  void StartChaos();
  // Follows the chaos engine's network outages: outlets unreachable, MQTT silent.
  void UpdateNetwork(Timestamp now);
  void WriteGroundTruth();
  void LogModbusMap() const;
  void StopOutlets();
  // Advances the twin and appends its reading as JSON to `out`.
  void StepJson(Machine& m, Timestamp time, std::string& out);
  std::vector<std::string> PrecomputeBurst(std::uint64_t n_messages);

  FleetConfig config_;
  std::vector<Machine> machines_;
  connectors::mqtt::MqttPublisher publisher_;
  bool uses_mqtt_ = false;
  bool client_ready_ = false;
  std::vector<std::unique_ptr<Outlet>> outlets_;
  ModbusOutlet* modbus_ = nullptr;      // in outlets_, when a group uses modbus
  OpcuaOutlet* opcua_ = nullptr;        // in outlets_, when a group uses opcua
  std::unique_ptr<ChaosEngine> chaos_;  // while started, when the config asks for faults
  bool network_down_ = false;
  std::string setup_error_;  // a machine that could not be set up; Start() reports it
  std::thread thread_;
  std::atomic<bool> stop_{false};
  // The live mode's origin: steady clock for the schedule, wall clock (ns) for the timestamps.
  std::chrono::steady_clock::time_point start_steady_{};
  Timestamp start_wall_ = 0;
  // Min-heap of (due time in ns since start, machine index).
  std::vector<std::pair<std::int64_t, std::size_t>> schedule_;
  std::atomic<std::uint64_t> messages_published_{0};
  std::atomic<std::uint64_t> readings_published_{0};
  std::atomic<std::uint64_t> messages_dropped_{0};
  std::atomic<std::uint64_t> readings_skipped_{0};
  std::atomic<std::uint64_t> readings_dropped_{0};
  std::atomic<double> last_burst_seconds_{0};
};

}  // namespace mw::sim
