#include "sim/pump.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace mw::sim {
namespace {

PumpSpec Spec(PumpMode mode, int machine_class = 2, std::uint64_t seed = 1) {
  PumpSpec spec;
  spec.mode = mode;
  spec.machine_class = machine_class;
  spec.seed = seed;
  return spec;
}

// One whole life of the pump's current unit, then `after_failure_s` of broken readings.
std::vector<PumpReading> Life(Pump& pump, double after_failure_s = 0) {
  std::vector<PumpReading> out;
  const std::int64_t step = pump.spec().interval_ns;
  Timestamp t = 0;
  while (!pump.broken() || pump.age_s() < pump.life_s() + after_failure_s) {
    out.push_back(pump.Next(t));
    t += step;
  }
  return out;
}

std::vector<double> Lives(const PumpSpec& spec, int n) {
  Pump pump(spec);
  std::vector<double> lives;
  for (int i = 0; i < n; ++i) {
    lives.push_back(pump.life_s());
    pump.Renew();
  }
  return lives;
}

double Mean(const std::vector<double>& x) {
  double sum = 0;
  for (double v : x) sum += v;
  return sum / static_cast<double>(x.size());
}

double StdDev(const std::vector<double>& x) {
  const double m = Mean(x);
  double sum = 0;
  for (double v : x) sum += (v - m) * (v - m);
  return std::sqrt(sum / static_cast<double>(x.size() - 1));
}

// The Weibull shape whose coefficient of variation is `cv` (method of moments), by bisection:
// the coefficient of variation falls as the shape grows.
double ShapeFromCv(double cv) {
  double lo = 0.5, hi = 10;
  for (int i = 0; i < 100; ++i) {
    const double k = (lo + hi) / 2;
    const double g1 = std::tgamma(1 + 1 / k), g2 = std::tgamma(1 + 2 / k);
    if (std::sqrt(g2 / (g1 * g1) - 1) > cv) {
      lo = k;
    } else {
      hi = k;
    }
  }
  return (lo + hi) / 2;
}

// Kolmogorov-Smirnov distance between the sample and a Weibull CDF.
double KsDistance(std::vector<double> x, double shape, double scale) {
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  double d = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double cdf = 1 - std::exp(-std::pow(x[i] / scale, shape));
    d = std::max({d, cdf - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - cdf});
  }
  return d;
}

bool ZoneFits(HealthState state, IsoZone zone) {
  switch (state) {
    case HealthState::kHealthy:
      return zone == IsoZone::kA || zone == IsoZone::kB;
    case HealthState::kWarning:
      return zone == IsoZone::kC;
    case HealthState::kFaulty:
    case HealthState::kBroken:
      return zone == IsoZone::kD;
  }
  return false;
}

TEST(IsoZone, BoundariesOfEachClass) {
  EXPECT_EQ(IsoZoneOf(0.70, 1), IsoZone::kA);
  EXPECT_EQ(IsoZoneOf(0.71, 1), IsoZone::kB);
  EXPECT_EQ(IsoZoneOf(1.8, 1), IsoZone::kC);
  EXPECT_EQ(IsoZoneOf(4.5, 1), IsoZone::kD);
  EXPECT_EQ(IsoZoneOf(2.79, 2), IsoZone::kB);
  EXPECT_EQ(IsoZoneOf(7.0, 2), IsoZone::kC);
  EXPECT_EQ(IsoZoneOf(11.2, 3), IsoZone::kD);
  EXPECT_EQ(IsoZoneOf(17.9, 4), IsoZone::kC);
  EXPECT_EQ(IsoZoneOf(2.0, 4), IsoZone::kA);
  EXPECT_DOUBLE_EQ(IsoLimits(3).bc, 4.5);
  EXPECT_DOUBLE_EQ(IsoLimits(4).cd, 18.0);
  EXPECT_EQ(IsoZoneName(IsoZone::kC), "C");
}

