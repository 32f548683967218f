#include "sim/chaos.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <vector>

namespace mw::sim {
namespace {

constexpr Timestamp kSecond = kNanosPerSecond;
constexpr Timestamp kMinute = 60 * kSecond;

const std::vector<SignalDef> kPumpSignals{{"vibration", "mm/s", 3, SignalClass::kVibration},
                                          {"temperature", "°C", 2, SignalClass::kTemperature},
                                          {"pressure", "bar", 2, SignalClass::kOther}};
const std::vector<SignalDef> kFanSignals{{"vibration", "mm/s", 3, SignalClass::kVibration},
                                         {"rpm", "rpm", 1, SignalClass::kOther}};

// A stand-in twin: smooth, distinct values, a function of the reading number only.
std::vector<double> Clean(std::size_t signals, int i) {
  std::vector<double> v(signals);
  for (std::size_t s = 0; s < signals; ++s) v[s] = 10.0 * static_cast<double>(s + 1) + std::sin(0.01 * i + s);
  return v;
}

ScheduledFault Scheduled(ChaosKind kind, std::string asset, std::string signal, Timestamp start,
                         Timestamp duration, double magnitude = 0) {
  ScheduledFault f;
  f.kind = kind;
  f.asset = std::move(asset);
  f.signal = std::move(signal);
  f.start_ns = start;
  f.duration_ns = duration;
  f.magnitude = magnitude;
  return f;
}

struct Output {
  Timestamp time = 0;
  bool published = true;
  std::vector<double> values;
};

// Runs `n` readings, one a second from `spec.origin`, of a pump (asset 0) and a fan (asset 1).
struct Bench {
  explicit Bench(ChaosSpec spec) : engine(std::move(spec)) {
    pump = engine.AddAsset("plant/line1/pump-01", kPumpSignals);
    fan = engine.AddAsset("plant/line1/fan-01", kFanSignals);
  }
  Output Step(std::size_t asset, Timestamp origin, int i) {
    Output o;
    o.time = origin + i * kSecond;
    o.values = Clean(asset == pump ? kPumpSignals.size() : kFanSignals.size(), i);
    o.published = engine.Apply(asset, o.time, o.values);
    return o;
  }
  ChaosEngine engine;
  std::size_t pump = 0, fan = 0;
};

TEST(ChaosKind, ParsesItsNames) {
  for (std::size_t k = 0; k < kChaosKindCount; ++k) {
    const ChaosKind kind = static_cast<ChaosKind>(k);
    EXPECT_EQ(ParseChaosKind(ChaosKindName(kind)), kind);
  }
  EXPECT_EQ(ParseChaosKind("heat_wave"), ChaosKind::kHeatWave);
  EXPECT_EQ(ParseChaosKind("network_outage"), ChaosKind::kNetworkOutage);
  EXPECT_EQ(ParseChaosKind("heatwave"), std::nullopt);
  EXPECT_EQ(ParseChaosKind(""), std::nullopt);
}

TEST(Chaos, VibrationGlitchSpikesVibrationOnly) {
  ChaosSpec spec;
  spec.schedule.push_back(Scheduled(ChaosKind::kVibrationGlitch, "pump-01", "*", 10 * kSecond, 3 * kSecond));
  Bench run(spec);
  for (int i = 0; i < 30; ++i) {
    const Output o = run.Step(run.pump, 0, i);
    const std::vector<double> clean = Clean(3, i);
    const bool inside = i >= 10 && i < 13;
    EXPECT_DOUBLE_EQ(o.values[0], inside ? 4 * clean[0] : clean[0]) << i;
    EXPECT_EQ(o.values[1], clean[1]);
    EXPECT_EQ(o.values[2], clean[2]);
    EXPECT_TRUE(o.published);
    // The fan is not the target.
    EXPECT_EQ(run.Step(run.fan, 0, i).values, Clean(2, i));
  }
}

TEST(Chaos, HeatWaveRaisesTemperaturesAndLeavesVibrationAlone) {
  ChaosSpec spec;
  spec.schedule.push_back(Scheduled(ChaosKind::kHeatWave, "*", "*", 10 * kMinute, 60 * kMinute));
  Bench run(spec);
  double previous_rise = 0;
  for (int i = 0; i < 90 * 60; ++i) {
    const Output o = run.Step(run.pump, 0, i);
    const std::vector<double> clean = Clean(3, i);
    EXPECT_EQ(o.values[0], clean[0]);
    EXPECT_EQ(o.values[2], clean[2]);
    const double rise = o.values[1] - clean[1];
    const Timestamp t = i * kSecond;
    if (t < 10 * kMinute || t >= 70 * kMinute) {
      ASSERT_EQ(rise, 0) << i;
    } else if (t < 20 * kMinute) {
      ASSERT_GE(rise, previous_rise - 1e-9) << "ramps in smoothly, " << i;
      ASSERT_LT(rise - previous_rise, 0.1) << i;
    } else if (t < 60 * kMinute) {
      ASSERT_NEAR(rise, 15, 1e-9) << "the peak, " << i;
    } else {
      ASSERT_LE(rise, previous_rise + 1e-9) << "ramps out, " << i;
    }
    previous_rise = rise;
    // The fan has no temperature: nothing changes.
    ASSERT_EQ(run.Step(run.fan, 0, i).values, Clean(2, i));
  }
}

TEST(Chaos, StuckSensorRepeatsTheValue) {
  ChaosSpec spec;
  spec.schedule.push_back(
      Scheduled(ChaosKind::kStuckSensor, "pump-01", "temperature", 100 * kSecond, kMinute));
  Bench run(spec);
  for (int i = 0; i < 300; ++i) {
    const Output o = run.Step(run.pump, 0, i);
    const std::vector<double> clean = Clean(3, i);
    EXPECT_EQ(o.values[0], clean[0]);
    EXPECT_EQ(o.values[2], clean[2]);
    EXPECT_EQ(o.values[1], i >= 100 && i < 160 ? Clean(3, 100)[1] : clean[1]) << i;
  }
}

TEST(Chaos, StuckSensorStaysExactUnderNoise) {
  ChaosSpec spec;
  spec.schedule.push_back(Scheduled(ChaosKind::kNoiseBurst, "pump-01", "*", 0, kMinute, 0.2));
  spec.schedule.push_back(
      Scheduled(ChaosKind::kStuckSensor, "pump-01", "pressure", 10 * kSecond, 20 * kSecond));
  Bench run(spec);
  double held = 0;
  for (int i = 0; i < 40; ++i) {
    const Output o = run.Step(run.pump, 0, i);
    if (i == 10) held = o.values[2];
    if (i > 10 && i < 30) {
      EXPECT_EQ(o.values[2], held) << i;
    } else if (i >= 30) {
      EXPECT_NE(o.values[2], held) << i;
    }
    EXPECT_NE(o.values[0], Clean(3, i)[0]) << "the noise goes on, " << i;
  }
}

TEST(Chaos, DropoutDropsReadings) {
  ChaosSpec spec;
  spec.schedule.push_back(Scheduled(ChaosKind::kDropout, "pump-01", "*", 20 * kSecond, 10 * kSecond));
  spec.schedule.push_back(Scheduled(ChaosKind::kDropout, "fan-01", "rpm", 20 * kSecond, 10 * kSecond));
  Bench run(spec);
  for (int i = 0; i < 60; ++i) {
    const bool inside = i >= 20 && i < 30;
    EXPECT_EQ(run.Step(run.pump, 0, i).published, !inside) << i;
    // One signal dropped: the reading goes out without it.
    const Output fan = run.Step(run.fan, 0, i);
    EXPECT_TRUE(fan.published);
    EXPECT_EQ(std::isnan(fan.values[1]), inside) << i;
    EXPECT_EQ(fan.values[0], Clean(2, i)[0]);
  }
}

TEST(Chaos, NoiseBurstAddsNoiseOfItsSize) {
  ChaosSpec spec;
  spec.schedule.push_back(
      Scheduled(ChaosKind::kNoiseBurst, "pump-01", "pressure", kMinute, 100 * kMinute, 0.05));
  Bench run(spec);
  double sum_sq = 0;
  int inside = 0;
  for (int i = 0; i < 110 * 60; ++i) {
    const Output o = run.Step(run.pump, 0, i);
    const std::vector<double> clean = Clean(3, i);
    EXPECT_EQ(o.values[0], clean[0]);
    if (i < 60 || i >= 101 * 60) {
      ASSERT_EQ(o.values[2], clean[2]) << i;
      continue;
    }
    const double z = (o.values[2] - clean[2]) / (0.05 * std::abs(clean[2]));
    sum_sq += z * z;
    ++inside;
  }
  EXPECT_NEAR(std::sqrt(sum_sq / inside), 1.0, 0.05);
}

TEST(Chaos, ClockSkewShiftsTime) {
  ChaosSpec spec;
  spec.origin = 1'700'000'000 * kSecond;  // the schedule counts from here
  spec.schedule.push_back(Scheduled(ChaosKind::kClockSkew, "fan-01", "*", 30 * kSecond, 30 * kSecond, -7.5));
  Bench run(spec);
  for (int i = 0; i < 90; ++i) {
    const Timestamp t = spec.origin + i * kSecond;
    const bool inside = i >= 30 && i < 60;
    const Output fan = run.Step(run.fan, spec.origin, i);
    EXPECT_EQ(fan.time, inside ? t - 7'500 * kNanosPerMilli : t) << i;
    EXPECT_EQ(fan.values, Clean(2, i));
    EXPECT_EQ(run.Step(run.pump, spec.origin, i).time, t);
  }
}

TEST(Chaos, NetworkOutageIsReportedInsideItsWindowOnly) {
  ChaosSpec spec;
  spec.schedule.push_back(Scheduled(ChaosKind::kNetworkOutage, "*", "*", 5 * kMinute, 2 * kMinute));
  Bench run(spec);
  EXPECT_FALSE(run.engine.NetworkDown(0));
  EXPECT_FALSE(run.engine.NetworkDown(5 * kMinute - 1));
  EXPECT_TRUE(run.engine.NetworkDown(5 * kMinute));
  EXPECT_TRUE(run.engine.NetworkDown(7 * kMinute - 1));
  EXPECT_FALSE(run.engine.NetworkDown(7 * kMinute));
  EXPECT_FALSE(run.engine.NetworkDown(60 * kMinute));
  // Readings themselves are left to the publisher.
  const Output o = run.Step(run.pump, 0, 6 * 60);
  EXPECT_TRUE(o.published);
  EXPECT_EQ(o.values, Clean(3, 6 * 60));
}

// 50 hours of both assets, with every kind at `rate` per hour; NetworkDown polled every second.
std::vector<ChaosEvent> RandomRun(std::uint64_t seed, double rate, int hours = 50) {
  ChaosSpec spec;
  spec.seed = seed;
  spec.rate_per_hour.fill(rate);
  Bench run(spec);
  for (int i = 0; i < hours * 3600; ++i) {
    run.engine.NetworkDown(i * kSecond);
    run.Step(run.pump, 0, i);
    run.Step(run.fan, 0, i);
  }
  return run.engine.AppliedEvents();
}

bool SameEvents(const std::vector<ChaosEvent>& a, const std::vector<ChaosEvent>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].kind != b[i].kind || a[i].asset != b[i].asset || a[i].signal != b[i].signal ||
        a[i].start != b[i].start || a[i].end != b[i].end || a[i].magnitude != b[i].magnitude)
      return false;
  }
  return true;
}

