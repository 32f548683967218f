#include "analytics/detectors/rolling_median.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <random>
#include <vector>

namespace mw::analytics {
namespace {

double BruteMedian(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double BruteMad(const std::vector<double>& v) {
  const double m = BruteMedian(v);
  std::vector<double> d;
  for (double x : v) d.push_back(std::fabs(x - m));
  return BruteMedian(d);
}

TEST(RollingQuantiles, MatchesABruteForceMedianAndMadOverASlidingWindow) {
  for (std::size_t window : {1U, 2U, 5U, 64U, 101U}) {
    RollingQuantiles q;
    std::deque<std::pair<double, std::uint64_t>> live;
    std::mt19937_64 rng(window);
    // Rounded values so that ties, which are where order statistics go wrong, are frequent.
    std::normal_distribution<double> noise(0.0, 3.0);
    for (std::uint64_t seq = 0; seq < 3000; ++seq) {
      const double x = std::round(noise(rng)) + (seq % 500 == 0 ? 100 : 0);
      q.Insert(x, seq);
      live.emplace_back(x, seq);
      if (live.size() > window) {
        ASSERT_TRUE(q.Erase(live.front().first, live.front().second));
        live.pop_front();
      }
      std::vector<double> values;
      for (const auto& e : live) values.push_back(e.first);
      ASSERT_EQ(q.size(), values.size());
      ASSERT_EQ(q.Median(), BruteMedian(values)) << "window " << window << " seq " << seq;
      ASSERT_EQ(q.Mad(), BruteMad(values)) << "window " << window << " seq " << seq;
    }
  }
}

TEST(RollingQuantiles, EmptySetAndUnknownEntries) {
  RollingQuantiles q;
  EXPECT_EQ(q.Median(), 0);
  EXPECT_EQ(q.Mad(), 0);
  q.Insert(1.5, 7);
  EXPECT_FALSE(q.Erase(1.5, 8));
  EXPECT_TRUE(q.Erase(1.5, 7));
  EXPECT_EQ(q.size(), 0U);
}

}  // namespace
}  // namespace mw::analytics
