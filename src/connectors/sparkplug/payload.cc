#include "connectors/sparkplug/payload.h"

#include <array>
#include <limits>

#include "sparkplug_b.pb.h"

namespace mw::connectors::sparkplug {
namespace {

using WireMetric = wire::Payload_Metric;

constexpr std::array<std::string_view, kMaxDataType + 1> kTypeNames = {"Unknown",      "Int8",
                                                                       "Int16",        "Int32",
                                                                       "Int64",        "UInt8",
                                                                       "UInt16",       "UInt32",
                                                                       "UInt64",       "Float",
                                                                       "Double",       "Boolean",
                                                                       "String",       "DateTime",
                                                                       "Text",         "UUID",
                                                                       "DataSet",      "Bytes",
                                                                       "File",         "Template",
                                                                       "PropertySet",  "PropertySetList",
                                                                       "Int8Array",    "Int16Array",
                                                                       "Int32Array",   "Int64Array",
                                                                       "UInt8Array",   "UInt16Array",
                                                                       "UInt32Array",  "UInt64Array",
                                                                       "FloatArray",   "DoubleArray",
                                                                       "BooleanArray", "StringArray",
                                                                       "DateTimeArray"};

// Which oneof field carried (or is to carry) a value.
enum class Field {
  kNone,
  kInt,
  kLong,
  kFloat,
  kDouble,
  kBool,
  kString,
  kBytes,
  kDataSet,
  kTemplate,
  kExtension
};

std::string_view FieldName(Field f) {
  switch (f) {
    case Field::kNone:
      return "no value";
    case Field::kInt:
      return "int_value";
    case Field::kLong:
      return "long_value";
    case Field::kFloat:
      return "float_value";
    case Field::kDouble:
      return "double_value";
    case Field::kBool:
      return "boolean_value";
    case Field::kString:
      return "string_value";
    case Field::kBytes:
      return "bytes_value";
    case Field::kDataSet:
      return "dataset_value";
    case Field::kTemplate:
      return "template_value";
    case Field::kExtension:
      return "extension_value";
  }
  return "?";
}

std::uint32_t Number(DataType t) { return static_cast<std::uint32_t>(t); }

std::string TypeText(DataType t) {
  return std::to_string(Number(t)) + " (" + std::string(DataTypeName(t)) + ")";
}

bool IsArray(DataType t) { return Number(t) >= 22 && Number(t) <= 34; }

// Integer width in bits and signedness; 0 for non-integer types.
int IntBits(DataType t, bool& is_signed) {
  is_signed = false;
  switch (t) {
    case DataType::kInt8:
      is_signed = true;
      return 8;
    case DataType::kInt16:
      is_signed = true;
      return 16;
    case DataType::kInt32:
      is_signed = true;
      return 32;
    case DataType::kInt64:
      is_signed = true;
      return 64;
    case DataType::kUInt8:
      return 8;
    case DataType::kUInt16:
      return 16;
    case DataType::kUInt32:
      return 32;
    case DataType::kUInt64:
    case DataType::kDateTime:  // ms since the epoch, an unsigned 64-bit number on the wire
      return 64;
    default:
      return 0;
  }
}

// The fields a datatype may arrive in; the first is the one we write.
std::array<Field, 2> FieldsOf(DataType t) {
  bool is_signed = false;
  const int bits = IntBits(t, is_signed);
  if (bits > 0 && bits < 64) return {Field::kInt, Field::kLong};
  if (bits == 64) return {Field::kLong, Field::kInt};
  switch (t) {
    case DataType::kFloat:
      return {Field::kFloat, Field::kFloat};
    case DataType::kDouble:
      return {Field::kDouble, Field::kDouble};
    case DataType::kBoolean:
      return {Field::kBool, Field::kBool};
    case DataType::kString:
    case DataType::kText:
    case DataType::kUuid:
      return {Field::kString, Field::kString};
    case DataType::kBytes:
    case DataType::kFile:
      return {Field::kBytes, Field::kBytes};
    case DataType::kDataSet:
      return {Field::kDataSet, Field::kDataSet};
    case DataType::kTemplate:
      return {Field::kTemplate, Field::kTemplate};
    // PropertySet values have no field of their own in the Metric oneof: only the extension.
    case DataType::kPropertySet:
    case DataType::kPropertySetList:
      return {Field::kExtension, Field::kExtension};
    default:
      break;
  }
  if (IsArray(t)) return {Field::kBytes, Field::kBytes};
  return {Field::kNone, Field::kNone};
}

// Interprets the 64-bit pattern `raw` as a value of an integer type of `bits` bits; false when it
// does not fit (a signed value may arrive sign-extended to 32 or to 64 bits).
bool FitInteger(std::int64_t raw, int bits, bool is_signed, std::int64_t& out) {
  const auto u = static_cast<std::uint64_t>(raw);
  if (bits == 64) {
    out = raw;
    return true;
  }
  const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
  if (!is_signed) {
    out = static_cast<std::int64_t>(u);
    return u <= mask;
  }
  const std::uint64_t low = u & mask;
  const bool negative = (low >> (bits - 1)) != 0;
  out = negative ? static_cast<std::int64_t>(low | ~mask) : static_cast<std::int64_t>(low);
  const auto as64 = static_cast<std::uint64_t>(out);
  const auto as32 = static_cast<std::uint64_t>(static_cast<std::uint32_t>(as64));
  return u == as64 || u == as32;
}

// The value of a wire metric as sent: integers as their 64-bit pattern (an int_value zero-extended).
Field ReadValue(const WireMetric& m, MetricValue& out) {
  switch (m.value_case()) {
    case WireMetric::kIntValue:
      out = static_cast<std::int64_t>(m.int_value());
      return Field::kInt;
    case WireMetric::kLongValue:
      out = static_cast<std::int64_t>(m.long_value());
      return Field::kLong;
    case WireMetric::kFloatValue:
      out = static_cast<double>(m.float_value());
      return Field::kFloat;
    case WireMetric::kDoubleValue:
      out = m.double_value();
      return Field::kDouble;
    case WireMetric::kBooleanValue:
      out = m.boolean_value();
      return Field::kBool;
    case WireMetric::kStringValue:
      out = m.string_value();
      return Field::kString;
    case WireMetric::kBytesValue:
      out = m.bytes_value();
      return Field::kBytes;
    case WireMetric::kDatasetValue:
      out = std::monostate{};
      return Field::kDataSet;
    case WireMetric::kTemplateValue:
      out = std::monostate{};
      return Field::kTemplate;
    case WireMetric::kExtensionValue:
      out = std::monostate{};
      return Field::kExtension;
    case WireMetric::VALUE_NOT_SET:
      break;
  }
  out = std::monostate{};
  return Field::kNone;
}

// Checks that a metric stating `datatype` arrived in a field that datatype uses, and cuts its
// integer to the type's width.
Status CheckStated(std::size_t index, Metric& m, Field field) {
  const auto fields = FieldsOf(m.datatype);
  if (field != fields[0] && field != fields[1]) {
    return Status::InvalidArgument(DescribeMetric(index, m) + ": datatype " + TypeText(m.datatype) +
                                   " expects " + std::string(FieldName(fields[0])) + ", found " +
                                   std::string(FieldName(field)));
  }
  if (auto* i = std::get_if<std::int64_t>(&m.value)) {
    bool is_signed = false;
    const int bits = IntBits(m.datatype, is_signed);
    const std::int64_t raw = *i;
    if (!FitInteger(raw, bits, is_signed, *i)) {
      return Status::InvalidArgument(DescribeMetric(index, m) + ": " + std::string(FieldName(field)) + " " +
                                     std::to_string(static_cast<std::uint64_t>(raw)) +
                                     " does not fit datatype " + TypeText(m.datatype));
    }
  }
  return Status::Ok();
}

Status DecodeMetric(std::size_t index, const WireMetric& w, Metric& m) {
  m.name = w.name();
  m.alias = w.has_alias() ? std::optional<std::uint64_t>(w.alias()) : std::nullopt;
  m.timestamp = w.has_timestamp() ? std::optional<std::uint64_t>(w.timestamp()) : std::nullopt;
  m.is_null = w.is_null();
  m.is_historical = w.is_historical();
  m.is_transient = w.is_transient();
  m.datatype = DataType::kUnknown;
  const Field field = ReadValue(w, m.value);
  if (w.datatype() > kMaxDataType) {
    return Status::InvalidArgument(DescribeMetric(index, m) + ": unknown datatype " +
                                   std::to_string(w.datatype()));
  }
  m.datatype = static_cast<DataType>(w.datatype());
  if (field == Field::kNone) {
    if (m.is_null) return Status::Ok();
    return Status::InvalidArgument(DescribeMetric(index, m) + ": no value and not marked is_null");
  }
  // A null metric's value field, if any, is ignored (some senders fill in a default).
  if (m.is_null) {
    m.value = std::monostate{};
    return Status::Ok();
  }
  if (m.datatype == DataType::kUnknown) return Status::Ok();
  return CheckStated(index, m, field);
}

// Writes `value` into the field `field`; false if the value is of another kind.
bool WriteValue(const MetricValue& value, Field field, DataType type, WireMetric& w) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) {
    bool is_signed = false;
    const int bits = IntBits(type, is_signed);
    std::int64_t fitted = *i;
    if (bits > 0 && !FitInteger(*i, bits, is_signed, fitted)) return false;
    if (field == Field::kInt)
      w.set_int_value(static_cast<std::uint32_t>(static_cast<std::uint64_t>(*i)));
    else if (field == Field::kLong)
      w.set_long_value(static_cast<std::uint64_t>(*i));
    else
      return false;
    return true;
  }
  if (const auto* d = std::get_if<double>(&value)) {
    if (field == Field::kFloat)
      w.set_float_value(static_cast<float>(*d));
    else if (field == Field::kDouble)
      w.set_double_value(*d);
    else
      return false;
    return true;
  }
  if (const auto* b = std::get_if<bool>(&value)) {
    if (field != Field::kBool) return false;
    w.set_boolean_value(*b);
    return true;
  }
  if (const auto* s = std::get_if<std::string>(&value)) {
    if (field == Field::kString)
      w.set_string_value(*s);
    else if (field == Field::kBytes)
      w.set_bytes_value(*s);
    else
      return false;
    return true;
  }
  return false;
}

