// The byte layout of WAL segments (internal to storage/wal; specified in docs/storage-format.md).
//
// A segment file is named by its first LSN in 20 zero-padded digits plus ".wal" and holds a 20-byte
// header followed by records:
//
//   segment header: magic "MWAL" | u32 version (1) | u64 first LSN | u32 CRC-32C of the 16 bytes before
//   record:         u32 payload length | u32 CRC-32C | u64 LSN | u8 type | payload
//
// All integers little-endian. A record's CRC covers every byte of the record except the CRC field
// itself, in file order: length, LSN, type, payload. Pure functions, thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"
#include "storage/wal/wal.h"

namespace mw::storage::wal {

inline constexpr std::array<std::uint8_t, 4> kSegmentMagic = {'M', 'W', 'A', 'L'};
inline constexpr std::uint32_t kFormatVersion = 1;
inline constexpr std::size_t kSegmentHeaderSize = 20;
inline constexpr std::size_t kRecordHeaderSize = 17;  // length, crc, lsn, type
inline constexpr std::string_view kSegmentSuffix = ".wal";
inline constexpr std::size_t kSegmentNameDigits = 20;

// "00000000000000000001.wal" for 1.
std::string SegmentFileName(Lsn first_lsn);
// The first LSN of a segment file name, or nullopt if `name` is not exactly 20 digits and ".wal".
std::optional<Lsn> ParseSegmentFileName(std::string_view name);

// Writes the kSegmentHeaderSize bytes of a segment header to `out`.
void EncodeSegmentHeader(Lsn first_lsn, std::uint8_t* out);
// The first LSN of a segment header, or Corruption saying what is wrong (size, magic, version,
// checksum, LSN 0); the message does not name the file.
Result<Lsn> DecodeSegmentHeader(std::span<const std::uint8_t> bytes);

struct RecordHeader {
  std::uint32_t length = 0;  // payload bytes
  std::uint32_t crc = 0;
  Lsn lsn = 0;
  std::uint8_t type = 0;
};

// Reads the kRecordHeaderSize bytes at `bytes` (no checks).
RecordHeader DecodeRecordHeader(const std::uint8_t* bytes);

// The CRC-32C of a record whose header starts at `record` and whose payload of `length` bytes
// follows it: over the length, LSN, type and payload, skipping the CRC field.
std::uint32_t RecordCrc(const std::uint8_t* record, std::size_t length);

// Writes a whole record to `out`, which has room for kRecordHeaderSize + payload_size bytes:
// the header, the concatenation of `parts` (payload_size bytes in all) and its CRC.
void EncodeRecord(Lsn lsn, std::uint8_t type, std::span<const std::span<const std::uint8_t>> parts,
                  std::size_t payload_size, std::uint8_t* out);

// Little-endian loads and stores.
void StoreU32(std::uint8_t* out, std::uint32_t v);
void StoreU64(std::uint8_t* out, std::uint64_t v);
std::uint32_t LoadU32(const std::uint8_t* in);
std::uint64_t LoadU64(const std::uint8_t* in);

}  // namespace mw::storage::wal
