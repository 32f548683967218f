#include "sim/fleet.h"

#include <algorithm>
#include <functional>

#include <spdlog/spdlog.h>

#include "core/clock.h"
#include "core/log.h"

namespace mw::sim {
namespace {

// A machine further behind its schedule than this skips ahead instead of catching up.
constexpr std::int64_t kMaxLagNs = 5 * kNanosPerSecond;
// Longest sleep of the publishing thread: bounds how long Stop() waits.
constexpr std::chrono::milliseconds kMaxWait{50};
constexpr std::chrono::milliseconds kStopFlush{2000};
constexpr std::chrono::milliseconds kFirstConnectWait{1000};
// A burst reads from the socket this often (acknowledgements, keep-alive answers).
constexpr std::uint64_t kBurstServiceEvery = 256;

MqttPublisherOptions PublisherOptions(const MqttSettings& mqtt) {
  MqttPublisherOptions o;
  o.host = mqtt.host;
  o.port = mqtt.port;
  o.client_id = mqtt.client_id;
  o.qos = mqtt.qos;
  return o;
}

using Due = std::pair<std::int64_t, std::size_t>;
constexpr auto kLater = std::greater<Due>();

}  // namespace

Fleet::Fleet(FleetConfig config) : config_(std::move(config)), publisher_(PublisherOptions(config_.mqtt)) {
  for (const auto& group : config_.machines) {
    for (int i = 0; i < group.count; ++i) {
      // Spread the group over one interval, on whole milliseconds so that timestamps stay round.
      std::int64_t phase = group.model.interval_ns * i / group.count / kNanosPerMilli * kNanosPerMilli;
      machines_.push_back({MachineTopic(group, i),
                           RotatingMachine(MachineSpec(group, i)),
                           group.model.interval_ns,
                           phase,
                           static_cast<std::size_t>(group.readings_per_message),
                           0,
                           {}});
      machines_.back().pending.reserve(machines_.back().per_message);
    }
  }
}

Fleet::~Fleet() {
  Stop();
  publisher_.Disconnect();  // after a burst; a no-op when already closed
}

std::vector<std::string> Fleet::topics() const {
  std::vector<std::string> out;
  out.reserve(machines_.size());
  for (const auto& m : machines_) out.push_back(m.topic);
  return out;
}

Status Fleet::Prepare() {
  if (machines_.empty()) return Status::InvalidArgument("fleet has no machines");
  // LoadFleetConfig checks these; a fleet built in code could still hold a zero interval, which
  // would make the schedule spin.
  for (const auto& g : config_.machines) {
    if (g.model.interval_ns < kNanosPerMilli || g.readings_per_message < 1 || !(g.model.rpm.span() > 0) ||
        !(g.model.temperature.span() > 0) || !(g.model.vibration.span() > 0))
      return Status::InvalidArgument("machines " + g.line + "/" + g.name +
                                     ": need interval >= 1ms, readings_per_message >= 1 and min < max");
  }
  if (client_ready_) return Status::Ok();
  MW_RETURN_IF_ERROR(publisher_.Init());
  client_ready_ = true;
  return Status::Ok();
}

Status Fleet::Start() {
  if (thread_.joinable()) return Status::FailedPrecondition("fleet already started");
  MW_RETURN_IF_ERROR(Prepare());
  // The first readings should not be lost to the handshake when the broker is there; when it is
  // not, the thread keeps trying in the background.
  if (!WaitConnected(std::chrono::steady_clock::now() + kFirstConnectWait).ok()) {
    spdlog::warn("sim: broker {}:{} not reachable yet; publishing starts when it is", config_.mqtt.host,
                 config_.mqtt.port);
  }
  stop_.store(false);
  start_steady_ = std::chrono::steady_clock::now();
  start_wall_ = SystemClock::Instance().Now() / kNanosPerMilli * kNanosPerMilli;
  schedule_.clear();
  for (std::size_t i = 0; i < machines_.size(); ++i) {
    machines_[i].next_index = 0;
    machines_[i].pending.clear();
    schedule_.emplace_back(machines_[i].phase_ns, i);
  }
  std::make_heap(schedule_.begin(), schedule_.end(), kLater);
  spdlog::info("sim: {} machines publishing to {}:{} at QoS {}", machines_.size(), config_.mqtt.host,
               config_.mqtt.port, config_.mqtt.qos);
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void Fleet::Stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  thread_.join();
}

void Fleet::Run() {
  while (!stop_.load(std::memory_order_relaxed)) {
    std::int64_t now = (std::chrono::steady_clock::now() - start_steady_).count();
    ProduceDue(now);
    std::chrono::nanoseconds wait(schedule_.front().first - now);
    publisher_.Service(std::clamp(std::chrono::ceil<std::chrono::milliseconds>(wait),
                                  std::chrono::milliseconds(0), kMaxWait));
  }
  if (!publisher_.Flush(kStopFlush)) {
    spdlog::warn("sim: stopping with {} messages not acknowledged by the broker", publisher_.unacked());
  }
  publisher_.Disconnect();
}

void Fleet::ProduceDue(std::int64_t now_ns) {
  static LogLimiter lag_log;
  while (schedule_.front().first <= now_ns) {
    std::pop_heap(schedule_.begin(), schedule_.end(), kLater);
    auto [due, index] = schedule_.back();
    Machine& m = machines_[index];
    if (now_ns - due > kMaxLagNs) {
      // Overloaded or suspended: jump to the present rather than flood the broker with the past.
      std::int64_t present = (now_ns - m.phase_ns) / m.interval_ns;
      readings_skipped_.fetch_add(static_cast<std::uint64_t>(present - m.next_index),
                                  std::memory_order_relaxed);
      if (lag_log.ShouldLog("lag")) spdlog::warn("sim: {} fell behind its schedule; skipping ahead", m.topic);
      m.next_index = present;
      due = m.phase_ns + present * m.interval_ns;
    }
    m.pending.push_back(m.model.Next(start_wall_ + due));
    if (m.pending.size() >= m.per_message) Send(m);
    ++m.next_index;
    schedule_.back() = {m.phase_ns + m.next_index * m.interval_ns, index};
    std::push_heap(schedule_.begin(), schedule_.end(), kLater);
  }
}

void Fleet::Send(Machine& machine) {
  Status s = publisher_.Publish(machine.topic, ReadingsPayload(machine.pending));
  if (s.ok()) {
    messages_published_.fetch_add(1, std::memory_order_relaxed);
    readings_published_.fetch_add(machine.pending.size(), std::memory_order_relaxed);
  } else {
    messages_dropped_.fetch_add(1, std::memory_order_relaxed);
  }
  machine.pending.clear();
}

std::vector<std::string> Fleet::PrecomputeBurst(std::uint64_t n_messages) {
  // Message i belongs to machine i % M. Each machine's readings are consecutive and its last one
  // is stamped about now, so that the timestamps look like a recent history.
  const std::size_t count = machines_.size();
  if (count == 0) return {};
  const Timestamp now = SystemClock::Instance().Now() / kNanosPerMilli * kNanosPerMilli;
  std::vector<Timestamp> next_time(count);
  for (std::size_t m = 0; m < count; ++m) {
    std::uint64_t messages = n_messages / count + (m < n_messages % count ? 1 : 0);
    auto readings = static_cast<std::int64_t>(messages * machines_[m].per_message);
    next_time[m] = now - readings * machines_[m].interval_ns;
  }
  std::vector<std::string> payloads;
  payloads.reserve(n_messages);
  std::vector<Reading> readings;
  for (std::uint64_t i = 0; i < n_messages; ++i) {
    Machine& m = machines_[i % count];
    readings.clear();
    for (std::size_t r = 0; r < m.per_message; ++r) {
      readings.push_back(m.model.Next(next_time[i % count]));
      next_time[i % count] += m.interval_ns;
    }
    payloads.push_back(ReadingsPayload(readings));
  }
  return payloads;
}

Status Fleet::WaitConnected(std::chrono::steady_clock::time_point deadline) {
  while (!publisher_.connected()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return Status::Unavailable("cannot connect to the broker at " + config_.mqtt.host + ":" +
                                 std::to_string(config_.mqtt.port));
    publisher_.Service(kMaxWait);
  }
  return Status::Ok();
}

Status Fleet::PublishBurst(std::uint64_t n_messages, std::chrono::milliseconds timeout) {
  if (thread_.joinable()) return Status::FailedPrecondition("PublishBurst while the fleet runs live");
  MW_RETURN_IF_ERROR(Prepare());
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<std::string> payloads = PrecomputeBurst(n_messages);
  MW_RETURN_IF_ERROR(WaitConnected(deadline));
  auto failed = [&](std::uint64_t sent, const std::string& why) {
    return Status::Unavailable("burst stopped after " + std::to_string(sent) + " of " +
                               std::to_string(n_messages) + " messages: " + why);
  };
  const auto started = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < n_messages; ++i) {
    const Machine& m = machines_[i % machines_.size()];
    Status s = publisher_.Publish(m.topic, payloads[i]);
    // QoS 1: wait for acknowledgements while the client holds too many messages.
    while (s.code() == StatusCode::kResourceExhausted && std::chrono::steady_clock::now() < deadline) {
      publisher_.Service(std::chrono::milliseconds(10));
      s = publisher_.Publish(m.topic, payloads[i]);
    }
    if (!s.ok()) return failed(i, s.message());
    messages_published_.fetch_add(1, std::memory_order_relaxed);
    readings_published_.fetch_add(m.per_message, std::memory_order_relaxed);
    // Back-pressure: when the socket is full, wait until the broker has taken what is queued.
    while (publisher_.want_write()) {
      if (std::chrono::steady_clock::now() >= deadline) return failed(i + 1, "timed out");
      publisher_.Service(std::chrono::milliseconds(10));
    }
    if ((i + 1) % kBurstServiceEvery == 0) publisher_.Service(std::chrono::milliseconds(0));
    if (!publisher_.connected()) return failed(i + 1, "connection lost");
  }
  last_burst_seconds_.store(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
                            std::memory_order_relaxed);
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (!publisher_.Flush(std::max(left, std::chrono::milliseconds(0))))
    return failed(n_messages, "flush timed out");
  return Status::Ok();
}

}  // namespace mw::sim