TEST(IsoZone, ParsesMachineClasses) {
  EXPECT_EQ(ParseMachineClass("I"), 1);
  EXPECT_EQ(ParseMachineClass("III"), 3);
  EXPECT_EQ(ParseMachineClass("4"), 4);
  EXPECT_EQ(ParseMachineClass("V"), std::nullopt);
  EXPECT_EQ(ParseMachineClass("0"), std::nullopt);
}

TEST(PumpMode, ParsesItsNames) {
  EXPECT_EQ(ParsePumpMode("nominal"), PumpMode::kNominal);
  EXPECT_EQ(ParsePumpMode("accelerated"), PumpMode::kAccelerated);
  EXPECT_EQ(ParsePumpMode("stress"), PumpMode::kStress);
  EXPECT_EQ(ParsePumpMode("Stress"), std::nullopt);
  EXPECT_EQ(ParsePumpMode(""), std::nullopt);
  EXPECT_EQ(PumpModeName(PumpMode::kAccelerated), "accelerated");
}

TEST(Pump, VibrationZoneFollowsHealthState) {
  for (int machine_class = 1; machine_class <= 4; ++machine_class) {
    for (PumpMode mode : {PumpMode::kStress, PumpMode::kAccelerated}) {
      Pump pump(Spec(mode, machine_class, 7));
      for (int life = 0; life < 5; ++life) {
        for (const PumpReading& r : Life(pump, 300)) {
          for (double v : {r.vibration_x, r.vibration_y, r.vibration_z}) {
            ASSERT_TRUE(ZoneFits(r.state, IsoZoneOf(v, machine_class)))
                << "class " << machine_class << " " << HealthStateName(r.state) << " " << v << " mm/s, zone "
                << IsoZoneName(IsoZoneOf(v, machine_class));
            if (r.state == HealthState::kBroken) {
              ASSERT_GE(v, 1.7 * IsoLimits(machine_class).cd);
            }
          }
        }
        pump.Renew();
      }
    }
  }
}

TEST(Pump, NominalLifeKeepsZonesToo) {
  PumpSpec spec = Spec(PumpMode::kNominal, 3, 11);
  spec.interval_ns = 10 * kNanosPerSecond;
  Pump pump(spec);
  int zones_seen[4] = {0, 0, 0, 0};
  for (const PumpReading& r : Life(pump, 600)) {
    ASSERT_TRUE(ZoneFits(r.state, IsoZoneOf(r.vibration_x, 3))) << r.vibration_x;
    ++zones_seen[static_cast<int>(IsoZoneOf(r.vibration_x, 3))];
  }
  // A new unit starts in zone A and passes through every zone.
  for (int count : zones_seen) EXPECT_GT(count, 0);
}

TEST(Pump, LivesFollowTheWeibullOfTheMode) {
  const PumpSpec spec = Spec(PumpMode::kNominal);
  const std::vector<double> lives = Lives(spec, 2000);
  const double mean = 27 * 3600.0;
  EXPECT_NEAR(Mean(lives), mean, 0.03 * mean);
  // Method of moments: the spread gives the shape back.
  EXPECT_NEAR(ShapeFromCv(StdDev(lives) / Mean(lives)), spec.life_shape, 0.2);
  // Kolmogorov-Smirnov against the Weibull CDF, at the 1% level (1.63 / sqrt(n)).
  EXPECT_LT(KsDistance(lives, spec.life_shape, LifeScaleSeconds(spec)), 1.63 / std::sqrt(2000.0));
  EXPECT_NEAR(LifeScaleSeconds(spec), mean / 0.8872638175030755, 1e-6);
}

TEST(Pump, AcceleratedAndStressModesHaveShortLives) {
  EXPECT_NEAR(Mean(Lives(Spec(PumpMode::kAccelerated, 2, 3), 2000)), 1200, 36);
  EXPECT_NEAR(Mean(Lives(Spec(PumpMode::kStress, 2, 4), 2000)), 150, 4.5);
  // The same, measured the way a user sees it: readings (1 s apart) until the unit breaks.
  Pump pump(Spec(PumpMode::kStress, 2, 5));
  double total = 0;
  const int units = 300;
  for (int i = 0; i < units; ++i) {
    int readings = 0;
    while (pump.Next(readings * kNanosPerSecond).state != HealthState::kBroken) ++readings;
    total += readings;
    pump.Renew();
  }
  EXPECT_NEAR(total / units, 150, 12);
}

