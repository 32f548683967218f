// bench_mqtt_ingest: simulated machines publish through a real Mosquitto into a consumer, and the
// consumer's throughput (samples/s) and CPU cost (CPU seconds per million samples) are measured.
// Three consumers see the same stream, one after the other:
//   broker      bench_mqtt_ingest_counter, a bare libmosquitto subscriber: the broker's ceiling
//   python      peer_paho.py: paho-mqtt, json.loads and a rolling z-score per series in Python
//   millwright  `millwright serve` with an MQTT source, the rotating template and a z-score
// and two message shapes: one reading per message (3 samples), and 100 readings per message.
// Each measurement runs --runs times (3) and the median is reported. See README.md.
#include <arpa/inet.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "connectors/mqtt/mosquitto_broker.h"
#include "core/process.h"
#include "sim/fleet.h"

namespace mw::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr int kSignalsPerReading = 3;  // temperature, vibration, rpm
constexpr auto kReadyTimeout = 15s;
constexpr auto kLinePoll = 20ms;
constexpr auto kStatusPoll = 5ms;
constexpr int kMaxFailedPolls = 100;
const char* const kTopicFilter = "plant/+/+/telemetry";

struct Options {
  std::string millwright = "build/release/millwright";
  std::string python = "/usr/bin/python3";
  std::string only = "broker,python,millwright,millwright_memory";
  std::string shape = "both";
  std::uint64_t messages = 0;  // overrides both counts when set
  std::uint64_t single_messages = 200000;
  std::uint64_t batch_messages = 20000;
  int batch_readings = 100;
  int machines = 100;
  int runs = 3;
  int timeout_s = 60;
  bool keep_temp = false;
  bool preload = false;
};

struct Shape {
  std::string name;
  std::uint64_t messages;
  int readings_per_message;
  std::uint64_t samples() const {
    return messages * static_cast<std::uint64_t>(readings_per_message) * kSignalsPerReading;
  }
};

// What one consumer did with one stream.
struct Measurement {
  double samples = 0;
  double seconds = 0;       // first to last message, as the consumer saw them
  double cpu_s = 0;         // consumer CPU (user + system) while it consumed
  double publish_rate = 0;  // messages/s the broker took from the publisher
  double samples_per_s() const { return seconds > 0 ? samples / seconds : 0; }
  double cpu_per_million() const { return samples > 0 ? cpu_s / (samples / 1e6) : 0; }
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::string Tail(const std::string& path, std::size_t lines = 12) {
  std::string text = ReadText(path);
  std::size_t pos = text.size();
  for (std::size_t n = 0; n <= lines && pos != std::string::npos && pos > 0; ++n)
    pos = text.rfind('\n', pos - 1);
  return pos == std::string::npos ? text : text.substr(pos + 1);
}

// The last JSON line of `path` whose "event" is `event`.
std::optional<json> FindEvent(const std::string& path, const std::string& event) {
  std::istringstream in(ReadText(path));
  std::optional<json> found;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line.front() != '{') continue;
    json doc = json::parse(line, nullptr, false);
    if (!doc.is_discarded() && doc.value("event", "") == event) found = doc;
  }
  return found;
}

// utime + stime of a running process, from /proc/<pid>/stat.
std::optional<double> ProcessCpuSeconds(int pid) {
  std::string stat = ReadText("/proc/" + std::to_string(pid) + "/stat");
  std::size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  double utime = 0, stime = 0;
  // After the command name: state is field 3; utime and stime are fields 14 and 15.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// GET http://127.0.0.1:port/path over a plain socket; returns the body.
Result<std::string> HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IoError("socket failed");
  timeval timeout{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return Status::Unavailable("connect to 127.0.0.1:" + std::to_string(port) + " failed");
  }
  // HTTP/1.0 so that the answer is neither chunked nor kept alive: read to the end.
  std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  std::string response;
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    char buf[4096];
    for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;)
      response.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  std::size_t body = response.find("\r\n\r\n");
  if (response.compare(0, 5, "HTTP/") != 0 || body == std::string::npos)
    return Status::IoError("no HTTP response from 127.0.0.1:" + std::to_string(port) + path);
  if (response.find(" 200 ") > body)
    return Status::IoError("HTTP error: " + response.substr(0, response.find('\r')));
  return response.substr(body + 4);
}

