// Structured DataTypes decoded at run time, without generated code (OPC 10000-3, 8.48-8.51 for
// StructureDefinition; OPC 10000-6, 5.2.6-5.2.8 for how structures, optional fields and unions are
// encoded).
//
// A client reads a DataType node's DataTypeDefinition attribute, gets an ExtensionObject holding a
// StructureDefinition, decodes it with StructureDefinitionFromExtensionObject and registers it in a
// TypeDictionary. From then on DecodeStructuredValue turns any ExtensionObject whose type id is a
// registered encoding into named fields, and EncodeStructuredValue turns them back into an
// ExtensionObject with the same bytes.
//
// Field types resolve in this order: a registered structure (nested value), a registered
// enumeration (Int32), a registered simple type (a named subtype of a built-in type), the built-in
// DataTypes of namespace 0 (i=1..25, with BaseDataType i=24 and Number/Integer/UInteger as Variant,
// Structure i=22 as ExtensionObject, Enumeration i=29 as Int32) and the common ns=0 subtypes
// (Duration, UtcTime, LocaleId, ...). Anything else is NotFound naming the field and type.
// StructureWithSubtypedValues and UnionWithSubtypedValues are not supported yet (InvalidArgument).
//
// TypeDictionary is a plain value: fill it first, then share it read-only between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "opcua/encoding/binary.h"
#include "opcua/encoding/types.h"

namespace mw::opcua {

// ns=0 ids of the DataTypeDefinition structures and their binary encodings.
inline constexpr std::uint32_t kStructureDefinitionTypeId = 99;
inline constexpr std::uint32_t kStructureDefinitionBinaryEncodingId = 122;

enum class StructureType : std::int32_t {
  kStructure = 0,
  kStructureWithOptionalFields = 1,
  kUnion = 2,
  kStructureWithSubtypedValues = 3,
  kUnionWithSubtypedValues = 4,
};

struct StructureField {
  std::string name;
  LocalizedText description;
  NodeId data_type;
  std::int32_t value_rank = -1;  // -1 scalar, n >= 1 an n-dimensional array
  std::vector<std::uint32_t> array_dimensions;
  std::uint32_t max_string_length = 0;
  bool is_optional = false;
  bool operator==(const StructureField&) const = default;
};

struct StructureDefinition {
  NodeId default_encoding_id;
  NodeId base_data_type;
  StructureType structure_type = StructureType::kStructure;
  std::vector<StructureField> fields;
  bool operator==(const StructureDefinition&) const = default;
};

void EncodeStructureDefinition(Encoder& e, const StructureDefinition& def);
Status DecodeStructureDefinition(Decoder& d, StructureDefinition& def);
// Decodes the body of an ExtensionObject of type ns=0;i=122; fails on any other type id, on a
// non-binary body, or on bytes left over after the definition.
Result<StructureDefinition> StructureDefinitionFromExtensionObject(const ExtensionObject& object,
                                                                   const DecodeLimits& limits = {});
ExtensionObject ToExtensionObject(const StructureDefinition& def);

class TypeDictionary {
 public:
  // Registers a structure under its DataType id and its default_encoding_id (which must not be
  // null) and whose field names are unique (else InvalidArgument). Fails with AlreadyExists if
  // either id is taken.
  Status AddStructure(const NodeId& data_type, StructureDefinition def);
  void AddEnumeration(const NodeId& data_type);
  // A DataType that is encoded like a built-in type (e.g. a vendor's subtype of Double).
  void AddSimpleType(const NodeId& data_type, BuiltinType builtin);

  const StructureDefinition* FindStructure(const NodeId& data_type) const;
  // The DataType whose binary encoding node is `encoding_id`, or nullptr.
  const NodeId* DataTypeOfEncoding(const NodeId& encoding_id) const;
  // How a field of `data_type` is encoded when it is not a structure, or nullopt if unknown.
  std::optional<BuiltinType> BuiltinFor(const NodeId& data_type) const;

 private:
  std::unordered_map<NodeId, StructureDefinition, NodeIdHash> structures_;
  std::unordered_map<NodeId, NodeId, NodeIdHash> encodings_;
  std::unordered_map<NodeId, BuiltinType, NodeIdHash> simple_;
};

struct StructuredValue;

// The value of one field. Built-in, enumeration and simple-type fields use `builtins`; structured
// fields use `structures`. A scalar holds exactly one element; an array holds any number, and a
// multi-dimensional array (ValueRank > 1) also lists its `dimensions`.
struct FieldValue {
  bool is_array = false;
  std::vector<Value> builtins;
  std::vector<StructuredValue> structures;
  std::vector<std::int32_t> dimensions;
  bool operator==(const FieldValue&) const = default;
};

struct StructuredField {
  std::string name;
  FieldValue value;
  bool operator==(const StructuredField&) const = default;
};

// A decoded structure: its DataType and its present fields in definition order. Absent optional
// fields are left out; a union holds its one selected field, or none for the null union.
struct StructuredValue {
  NodeId data_type;
  std::vector<StructuredField> fields;
  bool operator==(const StructuredValue&) const = default;

  // The field called `name`, or nullptr.
  const FieldValue* Find(std::string_view name) const;
};

// Decodes an ExtensionObject whose binary body is a structure registered in `types`. Bytes left
// after the structure are Corruption.
Result<StructuredValue> DecodeStructuredValue(const ExtensionObject& object, const TypeDictionary& types,
                                              const DecodeLimits& limits = {});
// Encodes `value` as an ExtensionObject carrying its DataType's default binary encoding id. Fails
// with InvalidArgument naming the field when a value does not fit the definition (missing
// mandatory field, unknown field, wrong type, scalar/array mismatch, union with several fields).
Result<ExtensionObject> EncodeStructuredValue(const StructuredValue& value, const TypeDictionary& types);

// The same, for a structure body inside a larger stream.
Status DecodeStructureBody(Decoder& d, const NodeId& data_type, const TypeDictionary& types,
                           StructuredValue& out);
Status EncodeStructureBody(Encoder& e, const StructuredValue& value, const TypeDictionary& types);

}  // namespace mw::opcua
