// MqttPublisher: a libmosquitto client that only publishes, driven by its owner's loop.
//
// The client runs without a network thread of its own: the owner calls Service() between
// publishes (it waits on the socket, reads acknowledgements, writes what is pending, keeps the
// connection alive, and connects or reconnects with a growing delay when the broker is away).
// Publish() writes straight to the socket, so a flood of messages costs no thread hand-over.
//
// Connecting: libmosquitto 2.0's asynchronous connect never sends CONNECT when the TCP handshake
// is still in progress, and its blocking connect can hang for minutes on an unreachable host. So
// each attempt first probes the TCP port with a bounded non-blocking connect, then lets
// libmosquitto connect, which is then immediate. One attempt blocks at most `connect_timeout`.
// (The broker logs the probe as a client that closed its connection before CONNECT.)
//
// While disconnected, QoS 0 messages are refused (the caller counts them as dropped); QoS 1
// messages are kept by libmosquitto and sent after the reconnection, up to `max_unacked`.
//
// Thread-safety: one owner thread calls everything, except connected(), connections() and
// unacked(), which any thread may read.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

struct mosquitto;

namespace mw::connectors::mqtt {

struct MqttPublisherOptions {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string client_id = "millwright-sim";
  int qos = 0;  // 0 or 1
  int keepalive_s = 30;
  int max_inflight = 1000;             // QoS 1 messages sent and not yet acknowledged
  std::uint64_t max_unacked = 100000;  // QoS 1 messages held in all (in flight, queued, offline)
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{2000};
};

class MqttPublisher {
 public:
  explicit MqttPublisher(MqttPublisherOptions options);
  ~MqttPublisher();  // closes the connection without waiting for anything pending
  MqttPublisher(const MqttPublisher&) = delete;
  MqttPublisher& operator=(const MqttPublisher&) = delete;

  // Creates the client. The first connection attempt happens in the first Service() call.
  Status Init();

  // Does the network work for up to `timeout`: returns as soon as something was read or written,
  // or when the timeout passes. While disconnected, connects when the retry delay has passed and
  // sleeps otherwise.
  void Service(std::chrono::milliseconds timeout);

  // Hands one message to the client and writes as much as the socket takes.
  // Unavailable: not connected, QoS 0 (dropped). ResourceExhausted: `max_unacked` reached.
  Status Publish(const std::string& topic, std::string_view payload);

  // Services until nothing is waiting to be written and, at QoS 1, every message is
  // acknowledged. False if that did not happen within `timeout`.
  bool Flush(std::chrono::milliseconds timeout);

  // Sends DISCONNECT (what was already written reaches the broker) and closes the socket.
  void Disconnect();

  bool connected() const { return connected_.load(std::memory_order_acquire); }
  // True when a message is waiting for the socket to accept it.
  bool want_write() const;
  std::uint64_t connections() const { return connections_.load(std::memory_order_relaxed); }
  std::uint64_t unacked() const {
    return sent_qos1_.load(std::memory_order_relaxed) - acked_qos1_.load(std::memory_order_relaxed);
  }

 private:
  static void OnConnect(struct mosquitto* client, void* self, int rc);
  static void OnDisconnect(struct mosquitto* client, void* self, int rc);
  static void OnPublish(struct mosquitto* client, void* self, int mid);

  void Connect();
  void ScheduleRetry();
  bool SocketOpen() const;

  MqttPublisherOptions options_;
  struct mosquitto* client_ = nullptr;
  bool attempted_ = false;  // mosquitto_connect was called once: later attempts reconnect
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds retry_delay_;
  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> connections_{0};
  std::atomic<std::uint64_t> sent_qos1_{0};
  std::atomic<std::uint64_t> acked_qos1_{0};
};

}  // namespace mw::connectors::mqtt
