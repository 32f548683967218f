#include "alarms/notify.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <utility>

#include "alarms/http_post.h"
#include "alarms/record_json.h"
#include "connectors/mqtt/mqtt_publisher.h"
#include "core/time_format.h"

namespace mw::alarms {
namespace {

using pipeline::OptionSpec;
using pipeline::OptionType;
using pipeline::OptionValue;

constexpr std::chrono::milliseconds kIdleWait{20};

std::chrono::milliseconds Millis(std::int64_t ns) { return std::chrono::milliseconds(ns / kNanosPerMilli); }

class MqttTransport final : public Transport {
 public:
  MqttTransport(connectors::mqtt::MqttPublisherOptions options, std::string topic,
                std::string anomalies_topic)
      : publisher_(std::move(options)),
        topic_(std::move(topic)),
        anomalies_topic_(std::move(anomalies_topic)) {}

  Status Init() { return publisher_.Init(); }

  Status Send(bool anomaly, const std::string& payload) override {
    if (!publisher_.connected()) return Status::Unavailable("not connected to the MQTT broker");
    return publisher_.Publish(anomaly ? anomalies_topic_ : topic_, payload);
  }
  void Service(std::chrono::milliseconds timeout) override { publisher_.Service(timeout); }
  void Close(std::chrono::milliseconds timeout) override {
    publisher_.Flush(timeout);
    publisher_.Disconnect();
  }

 private:
  connectors::mqtt::MqttPublisher publisher_;
  std::string topic_, anomalies_topic_;
};

class WebhookTransport final : public Transport {
 public:
  WebhookTransport(HttpUrl url, std::chrono::milliseconds timeout,
                   std::vector<std::pair<std::string, std::string>> headers)
      : url_(std::move(url)), timeout_(timeout), headers_(std::move(headers)) {}

  Status Send(bool /*anomaly*/, const std::string& payload) override {
    Result<int> code = HttpPost(url_, payload, timeout_, headers_);
    if (!code.ok()) return code.status();
    if (*code < 200 || *code > 299)
      return Status::Unavailable("webhook " + url_.host + ":" + std::to_string(url_.port) + url_.path +
                                 " answered " + std::to_string(*code));
    return Status::Ok();
  }

