#include "connectors/mqtt/mqtt_sink.h"

#include <unistd.h>

#include <map>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/time_format.h"

namespace mw::connectors::mqtt {
namespace {

std::string CheckPort(const pipeline::OptionValue& v) {
  const std::int64_t port = std::get<std::int64_t>(v);
  return port >= 1 && port <= 65535 ? "" : "expected a port 1..65535";
}

std::string ReplaceAsset(std::string topic, const std::string& asset) {
  for (std::size_t at = topic.find("{asset}"); at != std::string::npos;
       at = topic.find("{asset}", at + asset.size())) {
    topic.replace(at, 7, asset);
  }
  return topic;
}

}  // namespace

MqttSink::MqttSink(std::string name, MqttSinkOptions options, const Catalog& catalog,
                   MetricsRegistry& metrics)
    : name_(std::move(name)),
      options_(std::move(options)),
      catalog_(catalog),
      published_(
          metrics.GetCounter("mw_sink_messages_total", "messages a sink delivered", {{"sink", name_}})),
      dropped_(metrics.GetCounter("mw_sink_dropped_total", "messages a sink dropped (queue full or refused)",
                                  {{"sink", name_}})) {}

MqttSink::~MqttSink() { Stop(); }

Status MqttSink::Start() {
  publisher_ = std::make_unique<MqttPublisher>(options_.client);
  MW_RETURN_IF_ERROR(publisher_->Init());
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void MqttSink::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::vector<std::pair<std::string, std::string>> MqttSink::Records(const Batch& samples) const {
  // Each distinct series of the batch resolved once: (asset, signal).
  std::map<SeriesId, std::optional<SeriesInfo>> series;
  for (SeriesId id : samples.series) {
    if (!series.count(id)) series[id] = catalog_.Series(id);
  }
  std::map<std::pair<AssetId, Timestamp>, nlohmann::json> records;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto& info = series[samples.series[i]];
    if (info && info->signal == options_.trigger)
      records[{info->asset, samples.times[i]}] = nlohmann::json::object();
  }
  if (records.empty()) return {};
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto& info = series[samples.series[i]];
    if (!info || samples.qualities[i] != Quality::kGood) continue;
    const auto record = records.find({info->asset, samples.times[i]});
    if (record != records.end()) record->second[info->signal] = samples.values[i];
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& [key, values] : records) {
    const auto asset = catalog_.Asset(key.first);
    if (!asset) continue;
    nlohmann::json message = {{"asset", asset->path},
                              {"time", FormatRfc3339(key.second)},
                              {"time_ns", key.second},
                              {"values", values}};
    out.emplace_back(ReplaceAsset(options_.topic, asset->path), message.dump());
  }
  return out;
}

Status MqttSink::Write(const Batch& samples, const std::vector<Event>&) {
  auto records = Records(samples);
  if (records.empty()) return Status::Ok();
  std::size_t refused = 0;
  {
    std::lock_guard lock(mutex_);
    for (auto& record : records) {
      if (queue_.size() >= options_.max_queue) {
        ++refused;
        continue;
      }
      queue_.push_back(std::move(record));
    }
  }
  wake_.notify_one();
  if (refused > 0) dropped_.Add(refused);
  return Status::Ok();
}

void MqttSink::Run() {
  std::deque<std::pair<std::string, std::string>> taken;
  for (;;) {
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      if (queue_.empty() && !stopping_) wake_.wait_for(lock, std::chrono::milliseconds(10));
      taken.swap(queue_);
      stopping = stopping_;
    }
    for (auto& [topic, payload] : taken) {
      const Status s = publisher_->Publish(topic, payload);
      if (s.ok()) {
        published_.Add();
      } else {
        dropped_.Add();
      }
    }
    taken.clear();
    publisher_->Service(std::chrono::milliseconds(publisher_->want_write() ? 0 : 1));
    if (stopping) break;
  }
  if (!publisher_->Flush(options_.flush_timeout)) {
    spdlog::warn("mqtt sink {}: {} messages not acknowledged when stopping", name_, publisher_->unacked());
  }
  publisher_->Disconnect();
}

pipeline::PluginDescriptor MqttSink::Descriptor() {
  using pipeline::OptionType;
  using S = std::string;
  pipeline::PluginDescriptor d;
  d.kind = pipeline::PluginKind::kSink;
  d.name = "mqtt";
  d.doc = "publishes enriched records (a record's signals and what was derived from them) as JSON on a topic";
  d.options = {
      {"host", OptionType::kString, S("127.0.0.1"), "broker host", {}},
      {"port", OptionType::kInt, std::int64_t{1883}, "broker port", CheckPort},
      {"client_id", OptionType::kString, S(), "client id; \"\" = millwright-<name>-<pid>", {}},
      {"topic",
       OptionType::kString,
       S("millwright/{asset}/record"),
       "topic; {asset} is the asset's path",
       {}},
      {"trigger",
       OptionType::kString,
       S("health_state"),
       "signal whose sample makes a record of every sample of its asset and time",
       {}},
      {"qos", OptionType::kInt, std::int64_t{1}, "0 or 1",
       [](const pipeline::OptionValue& v) {
         const auto q = std::get<std::int64_t>(v);
         return q == 0 || q == 1 ? "" : "expected 0 or 1";
       }},
      {"max_queue", OptionType::kInt, std::int64_t{10000}, "messages held while the broker is slow or away",
       [](const pipeline::OptionValue& v) { return std::get<std::int64_t>(v) > 0 ? "" : "expected > 0"; }},
  };
  d.factory = [](const pipeline::Options& o,
                 pipeline::PluginContext& ctx) -> Result<std::unique_ptr<pipeline::Plugin>> {
    MqttSinkOptions s;
    s.client.host = o.GetString("host");
    s.client.port = static_cast<int>(o.GetInt("port"));
    s.client.client_id = o.GetString("client_id");
    if (s.client.client_id.empty())
      s.client.client_id = "millwright-" + ctx.name + "-" + std::to_string(getpid());
    s.client.qos = static_cast<int>(o.GetInt("qos"));
    s.topic = o.GetString("topic");
    s.trigger = o.GetString("trigger");
    s.max_queue = static_cast<std::size_t>(o.GetInt("max_queue"));
    return std::unique_ptr<pipeline::Plugin>(new MqttSink(ctx.name, std::move(s), ctx.catalog, ctx.metrics));
  };
  return d;
}

}  // namespace mw::connectors::mqtt
