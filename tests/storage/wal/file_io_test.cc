#include "storage/wal/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/wal/format.h"
#include "tests/support/test_support.h"

namespace mw::storage::wal {
namespace {

using mw::testing::TempDir;
using mw::testing::WriteFile;

TEST(WalFileIo, ListsSegmentsInLsnOrderAndIgnoresOtherFiles) {
  TempDir tmp;
  for (Lsn lsn : {Lsn{300}, Lsn{1}, Lsn{20}}) WriteFile(tmp.File(SegmentFileName(lsn)), "");
  WriteFile(tmp.File("notes.txt"), "");
  WriteFile(tmp.File("1.wal"), "");
  WriteFile(tmp.File("00000000000000000002.wal.tmp"), "");
  Result<std::vector<SegmentFile>> segments = ListSegments(tmp.path());
  ASSERT_TRUE(segments.ok()) << segments.status().ToString();
  ASSERT_EQ(segments->size(), 3u);
  EXPECT_EQ((*segments)[0].first_lsn, 1u);
  EXPECT_EQ((*segments)[1].first_lsn, 20u);
  EXPECT_EQ((*segments)[2].first_lsn, 300u);
  EXPECT_EQ((*segments)[2].path, tmp.File("00000000000000000300.wal"));
}

TEST(WalFileIo, ListingAMissingFolderIsAnIoErrorNamingIt) {
  Result<std::vector<SegmentFile>> segments = ListSegments("/nonexistent/wal");
  EXPECT_EQ(segments.status().code(), StatusCode::kIoError);
  EXPECT_NE(segments.status().message().find("/nonexistent/wal"), std::string::npos);
}

TEST(WalFileIo, FolderLockIsExclusiveUntilReleased) {
  TempDir tmp;
  Result<UniqueFd> first = LockDir(tmp.path());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  Result<UniqueFd> second = LockDir(tmp.path());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  first->Reset();
  EXPECT_TRUE(LockDir(tmp.path()).ok());
}

TEST(WalFileIo, CreatesNestedFoldersAndRefusesAFileInTheWay) {
  TempDir tmp;
  const std::string nested = tmp.File("a/b/c");
  ASSERT_TRUE(CreateDirs(nested).ok());
  struct stat st {};
  ASSERT_EQ(::stat(nested.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_TRUE(CreateDirs(nested).ok());  // already there
  WriteFile(tmp.File("file"), "x");
  EXPECT_EQ(CreateDirs(tmp.File("file")).code(), StatusCode::kIoError);
}

TEST(WalFileIo, ReadAtReadsExactlyOrSaysWhereTheFileEnded) {
  TempDir tmp;
  WriteFile(tmp.File("f"), "0123456789");
  Result<UniqueFd> fd = OpenFile(tmp.File("f"), O_RDONLY);
  ASSERT_TRUE(fd.ok());
  std::vector<std::uint8_t> out(4);
  ASSERT_TRUE(ReadAt(fd->get(), out.data(), 4, 3, tmp.File("f")).ok());
  EXPECT_EQ(std::string(out.begin(), out.end()), "3456");
  Status past_end = ReadAt(fd->get(), out.data(), 4, 8, tmp.File("f"));
  EXPECT_EQ(past_end.code(), StatusCode::kIoError);
  EXPECT_NE(past_end.message().find(tmp.File("f")), std::string::npos);
  Result<std::uint64_t> size = FileSize(fd->get(), tmp.File("f"));
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 10u);
}

}  // namespace
}  // namespace mw::storage::wal