// A Mosquitto of our own that never drops what a slow consumer has not read, publishing $SYS
// figures every second (the subscription monitor below needs them).
class Broker {
 public:
  Status Start(const std::string& dir) {
    auto broker = connectors::mqtt::MosquittoBroker::Start(dir, {0, false, {"sys_interval 1"}});
    if (!broker.ok()) return broker.status();
    broker_ = std::make_unique<connectors::mqtt::MosquittoBroker>(std::move(broker).value());
    return Status::Ok();
  }
  int port() const { return broker_->port(); }
  const std::string& exe() const { return broker_->exe(); }
  bool dropped() const { return broker_->Dropped(); }

 private:
  std::unique_ptr<connectors::mqtt::MosquittoBroker> broker_;
};

// Follows $SYS/broker/subscriptions/count, to see when a consumer that prints nothing (millwright)
// has subscribed. Mosquitto publishes it once per second (sys_interval 1) when it changes.
class SubscriptionMonitor {
 public:
  ~SubscriptionMonitor() {
    if (client_ == nullptr) return;
    mosquitto_disconnect(client_);
    mosquitto_loop_stop(client_, false);
    mosquitto_destroy(client_);
  }
  Status Start(int port) {
    client_ = mosquitto_new("mqtt-ingest-monitor", true, this);
    mosquitto_message_callback_set(client_, [](mosquitto*, void* self, const mosquitto_message* m) {
      std::string text(static_cast<const char*>(m->payload), static_cast<std::size_t>(m->payloadlen));
      static_cast<SubscriptionMonitor*>(self)->count_ = std::atoi(text.c_str());
    });
    if (mosquitto_connect(client_, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS ||
        mosquitto_subscribe(client_, nullptr, "$SYS/broker/subscriptions/count", 0) != MOSQ_ERR_SUCCESS ||
        mosquitto_loop_start(client_) != MOSQ_ERR_SUCCESS)
      return Status::Unavailable("monitor cannot subscribe to $SYS");
    return Status::Ok();
  }
  // Waits until the broker reports exactly (want_at_least = false) or at least `n` subscriptions.
  bool WaitFor(int n, bool want_at_least, std::chrono::milliseconds timeout) const {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      int c = count_.load();
      if (want_at_least ? c >= n : c == n) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

 private:
  mosquitto* client_ = nullptr;
  std::atomic<int> count_{-1};
};

// The stream: a fleet flooding the broker from a thread of the bench.
class Publisher {
 public:
  Publisher(int port, int machines, const Shape& shape) : fleet_(Config(port, machines, shape)) {}
  void Start(std::uint64_t messages, std::chrono::seconds timeout) {
    thread_ = std::thread([this, messages, timeout] { status_ = fleet_.PublishBurst(messages, timeout); });
  }
  Status Join() {
    if (thread_.joinable()) thread_.join();
    return status_;
  }
  // Messages per second the broker accepted from the publisher.
  double rate() const {
    double s = fleet_.last_burst_seconds();
    return s > 0 ? static_cast<double>(fleet_.messages_published()) / s : 0;
  }
  ~Publisher() { (void)Join(); }

 private:
  static sim::FleetConfig Config(int port, int machines, const Shape& shape) {
    sim::FleetConfig c;
    c.mqtt.port = port;
    c.mqtt.client_id = "mqtt-ingest-publisher";
    for (int line = 1; line <= 2; ++line) {
      sim::MachineGroup g;
      g.count = std::max(1, machines / 2);
      g.line = "line" + std::to_string(line);
      g.readings_per_message = shape.readings_per_message;
      g.model.interval_ns = 10 * kNanosPerMilli;
      g.model.anomaly_rate = 0.001;
      g.model.seed = static_cast<std::uint64_t>(line);
      c.machines.push_back(g);
    }
    return c;
  }

  sim::Fleet fleet_;
  std::thread thread_;
  Status status_;
};

class Bench {
 public:
  explicit Bench(Options options) : options_(std::move(options)) {}

  int Run();

 private:
  Status Setup();
  Result<Measurement> RunOnce(const std::string& consumer, const Shape& shape, int run);
  Result<Measurement> RunLineConsumer(const std::vector<std::string>& argv, const std::string& log,
                                      const Shape& shape, bool reports_samples);
  Result<Measurement> RunMillwright(const std::string& consumer, const Shape& shape, int run);
  // Starts publishing. With --preload, the consumer is stopped (SIGSTOP) until the whole stream is
  // in the broker, so that it drains a full queue without sharing the CPU with the publisher.
  void StartStream(Publisher& publisher, const Shape& shape, int consumer_pid);
  std::uint64_t MachineCount() const {
    return static_cast<std::uint64_t>(std::max(1, options_.machines / 2) * 2);
  }
  std::string LogPath(const std::string& consumer, const Shape& shape, int run) const {
    return dir_ + "/" + shape.name + "-" + consumer + "-" + std::to_string(run) + ".log";
  }
  void Report(const std::vector<Shape>& shapes);

  Options options_;
  std::string dir_;
  std::string counter_exe_;
  std::string peer_script_;
  Broker broker_;
  SubscriptionMonitor monitor_;
  std::vector<std::string> consumers_;
  // medians[shape][consumer] = {samples/s, cpu s per million}
  std::map<std::string, std::map<std::string, std::pair<double, double>>> medians_;
  std::vector<std::string> failures_;
};

Status Bench::Setup() {
  std::stringstream only(options_.only);
  for (std::string c; std::getline(only, c, ',');) {
    if (c != "broker" && c != "python" && c != "millwright" && c != "millwright_memory")
      return Status::InvalidArgument("--only: unknown consumer '" + c +
                                     "' (broker, python, millwright, millwright_memory)");
    consumers_.push_back(c);
  }
  std::string base = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
  std::string pattern = base + "/mw-bench-mqtt-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) return Status::IoError("mkdtemp " + pattern);
  dir_ = pattern;
  auto self = std::filesystem::read_symlink("/proc/self/exe").parent_path();
  counter_exe_ = (self / "bench_mqtt_ingest_counter").string();
  peer_script_ = std::string(MW_BENCH_SOURCE_DIR) + "/peer_paho.py";
  MW_RETURN_IF_ERROR(broker_.Start(dir_));
  if (std::any_of(consumers_.begin(), consumers_.end(),
                  [](const std::string& c) { return c.starts_with("millwright"); })) {
    MW_RETURN_IF_ERROR(monitor_.Start(broker_.port()));
  }
  return Status::Ok();
}

void Bench::StartStream(Publisher& publisher, const Shape& shape, int consumer_pid) {
  if (!options_.preload) return publisher.Start(shape.messages, std::chrono::seconds(options_.timeout_s));
  ::kill(consumer_pid, SIGSTOP);
  publisher.Start(shape.messages, std::chrono::seconds(options_.timeout_s));
  (void)publisher.Join();  // the caller reads the status
  ::kill(consumer_pid, SIGCONT);
}

Result<Measurement> Bench::RunLineConsumer(const std::vector<std::string>& argv, const std::string& log,
                                           const Shape& shape, bool reports_samples) {
  auto child = ChildProcess::Spawn(argv, log);
  if (!child.ok()) return child.status();
  auto deadline = Clock::now() + kReadyTimeout;
  std::optional<json> ready;
  while (!(ready = FindEvent(log, "ready"))) {
    if (!child->running() || Clock::now() > deadline)
      return Status::Unavailable("consumer did not subscribe:\n" + Tail(log));
    std::this_thread::sleep_for(kLinePoll);
  }
  Publisher publisher(broker_.port(), options_.machines, shape);
  StartStream(publisher, shape, child->pid());
  deadline = Clock::now() + std::chrono::seconds(options_.timeout_s);
  std::optional<json> done;
  while (!(done = FindEvent(log, "done")) && Clock::now() < deadline && child->running()) {
    std::this_thread::sleep_for(kLinePoll);
  }
  const bool timed_out = !done && Clock::now() >= deadline;
  if (!done) {
    child->Stop();  // SIGTERM: the consumer reports how far it got
    done = FindEvent(log, "done");
  }
  Status published = publisher.Join();
  std::optional<int> exit_code = child->Wait(5s);
  if (!published.ok()) return Status::Unavailable("publisher: " + published.message());
  auto seen = done ? done->value("messages", std::uint64_t{0}) : 0;
  if (seen != shape.messages) {
    std::string why = broker_.dropped() ? "the broker dropped messages"
                      : timed_out       ? fmt::format("timed out after {} s", options_.timeout_s)
                                        : fmt::format("it exited with code {}", exit_code.value_or(-1));
    return Status::Unavailable(
        fmt::format("consumer saw {} of {} messages: {}\n{}", seen, shape.messages, why, Tail(log)));
  }
  Measurement m;
  m.samples = reports_samples ? done->value("samples", 0.0) : static_cast<double>(shape.samples());
  m.seconds = done->value("last_s", 0.0) - done->value("first_s", 0.0);
  m.cpu_s = done->value("cpu_s", 0.0) - ready->value("cpu_s", 0.0);
  m.publish_rate = publisher.rate();
  return m;
}

// `store`: "historian" (the product's default, every sample durable in the WAL before it counts) or
// "memory" (the live cache only, as in the skeleton before the historian).
std::string MillwrightConfig(int http_port, int broker_port, const std::string& data_dir,
                             const std::string& store) {
  return fmt::format(R"([server]
listen = "127.0.0.1:{}"
data_dir = "{}"
workers = 2

[storage]
kind = "{}"

[templates.rotating]
signals = [{{name="temperature",unit="degC"}},{{name="vibration",unit="mm/s"}},{{name="rpm",unit="rpm"}}]

[[templates.rotating.detectors]]
type = "zscore"
window = 100
threshold = 4.0
warmup = 20

[[sources]]
type = "mqtt"
name = "bench"
host = "127.0.0.1"
port = {}
topics = ["{}"]
asset = "plant1/{{1}}/{{2}}"
template = "rotating"
qos = 0
)",
                     http_port, data_dir, store, broker_port, kTopicFilter);
}

Result<std::uint64_t> SamplesProcessed(int http_port) {
  auto body = HttpGet(http_port, "/api/v1/status");
  if (!body.ok()) return body.status();
  json doc = json::parse(*body, nullptr, false);
  if (doc.is_discarded() || !doc.contains("samples_processed") || !doc["samples_processed"].is_number())
    return Status::Corruption("/api/v1/status has no numeric \"samples_processed\": " + body->substr(0, 200));
  return doc["samples_processed"].get<std::uint64_t>();
}

Result<Measurement> Bench::RunMillwright(const std::string& consumer, const Shape& shape, int run) {
  if (access(options_.millwright.c_str(), X_OK) != 0)
    return Status::NotFound("no millwright binary at " + options_.millwright + " (see --millwright)");
  auto http_port = FreeLoopbackPort();
  if (!http_port.ok()) return http_port.status();
  std::string tag = consumer + "-" + shape.name + "-" + std::to_string(run);
  std::string config = dir_ + "/" + tag + ".toml";
  const std::string store = consumer == "millwright_memory" ? "memory" : "historian";
  std::ofstream(config) << MillwrightConfig(*http_port, broker_.port(), dir_ + "/data-" + tag, store);
  std::string log = LogPath(consumer, shape, run);
  // Only the monitor is subscribed before millwright starts; it then adds one subscription.
  if (!monitor_.WaitFor(1, false, 5s)) return Status::Unavailable("a previous consumer is still subscribed");
  auto child = ChildProcess::Spawn({options_.millwright, "serve", "-c", config}, log);
  if (!child.ok()) return child.status();
  if (!WaitForPort(*http_port, kReadyTimeout) || !child->running())
    return Status::Unavailable("millwright serve did not start:\n" + Tail(log));
  if (!monitor_.WaitFor(2, true, kReadyTimeout))
    return Status::Unavailable("millwright did not subscribe:\n" + Tail(log));
  auto cpu_start = ProcessCpuSeconds(child->pid());

  Publisher publisher(broker_.port(), options_.machines, shape);
  StartStream(publisher, shape, child->pid());
  const auto deadline = Clock::now() + std::chrono::seconds(options_.timeout_s);
  std::optional<Clock::time_point> first, last;
  std::uint64_t processed = 0;
  int failed_polls = 0;
  while (!last && Clock::now() < deadline && child->running()) {
    auto n = SamplesProcessed(*http_port);
    if (!n.ok()) {
      // A busy server may miss a poll; one that never answers fails the run.
      if (++failed_polls > kMaxFailedPolls) return n.status();
      std::this_thread::sleep_for(kStatusPoll);
      continue;
    }
    failed_polls = 0;
    processed = *n;
    if (processed > 0 && !first) first = Clock::now();
    if (processed >= shape.samples()) last = Clock::now();
    if (!last) std::this_thread::sleep_for(kStatusPoll);
  }
  auto cpu_end = ProcessCpuSeconds(child->pid());
  Status published = publisher.Join();
  bool alive = child->running();
  child->Stop();
  if (!published.ok()) return Status::Unavailable("publisher: " + published.message());
  if (!alive && !last) return Status::Unavailable("millwright exited:\n" + Tail(log));
  if (!last)
    return Status::Unavailable(
        fmt::format("millwright processed {} of {} samples: {}", processed, shape.samples(),
                    broker_.dropped() ? "the broker dropped messages"
                                      : fmt::format("timed out after {} s", options_.timeout_s)));
  if (!cpu_start || !cpu_end) return Status::Internal("cannot read /proc/<pid>/stat of millwright");
  Measurement m;
  m.samples = static_cast<double>(shape.samples());
  m.seconds = std::chrono::duration<double>(*last - *first).count();
  m.cpu_s = *cpu_end - *cpu_start;
  m.publish_rate = publisher.rate();
  return m;
}

Result<Measurement> Bench::RunOnce(const std::string& consumer, const Shape& shape, int run) {
  std::string topic_filter = kTopicFilter;
  std::string expected = std::to_string(shape.messages);
  std::string port = std::to_string(broker_.port());
  if (consumer == "broker")
    return RunLineConsumer({counter_exe_, port, topic_filter, expected}, LogPath(consumer, shape, run), shape,
                           false);
  if (consumer == "python")
    return RunLineConsumer({options_.python, peer_script_, port, topic_filter, expected},
                           LogPath(consumer, shape, run), shape, true);
  return RunMillwright(consumer, shape, run);
}

int Bench::Run() {
  Status setup = Setup();
  if (!setup.ok()) {
    fmt::print(stderr, "mqtt_ingest: {}\n", setup.ToString());
    return 1;
  }
  std::vector<Shape> shapes;
  auto count = [&](std::uint64_t n) { return options_.messages > 0 ? options_.messages : n; };
  if (options_.shape != "batch") shapes.push_back({"single", count(options_.single_messages), 1});
  if (options_.shape != "single")
    shapes.push_back({"batch", count(options_.batch_messages), options_.batch_readings});
  fmt::print("mqtt_ingest: {} on 127.0.0.1:{}, {} machines, QoS 0, {} cores; median of {} runs{}\n",
             broker_.exe(), broker_.port(), MachineCount(), std::thread::hardware_concurrency(),
             options_.runs, options_.preload ? "; preloaded: consumers drain a full broker queue" : "");
  for (const Shape& shape : shapes) {
    fmt::print("\nshape {}: {} messages x {} reading(s) x {} signals = {} samples per run\n", shape.name,
               shape.messages, shape.readings_per_message, kSignalsPerReading, shape.samples());
    std::map<std::string, std::vector<Measurement>> results;
    std::set<std::string> failed;
    // Consumers take turns within each round, so that a slow drift of the machine hits all alike.
    for (int run = 1; run <= options_.runs; ++run) {
      for (const std::string& consumer : consumers_) {
        if (failed.count(consumer)) continue;
        auto m = RunOnce(consumer, shape, run);
        if (!m.ok()) {
          failed.insert(consumer);
          failures_.push_back(
              fmt::format("{} {} run {}: {}", shape.name, consumer, run, m.status().message()));
          fmt::print("  {:<10} run {}: FAILED: {}\n", consumer, run, m.status().message());
          continue;
        }
        results[consumer].push_back(*m);
        fmt::print(
            "  {:<10} run {}: {:>10.0f} samples/s  {:>7.3f} CPU s per million samples"
            "  ({:.3f} s; publisher {:.0f} msg/s)\n",
            consumer, run, m->samples_per_s(), m->cpu_per_million(), m->seconds, m->publish_rate);
      }
    }
    for (const auto& [consumer, runs] : results) {
      if (failed.count(consumer)) continue;
      std::vector<double> rate, cpu;
      for (const auto& m : runs) {
        rate.push_back(m.samples_per_s());
        cpu.push_back(m.cpu_per_million());
      }
      medians_[shape.name][consumer] = {Median(rate), Median(cpu)};
      fmt::print("  {:<10} median: {:>10.0f} samples/s  {:>8.3f} CPU s per million samples\n", consumer,
                 Median(rate), Median(cpu));
    }
  }
  Report(shapes);
  if (!failures_.empty()) {
    fmt::print(stderr, "\nmqtt_ingest: {} consumer(s) failed; logs kept in {}\n", failures_.size(), dir_);
    for (const auto& f : failures_) fmt::print(stderr, "  {}\n", f);
    return 1;
  }
  if (!options_.keep_temp) std::filesystem::remove_all(dir_);
  return 0;
}

void Bench::Report(const std::vector<Shape>& shapes) {
  fmt::print("\n");
  for (const Shape& shape : shapes) {
    const auto& m = medians_[shape.name];
    auto has = [&](const char* c) { return m.count(c) > 0; };
    for (const char* c : {"millwright", "millwright_memory", "broker", "python"}) {
      if (has(c))
        fmt::print("RESULT mqtt_ingest.{}.{}_samples_per_s = {:.0f} samples/s\n", shape.name, c,
                   m.at(c).first);
    }
    // vs_* compare the product's default (historian); memory_vs_* the live cache alone.
    for (const char* c : {"millwright", "millwright_memory"}) {
      const std::string prefix = std::string_view(c) == "millwright" ? "" : "memory_";
      if (has(c) && has("broker") && m.at("broker").first > 0)
        fmt::print("RESULT mqtt_ingest.{}.{}vs_broker = {:.3f}\n", shape.name, prefix,
                   m.at(c).first / m.at("broker").first);
      if (has(c) && has("python") && m.at("python").first > 0)
        fmt::print("RESULT mqtt_ingest.{}.{}vs_python = {:.2f}\n", shape.name, prefix,
                   m.at(c).first / m.at("python").first);
    }
    for (const char* c : {"millwright", "millwright_memory", "broker", "python"}) {
      if (has(c))
        fmt::print("RESULT mqtt_ingest.{}.{}_cpu_s_per_million = {:.3f} s\n", shape.name, c, m.at(c).second);
    }
  }
}

}  // namespace
}  // namespace mw::bench

