// Helpers shared by the WAL tests: deterministic payloads that check themselves, recovery into
// owned records, and raw access to segment files.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "storage/wal/format.h"
#include "storage/wal/wal.h"

namespace mw::storage::wal::testutil {

// A payload of `size` bytes (at least 16) that names itself: u64 id, u64 size, then bytes drawn from
// a generator seeded with id. CheckPayload() recognises it, so a test can tell every record apart
// and see that it is intact.
inline std::vector<std::uint8_t> MakePayload(std::uint64_t id, std::size_t size) {
  size = std::max<std::size_t>(size, 16);
  std::vector<std::uint8_t> out(size);
  StoreU64(out.data(), id);
  StoreU64(out.data() + 8, size);
  std::mt19937_64 rng(id * 0x9E3779B97F4A7C15ull + 1);
  for (std::size_t i = 16; i < size; ++i) out[i] = static_cast<std::uint8_t>(rng() >> 56);
  return out;
}

// The id of a payload made by MakePayload, or nullopt if it is not one (or damaged).
inline std::optional<std::uint64_t> CheckPayload(std::span<const std::uint8_t> payload) {
  if (payload.size() < 16) return std::nullopt;
  const std::uint64_t id = LoadU64(payload.data());
  if (LoadU64(payload.data() + 8) != payload.size()) return std::nullopt;
  const std::vector<std::uint8_t> expected = MakePayload(id, payload.size());
  if (!std::equal(expected.begin(), expected.end(), payload.begin())) return std::nullopt;
  return id;
}

struct OwnedRecord {
  Lsn lsn = 0;
  std::uint8_t type = 0;
  std::vector<std::uint8_t> payload;
};

struct Recovered {
  RecoveryInfo info;
  std::vector<OwnedRecord> records;
};

inline Result<Recovered> RecoverAll(const std::string& dir, Lsn from_lsn = 1) {
  Recovered out;
  Result<RecoveryInfo> info = Recover(dir, from_lsn, [&](const WalRecord& r) {
    out.records.push_back({r.lsn, r.type, {r.payload.begin(), r.payload.end()}});
    return Status::Ok();
  });
  if (!info.ok()) return info.status();
  out.info = *info;
  return out;
}

inline std::unique_ptr<WalWriter> MustOpen(const WalOptions& options, Lsn next_lsn) {
  Result<std::unique_ptr<WalWriter>> writer = WalWriter::Open(options, next_lsn);
  EXPECT_TRUE(writer.ok()) << writer.status().ToString();
  return writer.ok() ? std::move(*writer) : nullptr;
}

// Segment files of `dir`, oldest first.
inline std::vector<std::string> SegmentPaths(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (ParseSegmentFileName(entry.path().filename().string())) out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline std::vector<std::uint8_t> ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void WriteBytes(const std::string& path, std::span<const std::uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

// Offsets at which the records of a well-formed segment start, and its size as the last entry.
inline std::vector<std::size_t> RecordOffsets(std::span<const std::uint8_t> segment) {
  std::vector<std::size_t> out;
  std::size_t offset = kSegmentHeaderSize;
  while (offset + kRecordHeaderSize <= segment.size()) {
    out.push_back(offset);
    offset += kRecordHeaderSize + LoadU32(segment.data() + offset);
  }
  out.push_back(segment.size());
  return out;
}

}  // namespace mw::storage::wal::testutil
