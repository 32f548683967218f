// OPC UA Binary primitives (OPC 10000-6, 5.2.2): a little-endian Encoder that appends to a caller's
// buffer and a bounds-checked Decoder over a byte span.
//
// Encoder: never fails for primitives; it holds a pointer to the caller's buffer, which must outlive
// it. Decoder: reads from a span it does not own (the bytes must outlive it), enforces DecodeLimits,
// and reports every failure as a Status that names what was being read and the byte offset where
// it starts: Corruption for malformed or truncated input, ResourceExhausted for a limit. No read
// allocates more than the bytes remaining can justify. Neither class is thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "opcua/encoding/types.h"

namespace mw::opcua {

struct DecodeLimits {
  // Bytes in one String, ByteString or XmlElement.
  std::size_t max_string_length = std::size_t{16} << 20;
  // Elements in one array (and in all dimensions of a matrix together).
  std::size_t max_array_length = 100'000;
  // Nesting of Variant, DataValue, DiagnosticInfo, ExtensionObject bodies and structures. The spec
  // asks decoders to support at least 4 levels of DiagnosticInfo and not to expect more than 10.
  int max_depth = 32;
};

class Encoder {
 public:
  explicit Encoder(std::string& out) : string_(&out) {}
  explicit Encoder(std::vector<std::uint8_t>& out) : vector_(&out) {}

  void Boolean(bool v) { Byte(v ? 1 : 0); }
  void SByte(std::int8_t v) { Byte(static_cast<std::uint8_t>(v)); }
  void Byte(std::uint8_t v) { Append(&v, 1); }
  void Int16(std::int16_t v) { Little(static_cast<std::uint16_t>(v), 2); }
  void UInt16(std::uint16_t v) { Little(v, 2); }
  void Int32(std::int32_t v) { Little(static_cast<std::uint32_t>(v), 4); }
  void UInt32(std::uint32_t v) { Little(v, 4); }
  void Int64(std::int64_t v) { Little(static_cast<std::uint64_t>(v), 8); }
  void UInt64(std::uint64_t v) { Little(v, 8); }
  void Float(float v);
  void Double(double v);
  // Length-prefixed; nullopt is written as length -1. Strings longer than INT32_MAX are a caller bug
  // (checked by an assert): no OPC UA message can carry them.
  void String(const mw::opcua::String& v);
  void ByteString(const mw::opcua::ByteString& v) { String(v.bytes); }
  void Guid(const mw::opcua::Guid& v);
  void DateTime(mw::opcua::DateTime v) { Int64(v.ticks); }
  void Raw(std::string_view bytes) { Append(bytes.data(), bytes.size()); }

  // Bytes written to the buffer so far (including what it held before).
  std::size_t size() const { return string_ ? string_->size() : vector_->size(); }

 private:
  void Little(std::uint64_t v, int bytes);
  void Append(const void* data, std::size_t n);

  std::string* string_ = nullptr;
  std::vector<std::uint8_t>* vector_ = nullptr;
};

class Decoder {
 public:
  explicit Decoder(std::span<const std::uint8_t> bytes, DecodeLimits limits = {})
      : bytes_(bytes), limits_(limits) {}
  explicit Decoder(std::string_view bytes, DecodeLimits limits = {})
      : Decoder(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), limits) {}
  // A Decoder only borrows its bytes: a temporary string would dangle.
  explicit Decoder(std::string&& bytes, DecodeLimits limits = {}) = delete;

  std::size_t offset() const { return offset_; }
  std::size_t remaining() const { return bytes_.size() - offset_; }
  bool AtEnd() const { return offset_ == bytes_.size(); }
  const DecodeLimits& limits() const { return limits_; }

  Status Boolean(bool& v);
  Status SByte(std::int8_t& v);
  Status Byte(std::uint8_t& v);
  Status Int16(std::int16_t& v);
  Status UInt16(std::uint16_t& v);
  Status Int32(std::int32_t& v);
  Status UInt32(std::uint32_t& v);
  Status Int64(std::int64_t& v);
  Status UInt64(std::uint64_t& v);
  Status Float(float& v);
  Status Double(double& v);
  // `what` names the field in error messages ("String", "LocalizedText text", ...).
  Status String(mw::opcua::String& v, std::string_view what = "String");
  Status ByteString(mw::opcua::ByteString& v, std::string_view what = "ByteString");
  Status Guid(mw::opcua::Guid& v);
  Status DateTime(mw::opcua::DateTime& v);
  // Reads `n` raw bytes.
  Status Raw(std::size_t n, std::string& out, std::string_view what);

  // Reads an Int32 array length: -1 (null) yields 0. Fails if it is below -1, above
  // max_array_length, or if `count * min_element_size` exceeds the bytes remaining, so that callers
  // may reserve `count` elements.
  Status ArrayLength(std::size_t& count, std::size_t min_element_size, std::string_view what);

  // Enters one nesting level of `what`; fails past max_depth. Pair every successful Enter with Leave.
  Status Enter(std::string_view what);
  void Leave() { --depth_; }

  // Corruption "<message> at offset <at>".
  static Status Malformed(std::string_view message, std::size_t at);
  // Corruption naming `what` at the current offset.
  Status Malformed(std::string_view message) const { return Malformed(message, offset_); }
  // ResourceExhausted "<what> <value> exceeds limit <limit> at offset <at>".
  static Status OverLimit(std::string_view what, std::int64_t value, std::size_t limit, std::size_t at);

 private:
  Status Need(std::size_t n, std::string_view what) const;
  std::uint64_t Little(int bytes);

  std::span<const std::uint8_t> bytes_;
  DecodeLimits limits_;
  std::size_t offset_ = 0;
  int depth_ = 0;
};

}  // namespace mw::opcua
