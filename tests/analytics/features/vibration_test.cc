#include "analytics/features/vibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "harness.h"

namespace mw::analytics {
namespace {

using testing::Harness;
constexpr double kPi = std::numbers::pi;

VibrationOptions Options(double fs) {
  VibrationOptions o;
  o.signals = {"accel"};
  o.sample_rate = fs;
  o.fft_size = 4096;
  o.overlap = 0.5;
  o.rpm_signal = "speed";
  return o;
}

Timestamp TimeOf(int j, double fs) { return static_cast<Timestamp>(std::llround(j * 1e9 / fs)); }

TEST(Vibration, VelocityZoneAndRunningSpeedHarmonicsOfTwoTones) {
  const double fs = 8192;  // 2 Hz bins
  Harness h;
  VibrationOptions o = Options(fs);
  o.bands = {{20, 80}, {80, 200}};
  Vibration p(o, h.catalog());
  h.Feed(p, "speed", 0, 3000);  // 50 Hz shaft
  const double a1 = 2.0, a2 = 0.6;
  for (int j = 0; j < 4096 + 2048; ++j) {
    const double t = j / fs;
    h.Feed(p, "accel", TimeOf(j, fs), a1 * std::sin(2 * kPi * 50 * t) + a2 * std::sin(2 * kPi * 100 * t + 1));
  }
  // Frames at 4096 and 6144 samples.
  const auto v = h.Values("accel.velocity_rms");
  ASSERT_EQ(v.size(), 2u);
  const double v1 = a1 / (2 * kPi * 50), v2 = a2 / (2 * kPi * 100);
  const double expected = std::sqrt((v1 * v1 + v2 * v2) / 2) * 1000;  // mm/s
  EXPECT_NEAR(v[0], expected, 1e-3 * expected);
  EXPECT_EQ(h.Values("accel.iso_zone")[0],
            static_cast<double>(IsoZone(expected, MachineClass::kGroup2Rigid)));
  EXPECT_NEAR(h.Values("accel.1x")[0], a1, 1e-3);
  EXPECT_NEAR(h.Values("accel.2x")[0], a2, 1e-3);
  EXPECT_NEAR(h.Values("accel.3x")[0], 0.0, 1e-3);
  EXPECT_NEAR(h.Values("accel.peak_frequency")[0], 50.0, 1e-9);
  EXPECT_NEAR(h.Values("accel.peak_amplitude")[0], a1, 1e-6);
  EXPECT_NEAR(h.Values("accel.band_20_80")[0], a1 / std::sqrt(2.0), 1e-3);
  EXPECT_NEAR(h.Values("accel.band_80_200")[0], a2 / std::sqrt(2.0), 1e-3);
}

TEST(Vibration, AccelerationInGIsConvertedToMillimetresPerSecond) {
  const double fs = 8192;
  Harness h;
  VibrationOptions o = Options(fs);
  o.accel_scale = 9.80665;
  o.rpm_signal.clear();
  Vibration p(o, h.catalog());
  for (int j = 0; j < 4096; ++j) h.Feed(p, "accel", TimeOf(j, fs), 0.5 * std::sin(2 * kPi * 160 * j / fs));
  const auto v = h.Values("accel.velocity_rms");
  ASSERT_EQ(v.size(), 1u);
  const double expected = 0.5 * 9.80665 / (2 * kPi * 160) / std::sqrt(2.0) * 1000;
  EXPECT_NEAR(v[0], expected, 1e-3 * expected);
  EXPECT_TRUE(h.Values("accel.1x").empty());  // no speed signal
}

TEST(Vibration, BearingOuterRaceDefectShowsAtBpfo) {
  const double fs = 16384;  // 4 Hz bins
  Harness h;
  VibrationOptions o = Options(fs);
  o.bearing = {9, 7.94, 39.04, 0};
  o.averages = 2;
  Vibration p(o, h.catalog());
  h.Feed(p, "speed", 0, 1800);                                // 30 Hz shaft
  const double bpfo = DefectFrequencies(o.bearing, 30).bpfo;  // ~107.5 Hz
  const double m = 0.4;
  for (int j = 0; j < 4096 * 2; ++j) {
    const double t = j / fs;
    h.Feed(
        p, "accel", TimeOf(j, fs),
        (1 + m * std::cos(2 * kPi * bpfo * t)) * std::cos(2 * kPi * 4000 * t) + std::sin(2 * kPi * 30 * t));
  }
  const auto outer = h.Values("accel.bpfo");
  ASSERT_EQ(outer.size(), 1u);
  EXPECT_NEAR(outer[0], m, 0.03);
  EXPECT_LT(h.Values("accel.bpfi")[0], 0.05);
  EXPECT_LT(h.Values("accel.ftf")[0], 0.05);
}

TEST(Vibration, NanBadQualityAndGapsDiscardTheFrameBeingFilled) {
  const double fs = 8192;
  Harness h;
  VibrationOptions o = Options(fs);
  o.rpm_signal.clear();
  Vibration p(o, h.catalog());
  int j = 0;
  auto feed = [&](int count) {
    for (int k = 0; k < count; ++k, ++j) h.Feed(p, "accel", TimeOf(j, fs), std::sin(2 * kPi * 100 * j / fs));
  };
  feed(4000);
  h.Feed(p, "accel", TimeOf(j++, fs), NAN);
  feed(4095);
  EXPECT_TRUE(h.Values("accel.velocity_rms").empty());
  feed(1);
  EXPECT_EQ(h.Values("accel.velocity_rms").size(), 1u);
  feed(100);
  h.Feed(p, "accel", TimeOf(j++, fs), 1.0, Quality::kBad);
  j += 10;  // a hole of 10 samples
  feed(4095);
  EXPECT_EQ(h.Values("accel.velocity_rms").size(), 1u);
  feed(1);
  EXPECT_EQ(h.Values("accel.velocity_rms").size(), 2u);
  for (double v : h.Values("accel.velocity_rms")) EXPECT_TRUE(std::isfinite(v));
}

TEST(Vibration, ParsesBands) {
  EXPECT_EQ(ParseBand("10-1000"), std::make_pair(10.0, 1000.0));
  EXPECT_EQ(ParseBand("0.5-2.5"), std::make_pair(0.5, 2.5));
  EXPECT_FALSE(ParseBand("100-10"));
  EXPECT_FALSE(ParseBand("abc"));
  EXPECT_FALSE(ParseBand("10-"));
}

}  // namespace
}  // namespace mw::analytics