// The field a metric without a datatype is written to: the one its value's kind suggests.
Field FieldForValue(const MetricValue& value) {
  switch (value.index()) {
    case 1:
      return Field::kLong;
    case 2:
      return Field::kDouble;
    case 3:
      return Field::kBool;
    case 4:
      return Field::kString;
    default:
      return Field::kNone;
  }
}

std::string_view KindName(const MetricValue& value) {
  switch (value.index()) {
    case 1:
      return "an integer";
    case 2:
      return "a floating-point number";
    case 3:
      return "a bool";
    case 4:
      return "a string";
    default:
      return "no value";
  }
}

Status EncodeMetric(std::size_t index, const Metric& m, const EncodeOptions& options, WireMetric& w) {
  if (!m.name.empty()) w.set_name(m.name);
  if (m.alias) w.set_alias(*m.alias);
  if (m.timestamp) w.set_timestamp(*m.timestamp);
  if (options.datatypes && m.datatype != DataType::kUnknown) w.set_datatype(Number(m.datatype));
  if (m.is_historical) w.set_is_historical(true);
  if (m.is_transient) w.set_is_transient(true);
  if (m.is_null) {
    w.set_is_null(true);
    return Status::Ok();
  }
  if (Number(m.datatype) > kMaxDataType)
    return Status::InvalidArgument(DescribeMetric(index, m) + ": unknown datatype " +
                                   std::to_string(Number(m.datatype)));
  const Field field = m.datatype == DataType::kUnknown ? FieldForValue(m.value) : FieldsOf(m.datatype)[0];
  if (!WriteValue(m.value, field, m.datatype, w)) {
    return Status::InvalidArgument(DescribeMetric(index, m) + ": datatype " + TypeText(m.datatype) +
                                   " cannot hold " + std::string(KindName(m.value)) +
                                   (std::holds_alternative<std::int64_t>(m.value)
                                        ? " " + std::to_string(std::get<std::int64_t>(m.value))
                                        : std::string()));
  }
  return Status::Ok();
}

}  // namespace

