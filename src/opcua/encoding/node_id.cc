#include "opcua/encoding/node_id.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <functional>

namespace mw::opcua {
namespace {

// Encoding-byte forms and ExpandedNodeId flags (OPC 10000-6, Table 15 and 16).
constexpr std::uint8_t kTwoByte = 0x00;
constexpr std::uint8_t kFourByte = 0x01;
constexpr std::uint8_t kNumeric = 0x02;
constexpr std::uint8_t kString = 0x03;
constexpr std::uint8_t kGuid = 0x04;
constexpr std::uint8_t kByteString = 0x05;
constexpr std::uint8_t kFormMask = 0x3F;
constexpr std::uint8_t kServerIndexFlag = 0x40;
constexpr std::uint8_t kNamespaceUriFlag = 0x80;

void EncodeNodeIdWithFlags(Encoder& e, const NodeId& id, std::uint8_t flags) {
  switch (id.type) {
    case IdType::kNumeric:
      if (id.namespace_index == 0 && id.numeric <= 0xFF) {
        e.Byte(kTwoByte | flags);
        e.Byte(static_cast<std::uint8_t>(id.numeric));
      } else if (id.namespace_index <= 0xFF && id.numeric <= 0xFFFF) {
        e.Byte(kFourByte | flags);
        e.Byte(static_cast<std::uint8_t>(id.namespace_index));
        e.UInt16(static_cast<std::uint16_t>(id.numeric));
      } else {
        e.Byte(kNumeric | flags);
        e.UInt16(id.namespace_index);
        e.UInt32(id.numeric);
      }
      return;
    case IdType::kString:
      e.Byte(kString | flags);
      e.UInt16(id.namespace_index);
      e.String(id.text);
      return;
    case IdType::kGuid:
      e.Byte(kGuid | flags);
      e.UInt16(id.namespace_index);
      e.Guid(id.guid);
      return;
    case IdType::kOpaque:
      e.Byte(kByteString | flags);
      e.UInt16(id.namespace_index);
      e.String(id.text);
      return;
  }
}

// Decodes the part after the encoding byte. A null String/ByteString identifier becomes empty.
Status DecodeNodeIdBody(Decoder& d, std::uint8_t form, std::size_t start, NodeId& id) {
  id = NodeId{};
  switch (form) {
    case kTwoByte: {
      std::uint8_t v = 0;
      MW_RETURN_IF_ERROR(d.Byte(v));
      id.numeric = v;
      return Status::Ok();
    }
    case kFourByte: {
      std::uint8_t ns = 0;
      std::uint16_t v = 0;
      MW_RETURN_IF_ERROR(d.Byte(ns));
      MW_RETURN_IF_ERROR(d.UInt16(v));
      id.namespace_index = ns;
      id.numeric = v;
      return Status::Ok();
    }
    case kNumeric:
      MW_RETURN_IF_ERROR(d.UInt16(id.namespace_index));
      return d.UInt32(id.numeric);
    case kString:
    case kByteString: {
      MW_RETURN_IF_ERROR(d.UInt16(id.namespace_index));
      String s;
      MW_RETURN_IF_ERROR(d.String(s, form == kString ? "NodeId string" : "NodeId opaque"));
      id.type = form == kString ? IdType::kString : IdType::kOpaque;
      id.text = s.value_or("");
      return Status::Ok();
    }
    case kGuid:
      id.type = IdType::kGuid;
      MW_RETURN_IF_ERROR(d.UInt16(id.namespace_index));
      return d.Guid(id.guid);
    default:
      return Decoder::Malformed("unknown NodeId encoding " + std::to_string(form), start);
  }
}

std::string Quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

template <typename T>
bool ParseUnsigned(std::string_view text, T& out) {
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return false;
  const auto* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && p == end;
}

// Parses "i=..", "s=..", "g=..", "b=.." into `id`, keeping its namespace index.
Status ParseIdentifier(std::string_view whole, std::string_view rest, NodeId& id) {
  if (rest.size() < 2 || rest[1] != '=') {
    return Status::InvalidArgument("NodeId " + Quote(whole) + ": expected i=, s=, g= or b= at " +
                                   Quote(rest));
  }
  const std::string_view value = rest.substr(2);
  switch (rest[0]) {
    case 'i':
      id.type = IdType::kNumeric;
      if (!ParseUnsigned(value, id.numeric)) {
        return Status::InvalidArgument("NodeId " + Quote(whole) + ": numeric identifier " + Quote(value) +
                                       " is not a number 0..4294967295");
      }
      return Status::Ok();
    case 's':
      id.type = IdType::kString;
      id.text = std::string(value);
      return Status::Ok();
    case 'g': {
      Result<Guid> guid = ParseGuid(value);
      if (!guid.ok())
        return Status::InvalidArgument("NodeId " + Quote(whole) + ": " + guid.status().message());
      id.type = IdType::kGuid;
      id.guid = *guid;
      return Status::Ok();
    }
    case 'b': {
      Result<std::string> bytes = Base64Decode(value);
      if (!bytes.ok())
        return Status::InvalidArgument("NodeId " + Quote(whole) + ": " + bytes.status().message());
      id.type = IdType::kOpaque;
      id.text = std::move(*bytes);
      return Status::Ok();
    }
    default:
      return Status::InvalidArgument("NodeId " + Quote(whole) + ": unknown identifier type " +
                                     Quote(rest.substr(0, 2)));
  }
}

// Splits "key=value;rest" when `text` starts with `key=`; returns false otherwise.
bool TakePrefix(std::string_view& text, std::string_view key, std::string_view& value) {
  if (text.substr(0, key.size()) != key) return false;
  const std::size_t semi = text.find(';');
  if (semi == std::string_view::npos) return false;
  value = text.substr(key.size(), semi - key.size());
  text.remove_prefix(semi + 1);
  return true;
}

Status ParseNamespaceIndex(std::string_view whole, std::string_view value, std::uint16_t& ns) {
  if (ParseUnsigned(value, ns)) return Status::Ok();
  return Status::InvalidArgument("NodeId " + Quote(whole) + ": namespace index " + Quote(value) +
                                 " is not a number 0..65535");
}

std::string EscapeUri(std::string_view uri) {
  std::string out;
  for (char c : uri) {
    if (c == ';') {
      out += "%3B";
    } else if (c == '%') {
      out += "%25";
    } else {
      out += c;
    }
  }
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> UnescapeUri(std::string_view whole, std::string_view uri) {
  std::string out;
  for (std::size_t i = 0; i < uri.size(); ++i) {
    if (uri[i] != '%') {
      out += uri[i];
      continue;
    }
    const int hi = i + 1 < uri.size() ? HexDigit(uri[i + 1]) : -1;
    const int lo = i + 2 < uri.size() ? HexDigit(uri[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("NodeId " + Quote(whole) + ": bad escape in namespace URI " +
                                     Quote(uri));
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Base64Digit(char c) {
  const std::size_t p = kBase64Alphabet.find(c);
  return p == std::string_view::npos ? -1 : static_cast<int>(p);
}

}  // namespace

NodeId NodeId::Numeric(std::uint16_t ns, std::uint32_t id) {
  NodeId n;
  n.namespace_index = ns;
  n.numeric = id;
  return n;
}

NodeId NodeId::StringId(std::uint16_t ns, std::string id) {
  NodeId n;
  n.namespace_index = ns;
  n.type = IdType::kString;
  n.text = std::move(id);
  return n;
}

NodeId NodeId::GuidId(std::uint16_t ns, const Guid& id) {
  NodeId n;
  n.namespace_index = ns;
  n.type = IdType::kGuid;
  n.guid = id;
  return n;
}

NodeId NodeId::Opaque(std::uint16_t ns, std::string bytes) {
  NodeId n;
  n.namespace_index = ns;
  n.type = IdType::kOpaque;
  n.text = std::move(bytes);
  return n;
}

bool NodeId::operator==(const NodeId& other) const {
  if (namespace_index != other.namespace_index || type != other.type) return false;
  switch (type) {
    case IdType::kNumeric:
      return numeric == other.numeric;
    case IdType::kGuid:
      return guid == other.guid;
    case IdType::kString:
    case IdType::kOpaque:
      return text == other.text;
  }
  return false;
}

std::size_t NodeIdHash::operator()(const NodeId& id) const {
  std::size_t h = (std::size_t{id.namespace_index} << 8) ^ static_cast<std::size_t>(id.type);
  switch (id.type) {
    case IdType::kNumeric:
      return h ^ (std::hash<std::uint32_t>{}(id.numeric) * 31);
    case IdType::kGuid:
      return h ^ (std::hash<std::uint32_t>{}(id.guid.data1) * 31);
    case IdType::kString:
    case IdType::kOpaque:
      return h ^ (std::hash<std::string>{}(id.text) * 31);
  }
  return h;
}

void EncodeNodeId(Encoder& e, const NodeId& id) { EncodeNodeIdWithFlags(e, id, 0); }

Status DecodeNodeId(Decoder& d, NodeId& id) {
  const std::size_t start = d.offset();
  std::uint8_t encoding = 0;
  MW_RETURN_IF_ERROR(d.Byte(encoding));
  if ((encoding & ~kFormMask) != 0) {
    return Decoder::Malformed(
        "NodeId encoding byte " + std::to_string(encoding) + " carries ExpandedNodeId flags", start);
  }
  return DecodeNodeIdBody(d, encoding, start, id);
}

void EncodeExpandedNodeId(Encoder& e, const ExpandedNodeId& id) {
  std::uint8_t flags = 0;
  if (!id.namespace_uri.empty()) flags |= kNamespaceUriFlag;
  if (id.server_index != 0) flags |= kServerIndexFlag;
  EncodeNodeIdWithFlags(e, id.node_id, flags);
  if (!id.namespace_uri.empty()) e.String(id.namespace_uri);
  if (id.server_index != 0) e.UInt32(id.server_index);
}

Status DecodeExpandedNodeId(Decoder& d, ExpandedNodeId& id) {
  const std::size_t start = d.offset();
  std::uint8_t encoding = 0;
  MW_RETURN_IF_ERROR(d.Byte(encoding));
  id = ExpandedNodeId{};
  MW_RETURN_IF_ERROR(DecodeNodeIdBody(d, encoding & kFormMask, start, id.node_id));
  if (encoding & kNamespaceUriFlag) {
    String uri;
    MW_RETURN_IF_ERROR(d.String(uri, "ExpandedNodeId namespace URI"));
    id.namespace_uri = uri.value_or("");
  }
  if (encoding & kServerIndexFlag) MW_RETURN_IF_ERROR(d.UInt32(id.server_index));
  return Status::Ok();
}

std::string ToString(const Guid& g) {
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                static_cast<unsigned>(g.data1), static_cast<unsigned>(g.data2),
                static_cast<unsigned>(g.data3), g.data4[0], g.data4[1], g.data4[2], g.data4[3], g.data4[4],
                g.data4[5], g.data4[6], g.data4[7]);
  return buf;
}

Result<Guid> ParseGuid(std::string_view text) {
  const auto bad = [&] {
    return Status::InvalidArgument("Guid " + Quote(text) + " is not 8-4-4-4-12 hex digits");
  };
  if (text.size() != 36) return bad();
  std::array<std::uint8_t, 16> bytes{};
  std::size_t b = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return bad();
      ++i;
      continue;
    }
    const int hi = HexDigit(text[i]);
    const int lo = HexDigit(text[i + 1]);
    if (hi < 0 || lo < 0) return bad();
    bytes[b++] = static_cast<std::uint8_t>(hi * 16 + lo);
    i += 2;
  }
  Guid g;
  g.data1 = (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
            (std::uint32_t{bytes[2]} << 8) | bytes[3];
  g.data2 = static_cast<std::uint16_t>((bytes[4] << 8) | bytes[5]);
  g.data3 = static_cast<std::uint16_t>((bytes[6] << 8) | bytes[7]);
  for (std::size_t i = 0; i < 8; ++i) g.data4[i] = bytes[8 + i];
  return g;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t group = 0;
    for (std::size_t k = 0; k < 3; ++k) {
      group = (group << 8) | (k < n ? static_cast<std::uint8_t>(bytes[i + k]) : 0U);
    }
    for (std::size_t k = 0; k < 4; ++k) {
      out += k <= n ? kBase64Alphabet[(group >> (18 - 6 * k)) & 0x3F] : '=';
    }
  }
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  const auto bad = [&] { return Status::InvalidArgument("bad base64 " + Quote(text)); };
  if (text.size() % 4 != 0) return bad();
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    std::uint32_t group = 0;
    std::size_t pad = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && last && k >= 2) {
        ++pad;
        group <<= 6;
        continue;
      }
      const int v = Base64Digit(c);
      if (v < 0 || pad > 0) return bad();
      group = (group << 6) | static_cast<std::uint32_t>(v);
    }
    for (std::size_t k = 0; k < 3 - pad; ++k) out += static_cast<char>((group >> (16 - 8 * k)) & 0xFF);
  }
  return out;
}

