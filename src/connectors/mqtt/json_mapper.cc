#include "connectors/mqtt/json_mapper.h"

#include <cpuid.h>
// simdjson's inline functions are inlined here in every build type (simdjson does so itself only
// when optimising), so that this file never calls one out of line: json_kernel_haswell.cc compiles
// its own copies for AVX2, and the linker might keep one of those (see there).
#define simdjson_inline inline __attribute__((always_inline))
#include <simdjson.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "connectors/mqtt/json_kernel.h"

namespace mw::connectors::mqtt {
namespace {

static_assert(JsonMapper::kPadding >= simdjson::SIMDJSON_PADDING);

bool IsSignalName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

void Truncate(Batch& batch, std::size_t size) {
  batch.series.resize(size);
  batch.times.resize(size);
  batch.values.resize(size);
  batch.qualities.resize(size);
}

std::string Quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  out.append(s);
  out += '"';
  return out;
}

std::string Prefix(std::string_view topic) { return "message on topic " + Quote(topic) + ": "; }

// What the haswell kernel needs: simdjson's haswell implementation requires AVX2, BMI1, BMI2 and
// PCLMULQDQ (and an OS that saves the AVX state, which __builtin_cpu_supports checks), and the
// kernel is compiled with LZCNT as simdjson compiles its own haswell code.
bool CpuRunsHaswell() {
#if MW_JSON_HASWELL
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("bmi") || !__builtin_cpu_supports("bmi2") ||
      !__builtin_cpu_supports("pclmul"))
    return false;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(0x80000001u, &eax, &ebx, &ecx, &edx) == 0) return false;
  return (ecx & (1u << 5)) != 0;  // LZCNT (AMD: ABM)
#else
  return false;
#endif
}

}  // namespace

std::string_view ReasonName(Reason reason) {
  switch (reason) {
    case Reason::kInvalidJson:
      return "invalid_json";
    case Reason::kNotObject:
      return "not_object";
    case Reason::kBadTime:
      return "bad_time";
    case Reason::kUnmapped:
      return "unmapped";
    case Reason::kBadField:
      return "bad_field";
    case Reason::kUnknownAsset:
      return "unknown_asset";
    case Reason::kBadTopic:
      return "bad_topic";
  }
  return "unknown";
}

Result<std::int64_t> ParseTimeUnit(std::string_view unit) {
  if (unit == "s") return kNanosPerSecond;
  if (unit == "ms") return kNanosPerMilli;
  if (unit == "us") return kNanosPerMicro;
  if (unit == "ns") return std::int64_t{1};
  return Status::InvalidArgument("unknown time unit \"" + std::string(unit) + "\"; expected s, ms, us or ns");
}

std::string_view JsonKernelName(JsonKernel kernel) {
  switch (kernel) {
    case JsonKernel::kAuto:
      return "auto";
    case JsonKernel::kGeneric:
      return "generic";
    case JsonKernel::kHaswell:
      return "haswell";
  }
  return "unknown";
}

bool JsonKernelAvailable(JsonKernel kernel) {
  static const bool haswell = CpuRunsHaswell();
  return kernel != JsonKernel::kHaswell || haswell;
}

JsonKernel AutoJsonKernel() {
  static const JsonKernel chosen = [] {
    if (const char* env = std::getenv("MW_JSON_KERNEL")) {
      for (JsonKernel k : {JsonKernel::kGeneric, JsonKernel::kHaswell})
        if (JsonKernelName(k) == env && JsonKernelAvailable(k)) return k;
    }
    return JsonKernelAvailable(JsonKernel::kHaswell) ? JsonKernel::kHaswell : JsonKernel::kGeneric;
  }();
  return chosen;
}

