// The 25 OPC UA built-in types (OPC 10000-6, 5.1.2) as plain value types.
//
// Every type is a regular value: copyable, comparable with ==, no shared state, not thread-safe to
// mutate concurrently. A `Value` holds one scalar of any built-in type; its variant index is the
// built-in type id, so `BuiltinType(value.index())` names what it holds. Recursive types (DataValue,
// Variant, DiagnosticInfo inside a Value) are held through `Box`, a deep-copying owner.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace mw::opcua {

enum class BuiltinType : std::uint8_t {
  kNull = 0,
  kBoolean = 1,
  kSByte = 2,
  kByte = 3,
  kInt16 = 4,
  kUInt16 = 5,
  kInt32 = 6,
  kUInt32 = 7,
  kInt64 = 8,
  kUInt64 = 9,
  kFloat = 10,
  kDouble = 11,
  kString = 12,
  kDateTime = 13,
  kGuid = 14,
  kByteString = 15,
  kXmlElement = 16,
  kNodeId = 17,
  kExpandedNodeId = 18,
  kStatusCode = 19,
  kQualifiedName = 20,
  kLocalizedText = 21,
  kExtensionObject = 22,
  kDataValue = 23,
  kVariant = 24,
  kDiagnosticInfo = 25,
};
inline constexpr int kMaxBuiltinType = 25;

// "Double" for kDouble; "BuiltinType(40)" for ids outside 0..25.
std::string BuiltinTypeName(BuiltinType type);

// A value that owns one heap-allocated T and copies it deeply; never empty. It lets the recursive
// types below hold each other by value.
template <typename T>
class Box {
 public:
  Box() : ptr_(std::make_unique<T>()) {}
  Box(T value) : ptr_(std::make_unique<T>(std::move(value))) {}  // NOLINT(google-explicit-constructor)
  Box(const Box& other) : ptr_(std::make_unique<T>(*other.ptr_)) {}
  Box(Box&& other) noexcept : ptr_(std::make_unique<T>(std::move(*other.ptr_))) {}
  Box& operator=(const Box& other) {
    if (this != &other) *ptr_ = *other.ptr_;
    return *this;
  }
  Box& operator=(Box&& other) noexcept {
    *ptr_ = std::move(*other.ptr_);
    return *this;
  }
  ~Box() = default;

  T& operator*() { return *ptr_; }
  const T& operator*() const { return *ptr_; }
  T* operator->() { return ptr_.get(); }
  const T* operator->() const { return ptr_.get(); }
  bool operator==(const Box& other) const { return *ptr_ == *other.ptr_; }

 private:
  std::unique_ptr<T> ptr_;
};

// A String may be null (nullopt, encoded as length -1), which is distinct from empty.
using String = std::optional<std::string>;

// 100-nanosecond intervals since 1601-01-01 00:00 UTC; see datetime.h for Timestamp conversion.
struct DateTime {
  std::int64_t ticks = 0;
  bool operator==(const DateTime&) const = default;
};

struct Guid {
  std::uint32_t data1 = 0;
  std::uint16_t data2 = 0;
  std::uint16_t data3 = 0;
  std::array<std::uint8_t, 8> data4{};
  bool operator==(const Guid&) const = default;
};

// Raw octets; nullopt is the null ByteString.
struct ByteString {
  std::optional<std::string> bytes;
  bool operator==(const ByteString&) const = default;
};

// An XML fragment as UTF-8 text; nullopt is null.
struct XmlElement {
  std::optional<std::string> xml;
  bool operator==(const XmlElement&) const = default;
};

// The OPC UA StatusCode (not mw::StatusCode): severity, sub-code and info bits in one UInt32.
struct UaStatusCode {
  std::uint32_t code = 0;
  bool IsGood() const { return (code >> 30) == 0; }
  bool IsUncertain() const { return (code >> 30) == 1; }
  bool IsBad() const { return (code >> 30) >= 2; }
  bool operator==(const UaStatusCode&) const = default;
};

enum class IdType : std::uint8_t { kNumeric = 0, kString = 1, kGuid = 2, kOpaque = 3 };

// A NodeId: a namespace index and one identifier. Only the field that matches `type` is
// meaningful (and compared); `text` holds the String identifier or the Opaque bytes.
struct NodeId {
  std::uint16_t namespace_index = 0;
  IdType type = IdType::kNumeric;
  std::uint32_t numeric = 0;
  std::string text;
  Guid guid;

