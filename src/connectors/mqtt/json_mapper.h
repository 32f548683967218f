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
// Ids: the topic's asset comes from the TopicPattern and the resolver; (asset, signal) become a
// SeriesId through Catalog::InternSeries. Both are cached per topic, so that in steady state Map()
// does no catalog lookup and no allocation per sample (it may grow `out`).
//
// Threading: a JsonMapper is used by one thread at a time (it owns a reusable parse buffer); the
// Catalog it shares is thread-safe. `catalog`, `templates` and whatever `resolve` refers to must
// outlive the mapper.
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

struct MapperOptions {
  TopicPattern asset;  // topic levels -> asset path
  std::string time_field = "ts";
  std::int64_t time_unit_ns = kNanosPerMilli;
  std::string values_field;                                // "" = the values are fields of the reading itself
  std::map<std::string, std::string, std::less<>> fields;  // payload field -> signal name
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

class JsonMapper {
 public:
  // Larger payloads are rejected as invalid_json: the parse buffer is kept at the largest size seen.
  static constexpr std::size_t kMaxPayload = 16u << 20;

  JsonMapper(MapperOptions options, Catalog& catalog, const std::map<std::string, TemplateSpec>& templates,
             AssetResolver resolve);
  ~JsonMapper();
  JsonMapper(const JsonMapper&) = delete;
  JsonMapper& operator=(const JsonMapper&) = delete;

  // Appends the samples of `payload`, received on `topic` at `arrival`, to `out`. On rejection
  // `out` is left as it was.
  MapResult Map(std::string_view topic, std::string_view payload, Timestamp arrival, Batch& out);

  std::size_t cached_topics() const { return topics_.size(); }

 private:
  class Walker;
  struct Parser;

  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  template <typename V>
  using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

  enum class Mode : std::uint8_t { kFields, kTemplate, kOpen };

  struct FieldSlot {
    std::string name;
    SeriesId series = kInvalidSeries;  // kInvalidSeries: known not to be a signal
  };

  struct TopicEntry {
    AssetId asset = kInvalidAsset;
    Mode mode = Mode::kOpen;
    const TemplateSpec* tmpl = nullptr;  // set in kTemplate mode
    // The fields seen on this topic. A device sends its fields in the same order every time, so
    // the search starts after the last match and usually hits at once, without hashing.
    std::vector<FieldSlot> fields;
    std::size_t next = 0;
  };

  // Bounds on the caches, so that hostile topics or field names cannot grow memory without end.
  static constexpr std::size_t kMaxCachedTopics = 65536;
  static constexpr std::size_t kMaxCachedFields = 256;

  TopicEntry* FindTopic(std::string_view topic, MapResult& result);
  SeriesId SeriesFor(TopicEntry& entry, std::string_view field);
  SeriesId ResolveField(const TopicEntry& entry, std::string_view field);

  MapperOptions options_;
  Catalog& catalog_;
  const std::map<std::string, TemplateSpec>& templates_;
  AssetResolver resolve_;
  StringMap<TopicEntry> topics_;
  std::string asset_path_;  // scratch for TopicPattern::Expand
  std::unique_ptr<Parser> parser_;
};

}  // namespace mw::connectors::mqtt
