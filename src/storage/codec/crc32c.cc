#include "storage/codec/crc32c.h"

#include <array>
#include <bit>
#include <cstdlib>
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

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// SSE 4.2's crc32 instruction computes exactly this CRC (Castagnoli, reflected), 8 bytes per
// instruction: several times the table loop. The x86-64 baseline lacks it, so this one function is
// compiled for SSE 4.2 and chosen at run time. It calls nothing but the builtins, so no code
// compiled for SSE 4.2 can leak into the rest of the binary.
__attribute__((target("sse4.2"))) std::uint32_t UpdateSse42(std::uint32_t state, const std::uint8_t* data,
                                                            std::size_t size) {
  std::uint64_t crc = state;
  while (size >= 8) {
    std::uint64_t word;
    std::memcpy(&word, data, 8);
    crc = __builtin_ia32_crc32di(crc, word);
    data += 8;
    size -= 8;
  }
  auto crc32 = static_cast<std::uint32_t>(crc);
  while (size-- > 0) crc32 = __builtin_ia32_crc32qi(crc32, *data++);
  return crc32;
}

using UpdateFn = std::uint32_t (*)(std::uint32_t, const std::uint8_t*, std::size_t);

UpdateFn PickUpdate() {
  if (std::getenv("MW_CRC32C_GENERIC") == nullptr && __builtin_cpu_supports("sse4.2")) return UpdateSse42;
  return Update;
}

const UpdateFn kUpdate = PickUpdate();
#else
constexpr auto kUpdate = Update;
#endif

}  // namespace

std::uint32_t Crc32c(std::span<const std::uint8_t> bytes) { return Crc32cExtend(0, bytes); }

std::uint32_t Crc32cExtend(std::uint32_t crc, std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return crc;
  return ~kUpdate(~crc, bytes.data(), bytes.size());
}

std::uint32_t Crc32cExtendPortable(std::uint32_t crc, std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return crc;
  return ~Update(~crc, bytes.data(), bytes.size());
}

}  // namespace mw::storage::codec
