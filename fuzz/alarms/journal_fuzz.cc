// Any bytes as an alarm journal file (the first byte chooses whether our header is put in front, so
// that the records themselves get fuzzed): JournalFile::Open keeps an intact prefix of records and
// cuts the rest, DecodeRecord turns each into a record or a Corruption error, never a crash; and
// an opened file takes a new record and reads back with it.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "alarms/engine.h"
#include "alarms/journal_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const std::string path = "/tmp/mw-journal-fuzz-" + std::to_string(::getpid());
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if ((data[0] & 1) != 0) out << "MWALRM01";
    out.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  }
  std::vector<std::string> records;
  std::uint64_t cut = 0;
  auto file = mw::alarms::JournalFile::Open(path, records, cut);
  if (file.ok()) {
    for (const std::string& r : records) {
      auto record = mw::alarms::DecodeRecord(r);
      if (!record.ok() && record.status().code() != mw::StatusCode::kCorruption) std::abort();
    }
    const std::vector<std::string> more = {"{\"appended\": true}"};
    if (!(*file)->Append(more).ok()) std::abort();
    file->reset();
    std::vector<std::string> again;
    if (!mw::alarms::JournalFile::Open(path, again, cut).ok() || cut != 0) std::abort();
    if (again.size() != records.size() + 1 || again.back() != more[0]) std::abort();
  } else if (file.status().code() != mw::StatusCode::kCorruption) {
    std::abort();
  }
  ::unlink(path.c_str());
  return 0;
}
