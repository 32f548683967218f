#include "analytics/detectors/isolation_forest.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace mw::analytics {
namespace {

// A 2-D standard Gaussian cloud of n points followed by `far` points on a circle of radius 8.
std::vector<double> GaussianWithFarPoints(std::size_t n, std::size_t far, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> rows;
  for (std::size_t i = 0; i < n; ++i) {
    rows.push_back(g(rng));
    rows.push_back(g(rng));
  }
  for (std::size_t i = 0; i < far; ++i) {
    const double a = 6.283185307179586 * static_cast<double>(i) / static_cast<double>(far);
    rows.push_back(8 * std::cos(a));
    rows.push_back(8 * std::sin(a));
  }
  return rows;
}

TEST(AveragePathLength, FollowsTheHarmonicFormula) {
  EXPECT_EQ(AveragePathLength(0), 0);
  EXPECT_EQ(AveragePathLength(1), 0);
  EXPECT_EQ(AveragePathLength(2), 1);
  // c(3) = 2 H(2) - 4/3 = 3 - 4/3.
  EXPECT_NEAR(AveragePathLength(3), 5.0 / 3.0, 1e-15);
  // c(256) = 10.2487 with the exact harmonic number (the paper's ln(n-1) + γ gives 10.2448).
  EXPECT_NEAR(AveragePathLength(256), 10.2487, 1e-4);
  // The series and the asymptotic form agree where they meet.
  for (std::size_t n : {40U, 50U, 51U, 52U, 1000U}) {
    double h = 0;
    for (std::size_t i = 1; i < n; ++i) h += 1.0 / static_cast<double>(i);
    EXPECT_NEAR(AveragePathLength(n), 2 * h - 2.0 * static_cast<double>(n - 1) / static_cast<double>(n),
                1e-12)
        << n;
  }
}

TEST(IsolationForest, FarPointsScoreAboveInliers) {
  const auto rows = GaussianWithFarPoints(2000, 10, 1);
  IsolationForest forest;
  forest.Fit(rows, 2);
  ASSERT_TRUE(forest.fitted());
  EXPECT_EQ(forest.trees(), 100U);
  EXPECT_EQ(forest.sample_size(), 256U);
  std::vector<double> scores;
  forest.ScoreBatch(rows, scores);
  double inlier_sum = 0;
  for (std::size_t i = 0; i < 2000; ++i) inlier_sum += scores[i];
  const double inlier_mean = inlier_sum / 2000;
  EXPECT_GT(inlier_mean, 0.35);
  EXPECT_LT(inlier_mean, 0.5) << "inliers sit near or below 0.5";
  for (std::size_t i = 2000; i < 2010; ++i) EXPECT_GT(scores[i], 0.6) << i;
  const double centre[2] = {0, 0};
  EXPECT_LT(forest.Score(centre), 0.45);
}

TEST(IsolationForest, IsDeterministicForASeedAndDiffersAcrossSeeds) {
  const auto rows = GaussianWithFarPoints(1000, 5, 2);
  IsolationForest a({50, 128, 42});
  IsolationForest b({50, 128, 42});
  IsolationForest c({50, 128, 43});
  a.Fit(rows, 2);
  b.Fit(rows, 2);
  c.Fit(rows, 2);
  std::vector<double> sa;
  std::vector<double> sb;
  std::vector<double> sc;
  a.ScoreBatch(rows, sa);
  b.ScoreBatch(rows, sb);
  c.ScoreBatch(rows, sc);
  EXPECT_EQ(sa, sb);
  EXPECT_NE(sa, sc);
}

TEST(IsolationForest, BatchScoringMatchesSingleScoringOnAnyThreadCount) {
  const auto rows = GaussianWithFarPoints(3001, 7, 3);
  IsolationForest forest;
  forest.Fit(rows, 2);
  for (unsigned threads : {1U, 2U, 3U}) {
    std::vector<double> scores;
    forest.ScoreBatch(rows, scores, threads);
    ASSERT_EQ(scores.size(), 3008U);
    for (std::size_t i = 0; i < scores.size(); i += 7)
      ASSERT_DOUBLE_EQ(scores[i], forest.Score(std::span<const double>(rows).subspan(2 * i, 2))) << i;
  }
}

TEST(IsolationForest, TreesRespectTheDepthLimitAndNodeBound) {
  const auto rows = GaussianWithFarPoints(5000, 0, 4);
  IsolationForest forest({10, 256, 1});
  forest.Fit(rows, 2);
  EXPECT_LE(forest.nodes(), 10U * 511U);
  // A path is at most ⌈log2 256⌉ = 8 edges, plus c(size) of its external node (at most c(256)).
  const double far[2] = {1e9, -1e9};
  EXPECT_LE(forest.MeanPathLength(far), 8 + AveragePathLength(256));
  EXPECT_GE(forest.MeanPathLength(far), 1);
}

TEST(IsolationForest, SmallOrDegenerateInputs) {
  IsolationForest forest;
  forest.Fit({}, 2);
  EXPECT_FALSE(forest.fitted());
  const double one[2] = {1, 2};
  EXPECT_EQ(forest.Score(one), 0.5);
  // Fewer rows than ψ: ψ becomes the row count. Identical rows: every tree is one external node.
  const std::vector<double> same(20, 3.0);
  forest.Fit(same, 2);
  ASSERT_TRUE(forest.fitted());
  EXPECT_EQ(forest.sample_size(), 10U);
  EXPECT_EQ(forest.nodes(), 100U);
  EXPECT_NEAR(forest.Score(one), 0.5, 1e-12) << "depth 0 + c(10) over c(10)";
}

}  // namespace
}  // namespace mw::analytics
