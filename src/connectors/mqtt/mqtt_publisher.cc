#include "connectors/mqtt/mqtt_publisher.h"

#include <mosquitto.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

namespace mw::connectors::mqtt {
namespace {

void InitLibraryOnce() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

int ToPollTimeout(std::chrono::milliseconds timeout) {
  return static_cast<int>(std::clamp<std::int64_t>(timeout.count(), 0, 60'000));
}

// True if a TCP connection to host:port completes within `timeout`.
bool ProbeTcp(const std::string& host, int port, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return false;
  bool ok = false;
  for (addrinfo* a = found; a != nullptr && !ok; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      ok = true;
    } else if (errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int error = 0;
      socklen_t len = sizeof error;
      ok = poll(&p, 1, ToPollTimeout(timeout)) == 1 &&
           getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0;
    }
    close(fd);
  }
  freeaddrinfo(found);
  return ok;
}

}  // namespace

MqttPublisher::MqttPublisher(MqttPublisherOptions options)
    : options_(std::move(options)), retry_delay_(options_.reconnect_min) {}

MqttPublisher::~MqttPublisher() {
  if (client_ != nullptr) mosquitto_destroy(client_);
}

Status MqttPublisher::Init() {
  if (client_ != nullptr) return Status::FailedPrecondition("MQTT publisher already initialised");
  if (options_.qos < 0 || options_.qos > 1) return Status::InvalidArgument("qos must be 0 or 1");
  InitLibraryOnce();
  client_ = mosquitto_new(options_.client_id.c_str(), /*clean_session=*/true, this);
  if (client_ == nullptr) return Status::ResourceExhausted("mosquitto_new failed");
  mosquitto_connect_callback_set(client_, &MqttPublisher::OnConnect);
  mosquitto_disconnect_callback_set(client_, &MqttPublisher::OnDisconnect);
  mosquitto_publish_callback_set(client_, &MqttPublisher::OnPublish);
  mosquitto_int_option(client_, MOSQ_OPT_SEND_MAXIMUM, options_.max_inflight);
  next_attempt_ = std::chrono::steady_clock::now();
  return Status::Ok();
}

void MqttPublisher::OnConnect(struct mosquitto*, void* self, int rc) {
  auto* p = static_cast<MqttPublisher*>(self);
  if (rc != 0) {
    spdlog::warn("mqtt {}:{}: connection refused: {}", p->options_.host, p->options_.port,
                 mosquitto_connack_string(rc));
    return;
  }
  p->connected_.store(true, std::memory_order_release);
  p->connections_.fetch_add(1, std::memory_order_relaxed);
  p->retry_delay_ = p->options_.reconnect_min;
  spdlog::info("mqtt {}:{}: connected as {}", p->options_.host, p->options_.port, p->options_.client_id);
}

void MqttPublisher::OnDisconnect(struct mosquitto*, void* self, int rc) {
  auto* p = static_cast<MqttPublisher*>(self);
  bool was_connected = p->connected_.exchange(false, std::memory_order_acq_rel);
  if (was_connected && rc != 0) {
    spdlog::warn("mqtt {}:{}: connection lost ({}); reconnecting", p->options_.host, p->options_.port,
                 mosquitto_strerror(rc));
  }
}

void MqttPublisher::OnPublish(struct mosquitto*, void* self, int) {
  auto* p = static_cast<MqttPublisher*>(self);
  // For QoS 0 libmosquitto reports a message once written; only QoS 1 acknowledgements count.
  if (p->options_.qos == 1) p->acked_qos1_.fetch_add(1, std::memory_order_relaxed);
}

bool MqttPublisher::SocketOpen() const { return client_ != nullptr && mosquitto_socket(client_) >= 0; }

bool MqttPublisher::want_write() const { return SocketOpen() && mosquitto_want_write(client_); }

void MqttPublisher::ScheduleRetry() {
  next_attempt_ = std::chrono::steady_clock::now() + retry_delay_;
  retry_delay_ = std::min(retry_delay_ * 2, options_.reconnect_max);
}

void MqttPublisher::Connect() {
  if (!ProbeTcp(options_.host, options_.port, options_.connect_timeout)) {
    spdlog::debug("mqtt {}:{}: broker not reachable", options_.host, options_.port);
    return ScheduleRetry();
  }
  int rc = attempted_
               ? mosquitto_reconnect(client_)
               : mosquitto_connect(client_, options_.host.c_str(), options_.port, options_.keepalive_s);
  attempted_ = true;
  if (rc != MOSQ_ERR_SUCCESS) {
    spdlog::debug("mqtt {}:{}: connect failed: {}", options_.host, options_.port, mosquitto_strerror(rc));
    return ScheduleRetry();
  }
  // CONNECT is written; the CONNACK is read by a later Service().
  next_attempt_ = std::chrono::steady_clock::now() + retry_delay_;
}

void MqttPublisher::Service(std::chrono::milliseconds timeout) {
  if (client_ == nullptr) return;
  if (!SocketOpen()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= next_attempt_) return Connect();
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(timeout, next_attempt_ - now));
    return;
  }
  pollfd p{mosquitto_socket(client_),
           static_cast<short>(POLLIN | (mosquitto_want_write(client_) ? POLLOUT : 0)), 0};
  int ready = poll(&p, 1, ToPollTimeout(timeout));
  int rc = MOSQ_ERR_SUCCESS;
  if (ready > 0 && (p.revents & (POLLIN | POLLERR | POLLHUP))) rc = mosquitto_loop_read(client_, 1);
  if (rc == MOSQ_ERR_SUCCESS && SocketOpen() && (p.revents & POLLOUT)) rc = mosquitto_loop_write(client_, 1);
  if (rc == MOSQ_ERR_SUCCESS && SocketOpen()) rc = mosquitto_loop_misc(client_);
  if (rc != MOSQ_ERR_SUCCESS || !SocketOpen()) {
    // libmosquitto has closed the socket and called OnDisconnect; try again after the delay.
    connected_.store(false, std::memory_order_release);
    ScheduleRetry();
  }
}

