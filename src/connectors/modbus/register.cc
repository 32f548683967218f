#include "connectors/modbus/register.h"

#include <memory>

#include "connectors/modbus/modbus_source.h"
#include "connectors/modbus/register_map.h"

namespace mw::connectors::modbus {
namespace {

using pipeline::OptionSpec;
using pipeline::OptionType;
using pipeline::OptionValue;

std::string IntBetween(const OptionValue& v, std::int64_t lo, std::int64_t hi) {
  const std::int64_t n = std::get<std::int64_t>(v);
  if (n >= lo && n <= hi) return {};
  return "expected " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + std::to_string(n);
}

std::string DurationBetween(const OptionValue& v, std::int64_t lo, std::int64_t hi, const char* range) {
  const std::int64_t ns = std::get<std::int64_t>(v);
  return ns >= lo && ns <= hi ? std::string() : std::string("expected a duration from ") + range;
}

std::string CheckUnitId(const OptionValue& v) {
  const std::int64_t n = std::get<std::int64_t>(v);
  if ((n >= 0 && n <= 247) || n == 255) return {};
  return "expected 0..247 or 255, got " + std::to_string(n);
}

std::string CheckHost(const OptionValue& v) {
  return std::get<std::string>(v).empty() ? "expected a host name or address" : std::string();
}

std::string CheckPoints(const OptionValue& v) {
  const auto& specs = std::get<pipeline::StringMap>(v);
  if (specs.empty()) return "expected at least one point, e.g. { speed = \"holding:0:uint16\" }";
  Result<std::vector<Point>> points = ParsePoints(specs);
  return points.ok() ? std::string() : points.status().message();
}

std::vector<OptionSpec> Options() {
  using S = std::string;
  return {
      {"host", OptionType::kString, S("127.0.0.1"), "device (or gateway) address or host name", CheckHost},
      {"port", OptionType::kInt, std::int64_t{502}, "Modbus TCP port (1..65535)",
       [](const OptionValue& v) { return IntBetween(v, 1, 65535); }},
      {"unit_id", OptionType::kInt, std::int64_t{1},
       "unit identifier (slave id) of the device behind the address: 0..247, or 255", CheckUnitId},
      {"interval", OptionType::kDuration, std::int64_t{kNanosPerSecond},
       "poll period; polls keep to a fixed grid and skip (and count) deadlines a slow poll overran",
       [](const OptionValue& v) {
         return DurationBetween(v, kNanosPerMilli, 24 * 3600 * kNanosPerSecond, "1ms to 24h");
       }},
      {"timeout", OptionType::kDuration, std::int64_t{kNanosPerSecond},
       "how long to wait for a response (and to connect); 3 timeouts in a row reconnect",
       [](const OptionValue& v) {
         return DurationBetween(v, kNanosPerMilli, 60 * kNanosPerSecond, "1ms to 60s");
       }},
      {"asset", OptionType::kString, std::nullopt, "asset path the points' signals belong to", {}},
      {"template", OptionType::kString, S(), "template to create the asset from when it is not declared", {}},
      {"points", OptionType::kStringMap, std::nullopt,
       "signal -> \"TABLE:ADDRESS[:TYPE[:ORDER]] [scale=X] [offset=Y]\"; TABLE holding, input, coil or "
       "discrete; 0-based ADDRESS; TYPE int16, uint16 (default), int32, uint32, float32, int64, uint64, "
       "float64 (bool for coils and discrete inputs); ORDER abcd (default), cdab, badc or dcba; value = "
       "raw * scale + offset",
       CheckPoints},
      {"max_registers", OptionType::kInt, std::int64_t{kMaxReadRegisters},
       "most registers one read request asks for (1..125; some devices want fewer)",
       [](const OptionValue& v) { return IntBetween(v, 1, kMaxReadRegisters); }},
      {"max_bits", OptionType::kInt, std::int64_t{kMaxReadBits},
       "most coils or discrete inputs one request asks for (1..2000)",
       [](const OptionValue& v) { return IntBetween(v, 1, kMaxReadBits); }},
      {"max_gap", OptionType::kInt, std::int64_t{8},
       "unused addresses one request may read over to join two points (0 = read only declared points)",
       [](const OptionValue& v) { return IntBetween(v, 0, kMaxReadBits); }},
      {"reprobe", OptionType::kDuration, std::int64_t{5 * 60 * kNanosPerSecond},
       "how often addresses the device refused are asked for again",
       [](const OptionValue& v) {
         return DurationBetween(v, kNanosPerSecond, 24 * 3600 * kNanosPerSecond, "1s to 24h");
       }},
      {"reconnect_min", OptionType::kDuration, std::int64_t{500 * kNanosPerMilli},
       "delay before reconnecting; doubles on each failed attempt",
       [](const OptionValue& v) {
         return DurationBetween(v, kNanosPerMilli, 3600 * kNanosPerSecond, "1ms to 1h");
       }},
      {"reconnect_max", OptionType::kDuration, std::int64_t{30 * kNanosPerSecond},
       "longest delay between reconnection attempts",
       [](const OptionValue& v) {
         return DurationBetween(v, kNanosPerMilli, 3600 * kNanosPerSecond, "1ms to 1h");
       }},
  };
}

Result<std::unique_ptr<pipeline::Plugin>> Create(const pipeline::Options& o, pipeline::PluginContext& ctx) {
  auto bad = [&](const std::string& m) {
    return Status::InvalidArgument("modbus source " + ctx.name + ": " + m);
  };
  if (!ctx.resolve_asset)
    return Status::FailedPrecondition("modbus source " + ctx.name + ": no asset resolver");
  ModbusSourceOptions s;
  s.host = o.GetString("host");
  s.port = static_cast<int>(o.GetInt("port"));
  s.unit_id = static_cast<int>(o.GetInt("unit_id"));
  s.interval_ns = o.GetDuration("interval");
  s.timeout_ns = o.GetDuration("timeout");
  Result<std::vector<Point>> points = ParsePoints(o.GetStringMap("points"));
  if (!points.ok()) return bad(points.status().message());
  s.points = std::move(points).value();
  s.plan.max_registers = static_cast<int>(o.GetInt("max_registers"));
  s.plan.max_bits = static_cast<int>(o.GetInt("max_bits"));
  s.plan.max_gap = static_cast<int>(o.GetInt("max_gap"));
  s.reprobe_ns = o.GetDuration("reprobe");
  s.reconnect_min_ns = o.GetDuration("reconnect_min");
  s.reconnect_max_ns = o.GetDuration("reconnect_max");
  if (Status valid = ModbusSource::Validate(s); !valid.ok()) return bad(valid.message());

  const std::string& discover = o.GetString("template");
  if (!discover.empty() && ctx.config.templates.count(discover) == 0)
    return bad("template \"" + discover + "\" is not declared under [templates]");
  const AssetId asset = ctx.resolve_asset(o.GetString("asset"), discover);
  if (asset == kInvalidAsset)
    return bad("asset \"" + o.GetString("asset") + "\" is not declared (declare it, or give a template)");
  std::vector<SeriesId> series;
  for (const Point& p : s.points) {
    const SeriesId id = ctx.catalog.InternSeries(asset, p.signal);
    if (id == kInvalidSeries)
      return Status::ResourceExhausted("modbus source " + ctx.name + ": point \"" + p.signal +
                                       "\": the catalog is full");
    series.push_back(id);
  }
  return std::unique_ptr<pipeline::Plugin>(
      std::make_unique<ModbusSource>(ctx.name, std::move(s), std::move(series), ctx.metrics, ctx.clock));
}

}  // namespace

void RegisterModbusPlugins(pipeline::PluginRegistry& registry) {
  registry.Register({pipeline::PluginKind::kSource, "modbus",
                     "polls a Modbus TCP device's registers and coils (libmodbus) into samples of one asset",
                     Options(), Create});
}

}  // namespace mw::connectors::modbus
