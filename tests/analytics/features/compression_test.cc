#include "analytics/features/compression.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace mw::analytics {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr Timestamp kSecond = kNanosPerSecond;

// Feeds every point, then flushes; returns the kept points in the order they were kept.
template <class Compressor>
std::vector<TimedValue> Compress(Compressor& c, const std::vector<TimedValue>& in) {
  std::vector<TimedValue> out;
  for (const TimedValue& p : in)
    for (const TimedValue& k : c.Add(p.time, p.value)) out.push_back(k);
  for (const TimedValue& k : c.Flush()) out.push_back(k);
  return out;
}

bool Same(const TimedValue& a, const TimedValue& b) {
  return a.time == b.time && (a.value == b.value || (std::isnan(a.value) && std::isnan(b.value)));
}

// The input indices of the kept points; fails unless they are input points in input order.
std::vector<std::size_t> KeptIndices(const std::vector<TimedValue>& in, const std::vector<TimedValue>& out) {
  std::vector<std::size_t> idx;
  std::size_t i = 0;
  for (const TimedValue& k : out) {
    while (i < in.size() && !Same(in[i], k)) ++i;
    EXPECT_LT(i, in.size()) << "kept point at t=" << k.time << " is not a later input point";
    if (i == in.size()) break;
    idx.push_back(i++);
  }
  return idx;
}

std::vector<std::size_t> Indices(const std::vector<TimedValue>& in, auto&& compressor) {
  return KeptIndices(in, Compress(compressor, in));
}

// n points 1 s apart on f(i).
template <class F>
std::vector<TimedValue> Series(std::size_t n, F f) {
  std::vector<TimedValue> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back({static_cast<Timestamp>(i) * kSecond, f(i)});
  return v;
}

// A Gaussian random walk with irregular steps of 0.5 to 1.5 s, and one long step of 30 s every
// ~5000 points.
std::vector<TimedValue> RandomWalk(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> step(0, 1);
  std::uniform_int_distribution<Timestamp> dt(kSecond / 2, 3 * kSecond / 2);
  std::uniform_int_distribution<int> rare(0, 4999);
  std::vector<TimedValue> v;
  Timestamp t = 1'700'000'000 * kSecond;
  double x = 100;
  for (std::size_t i = 0; i < n; ++i) {
    v.push_back({t, x});
    t += rare(rng) == 0 ? 30 * kSecond : dt(rng);
    x += step(rng);
  }
  return v;
}

// Largest |x - line| over the dropped points, the line joining the kept points around each.
double MaxInterpolationError(const std::vector<TimedValue>& in, const std::vector<std::size_t>& kept) {
  double worst = 0;
  for (std::size_t k = 0; k + 1 < kept.size(); ++k) {
    const TimedValue& a = in[kept[k]];
    const TimedValue& b = in[kept[k + 1]];
    for (std::size_t i = kept[k] + 1; i < kept[k + 1]; ++i) {
      const long double f = static_cast<long double>(in[i].time - a.time) / (b.time - a.time);
      const long double line = a.value + (static_cast<long double>(b.value) - a.value) * f;
      worst = std::max(worst, static_cast<double>(std::fabs(in[i].value - line)));
    }
  }
  return worst;
}

// Largest |x - last kept value before it| over the dropped points.
double MaxHoldError(const std::vector<TimedValue>& in, const std::vector<std::size_t>& kept) {
  double worst = 0;
  for (std::size_t k = 0; k < kept.size(); ++k) {
    const std::size_t end = k + 1 < kept.size() ? kept[k + 1] : in.size();
    for (std::size_t i = kept[k] + 1; i < end; ++i)
      worst = std::max(worst, std::fabs(in[i].value - in[kept[k]].value));
  }
  return worst;
}

void Report(const char* name, double deviation, std::size_t in, std::size_t kept, double max_error) {
  std::printf("[ ratio    ] %s, deviation %.1f: %zu points, %zu kept, %.2f:1, max error %.4f\n", name,
              deviation, in, kept, static_cast<double>(in) / static_cast<double>(kept), max_error);
}