int main(int argc, char** argv) {
  mw::bench::Options o;
  CLI::App app{"MQTT ingest benchmark: Millwright against the broker's ceiling and a Python consumer"};
  app.add_option("--millwright", o.millwright, "path of the millwright binary")->capture_default_str();
  app.add_option("--python", o.python, "Python with paho-mqtt, for the python peer")->capture_default_str();
  app.add_option("--only", o.only, "consumers to run, comma-separated: broker,python,millwright")
      ->capture_default_str();
  app.add_option("--shape", o.shape, "single, batch or both")
      ->check(CLI::IsMember({"single", "batch", "both"}))
      ->capture_default_str();
  app.add_option("--messages", o.messages, "messages per run for every shape (overrides the two below)");
  app.add_option("--single-messages", o.single_messages, "messages per run, one reading each")
      ->capture_default_str();
  app.add_option("--batch-messages", o.batch_messages, "messages per run, batched")->capture_default_str();
  app.add_option("--batch-readings", o.batch_readings, "readings per batched message")
      ->check(CLI::Range(2, 10000))
      ->capture_default_str();
  app.add_option("--machines", o.machines, "simulated machines (on two lines)")
      ->check(CLI::Range(2, 20000))
      ->capture_default_str();
  app.add_option("--runs", o.runs, "runs per measurement; the median is reported")
      ->check(CLI::Range(1, 99))
      ->capture_default_str();
  app.add_option("--timeout", o.timeout_s, "seconds a consumer has to see one stream")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_flag("--preload", o.preload,
               "pause each consumer until the broker holds the whole stream, then let it drain it");
  app.add_flag("--keep-temp", o.keep_temp, "keep the temporary folder (configs, logs)");
  CLI11_PARSE(app, argc, argv);
  if (o.messages == 1 || o.single_messages < 2 || o.batch_messages < 2) {
    fmt::print(stderr, "mqtt_ingest: at least 2 messages per run are needed to time a stream\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);  // the publisher's connection notices would clutter the report
  mosquitto_lib_init();
  return mw::bench::Bench(o).Run();
}
