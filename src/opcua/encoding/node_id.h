// NodeId and ExpandedNodeId: binary encoding (OPC 10000-6, 5.2.2.9-10) and text forms
// (OPC 10000-6, 5.3.1.10-11).
//
// Binary: the encoder always picks the smallest form (two-byte for ns 0 and ids up to 255, four-byte
// for ns up to 255 and ids up to 65535, else the full numeric form); the decoder accepts every form.
//
// Text: [ns=<0..65535>;]<i=<uint32> | s=<string> | g=<guid> | b=<base64>>, and for ExpandedNodeId
// an optional svr=<uint32>; prefix and nsu=<uri>; in place of ns=. In a printed URI ';' and '%'
// are written %3B and %25; the parser undoes any %XX. Printing omits ns=0 and svr=0. Parse errors
// are InvalidArgument and quote the offending text. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "opcua/encoding/binary.h"
#include "opcua/encoding/types.h"

namespace mw::opcua {

void EncodeNodeId(Encoder& e, const NodeId& id);
Status DecodeNodeId(Decoder& d, NodeId& id);
void EncodeExpandedNodeId(Encoder& e, const ExpandedNodeId& id);
Status DecodeExpandedNodeId(Decoder& d, ExpandedNodeId& id);

std::string ToString(const NodeId& id);
std::string ToString(const ExpandedNodeId& id);
Result<NodeId> ParseNodeId(std::string_view text);
Result<ExpandedNodeId> ParseExpandedNodeId(std::string_view text);

// 8-4-4-4-12 hex digits, printed in lower case, parsed in either case.
std::string ToString(const Guid& guid);
Result<Guid> ParseGuid(std::string_view text);

// Standard base64 with padding (RFC 4648, section 4); the decoder rejects anything else.
std::string Base64Encode(std::string_view bytes);
Result<std::string> Base64Decode(std::string_view text);

}  // namespace mw::opcua
