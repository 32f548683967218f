#include "analytics/features/spectrum.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <thread>
#include <vector>

namespace mw::analytics {
namespace {

constexpr double kPi = std::numbers::pi;

std::vector<double> Tones(std::size_t n, double fs, const std::vector<std::pair<double, double>>& tones) {
  std::vector<double> x(n);
  for (std::size_t j = 0; j < n; ++j)
    for (auto [f, a] : tones) x[j] += a * std::sin(2 * kPi * f * static_cast<double>(j) / fs + 0.3);
  return x;
}

TEST(Welch, SineGivesItsBinAndAmplitude) {
  const std::size_t n = 4096;
  const double fs = 4096;  // 1 Hz bins
  FrameTransform transform(n);
  Welch w(n, fs);
  const auto x = Tones(n, fs, {{100, 2.0}});
  transform.AddFrame(x.data(), w);
  EXPECT_EQ(w.PeakBin(), 100u);
  EXPECT_NEAR(w.Amplitude(100), 2.0, 1e-9);
  EXPECT_NEAR(w.ToneAmplitude(100), 2.0, 1e-9);
  EXPECT_NEAR(w.BandRms(0, fs / 2), 2.0 / std::sqrt(2.0), 1e-9);
}

TEST(Welch, ToneAmplitudeHasNoScallopingLoss) {
  const std::size_t n = 4096;
  const double fs = 4096;
  FrameTransform transform(n);
  Welch w(n, fs);
  const auto x = Tones(n, fs, {{100.5, 2.0}});  // half-way between bins: Hann's worst case
  transform.AddFrame(x.data(), w);
  EXPECT_LT(w.Amplitude(w.PeakBin()), 1.8);  // the plain peak loses ~15 %
  EXPECT_NEAR(w.ToneAmplitude(100.5), 2.0, 2e-3);
}

TEST(Welch, AveragesFramesAndSplitsBands) {
  const std::size_t n = 2048;
  const double fs = 8192;  // 4 Hz bins
  FrameTransform transform(n);
  Welch w(n, fs);
  for (int frame = 0; frame < 4; ++frame) {
    auto x = Tones(n, fs, {{52, 1.0}, {300, 2.0}});
    transform.AddFrame(x.data(), w);
  }
  EXPECT_EQ(w.frames(), 4u);
  EXPECT_NEAR(w.BandRms(10, 100), 1.0 / std::sqrt(2.0), 1e-3);
  EXPECT_NEAR(w.BandRms(200, 400), std::sqrt(2.0), 1e-3);
  w.Reset();
  EXPECT_EQ(w.frames(), 0u);
}

TEST(Welch, VelocityRmsOfASineIsAccelerationOverTwoPiF) {
  const std::size_t n = 4096;
  const double fs = 10240;  // 2.5 Hz bins, 80 Hz on bin 32
  FrameTransform transform(n);
  for (double f : {80.0, 81.3, 400.0}) {
    Welch w(n, fs);
    const double a = 10.0;  // m/s^2 peak
    const auto x = Tones(n, fs, {{f, a}});
    transform.AddFrame(x.data(), w);
    const double expected = a / (2 * kPi * f) / std::sqrt(2.0);  // m/s RMS
    EXPECT_NEAR(w.VelocityRms(10, 1000), expected, 2e-3 * expected) << f;
    EXPECT_NEAR(w.VelocityRms(500, 1000), 0.0, 1e-3 * expected) << f;  // out of band
  }
}

TEST(Bearing, DefectFrequenciesOfA6205) {
  // The deep-groove ball bearing 6205: 9 balls of 7.94 mm on a 39.04 mm pitch circle. Published
  // multiples of shaft speed: BPFO 3.585, BPFI 5.415, BSF 2.357, FTF 0.398.
  const BearingGeometry b{9, 7.94, 39.04, 0};
  const BearingFrequencies f = DefectFrequencies(b, 1.0);
  EXPECT_NEAR(f.bpfo, 3.585, 1e-3);
  EXPECT_NEAR(f.bpfi, 5.415, 1e-3);
  EXPECT_NEAR(f.bsf, 2.357, 1e-3);
  EXPECT_NEAR(f.ftf, 0.398, 1e-3);
  const BearingFrequencies at30 = DefectFrequencies(b, 30);
  EXPECT_NEAR(at30.bpfo, 30 * f.bpfo, 1e-9);
  EXPECT_NEAR(f.bpfo + f.bpfi, 9.0, 1e-12);  // BPFO + BPFI = n fr, whatever the geometry
}

TEST(Iso10816, ZonesFollowTheTable) {
  EXPECT_EQ(IsoZone(1.0, MachineClass::kGroup2Rigid), 0);
  EXPECT_EQ(IsoZone(1.4, MachineClass::kGroup2Rigid), 1);
  EXPECT_EQ(IsoZone(3.0, MachineClass::kGroup2Rigid), 2);
  EXPECT_EQ(IsoZone(4.5, MachineClass::kGroup2Rigid), 3);
  EXPECT_EQ(IsoZone(3.0, MachineClass::kGroup1Flexible), 0);
  EXPECT_EQ(IsoZone(12.0, MachineClass::kGroup1Flexible), 3);
  EXPECT_EQ(ParseMachineClass("group1_rigid"), MachineClass::kGroup1Rigid);
  EXPECT_FALSE(ParseMachineClass("group3"));
}

TEST(Envelope, AmplitudeModulatedCarrierPeaksAtTheModulationFrequency) {
  const std::size_t n = 4096;
  const double fs = 20480;  // 5 Hz bins
  const double carrier = 3000, fm = 100, m = 0.5;
  std::vector<double> x(n), envelope(n);
  for (std::size_t j = 0; j < n; ++j) {
    const double t = static_cast<double>(j) / fs;
    x[j] = (1 + m * std::cos(2 * kPi * fm * t)) * std::cos(2 * kPi * carrier * t) +
           0.8 * std::sin(2 * kPi * 45 * t);  // a strong low tone outside the band
  }
  FrameTransform transform(n);
  transform.Envelope(x.data(), fs, 2000, 4000, envelope.data());
  Welch w(n, fs);
  transform.AddFrame(envelope.data(), w);
  EXPECT_EQ(w.PeakBin(), 20u);  // 100 Hz
  EXPECT_NEAR(w.ToneAmplitude(fm), m, 5e-3);
  EXPECT_LT(w.ToneAmplitude(45), 0.01);
}

TEST(Fft, PlansConcurrentlyFromManyThreads) {
  std::vector<std::thread> threads;
  std::vector<double> peaks(8);
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([i, &peaks] {
      const std::size_t n = 256u << (i % 4);
      FrameTransform transform(n);
      Welch w(n, static_cast<double>(n));
      const auto x = Tones(n, static_cast<double>(n), {{10, 1.0}});
      transform.AddFrame(x.data(), w);
      peaks[static_cast<std::size_t>(i)] = static_cast<double>(w.PeakBin());
    });
  for (auto& t : threads) t.join();
  for (double p : peaks) EXPECT_EQ(p, 10.0);
}

}  // namespace
}  // namespace mw::analytics
