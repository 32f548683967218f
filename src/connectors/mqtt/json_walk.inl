// The walk of one payload with simdjson On-Demand, written once and compiled once per kernel.
//
// A kernel's .cc includes <simdjson.h> (whose simdjson::ondemand is then that kernel's
// implementation), json_kernel.h, and then this file with MW_JSON_KERNEL_NS set to a namespace of
// its own: everything below lands in mw::connectors::mqtt::MW_JSON_KERNEL_NS, so the two
// compilations share no symbol. No #include here: the kernel's .cc includes what this needs, in the
// order its instruction-set region requires.
//
// Kept free of allocation on the good path: keys without escapes are compared where they are in the
// payload, and every failure text is built out of line by MapContext.

#ifndef MW_JSON_KERNEL_NS
#error "json_walk.inl is included by a kernel, with MW_JSON_KERNEL_NS defined"
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MW_JSON_FLATTEN __attribute__((flatten))
#else
#define MW_JSON_FLATTEN
#endif

namespace mw::connectors::mqtt::MW_JSON_KERNEL_NS {
namespace {

namespace od = simdjson::ondemand;

detail::JsonKind KindOf(od::json_type type) { return static_cast<detail::JsonKind>(type); }

// Walks one parsed message and appends its samples. Every method returns false once the message
// is rejected (the context's result then says why); bad fields are counted and the walk goes on.
class Walker {
 public:
  Walker(detail::MapContext& ctx, od::document& doc)
      : ctx_(ctx),
        options_(ctx.options),
        doc_(doc),
        out_(ctx.out),
        end_(ctx.json + ctx.size),
        has_time_field_(!ctx.options.time_field.empty()),
        has_values_field_(!ctx.options.values_field.empty()) {}

  bool Document() {
    od::json_type type;
    if (auto error = doc_.type().get(type)) return JsonError(error);
    if (type == od::json_type::object) {
      od::object object;
      if (auto error = doc_.get_object().get(object)) return JsonError(error);
      if (!Reading(object)) return false;
    } else if (type == od::json_type::array) {
      od::array array;
      if (auto error = doc_.get_array().get(array)) return JsonError(error);
      if (!Readings(array)) return false;
    } else {
      // type() only looks at the first byte: make sure the scalar is JSON before calling it one.
      if (auto error = CheckScalar(type)) return JsonError(error);
      return ctx_.RootNotObject(KindOf(type), ctx_.json);
    }
    // current_location() fails with OUT_OF_BOUNDS once the whole input has been consumed.
    const char* rest = nullptr;
    if (doc_.current_location().get(rest) == simdjson::SUCCESS) return ctx_.Trailing(rest);
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
        return ctx_.ElementNotObject(KindOf(type), value.raw_json_token().data());
      od::object object;
      if (auto error = value.get_object().get(object)) return JsonError(error);
      if (!Reading(object)) return false;
    }
    return true;
  }

  bool Reading(od::object& object) {
    ++ctx_.result.readings;
    const std::size_t first = out_.size();
    bool timed = false;
    Timestamp time = 0;
    for (auto item : object) {
      od::field field;
      if (auto error = std::move(item).get(field)) return JsonError(error);
      od::value& value = field.value();
      const char* raw = field.key().raw();
      // The usual case first: the field is the one this topic's readings have next, or the time.
      // (A slot never holds the time field: it is handled before any field is looked up.)
      if (!has_values_field_) {
        const detail::FieldSlot* slot = ctx_.Predicted();
        if (slot != nullptr && slot->pattern.Matches(raw)) {
          if (!Field(slot->name, value, slot)) return false;
          continue;
        }
      }
      if (ctx_.time_key().Matches(raw)) {
        if (!Time(options_.time_field, value, time)) return false;
        timed = true;
        continue;
      }
      std::string_view key;
      if (!Key(field, key)) return false;
      if (has_time_field_ && key == options_.time_field) {
        if (!Time(key, value, time)) return false;
        timed = true;
      } else if (!has_values_field_) {
        if (!Field(key, value, nullptr)) return false;
      } else if (key == options_.values_field) {
        if (!Values(key, value)) return false;
      }
    }
    // The time may come after the values: samples are stamped with the arrival time until then.
    if (timed) std::fill(out_.times.begin() + static_cast<std::ptrdiff_t>(first), out_.times.end(), time);
    return true;
  }

  bool Values(std::string_view key, od::value& value) {
    od::json_type type;
    if (auto error = value.type().get(type)) return JsonError(error);
    if (type != od::json_type::object)
      return ctx_.ValuesNotObject(key, KindOf(type), value.raw_json_token().data());
    od::object object;
    if (auto error = value.get_object().get(object)) return JsonError(error);
    for (auto item : object) {
      od::field field;
      if (auto error = std::move(item).get(field)) return JsonError(error);
      const detail::FieldSlot* slot = ctx_.Predicted();
      if (slot != nullptr && slot->pattern.Matches(field.key().raw())) {
        if (!Field(slot->name, field.value(), slot)) return false;
        continue;
      }
      std::string_view name;
      if (!Key(field, name)) return false;
      if (has_time_field_ && name == options_.time_field) continue;
      if (!Field(name, field.value(), nullptr)) return false;
    }
    return true;
  }

