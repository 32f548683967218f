#include "opcua/encoding/structure.h"

#include <utility>

#include "opcua/encoding/node_id.h"
#include "opcua/encoding/variant.h"

namespace mw::opcua {
namespace {

// How one field element is encoded: a nested structure (`def`) or a built-in type.
struct FieldKind {
  const StructureDefinition* def = nullptr;
  BuiltinType builtin = BuiltinType::kNull;
};

// Built-in encodings of the namespace-0 DataTypes a structure field commonly uses.
std::optional<BuiltinType> StandardBuiltin(const NodeId& id) {
  if (id.namespace_index != 0 || id.type != IdType::kNumeric) return std::nullopt;
  const std::uint32_t n = id.numeric;
  if (n >= 1 && n <= static_cast<std::uint32_t>(kMaxBuiltinType)) return static_cast<BuiltinType>(n);
  switch (n) {
    case 26:  // Number
    case 27:  // Integer
    case 28:  // UInteger
      return BuiltinType::kVariant;
    case 29:   // Enumeration
    case 98:   // StructureType
    case 120:  // NamingRuleType
    case 256:  // IdType
    case 257:  // NodeClass
    case 302:  // MessageSecurityMode
    case 307:  // ApplicationType
      return BuiltinType::kInt32;
    case 30:   // Image
    case 311:  // ApplicationInstanceCertificate
    case 2000:
    case 2001:
    case 2002:
    case 2003:  // ImageBMP, ImageGIF, ImageJPG, ImagePNG
      return BuiltinType::kByteString;
    case 288:    // IntegerId
    case 289:    // Counter
    case 20998:  // VersionTime
      return BuiltinType::kUInt32;
    case 290:  // Duration
      return BuiltinType::kDouble;
    case 291:  // NumericRange
    case 292:  // Time
    case 295:  // LocaleId
      return BuiltinType::kString;
    case 293:  // Date
    case 294:  // UtcTime
      return BuiltinType::kDateTime;
    default:
      return std::nullopt;
  }
}

std::string FieldContext(const StructureField& f) { return "field \"" + f.name + "\""; }

Result<FieldKind> Resolve(const TypeDictionary& types, const StructureField& f) {
  FieldKind kind;
  if ((kind.def = types.FindStructure(f.data_type)) != nullptr) return kind;
  const std::optional<BuiltinType> builtin = types.BuiltinFor(f.data_type);
  if (!builtin) {
    return Status::NotFound(FieldContext(f) + ": unknown DataType " + ToString(f.data_type));
  }
  kind.builtin = *builtin;
  return kind;
}

Status CheckValueRank(const StructureField& f) {
  if (f.value_rank == -1 || f.value_rank >= 1) return Status::Ok();
  return Status::InvalidArgument(FieldContext(f) + ": ValueRank " + std::to_string(f.value_rank) +
                                 " is neither scalar (-1) nor a fixed number of dimensions");
}

Status DecodeElement(Decoder& d, const StructureField& f, const FieldKind& kind, const TypeDictionary& types,
                     FieldValue& out) {
  if (kind.def != nullptr) {
    out.structures.emplace_back();
    return DecodeStructureBody(d, f.data_type, types, out.structures.back());
  }
  out.builtins.emplace_back();
  return DecodeValue(d, kind.builtin, out.builtins.back());
}

// Reads the element count of an array field: one Int32 length, or for ValueRank > 1 an Int32
// array of dimensions whose product is the count.
Status DecodeArrayCount(Decoder& d, const StructureField& f, std::size_t min_size, FieldValue& out,
                        std::size_t& count) {
  const std::string what = FieldContext(f);
  if (f.value_rank == 1) return d.ArrayLength(count, min_size, what);
  const std::size_t at = d.offset();
  std::size_t rank = 0;
  MW_RETURN_IF_ERROR(d.ArrayLength(rank, 4, what + " dimensions"));
  if (rank != static_cast<std::size_t>(f.value_rank)) {
    return Decoder::Malformed(
        what + " has " + std::to_string(rank) + " dimensions, ValueRank says " + std::to_string(f.value_rank),
        at);
  }
  std::uint64_t total = 1;
  out.dimensions.resize(rank);
  for (auto& dim : out.dimensions) {
    MW_RETURN_IF_ERROR(d.Int32(dim));
    if (dim < 0) return Decoder::Malformed(what + " dimension " + std::to_string(dim) + " is negative", at);
    total *= static_cast<std::uint64_t>(dim);
    if (total > d.limits().max_array_length) {
      return Decoder::OverLimit(what + " element count", static_cast<std::int64_t>(total),
                                d.limits().max_array_length, at);
    }
  }
  if (total * min_size > d.remaining()) return Decoder::Malformed("truncated " + what + " matrix", at);
  count = static_cast<std::size_t>(total);
  return Status::Ok();
}

Status DecodeField(Decoder& d, const StructureField& f, const TypeDictionary& types, FieldValue& out) {
  MW_RETURN_IF_ERROR(CheckValueRank(f));
  Result<FieldKind> kind = Resolve(types, f);
  if (!kind.ok()) return kind.status();
  if (f.value_rank == -1) return DecodeElement(d, f, *kind, types, out);
  out.is_array = true;
  // An empty structure encodes as no bytes at all, so only the array limit bounds its count.
  const std::size_t min_size = kind->def != nullptr ? 0 : MinEncodedSize(kind->builtin);
  std::size_t count = 0;
  MW_RETURN_IF_ERROR(DecodeArrayCount(d, f, min_size, out, count));
  for (std::size_t i = 0; i < count; ++i) MW_RETURN_IF_ERROR(DecodeElement(d, f, *kind, types, out));
  return Status::Ok();
}

Status DecodeFields(Decoder& d, const StructureDefinition& def, const TypeDictionary& types,
                    StructuredValue& out) {
  std::uint32_t mask = 0;
  std::size_t optional_count = 0;
  const bool with_optional = def.structure_type == StructureType::kStructureWithOptionalFields;
  if (with_optional) {
    const std::size_t at = d.offset();
    MW_RETURN_IF_ERROR(d.UInt32(mask));
    for (const auto& f : def.fields) optional_count += f.is_optional ? 1 : 0;
    if (optional_count < 32 && (mask >> optional_count) != 0) {
      return Decoder::Malformed(
          "EncodingMask sets bits beyond the " + std::to_string(optional_count) + " optional fields", at);
    }
  }
  std::size_t optional_index = 0;
  for (const auto& f : def.fields) {
    if (with_optional && f.is_optional) {
      const bool present = optional_index < 32 && ((mask >> optional_index) & 1U) != 0;
      ++optional_index;
      if (!present) continue;
    }
    out.fields.push_back({f.name, {}});
    MW_RETURN_IF_ERROR(DecodeField(d, f, types, out.fields.back().value));
  }
  return Status::Ok();
}

Status DecodeUnion(Decoder& d, const StructureDefinition& def, const TypeDictionary& types,
                   StructuredValue& out) {
  const std::size_t at = d.offset();
  std::uint32_t selector = 0;
  MW_RETURN_IF_ERROR(d.UInt32(selector));
  if (selector == 0) return Status::Ok();
  if (selector > def.fields.size()) {
    return Decoder::Malformed("union SwitchField " + std::to_string(selector) + " exceeds its " +
                                  std::to_string(def.fields.size()) + " fields",
                              at);
  }
  const StructureField& f = def.fields[selector - 1];
  out.fields.push_back({f.name, {}});
  return DecodeField(d, f, types, out.fields.back().value);
}

Status DecodeWithDefinition(Decoder& d, const StructureDefinition& def, const TypeDictionary& types,
                            StructuredValue& out) {
  switch (def.structure_type) {
    case StructureType::kStructure:
    case StructureType::kStructureWithOptionalFields:
      return DecodeFields(d, def, types, out);
    case StructureType::kUnion:
      return DecodeUnion(d, def, types, out);
    case StructureType::kStructureWithSubtypedValues:
    case StructureType::kUnionWithSubtypedValues:
      break;
  }
  return Status::InvalidArgument("structure " + ToString(out.data_type) + ": StructureType " +
                                 std::to_string(static_cast<int>(def.structure_type)) + " is not supported");
}

Status EncodeElement(Encoder& e, const StructureField& f, const FieldKind& kind, const TypeDictionary& types,
                     const FieldValue& v, std::size_t i) {
  if (kind.def != nullptr) {
    const StructuredValue& nested = v.structures[i];
    if (!nested.data_type.IsNull() && !(nested.data_type == f.data_type)) {
      return Status::InvalidArgument(FieldContext(f) + ": holds a " + ToString(nested.data_type) +
                                     ", expected " + ToString(f.data_type));
    }
    StructuredValue typed = nested;
    typed.data_type = f.data_type;
    return EncodeStructureBody(e, typed, types);
  }
  if (TypeOf(v.builtins[i]) != kind.builtin) {
    return Status::InvalidArgument(FieldContext(f) + ": holds a " + BuiltinTypeName(TypeOf(v.builtins[i])) +
                                   ", expected " + BuiltinTypeName(kind.builtin));
  }
  return EncodeValue(e, v.builtins[i]);
}

Status EncodeField(Encoder& e, const StructureField& f, const TypeDictionary& types, const FieldValue& v) {
  MW_RETURN_IF_ERROR(CheckValueRank(f));
  Result<FieldKind> kind = Resolve(types, f);
  if (!kind.ok()) return kind.status();
  const bool structured = kind->def != nullptr;
  const std::size_t count = structured ? v.structures.size() : v.builtins.size();
  if ((structured ? !v.builtins.empty() : !v.structures.empty()) || v.is_array != (f.value_rank != -1) ||
      (!v.is_array && count != 1) || count > INT32_MAX) {
    return Status::InvalidArgument(FieldContext(f) + ": value does not match the field's type or ValueRank");
  }
  if (f.value_rank == 1) {
    if (!v.dimensions.empty())
      return Status::InvalidArgument(FieldContext(f) + ": one-dimensional, has dimensions");
    e.Int32(static_cast<std::int32_t>(count));
  } else if (f.value_rank > 1) {
    std::uint64_t total = 1;
    for (std::int32_t dim : v.dimensions)
      total = dim < 0 ? UINT64_MAX : total * static_cast<std::uint64_t>(dim);
    if (v.dimensions.size() != static_cast<std::size_t>(f.value_rank) || total != count) {
      return Status::InvalidArgument(FieldContext(f) +
                                     ": dimensions do not match ValueRank or element count");
    }
    e.Int32(static_cast<std::int32_t>(v.dimensions.size()));
    for (std::int32_t dim : v.dimensions) e.Int32(dim);
  }
  for (std::size_t i = 0; i < count; ++i) MW_RETURN_IF_ERROR(EncodeElement(e, f, *kind, types, v, i));
  return Status::Ok();
}

// Structures with or without optional fields: values must appear in definition order.
Status EncodeFields(Encoder& e, const StructureDefinition& def, const TypeDictionary& types,
                    const StructuredValue& v) {
  const bool with_optional = def.structure_type == StructureType::kStructureWithOptionalFields;
  std::vector<const FieldValue*> present(def.fields.size(), nullptr);
  std::size_t next = 0;
  std::uint32_t mask = 0;
  std::size_t optional_index = 0;
  for (std::size_t i = 0; i < def.fields.size(); ++i) {
    const StructureField& f = def.fields[i];
    if (next < v.fields.size() && v.fields[next].name == f.name) present[i] = &v.fields[next++].value;
    const bool optional = with_optional && f.is_optional;
    if (optional) {
      if (present[i] != nullptr) {
        if (optional_index >= 32)
          return Status::InvalidArgument(FieldContext(f) + ": more than 32 optional fields");
        mask |= 1U << optional_index;
      }
      ++optional_index;
    } else if (present[i] == nullptr) {
      return Status::InvalidArgument(FieldContext(f) + ": missing from " + ToString(v.data_type));
    }
  }
  if (next != v.fields.size()) {
    return Status::InvalidArgument("field \"" + v.fields[next].name + "\": not in " + ToString(v.data_type) +
                                   ", repeated, or out of order");
  }
  if (with_optional) e.UInt32(mask);
  for (std::size_t i = 0; i < def.fields.size(); ++i) {
    if (present[i] != nullptr) MW_RETURN_IF_ERROR(EncodeField(e, def.fields[i], types, *present[i]));
  }
  return Status::Ok();
}

Status EncodeUnion(Encoder& e, const StructureDefinition& def, const TypeDictionary& types,
                   const StructuredValue& v) {
  if (v.fields.empty()) {
    e.UInt32(0);
    return Status::Ok();
  }
  if (v.fields.size() > 1)
    return Status::InvalidArgument("union " + ToString(v.data_type) + " holds several fields");
  for (std::size_t i = 0; i < def.fields.size(); ++i) {
    if (def.fields[i].name != v.fields[0].name) continue;
    e.UInt32(static_cast<std::uint32_t>(i + 1));
    return EncodeField(e, def.fields[i], types, v.fields[0].value);
  }
  return Status::InvalidArgument("field \"" + v.fields[0].name + "\": not in union " + ToString(v.data_type));
}

void EncodeStructureField(Encoder& e, const StructureField& f) {
  e.String(f.name);
  EncodeLocalizedText(e, f.description);
  EncodeNodeId(e, f.data_type);
  e.Int32(f.value_rank);
  e.Int32(static_cast<std::int32_t>(f.array_dimensions.size()));
  for (std::uint32_t dim : f.array_dimensions) e.UInt32(dim);
  e.UInt32(f.max_string_length);
  e.Boolean(f.is_optional);
}

Status DecodeStructureField(Decoder& d, StructureField& f) {
  String name;
  MW_RETURN_IF_ERROR(d.String(name, "StructureField name"));
  f.name = name.value_or("");
  MW_RETURN_IF_ERROR(DecodeLocalizedText(d, f.description));
  MW_RETURN_IF_ERROR(DecodeNodeId(d, f.data_type));
  MW_RETURN_IF_ERROR(d.Int32(f.value_rank));
  std::size_t dims = 0;
  MW_RETURN_IF_ERROR(d.ArrayLength(dims, 4, "StructureField ArrayDimensions"));
  f.array_dimensions.resize(dims);
  for (auto& dim : f.array_dimensions) MW_RETURN_IF_ERROR(d.UInt32(dim));
  MW_RETURN_IF_ERROR(d.UInt32(f.max_string_length));
  return d.Boolean(f.is_optional);
}

}  // namespace

void EncodeStructureDefinition(Encoder& e, const StructureDefinition& def) {
  EncodeNodeId(e, def.default_encoding_id);
  EncodeNodeId(e, def.base_data_type);
  e.Int32(static_cast<std::int32_t>(def.structure_type));
  e.Int32(static_cast<std::int32_t>(def.fields.size()));
  for (const auto& f : def.fields) EncodeStructureField(e, f);
}

Status DecodeStructureDefinition(Decoder& d, StructureDefinition& def) {
  def = StructureDefinition{};
  MW_RETURN_IF_ERROR(DecodeNodeId(d, def.default_encoding_id));
  MW_RETURN_IF_ERROR(DecodeNodeId(d, def.base_data_type));
  const std::size_t at = d.offset();
  std::int32_t type = 0;
  MW_RETURN_IF_ERROR(d.Int32(type));
  if (type < 0 || type > static_cast<std::int32_t>(StructureType::kUnionWithSubtypedValues)) {
    return Decoder::Malformed("StructureType " + std::to_string(type) + " is unknown", at);
  }
  def.structure_type = static_cast<StructureType>(type);
  std::size_t count = 0;
  // Each field takes at least 4 (name) + 1 (description) + 2 (data type) + 4 + 4 + 4 + 1 bytes.
  MW_RETURN_IF_ERROR(d.ArrayLength(count, 20, "StructureDefinition fields"));
  def.fields.resize(count);
  for (auto& f : def.fields) MW_RETURN_IF_ERROR(DecodeStructureField(d, f));
  return Status::Ok();
}

Result<StructureDefinition> StructureDefinitionFromExtensionObject(const ExtensionObject& object,
                                                                   const DecodeLimits& limits) {
  if (!(object.type_id == NodeId::Numeric(0, kStructureDefinitionBinaryEncodingId)) ||
      object.encoding != ExtensionObject::Encoding::kBinary) {
    return Status::InvalidArgument("ExtensionObject of type " + ToString(object.type_id) +
                                   " is not a binary StructureDefinition (i=122)");
  }
  Decoder d(object.body, limits);
  StructureDefinition def;
  MW_RETURN_IF_ERROR(DecodeStructureDefinition(d, def));
  if (!d.AtEnd())
    return d.Malformed(std::to_string(d.remaining()) + " trailing bytes after StructureDefinition");
  return def;
}

ExtensionObject ToExtensionObject(const StructureDefinition& def) {
  ExtensionObject object;
  object.type_id = NodeId::Numeric(0, kStructureDefinitionBinaryEncodingId);
  object.encoding = ExtensionObject::Encoding::kBinary;
  Encoder e(object.body);
  EncodeStructureDefinition(e, def);
  return object;
}

Status TypeDictionary::AddStructure(const NodeId& data_type, StructureDefinition def) {
  if (def.default_encoding_id.IsNull()) {
    return Status::InvalidArgument("structure " + ToString(data_type) + " has no default encoding id");
  }
  for (std::size_t i = 0; i < def.fields.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      // Values name their fields, so a repeated name would make encoding ambiguous.
      if (def.fields[i].name == def.fields[j].name) {
        return Status::InvalidArgument("structure " + ToString(data_type) + " repeats field \"" +
                                       def.fields[i].name + "\"");
      }
    }
  }
  if (structures_.contains(data_type) || encodings_.contains(def.default_encoding_id)) {
    return Status::AlreadyExists("structure " + ToString(data_type) + " or encoding " +
                                 ToString(def.default_encoding_id) + " is already registered");
  }
  encodings_.emplace(def.default_encoding_id, data_type);
  structures_.emplace(data_type, std::move(def));
  return Status::Ok();
}

