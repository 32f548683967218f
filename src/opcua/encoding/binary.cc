#include "opcua/encoding/binary.h"

#include <bit>
#include <cassert>
#include <climits>
#include <cstring>

namespace mw::opcua {

std::string BuiltinTypeName(BuiltinType type) {
  static constexpr std::string_view kNames[] = {
      "Null",           "Boolean",       "SByte",         "Byte",          "Int16",           "UInt16",
      "Int32",          "UInt32",        "Int64",         "UInt64",        "Float",           "Double",
      "String",         "DateTime",      "Guid",          "ByteString",    "XmlElement",      "NodeId",
      "ExpandedNodeId", "StatusCode",    "QualifiedName", "LocalizedText", "ExtensionObject", "DataValue",
      "Variant",        "DiagnosticInfo"};
  const auto id = static_cast<int>(type);
  if (id <= kMaxBuiltinType) return std::string(kNames[id]);
  return "BuiltinType(" + std::to_string(id) + ")";
}

void Encoder::Float(float v) { UInt32(std::bit_cast<std::uint32_t>(v)); }
void Encoder::Double(double v) { UInt64(std::bit_cast<std::uint64_t>(v)); }

void Encoder::String(const mw::opcua::String& v) {
  if (!v) {
    Int32(-1);
    return;
  }
  assert(v->size() <= INT32_MAX);
  Int32(static_cast<std::int32_t>(v->size()));
  Raw(*v);
}

void Encoder::Guid(const mw::opcua::Guid& v) {
  UInt32(v.data1);
  UInt16(v.data2);
  UInt16(v.data3);
  Append(v.data4.data(), v.data4.size());
}

void Encoder::Little(std::uint64_t v, int bytes) {
  std::uint8_t buf[8];
  for (int i = 0; i < bytes; ++i) buf[i] = static_cast<std::uint8_t>(v >> (8 * i));
  Append(buf, static_cast<std::size_t>(bytes));
}

void Encoder::Append(const void* data, std::size_t n) {
  const auto* p = static_cast<const char*>(data);
  if (string_) {
    string_->append(p, n);
  } else {
    vector_->insert(vector_->end(), reinterpret_cast<const std::uint8_t*>(p),
                    reinterpret_cast<const std::uint8_t*>(p) + n);
  }
}

Status Decoder::Malformed(std::string_view message, std::size_t at) {
  return Status::Corruption(std::string(message) + " at offset " + std::to_string(at));
}

Status Decoder::OverLimit(std::string_view what, std::int64_t value, std::size_t limit, std::size_t at) {
  return Status::ResourceExhausted(std::string(what) + " " + std::to_string(value) + " exceeds limit " +
                                   std::to_string(limit) + " at offset " + std::to_string(at));
}

Status Decoder::Need(std::size_t n, std::string_view what) const {
  if (remaining() >= n) return Status::Ok();
  return Malformed("truncated " + std::string(what) + ": needs " + std::to_string(n) + " bytes, " +
                   std::to_string(remaining()) + " left");
}

std::uint64_t Decoder::Little(int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= std::uint64_t{bytes_[offset_ + i]} << (8 * i);
  offset_ += static_cast<std::size_t>(bytes);
  return v;
}

Status Decoder::Boolean(bool& v) {
  MW_RETURN_IF_ERROR(Need(1, "Boolean"));
  v = Little(1) != 0;  // the spec: any non-zero byte is true
  return Status::Ok();
}

Status Decoder::SByte(std::int8_t& v) {
  MW_RETURN_IF_ERROR(Need(1, "SByte"));
  v = static_cast<std::int8_t>(Little(1));
  return Status::Ok();
}

Status Decoder::Byte(std::uint8_t& v) {
  MW_RETURN_IF_ERROR(Need(1, "Byte"));
  v = static_cast<std::uint8_t>(Little(1));
  return Status::Ok();
}

Status Decoder::Int16(std::int16_t& v) {
  MW_RETURN_IF_ERROR(Need(2, "Int16"));
  v = static_cast<std::int16_t>(Little(2));
  return Status::Ok();
}

Status Decoder::UInt16(std::uint16_t& v) {
  MW_RETURN_IF_ERROR(Need(2, "UInt16"));
  v = static_cast<std::uint16_t>(Little(2));
  return Status::Ok();
}

Status Decoder::Int32(std::int32_t& v) {
  MW_RETURN_IF_ERROR(Need(4, "Int32"));
  v = static_cast<std::int32_t>(Little(4));
  return Status::Ok();
}

Status Decoder::UInt32(std::uint32_t& v) {
  MW_RETURN_IF_ERROR(Need(4, "UInt32"));
  v = static_cast<std::uint32_t>(Little(4));
  return Status::Ok();
}

Status Decoder::Int64(std::int64_t& v) {
  MW_RETURN_IF_ERROR(Need(8, "Int64"));
  v = static_cast<std::int64_t>(Little(8));
  return Status::Ok();
}

Status Decoder::UInt64(std::uint64_t& v) {
  MW_RETURN_IF_ERROR(Need(8, "UInt64"));
  v = Little(8);
  return Status::Ok();
}

Status Decoder::Float(float& v) {
  MW_RETURN_IF_ERROR(Need(4, "Float"));
  v = std::bit_cast<float>(static_cast<std::uint32_t>(Little(4)));
  return Status::Ok();
}

Status Decoder::Double(double& v) {
  MW_RETURN_IF_ERROR(Need(8, "Double"));
  v = std::bit_cast<double>(Little(8));
  return Status::Ok();
}

Status Decoder::String(mw::opcua::String& v, std::string_view what) {
  const std::size_t start = offset_;
  std::int32_t length = 0;
  MW_RETURN_IF_ERROR(Need(4, what));
  length = static_cast<std::int32_t>(Little(4));
  if (length == -1) {
    v.reset();
    return Status::Ok();
  }
  if (length < -1)
    return Malformed(std::string(what) + " length " + std::to_string(length) + " is negative", start);
  const auto n = static_cast<std::size_t>(length);
  if (n > limits_.max_string_length)
    return OverLimit(std::string(what) + " length", length, limits_.max_string_length, start);
  v.emplace();
  return Raw(n, *v, what);
}

Status Decoder::ByteString(mw::opcua::ByteString& v, std::string_view what) { return String(v.bytes, what); }

Status Decoder::Guid(mw::opcua::Guid& v) {
  MW_RETURN_IF_ERROR(Need(16, "Guid"));
  v.data1 = static_cast<std::uint32_t>(Little(4));
  v.data2 = static_cast<std::uint16_t>(Little(2));
  v.data3 = static_cast<std::uint16_t>(Little(2));
  for (auto& b : v.data4) b = static_cast<std::uint8_t>(Little(1));
  return Status::Ok();
}

Status Decoder::DateTime(mw::opcua::DateTime& v) {
  MW_RETURN_IF_ERROR(Need(8, "DateTime"));
  v.ticks = static_cast<std::int64_t>(Little(8));
  return Status::Ok();
}

Status Decoder::Raw(std::size_t n, std::string& out, std::string_view what) {
  MW_RETURN_IF_ERROR(Need(n, what));
  out.assign(reinterpret_cast<const char*>(bytes_.data() + offset_), n);
  offset_ += n;
  return Status::Ok();
}

Status Decoder::ArrayLength(std::size_t& count, std::size_t min_element_size, std::string_view what) {
  const std::size_t start = offset_;
  std::int32_t length = 0;
  MW_RETURN_IF_ERROR(Need(4, std::string(what) + " array length"));
  length = static_cast<std::int32_t>(Little(4));
  if (length == -1) {
    count = 0;
    return Status::Ok();
  }
  if (length < -1) {
    return Malformed(std::string(what) + " array length " + std::to_string(length) + " is negative", start);
  }
  count = static_cast<std::size_t>(length);
  if (count > limits_.max_array_length) {
    return OverLimit(std::string(what) + " array length", length, limits_.max_array_length, start);
  }
  // Reject before anyone allocates: each element needs at least min_element_size bytes.
  if (count * min_element_size > remaining()) {
    return Malformed("truncated " + std::string(what) + " array: " + std::to_string(count) +
                         " elements need at least " + std::to_string(count * min_element_size) + " bytes, " +
                         std::to_string(remaining()) + " left",
                     start);
  }
  return Status::Ok();
}

Status Decoder::Enter(std::string_view what) {
  if (depth_ >= limits_.max_depth) {
    return OverLimit(std::string(what) + " nesting depth", depth_ + 1,
                     static_cast<std::size_t>(limits_.max_depth), offset_);
  }
  ++depth_;
  return Status::Ok();
}

}  // namespace mw::opcua
