#include "analytics/features/electrical.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "harness.h"

namespace mw::analytics {
namespace {

using testing::Harness;
constexpr Timestamp kMs = kNanosPerMilli;

TEST(CurrentIntegral, ConstantCurrentGivesCurrentTimesPeriod) {
  Harness h;
  CurrentIntegralOptions o;
  o.period = kNanosPerSecond;
  CurrentIntegral p(o, h.catalog());
  // 12.5 A sampled every 3 ms (not a divisor of the period: segments straddle the boundaries).
  for (Timestamp t = 0; t <= 3 * kNanosPerSecond + 10 * kMs; t += 3 * kMs) h.Feed(p, "current", t, 12.5);
  const auto v = h.Values("current.charge");
  ASSERT_EQ(v.size(), 3u);
  for (double q : v) EXPECT_NEAR(q, 12.5, 1e-9);
  EXPECT_EQ(h.Times("current.charge"),
            (std::vector<Timestamp>{kNanosPerSecond, 2 * kNanosPerSecond, 3 * kNanosPerSecond}));
}

TEST(CurrentIntegral, RampIsIntegratedExactlyByTrapezoids) {
  Harness h;
  CurrentIntegralOptions o;
  o.period = 2 * kNanosPerSecond;
  CurrentIntegral p(o, h.catalog());
  // i(t) = 3 t A over [0, 2) s: integral 6 A·s; [2, 4): 3/2 (16 - 4) = 18 A·s.
  for (Timestamp t = 0; t <= 4 * kNanosPerSecond; t += 7 * kMs)
    h.Feed(p, "current", t, 3.0 * static_cast<double>(t) / 1e9);
  h.Feed(p, "current", 4 * kNanosPerSecond + 1, 12.0);
  const auto v = h.Values("current.charge");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_NEAR(v[0], 6.0, 1e-9);
  EXPECT_NEAR(v[1], 18.0, 1e-6);
}

TEST(CurrentIntegral, APeriodWithAHoleIsNotEmitted) {
  Harness h;
  CurrentIntegralOptions o;
  o.period = kNanosPerSecond;
  o.max_gap = 100 * kMs;
  CurrentIntegral p(o, h.catalog());
  for (Timestamp t = 0; t < kNanosPerSecond / 2; t += 10 * kMs) h.Feed(p, "current", t, 5.0);
  h.Feed(p, "current", kNanosPerSecond / 2, NAN);
  // Silence from 0.49 s to 1.2 s, then a full period.
  for (Timestamp t = 1200 * kMs; t <= 3 * kNanosPerSecond; t += 10 * kMs) h.Feed(p, "current", t, 5.0);
  const auto v = h.Values("current.charge");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NEAR(v[0], 5.0, 1e-9);
  EXPECT_EQ(h.Times("current.charge"), (std::vector<Timestamp>{3 * kNanosPerSecond}));
}

TEST(PhaseAsymmetry, TenPercentFromThreeSines) {
  EXPECT_NEAR(AsymmetryPercent(100, 110, 90), 10.0, 1e-12);
  Harness h;
  PhaseAsymmetryOptions o;
  o.phases = {"i1", "i2", "i3"};
  o.window_time = kNanosPerSecond;
  PhaseAsymmetry p(o, h.catalog());
  // Three 50 Hz phases with peak amplitudes 100, 110, 90 (RMS in the same ratio), 5 kHz sampling.
  const double amplitude[3] = {100, 110, 90};
  const char* names[3] = {"i1", "i2", "i3"};
  for (int i = 0; i <= 10000; ++i) {
    const Timestamp t = static_cast<Timestamp>(i) * 200'000;
    for (int ph = 0; ph < 3; ++ph)
      h.Feed(p, names[ph], t,
             amplitude[ph] * std::sin(2 * std::numbers::pi * (50.0 * i / 5000.0 - ph / 3.0)));
  }
  const auto v = h.Values("current_asymmetry");
  ASSERT_EQ(v.size(), 2u);
  for (double a : v) EXPECT_NEAR(a, 10.0, 1e-6);
  EXPECT_EQ(h.Times("current_asymmetry"), (std::vector<Timestamp>{kNanosPerSecond, 2 * kNanosPerSecond}));
}

TEST(PhaseAsymmetry, AWindowWithAGapInOnePhaseIsNotEmitted) {
  Harness h;
  PhaseAsymmetryOptions o;
  o.phases = {"a", "b", "c"};
  o.max_gap = 100 * kMs;
  PhaseAsymmetry p(o, h.catalog());
  for (Timestamp t = 0; t <= 3 * kNanosPerSecond; t += 10 * kMs) {
    h.Feed(p, "a", t, 10);
    h.Feed(p, "b", t, 10);
    if (t < 1300 * kMs || t > 1700 * kMs) h.Feed(p, "c", t, 10);
  }
  // [0,1) and [2,3) are emitted; [1,2) has a 400 ms hole in phase c.
  EXPECT_EQ(h.Times("current_asymmetry"), (std::vector<Timestamp>{kNanosPerSecond, 3 * kNanosPerSecond}));
  for (double a : h.Values("current_asymmetry")) EXPECT_EQ(a, 0.0);
}

TEST(Inrush, StepStartGivesItsPeakAndDuration) {
  Harness h;
  InrushOptions o;
  o.start_threshold = 2;
  o.settle_level = 15;
  Inrush p(o, "inrush", h.catalog());
  // Off until 1 s, then a jump to 60 A decaying to 10 A: i = 10 + 50 e^(-t/tau), tau = 0.2 s. It
  // falls below 15 A at tau ln 10 after the start.
  const double tau = 0.2;
  for (int i = 0; i < 4000; ++i) {
    const Timestamp t = static_cast<Timestamp>(i) * kMs;
    const double since = (static_cast<double>(t) - 1e9) / 1e9;
    h.Feed(p, "current", t, since < 0 ? 0.0 : 10 + 50 * std::exp(-since / tau));
  }
  const auto peak = h.Values("current.inrush_peak");
  const auto duration = h.Values("current.inrush_duration");
  ASSERT_EQ(peak.size(), 1u);
  ASSERT_EQ(duration.size(), 1u);
  EXPECT_DOUBLE_EQ(peak[0], 60.0);
  // The start is interpolated inside the last millisecond before the jump (a step has no crossing
  // time finer than its sampling): within one sample period.
  EXPECT_NEAR(duration[0], tau * std::log(10.0), 1.1e-3);
  EXPECT_TRUE(h.events.empty());
}

TEST(Inrush, NeverSettlingRaisesAnEvent) {
  Harness h;
  InrushOptions o;
  o.start_threshold = 2;
  o.settle_level = 15;
  o.max_duration = kNanosPerSecond;
  Inrush p(o, "inrush", h.catalog());
  h.Feed(p, "current", 0, 0.0);
  for (int i = 1; i < 30; ++i) h.Feed(p, "current", i * 100 * kMs, 40.0);
  EXPECT_TRUE(h.Values("current.inrush_peak").empty());
  ASSERT_EQ(h.events.size(), 1u);
  EXPECT_EQ(h.events[0].source, "inrush");
}

TEST(Inrush, IgnoresNanAndDropsAStartAcrossAGap) {
  Harness h;
  InrushOptions o;
  o.start_threshold = 2;
  o.settle_level = 15;
  o.max_gap = 50 * kMs;
  Inrush p(o, "inrush", h.catalog());
  h.Feed(p, "current", 0, 0.0);
  h.Feed(p, "current", 10 * kMs, 50.0);
  h.Feed(p, "current", 20 * kMs, NAN);
  h.Feed(p, "current", 30 * kMs, 1e6, Quality::kBad);
  h.Feed(p, "current", 40 * kMs, 10.0);
  ASSERT_EQ(h.Values("current.inrush_peak"), (std::vector<double>{50.0}));
  h.Feed(p, "current", 50 * kMs, 0.0);
  h.Feed(p, "current", 60 * kMs, 70.0);
  h.Feed(p, "current", 500 * kMs, 5.0);  // 440 ms later: the second start is dropped
  EXPECT_EQ(h.Values("current.inrush_peak").size(), 1u);
}

}  // namespace
}  // namespace mw::analytics
