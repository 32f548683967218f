// JsonMapper: turns the JSON payload of one MQTT message into samples.
//
// A payload is one JSON object (one reading) or an array of objects (many readings). In each
// reading, the timestamp comes from `time_field` (a number in `time_unit_ns` units, or an RFC 3339
// string) or, when the field is absent, from the arrival time; every field that maps to a signal
// and holds a number becomes a sample (a bool becomes 1 or 0). With `values_field` set, the fields
// are read from that nested object of the reading instead of from the reading itself.
//
// Which fields are signals:
//   - `fields` not empty: exactly its keys, each renamed to its value;
//   - else, when the asset's template declares signals: the fields named like one of them;
//   - else (no template, or a template without signals): every field holding a number or a bool.
// Other fields are ignored, never errors. `time_field` is never a signal.
//
// Outcomes: a message is taken whole or rejected whole (with a Reason), except that a mapped field
// holding a string, object, array or null (Reason::kBadField) is skipped and counted while the other
// values of the message are kept. A message in which no field maps to a signal is rejected as
// kUnmapped. Every message text names the topic and, where there is one, the field and byte offset.
//
// Ids: the topic's asset comes from the TopicPattern and the resolver (TopicRouter); (asset, signal)
// become a SeriesId through Catalog::InternSeries. Both are cached per topic, so that in steady state
// Map() does no catalog lookup and no allocation per sample (it may grow `out`).
//
// Kernels: the payload is walked with simdjson On-Demand, compiled twice from one source
// (json_walk.inl): the generic kernel, for any x86-64 (simdjson's "fallback" implementation), and
// the haswell kernel (simdjson's AVX2 implementation), used when the CPU has AVX2, BMI1, PCLMULQDQ
// and LZCNT. Both give the same results; MapperOptions::kernel or the environment variable
// MW_JSON_KERNEL=generic|haswell choose one by hand (tests, benchmarks, a suspected kernel bug).
//
// Threading: a JsonMapper is used by one thread at a time (it owns a reusable parse buffer); the
// Catalog it shares is thread-safe. `catalog`, `templates` and whatever `resolve` refers to must
// outlive the mapper. A TopicRouter likewise belongs to one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "connectors/mqtt/topic_pattern.h"
#include "core/catalog.h"
#include "core/config.h"
#include "core/status.h"
#include "core/types.h"

namespace mw::connectors::mqtt {

// Why a message (or a field of it) was not taken. Values index arrays: keep them dense.
enum class Reason : std::uint8_t {
  kInvalidJson,   // not JSON, truncated, trailing bytes, or larger than JsonMapper::kMaxPayload
  kNotObject,     // the root, an array element or the values_field is not an object
  kBadTime,       // time_field is neither a number in range nor an RFC 3339 string
  kUnmapped,      // no field of the message maps to a signal
  kBadField,      // a mapped field holds a string, object, array or null (the rest is kept)
  kUnknownAsset,  // the topic's asset is not declared and cannot be created
  kBadTopic,      // the topic does not fit the asset pattern
};
inline constexpr std::size_t kReasonCount = 7;

// "invalid_json", "not_object", "bad_time", "unmapped", "bad_field", "unknown_asset", "bad_topic".
std::string_view ReasonName(Reason reason);

// Nanoseconds per time unit: "s", "ms", "us" or "ns".
Result<std::int64_t> ParseTimeUnit(std::string_view unit);

// The code that walks a payload (see "Kernels" above).
enum class JsonKernel : std::uint8_t {
  kAuto,     // kHaswell where it runs, else kGeneric (AutoJsonKernel())
  kGeneric,  // any x86-64 (or other) CPU
  kHaswell,  // AVX2, BMI1, PCLMULQDQ and LZCNT; x86-64 builds only
};

// "auto", "generic", "haswell".
std::string_view JsonKernelName(JsonKernel kernel);

// True when `kernel` is built in and this CPU can run it (always true for kAuto and kGeneric).
bool JsonKernelAvailable(JsonKernel kernel);

// What kAuto means in this process, decided once: the environment variable MW_JSON_KERNEL
// ("generic" or "haswell") when it names an available kernel, else kHaswell when available, else
// kGeneric.
JsonKernel AutoJsonKernel();

struct MapperOptions {
  TopicPattern asset;  // topic levels -> asset path
  std::string time_field = "ts";
  std::int64_t time_unit_ns = kNanosPerMilli;
  std::string values_field;                                // "" = the values are fields of the reading itself
  std::map<std::string, std::string, std::less<>> fields;  // payload field -> signal name
  JsonKernel kernel = JsonKernel::kAuto;  // a kernel this CPU cannot run is replaced by kGeneric
};

// Returns the id of the asset at `path`, or kInvalidAsset when it is unknown and may not be
// created. Called only when a topic is first seen.
using AssetResolver = std::function<AssetId(std::string_view path)>;

struct MapResult {
  std::size_t readings = 0;     // objects seen in the message
  std::size_t samples = 0;      // samples appended to the batch (0 when rejected)
  std::size_t bad_fields = 0;   // mapped fields skipped because of their value's type
  std::optional<Reason> error;  // set when the whole message was rejected
  std::string message;          // describes `error`, else the first bad field; "" when all is well
};

// Heterogeneous lookup of std::string keys by std::string_view.
struct StringViewHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Topic -> asset id, through the TopicPattern and the resolver, cached per topic. Cheap enough to
// run on a connector's network thread, which then hands the payload to the asset's worker.
class TopicRouter {
 public:
  TopicRouter(TopicPattern pattern, AssetResolver resolve);

