#include "storage/live_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

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
