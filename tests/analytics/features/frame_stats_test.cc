#include "analytics/features/frame_stats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace mw::analytics {
namespace {

constexpr float kNanF = std::numeric_limits<float>::quiet_NaN();
constexpr float kInfF = std::numeric_limits<float>::infinity();

FrameStats Stats(const std::vector<float>& cells, std::size_t rows, std::size_t cols, double threshold) {
  Result<FrameStats> r = ComputeFrameStats(cells, rows, cols, threshold);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : FrameStats{};
}

TEST(FrameStats, KnownSmallFrame) {
  // 1..6: mean 3.5, population variance (6² - 1) / 12 = 35/12.
  const std::vector<float> cells = {1, 2, 3, 4, 5, 6};
  const FrameStats s = Stats(cells, 2, 3, 3.5);
  EXPECT_EQ(s.count, 6u);
  EXPECT_EQ(s.skipped, 0u);
  EXPECT_EQ(s.min, 1.0);
  EXPECT_EQ(s.max, 6.0);
  EXPECT_DOUBLE_EQ(s.mean, 3.5);
  EXPECT_NEAR(s.std, std::sqrt(35.0 / 12.0), 1e-15);
  EXPECT_EQ(s.hot_row, 1u);
  EXPECT_EQ(s.hot_col, 2u);
  EXPECT_EQ(s.above, 3u);
  EXPECT_DOUBLE_EQ(s.area_fraction, 0.5);
}

TEST(FrameStats, MatchesABruteForceComputationOnARandomGridWithNanCells) {
  // A 100x100 melt-pool-like grid: 1600 ± 150 K, 5 % NaN cells, a few infinities.
  constexpr std::size_t kRows = 100, kCols = 100;
  std::mt19937_64 rng(11);
  std::normal_distribution<float> temp(1600.0F, 150.0F);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<float> cells(kRows * kCols);
  for (float& c : cells) {
    const double r = u(rng);
    c = r < 0.05 ? kNanF : r < 0.052 ? kInfF : temp(rng);
  }
  const double threshold = 1750;
  const FrameStats s = Stats(cells, kRows, kCols, threshold);

  // Brute force: the finite cells in a list, long double sums, standard algorithms.
  std::vector<double> good;
  for (float c : cells)
    if (std::isfinite(c)) good.push_back(c);
  long double sum = 0;
  for (double x : good) sum += x;
  const long double mean = sum / good.size();
  long double ss = 0;
  for (double x : good) ss += (x - mean) * (x - mean);
  const double lo = *std::min_element(good.begin(), good.end());
  const double hi = *std::max_element(good.begin(), good.end());
  const auto hot = static_cast<std::size_t>(
      std::find_if(cells.begin(), cells.end(), [&](float c) { return c == hi; }) - cells.begin());
  const auto above = static_cast<std::size_t>(
      std::count_if(good.begin(), good.end(), [&](double x) { return x > threshold; }));

  EXPECT_EQ(s.count, good.size());
  EXPECT_EQ(s.skipped, kRows * kCols - good.size());
  EXPECT_GT(s.skipped, 400u);
  EXPECT_EQ(s.min, lo);
  EXPECT_EQ(s.max, hi);
  EXPECT_NEAR(s.mean, static_cast<double>(mean), 1e-9);
  EXPECT_NEAR(s.std, static_cast<double>(std::sqrt(ss / good.size())), 1e-9);
  EXPECT_EQ(s.hot_row, hot / kCols);
  EXPECT_EQ(s.hot_col, hot % kCols);
  EXPECT_EQ(s.above, above);
  EXPECT_DOUBLE_EQ(s.area_fraction, static_cast<double>(above) / (kRows * kCols));
}

TEST(FrameStats, HotSpotTiesGoToTheFirstCellInRowMajorOrder) {
  std::vector<float> cells(4 * 5, 0.0F);
  cells[0] = kNanF;
  cells[3 * 5 + 0] = 9;  // (3, 0): an earlier column, a later row
  cells[2 * 5 + 4] = 9;  // (2, 4): same row, later column
  cells[2 * 5 + 3] = 9;  // (2, 3): the first in row-major order
  const FrameStats s = Stats(cells, 4, 5, 100);
  EXPECT_EQ(s.hot_row, 2u);
  EXPECT_EQ(s.hot_col, 3u);
  EXPECT_EQ(s.max, 9.0);
}

TEST(FrameStats, AreaIsStrictlyAboveAndAFractionOfTheWholeGrid) {
  // 2 NaN cells of 8; of the 6 finite ones, 3 and 4 are above 2.5; 2.5 itself is not above.
  const std::vector<float> cells = {1, kNanF, 2.5F, 3, kNanF, 4, 2, 0};
  const FrameStats s = Stats(cells, 2, 4, 2.5);
  EXPECT_EQ(s.above, 2u);
  EXPECT_DOUBLE_EQ(s.area_fraction, 2.0 / 8.0);
  EXPECT_EQ(s.count, 6u);
  EXPECT_EQ(s.skipped, 2u);
}

TEST(FrameStats, ANanThresholdHasNoAreaAbove) {
  const std::vector<float> cells = {1, 2, 3, 4};
  const FrameStats s = Stats(cells, 2, 2, std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(s.above, 0u);
  EXPECT_EQ(s.area_fraction, 0.0);
}

TEST(FrameStats, AFrameOfOnlyNanHasNanStatisticsAndCountZero) {
  const std::vector<float> cells(9, kNanF);
  const FrameStats s = Stats(cells, 3, 3, 0);
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.skipped, 9u);
  EXPECT_TRUE(std::isnan(s.min));
  EXPECT_TRUE(std::isnan(s.max));
  EXPECT_TRUE(std::isnan(s.mean));
  EXPECT_TRUE(std::isnan(s.std));
  EXPECT_EQ(s.above, 0u);
  EXPECT_EQ(s.area_fraction, 0.0);
}

TEST(FrameStats, InfinitiesAreSkippedLikeNan) {
  const std::vector<float> cells = {kInfF, 1, -kInfF, 3};
  const FrameStats s = Stats(cells, 1, 4, 0);
  EXPECT_EQ(s.count, 2u);
  EXPECT_EQ(s.skipped, 2u);
  EXPECT_EQ(s.max, 3.0);
  EXPECT_EQ(s.hot_col, 3u);
  EXPECT_DOUBLE_EQ(s.mean, 2.0);
  EXPECT_DOUBLE_EQ(s.std, 1.0);
}

TEST(FrameStats, StdStaysExactAtAHighLevel) {
  // 1000 + {0, 1, 2, 3} / 8, all exact in float: deviations ±3/16, ±1/16, variance 5/256.
  const std::vector<float> cells = {1000.0F, 1000.125F, 1000.25F, 1000.375F};
  const FrameStats s = Stats(cells, 2, 2, 0);
  EXPECT_DOUBLE_EQ(s.mean, 1000.1875);
  EXPECT_DOUBLE_EQ(s.std, std::sqrt(5.0 / 256.0));
}

TEST(FrameStats, ShapeErrorsAreInvalidArgument) {
  const std::vector<float> cells(12, 1.0F);
  const auto code = [&](std::size_t rows, std::size_t cols) {
    return ComputeFrameStats(cells, rows, cols, 0).status().code();
  };
  EXPECT_EQ(code(3, 4), StatusCode::kOk);
  EXPECT_EQ(code(4, 4), StatusCode::kInvalidArgument);  // 16 cells expected, 12 given
  EXPECT_EQ(code(0, 12), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(12, 0), StatusCode::kInvalidArgument);
  // (2^62 + 3) x 4 wraps around to 12 cells in 64 bits: caught as an overflow, not a match.
  EXPECT_EQ(code(std::numeric_limits<std::size_t>::max() / 4 + 4, 4), StatusCode::kInvalidArgument);
  EXPECT_EQ(ComputeFrameStats({}, 0, 0, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(ComputeFrameStats(cells, 4, 4, 0).status().message().find("4x4"), std::string::npos);
}

}  // namespace
}  // namespace mw::analytics