  static NodeId Numeric(std::uint16_t ns, std::uint32_t id);
  static NodeId StringId(std::uint16_t ns, std::string id);
  static NodeId GuidId(std::uint16_t ns, const Guid& id);
  static NodeId Opaque(std::uint16_t ns, std::string bytes);
  // ns=0;i=0, the null NodeId.
  bool IsNull() const { return namespace_index == 0 && type == IdType::kNumeric && numeric == 0; }
  bool operator==(const NodeId& other) const;
};

// Hash for unordered containers keyed by NodeId.
struct NodeIdHash {
  std::size_t operator()(const NodeId& id) const;
};

// A NodeId that may name its namespace by URI (empty `namespace_uri` = not given, the index
// applies) and live on another server (`server_index` 0 = this server).
struct ExpandedNodeId {
  NodeId node_id;
  std::string namespace_uri;
  std::uint32_t server_index = 0;
  bool operator==(const ExpandedNodeId&) const = default;
};

struct QualifiedName {
  std::uint16_t namespace_index = 0;
  std::string name;
  bool operator==(const QualifiedName&) const = default;
};

// Either part may be absent; presence is what the encoding mask records.
struct LocalizedText {
  std::optional<std::string> locale;
  std::optional<std::string> text;
  bool operator==(const LocalizedText&) const = default;
};

// A structure the decoder may not know: the encoding NodeId (the DataType's "Default Binary"
// encoding node, not the DataType) and the body, kept as bytes (binary) or text (XML).
struct ExtensionObject {
  enum class Encoding : std::uint8_t { kNone = 0, kBinary = 1, kXml = 2 };
  NodeId type_id;
  Encoding encoding = Encoding::kNone;
  std::string body;  // empty when kNone
  bool operator==(const ExtensionObject&) const = default;
};

struct DataValue;
struct Variant;
struct DiagnosticInfo;

// One scalar of any built-in type; the index is the BuiltinType id (monostate = Null).
using Value =
    std::variant<std::monostate, bool, std::int8_t, std::uint8_t, std::int16_t, std::uint16_t, std::int32_t,
                 std::uint32_t, std::int64_t, std::uint64_t, float, double, String, DateTime, Guid,
                 ByteString, XmlElement, NodeId, ExpandedNodeId, UaStatusCode, QualifiedName, LocalizedText,
                 ExtensionObject, Box<DataValue>, Box<Variant>, Box<DiagnosticInfo>>;

inline BuiltinType TypeOf(const Value& v) { return static_cast<BuiltinType>(v.index()); }

// Null, a scalar, or an array of one built-in type, optionally with matrix dimensions.
// Invariants (checked by the encoder, guaranteed by the decoder): a scalar holds exactly one value,
// never a Variant (arrays of Variants are allowed); every value is of `type`; `dimensions`, when
// not empty, has two or more entries whose product is values.size().
struct Variant {
  BuiltinType type = BuiltinType::kNull;
  bool is_array = false;
  std::vector<Value> values;
  std::vector<std::int32_t> dimensions;

  static Variant Scalar(Value value);
  static Variant Array(BuiltinType type, std::vector<Value> values,
                       std::vector<std::int32_t> dimensions = {});
  bool IsNull() const { return type == BuiltinType::kNull; }
  bool operator==(const Variant&) const = default;
};

struct DataValue {
  std::optional<Variant> value;
  std::optional<UaStatusCode> status;
  std::optional<DateTime> source_timestamp;
  std::optional<std::uint16_t> source_picoseconds;
  std::optional<DateTime> server_timestamp;
  std::optional<std::uint16_t> server_picoseconds;
  bool operator==(const DataValue&) const = default;
};

// Indexes into a response's string table; absent fields are not encoded.
struct DiagnosticInfo {
  std::optional<std::int32_t> symbolic_id;
  std::optional<std::int32_t> namespace_uri;
  std::optional<std::int32_t> locale;
  std::optional<std::int32_t> localized_text;
  String additional_info;
  std::optional<UaStatusCode> inner_status;
  std::optional<Box<DiagnosticInfo>> inner;
  bool operator==(const DiagnosticInfo&) const = default;
};

}  // namespace mw::opcua
