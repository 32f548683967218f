#include "opcua/client/value_text.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <type_traits>

#include "core/time_format.h"
#include "opcua/encoding/datetime.h"
#include "opcua/encoding/node_id.h"
#include "opcua/encoding/status_code_names.h"

namespace mw::opcua {
namespace {

std::string Quoted(std::string_view s) { return nlohmann::json(std::string(s)).dump(); }

std::string Number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return fmt::format("{}", v);
}

std::string DateText(DateTime d) { return FormatRfc3339(TimestampFromDateTime(d)); }

std::string FieldToText(const FieldValue& field) {
  auto one = [&](std::size_t i) {
    return field.structures.empty() ? ValueToText(field.builtins[i]) : StructuredToText(field.structures[i]);
  };
  const std::size_t n = field.structures.empty() ? field.builtins.size() : field.structures.size();
  if (!field.is_array) return n == 0 ? "null" : one(0);
  std::string out = "[";
  for (std::size_t i = 0; i < n; ++i) out += (i ? ", " : "") + one(i);
  return out + "]";
}

nlohmann::json FieldToJson(const FieldValue& field) {
  auto one = [&](std::size_t i) {
    return field.structures.empty() ? ValueToJson(field.builtins[i]) : StructuredToJson(field.structures[i]);
  };
  const std::size_t n = field.structures.empty() ? field.builtins.size() : field.structures.size();
  if (!field.is_array) return n == 0 ? nlohmann::json() : one(0);
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = 0; i < n; ++i) out.push_back(one(i));
  return out;
}

template <typename T>
Result<Value> ParseInteger(std::string_view text, BuiltinType type) {
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument(
        fmt::format("'{}' is not a {} ({})", text, BuiltinTypeName(type),
                    ec == std::errc::result_out_of_range ? "out of range" : "not a number"));
  }
  return Value(v);
}

Result<Value> ParseScalar(std::string_view text, BuiltinType type) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(fmt::format("'{}' is not a {}: {}", text, BuiltinTypeName(type), why));
  };
  switch (type) {
    case BuiltinType::kBoolean:
      if (text == "true" || text == "1") return Value(true);
      if (text == "false" || text == "0") return Value(false);
      return bad("expected true, false, 1 or 0");
    case BuiltinType::kSByte:
      return ParseInteger<std::int8_t>(text, type);
    case BuiltinType::kByte:
      return ParseInteger<std::uint8_t>(text, type);
    case BuiltinType::kInt16:
      return ParseInteger<std::int16_t>(text, type);
    case BuiltinType::kUInt16:
      return ParseInteger<std::uint16_t>(text, type);
    case BuiltinType::kInt32:
      return ParseInteger<std::int32_t>(text, type);
    case BuiltinType::kUInt32:
      return ParseInteger<std::uint32_t>(text, type);
    case BuiltinType::kInt64:
      return ParseInteger<std::int64_t>(text, type);
    case BuiltinType::kUInt64:
      return ParseInteger<std::uint64_t>(text, type);
    case BuiltinType::kFloat:
    case BuiltinType::kDouble: {
      const std::string s(text);
      char* end = nullptr;
      const double v = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size()) return bad("not a number");
      if (type == BuiltinType::kFloat) return Value(static_cast<float>(v));
      return Value(v);
    }
    case BuiltinType::kString:
      return Value(String(std::string(text)));
    case BuiltinType::kDateTime: {
      Result<Timestamp> t = ParseRfc3339(text);
      if (!t.ok()) return bad(t.status().message());
      return Value(DateTimeFromTimestamp(*t));
    }
    case BuiltinType::kNodeId: {
      Result<NodeId> id = ParseNodeId(text);
      if (!id.ok()) return id.status();
      return Value(*id);
    }
    case BuiltinType::kStatusCode: {
      if (auto code = StatusCodeFromName(text)) return Value(UaStatusCode{*code});
      if (text.substr(0, 2) == "0x") {
        std::uint32_t code = 0;
        auto [end, ec] = std::from_chars(text.data() + 2, text.data() + text.size(), code, 16);
        if (ec == std::errc() && end == text.data() + text.size()) return Value(UaStatusCode{code});
      }
      return bad("expected a status code name or 0x hex");
    }
    case BuiltinType::kLocalizedText: {
      LocalizedText t;
      t.text = std::string(text);
      return Value(t);
    }
    case BuiltinType::kByteString: {
      Result<std::string> bytes = Base64Decode(text);
      if (!bytes.ok()) return bytes.status();
      return Value(ByteString{*bytes});
    }
    default:
      return bad("writing this type from text is not supported");
  }
}

}  // namespace

