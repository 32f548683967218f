// Recover(): reads segments through a bounded window (pread in pieces of kReadChunk, grown only to
// hold one record, never past the end of the file) and cuts a torn tail off the last segment.
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "storage/wal/file_io.h"
#include "storage/wal/format.h"
#include "storage/wal/wal.h"

namespace mw::storage::wal {
namespace {

constexpr std::size_t kReadChunk = std::size_t{1} << 20;

// A window over a file of known size. Get() hands out pointers into one reused buffer.
class SegmentReader {
 public:
  SegmentReader(int fd, std::uint64_t size, const std::string& path, std::vector<std::uint8_t>& buffer)
      : fd_(fd), size_(size), path_(path), buffer_(buffer) {}

  // Bytes [offset, offset + n) of the file, which the caller has checked lie within it. Valid until
  // the next call.
  Result<const std::uint8_t*> Get(std::uint64_t offset, std::size_t n) {
    if (offset >= start_ && offset + n <= start_ + length_) return buffer_.data() + (offset - start_);
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(std::max(n, kReadChunk), size_ - offset));
    // Keep what the window already holds from `offset` on.
    std::size_t keep = 0;
    if (offset >= start_ && offset < start_ + length_)
      keep = static_cast<std::size_t>(start_ + length_ - offset);
    if (buffer_.size() < want) {
      std::vector<std::uint8_t> bigger(want);
      if (keep > 0) std::memcpy(bigger.data(), buffer_.data() + (offset - start_), keep);
      buffer_.swap(bigger);
    } else if (keep > 0) {
      std::memmove(buffer_.data(), buffer_.data() + (offset - start_), keep);
    }
    start_ = offset;
    length_ = keep;
    MW_RETURN_IF_ERROR(ReadAt(fd_, buffer_.data() + keep, want - keep, offset + keep, path_));
    length_ = want;
    return buffer_.data();
  }

