#include "connectors/mqtt/json_mapper.h"

#include <cmath>
#include <vector>

#include <simdjson.h>

#include "core/time_format.h"

namespace mw::connectors::mqtt {
namespace {

namespace od = simdjson::ondemand;

std::string_view JsonTypeName(od::json_type type) {
  switch (type) {
    case od::json_type::array:
      return "an array";
    case od::json_type::object:
      return "an object";
    case od::json_type::number:
      return "a number";
    case od::json_type::string:
      return "a string";
    case od::json_type::boolean:
      return "a bool";
    case od::json_type::null:
      return "null";
  }
  return "an unknown value";
}

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

struct JsonMapper::Parser {
  od::parser parser{kMaxPayload};
  std::vector<char> buffer;  // the payload followed by simdjson's padding; only ever grows
};

// Walks one parsed message and appends its samples. Every method returns false once the message
// is rejected (result.error is then set); bad fields are counted and the walk goes on.
class JsonMapper::Walker {
 public:
  Walker(JsonMapper& mapper, TopicEntry& entry, std::string_view topic, Timestamp arrival, const char* base,
         std::size_t size, Batch& out, MapResult& result)
      : mapper_(mapper),
        options_(mapper.options_),
        entry_(entry),
        topic_(topic),
        arrival_(arrival),
        base_(base),
        size_(size),
        out_(out),
        result_(result) {}

  bool Document(od::document& doc) {
    doc_ = &doc;
    od::json_type type;
    if (auto error = doc.type().get(type)) return JsonError(error);
    if (type == od::json_type::object) {
      od::object object;
      if (auto error = doc.get_object().get(object)) return JsonError(error);
      if (!Reading(object)) return false;
    } else if (type == od::json_type::array) {
      od::array array;
      if (auto error = doc.get_array().get(array)) return JsonError(error);
      if (!Readings(array)) return false;
    } else {
      // type() only looks at the first byte: make sure the scalar is JSON before calling it one.
      if (auto error = CheckScalar(doc, type)) return JsonError(error);
      return Fail(Reason::kNotObject, "expected an object or an array of objects, got " +
                                          std::string(JsonTypeName(type)) + At(base_));
    }
    // current_location() fails with OUT_OF_BOUNDS once the whole input has been consumed.
    const char* rest = nullptr;
    if (doc.current_location().get(rest) == simdjson::SUCCESS)
      return Fail(Reason::kInvalidJson, "trailing bytes after the JSON value" + At(rest));
    return true;
  }

 private:
  bool Readings(od::array& array) {
    for (auto element : array) {
      od::value value;
      if (auto error = element.get(value)) return JsonError(error);
      od::json_type type;
      if (auto error = value.type().get(type)) return JsonError(error);
      if (type != od::json_type::object)
        return Fail(Reason::kNotObject, "array element " + std::to_string(result_.readings) + " is " +
                                            std::string(JsonTypeName(type)) + ", expected an object" +
                                            At(value.raw_json_token().data()));
      od::object object;
      if (auto error = value.get_object().get(object)) return JsonError(error);
      if (!Reading(object)) return false;
    }
    return true;
  }

  bool Reading(od::object& object) {
    ++result_.readings;
    const std::size_t first = out_.size();
    std::optional<Timestamp> time;
    for (auto item : object) {
      od::field field;
      if (auto error = std::move(item).get(field)) return JsonError(error);
      std::string_view key;
      if (auto error = field.unescaped_key().get(key)) return JsonError(error);
      od::value& value = field.value();
      if (!options_.time_field.empty() && key == options_.time_field) {
        Timestamp t = 0;
        if (!Time(key, value, t)) return false;
        time = t;
      } else if (options_.values_field.empty()) {
        if (!Field(key, value)) return false;
      } else if (key == options_.values_field) {
        if (!Values(key, value)) return false;
      }
    }
    if (time) {
      for (std::size_t i = first; i < out_.size(); ++i) out_.times[i] = *time;
    }
    return true;
  }

  bool Values(std::string_view key, od::value& value) {
    od::json_type type;
    if (auto error = value.type().get(type)) return JsonError(error);
    if (type != od::json_type::object)
      return Fail(Reason::kNotObject, "field " + Quote(key) + " is " + std::string(JsonTypeName(type)) +
                                          ", expected an object of values" +
                                          At(value.raw_json_token().data()));
    od::object object;
    if (auto error = value.get_object().get(object)) return JsonError(error);
    for (auto item : object) {
      od::field field;
      if (auto error = std::move(item).get(field)) return JsonError(error);
      std::string_view name;
      if (auto error = field.unescaped_key().get(name)) return JsonError(error);
      if (!options_.time_field.empty() && name == options_.time_field) continue;
      if (!Field(name, field.value())) return false;
    }
    return true;
  }

