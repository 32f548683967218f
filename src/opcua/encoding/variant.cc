#include "opcua/encoding/variant.h"

#include <climits>

#include "opcua/encoding/node_id.h"

namespace mw::opcua {
namespace {

// LocalizedText mask bits.
constexpr std::uint8_t kHasLocale = 0x01;
constexpr std::uint8_t kHasText = 0x02;

// DataValue mask bits.
constexpr std::uint8_t kHasValue = 0x01;
constexpr std::uint8_t kHasStatus = 0x02;
constexpr std::uint8_t kHasSourceTimestamp = 0x04;
constexpr std::uint8_t kHasServerTimestamp = 0x08;
constexpr std::uint8_t kHasSourcePicoseconds = 0x10;
constexpr std::uint8_t kHasServerPicoseconds = 0x20;

// Variant encoding byte.
constexpr std::uint8_t kTypeMask = 0x3F;
constexpr std::uint8_t kHasDimensions = 0x40;
constexpr std::uint8_t kIsArray = 0x80;

// DiagnosticInfo mask bits.
constexpr std::uint8_t kHasSymbolicId = 0x01;
constexpr std::uint8_t kHasNamespaceUri = 0x02;
constexpr std::uint8_t kHasLocalizedText = 0x04;
constexpr std::uint8_t kHasLocaleIndex = 0x08;
constexpr std::uint8_t kHasAdditionalInfo = 0x10;
constexpr std::uint8_t kHasInnerStatus = 0x20;
constexpr std::uint8_t kHasInnerDiagnostic = 0x40;

// Reads a value of type T with one of the Decoder's primitive readers.
template <typename T, typename Read>
Status ReadInto(Decoder& d, Value& v, Read read) {
  T x{};
  MW_RETURN_IF_ERROR((d.*read)(x));
  v = std::move(x);
  return Status::Ok();
}

// Reads a value of type T with one of the composite decoders.
template <typename T, typename DecodeFn>
Status ReadWith(Decoder& d, Value& v, DecodeFn decode) {
  T x{};
  MW_RETURN_IF_ERROR(decode(d, x));
  v = std::move(x);
  return Status::Ok();
}

Status DecodeBoxedDataValue(Decoder& d, Box<DataValue>& b) { return DecodeDataValue(d, *b); }
Status DecodeBoxedVariant(Decoder& d, Box<Variant>& b) { return DecodeVariant(d, *b); }
Status DecodeBoxedDiagnosticInfo(Decoder& d, Box<DiagnosticInfo>& b) { return DecodeDiagnosticInfo(d, *b); }

std::int64_t ElementCount(const std::vector<std::int32_t>& dimensions) {
  std::int64_t n = 1;
  for (std::int32_t dim : dimensions) {
    if (dim < 0) return -1;
    n *= dim;
    if (n > INT32_MAX) return -1;
  }
  return n;
}

Status DecodeVariantBody(Decoder& d, Variant& v) {
  const std::size_t start = d.offset();
  std::uint8_t encoding = 0;
  MW_RETURN_IF_ERROR(d.Byte(encoding));
  const int type = encoding & kTypeMask;
  if (type > kMaxBuiltinType) {
    return Decoder::Malformed("Variant type id " + std::to_string(type) + " is not a built-in type", start);
  }
  v = Variant{};
  v.type = static_cast<BuiltinType>(type);
  v.is_array = (encoding & kIsArray) != 0;
  const bool has_dimensions = (encoding & kHasDimensions) != 0;
  if (v.type == BuiltinType::kNull) {
    if (encoding != 0) return Decoder::Malformed("null Variant with array flags", start);
    return Status::Ok();
  }
  if (!v.is_array) {
    if (has_dimensions) return Decoder::Malformed("scalar Variant with ArrayDimensions", start);
    if (v.type == BuiltinType::kVariant) return Decoder::Malformed("Variant holds a scalar Variant", start);
    v.values.resize(1);
    return DecodeValue(d, v.type, v.values[0]);
  }
  std::size_t count = 0;
  MW_RETURN_IF_ERROR(d.ArrayLength(count, MinEncodedSize(v.type), "Variant"));
  v.values.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    v.values.emplace_back();
    MW_RETURN_IF_ERROR(DecodeValue(d, v.type, v.values.back()));
  }
  if (!has_dimensions) return Status::Ok();
  const std::size_t dims_at = d.offset();
  std::size_t rank = 0;
  MW_RETURN_IF_ERROR(d.ArrayLength(rank, 4, "Variant ArrayDimensions"));
  v.dimensions.resize(rank);
  for (auto& dim : v.dimensions) MW_RETURN_IF_ERROR(d.Int32(dim));
  if (rank < 2 || ElementCount(v.dimensions) != static_cast<std::int64_t>(count)) {
    return Decoder::Malformed("Variant ArrayDimensions (rank " + std::to_string(rank) + ") do not match " +
                                  std::to_string(count) + " elements",
                              dims_at);
  }
  return Status::Ok();
}

Status DecodeDataValueBody(Decoder& d, DataValue& v) {
  std::uint8_t mask = 0;
  MW_RETURN_IF_ERROR(d.Byte(mask));
  v = DataValue{};
  if (mask & kHasValue) MW_RETURN_IF_ERROR(DecodeVariant(d, v.value.emplace()));
  if (mask & kHasStatus) MW_RETURN_IF_ERROR(d.UInt32(v.status.emplace().code));
  if (mask & kHasSourceTimestamp) MW_RETURN_IF_ERROR(d.DateTime(v.source_timestamp.emplace()));
  if (mask & kHasSourcePicoseconds) MW_RETURN_IF_ERROR(d.UInt16(v.source_picoseconds.emplace()));
  if (mask & kHasServerTimestamp) MW_RETURN_IF_ERROR(d.DateTime(v.server_timestamp.emplace()));
  if (mask & kHasServerPicoseconds) MW_RETURN_IF_ERROR(d.UInt16(v.server_picoseconds.emplace()));
  return Status::Ok();
}

Status DecodeDiagnosticInfoBody(Decoder& d, DiagnosticInfo& v) {
  std::uint8_t mask = 0;
  MW_RETURN_IF_ERROR(d.Byte(mask));
  v = DiagnosticInfo{};
  if (mask & kHasSymbolicId) MW_RETURN_IF_ERROR(d.Int32(v.symbolic_id.emplace()));
  if (mask & kHasNamespaceUri) MW_RETURN_IF_ERROR(d.Int32(v.namespace_uri.emplace()));
  if (mask & kHasLocaleIndex) MW_RETURN_IF_ERROR(d.Int32(v.locale.emplace()));
  if (mask & kHasLocalizedText) MW_RETURN_IF_ERROR(d.Int32(v.localized_text.emplace()));
  // A null AdditionalInfo under a set bit reads as absent, which re-encodes without the bit.
  if (mask & kHasAdditionalInfo)
    MW_RETURN_IF_ERROR(d.String(v.additional_info, "DiagnosticInfo AdditionalInfo"));
  if (mask & kHasInnerStatus) MW_RETURN_IF_ERROR(d.UInt32(v.inner_status.emplace().code));
  if (mask & kHasInnerDiagnostic) MW_RETURN_IF_ERROR(DecodeDiagnosticInfo(d, *v.inner.emplace()));
  return Status::Ok();
}

}  // namespace

