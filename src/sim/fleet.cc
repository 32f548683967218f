#include "sim/fleet.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <functional>
#include <thread>

#include <fmt/ranges.h>

#include <spdlog/spdlog.h>

#include "core/clock.h"
#include "core/log.h"
#include "sim/modbus_outlet.h"
#include "sim/opcua_outlet.h"
#include "sim/sparkplug_outlet.h"

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

connectors::mqtt::MqttPublisherOptions PublisherOptions(const MqttSettings& mqtt) {
  connectors::mqtt::MqttPublisherOptions o;
  o.host = mqtt.host;
  o.port = mqtt.port;
  o.client_id = mqtt.client_id;
  o.qos = mqtt.qos;
  return o;
}

using Due = std::pair<std::int64_t, std::size_t>;
constexpr auto kLater = std::greater<Due>();

}  // namespace

Fleet::Fleet(FleetConfig config)
    : config_(std::move(config)),
      publisher_(PublisherOptions(config_.mqtt)),
      uses_mqtt_(config_.Uses(Protocol::kMqtt)) {
  std::array<Outlet*, 4> by_protocol{};  // indexed by Protocol; mqtt stays nullptr
  if (config_.Uses(Protocol::kOpcua)) {
    auto opcua = std::make_unique<OpcuaOutlet>(config_.opcua.host, config_.opcua.port);
    opcua_ = opcua.get();
    outlets_.push_back(std::move(opcua));
    by_protocol[static_cast<std::size_t>(Protocol::kOpcua)] = opcua_;
  }
  if (config_.Uses(Protocol::kSparkplug)) {
    outlets_.push_back(
        std::make_unique<SparkplugOutlet>(config_.mqtt.host, config_.mqtt.port, config_.sparkplug.group_id));
    by_protocol[static_cast<std::size_t>(Protocol::kSparkplug)] = outlets_.back().get();
  }
  if (config_.Uses(Protocol::kModbus)) {
    auto modbus = std::make_unique<ModbusOutlet>(config_.modbus.host, config_.modbus.port);
    modbus_ = modbus.get();
    outlets_.push_back(std::move(modbus));
    by_protocol[static_cast<std::size_t>(Protocol::kModbus)] = modbus_;
  }
  for (const auto& group : config_.machines) {
    for (int i = 0; i < group.count; ++i) {
      Machine m;
      m.twin = MakeTwin(group, i);
      m.values.resize(m.twin->signals().size());
      m.interval_ns = group.model.interval_ns;
      // Spread the group over one interval, on whole milliseconds so that timestamps stay round.
      m.phase_ns = group.model.interval_ns * i / group.count / kNanosPerMilli * kNanosPerMilli;
      m.per_message = static_cast<std::size_t>(group.readings_per_message);
      m.path = MachinePath(group, i);
      if (group.protocol == Protocol::kMqtt) {
        m.topic = MachineTopic(group, i);
      } else {
        m.outlet = by_protocol[static_cast<std::size_t>(group.protocol)];
        if (m.outlet == nullptr) {
          setup_error_ = "protocol " + std::string(ProtocolName(group.protocol)) + " is not available here";
        } else if (Result<std::size_t> slot = m.outlet->Add(m.path, *m.twin); slot.ok()) {
          m.slot = *slot;
        } else {
          setup_error_ = slot.status().message();
        }
      }
      machines_.push_back(std::move(m));
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
  for (const auto& m : machines_)
    if (m.outlet == nullptr) out.push_back(m.topic);
  return out;
}

std::vector<std::string> Fleet::Endpoints() const {
  std::vector<std::string> out;
  if (uses_mqtt_) out.push_back("mqtt mqtt://" + config_.mqtt.host + ":" + std::to_string(config_.mqtt.port));
  for (const auto& outlet : outlets_)
    for (std::string& e : outlet->Endpoints()) out.push_back(std::move(e));
  return out;
}

Status Fleet::Prepare() {
  if (machines_.empty()) return Status::InvalidArgument("fleet has no machines");
  // LoadFleetConfig checks these; a fleet built in code could still hold a zero interval, which
  // would make the schedule spin.
  if (!setup_error_.empty()) return Status::InvalidArgument(setup_error_);
  if (!(config_.time_acceleration > 0) || config_.time_acceleration > kMaxTimeAcceleration)
    return Status::InvalidArgument("time_acceleration must be above 0 and at most 1e6");
  for (const auto& g : config_.machines) {
    const bool ranges =
        g.type != TwinType::kRotating ||
        (g.model.rpm.span() > 0 && g.model.temperature.span() > 0 && g.model.vibration.span() > 0);
    if (g.model.interval_ns < kNanosPerMilli || g.readings_per_message < 1 || !ranges)
      return Status::InvalidArgument("machines " + g.line + "/" + g.name +
                                     ": need interval >= 1ms, readings_per_message >= 1 and min < max");
  }
  if (client_ready_ || !uses_mqtt_) return Status::Ok();
  MW_RETURN_IF_ERROR(publisher_.Init());
  client_ready_ = true;
  return Status::Ok();
}

Status Fleet::Start() {
  if (thread_.joinable()) return Status::FailedPrecondition("fleet already started");
  MW_RETURN_IF_ERROR(Prepare());
  MW_RETURN_IF_ERROR(StartOutlets());
  // The first readings should not be lost to the handshake when the broker is there; when it is
  // not, the thread keeps trying in the background.
  if (uses_mqtt_ && !WaitConnected(std::chrono::steady_clock::now() + kFirstConnectWait).ok()) {
    spdlog::warn("sim: broker {}:{} not reachable yet; publishing starts when it is", config_.mqtt.host,
                 config_.mqtt.port);
  }
  stop_.store(false);
  start_steady_ = std::chrono::steady_clock::now();
  start_wall_ = SystemClock::Instance().Now() / kNanosPerMilli * kNanosPerMilli;
  network_down_ = false;
  StartChaos();
  if (chaos_ != nullptr) {
    if (Status s = chaos_->CheckSchedule(); !s.ok()) {
      StopOutlets();
      return s;
    }
  }
  schedule_.clear();
  for (std::size_t i = 0; i < machines_.size(); ++i) {
    machines_[i].next_index = 0;
    machines_[i].pending.clear();
    machines_[i].pending_count = 0;
    schedule_.emplace_back(machines_[i].phase_ns, i);
  }
  std::make_heap(schedule_.begin(), schedule_.end(), kLater);
  spdlog::info("sim: {} machines; serving {}", machines_.size(), fmt::join(Endpoints(), ", "));
  LogModbusMap();
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void Fleet::Stop() {
  if (thread_.joinable()) {
    stop_.store(true);
    thread_.join();
    WriteGroundTruth();
  }
  StopOutlets();
}

void Fleet::UpdateNetwork(Timestamp now) {
  if (chaos_ == nullptr) return;
  const bool down = chaos_->NetworkDown(now);
  if (down == network_down_) return;
  network_down_ = down;
  spdlog::warn("sim: chaos: network {}",
               down ? "outage begins: servers refuse, publishers are silent" : "is back");
  for (auto& outlet : outlets_) outlet->SetReachable(!down);
}

void Fleet::StartChaos() {
  const ChaosSpec& spec = config_.chaos;
  const bool any_rate =
      std::any_of(spec.rate_per_hour.begin(), spec.rate_per_hour.end(), [](double r) { return r > 0; });
  if (!any_rate && spec.schedule.empty()) return;
  ChaosSpec live = spec;
  live.origin = start_wall_;
  chaos_ = std::make_unique<ChaosEngine>(live);
  for (std::size_t i = 0; i < machines_.size(); ++i)
    chaos_->AddAsset(machines_[i].path, machines_[i].twin->signals());
}

void Fleet::LogModbusMap() const {
  constexpr int kShown = 10;
  int shown = 0;
  for (const Machine& m : machines_) {
    if (m.outlet == nullptr || m.outlet != modbus_) continue;
    if (shown++ == kShown) {
      spdlog::info("sim: modbus: more machines follow, each in the next block of registers");
      break;
    }
    std::string points;
    for (const auto& [signal, point] : modbus_->Points(m.path, ModbusEncoding::kFloatAbcd))
      points += (points.empty() ? "" : ", ") + signal + " = " + point;
    spdlog::info("sim: modbus {}: {}", m.path, points);
  }
}

void Fleet::WriteGroundTruth() {
  if (chaos_ == nullptr || config_.chaos_ground_truth.empty()) return;
  std::ofstream out(config_.chaos_ground_truth, std::ios::binary | std::ios::trunc);
  out << chaos_->AppliedEventsCsv();
  if (!out) spdlog::error("sim: cannot write the chaos ground truth to {}", config_.chaos_ground_truth);
}

Status Fleet::StartOutlets() {
  for (auto& outlet : outlets_) {
    Status s = outlet->Start();
    if (!s.ok()) {
      StopOutlets();
      return s;
    }
  }
  return Status::Ok();
}

void Fleet::StopOutlets() {
  for (auto& outlet : outlets_) outlet->Stop();
}

void Fleet::Run() {
  const double acceleration = config_.time_acceleration;
  while (!stop_.load(std::memory_order_relaxed)) {
    // Simulated time since the start: wall time since the start, times the acceleration.
    const auto elapsed = static_cast<double>((std::chrono::steady_clock::now() - start_steady_).count());
    const auto now = static_cast<std::int64_t>(elapsed * acceleration);
    UpdateNetwork(start_wall_ + now);
    ProduceDue(now);
    for (auto& outlet : outlets_) outlet->Service();
    const auto until_due = static_cast<double>(schedule_.front().first - now) / acceleration;
    auto wait = std::clamp(std::chrono::ceil<std::chrono::milliseconds>(
                               std::chrono::nanoseconds(static_cast<std::int64_t>(until_due))),
                           std::chrono::milliseconds(0), kMaxWait);
    if (uses_mqtt_)
      publisher_.Service(wait);
    else
      std::this_thread::sleep_for(wait);
  }
  if (!uses_mqtt_) return;
  if (!publisher_.Flush(kStopFlush)) {
    spdlog::warn("sim: stopping with {} messages not acknowledged by the broker", publisher_.unacked());
  }
  publisher_.Disconnect();
}

void Fleet::ProduceDue(std::int64_t now_ns) {
  static LogLimiter lag_log;
  // A few seconds of wall time behind, in simulated time.
  const auto max_lag_ns =
      static_cast<std::int64_t>(static_cast<double>(kMaxLagNs) * config_.time_acceleration);
  while (schedule_.front().first <= now_ns) {
    std::pop_heap(schedule_.begin(), schedule_.end(), kLater);
    auto [due, index] = schedule_.back();
    Machine& m = machines_[index];
    if (now_ns - due > max_lag_ns) {
      // Overloaded or suspended: jump to the present rather than flood the broker with the past.
      std::int64_t present = (now_ns - m.phase_ns) / m.interval_ns;
      readings_skipped_.fetch_add(static_cast<std::uint64_t>(present - m.next_index),
                                  std::memory_order_relaxed);
      if (lag_log.ShouldLog("lag")) spdlog::warn("sim: {} fell behind its schedule; skipping ahead", m.topic);
      m.next_index = present;
      due = m.phase_ns + present * m.interval_ns;
    }
    Timestamp time = start_wall_ + due;
    m.twin->Step(time, m.values);
    const bool publish = chaos_ == nullptr || chaos_->Apply(index, time, m.values);
    if (publish && m.outlet != nullptr) {
      m.outlet->Publish(m.slot, time, m.values);
      messages_published_.fetch_add(1, std::memory_order_relaxed);
      readings_published_.fetch_add(1, std::memory_order_relaxed);
    } else if (!publish || network_down_) {
      // Dropped by the chaos engine, or the publisher is cut off by an outage: never sent.
      readings_dropped_.fetch_add(1, std::memory_order_relaxed);
    } else {
      if (m.pending_count > 0) m.pending += ',';
      AppendRecordJson(time, m.twin->signals(), m.values, m.pending);
      if (++m.pending_count >= m.per_message) Send(m);
    }
    ++m.next_index;
    schedule_.back() = {m.phase_ns + m.next_index * m.interval_ns, index};
    std::push_heap(schedule_.begin(), schedule_.end(), kLater);
  }
}

void Fleet::StepJson(Machine& m, Timestamp time, std::string& out) {
  m.twin->Step(time, m.values);
  AppendRecordJson(time, m.twin->signals(), m.values, out);
}

void Fleet::Send(Machine& machine) {
  Status s = machine.pending_count == 1 ? publisher_.Publish(machine.topic, machine.pending)
                                        : publisher_.Publish(machine.topic, "[" + machine.pending + "]");
  if (s.ok()) {
    messages_published_.fetch_add(1, std::memory_order_relaxed);
    readings_published_.fetch_add(machine.pending_count, std::memory_order_relaxed);
  } else {
    messages_dropped_.fetch_add(1, std::memory_order_relaxed);
  }
  machine.pending.clear();
  machine.pending_count = 0;
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
  for (std::uint64_t i = 0; i < n_messages; ++i) {
    Machine& m = machines_[i % count];
    std::string payload;
    if (m.per_message > 1) payload += '[';
    for (std::size_t r = 0; r < m.per_message; ++r) {
      if (r > 0) payload += ',';
      StepJson(m, next_time[i % count], payload);
      next_time[i % count] += m.interval_ns;
    }
    if (m.per_message > 1) payload += ']';
    payloads.push_back(std::move(payload));
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
  if (!outlets_.empty() || !uses_mqtt_)
    return Status::FailedPrecondition("PublishBurst needs a fleet of mqtt groups only");
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
