#include "storage/live_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace mw::storage {
namespace {

TEST(LiveCache, KeepsLatestAndARecentWindow) {
  LiveCache cache(4);
  Batch b;
  for (int i = 0; i < 10; ++i) b.Append(7, i * 10, i);
  ASSERT_TRUE(cache.Append(b).ok());
  EXPECT_EQ(cache.Latest(7)->value, 9);
  EXPECT_FALSE(cache.Latest(8));
  std::vector<pipeline::Point> points;
  ASSERT_TRUE(cache.Range(7, 0, 1000, 100, points).ok());
  ASSERT_EQ(points.size(), 4u);
  EXPECT_EQ(points.front().time, 60);
  ASSERT_TRUE(cache.Range(7, 65, 85, 100, points).ok());
  ASSERT_EQ(points.size(), 2u);
  ASSERT_TRUE(cache.Range(7, 0, 1000, 1, points).ok());
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].time, 90) << "a limit keeps the newest points";
}

TEST(LiveCache, LateSamplesAreReturnedInTimeOrder) {
  LiveCache cache(8);
  Batch b;
  b.Append(1, 30, 3);
  b.Append(1, 10, 1);
  b.Append(1, 20, 2);
  ASSERT_TRUE(cache.Append(b).ok());
  std::vector<pipeline::Point> points;
  ASSERT_TRUE(cache.Range(1, 0, 100, 10, points).ok());
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(points[0].value, 1);
  EXPECT_EQ(points[2].value, 3);
}

TEST(LiveCache, ReadersSeeConsistentPointsWhileOneWriterAppends) {
  LiveCache cache(64);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 200000; ++i) {
      Batch b;
      b.Append(3, i, i * 2.0);  // value is always 2 * time
      ASSERT_TRUE(cache.Append(b).ok());
    }
    done = true;
  });
  std::size_t checks = 0;
  while (!done) {
    std::vector<pipeline::Point> points;
    if (!cache.Range(3, 0, INT64_MAX, 64, points).ok()) continue;
    for (const auto& p : points) ASSERT_EQ(p.value, p.time * 2.0);
    for (std::size_t i = 1; i < points.size(); ++i) ASSERT_EQ(points[i].time, points[i - 1].time + 1);
    ++checks;
  }
  writer.join();
  EXPECT_GT(checks, 0u);
  EXPECT_EQ(cache.Latest(3)->time, 199999);
}

// Batches that interleave series are written series by series (grouped), and batches of very many
// series point by point: both must keep every series' points in batch order, and its window.
TEST(LiveCache, InterleavedBatchesKeepEachSeriesInOrder) {
  for (int series : {1, 3, 40, 128, 129, 300}) {
    LiveCache cache(64);
    std::vector<std::vector<double>> want(static_cast<std::size_t>(series));
    int t = 0;
    for (int round = 0; round < 5; ++round) {
      Batch b;
      for (int i = 0; i < 150; ++i) {
        for (int s = 0; s < series; ++s) {
          if ((i + s + round) % 7 == 0) continue;  // uneven runs
          const double v = t * 10.0 + s;
          b.Append(static_cast<SeriesId>(s * 3 + 1), t++, v);
          want[static_cast<std::size_t>(s)].push_back(v);
        }
      }
      ASSERT_TRUE(cache.Append(b).ok());
    }
    for (int s = 0; s < series; ++s) {
      const auto& all = want[static_cast<std::size_t>(s)];
      std::vector<pipeline::Point> points;
      ASSERT_TRUE(cache.Range(static_cast<SeriesId>(s * 3 + 1), 0, INT64_MAX, 1000, points).ok());
      ASSERT_EQ(points.size(), std::min<std::size_t>(64, all.size())) << series << " " << s;
      for (std::size_t i = 0; i < points.size(); ++i)
        ASSERT_EQ(points[i].value, all[all.size() - points.size() + i]) << series << " " << s << " " << i;
      EXPECT_EQ(cache.Latest(static_cast<SeriesId>(s * 3 + 1))->value, all.back());
    }
  }
}

// Readers of interleaved series never see a torn run: every point they copy is one the writer
// wrote, in order, while batches of several series go in series by series.
TEST(LiveCache, ReadersSeeConsistentRunsOfInterleavedBatches) {
  LiveCache cache(256);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 20000; ++i) {
      Batch b;
      for (int k = 0; k < 40; ++k)
        for (SeriesId s = 1; s <= 3; ++s) b.Append(s, i * 40 + k, (i * 40 + k) * 2.0 + s);
      ASSERT_TRUE(cache.Append(b).ok());
    }
    done = true;
  });
  std::size_t checks = 0;
  while (!done) {
    for (SeriesId s = 1; s <= 3; ++s) {
      std::vector<pipeline::Point> points;
      if (!cache.Range(s, 0, INT64_MAX, 256, points).ok()) continue;
      for (const auto& p : points) ASSERT_EQ(p.value, p.time * 2.0 + s);
      for (std::size_t i = 1; i < points.size(); ++i) ASSERT_EQ(points[i].time, points[i - 1].time + 1);
      ++checks;
    }
  }
  writer.join();
  EXPECT_GT(checks, 0u);
  EXPECT_EQ(cache.Latest(2)->time, 20000 * 40 - 1);
}

TEST(LiveCache, EventsAreBoundedNewestLast) {
  LiveCache cache(4, 3);
  std::vector<Event> events(5);
  for (int i = 0; i < 5; ++i) events[i].time = i;
  ASSERT_TRUE(cache.AppendEvents(events).ok());
  auto recent = cache.RecentEvents(10);
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_EQ(recent.front().time, 2);
  EXPECT_EQ(recent.back().time, 4);
  EXPECT_EQ(cache.RecentEvents(1).front().time, 4);
}

}  // namespace
}  // namespace mw::storage