Variant Variant::Scalar(Value value) {
  Variant v;
  v.type = TypeOf(value);
  if (v.type != BuiltinType::kNull) v.values.push_back(std::move(value));
  return v;
}

Variant Variant::Array(BuiltinType type, std::vector<Value> values, std::vector<std::int32_t> dimensions) {
  Variant v;
  v.type = type;
  v.is_array = true;
  v.values = std::move(values);
  v.dimensions = std::move(dimensions);
  return v;
}

std::size_t MinEncodedSize(BuiltinType type) {
  switch (type) {
    case BuiltinType::kNull:
      return 0;
    case BuiltinType::kBoolean:
    case BuiltinType::kSByte:
    case BuiltinType::kByte:
    case BuiltinType::kLocalizedText:
    case BuiltinType::kDataValue:
    case BuiltinType::kVariant:
    case BuiltinType::kDiagnosticInfo:
      return 1;
    case BuiltinType::kInt16:
    case BuiltinType::kUInt16:
    case BuiltinType::kNodeId:
    case BuiltinType::kExpandedNodeId:
      return 2;
    case BuiltinType::kExtensionObject:
      return 3;
    case BuiltinType::kInt32:
    case BuiltinType::kUInt32:
    case BuiltinType::kFloat:
    case BuiltinType::kString:
    case BuiltinType::kByteString:
    case BuiltinType::kXmlElement:
    case BuiltinType::kStatusCode:
      return 4;
    case BuiltinType::kQualifiedName:
      return 6;
    case BuiltinType::kInt64:
    case BuiltinType::kUInt64:
    case BuiltinType::kDouble:
    case BuiltinType::kDateTime:
      return 8;
    case BuiltinType::kGuid:
      return 16;
  }
  return 1;
}