namespace detail {

std::string_view JsonKindName(JsonKind kind) {
  switch (kind) {
    case JsonKind::kArray:
      return "an array";
    case JsonKind::kObject:
      return "an object";
    case JsonKind::kNumber:
      return "a number";
    case JsonKind::kString:
      return "a string";
    case JsonKind::kBool:
      return "a bool";
    case JsonKind::kNull:
      return "null";
  }
  return "an unknown value";
}

SeriesId MapContext::SeriesSlow(std::string_view field) {
  std::vector<FieldSlot>& fields = entry_.fields;
  const std::size_t n = fields.size();
  for (std::size_t k = 0, i = entry_.next; k < n; ++k, ++i) {
    if (i >= n) i = 0;
    if (fields[i].name == field) {
      entry_.next = i + 1 < n ? i + 1 : 0;
      return fields[i].series;
    }
  }
  SeriesId id = mapper_.ResolveField(entry_, field);
  if (n < JsonMapper::kMaxCachedFields) {
    fields.push_back({std::string(field), id, KeyPattern(field)});
    entry_.next = 0;  // the new slot is the last one; a device's next field is usually its first
  }
  return id;
}

std::string MapContext::At(const char* p) const {
  std::size_t offset = p >= json && p <= json + size ? static_cast<std::size_t>(p - json) : size;
  return " at byte " + std::to_string(offset);
}

bool MapContext::Fail(Reason reason, const std::string& message) {
  result.error = reason;
  result.message = Prefix(topic) + message;
  return false;
}

bool MapContext::ParseError(int error) {
  return Fail(Reason::kInvalidJson, std::string("not valid JSON: ") +
                                        simdjson::error_message(static_cast<simdjson::error_code>(error)));
}

bool MapContext::JsonError(int error, const char* at) {
  return Fail(Reason::kInvalidJson, "not valid JSON" + At(at) + ": " +
                                        simdjson::error_message(static_cast<simdjson::error_code>(error)));
}

bool MapContext::RootNotObject(JsonKind kind, const char* at) {
  return Fail(Reason::kNotObject,
              "expected an object or an array of objects, got " + std::string(JsonKindName(kind)) + At(at));
}

bool MapContext::Trailing(const char* at) {
  return Fail(Reason::kInvalidJson, "trailing bytes after the JSON value" + At(at));
}

bool MapContext::ElementNotObject(JsonKind kind, const char* at) {
  return Fail(Reason::kNotObject, "array element " + std::to_string(result.readings) + " is " +
                                      std::string(JsonKindName(kind)) + ", expected an object" + At(at));
}

bool MapContext::ValuesNotObject(std::string_view key, JsonKind kind, const char* at) {
  return Fail(Reason::kNotObject, "field " + Quote(key) + " is " + std::string(JsonKindName(kind)) +
                                      ", expected an object of values" + At(at));
}

bool MapContext::BadTime(std::string_view key, const char* at, std::string_view why) {
  return Fail(Reason::kBadTime, "time field " + Quote(key) + At(at) + ": " + std::string(why));
}

bool MapContext::BadTimeKind(std::string_view key, const char* at, JsonKind kind) {
  return BadTime(key, at,
                 "holds " + std::string(JsonKindName(kind)) + ", expected a number or an RFC 3339 string");
}

void MapContext::BadField(std::string_view key, JsonKind kind, const char* at) {
  if (result.bad_fields++ == 0)
    result.message = Prefix(topic) + "field " + Quote(key) + " holds " + std::string(JsonKindName(kind)) +
                     ", expected a number or a bool" + At(at);
}

}  // namespace detail

TopicRouter::TopicRouter(TopicPattern pattern, AssetResolver resolve)
    : pattern_(std::move(pattern)), resolve_(std::move(resolve)) {}

AssetId TopicRouter::Route(std::string_view topic, MapResult& result) {
  if (auto it = assets_.find(topic); it != assets_.end()) return it->second;
  if (Status s = pattern_.Expand(topic, asset_path_); !s.ok()) {
    result.error = Reason::kBadTopic;
    result.message = s.message();
    return kInvalidAsset;
  }
  AssetId asset = resolve_(asset_path_);
  if (asset == kInvalidAsset) {
    result.error = Reason::kUnknownAsset;
    result.message = "topic " + Quote(topic) + ": asset " + Quote(asset_path_) +
                     " is not declared and no template may create it";
    return kInvalidAsset;
  }
  if (assets_.size() >= kMaxCachedTopics) assets_.clear();
  assets_.emplace(std::string(topic), asset);
  return asset;
}