std::vector<std::size_t> FirstAndLast(std::size_t n) { return {0, n - 1}; }

TEST(Deadband, ConstantSignalKeepsItsFirstAndLastPoint) {
  const auto in = Series(1000, [](std::size_t) { return 3.0; });
  EXPECT_EQ(Indices(in, Deadband(0.5)), FirstAndLast(1000));
}

TEST(Deadband, RampKeepsAPointEachTimeItLeavesTheBand) {
  // Steps of 1 with d = 10: the first point more than 10 from the last kept one is 11 further on.
  const auto in = Series(1000, [](std::size_t i) { return static_cast<double>(i); });
  std::vector<std::size_t> expected;
  for (std::size_t i = 0; i < 1000; i += 11) expected.push_back(i);
  expected.push_back(999);  // flushed
  EXPECT_EQ(Indices(in, Deadband(10)), expected);
}

TEST(Deadband, ThePointBeforeAJumpIsNotKept) {
  const std::vector<TimedValue> in = {{0, 0.0}, {1, 0.5}, {2, 0.9}, {3, 5.0}, {4, 5.0}};
  Deadband d(1);
  std::vector<TimedValue> out;
  for (const TimedValue& p : in)
    for (const TimedValue& k : d.Add(p.time, p.value)) out.push_back(k);
  EXPECT_EQ(out, (std::vector<TimedValue>{{0, 0.0}, {3, 5.0}}));
}

TEST(Deadband, RandomWalkStaysWithinTheDeadbandOfTheLastKeptValue) {
  constexpr double kD = 2.0;
  const auto in = RandomWalk(100'000, 5);
  Deadband d(kD);
  const auto kept = Indices(in, d);
  const double worst = MaxHoldError(in, kept);
  EXPECT_LE(worst, kD);
  EXPECT_GT(worst, 0.9 * kD);  // the bound is reached: the check is not vacuous
  EXPECT_LT(kept.size(), in.size() / 2);
  Report("deadband", kD, in.size(), kept.size(), worst);
}

TEST(Deadband, MaxIntervalKeepsAPointAnyway) {
  const auto in = Series(100, [](std::size_t) { return 3.0; });
  std::vector<std::size_t> expected = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 99};
  EXPECT_EQ(Indices(in, Deadband(0.5, 10 * kSecond)), expected);
}