void EncodeQualifiedName(Encoder& e, const QualifiedName& v) {
  e.UInt16(v.namespace_index);
  e.String(v.name);
}

Status DecodeQualifiedName(Decoder& d, QualifiedName& v) {
  MW_RETURN_IF_ERROR(d.UInt16(v.namespace_index));
  String name;
  MW_RETURN_IF_ERROR(d.String(name, "QualifiedName name"));
  v.name = name.value_or("");
  return Status::Ok();
}

void EncodeLocalizedText(Encoder& e, const LocalizedText& v) {
  e.Byte(static_cast<std::uint8_t>((v.locale ? kHasLocale : 0) | (v.text ? kHasText : 0)));
  if (v.locale) e.String(v.locale);
  if (v.text) e.String(v.text);
}

Status DecodeLocalizedText(Decoder& d, LocalizedText& v) {
  std::uint8_t mask = 0;
  MW_RETURN_IF_ERROR(d.Byte(mask));
  v = LocalizedText{};
  if (mask & kHasLocale) MW_RETURN_IF_ERROR(d.String(v.locale, "LocalizedText locale"));
  if (mask & kHasText) MW_RETURN_IF_ERROR(d.String(v.text, "LocalizedText text"));
  return Status::Ok();
}

void EncodeExtensionObject(Encoder& e, const ExtensionObject& v) {
  EncodeNodeId(e, v.type_id);
  e.Byte(static_cast<std::uint8_t>(v.encoding));
  if (v.encoding != ExtensionObject::Encoding::kNone) e.String(v.body);
}

Status DecodeExtensionObject(Decoder& d, ExtensionObject& v) {
  v = ExtensionObject{};
  MW_RETURN_IF_ERROR(DecodeNodeId(d, v.type_id));
  const std::size_t at = d.offset();
  std::uint8_t encoding = 0;
  MW_RETURN_IF_ERROR(d.Byte(encoding));
  if (encoding > 2) {
    return Decoder::Malformed("ExtensionObject encoding " + std::to_string(encoding) + " is not 0, 1 or 2",
                              at);
  }
  v.encoding = static_cast<ExtensionObject::Encoding>(encoding);
  if (v.encoding == ExtensionObject::Encoding::kNone) return Status::Ok();
  String body;
  MW_RETURN_IF_ERROR(d.String(body, "ExtensionObject body"));
  v.body = body.value_or("");
  return Status::Ok();
}