std::string_view DataTypeName(DataType type) {
  const std::uint32_t n = Number(type);
  return n <= kMaxDataType ? kTypeNames[n] : kTypeNames[0];
}

bool IsNumeric(DataType type) {
  const std::uint32_t n = Number(type);
  return n >= Number(DataType::kInt8) && n <= Number(DataType::kBoolean);
}

std::string DescribeMetric(std::size_t index, const Metric& metric) {
  // Names come from the wire: keep error messages (and log lines) bounded.
  constexpr std::size_t kMaxShown = 80;
  std::string out = "metric " + std::to_string(index) + " (";
  if (metric.name.empty()) {
    out += "no name";
  } else {
    out += "'" + metric.name.substr(0, kMaxShown) + (metric.name.size() > kMaxShown ? "...'" : "'");
  }
  if (metric.alias) out += ", alias " + std::to_string(*metric.alias);
  return out + ")";
}

Result<std::string> EncodePayload(const Payload& payload, const EncodeOptions& options) {
  wire::Payload w;
  if (payload.timestamp) w.set_timestamp(*payload.timestamp);
  if (payload.seq) w.set_seq(*payload.seq);
  for (std::size_t i = 0; i < payload.metrics.size(); ++i)
    MW_RETURN_IF_ERROR(EncodeMetric(i, payload.metrics[i], options, *w.add_metrics()));
  std::string bytes;
  if (!w.SerializeToString(&bytes)) return Status::Internal("sparkplug payload: cannot serialise");
  return bytes;
}

