// Helpers shared by the opcua/encoding tests: byte strings written as hex, and encode/decode
// round trips through the public API.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

#include "core/status.h"
#include "opcua/encoding/binary.h"

namespace mw::opcua::testing {

// {0x01, 0xFF} -> "\x01\xFF".
inline std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out += static_cast<char>(static_cast<std::uint8_t>(b));
  return out;
}

inline std::string Hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out += ' ';
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// Encodes `v` with `encode(Encoder&, const T&)` (returning void or Status) into a string.
template <typename T, typename EncodeFn>
std::string EncodeToString(const T& v, EncodeFn encode) {
  std::string out;
  Encoder e(out);
  if constexpr (std::is_same_v<decltype(encode(e, v)), void>) {
    encode(e, v);
  } else {
    const Status s = encode(e, v);
    if (!s.ok()) return "encode failed: " + s.ToString();
  }
  return out;
}

// Decodes all of `bytes` with `decode(Decoder&, T&)`; fails if bytes are left over.
template <typename T, typename DecodeFn>
Status DecodeAll(const std::string& bytes, T& out, DecodeFn decode, DecodeLimits limits = {}) {
  Decoder d(bytes, limits);
  MW_RETURN_IF_ERROR(decode(d, out));
  if (!d.AtEnd()) return Status::Corruption(std::to_string(d.remaining()) + " bytes left");
  return Status::Ok();
}

}  // namespace mw::opcua::testing
