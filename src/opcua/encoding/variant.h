// Binary encoding of the composite built-in types (OPC 10000-6, 5.2.2.13-17): QualifiedName,
// LocalizedText, ExtensionObject, DataValue, Variant, DiagnosticInfo, and of a single `Value` whose
// type is known from context (a structure field, an array element).
//
// Encoders return InvalidArgument for values that break the types' invariants (a scalar Variant
// holding a Variant, a value of the wrong type in an array, dimensions that do not match the
// element count, a Variant array longer than INT32_MAX). Decoders return the Decoder's errors
// (Corruption / ResourceExhausted, with the offset), enforce max_depth on every recursive type and
// leave `out` unspecified on failure. Whatever decodes re-encodes without error. Thread-safe as long
// as each thread uses its own Encoder/Decoder.
//
// Normalisations (the value, not the bytes, survives a round trip): a null Variant array (length -1)
// decodes as an empty array; a null ExtensionObject body decodes as empty; ExtensionObject encoding
// kNone drops the body.
#pragma once

#include "core/status.h"
#include "opcua/encoding/binary.h"
#include "opcua/encoding/types.h"

namespace mw::opcua {

void EncodeQualifiedName(Encoder& e, const QualifiedName& v);
Status DecodeQualifiedName(Decoder& d, QualifiedName& v);
void EncodeLocalizedText(Encoder& e, const LocalizedText& v);
Status DecodeLocalizedText(Decoder& d, LocalizedText& v);
void EncodeExtensionObject(Encoder& e, const ExtensionObject& v);
Status DecodeExtensionObject(Decoder& d, ExtensionObject& v);
Status EncodeDataValue(Encoder& e, const DataValue& v);
Status DecodeDataValue(Decoder& d, DataValue& v);
Status EncodeVariant(Encoder& e, const Variant& v);
Status DecodeVariant(Decoder& d, Variant& v);
void EncodeDiagnosticInfo(Encoder& e, const DiagnosticInfo& v);
Status DecodeDiagnosticInfo(Decoder& d, DiagnosticInfo& v);

// The body of one value with no type tag (what an array element or a structure field holds).
// kNull encodes nothing.
Status EncodeValue(Encoder& e, const Value& v);
Status DecodeValue(Decoder& d, BuiltinType type, Value& v);

// The fewest bytes one encoded value of `type` can take; used to bound array lengths before
// allocating.
std::size_t MinEncodedSize(BuiltinType type);

// Checks the invariants listed on Variant (types.h), recursively for arrays of Variants.
Status ValidateVariant(const Variant& v);

}  // namespace mw::opcua
