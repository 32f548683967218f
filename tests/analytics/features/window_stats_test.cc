#include "analytics/features/window_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "harness.h"

namespace mw::analytics {
namespace {

using testing::Harness;
constexpr double kPi = std::numbers::pi;

WindowStatsOptions AllStats() {
  WindowStatsOptions o;
  o.stats.clear();
  for (std::size_t i = 0; i < kStatCount; ++i) o.stats.push_back(static_cast<Stat>(i));
  return o;
}

TEST(Summarize, SineHasRmsAOverRootTwoAndCrestFactorRootTwo) {
  // 100 whole periods of a sine of amplitude 3, 64 samples per period, phase so that the peak is
  // sampled exactly.
  std::vector<double> x;
  for (int i = 0; i < 6400; ++i) x.push_back(3.0 * std::sin(2 * kPi * i / 64.0 + kPi / 2));
  const WindowSummary s = Summarize(x.data(), x.size());
  EXPECT_NEAR(s.rms, 3.0 / std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(s.crest_factor, std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(s.peak, 3.0, 1e-12);
  EXPECT_NEAR(s.peak_to_peak, 6.0, 1e-12);
  EXPECT_NEAR(s.mean, 0.0, 1e-12);
  EXPECT_NEAR(s.skewness, 0.0, 1e-9);
  EXPECT_NEAR(s.kurtosis, 1.5, 1e-9);  // a sine's kurtosis: E[sin^4] / E[sin^2]^2 = (3/8) / (1/4)
}

TEST(Summarize, MomentsOfAKnownSequence) {
  // 1, 2, 3, 4, 10: mean 4, deviations -3 -2 -1 0 6; m2 = 50/5 = 10, m3 = (-27-8-1+216)/5 = 36,
  // m4 = (81+16+1+1296)/5 = 278.8.
  const std::vector<double> x = {1, 2, 3, 4, 10};
  const WindowSummary s = Summarize(x.data(), x.size());
  EXPECT_DOUBLE_EQ(s.mean, 4.0);
  EXPECT_NEAR(s.std, std::sqrt(50.0 / 4), 1e-12);
  EXPECT_NEAR(s.skewness, 36.0 / std::pow(10.0, 1.5), 1e-12);
  EXPECT_NEAR(s.kurtosis, 278.8 / 100.0, 1e-12);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 10);
  EXPECT_NEAR(s.rms, std::sqrt((1 + 4 + 9 + 16 + 100) / 5.0), 1e-12);
}

TEST(Summarize, StaysExactWithALargeOffset) {
  std::vector<double> x = {1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4, 1e9 + 10};
  const WindowSummary s = Summarize(x.data(), x.size());
  EXPECT_NEAR(s.std, std::sqrt(50.0 / 4), 1e-6);
  EXPECT_NEAR(s.skewness, 36.0 / std::pow(10.0, 1.5), 1e-6);
}

TEST(Summarize, ConstantWindowHasZeroShapeStatistics) {
  std::vector<double> x(10, 4.0);
  const WindowSummary s = Summarize(x.data(), x.size());
  EXPECT_EQ(s.std, 0);
  EXPECT_EQ(s.skewness, 0);
  EXPECT_EQ(s.kurtosis, 0);
  EXPECT_DOUBLE_EQ(s.crest_factor, 1.0);
}

TEST(WindowStats, TumblingCountWindowsEmitEveryWindow) {
  Harness h;
  WindowStatsOptions o = AllStats();
  o.window = 4;
  WindowStats p(o, h.catalog());
  for (int i = 0; i < 12; ++i) h.Feed(p, "current", i, i);
  EXPECT_EQ(h.Values("current.mean"), (std::vector<double>{1.5, 5.5, 9.5}));
  EXPECT_EQ(h.Times("current.mean"), (std::vector<Timestamp>{3, 7, 11}));
  EXPECT_EQ(h.Values("current.count"), (std::vector<double>{4, 4, 4}));
  EXPECT_EQ(h.Values("current.peak_to_peak"), (std::vector<double>{3, 3, 3}));
}

TEST(WindowStats, SlidingCountWindowsMatchAPlainComputation) {
  Harness h;
  WindowStatsOptions o;
  o.window = 50;
  o.slide = 7;
  o.stats = {Stat::kMean, Stat::kStd, Stat::kMax};
  o.prefix = "w_";
  WindowStats p(o, h.catalog());
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(10, 2);
  std::vector<double> x;
  for (int i = 0; i < 2000; ++i) {
    x.push_back(noise(rng));
    h.Feed(p, "flow", i, x.back());
  }
  const auto means = h.Values("flow.w_mean");
  const auto sds = h.Values("flow.w_std");
  const auto times = h.Times("flow.w_mean");
  ASSERT_EQ(means.size(), 1 + (2000 - 50) / 7u);
  for (std::size_t e = 0; e < means.size(); ++e) {
    const auto end = static_cast<std::size_t>(times[e]) + 1;
    double sum = 0, ss = 0;
    for (std::size_t i = end - 50; i < end; ++i) sum += x[i];
    const double mean = sum / 50;
    for (std::size_t i = end - 50; i < end; ++i) ss += (x[i] - mean) * (x[i] - mean);
    EXPECT_NEAR(means[e], mean, 1e-12);
    EXPECT_NEAR(sds[e], std::sqrt(ss / 49), 1e-12);
  }
}

TEST(WindowStats, TimeWindowsAreAlignedAndStampedWithTheirEnd) {
  Harness h;
  WindowStatsOptions o;
  o.window_time = kNanosPerSecond;
  o.stats = {Stat::kCount, Stat::kMean};
  WindowStats p(o, h.catalog());
  // 10 samples per second from t = 0.5 s to 3.45 s.
  for (int i = 5; i < 35; ++i) h.Feed(p, "temp", i * kNanosPerSecond / 10, i);
  EXPECT_EQ(h.Times("temp.mean"),
            (std::vector<Timestamp>{kNanosPerSecond, 2 * kNanosPerSecond, 3 * kNanosPerSecond}));
  EXPECT_EQ(h.Values("temp.count"), (std::vector<double>{5, 10, 10}));
  EXPECT_NEAR(h.Values("temp.mean")[1], 14.5, 1e-12);
}

TEST(WindowStats, SlidingTimeWindowsOverlap) {
  Harness h;
  WindowStatsOptions o;
  o.window_time = 2 * kNanosPerSecond;
  o.slide_time = kNanosPerSecond;
  o.stats = {Stat::kCount, Stat::kMean};
  WindowStats p(o, h.catalog());
  for (int i = 0; i <= 40; ++i) h.Feed(p, "temp", i * kNanosPerSecond / 10, i);
  // Windows [-1,1) (10 values), [0,2) (20), [1,3) (20), [2,4) (values 20..39: 20).
  EXPECT_EQ(h.Values("temp.count"), (std::vector<double>{10, 20, 20, 20}));
  EXPECT_NEAR(h.Values("temp.mean")[2], 19.5, 1e-12);
}

TEST(WindowStats, NanAndBadQualityNeverEnterAWindow) {
  Harness h;
  WindowStatsOptions o;
  o.window = 3;
  o.stats = {Stat::kMean, Stat::kMax};
  WindowStats p(o, h.catalog());
  h.Feed(p, "x", 1, 1.0);
  h.Feed(p, "x", 2, NAN);
  h.Feed(p, "x", 3, 1e9, Quality::kBad);
  h.Feed(p, "x", 4, 1e9, Quality::kUncertain);
  h.Feed(p, "x", 5, INFINITY);
  h.Feed(p, "x", 6, 2.0);
  h.Feed(p, "x", 7, 3.0);
  EXPECT_EQ(h.Values("x.mean"), (std::vector<double>{2.0}));
  EXPECT_EQ(h.Values("x.max"), (std::vector<double>{3.0}));
}

TEST(WindowStats, AGapRestartsTheWindow) {
  Harness h;
  WindowStatsOptions o;
  o.window = 3;
  o.max_gap = 10;
  o.stats = {Stat::kMean};
  WindowStats p(o, h.catalog());
  h.Feed(p, "x", 1, 100.0);
  h.Feed(p, "x", 2, 100.0);
  h.Feed(p, "x", 100, 1.0);  // 98 ns after the previous: the two 100s are forgotten
  h.Feed(p, "x", 101, 2.0);
  EXPECT_TRUE(h.Values("x.mean").empty());
  h.Feed(p, "x", 102, 3.0);
  EXPECT_EQ(h.Values("x.mean"), (std::vector<double>{2.0}));
}

TEST(WindowStats, DescriptorRejectsUnknownStatistics) {
  const auto d = WindowStats::Descriptor();
  const pipeline::OptionSpec* stats = nullptr;
  for (const auto& s : d.options)
    if (s.key == "stats") stats = &s;
  ASSERT_NE(stats, nullptr);
  EXPECT_EQ(stats->check(std::vector<std::string>{"rms", "kurtosis"}), "");
  EXPECT_NE(stats->check(std::vector<std::string>{"median"}), "");
}

}  // namespace
}  // namespace mw::analytics