TEST(Pump, HealthStatesMoveMonotonically) {
  Pump pump(Spec(PumpMode::kAccelerated, 2, 21));
  for (int life = 0; life < 20; ++life) {
    const std::vector<PumpReading> readings = Life(pump, 60);
    bool seen[4] = {false, false, false, false};
    for (std::size_t i = 0; i < readings.size(); ++i) {
      const PumpReading& r = readings[i];
      seen[static_cast<int>(r.state)] = true;
      ASSERT_GE(r.damage, 0.0);
      ASSERT_LE(r.damage, 1.0);
      if (i == 0) continue;
      const PumpReading& prev = readings[i - 1];
      ASSERT_GE(r.state, prev.state) << "reading " << i;
      ASSERT_GE(r.damage, prev.damage);
      ASSERT_LE(r.remaining_s, prev.remaining_s);
    }
    for (bool s : seen) EXPECT_TRUE(s);
    EXPECT_EQ(readings.back().state, HealthState::kBroken);
    EXPECT_EQ(readings.back().remaining_s, 0.0);
    EXPECT_EQ(readings.back().damage, 1.0);
    pump.Renew();
  }
}

TEST(Pump, RemainingLifeCountsDownToTheFailure) {
  Pump pump(Spec(PumpMode::kAccelerated, 2, 8));
  const double life = pump.life_s();
  const PumpReading first = pump.Next(0);
  EXPECT_NEAR(first.remaining_s, life - 1.0, 1e-9);
  EXPECT_EQ(first.state, HealthState::kHealthy);
  EXPECT_LT(first.damage, 1e-6);
}

TEST(Pump, RenewPutsInANewUnit) {
  Pump pump(Spec(PumpMode::kStress, 2, 9));
  const double first_life = pump.life_s();
  Life(pump, 30);
  ASSERT_TRUE(pump.broken());
  pump.Renew();
  EXPECT_FALSE(pump.broken());
  EXPECT_EQ(pump.unit(), 1);
  EXPECT_EQ(pump.age_s(), 0.0);
  EXPECT_NE(pump.life_s(), first_life);
  const PumpReading r = pump.Next(0);
  EXPECT_EQ(r.state, HealthState::kHealthy);
  EXPECT_LT(r.vibration_x, IsoLimits(2).bc);
}

TEST(Pump, SameSeedGivesSameReadings) {
  Pump a(Spec(PumpMode::kStress, 2, 42)), b(Spec(PumpMode::kStress, 2, 42));
  for (int life = 0; life < 3; ++life) {
    const std::vector<PumpReading> ra = Life(a, 20), rb = Life(b, 20);
    ASSERT_EQ(ra.size(), rb.size());
    for (std::size_t i = 0; i < ra.size(); ++i) {
      ASSERT_EQ(PumpSignalValues(ra[i]), PumpSignalValues(rb[i])) << i;
      ASSERT_EQ(ra[i].state, rb[i].state);
      ASSERT_EQ(ra[i].damage, rb[i].damage);
      ASSERT_EQ(ra[i].remaining_s, rb[i].remaining_s);
    }
    a.Renew();
    b.Renew();
  }
}

TEST(Pump, DifferentSeedsGiveDifferentReadings) {
  Pump a(Spec(PumpMode::kAccelerated, 2, 1)), b(Spec(PumpMode::kAccelerated, 2, 2));
  EXPECT_NE(a.life_s(), b.life_s());
  int same = 0;
  for (int i = 0; i < 100; ++i) {
    const auto va = PumpSignalValues(a.Next(i * kNanosPerSecond));
    const auto vb = PumpSignalValues(b.Next(i * kNanosPerSecond));
    for (std::size_t s = 0; s < va.size(); ++s) same += va[s] == vb[s];
  }
  EXPECT_LT(same, 5);
}

