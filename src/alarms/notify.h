// Notifications: where alarm changes and anomalies are announced, as the config declares them.
//
//   [[notifications]]
//   type = "mqtt"                       # JSON to the `alerts` topic (and anomalies to their own)
//   host = "127.0.0.1"
//   port = 1883
//   topic = "millwright/alerts"
//   anomalies_topic = "millwright/anomalies"
//   severities = ["critical", "major"]  # empty: every severity
//   rules = ["vibration_high"]          # empty: every rule
//   silence = "1m"                      # the same alarm and action at most once a minute
//
//   [[notifications]]
//   type = "webhook"                    # HTTP POST of the same JSON, retried with back-off
//   url = "http://127.0.0.1:9000/hooks/alarms"
//
// A Notifier is a NoticeListener of the alarm engine. OnNotice and OnAnomaly filter (severity,
// action, silence window; changes nobody was shown, such as the condition of a suppressed alarm, are
// never sent), format the message and queue it: they never block, so the pipeline
// never waits for a broker or a web server. A thread per notifier delivers the queue in order:
// a message that fails is retried, with a back-off doubling from `retry_min` to `retry_max`, until
// it leaves; nothing is skipped. A full queue drops its oldest message, counted.
//
// Metrics, labelled {notifier="<name>"}: mw_notifications_sent_total, mw_notification_failures_total
// (failed attempts), mw_notifications_dropped_total (queue full), mw_notifications_silenced_total,
// mw_notification_queue (waiting now).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "alarms/engine.h"
#include "core/config.h"
#include "core/metrics.h"
#include "pipeline/plugin.h"

namespace mw::alarms {

// How a notifier's messages leave.
class Transport {
 public:
  virtual ~Transport() = default;
  // Ok once the message has left: handed to the MQTT client, or answered 2xx by the web server.
  virtual Status Send(bool anomaly, const std::string& payload) = 0;
  // Background work for up to `timeout` (the MQTT client's network loop); called between sends.
  virtual void Service(std::chrono::milliseconds timeout) {}
  // Before the thread ends: flushes what was handed over, for up to `timeout`.
  virtual void Close(std::chrono::milliseconds timeout) {}
};

struct NotifierOptions {
  std::string name;
  std::set<Severity> severities;  // empty: all
  std::set<AlarmAction> actions;  // empty: all
  std::set<std::string> rules;    // rule names; empty: all
  bool alarms = true;             // alarm changes
  bool anomalies = false;         // anomaly events
  std::int64_t silence = 0;       // ns; 0: none
  std::size_t queue_limit = 10000;
  std::chrono::milliseconds retry_min{500};
  std::chrono::milliseconds retry_max{30000};
  std::chrono::milliseconds drain{2000};  // Stop() keeps delivering this long
};

class Notifier : public NoticeListener {
 public:
  Notifier(NotifierOptions options, std::unique_ptr<Transport> transport, MetricsRegistry& metrics);
  ~Notifier() override;
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  void OnNotice(const AlarmRecord& record) override;
  // An anomaly event about `signal` of `asset`.
  void OnAnomaly(const Event& event, const std::string& asset, const std::string& signal);

  void Start();
  // Delivers what it can within options.drain, then stops. Idempotent.
  void Stop();

  const std::string& name() const { return options_.name; }
  std::uint64_t sent() const { return sent_->Value(); }
  std::size_t queued() const;

 private:
  struct Message {
    bool anomaly;
    std::string payload;
  };
  // Silence window: true if `key` was sent within options.silence before `time` (and records it).
  bool Silenced(const std::string& key, Timestamp time);
  void Enqueue(bool anomaly, std::string payload);
  void Run();

  NotifierOptions options_;
  std::unique_ptr<Transport> transport_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Message> queue_;
  std::unordered_map<std::string, Timestamp> last_sent_;  // by silence key
  bool stopping_ = false;
  std::thread thread_;
  Counter* sent_;
  Counter* failures_;
  Counter* dropped_;
  Counter* silenced_;
  Gauge* queue_gauge_;
};

// The JSON messages: {"type": "alarm", "id", "asset", "rule", "severity", "priority", "action",
// "state", "value", "limit", "message", "user", "comment", "time" (Unix ms), "time_iso", "seq"}
// and {"type": "anomaly", "asset", "signal", "value", "score", "source", "message", "time",
// "time_iso"}.
std::string AlarmMessage(const AlarmRecord& record);
std::string AnomalyMessage(const Event& event, const std::string& asset, const std::string& signal);

// The option tables of the notification types (`millwright plugins` lists them; docs/alarms.md).
const std::vector<pipeline::OptionSpec>& NotifierOptionTable(std::string_view type);

// The configuration's notifiers; errors (unknown type, bad options: file:line and key path) are
// appended and that notifier left out.
std::vector<std::unique_ptr<Notifier>> NotifiersOf(const Config& config, MetricsRegistry& metrics,
                                                   std::vector<ConfigError>& errors);

}  // namespace mw::alarms