  // The asset of `topic`, or kInvalidAsset with result.error (kBadTopic or kUnknownAsset) and
  // result.message set. Topics without an asset are not cached: the resolver may accept them later.
  AssetId Route(std::string_view topic, MapResult& result);

  std::size_t cached_topics() const { return assets_.size(); }

 private:
  // A bound, so that hostile topics cannot grow memory without end.
  static constexpr std::size_t kMaxCachedTopics = 65536;

  TopicPattern pattern_;
  AssetResolver resolve_;
  std::unordered_map<std::string, AssetId, StringViewHash, std::equal_to<>> assets_;
  std::string asset_path_;  // scratch for TopicPattern::Expand
};

namespace detail {
class MapContext;
class Kernel;
class KeyPattern;
struct TopicEntry;
}  // namespace detail

class JsonMapper {
 public:
  // Larger payloads are rejected as invalid_json: the parse buffer is kept at the largest size seen.
  static constexpr std::size_t kMaxPayload = 16u << 20;
  // Bytes that MapRouted() may read (never write) after a padded payload.
  static constexpr std::size_t kPadding = 64;

  JsonMapper(MapperOptions options, Catalog& catalog, const std::map<std::string, TemplateSpec>& templates,
             AssetResolver resolve);
  ~JsonMapper();
  JsonMapper(const JsonMapper&) = delete;
  JsonMapper& operator=(const JsonMapper&) = delete;

  // Appends the samples of `payload`, received on `topic` at `arrival`, to `out`. On rejection
  // `out` is left as it was.
  MapResult Map(std::string_view topic, std::string_view payload, Timestamp arrival, Batch& out);

  // Like Map(), for a message whose topic a TopicRouter with the same pattern and resolver has
  // routed to `asset`. With `padded`, the kPadding bytes after the payload are readable, and the
  // payload is parsed where it is instead of being copied first.
  MapResult MapRouted(std::string_view topic, AssetId asset, std::string_view payload, bool padded,
                      Timestamp arrival, Batch& out);

  // A router with this mapper's pattern and resolver, for the thread that routes messages.
  TopicRouter MakeRouter() const { return TopicRouter(options_.asset, resolve_); }

  // The kernel in use (never kAuto).
  JsonKernel kernel() const;

  std::size_t cached_topics() const { return topics_.size(); }

 private:
  friend class detail::MapContext;

  // Bounds on the caches, so that hostile topics or field names cannot grow memory without end.
  static constexpr std::size_t kMaxCachedTopics = 65536;
  static constexpr std::size_t kMaxCachedFields = 256;

  detail::TopicEntry& EntryFor(std::string_view topic, AssetId asset);
  SeriesId ResolveField(const detail::TopicEntry& entry, std::string_view field);

  MapperOptions options_;
  Catalog& catalog_;
  const std::map<std::string, TemplateSpec>& templates_;
  AssetResolver resolve_;
  TopicRouter router_;
  std::unordered_map<std::string, std::unique_ptr<detail::TopicEntry>, StringViewHash, std::equal_to<>>
      topics_;
  std::vector<char> buffer_;                      // a payload followed by kPadding bytes; only ever grows
  std::unique_ptr<detail::KeyPattern> time_key_;  // options_.time_field as payloads spell it
  std::unique_ptr<detail::Kernel> kernel_;
};

}  // namespace mw::connectors::mqtt
