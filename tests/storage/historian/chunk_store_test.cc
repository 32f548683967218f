#include "storage/historian/chunk_store.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace mw::storage::historian {
namespace {

ChunkRow MakeRow(std::int64_t id, std::uint32_t series, Timestamp first, Timestamp last) {
  ChunkRow row;
  row.id = id;
  row.series = series;
  row.first_time = first;
  row.last_time = last;
  row.summary = {2, 1, 2, 3, 1, 2};
  row.data = {1, 2, 3, static_cast<std::uint8_t>(id)};
  return row;
}

TEST(ChunkStore, KeepsSeriesChunksAndFlushedLsnAcrossReopen) {
  mw::testing::TempDir dir;
  {
    auto store = ChunkStore::Open(dir.File("c.sqlite"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    StoredSeries s;
    s.def = {4, "plant/p1", "temp", "degC", SeriesKind::kScalar};
    s.resolution = 0.01;
    ASSERT_TRUE((*store)->PutSeries(s).ok());
    std::vector<ChunkWrite> writes = {{MakeRow(1, 4, 100, 200), 17}, {MakeRow(2, 4, 201, 300), 18}};
    ASSERT_TRUE((*store)->Write(writes, {}, 0).ok());
  }
  auto store = ChunkStore::Open(dir.File("c.sqlite"));
  ASSERT_TRUE(store.ok());
  auto series = (*store)->LoadSeries();
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 1u);
  EXPECT_EQ((*series)[0].def.signal, "temp");
  EXPECT_EQ((*series)[0].resolution, 0.01);
  EXPECT_EQ((*series)[0].flushed_lsn, 18u);
  std::vector<ChunkRow> rows;
  ASSERT_TRUE((*store)->ReadChunks(4, 150, 250, true, rows).ok());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].data.back(), 2);
  rows.clear();
  ASSERT_TRUE((*store)->ReadChunks(4, 250, 1000, false, rows).ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].data.empty());
  EXPECT_EQ(*(*store)->MaxChunkId(), 2);
}

TEST(ChunkStore, ReplaceChunksIsAtomicAndDropsTheirRollups) {
  mw::testing::TempDir dir;
  auto store = ChunkStore::Open(dir.File("c.sqlite"));
  ASSERT_TRUE(store.ok());
  std::vector<ChunkWrite> writes = {{MakeRow(1, 1, 0, 10), 0}, {MakeRow(2, 1, 5, 20), 0}};
  ASSERT_TRUE((*store)->Write(writes, {}, 0).ok());
  RollupRow r{1, RollupLevel::kMinute, 1, 0, 0, {9}};
  ASSERT_TRUE((*store)->PutRollups(1, std::span(&r, 1)).ok());
  std::vector<std::int64_t> old = {1, 2};
  std::vector<ChunkRow> replacement = {MakeRow(3, 1, 0, 20)};
  ASSERT_TRUE((*store)->ReplaceChunks(old, replacement).ok());
  std::vector<ChunkRow> rows;
  ASSERT_TRUE((*store)->ReadChunks(1, 0, 100, false, rows).ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].id, 3);
  std::vector<RollupRow> rollups;
  ASSERT_TRUE((*store)->ReadRollups(1, RollupLevel::kMinute, 0, 100, rollups).ok());
  EXPECT_TRUE(rollups.empty());
  // A failing replacement (duplicate id) leaves everything as it was.
  std::vector<ChunkRow> dup = {MakeRow(3, 1, 0, 20)};
  std::vector<std::int64_t> none;
  EXPECT_FALSE((*store)->ReplaceChunks(none, dup).ok());
  rows.clear();
  ASSERT_TRUE((*store)->ReadChunks(1, 0, 100, false, rows).ok());
  EXPECT_EQ(rows.size(), 1u);
}

TEST(ChunkStore, RetentionDeletesOnlyRolledUpChunksWhenAsked) {
  mw::testing::TempDir dir;
  auto store = ChunkStore::Open(dir.File("c.sqlite"));
  ASSERT_TRUE(store.ok());
  std::vector<ChunkWrite> writes = {{MakeRow(1, 1, 0, 10), 0}, {MakeRow(2, 1, 11, 20), 0}};
  ASSERT_TRUE((*store)->Write(writes, {}, 0).ok());
  ASSERT_TRUE((*store)->PutRollups(1, {}).ok());
  std::uint64_t deleted = 0;
  ASSERT_TRUE((*store)->DeleteChunksBefore(1, 100, true, deleted).ok());
  EXPECT_EQ(deleted, 1u);
  ASSERT_TRUE((*store)->DeleteChunksBefore(1, 100, false, deleted).ok());
  EXPECT_EQ(deleted, 1u);
}

TEST(ChunkStore, EventsComeBackNewestLast) {
  mw::testing::TempDir dir;
  auto store = ChunkStore::Open(dir.File("c.sqlite"));
  ASSERT_TRUE(store.ok());
  std::vector<Event> events;
  for (int i = 0; i < 5; ++i) events.push_back({EventKind::kAnomaly, i, 1, 0, 0, "z", std::to_string(i)});
  ASSERT_TRUE((*store)->Write({}, events, 42).ok());
  std::vector<Event> back;
  ASSERT_TRUE((*store)->RecentEvents(3, back).ok());
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back.front().message, "2");
  EXPECT_EQ(back.back().message, "4");
  EXPECT_EQ(*(*store)->EventsLsn(), 42u);
}

}  // namespace
}  // namespace mw::storage::historian
