#include "storage/wal/file_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include <fmt/format.h>

#include "storage/wal/format.h"

namespace mw::storage::wal {
namespace {

std::string ParentOf(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status SyncDirPath(const std::string& dir) {
  Result<UniqueFd> fd = OpenFile(dir, O_RDONLY | O_DIRECTORY);
  if (!fd.ok()) return fd.status();
  return SyncFile(fd->get(), dir);
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    Reset();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

void UniqueFd::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status ErrnoError(std::string_view what, const std::string& path, int err) {
  return Status::IoError(
      fmt::format("wal: {} {}: {}", what, path, std::error_code(err, std::generic_category()).message()));
}

Result<UniqueFd> OpenFile(const std::string& path, int flags, unsigned mode) {
  int fd = -1;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, static_cast<mode_t>(mode));
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ErrnoError("open", path, errno);
  return UniqueFd(fd);
}

Status WriteAll(int fd, std::span<const std::uint8_t> bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("write", path, errno);
    }
    // write() returns 0 only for a zero-byte request; guard anyway against a loop that never ends.
    if (n == 0) return ErrnoError("write", path, EIO);
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

Status ReadAt(int fd, std::uint8_t* out, std::size_t size, std::uint64_t offset, const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("read", path, errno);
    }
    if (n == 0) {
      return Status::IoError(fmt::format("wal: read {}: unexpected end of file at offset {}", path, offset));
    }
    out += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return Status::Ok();
}

Status SyncData(int fd, const std::string& path) {
  if (::fdatasync(fd) != 0) return ErrnoError("fdatasync", path, errno);
  return Status::Ok();
}

Status SyncFile(int fd, const std::string& path) {
  if (::fsync(fd) != 0) return ErrnoError("fsync", path, errno);
  return Status::Ok();
}

Result<std::uint64_t> FileSize(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return ErrnoError("stat", path, errno);
  return static_cast<std::uint64_t>(st.st_size);
}

Status CreateDirs(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::Ok();
    return ErrnoError("create folder", dir, ENOTDIR);
  }
  if (errno != ENOENT) return ErrnoError("stat", dir, errno);
  const std::string parent = ParentOf(dir);
  if (parent != dir) MW_RETURN_IF_ERROR(CreateDirs(parent));
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return ErrnoError("create folder", dir, errno);
  return SyncDirPath(parent);
}

Result<UniqueFd> LockDir(const std::string& dir) {
  Result<UniqueFd> fd = OpenFile(dir, O_RDONLY | O_DIRECTORY);
  if (!fd.ok()) return fd.status();
  int rc = 0;
  do {
    rc = ::flock(fd->get(), LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    if (errno == EWOULDBLOCK) {
      return Status::FailedPrecondition(
          fmt::format("wal: {} is in use (a WalWriter is open on it, or a recovery runs)", dir));
    }
    return ErrnoError("lock", dir, errno);
  }
  return fd;
}

Result<std::vector<SegmentFile>> ListSegments(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoError("list", dir, errno);
  std::vector<SegmentFile> out;
  errno = 0;
  while (const dirent* entry = ::readdir(d)) {
    if (std::optional<Lsn> lsn = ParseSegmentFileName(entry->d_name)) {
      out.push_back({*lsn, dir + "/" + entry->d_name});
    }
    errno = 0;
  }
  const int err = errno;
  ::closedir(d);
  if (err != 0) return ErrnoError("list", dir, err);
  std::sort(out.begin(), out.end(),
            [](const SegmentFile& a, const SegmentFile& b) { return a.first_lsn < b.first_lsn; });
  return out;
}

}  // namespace mw::storage::wal
