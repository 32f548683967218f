// Sparkplug B payloads: our plain structs and the protobuf bytes of the wire (sparkplug_b.proto).
// The rest of the code sees only these structs; payload.cc is the only file that includes the
// generated protobuf code.
//
// Values. A Metric's value is one of: none (null, or a type we do not unpack), a 64-bit integer,
// a double, a bool or a string. Integers hold every integer datatype and DateTime (ms since the
// epoch): signed types sign-extended, unsigned ones zero-extended, UInt64 as its bit pattern (read
// it back with NumericValue, or as std::uint64_t). Float and Double become double; String, Text and
// UUID become a string, and so do the bytes of Bytes, File and the array types (packed little
// endian, undecoded). DataSet, Template, PropertySet and PropertySetList values decode to none:
// the metric (name, alias, datatype) is kept, its value is not unpacked.
//
// Decoding is strict and names the place: the bytes must be a Sparkplug B payload of at most
// kMaxPayloadBytes; a metric's datatype must be one of the spec's (0..34); a metric that states its
// datatype must carry the value field that datatype uses (int_value or long_value for integers,
// float_value for Float, ...) with a value that fits it (an Int8 of 300 is an error); a metric must
// carry a value or be marked is_null. Errors read e.g.
// "metric 3 ('Temperature', alias 7): datatype 9 (Float) expects float_value, found string_value".
// Data messages (NDATA, DDATA) usually omit datatypes: such a metric decodes with
// DataType::kUnknown and its value as sent (an int_value zero-extended); ApplyDatatype() then
// interprets it with the datatype its birth declared.
//
// Encoding writes the field the datatype calls for (Int8..Int32 and UInt8..UInt32 in int_value, as
// 32-bit two's complement for the signed ones; Int64, UInt64 and DateTime in long_value) and fails,
// naming the metric, when the value does not fit the datatype. With kUnknown the field follows the
// value (integer: long_value, double: double_value, ...).
//
// Thread-safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"

namespace mw::connectors::sparkplug {

// The spec's datatype numbers.
enum class DataType : std::uint32_t {
  kUnknown = 0,
  kInt8 = 1,
  kInt16 = 2,
  kInt32 = 3,
  kInt64 = 4,
  kUInt8 = 5,
  kUInt16 = 6,
  kUInt32 = 7,
  kUInt64 = 8,
  kFloat = 9,
  kDouble = 10,
  kBoolean = 11,
  kString = 12,
  kDateTime = 13,
  kText = 14,
  kUuid = 15,
  kDataSet = 16,
  kBytes = 17,
  kFile = 18,
  kTemplate = 19,
  kPropertySet = 20,
  kPropertySetList = 21,
  kInt8Array = 22,
  kDateTimeArray = 34,  // 22..34 are the array types
};
inline constexpr std::uint32_t kMaxDataType = 34;

// "Int32", "Float", ...; "Unknown" for 0 and for numbers beyond kMaxDataType.
std::string_view DataTypeName(DataType type);
// Int8..UInt64, Float, Double and Boolean: the types NumericValue() reads.
bool IsNumeric(DataType type);

using MetricValue = std::variant<std::monostate, std::int64_t, double, bool, std::string>;

struct Metric {
  std::string name;                        // births always; data messages may send the alias alone
  std::optional<std::uint64_t> alias;      // unique per edge node, declared in the birth
  std::optional<std::uint64_t> timestamp;  // ms since the Unix epoch
  DataType datatype = DataType::kUnknown;  // kUnknown: not sent
  MetricValue value;                       // see "Values" above
  bool is_null = false;
  bool is_historical = false;
  bool is_transient = false;
};

struct Payload {
  std::optional<std::uint64_t> timestamp;  // ms since the Unix epoch
  std::optional<std::uint64_t> seq;        // 0..255; absent in NDEATH, STATE-less commands
  std::vector<Metric> metrics;
};

inline constexpr std::size_t kMaxPayloadBytes = 16u << 20;

struct EncodeOptions {
  // False: leave the datatype out (what data messages do after the birth declared it); the value
  // is still written to the field the datatype calls for.
  bool datatypes = true;
};

Result<std::string> EncodePayload(const Payload& payload, const EncodeOptions& options = {});

// Decodes `bytes` into `out` (replacing its content). On error `out` is unspecified.
Status DecodePayload(std::string_view bytes, Payload& out);

// Sets the datatype of a metric decoded without one (its birth's) and interprets its value with
// it: an integer is cut to the type's width (sign- or zero-extended) after checking that it fits,
// a value of the wrong kind is an error ("datatype 11 (Boolean) does not take an integer").
// A metric that already has this datatype is left as it is.
Status ApplyDatatype(Metric& metric, DataType type);

// The metric's value as a number: integers, Float, Double, and Boolean (1 or 0). Errors name the
// datatype ("datatype 12 (String) carries no numeric value"), a null value, or a missing one. With
// DataType::kUnknown an integer, double or bool value is read as it is.
Result<double> NumericValue(const Metric& metric);

// "metric 3 ('Temperature', alias 7)": how errors name a metric (index in its payload, 0-based).
std::string DescribeMetric(std::size_t index, const Metric& metric);

}  // namespace mw::connectors::sparkplug
