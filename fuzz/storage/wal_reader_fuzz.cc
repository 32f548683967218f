// Writes the input as a WAL segment file into a scratch folder and runs Recover() over it:
//   1. as the only, hence last, segment: whatever is wrong is a torn tail, so recovery must succeed,
//      leave exactly the records it delivered (the file size says so), and a second recovery must
//      cut nothing and deliver the same records;
//   2. as a middle segment, followed by an empty segment where the first one says the log goes on:
//      recovery succeeds if and only if the first pass cut nothing, and fails with Corruption
//      otherwise.
// The file is named by the first LSN its header claims (1 if that is 0), so valid inputs parse.
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "storage/codec/crc32c.h"
#include "storage/wal/format.h"
#include "storage/wal/wal.h"

namespace {

using namespace mw::storage::wal;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

// A folder for the whole process, removed when it exits.
class ScratchDir {
 public:
  ScratchDir() {
    const char* tmp = std::getenv("TMPDIR");
    path_ = std::string(tmp ? tmp : "/tmp") + "/mw-wal-fuzz-XXXXXX";
    Check(::mkdtemp(path_.data()) != nullptr);
    spdlog::set_level(spdlog::level::off);  // a cut is logged: not once per fuzz run
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, std::span<const std::uint8_t> bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  Check(f != nullptr);
  Check(bytes.empty() || std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
  Check(std::fclose(f) == 0);
}

std::uint64_t FileSize(const std::string& path) {
  struct stat st {};
  Check(::stat(path.c_str(), &st) == 0);
  return static_cast<std::uint64_t>(st.st_size);
}

struct Pass {
  mw::Result<RecoveryInfo> info = mw::Status::Internal("not run");
  std::vector<std::uint32_t> payload_crcs;  // of each record delivered
  std::uint64_t record_bytes = 0;
};

Pass RecoverDir(const std::string& dir, Lsn first_lsn) {
  Pass pass;
  Lsn expected = first_lsn;
  pass.info = Recover(dir, 0, [&](const WalRecord& r) {
    Check(r.lsn == expected++);
    Check(r.payload.size() <= kMaxPayloadBytes);
    pass.payload_crcs.push_back(mw::storage::codec::Crc32c(r.payload));
    pass.record_bytes += kRecordHeaderSize + r.payload.size();
    return mw::Status::Ok();
  });
  return pass;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  static const ScratchDir scratch;
  const std::string& dir = scratch.path();
  Lsn first_lsn = size >= 16 ? LoadU64(data + 8) : 1;
  if (first_lsn == 0) first_lsn = 1;
  const std::string path = dir + "/" + SegmentFileName(first_lsn);

  // 1. The last segment.
  WriteFile(path, input);
  const Pass once = RecoverDir(dir, first_lsn);
  Check(once.info.ok());
  const RecoveryInfo& info = *once.info;
  Check(info.segments == 1);
  Check(info.records == once.payload_crcs.size());
  Check(info.next_lsn == first_lsn + info.records);
  Check(info.torn_bytes <= size);
  Check(info.torn_at.empty() == (info.torn_bytes == 0));
  const std::uint64_t left = FileSize(path);
  Check(left == size - info.torn_bytes);
  Check(left == 0 || left == kSegmentHeaderSize + once.record_bytes);
  const Pass twice = RecoverDir(dir, first_lsn);
  Check(twice.info.ok() && twice.info->torn_bytes == 0);
  Check(twice.payload_crcs == once.payload_crcs);

  // 2. A middle segment: the same bytes, then an empty segment where the log goes on.
  WriteFile(path, input);
  // (Only when it holds records, so that the two names differ, and the LSNs did not wrap around.)
  if (info.next_lsn > first_lsn) {
    const std::string next = dir + "/" + SegmentFileName(info.next_lsn);
    std::array<std::uint8_t, kSegmentHeaderSize> header{};
    EncodeSegmentHeader(info.next_lsn, header.data());
    WriteFile(next, header);
    const Pass middle = RecoverDir(dir, first_lsn);
    const bool intact = info.torn_bytes == 0 && size > 0;
    if (intact) {
      Check(middle.info.ok() && middle.info->segments == 2 && middle.payload_crcs == once.payload_crcs);
    } else {
      Check(middle.info.status().code() == mw::StatusCode::kCorruption);
    }
    std::filesystem::remove(next);
  }
  std::filesystem::remove(path);
  return 0;
}
