#include "alarms/journal_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <span>
#include <utility>

#include "storage/codec/crc32c.h"

namespace mw::alarms {
namespace {

constexpr char kMagic[] = "MWALRM01";
constexpr std::size_t kMagicSize = 8;
constexpr std::size_t kRecordHeader = 8;
constexpr std::uint32_t kMaxRecord = 16u << 20;  // far above any alarm record: a bigger length is damage

Status Errno(std::string_view what, const std::string& path) {
  return Status::IoError("alarm journal: " + std::string(what) + " " + path + ": " + std::strerror(errno));
}

void PutU32(std::uint8_t* out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint32_t GetU32(const std::uint8_t* in) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(in[i]) << (8 * i);
  return v;
}

std::uint32_t CrcOf(std::string_view payload) {
  return storage::codec::Crc32c(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()));
}

Status WriteAll(int fd, const std::uint8_t* data, std::size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("write", path);
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

Result<std::vector<std::uint8_t>> ReadWhole(int fd, const std::string& path) {
  std::vector<std::uint8_t> bytes;
  std::uint8_t buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("read", path);
    if (n == 0) return bytes;
    bytes.insert(bytes.end(), buffer, buffer + n);
  }
}

// The length of the intact prefix of `bytes` (after the header), appending each record's payload.
std::size_t IntactPrefix(const std::vector<std::uint8_t>& bytes, std::vector<std::string>& records) {
  std::size_t at = kMagicSize;
  while (bytes.size() - at >= kRecordHeader) {
    const std::uint32_t length = GetU32(&bytes[at]);
    const std::uint32_t crc = GetU32(&bytes[at + 4]);
    if (length > kMaxRecord || bytes.size() - at - kRecordHeader < length) break;
    std::string payload(reinterpret_cast<const char*>(&bytes[at + kRecordHeader]), length);
    if (CrcOf(payload) != crc) break;
    records.push_back(std::move(payload));
    at += kRecordHeader + length;
  }
  return at;
}

}  // namespace

JournalFile::~JournalFile() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<JournalFile>> JournalFile::Open(const std::string& path,
                                                       std::vector<std::string>& records,
                                                       std::uint64_t& cut_bytes) {
  cut_bytes = 0;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("open", path);
  std::unique_ptr<JournalFile> file(new JournalFile(path, fd, 0));
  Result<std::vector<std::uint8_t>> bytes = ReadWhole(fd, path);
  if (!bytes.ok()) return bytes.status();
  std::size_t keep = kMagicSize;
  if (bytes->empty()) {
    if (Status s = WriteAll(fd, reinterpret_cast<const std::uint8_t*>(kMagic), kMagicSize, path); !s.ok())
      return s;
  } else if (bytes->size() < kMagicSize || std::memcmp(bytes->data(), kMagic, kMagicSize) != 0) {
    return Status::Corruption("alarm journal " + path +
                              ": not a Millwright alarm journal (bad header); move it away");
  } else {
    keep = IntactPrefix(*bytes, records);
    cut_bytes = bytes->size() - keep;
  }
  if (cut_bytes > 0 && ::ftruncate(fd, static_cast<off_t>(keep)) != 0) return Errno("truncate", path);
  if (::lseek(fd, static_cast<off_t>(keep), SEEK_SET) < 0) return Errno("seek", path);
  if (::fsync(fd) != 0) return Errno("fsync", path);
  file->size_ = keep;
  return file;
}

Status JournalFile::Append(std::span<const std::string> payloads) {
  if (payloads.empty()) return Status::Ok();
  std::vector<std::uint8_t> out;
  for (const std::string& p : payloads) {
    if (p.size() > kMaxRecord)
      return Status::InvalidArgument("alarm journal: record of " + std::to_string(p.size()) + " bytes");
    const std::size_t at = out.size();
    out.resize(at + kRecordHeader + p.size());
    PutU32(&out[at], static_cast<std::uint32_t>(p.size()));
    PutU32(&out[at + 4], CrcOf(p));
    std::memcpy(&out[at + kRecordHeader], p.data(), p.size());
  }
  if (Status s = WriteAll(fd_, out.data(), out.size(), path_); !s.ok()) {
    // A partial write would leave a torn record ahead of later ones: cut back to the last good end.
    if (::ftruncate(fd_, static_cast<off_t>(size_)) == 0) ::lseek(fd_, static_cast<off_t>(size_), SEEK_SET);
    return s;
  }
  if (::fdatasync(fd_) != 0) return Errno("fdatasync", path_);
  size_ += out.size();
  return Status::Ok();
}

}  // namespace mw::alarms
