// File and folder helpers of the WAL (internal to storage/wal): an owning file descriptor, whole
// writes and reads, syncs, the folder lock and the listing of segment files. Every error is an
// IoError naming the file and the failed call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/wal/wal.h"

namespace mw::storage::wal {

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset();

 private:
  int fd_ = -1;
};

// IoError "wal: <what> <path>: <strerror(err)>".
Status ErrnoError(std::string_view what, const std::string& path, int err);

// Opens `path` with `flags` (O_CLOEXEC is added) and `mode`.
Result<UniqueFd> OpenFile(const std::string& path, int flags, unsigned mode = 0644);
// Writes all of `bytes` at the current offset, retrying short writes and EINTR.
Status WriteAll(int fd, std::span<const std::uint8_t> bytes, const std::string& path);
// Reads exactly `size` bytes at `offset`; an early end of file is an IoError.
Status ReadAt(int fd, std::uint8_t* out, std::size_t size, std::uint64_t offset, const std::string& path);
Status SyncData(int fd, const std::string& path);  // fdatasync
Status SyncFile(int fd, const std::string& path);  // fsync
// Size of an open file.
Result<std::uint64_t> FileSize(int fd, const std::string& path);

// Creates `dir` and any missing parents, syncing each parent after creating a child in it so that
// the new folders survive a power loss. OK if `dir` exists (as a folder).
Status CreateDirs(const std::string& dir);
// Opens the folder `dir` and takes an exclusive, non-blocking flock() on it, held until the
// descriptor is closed. FailedPrecondition if another descriptor (another writer, or a recovery)
// holds it.
Result<UniqueFd> LockDir(const std::string& dir);

struct SegmentFile {
  Lsn first_lsn = 0;
  std::string path;  // dir + "/" + name
};

// The segment files of `dir` (names of 20 digits and ".wal"), by first LSN. Other names are ignored.
Result<std::vector<SegmentFile>> ListSegments(const std::string& dir);

}  // namespace mw::storage::wal