Status EncodeDataValue(Encoder& e, const DataValue& v) {
  std::uint8_t mask = 0;
  if (v.value) mask |= kHasValue;
  if (v.status) mask |= kHasStatus;
  if (v.source_timestamp) mask |= kHasSourceTimestamp;
  if (v.server_timestamp) mask |= kHasServerTimestamp;
  if (v.source_picoseconds) mask |= kHasSourcePicoseconds;
  if (v.server_picoseconds) mask |= kHasServerPicoseconds;
  e.Byte(mask);
  if (v.value) MW_RETURN_IF_ERROR(EncodeVariant(e, *v.value));
  if (v.status) e.UInt32(v.status->code);
  if (v.source_timestamp) e.DateTime(*v.source_timestamp);
  if (v.source_picoseconds) e.UInt16(*v.source_picoseconds);
  if (v.server_timestamp) e.DateTime(*v.server_timestamp);
  if (v.server_picoseconds) e.UInt16(*v.server_picoseconds);
  return Status::Ok();
}

Status DecodeDataValue(Decoder& d, DataValue& v) {
  MW_RETURN_IF_ERROR(d.Enter("DataValue"));
  Status s = DecodeDataValueBody(d, v);
  d.Leave();
  return s;
}

Status ValidateVariant(const Variant& v) {
  if (v.type == BuiltinType::kNull) {
    if (v.is_array || !v.values.empty() || !v.dimensions.empty()) {
      return Status::InvalidArgument("null Variant holds values or array flags");
    }
    return Status::Ok();
  }
  if (static_cast<int>(v.type) > kMaxBuiltinType) {
    return Status::InvalidArgument("Variant type " + BuiltinTypeName(v.type) + " is not a built-in type");
  }
  if (!v.is_array) {
    if (v.values.size() != 1 || !v.dimensions.empty()) {
      return Status::InvalidArgument("scalar Variant must hold exactly one value and no dimensions");
    }
    if (v.type == BuiltinType::kVariant)
      return Status::InvalidArgument("a scalar Variant cannot hold a Variant");
  }
  if (v.values.size() > INT32_MAX) return Status::InvalidArgument("Variant array longer than INT32_MAX");
  for (const Value& value : v.values) {
    if (TypeOf(value) != v.type) {
      return Status::InvalidArgument("Variant of " + BuiltinTypeName(v.type) + " holds a " +
                                     BuiltinTypeName(TypeOf(value)));
    }
  }
  if (!v.dimensions.empty() &&
      (v.dimensions.size() < 2 || ElementCount(v.dimensions) != static_cast<std::int64_t>(v.values.size()))) {
    return Status::InvalidArgument("Variant dimensions do not match its " + std::to_string(v.values.size()) +
                                   " values");
  }
  return Status::Ok();
}

Status EncodeVariant(Encoder& e, const Variant& v) {
  MW_RETURN_IF_ERROR(ValidateVariant(v));
  auto encoding = static_cast<std::uint8_t>(v.type);
  if (v.is_array) encoding |= kIsArray;
  if (!v.dimensions.empty()) encoding |= kHasDimensions;
  e.Byte(encoding);
  if (v.type == BuiltinType::kNull) return Status::Ok();
  if (v.is_array) e.Int32(static_cast<std::int32_t>(v.values.size()));
  for (const Value& value : v.values) MW_RETURN_IF_ERROR(EncodeValue(e, value));
  if (!v.dimensions.empty()) {
    e.Int32(static_cast<std::int32_t>(v.dimensions.size()));
    for (std::int32_t dim : v.dimensions) e.Int32(dim);
  }
  return Status::Ok();
}

Status DecodeVariant(Decoder& d, Variant& v) {
  MW_RETURN_IF_ERROR(d.Enter("Variant"));
  Status s = DecodeVariantBody(d, v);
  d.Leave();
  return s;
}