 private:
  HttpUrl url_;
  std::chrono::milliseconds timeout_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

std::string CheckSeverities(const OptionValue& v) {
  for (const std::string& s : std::get<std::vector<std::string>>(v))
    if (!ParseSeverity(s).ok()) return "\"" + s + "\": expected critical, major, minor or warning";
  return "";
}

std::string CheckActions(const OptionValue& v) {
  for (const std::string& s : std::get<std::vector<std::string>>(v))
    if (!ParseAlarmAction(s))
      return "\"" + s + "\": not an alarm action (activate, clear, acknowledge, escalate, ...)";
  return "";
}

std::string CheckPositive(const OptionValue& v) {
  return std::get<std::int64_t>(v) > 0 ? "" : "expected more than 0";
}

std::vector<OptionSpec> CommonOptions(bool anomalies_by_default) {
  return {
      {"severities", OptionType::kStringList, std::vector<std::string>{},
       "the severities whose alarms are sent; empty: all", CheckSeverities},
      {"rules",
       OptionType::kStringList,
       std::vector<std::string>{},
       "the rules whose alarms are sent; empty: all",
       {}},
      {"actions", OptionType::kStringList, std::vector<std::string>{},
       "the alarm changes sent (activate, clear, acknowledge, escalate, renotify, shelve, ...); empty: all",
       CheckActions},
      {"alarms", OptionType::kBool, true, "send alarm changes", {}},
      {"anomalies", OptionType::kBool, anomalies_by_default, "send anomaly events", {}},
      {"silence", OptionType::kDuration, std::int64_t{0},
       "send the same alarm and action (or an anomaly of the same signal) at most once per this window; 0: "
       "always",
       pipeline::OptionNonNegativeDuration},
      {"queue_limit", OptionType::kInt, std::int64_t{10000},
       "messages waiting at most; beyond it the oldest is dropped (counted)", CheckPositive},
      {"retry_min", OptionType::kDuration, std::int64_t{500'000'000}, "first wait after a failed delivery",
       CheckPositive},
      {"retry_max", OptionType::kDuration, std::int64_t{30'000'000'000}, "longest wait between retries",
       CheckPositive},
  };
}

NotifierOptions CommonFrom(const pipeline::Options& o, const std::string& name) {
  NotifierOptions n;
  n.name = name;
  for (const std::string& s : o.GetStringList("severities")) n.severities.insert(*ParseSeverity(s));
  for (const std::string& s : o.GetStringList("actions")) n.actions.insert(*ParseAlarmAction(s));
  for (const std::string& s : o.GetStringList("rules")) n.rules.insert(s);
  n.alarms = o.GetBool("alarms");
  n.anomalies = o.GetBool("anomalies");
  n.silence = o.GetDuration("silence");
  n.queue_limit = static_cast<std::size_t>(o.GetInt("queue_limit"));
  n.retry_min = std::max(Millis(o.GetDuration("retry_min")), std::chrono::milliseconds(1));
  n.retry_max = std::max(Millis(o.GetDuration("retry_max")), n.retry_min);
  return n;
}

Result<std::unique_ptr<Transport>> MakeTransport(const PluginSpec& spec, const pipeline::Options& o) {
  if (spec.type == "mqtt") {
    connectors::mqtt::MqttPublisherOptions p;
    p.host = o.GetString("host");
    p.port = static_cast<int>(o.GetInt("port"));
    p.client_id = o.GetString("client_id").empty() ? "millwright-" + spec.name : o.GetString("client_id");
    p.qos = static_cast<int>(o.GetInt("qos"));
    auto t = std::make_unique<MqttTransport>(p, o.GetString("topic"), o.GetString("anomalies_topic"));
    if (Status s = t->Init(); !s.ok()) return s;
    return std::unique_ptr<Transport>(std::move(t));
  }
  Result<HttpUrl> url = ParseHttpUrl(o.GetString("url"));
  if (!url.ok()) return url.status();
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [k, v] : o.GetStringMap("headers")) headers.emplace_back(k, v);
  return std::unique_ptr<Transport>(
      std::make_unique<WebhookTransport>(*url, Millis(o.GetDuration("timeout")), std::move(headers)));
}

// A change nobody was shown: the condition of a shelved, suppressed or out-of-service alarm, or
// suppression starting or ending while the alarm had nothing to show.
bool HiddenChange(const AlarmRecord& r) {
  const AlarmAction a = r.entry.action;
  return r.entry.from == r.entry.to && (a == AlarmAction::kActivate || a == AlarmAction::kClear ||
                                        a == AlarmAction::kSuppress || a == AlarmAction::kUnsuppress);
}

}  // namespace

std::string AlarmMessage(const AlarmRecord& r) {
  nlohmann::json j = RecordFields(r);
  j["type"] = "alarm";
  j["state"] = AlarmStateName(r.after.state);
  return j.dump();
}

std::string AnomalyMessage(const Event& e, const std::string& asset, const std::string& signal) {
  return nlohmann::json{{"type", "anomaly"},
                        {"asset", asset},
                        {"signal", signal},
                        {"value", NumberOrNull(e.value)},
                        {"score", NumberOrNull(e.score)},
                        {"source", e.source},
                        {"message", e.message},
                        {"time", e.time / kNanosPerMilli},
                        {"time_iso", FormatRfc3339(e.time)}}
      .dump();
}

const std::vector<OptionSpec>& NotifierOptionTable(std::string_view type) {
  static const std::vector<OptionSpec> mqtt = [] {
    std::vector<OptionSpec> t = CommonOptions(true);
    t.push_back({"host", OptionType::kString, std::string("127.0.0.1"), "the broker's host", {}});
    t.push_back({"port", OptionType::kInt, std::int64_t{1883}, "the broker's port", {}});
    t.push_back(
        {"client_id", OptionType::kString, std::string(), "MQTT client id; empty: millwright-<name>", {}});
    t.push_back({"qos", OptionType::kInt, std::int64_t{1}, "0 or 1", [](const OptionValue& v) {
                   const auto q = std::get<std::int64_t>(v);
                   return q == 0 || q == 1 ? "" : "expected 0 or 1";
                 }});
    t.push_back(
        {"topic", OptionType::kString, std::string("millwright/alerts"), "the alarm changes' topic", {}});
    t.push_back({"anomalies_topic",
                 OptionType::kString,
                 std::string("millwright/anomalies"),
                 "the anomaly events' topic",
                 {}});
    return t;
  }();
  static const std::vector<OptionSpec> webhook = [] {
    std::vector<OptionSpec> t = CommonOptions(false);
    t.push_back({"url", OptionType::kString, std::nullopt, "http://host[:port]/path the JSON is POSTed to",
                 [](const OptionValue& v) {
                   Result<HttpUrl> u = ParseHttpUrl(std::get<std::string>(v));
                   return u.ok() ? std::string() : u.status().message();
                 }});
    t.push_back({"timeout", OptionType::kDuration, std::int64_t{5'000'000'000},
                 "for connecting, sending, and the answer", CheckPositive});
    t.push_back({"headers",
                 OptionType::kStringMap,
                 pipeline::StringMap{},
                 "extra request headers (e.g. Authorization)",
                 {}});
    return t;
  }();
  static const std::vector<OptionSpec> none;
  if (type == "mqtt") return mqtt;
  if (type == "webhook") return webhook;
  return none;
}

std::vector<std::unique_ptr<Notifier>> NotifiersOf(const Config& config, MetricsRegistry& metrics,
                                                   std::vector<ConfigError>& errors) {
  std::vector<std::unique_ptr<Notifier>> out;
  for (const PluginSpec& spec : config.notifications) {
    if (spec.type != "mqtt" && spec.type != "webhook") {
      const ConfigValue* type = spec.options.Find("type");
      errors.push_back({type != nullptr ? type->where : spec.where, spec.key_path + ".type",
                        "unknown notification type \"" + spec.type + "\"; expected mqtt or webhook"});
      continue;
    }
    std::optional<pipeline::Options> o = pipeline::ValidateOptions(
        NotifierOptionTable(spec.type), spec, "notification \"" + spec.name + "\"", errors);
    if (!o) continue;
    Result<std::unique_ptr<Transport>> transport = MakeTransport(spec, *o);
    if (!transport.ok()) {
      errors.push_back({spec.where, spec.key_path, transport.status().message()});
      continue;
    }
    out.push_back(std::make_unique<Notifier>(CommonFrom(*o, spec.name), std::move(*transport), metrics));
  }
  return out;
}

Notifier::Notifier(NotifierOptions options, std::unique_ptr<Transport> transport, MetricsRegistry& metrics)
    : options_(std::move(options)), transport_(std::move(transport)) {
  const Labels labels = {{"notifier", options_.name}};
  sent_ = &metrics.GetCounter("mw_notifications_sent_total", "Notifications delivered", labels);
  failures_ =
      &metrics.GetCounter("mw_notification_failures_total", "Failed notification attempts (retried)", labels);
  dropped_ = &metrics.GetCounter("mw_notifications_dropped_total",
                                 "Notifications dropped: queue full, or not delivered at stop", labels);
  silenced_ = &metrics.GetCounter("mw_notifications_silenced_total",
                                  "Notifications held back by the silence window", labels);
  queue_gauge_ = &metrics.GetGauge("mw_notification_queue", "Notifications waiting for delivery", labels);
}

Notifier::~Notifier() { Stop(); }

bool Notifier::Silenced(const std::string& key, Timestamp time) {
  if (options_.silence <= 0) return false;
  const auto it = last_sent_.find(key);
  if (it != last_sent_.end() && time - it->second < options_.silence) {
    silenced_->Add();
    return true;
  }
  last_sent_[key] = time;
  return false;
}

void Notifier::OnNotice(const AlarmRecord& r) {
  if (!options_.alarms || HiddenChange(r)) return;
  if (!options_.severities.empty() && options_.severities.count(r.severity) == 0) return;
  if (!options_.actions.empty() && options_.actions.count(r.entry.action) == 0) return;
  if (!options_.rules.empty() && options_.rules.count(r.rule) == 0) return;
  {
    std::lock_guard lock(mu_);
    if (Silenced(r.id + "/" + AlarmActionName(r.entry.action), r.entry.time)) return;
  }
  Enqueue(false, AlarmMessage(r));
}

void Notifier::OnAnomaly(const Event& event, const std::string& asset, const std::string& signal) {
  if (!options_.anomalies) return;
  {
    std::lock_guard lock(mu_);
    if (Silenced(asset + "/" + signal, event.time)) return;
  }
  Enqueue(true, AnomalyMessage(event, asset, signal));
}

void Notifier::Enqueue(bool anomaly, std::string payload) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= options_.queue_limit) {
      queue_.pop_front();
      dropped_->Add();
    }
    queue_.push_back({anomaly, std::move(payload)});
    queue_gauge_->Set(static_cast<double>(queue_.size()));
  }
  wake_.notify_one();
}