TEST(Pump, ReadingsAreFiniteAndPhysicallyPlausible) {
  for (int machine_class = 1; machine_class <= 4; ++machine_class) {
    PumpSpec spec = Spec(PumpMode::kAccelerated, machine_class, 100 + machine_class);
    Pump pump(spec);
    for (int life = 0; life < 3; ++life) {
      for (const PumpReading& r : Life(pump, 600)) {
        for (double v : PumpSignalValues(r)) ASSERT_TRUE(std::isfinite(v));
        for (double v : {r.vibration_x, r.vibration_y, r.vibration_z}) {
          ASSERT_GT(v, 0.1 * IsoLimits(machine_class).ab);
          ASSERT_LT(v, 6 * IsoLimits(machine_class).cd);
        }
        ASSERT_GT(r.bearing_temperature, spec.ambient_c);
        ASSERT_LT(r.bearing_temperature, 150.0);
        ASSERT_GE(r.discharge_pressure, 0.0);
        ASSERT_LT(r.discharge_pressure, 1.4 * spec.rated_pressure_bar);
        ASSERT_GT(r.motor_current, 0.5 * spec.rated_current_a);
        ASSERT_LT(r.motor_current, 2.5 * spec.rated_current_a);
        ASSERT_TRUE(std::isfinite(r.damage) && std::isfinite(r.remaining_s));
      }
      pump.Renew();
    }
  }
}

TEST(Pump, WearHeatsTheBearingDropsThePressureAndRaisesTheCurrent) {
  // Means per state over many lives, so that the operating point averages out.
  double temperature[4] = {}, pressure[4] = {}, current[4] = {}, count[4] = {};
  const PumpSpec spec = Spec(PumpMode::kAccelerated, 2, 31);
  Pump pump(spec);
  for (int life = 0; life < 40; ++life) {
    for (const PumpReading& r : Life(pump, 120)) {
      const int s = static_cast<int>(r.state);
      temperature[s] += r.bearing_temperature;
      pressure[s] += r.discharge_pressure;
      current[s] += r.motor_current;
      ++count[s];
    }
    pump.Renew();
  }
  for (int s = 0; s < 4; ++s) {
    temperature[s] /= count[s];
    pressure[s] /= count[s];
    current[s] /= count[s];
  }
  for (int s = 1; s < 4; ++s) {
    EXPECT_GT(temperature[s], temperature[s - 1]) << s;
    EXPECT_LT(pressure[s], pressure[s - 1]) << s;
    EXPECT_GT(current[s], current[s - 1]) << s;
  }
  EXPECT_GT(temperature[2] - temperature[0], 10.0);
  // Broken: the pressure collapses and the current spikes.
  EXPECT_LT(pressure[3], 0.5 * spec.rated_pressure_bar);
  EXPECT_GT(current[3], 1.4 * spec.rated_current_a);
}

TEST(Pump, OperatingPointVariesSlowly) {
  PumpSpec spec = Spec(PumpMode::kNominal, 2, 13);
  spec.mean_life_s = 1e9;  // no visible wear over these hours
  Pump pump(spec);
  double lo = 1e9, hi = 0, largest_step = 0, previous = 0;
  for (int i = 0; i < 6 * 3600; ++i) {
    const double p = pump.Next(i * kNanosPerSecond).discharge_pressure;
    lo = std::min(lo, p);
    hi = std::max(hi, p);
    if (i > 0) largest_step = std::max(largest_step, std::abs(p - previous));
    previous = p;
  }
  // The demand wanders over hours, but one second moves the pressure by little more than noise.
  EXPECT_GT(hi - lo, 0.08 * spec.rated_pressure_bar);
  EXPECT_LT(largest_step, 0.06 * spec.rated_pressure_bar);
}

}  // namespace
}  // namespace mw::sim
