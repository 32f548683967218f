// Names of the common OPC UA StatusCodes (OPC 10000-4, 7.39; values from the specification's
// StatusCode table). Pure functions over a static table, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mw::opcua {

// Well-known codes used elsewhere in the stack.
inline constexpr std::uint32_t kGood = 0x00000000;
inline constexpr std::uint32_t kUncertain = 0x40000000;
inline constexpr std::uint32_t kBad = 0x80000000;
inline constexpr std::uint32_t kBadDecodingError = 0x80070000;
inline constexpr std::uint32_t kBadEncodingLimitsExceeded = 0x80080000;
inline constexpr std::uint32_t kBadTimeout = 0x800A0000;
inline constexpr std::uint32_t kBadNodeIdUnknown = 0x80340000;

// "BadTimeout" for 0x800A0000. The low 16 bits (info bits such as Overflow or the limit bits) do
// not change the name; they are appended in hex: "Good (0x00000400)". Unknown codes print as hex
// ("0x80AB1234").
std::string StatusCodeName(std::uint32_t code);

// The code of a name in the table ("BadTimeout" -> 0x800A0000), or nullopt.
std::optional<std::uint32_t> StatusCodeFromName(std::string_view name);

}  // namespace mw::opcua