void EncodeDiagnosticInfo(Encoder& e, const DiagnosticInfo& v) {
  std::uint8_t mask = 0;
  if (v.symbolic_id) mask |= kHasSymbolicId;
  if (v.namespace_uri) mask |= kHasNamespaceUri;
  if (v.localized_text) mask |= kHasLocalizedText;
  if (v.locale) mask |= kHasLocaleIndex;
  if (v.additional_info) mask |= kHasAdditionalInfo;
  if (v.inner_status) mask |= kHasInnerStatus;
  if (v.inner) mask |= kHasInnerDiagnostic;
  e.Byte(mask);
  // Field order differs from bit order: Locale comes before LocalizedText.
  if (v.symbolic_id) e.Int32(*v.symbolic_id);
  if (v.namespace_uri) e.Int32(*v.namespace_uri);
  if (v.locale) e.Int32(*v.locale);
  if (v.localized_text) e.Int32(*v.localized_text);
  if (v.additional_info) e.String(v.additional_info);
  if (v.inner_status) e.UInt32(v.inner_status->code);
  if (v.inner) EncodeDiagnosticInfo(e, **v.inner);
}

Status DecodeDiagnosticInfo(Decoder& d, DiagnosticInfo& v) {
  MW_RETURN_IF_ERROR(d.Enter("DiagnosticInfo"));
  Status s = DecodeDiagnosticInfoBody(d, v);
  d.Leave();
  return s;
}

Status EncodeValue(Encoder& e, const Value& v) {
  switch (TypeOf(v)) {
    case BuiltinType::kNull:
      return Status::Ok();
    case BuiltinType::kBoolean:
      e.Boolean(std::get<bool>(v));
      break;
    case BuiltinType::kSByte:
      e.SByte(std::get<std::int8_t>(v));
      break;
    case BuiltinType::kByte:
      e.Byte(std::get<std::uint8_t>(v));
      break;
    case BuiltinType::kInt16:
      e.Int16(std::get<std::int16_t>(v));
      break;
    case BuiltinType::kUInt16:
      e.UInt16(std::get<std::uint16_t>(v));
      break;
    case BuiltinType::kInt32:
      e.Int32(std::get<std::int32_t>(v));
      break;
    case BuiltinType::kUInt32:
      e.UInt32(std::get<std::uint32_t>(v));
      break;
    case BuiltinType::kInt64:
      e.Int64(std::get<std::int64_t>(v));
      break;
    case BuiltinType::kUInt64:
      e.UInt64(std::get<std::uint64_t>(v));
      break;
    case BuiltinType::kFloat:
      e.Float(std::get<float>(v));
      break;
    case BuiltinType::kDouble:
      e.Double(std::get<double>(v));
      break;
    case BuiltinType::kString:
      e.String(std::get<String>(v));
      break;
    case BuiltinType::kDateTime:
      e.DateTime(std::get<DateTime>(v));
      break;
    case BuiltinType::kGuid:
      e.Guid(std::get<Guid>(v));
      break;
    case BuiltinType::kByteString:
      e.ByteString(std::get<ByteString>(v));
      break;
    case BuiltinType::kXmlElement:
      e.String(std::get<XmlElement>(v).xml);
      break;
    case BuiltinType::kNodeId:
      EncodeNodeId(e, std::get<NodeId>(v));
      break;
    case BuiltinType::kExpandedNodeId:
      EncodeExpandedNodeId(e, std::get<ExpandedNodeId>(v));
      break;
    case BuiltinType::kStatusCode:
      e.UInt32(std::get<UaStatusCode>(v).code);
      break;
    case BuiltinType::kQualifiedName:
      EncodeQualifiedName(e, std::get<QualifiedName>(v));
      break;
    case BuiltinType::kLocalizedText:
      EncodeLocalizedText(e, std::get<LocalizedText>(v));
      break;
    case BuiltinType::kExtensionObject:
      EncodeExtensionObject(e, std::get<ExtensionObject>(v));
      break;
    case BuiltinType::kDataValue:
      return EncodeDataValue(e, *std::get<Box<DataValue>>(v));
    case BuiltinType::kVariant:
      return EncodeVariant(e, *std::get<Box<Variant>>(v));
    case BuiltinType::kDiagnosticInfo:
      EncodeDiagnosticInfo(e, *std::get<Box<DiagnosticInfo>>(v));
      break;
  }
  return Status::Ok();
}