std::size_t Notifier::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void Notifier::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void Notifier::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Notifier::Run() {
  using Clock = std::chrono::steady_clock;
  std::chrono::milliseconds backoff = options_.retry_min;
  Clock::time_point retry_at{}, drain_until = Clock::time_point::max();
  bool failing = false;
  std::unique_lock lock(mu_);
  for (;;) {
    if (stopping_ && drain_until == Clock::time_point::max()) drain_until = Clock::now() + options_.drain;
    if (stopping_ && (queue_.empty() || Clock::now() >= drain_until)) break;
    if (!queue_.empty() && Clock::now() >= retry_at) {
      Message m = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      const Status s = transport_->Send(m.anomaly, m.payload);
      lock.lock();
      if (s.ok()) {
        sent_->Add();
        backoff = options_.retry_min;
        if (failing) spdlog::info("notifier {}: delivering again", options_.name);
        failing = false;
        queue_gauge_->Set(static_cast<double>(queue_.size()));
        continue;
      }
      queue_.push_front(std::move(m));  // in order: nothing is skipped
      failures_->Add();
      if (!failing) spdlog::warn("notifier {}: {}; retrying with back-off", options_.name, s.message());
      failing = true;
      retry_at = Clock::now() + backoff;
      backoff = std::min(backoff * 2, options_.retry_max);
    }
    lock.unlock();
    transport_->Service(std::chrono::milliseconds(0));
    lock.lock();
    if (stopping_) {
      wake_.wait_for(lock, std::chrono::milliseconds(5));  // draining: keep the network loop turning
    } else if (queue_.empty()) {
      wake_.wait_for(lock, kIdleWait);
    } else {
      wake_.wait_until(lock, std::min(retry_at, Clock::now() + kIdleWait));
    }
  }
  if (!queue_.empty()) {
    spdlog::error("notifier {}: {} notification(s) not delivered before stopping", options_.name,
                  queue_.size());
    dropped_->Add(queue_.size());
    queue_.clear();
  }
  queue_gauge_->Set(0);
  lock.unlock();
  transport_->Close(options_.drain);
}

}  // namespace mw::alarms
