#include "storage/codec/crc32c.h"

#include <array>
#include <bit>
#include <cstring>

namespace mw::storage::codec {
namespace {

constexpr std::uint32_t kReflectedPolynomial = 0x82F63B78u;

using Tables = std::array<std::array<std::uint32_t, 256>, 8>;

// tables[0] advances the CRC by one byte; tables[k] advances a byte that still has k zero bytes
// after it, which lets the main loop fold eight bytes with eight independent lookups.
constexpr Tables MakeTables() {
  Tables tables{};
  for (std::uint32_t byte = 0; byte < 256; ++byte) {
    std::uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) ? kReflectedPolynomial : 0u);
    tables[0][byte] = crc;
  }
  for (std::size_t k = 1; k < 8; ++k) {
    for (std::size_t byte = 0; byte < 256; ++byte) {
      const std::uint32_t prev = tables[k - 1][byte];
      tables[k][byte] = (prev >> 8) ^ tables[0][prev & 0xFFu];
    }
  }
  return tables;
}

constexpr Tables kTables = MakeTables();

std::uint32_t UpdateBytewise(std::uint32_t state, const std::uint8_t* data, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) state = (state >> 8) ^ kTables[0][(state ^ data[i]) & 0xFFu];
  return state;
}

std::uint32_t Update(std::uint32_t state, const std::uint8_t* data, std::size_t size) {
  if constexpr (std::endian::native != std::endian::little) return UpdateBytewise(state, data, size);
  while (size >= 8) {
    std::uint64_t word;
    std::memcpy(&word, data, 8);
    word ^= state;
    // Byte j of the block (j = 0 first in memory) still has 7 - j bytes after it.
    state = kTables[7][word & 0xFF] ^ kTables[6][(word >> 8) & 0xFF] ^ kTables[5][(word >> 16) & 0xFF] ^
            kTables[4][(word >> 24) & 0xFF] ^ kTables[3][(word >> 32) & 0xFF] ^
            kTables[2][(word >> 40) & 0xFF] ^ kTables[1][(word >> 48) & 0xFF] ^ kTables[0][word >> 56];
    data += 8;
    size -= 8;
  }
  return UpdateBytewise(state, data, size);
}

}  // namespace

std::uint32_t Crc32c(std::span<const std::uint8_t> bytes) { return Crc32cExtend(0, bytes); }

std::uint32_t Crc32cExtend(std::uint32_t crc, std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return crc;
  return ~Update(~crc, bytes.data(), bytes.size());
}

}  // namespace mw::storage::codec