Status DecodeValue(Decoder& d, BuiltinType type, Value& v) {
  switch (type) {
    case BuiltinType::kNull:
      v = std::monostate{};
      return Status::Ok();
    case BuiltinType::kBoolean:
      return ReadInto<bool>(d, v, &Decoder::Boolean);
    case BuiltinType::kSByte:
      return ReadInto<std::int8_t>(d, v, &Decoder::SByte);
    case BuiltinType::kByte:
      return ReadInto<std::uint8_t>(d, v, &Decoder::Byte);
    case BuiltinType::kInt16:
      return ReadInto<std::int16_t>(d, v, &Decoder::Int16);
    case BuiltinType::kUInt16:
      return ReadInto<std::uint16_t>(d, v, &Decoder::UInt16);
    case BuiltinType::kInt32:
      return ReadInto<std::int32_t>(d, v, &Decoder::Int32);
    case BuiltinType::kUInt32:
      return ReadInto<std::uint32_t>(d, v, &Decoder::UInt32);
    case BuiltinType::kInt64:
      return ReadInto<std::int64_t>(d, v, &Decoder::Int64);
    case BuiltinType::kUInt64:
      return ReadInto<std::uint64_t>(d, v, &Decoder::UInt64);
    case BuiltinType::kFloat:
      return ReadInto<float>(d, v, &Decoder::Float);
    case BuiltinType::kDouble:
      return ReadInto<double>(d, v, &Decoder::Double);
    case BuiltinType::kDateTime:
      return ReadInto<DateTime>(d, v, &Decoder::DateTime);
    case BuiltinType::kGuid:
      return ReadInto<Guid>(d, v, &Decoder::Guid);
    case BuiltinType::kString: {
      String s;
      MW_RETURN_IF_ERROR(d.String(s));
      v = std::move(s);
      return Status::Ok();
    }
    case BuiltinType::kByteString: {
      ByteString s;
      MW_RETURN_IF_ERROR(d.ByteString(s));
      v = std::move(s);
      return Status::Ok();
    }
    case BuiltinType::kXmlElement: {
      XmlElement x;
      MW_RETURN_IF_ERROR(d.String(x.xml, "XmlElement"));
      v = std::move(x);
      return Status::Ok();
    }
    case BuiltinType::kStatusCode: {
      UaStatusCode c;
      MW_RETURN_IF_ERROR(d.UInt32(c.code));
      v = c;
      return Status::Ok();
    }
    case BuiltinType::kNodeId:
      return ReadWith<NodeId>(d, v, DecodeNodeId);
    case BuiltinType::kExpandedNodeId:
      return ReadWith<ExpandedNodeId>(d, v, DecodeExpandedNodeId);
    case BuiltinType::kQualifiedName:
      return ReadWith<QualifiedName>(d, v, DecodeQualifiedName);
    case BuiltinType::kLocalizedText:
      return ReadWith<LocalizedText>(d, v, DecodeLocalizedText);
    case BuiltinType::kExtensionObject:
      return ReadWith<ExtensionObject>(d, v, DecodeExtensionObject);
    case BuiltinType::kDataValue:
      return ReadWith<Box<DataValue>>(d, v, DecodeBoxedDataValue);
    case BuiltinType::kVariant:
      return ReadWith<Box<Variant>>(d, v, DecodeBoxedVariant);
    case BuiltinType::kDiagnosticInfo:
      return ReadWith<Box<DiagnosticInfo>>(d, v, DecodeBoxedDiagnosticInfo);
  }
  return Decoder::Malformed("unknown built-in type " + BuiltinTypeName(type), d.offset());
}

}  // namespace mw::opcua
