#include "storage/wal/format.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "storage/codec/crc32c.h"

namespace mw::storage::wal {

using codec::Crc32c;
using codec::Crc32cExtend;

void StoreU32(std::uint8_t* out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

void StoreU64(std::uint8_t* out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint32_t LoadU32(const std::uint8_t* in) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | in[i];
  return v;
}

std::uint64_t LoadU64(const std::uint8_t* in) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | in[i];
  return v;
}

std::string SegmentFileName(Lsn first_lsn) { return fmt::format("{:020}{}", first_lsn, kSegmentSuffix); }

std::optional<Lsn> ParseSegmentFileName(std::string_view name) {
  if (name.size() != kSegmentNameDigits + kSegmentSuffix.size()) return std::nullopt;
  if (name.substr(kSegmentNameDigits) != kSegmentSuffix) return std::nullopt;
  Lsn lsn = 0;
  for (std::size_t i = 0; i < kSegmentNameDigits; ++i) {
    const char c = name[i];
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<Lsn>(c - '0');
    // 20 digits can exceed 2^64 - 1 (18446744073709551615).
    if (lsn > (UINT64_MAX - digit) / 10) return std::nullopt;
    lsn = lsn * 10 + digit;
  }
  return lsn;
}

void EncodeSegmentHeader(Lsn first_lsn, std::uint8_t* out) {
  std::memcpy(out, kSegmentMagic.data(), kSegmentMagic.size());
  StoreU32(out + 4, kFormatVersion);
  StoreU64(out + 8, first_lsn);
  StoreU32(out + 16, Crc32c({out, 16}));
}

Result<Lsn> DecodeSegmentHeader(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kSegmentHeaderSize) {
    return Status::Corruption(
        fmt::format("short segment header ({} of {} bytes)", bytes.size(), kSegmentHeaderSize));
  }
  if (!std::equal(kSegmentMagic.begin(), kSegmentMagic.end(), bytes.begin())) {
    return Status::Corruption("not a WAL segment (bad magic)");
  }
  const std::uint32_t stored_crc = LoadU32(bytes.data() + 16);
  const std::uint32_t crc = Crc32c(bytes.first(16));
  if (stored_crc != crc) {
    return Status::Corruption(
        fmt::format("segment header checksum mismatch (stored {:08x}, computed {:08x})", stored_crc, crc));
  }
  const std::uint32_t version = LoadU32(bytes.data() + 4);
  if (version != kFormatVersion) {
    return Status::Corruption(fmt::format("unknown segment format version {}", version));
  }
  const Lsn first_lsn = LoadU64(bytes.data() + 8);
  if (first_lsn == 0) return Status::Corruption("segment header says first LSN 0");
  return first_lsn;
}

RecordHeader DecodeRecordHeader(const std::uint8_t* bytes) {
  RecordHeader h;
  h.length = LoadU32(bytes);
  h.crc = LoadU32(bytes + 4);
  h.lsn = LoadU64(bytes + 8);
  h.type = bytes[16];
  return h;
}

std::uint32_t RecordCrc(const std::uint8_t* record, std::size_t length) {
  const std::uint32_t crc = Crc32c({record, 4});
  return Crc32cExtend(crc, {record + 8, kRecordHeaderSize - 8 + length});
}

void EncodeRecord(Lsn lsn, std::uint8_t type, std::span<const std::span<const std::uint8_t>> parts,
                  std::size_t payload_size, std::uint8_t* out) {
  StoreU32(out, static_cast<std::uint32_t>(payload_size));
  StoreU64(out + 8, lsn);
  out[16] = type;
  std::uint8_t* p = out + kRecordHeaderSize;
  for (const auto& part : parts) {
    if (part.empty()) continue;
    std::memcpy(p, part.data(), part.size());
    p += part.size();
  }
  // Over the copy, which is in cache now, rather than the caller's scattered parts.
  StoreU32(out + 4, RecordCrc(out, payload_size));
}

}  // namespace mw::storage::wal
