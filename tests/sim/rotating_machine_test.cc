#include "sim/rotating_machine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <deque>
#include <vector>

namespace mw::sim {
namespace {

std::vector<Reading> Simulate(const RotatingMachineSpec& spec, int n) {
  RotatingMachine machine(spec);
  std::vector<Reading> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) out.push_back(machine.Next(Timestamp{i} * spec.interval_ns));
  return out;
}

double Correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = static_cast<double>(a.size());
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sa += a[i];
    sb += b[i];
    saa += a[i] * a[i];
    sbb += b[i] * b[i];
    sab += a[i] * b[i];
  }
  double cov = sab / n - (sa / n) * (sb / n);
  return cov / std::sqrt((saa / n - (sa / n) * (sa / n)) * (sbb / n - (sb / n) * (sb / n)));
}

// Correlation of temperature at t with rpm at t - lag.
double LaggedCorrelation(const std::vector<Reading>& r, std::size_t lag) {
  std::vector<double> temperature, rpm;
  for (std::size_t i = lag; i < r.size(); ++i) {
    temperature.push_back(r[i].temperature);
    rpm.push_back(r[i - lag].rpm);
  }
  return Correlation(temperature, rpm);
}

TEST(RotatingMachine, SameSeedGivesSameReadings) {
  RotatingMachineSpec spec;
  spec.anomaly_rate = 0.01;
  auto a = Simulate(spec, 2000);
  auto b = Simulate(spec, 2000);
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].temperature, b[i].temperature) << i;
    ASSERT_EQ(a[i].vibration, b[i].vibration) << i;
    ASSERT_EQ(a[i].rpm, b[i].rpm) << i;
    ASSERT_EQ(a[i].anomaly, b[i].anomaly) << i;
  }
}

TEST(RotatingMachine, DifferentSeedsGiveDifferentReadings) {
  RotatingMachineSpec one, two;
  two.seed = 2;
  auto a = Simulate(one, 100);
  auto b = Simulate(two, 100);
  int same = 0;
  for (std::size_t i = 0; i < a.size(); ++i) same += a[i].rpm == b[i].rpm;
  EXPECT_LT(same, 5);
}

TEST(RotatingMachine, NormalReadingsStayInTheirRanges) {
  RotatingMachineSpec spec;
  spec.interval_ns = 100 * kNanosPerMilli;
  for (const Reading& r : Simulate(spec, 100000)) {
    ASSERT_GE(r.temperature, spec.temperature.min);
    ASSERT_LE(r.temperature, spec.temperature.max);
    ASSERT_GE(r.vibration, spec.vibration.min);
    ASSERT_LE(r.vibration, spec.vibration.max);
    ASSERT_GE(r.rpm, spec.rpm.min);
    ASSERT_LE(r.rpm, spec.rpm.max);
    ASSERT_EQ(r.anomaly, AnomalyKind::kNone);
  }
}

TEST(RotatingMachine, LoadChangesMoveTheSpeedAcrossItsRange) {
  RotatingMachineSpec spec;
  double lo = spec.rpm.max, hi = spec.rpm.min;
  for (const Reading& r : Simulate(spec, 20000)) {  // 5.5 hours at 1 s
    lo = std::min(lo, r.rpm);
    hi = std::max(hi, r.rpm);
  }
  EXPECT_GT(hi - lo, 0.5 * spec.rpm.span());
}

TEST(RotatingMachine, VibrationGrowsWithSpeed) {
  auto r = Simulate(RotatingMachineSpec{}, 20000);
  std::vector<double> rpm, vibration;
  for (const auto& x : r) {
    rpm.push_back(x.rpm);
    vibration.push_back(x.vibration);
  }
  EXPECT_GT(Correlation(rpm, vibration), 0.8);
}

TEST(RotatingMachine, TemperatureFollowsLoadWithALag) {
  auto r = Simulate(RotatingMachineSpec{}, 20000);
  // The housing heats up minutes after the load rises: temperature now matches the speed of a
  // couple of minutes ago better than the speed of now.
  EXPECT_GT(LaggedCorrelation(r, 0), 0.5);
  EXPECT_GT(LaggedCorrelation(r, 120), LaggedCorrelation(r, 0));
}

