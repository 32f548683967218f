// JournalFile: the alarm engine's append-only record file.
//
//   "MWALRM01" (8 bytes), then per record: u32 length | u32 CRC-32C of the payload | payload
//   (little-endian integers; the payload is opaque here).
//
// Append() writes its records and fdatasyncs before it returns: a record Append returned Ok for
// survives kill -9 and a power loss. Open() reads every record. The first one that is short or fails
// its CRC (a write torn by a crash) ends the file: it and everything after it are cut (truncate +
// fsync), and `cut_bytes` says how much, for the caller's log line. A file whose header is wrong is
// refused (Corruption naming it) rather than overwritten: it is not ours.
//
// Not thread-safe: the engine serializes calls.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace mw::alarms {

class JournalFile {
 public:
  ~JournalFile();
  JournalFile(const JournalFile&) = delete;
  JournalFile& operator=(const JournalFile&) = delete;

  // Opens or creates `path` (its folder must exist), appending each intact record's payload to
  // `records`.
  static Result<std::unique_ptr<JournalFile>> Open(const std::string& path, std::vector<std::string>& records,
                                                   std::uint64_t& cut_bytes);

  Status Append(std::span<const std::string> payloads);

  const std::string& path() const { return path_; }
  std::uint64_t size() const { return size_; }

 private:
  JournalFile(std::string path, int fd, std::uint64_t size) : path_(std::move(path)), fd_(fd), size_(size) {}

  std::string path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

}  // namespace mw::alarms