Status DecodePayload(std::string_view bytes, Payload& out) {
  if (bytes.size() > kMaxPayloadBytes)
    return Status::InvalidArgument("payload of " + std::to_string(bytes.size()) +
                                   " bytes exceeds the limit of " + std::to_string(kMaxPayloadBytes));
  wire::Payload w;
  if (!w.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return Status::InvalidArgument("not a Sparkplug B payload (" + std::to_string(bytes.size()) +
                                   " bytes that protobuf cannot parse)");
  out.timestamp = w.has_timestamp() ? std::optional<std::uint64_t>(w.timestamp()) : std::nullopt;
  out.seq = w.has_seq() ? std::optional<std::uint64_t>(w.seq()) : std::nullopt;
  out.metrics.clear();
  out.metrics.resize(static_cast<std::size_t>(w.metrics_size()));
  for (int i = 0; i < w.metrics_size(); ++i) {
    const auto index = static_cast<std::size_t>(i);
    MW_RETURN_IF_ERROR(DecodeMetric(index, w.metrics(i), out.metrics[index]));
  }
  return Status::Ok();
}

Status ApplyDatatype(Metric& metric, DataType type) {
  if (metric.datatype == type) return Status::Ok();
  if (Number(type) > kMaxDataType || type == DataType::kUnknown)
    return Status::InvalidArgument("cannot apply datatype " + std::to_string(Number(type)));
  metric.datatype = type;
  if (metric.is_null || std::holds_alternative<std::monostate>(metric.value)) return Status::Ok();
  bool is_signed = false;
  const int bits = IntBits(type, is_signed);
  bool fits = false;
  switch (metric.value.index()) {
    case 1: {
      auto& i = std::get<std::int64_t>(metric.value);
      const std::int64_t raw = i;
      if (bits > 0 && !FitInteger(raw, bits, is_signed, i))
        return Status::InvalidArgument("integer " + std::to_string(static_cast<std::uint64_t>(raw)) +
                                       " does not fit datatype " + TypeText(type));
      fits = bits > 0;
      break;
    }
    case 2:
      fits = type == DataType::kFloat || type == DataType::kDouble;
      break;
    case 3:
      fits = type == DataType::kBoolean;
      break;
    case 4: {
      const Field f = FieldsOf(type)[0];
      fits = f == Field::kString || f == Field::kBytes;
      break;
    }
    default:
      break;
  }
  if (fits) return Status::Ok();
  return Status::InvalidArgument("datatype " + TypeText(type) + " does not take " +
                                 std::string(KindName(metric.value)));
}

Result<double> NumericValue(const Metric& metric) {
  if (metric.is_null) return Status::InvalidArgument("value is null");
  const DataType t = metric.datatype;
  if (t != DataType::kUnknown && !IsNumeric(t))
    return Status::InvalidArgument("datatype " + TypeText(t) + " carries no numeric value");
  switch (metric.value.index()) {
    case 1: {
      const std::int64_t i = std::get<std::int64_t>(metric.value);
      if (t == DataType::kUInt64) return static_cast<double>(static_cast<std::uint64_t>(i));
      return static_cast<double>(i);
    }
    case 2:
      return std::get<double>(metric.value);
    case 3:
      return std::get<bool>(metric.value) ? 1.0 : 0.0;
    case 4:
      return Status::InvalidArgument("datatype " + TypeText(t) + " carries no numeric value (a string)");
    default:
      return Status::InvalidArgument("no value");
  }
}

}  // namespace mw::connectors::sparkplug