TEST(RotatingMachine, TemperatureMovesSmoothly) {
  RotatingMachineSpec spec;
  auto r = Simulate(spec, 20000);
  for (std::size_t i = 1; i < r.size(); ++i) {
    ASSERT_LT(std::abs(r[i].temperature - r[i - 1].temperature), 0.03 * spec.temperature.span()) << i;
  }
}

TEST(RotatingMachine, AnomaliesStartAtTheConfiguredRate) {
  RotatingMachineSpec spec;
  spec.anomaly_rate = 0.001;
  auto r = Simulate(spec, 100000);
  int starts = 0;
  for (std::size_t i = 1; i < r.size(); ++i) {
    bool prev_active =
        r[i - 1].anomaly == AnomalyKind::kVibrationStep || r[i - 1].anomaly == AnomalyKind::kTemperatureStep;
    if (r[i].anomaly != AnomalyKind::kNone && (!prev_active || r[i].anomaly != r[i - 1].anomaly)) ++starts;
  }
  // 100 expected, less the time already spent inside a step.
  EXPECT_GT(starts, 60);
  EXPECT_LT(starts, 130);
}

TEST(RotatingMachine, MostAnomaliesStandOutOfARollingWindow) {
  RotatingMachineSpec spec;
  spec.anomaly_rate = 0.002;
  auto r = Simulate(spec, 50000);
  std::deque<const Reading*> window;
  int checked = 0, standing_out = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    bool starts = r[i].anomaly != AnomalyKind::kNone && (i == 0 || r[i - 1].anomaly == AnomalyKind::kNone);
    if (starts && window.size() == 100) {
      bool vibration =
          r[i].anomaly == AnomalyKind::kVibrationSpike || r[i].anomaly == AnomalyKind::kVibrationStep;
      double sum = 0, sum_sq = 0;
      for (const Reading* w : window) {
        double v = vibration ? w->vibration : w->temperature;
        sum += v;
        sum_sq += v * v;
      }
      double mean = sum / 100, sd = std::sqrt(sum_sq / 100 - mean * mean);
      double value = vibration ? r[i].vibration : r[i].temperature;
      if ((value - mean) / sd > 4.0) ++standing_out;
      ++checked;
    }
    if (r[i].anomaly == AnomalyKind::kNone) {
      window.push_back(&r[i]);
      if (window.size() > 100) window.pop_front();
    } else {
      window.clear();
    }
  }
  // A few start while the load swings and the window is wide: a z-score detector misses those too.
  EXPECT_GT(checked, 20);
  EXPECT_GE(standing_out, checked * 9 / 10) << standing_out << " of " << checked;
}

TEST(RotatingMachine, AnomaliesLeaveTheUnderlyingSignalUnchanged) {
  RotatingMachineSpec quiet, noisy;
  noisy.anomaly_rate = 0.01;
  auto a = Simulate(quiet, 5000);
  auto b = Simulate(noisy, 5000);
  int anomalous = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].rpm, b[i].rpm);
    if (b[i].anomaly != AnomalyKind::kNone) {
      ++anomalous;
      continue;
    }
    ASSERT_EQ(a[i].temperature, b[i].temperature);
    ASSERT_EQ(a[i].vibration, b[i].vibration);
  }
  EXPECT_GT(anomalous, 0);
}

TEST(ReadingJson, FormatsOneReadingAsAnObject) {
  Reading r{1700000000123 * kNanosPerMilli + 456, 41.234, 2.3106, 1480.24, AnomalyKind::kNone};
  std::string out;
  AppendReadingJson(r, out);
  EXPECT_EQ(out, R"({"ts":1700000000123,"temperature":41.23,"vibration":2.311,"rpm":1480.2})");
  EXPECT_EQ(ReadingsPayload({&r, 1}), out);
}

TEST(ReadingJson, FormatsSeveralReadingsAsAnArray) {
  std::vector<Reading> r = {{1000 * kNanosPerMilli, 40, 1, 900, AnomalyKind::kNone},
                            {2000 * kNanosPerMilli, -5.5, 0.5, 0, AnomalyKind::kVibrationSpike}};
  EXPECT_EQ(ReadingsPayload(r), R"([{"ts":1000,"temperature":40.00,"vibration":1.000,"rpm":900.0},)"
                                R"({"ts":2000,"temperature":-5.50,"vibration":0.500,"rpm":0.0}])");
}

}  // namespace
}  // namespace mw::sim