  bool Field(std::string_view key, od::value& value) {
    od::json_type type;
    if (auto error = value.type().get(type)) return JsonError(error);
    const bool numeric = type == od::json_type::number || type == od::json_type::boolean;
    // In open mode only numbers and bools can be signals; other values are plain payload.
    if (!numeric && entry_.mode == Mode::kOpen) return true;
    SeriesId id = mapper_.SeriesFor(entry_, key);
    if (id == kInvalidSeries) return true;
    if (!numeric) {
      if (result_.bad_fields++ == 0)
        result_.message = Prefix() + "field " + Quote(key) + " holds " + std::string(JsonTypeName(type)) +
                          ", expected a number or a bool" + At(value.raw_json_token().data());
      return true;
    }
    double v = 0;
    if (type == od::json_type::boolean) {
      bool b = false;
      if (auto error = value.get_bool().get(b)) return JsonError(error);
      v = b ? 1.0 : 0.0;
    } else if (auto error = value.get_double().get(v)) {
      return JsonError(error);
    }
    out_.Append(id, arrival_, v);
    return true;
  }

  bool Time(std::string_view key, od::value& value, Timestamp& out) {
    const char* at = value.raw_json_token().data();
    od::json_type type;
    if (auto error = value.type().get(type)) return JsonError(error);
    auto bad = [&](const std::string& why) {
      return Fail(Reason::kBadTime, "time field " + Quote(key) + At(at) + ": " + why);
    };
    if (type == od::json_type::string) {
      std::string_view text;
      if (auto error = value.get_string().get(text)) return JsonError(error);
      auto t = ParseRfc3339(text);
      if (!t.ok()) return bad(t.status().message());
      out = *t;
      return true;
    }
    if (type != od::json_type::number)
      return bad("holds " + std::string(JsonTypeName(type)) + ", expected a number or an RFC 3339 string");
    // get_int64 leaves the value in place when it fails, so a fraction or a huge integer can be
    // read again as a double.
    const std::int64_t scale = options_.time_unit_ns;
    std::int64_t n = 0;
    if (value.get_int64().get(n) == simdjson::SUCCESS) {
      if (n > INT64_MAX / scale || n < INT64_MIN / scale) return bad("out of range");
      out = n * scale;
      return true;
    }
    double d = 0;
    if (value.get_double().get(d) != simdjson::SUCCESS) return bad("not a representable number");
    double ns = d * static_cast<double>(scale);
    if (!std::isfinite(ns) || std::fabs(ns) >= 9.2e18) return bad("out of range");
    out = static_cast<Timestamp>(std::llround(ns));
    return true;
  }

  static simdjson::error_code CheckScalar(od::document& doc, od::json_type type) {
    switch (type) {
      case od::json_type::number:
        return doc.get_double().error();
      case od::json_type::string:
        return doc.get_string().error();
      case od::json_type::boolean:
        return doc.get_bool().error();
      case od::json_type::null: {
        bool is_null = false;
        if (auto error = doc.is_null().get(is_null)) return error;
        return is_null ? simdjson::SUCCESS : simdjson::INCORRECT_TYPE;
      }
      default:
        return simdjson::SUCCESS;
    }
  }

  bool Fail(Reason reason, const std::string& message) {
    result_.error = reason;
    result_.message = Prefix() + message;
    return false;
  }

  bool JsonError(simdjson::error_code error) {
    // An unclosed object or array is found before the walk starts; its place is the end.
    const char* at = error == simdjson::INCOMPLETE_ARRAY_OR_OBJECT ? base_ + size_ : Location();
    return Fail(Reason::kInvalidJson,
                std::string("not valid JSON") + At(at) + ": " + simdjson::error_message(error));
  }

  std::string Prefix() const { return "message on topic " + Quote(topic_) + ": "; }

  const char* Location() {
    const char* at = nullptr;
    if (doc_ == nullptr || doc_->current_location().get(at)) return base_ + size_;
    return at;
  }

  std::string At(const char* p) const {
    std::size_t offset = p >= base_ && p <= base_ + size_ ? static_cast<std::size_t>(p - base_) : size_;
    return " at byte " + std::to_string(offset);
  }

