// CRC-32C (Castagnoli polynomial 0x1EDC6F41, reflected 0x82F63B78, initial value and final XOR
// 0xFFFFFFFF), the checksum that closes every historian chunk.
//
// Computed with SSE 4.2's crc32 instruction where the CPU has it (chosen once at start-up;
// MW_CRC32C_GENERIC=1 in the environment forces the portable code), else in software
// (slicing-by-8). Both give the same result. Pure functions: safe from any thread.
#pragma once

#include <cstdint>
#include <span>

namespace mw::storage::codec {

// The CRC-32C of `bytes`. Crc32c("123456789") == 0xE3069283.
std::uint32_t Crc32c(std::span<const std::uint8_t> bytes);

// Continues a CRC over more bytes: Crc32cExtend(Crc32c(a), b) == Crc32c(a followed by b).
std::uint32_t Crc32cExtend(std::uint32_t crc, std::span<const std::uint8_t> bytes);

// Crc32cExtend in software whatever the CPU: what tests compare the fast path with.
std::uint32_t Crc32cExtendPortable(std::uint32_t crc, std::span<const std::uint8_t> bytes);

}  // namespace mw::storage::codec
