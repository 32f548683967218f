#include "alarms/journal_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace mw::alarms {
namespace {

std::vector<std::string> Reopen(const std::string& path, std::uint64_t& cut) {
  std::vector<std::string> records;
  Result<std::unique_ptr<JournalFile>> file = JournalFile::Open(path, records, cut);
  EXPECT_TRUE(file.ok()) << file.status().message();
  return records;
}

// Opens `path` (which must hold no records yet) and appends each group of records in one call.
void Append(const std::string& path, const std::vector<std::vector<std::string>>& groups) {
  std::vector<std::string> none;
  std::uint64_t cut = 0;
  auto file = JournalFile::Open(path, none, cut);
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_TRUE(none.empty());
  for (const auto& group : groups) ASSERT_TRUE((*file)->Append(group).ok());
}

TEST(JournalFileTest, RecordsComeBackInOrderAfterReopening) {
  testing::TempDir dir;
  const std::string path = dir.File("j");
  std::uint64_t cut = 0;
  Append(path, {{"one", std::string("t\0o", 3)}, {"", "three"}});
  EXPECT_EQ(Reopen(path, cut), (std::vector<std::string>{"one", std::string("t\0o", 3), "", "three"}));
  EXPECT_EQ(cut, 0u);
}

// A crash can stop a write anywhere: every shorter file keeps exactly the whole records before the
// cut, and the file is then usable for appending.
TEST(JournalFileTest, EveryTruncationKeepsTheWholeRecordsBeforeIt) {
  testing::TempDir dir;
  const std::string path = dir.File("j");
  const std::vector<std::string> payloads = {"alpha", "beta-beta", "gamma"};
  std::uint64_t cut = 0;
  Append(path, {payloads});
  const std::string whole = testing::ReadFile(path);
  std::vector<std::size_t> ends = {8};
  for (const std::string& p : payloads) ends.push_back(ends.back() + 8 + p.size());
  for (std::size_t size = 8; size <= whole.size(); ++size) {
    testing::WriteFile(path, whole.substr(0, size));
    const std::vector<std::string> back = Reopen(path, cut);
    std::size_t complete = 0;
    while (complete + 1 < ends.size() && ends[complete + 1] <= size) ++complete;
    ASSERT_EQ(back.size(), complete) << "size " << size;
    EXPECT_EQ(cut, size - ends[complete]) << "size " << size;
    EXPECT_EQ(std::filesystem::file_size(path), ends[complete]);
  }
}

TEST(JournalFileTest, AFlippedBitEndsTheFileAtThatRecord) {
  testing::TempDir dir;
  const std::string path = dir.File("j");
  std::uint64_t cut = 0;
  Append(path, {{"first", "second", "third"}});
  std::string bytes = testing::ReadFile(path);
  bytes[8 + 13 + 8 + 2] ^= 0x10;  // inside "second"
  testing::WriteFile(path, bytes);
  EXPECT_EQ(Reopen(path, cut), std::vector<std::string>{"first"});
  EXPECT_EQ(cut, 14u + 13u);
}

TEST(JournalFileTest, AFileWithAnotherHeaderIsRefusedAndLeftAlone) {
  testing::TempDir dir;
  const std::string path = dir.File("j");
  testing::WriteFile(path, "PK\x03\x04 a zip file");
  std::vector<std::string> records;
  std::uint64_t cut = 0;
  Result<std::unique_ptr<JournalFile>> file = JournalFile::Open(path, records, cut);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(testing::ReadFile(path), "PK\x03\x04 a zip file");
}

}  // namespace
}  // namespace mw::alarms
