// What JsonMapper (json_mapper.cc) and its JSON kernels (json_kernel_generic.cc,
// json_kernel_haswell.cc) share. Private to connectors/mqtt; includes no simdjson.
//
// A kernel parses one payload with its own simdjson implementation and walks it with the code of
// json_walk.inl; everything else (caches, catalog, messages) stays here and in json_mapper.cc, on
// the baseline instruction set. The inline functions below are compiled for baseline x86-64
// everywhere, including where the haswell kernel inlines them (see json_kernel_haswell.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/mqtt/json_mapper.h"
#include "core/config.h"
#include "core/types.h"

namespace mw::connectors::mqtt::detail {

// Which fields of a topic's payloads are signals (see json_mapper.h).
enum class Mode : std::uint8_t { kFields, kTemplate, kOpen };

// A key as a payload spells it when it has no escape: its bytes, then the closing quote. Matching
// one compares 16 bytes in two words instead of scanning the key and calling memcmp. Keys of more
// than 15 bytes, or with a quote or a backslash, have no pattern and go the slow way.
class KeyPattern {
 public:
  KeyPattern() = default;
  explicit KeyPattern(std::string_view key) {
    if (key.empty() || key.size() > 15 || key.find_first_of("\"\\") != std::string_view::npos) return;
    char bytes[16] = {};
    unsigned char mask[16] = {};
    std::memcpy(bytes, key.data(), key.size());
    bytes[key.size()] = '"';
    std::memset(mask, 0xff, key.size() + 1);
    std::memcpy(word_, bytes, 16);
    std::memcpy(mask_, mask, 16);
    valid_ = true;
  }
  // Whether the key that starts at `raw` (just after its opening quote, with 16 readable bytes
  // from there) is this one.
  bool Matches(const char* raw) const {
    std::uint64_t a = 0, b = 0;
    std::memcpy(&a, raw, 8);
    std::memcpy(&b, raw + 8, 8);
    return valid_ && ((a ^ word_[0]) & mask_[0]) == 0 && ((b ^ word_[1]) & mask_[1]) == 0;
  }

 private:
  std::uint64_t word_[2] = {0, 0};
  std::uint64_t mask_[2] = {0, 0};
  bool valid_ = false;
};

struct FieldSlot {
  std::string name;
  SeriesId series = kInvalidSeries;  // kInvalidSeries: known not to be a signal
  KeyPattern pattern;
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

// A JSON value's kind, numbered like simdjson's ondemand::json_type.
enum class JsonKind : std::uint8_t { kArray = 1, kObject, kNumber, kString, kBool, kNull };

// "an array", "an object", "a number", "a string", "a bool", "null".
std::string_view JsonKindName(JsonKind kind);

// One message being mapped: what a kernel reads, and where it puts samples and failures. The
// failure reports are out of line: they are rare, and their texts (simdjson's error messages
// included) come from json_mapper.cc.
class MapContext {
 public:
  MapContext(JsonMapper& mapper, TopicEntry& entry, std::string_view topic_, Timestamp arrival_,
             const char* json_, std::size_t size_, Batch& out_, MapResult& result_)
      : options(mapper.options_),
        topic(topic_),
        arrival(arrival_),
        json(json_),
        size(size_),
        out(out_),
        result(result_),
        time_key_(*mapper.time_key_),
        mapper_(mapper),
        entry_(entry) {}

  Mode mode() const { return entry_.mode; }
  const KeyPattern& time_key() const { return time_key_; }

  // The slot the next field most likely is (the one after the last match, wrapping around), to
  // compare with the payload's key before anything else; null when the topic has no slots yet.
  const FieldSlot* Predicted() const {
    return entry_.next < entry_.fields.size() ? &entry_.fields[entry_.next] : nullptr;
  }
  // The field was the predicted slot: its series, and on to the next slot.
  SeriesId TakePredicted() {
    const std::size_t i = entry_.next;
    entry_.next = i + 1 < entry_.fields.size() ? i + 1 : 0;
    return entry_.fields[i].series;
  }

  // The series of payload field `field` on this topic; kInvalidSeries when it is not a signal.
  // Fields come in the same order in every reading: the slot after the last match (wrapping
  // around) is tried first, inline.
  SeriesId SeriesFor(std::string_view field) {
    const std::size_t i = entry_.next;
    const std::size_t n = entry_.fields.size();
    if (i < n && entry_.fields[i].name == field) {
      entry_.next = i + 1 < n ? i + 1 : 0;
      return entry_.fields[i].series;
    }
    return SeriesSlow(field);
  }

  // Failures: each sets result.error and result.message and returns false. `at` points into the
  // payload (or is json + size for "at the end"); `error` is a simdjson::error_code.
  bool ParseError(int error);  // the payload was refused before the walk (no position)
  bool JsonError(int error, const char* at);
  bool RootNotObject(JsonKind kind, const char* at);
  bool Trailing(const char* at);
  bool ElementNotObject(JsonKind kind, const char* at);  // element number result.readings
  bool ValuesNotObject(std::string_view key, JsonKind kind, const char* at);
  bool BadTime(std::string_view key, const char* at, std::string_view why);
  bool BadTimeKind(std::string_view key, const char* at, JsonKind kind);
  // A mapped field holding a non-number: counted, described if it is the first; the walk goes on.
  void BadField(std::string_view key, JsonKind kind, const char* at);

  const MapperOptions& options;
  const std::string_view topic;
  const Timestamp arrival;
  const char* const json;  // the payload, followed by JsonMapper::kPadding readable bytes
  const std::size_t size;
  Batch& out;
  MapResult& result;

 private:
  SeriesId SeriesSlow(std::string_view field);
  bool Fail(Reason reason, const std::string& message);
  std::string At(const char* p) const;

  const KeyPattern& time_key_;
  JsonMapper& mapper_;
  TopicEntry& entry_;
};

// Parses and walks payloads with one simdjson implementation. One per JsonMapper.
class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual JsonKernel id() const = 0;
  // Appends the samples of ctx.json[0, ctx.size) to ctx.out; false when the message is rejected
  // (ctx.result says why; the caller then removes what was appended).
  virtual bool Walk(MapContext& ctx) = 0;
};

std::unique_ptr<Kernel> MakeGenericKernel();
#if MW_JSON_HASWELL
// Only where JsonKernelAvailable(JsonKernel::kHaswell): even constructing it may run AVX2 code.
std::unique_ptr<Kernel> MakeHaswellKernel();
#endif

}  // namespace mw::connectors::mqtt::detail
