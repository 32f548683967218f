// OPC UA Binary encoding of the service messages in types.h (OPC 10000-6, 5.2.4-5.2.6: a
// structure is its fields in order; arrays are an Int32 length then the elements; enumerations
// are Int32).
//
// Encode/Decode exist for every structure of types.h (explicitly instantiated in codec.cc; a
// type not listed there fails to link). Decode is safe on hostile input: every array length is
// bounded by the bytes remaining and the Decoder's limits, and errors are the Decoder's
// (Corruption / ResourceExhausted with the offset). EncodeMessage writes the NodeId of the
// message's binary encoding and then the body, as a MSG chunk carries it; PeekMessageType reads
// that NodeId back (ns=0 numeric only). ToExtensionObject / FromExtensionObject wrap the
// structures that travel inside ExtensionObjects (identity tokens, filters, notifications,
// history details). Pure functions, thread-safe.
#pragma once

#include <cstdint>

#include "core/status.h"
#include "opcua/encoding/binary.h"
#include "opcua/encoding/node_id.h"
#include "opcua/services/types.h"

namespace mw::opcua {

template <typename T>
Status Encode(Encoder& e, const T& v);
template <typename T>
Status Decode(Decoder& d, T& v);

template <typename T>
Status EncodeMessage(Encoder& e, const T& message) {
  EncodeNodeId(e, NodeId::Numeric(0, T::kBinaryEncodingId));
  return Encode(e, message);
}

Status PeekMessageType(Decoder& d, std::uint32_t& binary_encoding_id);

template <typename T>
ExtensionObject ToExtensionObject(const T& v);
// Fails unless `object` is a binary body of T's encoding id that decodes whole.
template <typename T>
Status FromExtensionObject(const ExtensionObject& object, T& v);

}  // namespace mw::opcua
