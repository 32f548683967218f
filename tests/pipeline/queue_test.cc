#include "pipeline/queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace mw::pipeline {
namespace {

TEST(BoundedQueue, FullQueueBlocksProducerUntilConsumerTakes) {
  BoundedQueue<int> q(2);
  int a = 1, b = 2, c = 3;
  ASSERT_TRUE(q.Push(a));
  ASSERT_TRUE(q.Push(b));
  EXPECT_FALSE(q.TryPush(c));
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    int d = 4;
    q.Push(d);
    pushed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(pushed.load()) << "a full queue must hold the producer back";
  EXPECT_EQ(*q.Pop(), 1);
  producer.join();
  EXPECT_TRUE(pushed.load());
  EXPECT_EQ(q.blocked_pushes(), 1u);
  EXPECT_EQ(*q.Pop(), 2);
  EXPECT_EQ(*q.Pop(), 4);
}

TEST(BoundedQueue, CloseDrainsThenEnds) {
  BoundedQueue<int> q(4);
  int a = 1, b = 2;
  q.Push(a);
  q.Push(b);
  q.Close();
  int c = 3;
  EXPECT_FALSE(q.Push(c));
  EXPECT_EQ(*q.Pop(), 1);
  EXPECT_EQ(*q.Pop(), 2);
  EXPECT_FALSE(q.Pop());
}

TEST(BoundedQueue, CloseReleasesABlockedProducer) {
  BoundedQueue<int> q(1);
  int a = 1;
  q.Push(a);
  std::atomic<int> result{-1};
  std::thread producer([&] {
    int b = 2;
    result = q.Push(b) ? 1 : 0;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  q.Close();
  producer.join();
  EXPECT_EQ(result.load(), 0);
}

TEST(BoundedQueue, ManyProducersLoseNothing) {
  BoundedQueue<int> q(8);
  std::vector<std::thread> producers;
  for (int p = 0; p < 4; ++p)
    producers.emplace_back([&, p] {
      for (int i = 0; i < 10000; ++i) {
        int v = p * 100000 + i;
        q.Push(v);
      }
    });
  long long sum = 0;
  int count = 0;
  std::thread consumer([&] {
    while (auto v = q.Pop()) {
      sum += *v;
      ++count;
    }
  });
  for (auto& t : producers) t.join();
  q.Close();
  consumer.join();
  EXPECT_EQ(count, 40000);
  long long expected = 0;
  for (int p = 0; p < 4; ++p)
    for (int i = 0; i < 10000; ++i) expected += p * 100000 + i;
  EXPECT_EQ(sum, expected);
}

}  // namespace
}  // namespace mw::pipeline
