// Feeds arbitrary bytes to the OPC UA binary decoders. The first byte picks the target: Variant,
// DataValue, DiagnosticInfo, ExtensionObject, NodeId / ExpandedNodeId text, or a StructureDefinition
// followed by a structure body decoded with it. Decoders may only fail with Corruption,
// ResourceExhausted (limits) or, for structures, NotFound / InvalidArgument (unknown or unsupported
// field types); whatever decodes must re-encode, decode again, and re-encode to the same bytes
// (bytes, not values, are compared so that NaN payloads count as equal).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "opcua/encoding/binary.h"
#include "opcua/encoding/node_id.h"
#include "opcua/encoding/structure.h"
#include "opcua/encoding/variant.h"

namespace {

using namespace mw::opcua;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

bool DecodeError(const mw::Status& s) {
  return s.code() == mw::StatusCode::kCorruption || s.code() == mw::StatusCode::kResourceExhausted;
}

DecodeLimits Limits() {
  DecodeLimits limits;
  limits.max_string_length = 4096;
  limits.max_array_length = 4096;
  limits.max_depth = 16;
  return limits;
}

// Decodes `bytes`, then checks encode -> decode -> encode is stable.
template <typename T, typename DecodeFn, typename EncodeFn>
void RoundTrip(std::string_view bytes, DecodeFn decode, EncodeFn encode) {
  Decoder d(bytes, Limits());
  T value;
  const mw::Status s = decode(d, value);
  Check(s.ok() || DecodeError(s));
  if (!s.ok()) return;
  std::string first;
  Encoder e1(first);
  Check(encode(e1, value).ok());
  Decoder d2(first, Limits());
  T again;
  Check(decode(d2, again).ok() && d2.AtEnd());
  std::string second;
  Encoder e2(second);
  Check(encode(e2, again).ok());
  Check(first == second);
}

mw::Status EncodeDiag(Encoder& e, const DiagnosticInfo& v) {
  EncodeDiagnosticInfo(e, v);
  return mw::Status::Ok();
}

mw::Status EncodeExt(Encoder& e, const ExtensionObject& v) {
  EncodeExtensionObject(e, v);
  return mw::Status::Ok();
}

void FuzzText(std::string_view text) {
  mw::Result<NodeId> id = ParseNodeId(text);
  Check(id.ok() || id.status().code() == mw::StatusCode::kInvalidArgument);
  if (id.ok()) {
    mw::Result<NodeId> again = ParseNodeId(ToString(*id));
    Check(again.ok() && *again == *id);
  }
  mw::Result<ExpandedNodeId> ex = ParseExpandedNodeId(text);
  Check(ex.ok() || ex.status().code() == mw::StatusCode::kInvalidArgument);
  if (ex.ok()) {
    mw::Result<ExpandedNodeId> again = ParseExpandedNodeId(ToString(*ex));
    Check(again.ok() && *again == *ex);
  }
}

void FuzzStructure(std::string_view bytes) {
  Decoder d(bytes, Limits());
  StructureDefinition def;
  const mw::Status s = DecodeStructureDefinition(d, def);
  Check(s.ok() || DecodeError(s));
  if (!s.ok() || def.default_encoding_id.IsNull()) return;
  const NodeId data_type = NodeId::StringId(1, "FuzzType");
  TypeDictionary types;
  if (!types.AddStructure(data_type, def).ok()) return;
  const ExtensionObject object{def.default_encoding_id, ExtensionObject::Encoding::kBinary,
                               std::string(bytes.substr(d.offset()))};
  mw::Result<StructuredValue> value = DecodeStructuredValue(object, types, Limits());
  if (!value.ok()) {
    const mw::StatusCode c = value.status().code();
    Check(DecodeError(value.status()) || c == mw::StatusCode::kNotFound ||
          c == mw::StatusCode::kInvalidArgument);
    return;
  }
  mw::Result<ExtensionObject> encoded = EncodeStructuredValue(*value, types);
  Check(encoded.ok());
  mw::Result<StructuredValue> again = DecodeStructuredValue(*encoded, types, Limits());
  Check(again.ok());
  mw::Result<ExtensionObject> encoded_again = EncodeStructuredValue(*again, types);
  Check(encoded_again.ok() && *encoded_again == *encoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0:
      RoundTrip<Variant>(rest, DecodeVariant, EncodeVariant);
      break;
    case 1:
      RoundTrip<DataValue>(rest, DecodeDataValue, EncodeDataValue);
      break;
    case 2:
      RoundTrip<DiagnosticInfo>(rest, DecodeDiagnosticInfo, EncodeDiag);
      break;
    case 3:
      RoundTrip<ExtensionObject>(rest, DecodeExtensionObject, EncodeExt);
      break;
    case 4:
      FuzzText(rest);
      break;
    default:
      FuzzStructure(rest);
      break;
  }
  return 0;
}