void TypeDictionary::AddEnumeration(const NodeId& data_type) { simple_[data_type] = BuiltinType::kInt32; }

void TypeDictionary::AddSimpleType(const NodeId& data_type, BuiltinType builtin) {
  simple_[data_type] = builtin;
}

const StructureDefinition* TypeDictionary::FindStructure(const NodeId& data_type) const {
  const auto it = structures_.find(data_type);
  return it == structures_.end() ? nullptr : &it->second;
}

const NodeId* TypeDictionary::DataTypeOfEncoding(const NodeId& encoding_id) const {
  const auto it = encodings_.find(encoding_id);
  return it == encodings_.end() ? nullptr : &it->second;
}

std::optional<BuiltinType> TypeDictionary::BuiltinFor(const NodeId& data_type) const {
  const auto it = simple_.find(data_type);
  if (it != simple_.end()) return it->second;
  return StandardBuiltin(data_type);
}

const FieldValue* StructuredValue::Find(std::string_view name) const {
  for (const auto& f : fields) {
    if (f.name == name) return &f.value;
  }
  return nullptr;
}

Status DecodeStructureBody(Decoder& d, const NodeId& data_type, const TypeDictionary& types,
                           StructuredValue& out) {
  const StructureDefinition* def = types.FindStructure(data_type);
  if (def == nullptr) return Status::NotFound("no structure registered for DataType " + ToString(data_type));
  MW_RETURN_IF_ERROR(d.Enter("structure"));
  out = StructuredValue{};
  out.data_type = data_type;
  Status s = DecodeWithDefinition(d, *def, types, out);
  d.Leave();
  return s;
}