std::string ValueToText(const Value& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "null";
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::int8_t> || std::is_same_v<T, std::uint8_t>) {
          return std::to_string(static_cast<int>(v));
        } else if constexpr (std::is_integral_v<T>) {
          return std::to_string(v);
        } else if constexpr (std::is_floating_point_v<T>) {
          return Number(v);
        } else if constexpr (std::is_same_v<T, String>) {
          return v ? Quoted(*v) : "null";
        } else if constexpr (std::is_same_v<T, DateTime>) {
          return DateText(v);
        } else if constexpr (std::is_same_v<T, Guid> || std::is_same_v<T, NodeId> ||
                             std::is_same_v<T, ExpandedNodeId>) {
          return ToString(v);
        } else if constexpr (std::is_same_v<T, ByteString>) {
          return v.bytes ? "b64:" + Base64Encode(*v.bytes) : "null";
        } else if constexpr (std::is_same_v<T, XmlElement>) {
          return v.xml ? Quoted(*v.xml) : "null";
        } else if constexpr (std::is_same_v<T, UaStatusCode>) {
          return StatusCodeName(v.code);
        } else if constexpr (std::is_same_v<T, QualifiedName>) {
          return v.namespace_index == 0 ? v.name : fmt::format("{}:{}", v.namespace_index, v.name);
        } else if constexpr (std::is_same_v<T, LocalizedText>) {
          return v.text ? Quoted(*v.text) : "null";
        } else if constexpr (std::is_same_v<T, ExtensionObject>) {
          return fmt::format("ExtensionObject({}, {} bytes)", ToString(v.type_id), v.body.size());
        } else if constexpr (std::is_same_v<T, Box<DataValue>>) {
          return v->value ? VariantToText(*v->value) : "null";
        } else if constexpr (std::is_same_v<T, Box<Variant>>) {
          return VariantToText(*v);
        } else {
          return "DiagnosticInfo";
        }
      },
      value);
}

std::string VariantToText(const Variant& variant, std::size_t max_elements) {
  if (variant.IsNull()) return "null";
  if (!variant.is_array) return ValueToText(variant.values.front());
  std::string out = "[";
  const std::size_t shown = std::min(variant.values.size(), max_elements);
  for (std::size_t i = 0; i < shown; ++i) out += (i ? ", " : "") + ValueToText(variant.values[i]);
  if (shown < variant.values.size()) out += fmt::format(", ... ({} elements)", variant.values.size());
  return out + "]";
}

std::string StructuredToText(const StructuredValue& value) {
  std::string out = "{";
  for (std::size_t i = 0; i < value.fields.size(); ++i) {
    out += fmt::format("{}{}: {}", i ? ", " : "", value.fields[i].name, FieldToText(value.fields[i].value));
  }
  return out + "}";
}

nlohmann::json ValueToJson(const Value& value) {
  return std::visit(
      [&](const auto& v) -> nlohmann::json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, bool> || std::is_integral_v<T>) {
          return v;
        } else if constexpr (std::is_floating_point_v<T>) {
          if (std::isfinite(v)) return static_cast<double>(v);
          return Number(v);
        } else if constexpr (std::is_same_v<T, String>) {
          return v ? nlohmann::json(*v) : nlohmann::json();
        } else if constexpr (std::is_same_v<T, ByteString>) {
          return v.bytes ? nlohmann::json(Base64Encode(*v.bytes)) : nlohmann::json();
        } else if constexpr (std::is_same_v<T, LocalizedText>) {
          return v.text ? nlohmann::json(*v.text) : nlohmann::json();
        } else if constexpr (std::is_same_v<T, Box<Variant>>) {
          return VariantToJson(*v);
        } else {
          return ValueToText(value);
        }
      },
      value);
}

nlohmann::json VariantToJson(const Variant& variant) {
  if (variant.IsNull()) return nullptr;
  if (!variant.is_array) return ValueToJson(variant.values.front());
  nlohmann::json out = nlohmann::json::array();
  for (const Value& v : variant.values) out.push_back(ValueToJson(v));
  return out;
}

nlohmann::json StructuredToJson(const StructuredValue& value) {
  nlohmann::json out = nlohmann::json::object();
  for (const StructuredField& f : value.fields) out[f.name] = FieldToJson(f.value);
  return out;
}

Result<Variant> ParseVariant(std::string_view text, BuiltinType type) {
  if (!text.empty() && text.front() == '[') {
    const nlohmann::json array = nlohmann::json::parse(text, nullptr, false);
    if (!array.is_array()) return Status::InvalidArgument(fmt::format("'{}' is not a JSON array", text));
    std::vector<Value> values;
    for (const nlohmann::json& element : array) {
      const std::string item = element.is_string() ? element.get<std::string>() : element.dump();
      Result<Value> v = ParseScalar(item, type);
      if (!v.ok()) return v.status();
      values.push_back(std::move(v).value());
    }
    return Variant::Array(type, std::move(values));
  }
  Result<Value> v = ParseScalar(text, type);
  if (!v.ok()) return v.status();
  return Variant::Scalar(std::move(v).value());
}

std::optional<double> ValueToDouble(const Value& value) {
  return std::visit(
      [](const auto& v) -> std::optional<double> {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return v ? 1.0 : 0.0;
        } else if constexpr (std::is_arithmetic_v<T>) {
          return static_cast<double>(v);
        } else if constexpr (std::is_same_v<T, UaStatusCode>) {
          return static_cast<double>(v.code);
        } else {
          return std::nullopt;
        }
      },
      value);
}

}  // namespace mw::opcua
