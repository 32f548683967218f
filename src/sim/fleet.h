// Fleet: runs the machines of a FleetConfig and publishes their readings over MQTT.
//
// Live mode (Start/Stop): one thread owns every machine model and one MqttPublisher. Reading k of
// a machine is due at start + phase + k * interval on the steady clock and is stamped with the
// same offset from the wall-clock start, so neither the schedule nor the timestamps drift; the
// machines of a group are spread over the interval (phase) so that they do not all publish at
// once. A machine that falls more than a few seconds behind skips ahead and counts the readings it
// skipped. With readings_per_message > 1 a message goes out when a machine has that many readings.
// The broker may come and go: the publisher reconnects by itself, generation never stops, and
// messages produced while disconnected are dropped and counted at QoS 0 (kept and resent by
// libmosquitto at QoS 1, up to a bound).
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
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "sim/fleet_config.h"
#include "sim/mqtt_publisher.h"
#include "sim/rotating_machine.h"

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
  bool connected() const { return publisher_.connected(); }

  std::size_t machine_count() const { return machines_.size(); }
  // The topic of every machine, in configuration order.
  std::vector<std::string> topics() const;
  const FleetConfig& config() const { return config_; }

 private:
  struct Machine {
    std::string topic;
    RotatingMachine model;
    std::int64_t interval_ns;
    std::int64_t phase_ns;  // offset of reading 0 from the fleet's start
    std::size_t per_message;
    std::int64_t next_index = 0;   // number of the next reading
    std::vector<Reading> pending;  // readings not yet sent (batched messages)
  };

  void Run();
  // Produces every reading due at `now_ns` (steady, since start) and publishes full messages.
  void ProduceDue(std::int64_t now_ns);
  void Send(Machine& machine);
  // Checks the configuration and creates the client on first use.
  Status Prepare();
  Status WaitConnected(std::chrono::steady_clock::time_point deadline);
  std::vector<std::string> PrecomputeBurst(std::uint64_t n_messages);

  FleetConfig config_;
  std::vector<Machine> machines_;
  MqttPublisher publisher_;
  bool client_ready_ = false;
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
  std::atomic<double> last_burst_seconds_{0};
};

}  // namespace mw::sim
