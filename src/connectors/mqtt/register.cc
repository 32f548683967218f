#include "connectors/mqtt/register.h"

#include <mosquitto.h>
#include <unistd.h>

#include <memory>

#include "connectors/mqtt/json_mapper.h"
#include "connectors/mqtt/mqtt_sink.h"
#include "connectors/mqtt/mqtt_source.h"
#include "connectors/mqtt/topic_pattern.h"

namespace mw::connectors::mqtt {
namespace {

using pipeline::OptionSpec;
using pipeline::OptionType;
using pipeline::OptionValue;

std::string IntBetween(const OptionValue& v, std::int64_t lo, std::int64_t hi) {
  std::int64_t n = std::get<std::int64_t>(v);
  if (n >= lo && n <= hi) return {};
  return "expected " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + std::to_string(n);
}

std::string CheckTopics(const OptionValue& v) {
  const auto& topics = std::get<std::vector<std::string>>(v);
  if (topics.empty()) return "expected at least one topic filter";
  for (const auto& t : topics)
    if (t.empty() || mosquitto_sub_topic_check(t.c_str()) != MOSQ_ERR_SUCCESS)
      return "\"" + t + "\" is not a valid MQTT topic filter";
  return {};
}

std::string CheckSharedGroup(const OptionValue& v) {
  const auto& g = std::get<std::string>(v);
  if (g.find_first_of("/+#") != std::string::npos)
    return "a shared group name may not contain '/', '+' or '#'";
  return {};
}

std::string CheckKeepalive(const OptionValue& v) {
  std::int64_t ns = std::get<std::int64_t>(v);
  if (ns == 0) return {};
  if (ns % kNanosPerSecond != 0 || ns < 5 * kNanosPerSecond || ns > 65535 * kNanosPerSecond)
    return "expected 0 (off) or whole seconds from 5s to 65535s";
  return {};
}

std::string CheckBackoff(const OptionValue& v) {
  std::int64_t ns = std::get<std::int64_t>(v);
  if (ns < kNanosPerMilli || ns > 3600 * kNanosPerSecond) return "expected a duration from 1ms to 1h";
  return {};
}

std::string CheckPattern(const OptionValue& v) {
  auto p = TopicPattern::Parse(std::get<std::string>(v));
  return p.ok() ? std::string() : p.status().message();
}

std::string CheckTimeUnit(const OptionValue& v) {
  auto u = ParseTimeUnit(std::get<std::string>(v));
  return u.ok() ? std::string() : u.status().message();
}

std::string CheckFields(const OptionValue& v) {
  for (const auto& [field, signal] : std::get<pipeline::StringMap>(v))
    if (field.empty() || signal.empty()) return "field and signal names may not be empty";
  return {};
}

std::vector<OptionSpec> Options() {
  using S = std::string;
  return {
      {"host", OptionType::kString, S("127.0.0.1"), "broker host name or address", {}},
      {"port", OptionType::kInt, std::int64_t{1883}, "broker TCP port (1..65535)",
       [](const OptionValue& v) { return IntBetween(v, 1, 65535); }},
      {"client_id", OptionType::kString, S(), "MQTT client id; \"\" = millwright-<source name>-<pid>", {}},
      {"username", OptionType::kString, S(), "user name; \"\" = connect anonymously", {}},
      {"password", OptionType::kString, S(), "password (with username)", {}},
      {"topics", OptionType::kStringList, std::nullopt,
       "topic filters to subscribe to, e.g. [\"plant/+/+/telemetry\"]", CheckTopics},
      {"asset", OptionType::kString, S(),
       "asset path built from topic levels, {N} = level N (0-based), e.g. \"plant1/{1}/{2}\"; "
       "\"\" = all levels but the last joined by '/'",
       CheckPattern},
      {"template",
       OptionType::kString,
       S(),
       "template of assets first seen on the wire, created on the fly; \"\" = accept only declared "
       "assets (others are rejected as unknown_asset)",
       {}},
      {"qos", OptionType::kInt, std::int64_t{1}, "subscription QoS, 0 or 1",
       [](const OptionValue& v) { return IntBetween(v, 0, 1); }},
      {"shared_group", OptionType::kString, S(),
       "when set, subscribe as $share/<group>/<filter> so that the sources of a group split the messages",
       CheckSharedGroup},
      {"protocol", OptionType::kString, S("mqtt5"), "MQTT version: \"mqtt5\" or \"mqtt311\"",
       [](const OptionValue& v) {
         return pipeline::OptionOneOf(v, {"mqtt5", "mqtt311"});
       }},
      {"keepalive", OptionType::kDuration, std::int64_t{30 * kNanosPerSecond},
       "MQTT keepalive: 0 (off) or whole seconds from 5s", CheckKeepalive},
      {"reconnect_min", OptionType::kDuration, std::int64_t{kNanosPerSecond},
       "first delay before reconnecting; doubles on each failure", CheckBackoff},
      {"reconnect_max", OptionType::kDuration, std::int64_t{30 * kNanosPerSecond},
       "longest delay between reconnection attempts", CheckBackoff},
      {"time_field",
       OptionType::kString,
       S("ts"),
       "payload field holding the reading's time (a number in time_unit or an RFC 3339 string); "
       "absent = arrival time",
       {}},
      {"time_unit", OptionType::kString, S("ms"), "unit of a numeric time: s, ms, us or ns", CheckTimeUnit},
      {"values_field",
       OptionType::kString,
       S(),
       "\"\" = the values are top-level fields of a reading; else the nested object holding them",
       {}},
      {"fields", OptionType::kStringMap, pipeline::StringMap{},
       "payload field -> signal name; {} = fields named like a signal of the asset's template (any "
       "numeric field when the asset has no template or one without signals)",
       CheckFields},
  };
}

Result<std::unique_ptr<pipeline::Plugin>> Create(const pipeline::Options& o, pipeline::PluginContext& ctx) {
  auto bad = [&](const std::string& m) {
    return Status::InvalidArgument("mqtt source " + ctx.name + ": " + m);
  };
  MqttSourceOptions s;
  s.host = o.GetString("host");
  s.port = static_cast<int>(o.GetInt("port"));
  s.client_id = o.GetString("client_id");
  if (s.client_id.empty()) s.client_id = "millwright-" + ctx.name + "-" + std::to_string(getpid());
  s.username = o.GetString("username");
  s.password = o.GetString("password");
  s.topics = o.GetStringList("topics");
  s.qos = static_cast<int>(o.GetInt("qos"));
  s.shared_group = o.GetString("shared_group");
  s.mqtt5 = o.GetString("protocol") == "mqtt5";
  s.keepalive_s = static_cast<int>(o.GetDuration("keepalive") / kNanosPerSecond);
  s.reconnect_min_ns = o.GetDuration("reconnect_min");
  s.reconnect_max_ns = o.GetDuration("reconnect_max");
  if (s.reconnect_min_ns > s.reconnect_max_ns)
    return bad("reconnect_min (" + std::to_string(s.reconnect_min_ns / kNanosPerMilli) +
               "ms) is longer than reconnect_max (" + std::to_string(s.reconnect_max_ns / kNanosPerMilli) +
               "ms)");

  const std::string& discover = o.GetString("template");
  if (!discover.empty() && ctx.config.templates.count(discover) == 0)
    return bad("template \"" + discover + "\" is not declared under [templates]");
  if (!ctx.resolve_asset)
    return Status::FailedPrecondition("mqtt source " + ctx.name + ": no asset resolver");

  MapperOptions m;
  auto pattern = TopicPattern::Parse(o.GetString("asset"));
  if (!pattern.ok()) return bad(pattern.status().message());
  m.asset = std::move(pattern).value();
  m.time_field = o.GetString("time_field");
  auto unit = ParseTimeUnit(o.GetString("time_unit"));
  if (!unit.ok()) return bad(unit.status().message());
  m.time_unit_ns = *unit;
  m.values_field = o.GetString("values_field");
  for (const auto& [field, signal] : o.GetStringMap("fields")) m.fields.emplace(field, signal);

  AssetResolver resolve = [fn = ctx.resolve_asset, discover](std::string_view path) {
    return fn(path, discover);
  };
  TopicRouter router(m.asset, resolve);
  // One mapper per pipeline worker; the catalog and the config outlive the plugins.
  MapperFactory make_mapper = [m, &catalog = ctx.catalog, &templates = ctx.config.templates, resolve] {
    return std::make_unique<JsonMapper>(m, catalog, templates, resolve);
  };
  std::unique_ptr<pipeline::Plugin> source = std::make_unique<MqttSource>(
      ctx.name, std::move(s), std::move(router), std::move(make_mapper), ctx.metrics, ctx.clock);
  return source;
}

}  // namespace

void RegisterMqttPlugins(pipeline::PluginRegistry& registry) {
  registry.Register({pipeline::PluginKind::kSource, "mqtt",
                     "subscribes to MQTT topics (MQTT 5 or 3.1.1) and maps JSON payloads to samples",
                     Options(), Create});
  registry.Register(MqttSink::Descriptor());
}

}  // namespace mw::connectors::mqtt