TEST(Deadband, MaxIntervalBoundsTheAgeOfEveryDroppedPoint) {
  constexpr Timestamp kMax = 20 * kSecond;
  const auto in = RandomWalk(100'000, 6);
  const auto kept = Indices(in, Deadband(3.0, kMax));
  for (std::size_t k = 0; k + 1 < kept.size(); ++k)
    for (std::size_t i = kept[k] + 1; i < kept[k + 1]; ++i)
      ASSERT_LT(in[i].time - in[kept[k]].time, kMax) << "dropped point " << i;
  EXPECT_LE(MaxHoldError(in, kept), 3.0);
}

TEST(Deadband, NanIsKeptAndRestartsTheBand) {
  const std::vector<TimedValue> in = {{0, 1.0}, {1, 1.0}, {2, kNan}, {3, 1.0}, {4, 1.0}};
  Deadband d(0.5);
  EXPECT_EQ(Indices(in, d), (std::vector<std::size_t>{0, 2, 3, 4}));
  EXPECT_TRUE(d.Flush().empty());  // already flushed: nothing pending
}

TEST(Deadband, InfinityIsKeptLikeNan) {
  const std::vector<TimedValue> in = {{0, 1.0}, {1, INFINITY}, {2, 1.0}, {3, 1.0}};
  EXPECT_EQ(Indices(in, Deadband(0.5)), (std::vector<std::size_t>{0, 1, 2, 3}));
}

TEST(Deadband, NegativeDeadbandKeepsEveryChange) {
  const std::vector<TimedValue> in = {{0, 1.0}, {1, 1.0}, {2, 1.5}, {3, 1.5}, {4, 1.0}};
  Deadband d(-1);
  std::vector<TimedValue> out;
  for (const TimedValue& p : in)
    for (const TimedValue& k : d.Add(p.time, p.value)) out.push_back(k);
  EXPECT_EQ(out, (std::vector<TimedValue>{{0, 1.0}, {2, 1.5}, {4, 1.0}}));
}

TEST(SwingingDoor, ConstantSignalKeepsItsFirstAndLastPoint) {
  const auto in = Series(1000, [](std::size_t) { return 3.0; });
  EXPECT_EQ(Indices(in, SwingingDoor(0.5)), FirstAndLast(1000));
}

TEST(SwingingDoor, RampKeepsOnlyItsEndPoints) {
  const auto in = Series(1000, [](std::size_t i) { return 0.5 * static_cast<double>(i) - 7; });
  EXPECT_EQ(Indices(in, SwingingDoor(0.01)), FirstAndLast(1000));
}

TEST(SwingingDoor, KeepsTheCornersOfATriangle) {
  // Up 100 points, down 100: the apex and the ends, nothing else.
  const auto in =
      Series(201, [](std::size_t i) { return 100.0 - std::fabs(100.0 - static_cast<double>(i)); });
  EXPECT_EQ(Indices(in, SwingingDoor(0.1)), (std::vector<std::size_t>{0, 100, 200}));
}

TEST(SwingingDoor, NoiseWellInsideTheDeviationIsDropped) {
  // |noise| <= E/5: any line between two noisy points is within 2E/5 of the level, hence within
  // 3E/5 of every other point.
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> noise(-0.2, 0.2);
  const auto in = Series(5000, [&](std::size_t) { return 50 + noise(rng); });
  EXPECT_EQ(Indices(in, SwingingDoor(1.0)), FirstAndLast(5000));
}

TEST(SwingingDoor, TestsTheStoredLineAgainstEveryPointItReplaces) {
  // E = 1. At (2, -0.8) the doors of the textbook rule, [0, 0.1], are still open, yet the line
  // (0, 0)-(2, -0.8) passes 1.4 from (1, 1): (1, 1) must be kept.
  const std::vector<TimedValue> in = {{0, 0.0}, {kSecond, 1.0}, {2 * kSecond, -0.8}};
  EXPECT_EQ(Indices(in, SwingingDoor(1.0)), (std::vector<std::size_t>{0, 1, 2}));
}

TEST(SwingingDoor, RandomWalkStaysWithinTheDeviationOfTheStoredLines) {
  for (const double e : {0.5, 2.0, 8.0}) {
    const auto in = RandomWalk(100'000, 7);
    SwingingDoor sd(e);
    const auto kept = Indices(in, sd);
    ASSERT_EQ(kept.back(), in.size() - 1);  // flushed: every dropped point has a right neighbour
    const double worst = MaxInterpolationError(in, kept);
    EXPECT_LE(worst, e * (1 + 1e-12)) << "E = " << e;
    EXPECT_GT(worst, 0.8 * e) << "E = " << e;  // the bound is approached: not vacuous
    Report("swinging door", e, in.size(), kept.size(), worst);
    if (e == 2.0) {
      Deadband d(e);
      const auto held = Indices(in, d);
      Report("deadband (same walk)", e, in.size(), held.size(), MaxHoldError(in, held));
      EXPECT_LT(kept.size(), held.size());  // lines follow a walk better than steps
    }
  }
}

// The same greedy rule, with the line from the archived point to each new point checked against
// every point in between: O(n^2), no doors.
std::vector<std::size_t> DirectSwingingDoor(const std::vector<TimedValue>& in, double e) {
  std::vector<std::size_t> kept = {0};
  std::size_t a = 0;
  for (std::size_t p = 2; p < in.size(); ++p) {
    const double slope = (in[p].value - in[a].value) / static_cast<double>(in[p].time - in[a].time);
    bool fits = true;
    for (std::size_t i = a + 1; i < p && fits; ++i)
      fits = std::fabs(in[i].value - (in[a].value + slope * static_cast<double>(in[i].time - in[a].time))) <=
             e * (1 + 1e-9);
    if (!fits) {
      a = p - 1;
      kept.push_back(a);
    }
  }
  kept.push_back(in.size() - 1);
  return kept;
}

TEST(SwingingDoor, DoorsDecideAsACheckAgainstEveryReplacedPoint) {
  const auto in = RandomWalk(3000, 8);
  EXPECT_EQ(Indices(in, SwingingDoor(1.5)), DirectSwingingDoor(in, 1.5));
}

TEST(SwingingDoor, MaxIntervalArchivesTheHeldPoint) {
  const auto in = Series(100, [](std::size_t) { return 3.0; });
  std::vector<std::size_t> expected = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 99};
  EXPECT_EQ(Indices(in, SwingingDoor(0.5, 10 * kSecond)), expected);
}

TEST(SwingingDoor, MaxIntervalBoundsTheGapBetweenKeptPoints) {
  constexpr Timestamp kMax = 20 * kSecond;  // the walk has some 30 s steps
  const auto in = RandomWalk(100'000, 9);
  const auto kept = Indices(in, SwingingDoor(3.0, kMax));
  std::size_t long_steps = 0;
  for (std::size_t k = 0; k + 1 < kept.size(); ++k) {
    if (kept[k + 1] == kept[k] + 1 && in[kept[k + 1]].time - in[kept[k]].time > kMax) {
      ++long_steps;  // the input's own step: both sides kept
      continue;
    }
    ASSERT_LE(in[kept[k + 1]].time - in[kept[k]].time, kMax) << "kept " << kept[k] << " .. " << kept[k + 1];
  }
  EXPECT_GT(long_steps, 5u);
  EXPECT_LE(MaxInterpolationError(in, kept), 3.0 * (1 + 1e-12));
}

TEST(SwingingDoor, NanEndsTheLineOnTheLastFiniteValueAndIsKept) {
  // A ramp, a NaN, a ramp: both ramps keep their ends, the NaN is stored between them.
  std::vector<TimedValue> in = Series(10, [](std::size_t i) { return static_cast<double>(i); });
  in[5].value = kNan;
  SwingingDoor sd(0.1);
  EXPECT_EQ(Indices(in, sd), (std::vector<std::size_t>{0, 4, 5, 6, 9}));
  const KeptPoints at_nan = [] {
    SwingingDoor s(0.1);
    for (int i = 0; i < 5; ++i) (void)s.Add(i, i);
    return s.Add(5, kNan);
  }();
  ASSERT_EQ(at_nan.size(), 2u);  // the held point, then the NaN
  EXPECT_EQ(at_nan[0], (TimedValue{4, 4.0}));
  EXPECT_TRUE(std::isnan(at_nan[1].value));
}

TEST(SwingingDoor, ARepeatedTimestampKeepsBothSidesOfTheStep) {
  const std::vector<TimedValue> in = {{0, 0.0}, {1, 0.0}, {1, 5.0}, {2, 5.0}, {3, 5.0}};
  EXPECT_EQ(Indices(in, SwingingDoor(0.5)), (std::vector<std::size_t>{0, 1, 2, 4}));
}

TEST(SwingingDoor, FlushArchivesTheHeldPointOnce) {
  SwingingDoor sd(1.0);
  EXPECT_EQ(sd.Add(0, 1.0).size(), 1u);
  EXPECT_TRUE(sd.Add(1, 1.0).empty());
  const KeptPoints f = sd.Flush();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0], (TimedValue{1, 1.0}));
  EXPECT_TRUE(sd.Flush().empty());
  EXPECT_TRUE(sd.Add(2, 1.0).empty());  // continues from the flushed point
}

}  // namespace
}  // namespace mw::analytics
