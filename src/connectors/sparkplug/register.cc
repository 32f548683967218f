#include "connectors/sparkplug/register.h"

#include <unistd.h>

#include <memory>

#include "connectors/sparkplug/sparkplug_source.h"
#include "connectors/sparkplug/topic.h"

namespace mw::connectors::sparkplug {
namespace {

using pipeline::OptionSpec;
using pipeline::OptionType;
using pipeline::OptionValue;

std::string IntBetween(const OptionValue& v, std::int64_t lo, std::int64_t hi) {
  std::int64_t n = std::get<std::int64_t>(v);
  if (n >= lo && n <= hi) return {};
  return "expected " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + std::to_string(n);
}

std::string CheckGroups(const OptionValue& v) {
  for (const auto& g : std::get<std::vector<std::string>>(v)) {
    if (std::string why = CheckId(g); !why.empty()) return "group id \"" + g + "\" " + why;
    if (g == "STATE") return "\"STATE\" is not a group id (it is the host applications' topic)";
  }
  return {};
}

std::string CheckHostId(const OptionValue& v) {
  const auto& id = std::get<std::string>(v);
  if (id.empty()) return {};
  std::string why = CheckId(id);
  return why.empty() ? why : "host id " + why;
}

std::string CheckKeepalive(const OptionValue& v) {
  std::int64_t ns = std::get<std::int64_t>(v);
  if (ns == 0) return {};
  if (ns % kNanosPerSecond != 0 || ns < 5 * kNanosPerSecond || ns > 65535 * kNanosPerSecond)
    return "expected 0 (off) or whole seconds from 5s to 65535s";
  return {};
}

std::string CheckDuration(const OptionValue& v) {
  std::int64_t ns = std::get<std::int64_t>(v);
  if (ns < kNanosPerMilli || ns > 3600 * kNanosPerSecond) return "expected a duration from 1ms to 1h";
  return {};
}

std::string CheckDevicePattern(const OptionValue& v) {
  Status s = CheckAssetPattern(std::get<std::string>(v), true);
  return s.ok() ? std::string() : s.message();
}

std::string CheckNodePattern(const OptionValue& v) {
  Status s = CheckAssetPattern(std::get<std::string>(v), false);
  return s.ok() ? std::string() : s.message();
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
      {"protocol", OptionType::kString, S("mqtt5"), "MQTT version: \"mqtt5\" or \"mqtt311\"",
       [](const OptionValue& v) {
         return pipeline::OptionOneOf(v, {"mqtt5", "mqtt311"});
       }},
      {"keepalive", OptionType::kDuration, std::int64_t{30 * kNanosPerSecond},
       "MQTT keepalive: 0 (off) or whole seconds from 5s", CheckKeepalive},
      {"reconnect_min", OptionType::kDuration, std::int64_t{kNanosPerSecond},
       "first delay before reconnecting; doubles on each failure", CheckDuration},
      {"reconnect_max", OptionType::kDuration, std::int64_t{30 * kNanosPerSecond},
       "longest delay between reconnection attempts", CheckDuration},
      {"groups", OptionType::kStringList, std::vector<std::string>{},
       "Sparkplug group ids to subscribe to (spBv1.0/<group>/#); [] = every group", CheckGroups},
      {"host_id", OptionType::kString, S(),
       "Sparkplug host application id of the STATE topic spBv1.0/STATE/<host_id>; \"\" = millwright-<source "
       "name>",
       CheckHostId},
      {"state",
       OptionType::kBool,
       true,
       "publish the host application's STATE (online, retained) with an offline will; false = a silent "
       "listener",
       {}},
      {"asset", OptionType::kString, S("{group}/{edge}/{device}"),
       "asset path of a device's metrics, from {group}, {edge} and {device}", CheckDevicePattern},
      {"node_asset", OptionType::kString, S("{group}/{edge}"),
       "asset path of an edge node's own metrics, from {group} and {edge}", CheckNodePattern},
      {"template",
       OptionType::kString,
       S(),
       "template of assets first seen in a birth, created on the fly; \"\" = accept only declared assets "
       "(the metrics of others are counted, not stored)",
       {}},
      {"rebirth_interval", OptionType::kDuration, std::int64_t{5 * kNanosPerSecond},
       "at most one rebirth request per edge node per this interval", CheckDuration},
  };
}

Result<std::unique_ptr<pipeline::Plugin>> Create(const pipeline::Options& o, pipeline::PluginContext& ctx) {
  auto bad = [&](const std::string& m) {
    return Status::InvalidArgument("sparkplug source " + ctx.name + ": " + m);
  };
  SparkplugSourceOptions s;
  s.host = o.GetString("host");
  s.port = static_cast<int>(o.GetInt("port"));
  s.client_id = o.GetString("client_id");
  if (s.client_id.empty()) s.client_id = "millwright-" + ctx.name + "-" + std::to_string(getpid());
  s.username = o.GetString("username");
  s.password = o.GetString("password");
  s.mqtt5 = o.GetString("protocol") == "mqtt5";
  s.keepalive_s = static_cast<int>(o.GetDuration("keepalive") / kNanosPerSecond);
  s.reconnect_min_ns = o.GetDuration("reconnect_min");
  s.reconnect_max_ns = o.GetDuration("reconnect_max");
  if (s.reconnect_min_ns > s.reconnect_max_ns) return bad("reconnect_min is longer than reconnect_max");
  s.groups = o.GetStringList("groups");
  // The host id names us to edge nodes across restarts: stable, unlike the client id.
  s.host_id = o.GetString("host_id").empty() ? "millwright-" + ctx.name : o.GetString("host_id");
  if (std::string why = CheckId(s.host_id); !why.empty()) return bad("host id \"" + s.host_id + "\" " + why);
  s.publish_state = o.GetBool("state");
  s.asset = o.GetString("asset");
  s.node_asset = o.GetString("node_asset");
  s.rebirth_interval_ns = o.GetDuration("rebirth_interval");

  const std::string& discover = o.GetString("template");
  if (!discover.empty() && ctx.config.templates.count(discover) == 0)
    return bad("template \"" + discover + "\" is not declared under [templates]");
  if (!ctx.resolve_asset)
    return Status::FailedPrecondition("sparkplug source " + ctx.name + ": no asset resolver");
  AssetResolver resolve = [fn = ctx.resolve_asset, discover](std::string_view path) {
    return fn(path, discover);
  };
  std::unique_ptr<pipeline::Plugin> source = std::make_unique<SparkplugSource>(
      ctx.name, std::move(s), std::move(resolve), ctx.catalog, ctx.config.templates, ctx.metrics, ctx.clock);
  return source;
}

}  // namespace

void RegisterSparkplugPlugins(pipeline::PluginRegistry& registry) {
  registry.Register({pipeline::PluginKind::kSource, "sparkplug",
                     "Sparkplug B host application: maps edge node and device metrics to samples by their "
                     "births, requests rebirths, marks dead devices stale",
                     Options(), Create});
}

}  // namespace mw::connectors::sparkplug