Status MqttPublisher::Publish(const std::string& topic, std::string_view payload) {
  if (client_ == nullptr) return Status::FailedPrecondition("MQTT publisher not initialised");
  if (options_.qos == 0 && !connected()) return Status::Unavailable("not connected to the broker");
  if (options_.qos == 1 && unacked() >= options_.max_unacked)
    return Status::ResourceExhausted("too many unacknowledged messages");
  int rc = mosquitto_publish(client_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                             payload.data(), options_.qos, false);
  // At QoS 1 libmosquitto keeps the message even when the socket is down, and resends it after
  // reconnecting; NO_CONN then only says it could not be written yet.
  if (rc == MOSQ_ERR_SUCCESS || (options_.qos == 1 && rc == MOSQ_ERR_NO_CONN)) {
    if (options_.qos == 1) sent_qos1_.fetch_add(1, std::memory_order_relaxed);
    return Status::Ok();
  }
  if (rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST || rc == MOSQ_ERR_ERRNO)
    return Status::Unavailable(std::string("publish: ") + mosquitto_strerror(rc));
  return Status::InvalidArgument("publish to '" + topic + "': " + mosquitto_strerror(rc));
}

bool MqttPublisher::Flush(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (want_write() || unacked() > 0) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    Service(std::min(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now),
                     std::chrono::milliseconds(50)));
  }
  return true;
}

void MqttPublisher::Disconnect() {
  if (!SocketOpen()) return;
  // Writes DISCONNECT behind anything pending and closes the socket once it is out.
  mosquitto_disconnect(client_);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (SocketOpen() && std::chrono::steady_clock::now() < deadline) Service(std::chrono::milliseconds(50));
  connected_.store(false, std::memory_order_release);
}

}  // namespace mw::connectors::mqtt