TEST(Chaos, RandomEventsRepeatForASeed) {
  const std::vector<ChaosEvent> a = RandomRun(5, 2, 10), b = RandomRun(5, 2, 10), c = RandomRun(6, 2, 10);
  EXPECT_GT(a.size(), 50u);
  EXPECT_TRUE(SameEvents(a, b));
  EXPECT_FALSE(SameEvents(a, c));
}

TEST(Chaos, RandomEventsComeAtTheConfiguredRates) {
  const double rate = 4;
  const std::vector<ChaosEvent> events = RandomRun(11, rate);
  std::map<ChaosKind, int> count;
  for (const ChaosEvent& e : events) {
    ++count[e.kind];
    EXPECT_GT(e.end, e.start);
  }
  // 200 expected of each kind (Poisson, sd ~14); each lasts long enough to meet a reading.
  for (std::size_t k = 0; k < kChaosKindCount; ++k) {
    const ChaosKind kind = static_cast<ChaosKind>(k);
    EXPECT_GT(count[kind], 150) << ChaosKindName(kind);
    EXPECT_LT(count[kind], 250) << ChaosKindName(kind);
  }
}

TEST(Chaos, RandomEventsLeaveTheTwinsSignalAlone) {
  ChaosSpec spec;
  spec.seed = 3;
  spec.rate_per_hour.fill(20);
  Bench run(spec);
  int changed = 0, total = 0;
  for (int i = 0; i < 5 * 3600; ++i) {
    const Output o = run.Step(run.pump, 0, i);
    changed += o.values != Clean(3, i) || !o.published || o.time != i * kSecond;
    ++total;
  }
  // Some readings carry faults, and the rest are exactly the twin's.
  EXPECT_GT(changed, 0);
  EXPECT_LT(changed, total);
}