std::string ToString(const NodeId& id) {
  std::string out;
  if (id.namespace_index != 0) out = "ns=" + std::to_string(id.namespace_index) + ";";
  switch (id.type) {
    case IdType::kNumeric:
      return out + "i=" + std::to_string(id.numeric);
    case IdType::kString:
      return out + "s=" + id.text;
    case IdType::kGuid:
      return out + "g=" + ToString(id.guid);
    case IdType::kOpaque:
      return out + "b=" + Base64Encode(id.text);
  }
  return out;
}

std::string ToString(const ExpandedNodeId& id) {
  std::string out;
  if (id.server_index != 0) out = "svr=" + std::to_string(id.server_index) + ";";
  if (id.namespace_uri.empty()) return out + ToString(id.node_id);
  NodeId local = id.node_id;
  local.namespace_index = 0;  // the URI replaces the index
  return out + "nsu=" + EscapeUri(id.namespace_uri) + ";" + ToString(local);
}

Result<NodeId> ParseNodeId(std::string_view text) {
  NodeId id;
  std::string_view rest = text;
  std::string_view value;
  if (TakePrefix(rest, "ns=", value))
    MW_RETURN_IF_ERROR(ParseNamespaceIndex(text, value, id.namespace_index));
  MW_RETURN_IF_ERROR(ParseIdentifier(text, rest, id));
  return id;
}

Result<ExpandedNodeId> ParseExpandedNodeId(std::string_view text) {
  ExpandedNodeId id;
  std::string_view rest = text;
  std::string_view value;
  if (TakePrefix(rest, "svr=", value) && !ParseUnsigned(value, id.server_index)) {
    return Status::InvalidArgument("NodeId " + Quote(text) + ": server index " + Quote(value) +
                                   " is not a number 0..4294967295");
  }
  if (TakePrefix(rest, "nsu=", value)) {
    Result<std::string> uri = UnescapeUri(text, value);
    if (!uri.ok()) return uri.status();
    if (uri->empty()) return Status::InvalidArgument("NodeId " + Quote(text) + ": empty namespace URI");
    id.namespace_uri = std::move(*uri);
  } else if (TakePrefix(rest, "ns=", value)) {
    MW_RETURN_IF_ERROR(ParseNamespaceIndex(text, value, id.node_id.namespace_index));
  }
  MW_RETURN_IF_ERROR(ParseIdentifier(text, rest, id.node_id));
  return id;
}

}  // namespace mw::opcua