  // The key of `field`. A key without escapes is its text in the payload, taken where it is; only a
  // key with a backslash is unescaped (copied) by simdjson. Stage 1 has found the closing quote of
  // every key, so the scan below ends inside the payload.
  bool Key(od::field& field, std::string_view& key) {
    const char* begin = field.key().raw();
    const char* p = begin;
    while (*p != '"' && *p != '\\') ++p;
    if (*p == '"') {
      key = std::string_view(begin, static_cast<std::size_t>(p - begin));
      return true;
    }
    if (auto error = field.unescaped_key().get(key)) return JsonError(error);
    return true;
  }

  // `slot`: the predicted slot, when the key is known to be its name.
  bool Field(std::string_view key, od::value& value, const detail::FieldSlot* slot) {
    od::json_type type;
    if (auto error = value.type().get(type)) return JsonError(error);
    const bool numeric = type == od::json_type::number || type == od::json_type::boolean;
    // In open mode only numbers and bools can be signals; other values are plain payload.
    if (!numeric && ctx_.mode() == detail::Mode::kOpen) return true;
    const SeriesId id = slot != nullptr ? ctx_.TakePredicted() : ctx_.SeriesFor(key);
    if (id == kInvalidSeries) return true;
    if (!numeric) {
      ctx_.BadField(key, KindOf(type), value.raw_json_token().data());
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
    out_.Append(id, ctx_.arrival, v);
    return true;
  }

  bool Time(std::string_view key, od::value& value, Timestamp& out) {
    const char* at = value.raw_json_token().data();
    od::json_type type;
    if (auto error = value.type().get(type)) return JsonError(error);
    if (type == od::json_type::string) {
      std::string_view text;
      if (auto error = value.get_string().get(text)) return JsonError(error);
      auto t = ParseRfc3339(text);
      if (!t.ok()) return ctx_.BadTime(key, at, t.status().message());
      out = *t;
      return true;
    }
    if (type != od::json_type::number) return ctx_.BadTimeKind(key, at, KindOf(type));
    // get_int64 leaves the value in place when it fails, so a fraction or a huge integer can be
    // read again as a double.
    const std::int64_t scale = options_.time_unit_ns;
    std::int64_t n = 0;
    if (value.get_int64().get(n) == simdjson::SUCCESS) {
      if (n > INT64_MAX / scale || n < INT64_MIN / scale) return ctx_.BadTime(key, at, "out of range");
      out = n * scale;
      return true;
    }
    double d = 0;
    if (value.get_double().get(d) != simdjson::SUCCESS)
      return ctx_.BadTime(key, at, "not a representable number");
    const double ns = d * static_cast<double>(scale);
    if (!std::isfinite(ns) || std::fabs(ns) >= 9.2e18) return ctx_.BadTime(key, at, "out of range");
    out = static_cast<Timestamp>(std::llround(ns));
    return true;
  }

  simdjson::error_code CheckScalar(od::json_type type) {
    switch (type) {
      case od::json_type::number:
        return doc_.get_double().error();
      case od::json_type::string:
        return doc_.get_string().error();
      case od::json_type::boolean:
        return doc_.get_bool().error();
      case od::json_type::null: {
        bool is_null = false;
        if (auto error = doc_.is_null().get(is_null)) return error;
        return is_null ? simdjson::SUCCESS : simdjson::INCORRECT_TYPE;
      }
      default:
        return simdjson::SUCCESS;
    }
  }

  bool JsonError(simdjson::error_code error) {
    // An unclosed object or array is found before the walk starts; its place is the end.
    const char* at = end_;
    if (error != simdjson::INCOMPLETE_ARRAY_OR_OBJECT && doc_.current_location().get(at) != simdjson::SUCCESS)
      at = end_;
    return ctx_.JsonError(static_cast<int>(error), at);
  }

  detail::MapContext& ctx_;
  const MapperOptions& options_;
  od::document& doc_;
  Batch& out_;
  const char* const end_;
  const bool has_time_field_;
  const bool has_values_field_;
};

class KernelImpl final : public detail::Kernel {
 public:
  explicit KernelImpl(JsonKernel id) : id_(id) {}
  JsonKernel id() const override { return id_; }

  // flatten: everything the walk calls is inlined into this one function, so that the compiler
  // keeps simdjson's iterators in registers instead of passing them through memory between
  // Reading(), Field() and simdjson's own functions. Measured with bench_json_mapper: the walk of
  // a 100-reading message takes about half the time it takes without.
  MW_JSON_FLATTEN bool Walk(detail::MapContext& ctx) override {
    od::document doc;
    if (auto error = parser_.iterate(ctx.json, ctx.size, ctx.size + JsonMapper::kPadding).get(doc))
      return ctx.ParseError(static_cast<int>(error));
    return Walker(ctx, doc).Document();
  }

 private:
  const JsonKernel id_;
  od::parser parser_{JsonMapper::kMaxPayload};
};

}  // namespace
}  // namespace mw::connectors::mqtt::MW_JSON_KERNEL_NS

#undef MW_JSON_FLATTEN