TEST(Chaos, GroundTruthListsExactlyTheEventsThatAffectedReadings) {
  ChaosSpec spec;
  spec.schedule = {
      Scheduled(ChaosKind::kVibrationGlitch, "pump-01", "*", 10 * kSecond, 3 * kSecond),  // 0 applies
      Scheduled(ChaosKind::kHeatWave, "fan-01", "*", 80 * kSecond, 15 * kSecond),         // 1 no temperature
      Scheduled(ChaosKind::kStuckSensor, "pump-01", "flow", 20 * kSecond, 15 * kSecond),  // 2 no such signal
      Scheduled(ChaosKind::kDropout, "fan-01", "*",
                30 * kSecond + 200 * kNanosPerMilli,  // 3 between readings
                500 * kNanosPerMilli),
      Scheduled(ChaosKind::kNoiseBurst, "pump-01", "pressure", 40 * kSecond, 5 * kSecond),  // 4 applies
      Scheduled(ChaosKind::kClockSkew, "fan-01", "*", 50 * kSecond, 5 * kSecond, 3),        // 5 applies
      Scheduled(ChaosKind::kDropout, "fan-01", "rpm", 60 * kSecond, 2 * kSecond),           // 6 applies
      Scheduled(ChaosKind::kNetworkOutage, "*", "*", 70 * kSecond, 5 * kSecond),            // 7 applies
      Scheduled(ChaosKind::kHeatWave, "*", "*", 2 * kMinute, 30 * kMinute),                 // 8 after the run
      Scheduled(ChaosKind::kStuckSensor, "boiler-07", "*", 0, kMinute),                     // 9 no such asset
  };
  Bench run(spec);
  const Status check = run.engine.CheckSchedule();
  EXPECT_FALSE(check.ok());
  EXPECT_NE(check.message().find("no signal \"flow\""), std::string::npos) << check.message();
  EXPECT_NE(check.message().find("no asset \"boiler-07\""), std::string::npos) << check.message();

  // Which scheduled faults did anything, seen from the outside (the windows on one asset do not
  // overlap, so a changed reading names its fault).
  std::set<std::size_t> affected;
  auto note_if_inside = [&](std::size_t asset_index, Timestamp t) {
    const std::string asset = asset_index == run.pump ? "pump-01" : "fan-01";
    for (std::size_t f = 0; f < spec.schedule.size(); ++f) {
      const ScheduledFault& s = spec.schedule[f];
      if (s.kind != ChaosKind::kNetworkOutage && (s.asset == asset || s.asset == "*") && t >= s.start_ns &&
          t < s.start_ns + s.duration_ns) {
        affected.insert(f);
      }
    }
  };
  for (int i = 0; i < 100; ++i) {
    if (run.engine.NetworkDown(i * kSecond)) affected.insert(7);
    for (std::size_t asset : {run.pump, run.fan}) {
      const Output o = run.Step(asset, 0, i);
      // A dropped value is NaN, unequal to anything.
      const bool changed = !o.published || o.time != i * kSecond || o.values != Clean(o.values.size(), i);
      if (changed) note_if_inside(asset, i * kSecond);
    }
  }
  EXPECT_EQ(affected, (std::set<std::size_t>{0, 4, 5, 6, 7}));

  const std::vector<ChaosEvent> events = run.engine.AppliedEvents();
  ASSERT_EQ(events.size(), affected.size());
  std::size_t n = 0;
  for (std::size_t f : affected) {
    const ScheduledFault& s = spec.schedule[f];
    EXPECT_EQ(events[n].kind, s.kind);
    EXPECT_EQ(events[n].asset, s.asset);
    EXPECT_EQ(events[n].signal, s.signal);
    EXPECT_EQ(events[n].start, s.start_ns);
    EXPECT_EQ(events[n].end, s.start_ns + s.duration_ns);
    ++n;
  }
  EXPECT_DOUBLE_EQ(events[0].magnitude, 4);  // the default of a glitch

  const std::string csv = run.engine.AppliedEventsCsv();
  std::istringstream lines(csv);
  std::vector<std::string> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(line);
  ASSERT_EQ(rows.size(), events.size() + 1);
  EXPECT_EQ(rows[0], "kind,asset,signal,start_ns,end_ns,magnitude");
  EXPECT_EQ(rows[1], "vibration_glitch,pump-01,*,10000000000,13000000000,4");
  EXPECT_EQ(rows[2], "noise_burst,pump-01,pressure,40000000000,45000000000,0.1");
  EXPECT_EQ(rows[3], "clock_skew,fan-01,*,50000000000,55000000000,3");
  EXPECT_EQ(rows[4], "dropout,fan-01,rpm,60000000000,62000000000,0");
  EXPECT_EQ(rows[5], "network_outage,*,*,70000000000,75000000000,0");
}

TEST(Chaos, CsvQuotesNamesThatNeedIt) {
  ChaosSpec spec;
  spec.schedule.push_back(Scheduled(ChaosKind::kDropout, "a,\"b\"", "*", 0, kSecond));
  ChaosEngine engine(spec);
  const std::size_t asset = engine.AddAsset("a,\"b\"", kFanSignals);
  Timestamp t = 0;
  std::vector<double> values = Clean(2, 0);
  EXPECT_FALSE(engine.Apply(asset, t, values));
  EXPECT_EQ(engine.AppliedEventsCsv(),
            "kind,asset,signal,start_ns,end_ns,magnitude\ndropout,\"a,\"\"b\"\"\",*,0,1000000000,0\n");
}

}  // namespace
}  // namespace mw::sim