JsonMapper::JsonMapper(MapperOptions options, Catalog& catalog,
                       const std::map<std::string, TemplateSpec>& templates, AssetResolver resolve)
    : options_(std::move(options)),
      catalog_(catalog),
      templates_(templates),
      resolve_(std::move(resolve)),
      router_(options_.asset, resolve_),
      time_key_(std::make_unique<detail::KeyPattern>(options_.time_field)) {
  JsonKernel kernel = options_.kernel == JsonKernel::kAuto ? AutoJsonKernel() : options_.kernel;
#if MW_JSON_HASWELL
  if (kernel == JsonKernel::kHaswell && JsonKernelAvailable(kernel)) kernel_ = detail::MakeHaswellKernel();
#endif
  if (!kernel_) kernel_ = detail::MakeGenericKernel();
}

JsonMapper::~JsonMapper() = default;

JsonKernel JsonMapper::kernel() const { return kernel_->id(); }

MapResult JsonMapper::Map(std::string_view topic, std::string_view payload, Timestamp arrival, Batch& out) {
  MapResult result;
  AssetId asset = router_.Route(topic, result);
  if (asset == kInvalidAsset) return result;
  return MapRouted(topic, asset, payload, false, arrival, out);
}

MapResult JsonMapper::MapRouted(std::string_view topic, AssetId asset, std::string_view payload, bool padded,
                                Timestamp arrival, Batch& out) {
  MapResult result;
  if (payload.size() > kMaxPayload) {
    result.error = Reason::kInvalidJson;
    result.message = Prefix(topic) + "payload of " + std::to_string(payload.size()) +
                     " bytes exceeds the limit of " + std::to_string(kMaxPayload);
    return result;
  }
  detail::TopicEntry& entry = EntryFor(topic, asset);
  const char* json = payload.data();
  if (!padded) {
    if (buffer_.size() < payload.size() + kPadding) buffer_.resize(payload.size() + kPadding);
    std::copy(payload.begin(), payload.end(), buffer_.begin());
    json = buffer_.data();
  }
  const std::size_t first = out.size();
  detail::MapContext ctx(*this, entry, topic, arrival, json, payload.size(), out, result);
  bool ok = kernel_->Walk(ctx);
  if (ok && out.size() == first && result.bad_fields == 0) {
    result.error = Reason::kUnmapped;
    result.message = "message on topic " + Quote(topic) + " (" + std::to_string(result.readings) +
                     " readings): no field maps to a signal of its asset";
    ok = false;
  }
  if (!ok) {
    Truncate(out, first);
    result.bad_fields = 0;
    return result;
  }
  result.samples = out.size() - first;
  return result;
}

detail::TopicEntry& JsonMapper::EntryFor(std::string_view topic, AssetId asset) {
  if (auto it = topics_.find(topic); it != topics_.end() && it->second->asset == asset) return *it->second;
  auto entry = std::make_unique<detail::TopicEntry>();
  entry->asset = asset;
  if (!options_.fields.empty()) {
    entry->mode = detail::Mode::kFields;
  } else if (auto info = catalog_.Asset(asset)) {
    auto it = templates_.find(info->template_name);
    if (it != templates_.end() && !it->second.signals.empty()) {
      entry->mode = detail::Mode::kTemplate;
      entry->tmpl = &it->second;
    }
  }
  if (topics_.size() >= kMaxCachedTopics) topics_.clear();
  auto& slot = topics_[std::string(topic)];
  slot = std::move(entry);
  return *slot;
}

SeriesId JsonMapper::ResolveField(const detail::TopicEntry& entry, std::string_view field) {
  switch (entry.mode) {
    case detail::Mode::kFields: {
      auto it = options_.fields.find(field);
      return it == options_.fields.end() ? kInvalidSeries : catalog_.InternSeries(entry.asset, it->second);
    }
    case detail::Mode::kTemplate:
      for (const SignalSpec& signal : entry.tmpl->signals)
        if (signal.name == field) return catalog_.InternSeries(entry.asset, field, signal.unit);
      return kInvalidSeries;
    case detail::Mode::kOpen:
      return IsSignalName(field) ? catalog_.InternSeries(entry.asset, field) : kInvalidSeries;
  }
  return kInvalidSeries;
}

}  // namespace mw::connectors::mqtt
