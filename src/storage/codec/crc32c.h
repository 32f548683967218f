// CRC-32C (Castagnoli polynomial 0x1EDC6F41, reflected 0x82F63B78, initial value and final XOR
// 0xFFFFFFFF), the checksum that closes every historian chunk.
//
// Software only (slicing-by-8), so the result never depends on the CPU. Pure functions: safe from
// any thread.
#pragma once

#include <cstdint>
#include <span>

namespace mw::storage::codec {

// The CRC-32C of `bytes`. Crc32c("123456789") == 0xE3069283.
std::uint32_t Crc32c(std::span<const std::uint8_t> bytes);

// Continues a CRC over more bytes: Crc32cExtend(Crc32c(a), b) == Crc32c(a followed by b).
std::uint32_t Crc32cExtend(std::uint32_t crc, std::span<const std::uint8_t> bytes);

}  // namespace mw::storage::codec