 private:
  int fd_;
  std::uint64_t size_;
  const std::string& path_;
  std::vector<std::uint8_t>& buffer_;
  std::uint64_t start_ = 0;
  std::size_t length_ = 0;
};

struct SegmentScan {
  const SegmentFile& file;
  bool last;
  Lsn from_lsn;
  const std::function<Status(const WalRecord&)>& fn;
  Lsn& expected;  // next LSN in sequence
  RecoveryInfo& info;
  std::vector<std::uint8_t>& buffer;
};

// Cuts the last segment at `offset` (of `size` bytes) and says so.
Status CutTail(int fd, const std::string& path, std::uint64_t offset, std::uint64_t size,
               const std::string& problem, Lsn next_lsn, RecoveryInfo& info) {
  if (::ftruncate(fd, static_cast<off_t>(offset)) != 0) return ErrnoError("truncate", path, errno);
  MW_RETURN_IF_ERROR(SyncFile(fd, path));
  info.torn_bytes = size - offset;
  info.torn_at = fmt::format("{}:{}", path, offset);
  spdlog::warn("wal: cut {} torn bytes at {} ({}); the log continues at LSN {}", info.torn_bytes,
               info.torn_at, problem, next_lsn);
  return Status::Ok();
}

// Reads one segment, calling the callback for its records; at the first bad byte, cuts the last
// segment there or fails with Corruption for any other.
Status ScanSegment(const SegmentScan& scan) {
  const std::string& path = scan.file.path;
  Result<UniqueFd> fd = OpenFile(path, scan.last ? O_RDWR : O_RDONLY);
  if (!fd.ok()) return fd.status();
  Result<std::uint64_t> file_size = FileSize(fd->get(), path);
  if (!file_size.ok()) return file_size.status();
  const std::uint64_t size = *file_size;
  // An empty last file: a writer created it and died before its header reached the disk, or an
  // earlier recovery cut its header. It stands for an empty segment.
  if (size == 0 && scan.last) return Status::Ok();

  auto bad = [&](std::uint64_t offset, const std::string& problem) -> Status {
    if (scan.last) return CutTail(fd->get(), path, offset, size, problem, scan.expected, scan.info);
    return Status::Corruption(
        fmt::format("wal: {}:{}: {} (in a segment other than the last)", path, offset, problem));
  };

  SegmentReader reader(fd->get(), size, path, scan.buffer);
  if (size < kSegmentHeaderSize) {
    return bad(0, fmt::format("short segment header ({} of {} bytes)", size, kSegmentHeaderSize));
  }
  Result<const std::uint8_t*> header = reader.Get(0, kSegmentHeaderSize);
  if (!header.ok()) return header.status();
  Result<Lsn> first_lsn = DecodeSegmentHeader({*header, kSegmentHeaderSize});
  if (!first_lsn.ok()) return bad(0, first_lsn.status().message());
  if (*first_lsn != scan.file.first_lsn) {
    return bad(0, fmt::format("segment header says first LSN {} but the file name says {}", *first_lsn,
                              scan.file.first_lsn));
  }

  std::uint64_t offset = kSegmentHeaderSize;
  while (offset < size) {
    const std::uint64_t left = size - offset;
    if (left < kRecordHeaderSize) {
      return bad(offset, fmt::format("short record header ({} of {} bytes)", left, kRecordHeaderSize));
    }
    Result<const std::uint8_t*> head = reader.Get(offset, kRecordHeaderSize);
    if (!head.ok()) return head.status();
    const std::uint32_t length = LoadU32(*head);
    if (length > kMaxPayloadBytes) {
      return bad(offset,
                 fmt::format("record length {} exceeds the limit of {} bytes", length, kMaxPayloadBytes));
    }
    if (length > left - kRecordHeaderSize) {
      return bad(offset,
                 fmt::format("short record (length {}, {} bytes left)", length, left - kRecordHeaderSize));
    }
    Result<const std::uint8_t*> bytes = reader.Get(offset, kRecordHeaderSize + length);
    if (!bytes.ok()) return bytes.status();
    const RecordHeader h = DecodeRecordHeader(*bytes);
    const std::uint32_t crc = RecordCrc(*bytes, length);
    if (crc != h.crc) {
      return bad(offset,
                 fmt::format("record checksum mismatch (stored {:08x}, computed {:08x})", h.crc, crc));
    }
    if (h.lsn != scan.expected) {
      return bad(offset, fmt::format("record LSN {} where {} was expected", h.lsn, scan.expected));
    }
    if (h.lsn >= scan.from_lsn) {
      const WalRecord record{h.lsn, h.type, {*bytes + kRecordHeaderSize, length}};
      MW_RETURN_IF_ERROR(scan.fn(record));
      ++scan.info.records;
    }
    ++scan.expected;
    offset += kRecordHeaderSize + length;
  }
  return Status::Ok();
}

}  // namespace

Result<RecoveryInfo> Recover(const std::string& dir, Lsn from_lsn,
                             const std::function<Status(const WalRecord&)>& fn) {
  RecoveryInfo info;
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) return info;
    return ErrnoError("stat", dir, errno);
  }
  if (!S_ISDIR(st.st_mode)) return ErrnoError("recover", dir, ENOTDIR);
  Result<UniqueFd> lock = LockDir(dir);
  if (!lock.ok()) return lock.status();
  Result<std::vector<SegmentFile>> segments = ListSegments(dir);
  if (!segments.ok()) return segments.status();
  if (segments->empty()) return info;

  const SegmentFile& first = segments->front();
  if (first.first_lsn == 0)
    return Status::Corruption(fmt::format("wal: {}: LSN 0 in a segment name", first.path));
  Lsn expected = first.first_lsn;
  info.first_lsn = first.first_lsn;
  std::vector<std::uint8_t> buffer;
  for (std::size_t i = 0; i < segments->size(); ++i) {
    const SegmentFile& file = (*segments)[i];
    if (file.first_lsn != expected) {
      return Status::Corruption(fmt::format(
          "wal: {}:0: segment starts at LSN {} but the one before ends before LSN {}: records are missing",
          file.path, file.first_lsn, expected));
    }
    ++info.segments;
    MW_RETURN_IF_ERROR(ScanSegment({file, i + 1 == segments->size(), from_lsn, fn, expected, info, buffer}));
  }
  info.next_lsn = expected;
  return info;
}

}  // namespace mw::storage::wal