Status EncodeStructureBody(Encoder& e, const StructuredValue& value, const TypeDictionary& types) {
  const StructureDefinition* def = types.FindStructure(value.data_type);
  if (def == nullptr)
    return Status::NotFound("no structure registered for DataType " + ToString(value.data_type));
  switch (def->structure_type) {
    case StructureType::kStructure:
    case StructureType::kStructureWithOptionalFields:
      return EncodeFields(e, *def, types, value);
    case StructureType::kUnion:
      return EncodeUnion(e, *def, types, value);
    case StructureType::kStructureWithSubtypedValues:
    case StructureType::kUnionWithSubtypedValues:
      break;
  }
  return Status::InvalidArgument("structure " + ToString(value.data_type) + ": StructureType " +
                                 std::to_string(static_cast<int>(def->structure_type)) + " is not supported");
}

Result<StructuredValue> DecodeStructuredValue(const ExtensionObject& object, const TypeDictionary& types,
                                              const DecodeLimits& limits) {
  const NodeId* data_type = types.DataTypeOfEncoding(object.type_id);
  if (data_type == nullptr) {
    return Status::NotFound("no structure registered for encoding " + ToString(object.type_id));
  }
  if (object.encoding != ExtensionObject::Encoding::kBinary) {
    return Status::InvalidArgument("ExtensionObject of " + ToString(object.type_id) + " has no binary body");
  }
  Decoder d(object.body, limits);
  StructuredValue value;
  MW_RETURN_IF_ERROR(DecodeStructureBody(d, *data_type, types, value));
  if (!d.AtEnd()) return d.Malformed(std::to_string(d.remaining()) + " trailing bytes after structure");
  return value;
}

Result<ExtensionObject> EncodeStructuredValue(const StructuredValue& value, const TypeDictionary& types) {
  const StructureDefinition* def = types.FindStructure(value.data_type);
  if (def == nullptr)
    return Status::NotFound("no structure registered for DataType " + ToString(value.data_type));
  ExtensionObject object;
  object.type_id = def->default_encoding_id;
  object.encoding = ExtensionObject::Encoding::kBinary;
  Encoder e(object.body);
  MW_RETURN_IF_ERROR(EncodeStructureBody(e, value, types));
  return object;
}

}  // namespace mw::opcua