  JsonMapper& mapper_;
  const MapperOptions& options_;
  TopicEntry& entry_;
  std::string_view topic_;
  Timestamp arrival_;
  const char* base_;
  std::size_t size_;
  Batch& out_;
  MapResult& result_;
  od::document* doc_ = nullptr;
};

JsonMapper::JsonMapper(MapperOptions options, Catalog& catalog,
                       const std::map<std::string, TemplateSpec>& templates, AssetResolver resolve)
    : options_(std::move(options)),
      catalog_(catalog),
      templates_(templates),
      resolve_(std::move(resolve)),
      parser_(std::make_unique<Parser>()) {}

JsonMapper::~JsonMapper() = default;

MapResult JsonMapper::Map(std::string_view topic, std::string_view payload, Timestamp arrival, Batch& out) {
  MapResult result;
  TopicEntry* entry = FindTopic(topic, result);
  if (entry == nullptr) return result;
  if (payload.size() > kMaxPayload) {
    result.error = Reason::kInvalidJson;
    result.message = "message on topic " + Quote(topic) + ": payload of " + std::to_string(payload.size()) +
                     " bytes exceeds the limit of " + std::to_string(kMaxPayload);
    return result;
  }
  std::vector<char>& buffer = parser_->buffer;
  if (buffer.size() < payload.size() + simdjson::SIMDJSON_PADDING)
    buffer.resize(payload.size() + simdjson::SIMDJSON_PADDING);
  std::copy(payload.begin(), payload.end(), buffer.begin());

  const std::size_t first = out.size();
  Walker walker(*this, *entry, topic, arrival, buffer.data(), payload.size(), out, result);
  od::document doc;
  bool ok = false;
  if (auto error = parser_->parser.iterate(buffer.data(), payload.size(), buffer.size()).get(doc)) {
    result.error = Reason::kInvalidJson;
    result.message =
        "message on topic " + Quote(topic) + ": not valid JSON: " + simdjson::error_message(error);
  } else {
    ok = walker.Document(doc);
  }
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

JsonMapper::TopicEntry* JsonMapper::FindTopic(std::string_view topic, MapResult& result) {
  if (auto it = topics_.find(topic); it != topics_.end()) return &it->second;
  if (Status s = options_.asset.Expand(topic, asset_path_); !s.ok()) {
    result.error = Reason::kBadTopic;
    result.message = s.message();
    return nullptr;
  }
  AssetId asset = resolve_(asset_path_);
  if (asset == kInvalidAsset) {
    result.error = Reason::kUnknownAsset;
    result.message = "topic " + Quote(topic) + ": asset " + Quote(asset_path_) +
                     " is not declared and no template may create it";
    return nullptr;
  }
  TopicEntry entry;
  entry.asset = asset;
  if (!options_.fields.empty()) {
    entry.mode = Mode::kFields;
  } else if (auto info = catalog_.Asset(asset)) {
    auto it = templates_.find(info->template_name);
    if (it != templates_.end() && !it->second.signals.empty()) {
      entry.mode = Mode::kTemplate;
      entry.tmpl = &it->second;
    }
  }
  if (topics_.size() >= kMaxCachedTopics) topics_.clear();
  return &topics_.emplace(std::string(topic), std::move(entry)).first->second;
}

SeriesId JsonMapper::SeriesFor(TopicEntry& entry, std::string_view field) {
  const std::size_t n = entry.fields.size();
  for (std::size_t k = 0, i = entry.next; k < n; ++k, ++i) {
    if (i == n) i = 0;
    if (entry.fields[i].name == field) {
      entry.next = i + 1;
      return entry.fields[i].series;
    }
  }
  SeriesId id = ResolveField(entry, field);
  if (n < kMaxCachedFields) {
    entry.fields.push_back({std::string(field), id});
    entry.next = n + 1;
  }
  return id;
}

SeriesId JsonMapper::ResolveField(const TopicEntry& entry, std::string_view field) {
  switch (entry.mode) {
    case Mode::kFields: {
      auto it = options_.fields.find(field);
      return it == options_.fields.end() ? kInvalidSeries : catalog_.InternSeries(entry.asset, it->second);
    }
    case Mode::kTemplate:
      for (const SignalSpec& signal : entry.tmpl->signals)
        if (signal.name == field) return catalog_.InternSeries(entry.asset, field, signal.unit);
      return kInvalidSeries;
    case Mode::kOpen:
      return IsSignalName(field) ? catalog_.InternSeries(entry.asset, field) : kInvalidSeries;
  }
  return kInvalidSeries;
}

}  // namespace mw::connectors::mqtt
