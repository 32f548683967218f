#include "sim/plc_line.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <set>
#include <utility>
#include <vector>

namespace mw::sim {
namespace {

constexpr Timestamp kEpoch = Timestamp{1'700'000'000} * kNanosPerSecond;

Timestamp At(const PlcLineSpec& spec, std::int64_t i) { return kEpoch + i * spec.interval_ns; }

struct Trace {
  std::vector<PlcLineRecord> records;
  std::vector<PlcBurst> bursts;
  std::vector<PlcValveMove> moves;
  std::vector<Timestamp> starts;
};

Trace Simulate(const PlcLineSpec& spec, std::int64_t steps) {
  PlcLine line(spec);
  Trace run;
  run.records.reserve(static_cast<std::size_t>(steps));
  for (std::int64_t i = 0; i < steps; ++i) {
    run.records.push_back(line.Next(At(spec, i)));
    if (auto burst = line.TakeBurst()) run.bursts.push_back(std::move(*burst));
  }
  run.moves = line.TakeValveMoves();
  run.starts = line.TakeMotorStarts();
  return run;
}

// Valves that wear out within a few hundred moves, all at about the same pace.
PlcLineSpec WearingValves(double mean_life_moves) {
  PlcLineSpec spec;
  spec.valve_mean_life_moves = mean_life_moves;
  spec.life_shape = 8;
  spec.bearing_mean_life_s = 0;
  spec.mean_repair_s = 60;
  return spec;
}

bool Bit(std::uint32_t bits, int i) { return (bits >> i) & 1u; }

// A valve move as the analytics see it: a command edge, then the limit switch of the new position.
struct SeenMove {
  int valve = 0;
  std::size_t commanded = 0;  // record index
  std::int64_t travel_ns = 0;
};

std::vector<SeenMove> MovesFromBits(const std::vector<PlcLineRecord>& records, int valves) {
  std::vector<SeenMove> out;
  for (int v = 0; v < valves; ++v) {
    std::size_t pending = 0;
    bool waiting = false;
    for (std::size_t i = 1; i < records.size(); ++i) {
      const bool command = Bit(records[i].valve_commanded, v);
      if (command != Bit(records[i - 1].valve_commanded, v)) {
        pending = i;
        waiting = true;
        continue;
      }
      if (waiting && Bit(command ? records[i].valve_open : records[i].valve_closed, v)) {
        out.push_back({v, pending, records[i].time - records[pending].time});
        waiting = false;
      }
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const SeenMove& a, const SeenMove& b) { return a.commanded < b.commanded; });
  return out;
}

// Motor starts as the analytics see them: a phase current rising from the noise floor.
std::vector<std::size_t> StartsFromCurrents(const std::vector<PlcLineRecord>& records) {
  std::vector<std::size_t> out;
  for (std::size_t i = 1; i < records.size(); ++i) {
    if (records[i].phase_current_a[0] > 1.0 && records[i - 1].phase_current_a[0] < 1.0) out.push_back(i);
  }
  return out;
}

double Median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

// The magnitude of the burst's spectrum at `hz` (any frequency, not only a DFT bin), in g.
// A Hann window keeps a strong line from leaking into frequencies a few bins away.
double Amplitude(const std::vector<double>& x, double rate, double hz) {
  std::complex<double> sum = 0;
  double gain = 0;
  const double n = static_cast<double>(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i);
    const double w = 0.5 - 0.5 * std::cos(2 * std::numbers::pi * t / n);
    sum += w * x[i] * std::polar(1.0, -2 * std::numbers::pi * hz * t / rate);
    gain += w;
  }
  return 2 * std::abs(sum) / gain;
}

std::vector<double> Centered(const std::vector<double>& x) {
  double mean = 0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(x.size());
  std::vector<double> out;
  for (double v : x) out.push_back(v - mean);
  return out;
}

// The envelope's spectrum at the outer-race defect frequency, over its spectrum nearby.
double EnvelopeRatioAtBpfo(const PlcBurst& b) {
  std::vector<double> squared;
  for (float s : b.samples) squared.push_back(static_cast<double>(s) * s);
  squared = Centered(squared);
  const double at = Amplitude(squared, b.sample_rate_hz, b.bpfo_hz);
  std::vector<double> off;
  for (double k : {0.55, 0.7, 0.8, 1.25, 1.4, 1.6, 1.75})
    off.push_back(Amplitude(squared, b.sample_rate_hz, k * b.bpfo_hz));
  return at / Median(off);
}

TEST(PlcLine, StatesFollowTheStateMachine) {
  PlcLineSpec spec = WearingValves(600);
  spec.setup_probability = 0.3;
  Trace run = Simulate(spec, 300'000);
  const std::set<std::pair<PlcLineState, PlcLineState>> allowed = {
      {PlcLineState::kIdle, PlcLineState::kRunning}, {PlcLineState::kIdle, PlcLineState::kSetup},
      {PlcLineState::kRunning, PlcLineState::kIdle}, {PlcLineState::kRunning, PlcLineState::kFault},
      {PlcLineState::kSetup, PlcLineState::kIdle},   {PlcLineState::kFault, PlcLineState::kSetup},
      {PlcLineState::kIdle, PlcLineState::kFault},   {PlcLineState::kSetup, PlcLineState::kFault}};
  std::set<PlcLineState> seen;
  int timeouts = 0, repairs = 0;
  const auto& r = run.records;
  for (std::size_t i = 0; i < r.size(); ++i) {
    seen.insert(r[i].state);
    ASSERT_EQ(r[i].motor_on, r[i].state == PlcLineState::kRunning) << i;
    if (r[i].state != PlcLineState::kRunning && r[i].state != PlcLineState::kFault) {
      ASSERT_EQ(r[i].valve_commanded, 0u) << i;  // valves rest closed outside production
    }
    if (i == 0 || r[i].state == r[i - 1].state) continue;
    ASSERT_TRUE(allowed.count(std::pair(r[i - 1].state, r[i].state)))
        << PlcLineStateName(r[i - 1].state) << " -> " << PlcLineStateName(r[i].state) << " at " << i;
    repairs += r[i - 1].state == PlcLineState::kFault;
    if (r[i].state == PlcLineState::kFault) {
      // The bearing is sound, so a valve timed out: it has been away from both switches for longer
      // than the timeout.
      ASSERT_EQ(r[i - 1].state, PlcLineState::kRunning);
      bool late = false;
      for (int v = 0; v < spec.valves; ++v) {
        const bool away = !Bit(r[i - 1].valve_open, v) && !Bit(r[i - 1].valve_closed, v);
        late |= away && i >= 60 && !Bit(r[i - 60].valve_open | r[i - 60].valve_closed, v);
      }
      EXPECT_TRUE(late) << i;
      ++timeouts;
    }
  }
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_GT(timeouts, 0);
  EXPECT_GT(repairs, 0);
}

TEST(PlcLine, InrushAtEveryMotorStart) {
  PlcLineSpec spec;
  Trace run = Simulate(spec, 120'000);
  const auto& r = run.records;
  const std::vector<std::size_t> starts = StartsFromCurrents(r);
  ASSERT_GT(starts.size(), 5u);
  ASSERT_EQ(starts.size(), run.starts.size());
  for (std::size_t k = 0; k < starts.size(); ++k) {
    const std::size_t i = starts[k];
    EXPECT_EQ(r[i].time, run.starts[k]);
    double peak = 0;
    for (std::size_t j = i; j < i + 10; ++j) {  // the first 100 ms
      for (double a : r[j].phase_current_a) peak = std::max(peak, a);
    }
    std::vector<double> running;
    for (std::size_t j = i + 100; j < r.size() && r[j].phase_current_a[0] > 1.0; ++j) {
      running.push_back(r[j].phase_current_a[0]);
    }
    ASSERT_GT(running.size(), 100u);  // a run lasts for seconds
    EXPECT_GT(peak, 3 * Median(running)) << "start " << k;
    EXPECT_NEAR(Median(running), 0.85 * spec.rated_current_a, 0.15 * spec.rated_current_a);
  }
}

TEST(PlcLine, ValveMovesTakeTheNominalTravelWhenNew) {
  PlcLineSpec spec;
  Trace run = Simulate(spec, 60'000);
  std::vector<SeenMove> seen = MovesFromBits(run.records, spec.valves);
  ASSERT_GT(seen.size(), 100u);
  for (const SeenMove& m : seen) {
    EXPECT_GE(m.travel_ns, 100 * kNanosPerMilli);
    EXPECT_LE(m.travel_ns, 150 * kNanosPerMilli);
  }
}

TEST(PlcLine, TravelTimesLengthenWithWear) {
  PlcLineSpec spec = WearingValves(300);
  Trace run = Simulate(spec, 150'000);
  std::vector<SeenMove> seen = MovesFromBits(run.records, spec.valves);
  int checked = 0;
  for (int v = 0; v < spec.valves; ++v) {
    if (run.records.back().valve_wear[static_cast<std::size_t>(v)] < 0.6f) continue;
    std::vector<std::int64_t> travel;
    for (const SeenMove& m : seen) {
      if (m.valve == v) travel.push_back(m.travel_ns);
    }
    ASSERT_GT(travel.size(), 100u) << v;
    const std::size_t fifth = travel.size() / 5;
    double early = 0, late = 0;
    for (std::size_t i = 0; i < fifth; ++i) {
      early += static_cast<double>(travel[i]);
      late += static_cast<double>(travel[travel.size() - 1 - i]);
    }
    EXPECT_GT(late, 1.3 * early) << "valve " << v;
    ++checked;
  }
  EXPECT_GE(checked, 2);
}

TEST(PlcLine, WornValveSticksAndTheLineFaults) {
  PlcLineSpec spec = WearingValves(600);
  Trace run = Simulate(spec, 300'000);
  int stuck = 0;
  for (const PlcValveMove& m : run.moves) {
    if (m.travel_ns >= 0) continue;
    ++stuck;
    EXPECT_GT(m.wear, 0.8f);
    EXPECT_EQ(m.measured_ns, -1);
    // The PLC gave up on it after the timeout.
    const auto at = static_cast<std::size_t>((m.commanded - kEpoch) / spec.interval_ns);
    if (m.to_open) {
      EXPECT_EQ(run.records[at + 61].state, PlcLineState::kFault);
    }
  }
  EXPECT_GT(stuck, 0);
}

TEST(PlcLine, DeadValveLeavesTheLineInFault) {
  PlcLineSpec spec = WearingValves(300);
  spec.life_shape = 2;
  PlcLine line(spec);
  std::int64_t i = 0;
  for (; i < 1'000'000; ++i) {
    if (line.Next(At(spec, i)).health == HealthState::kBroken) break;
  }
  PlcLineRecord r;
  // It faults at the dead valve's next move, and stays there: a repair cannot bring it back.
  for (int k = 0; k < 30'000; ++k) r = line.Next(At(spec, ++i));
  EXPECT_FLOAT_EQ(*std::max_element(r.valve_wear.begin(), r.valve_wear.end()), 1.0f);
  for (int k = 0; k < 100'000; ++k) {
    r = line.Next(At(spec, ++i));
    ASSERT_EQ(r.health, HealthState::kBroken);
    ASSERT_EQ(r.state, PlcLineState::kFault);
    ASSERT_FALSE(r.motor_on);
  }
}

TEST(PlcLine, RenewBringsADeadLineBackToProduction) {
  PlcLineSpec spec = WearingValves(300);
  PlcLine line(spec);
  PlcLineRecord r;
  std::int64_t i = 0;
  while (i < 1'000'000 && !(r.health == HealthState::kBroken && r.state == PlcLineState::kFault)) {
    r = line.Next(At(spec, i++));
  }
  ASSERT_EQ(r.state, PlcLineState::kFault);
  line.Renew();
  r = line.Next(At(spec, i++));
  EXPECT_EQ(r.state, PlcLineState::kSetup);
  EXPECT_EQ(r.health, HealthState::kHealthy);
  EXPECT_EQ(r.valve_closed, (1u << spec.valves) - 1);
  for (float w : r.valve_wear) EXPECT_EQ(w, 0.0f);
  bool ran = false;
  for (int k = 0; k < 100'000 && !ran; ++k) ran = line.Next(At(spec, i++)).state == PlcLineState::kRunning;
  EXPECT_TRUE(ran);
}

TEST(PlcLine, RenewPutsInANewBearing) {
  PlcLineSpec spec;
  spec.bearing_mean_life_s = 600;
  PlcLine line(spec);
  std::int64_t i = 0;
  PlcLineRecord r;
  while (i < 1'000'000 && r.health != HealthState::kBroken) r = line.Next(At(spec, i++));
  EXPECT_NEAR(line.bearing_age_s(), line.bearing_life_s(), 0.02);
  line.Renew();
  r = line.Next(At(spec, i++));
  EXPECT_EQ(r.bearing_damage, 0.0);
  EXPECT_EQ(line.bearing_age_s(), 0.0);
  EXPECT_EQ(r.state, PlcLineState::kSetup);
}

TEST(PlcLine, ReportedValveMovesMatchTheLimitSwitches) {
  PlcLineSpec spec = WearingValves(600);
  Trace run = Simulate(spec, 100'000);
  std::vector<SeenMove> seen = MovesFromBits(run.records, spec.valves);
  std::vector<PlcValveMove> reached;
  for (const PlcValveMove& m : run.moves) {
    if (m.measured_ns >= 0) reached.push_back(m);
  }
  std::stable_sort(reached.begin(), reached.end(),
                   [](const PlcValveMove& a, const PlcValveMove& b) { return a.commanded < b.commanded; });
  ASSERT_EQ(seen.size(), reached.size());
  for (std::size_t k = 0; k < seen.size(); ++k) {
    EXPECT_EQ(seen[k].valve, reached[k].valve);
    EXPECT_EQ(run.records[seen[k].commanded].time, reached[k].commanded);
    EXPECT_EQ(seen[k].travel_ns, reached[k].measured_ns);
    EXPECT_GE(reached[k].measured_ns, reached[k].travel_ns);
    EXPECT_LT(reached[k].measured_ns, reached[k].travel_ns + spec.interval_ns);
  }
}

// The mean of each phase's current in steady running (after the inrush).
std::array<double, 3> SteadyPhaseMeans(const std::vector<PlcLineRecord>& r) {
  std::array<double, 3> sum{};
  int n = 0;
  for (std::size_t i = 100; i < r.size(); ++i) {
    if (!r[i - 100].motor_on || !r[i].motor_on) continue;
    for (int p = 0; p < 3; ++p) sum[p] += r[i].phase_current_a[p];
    ++n;
  }
  for (double& s : sum) s /= n;
  return sum;
}

TEST(PlcLine, PhasesAreBalancedWhenHealthy) {
  PlcLineSpec spec;
  Trace run = Simulate(spec, 60'000);
  auto mean = SteadyPhaseMeans(run.records);
  EXPECT_NEAR(mean[1] / mean[0], 1.0, 0.01);
  EXPECT_NEAR(mean[2] / mean[0], 1.0, 0.01);
  for (const PlcLineRecord& r : run.records) ASSERT_EQ(r.phase_degradation, 0.0);
}

TEST(PlcLine, PhaseAsymmetryAppearsWhenConfigured) {
  PlcLineSpec spec;
  spec.weak_phase = 1;
  spec.phase_shift = 0.10;
  Trace run = Simulate(spec, 60'000);
  auto mean = SteadyPhaseMeans(run.records);
  EXPECT_NEAR(mean[1] / mean[0], 1.10, 0.01);
  EXPECT_NEAR(mean[2] / mean[0], 1.0, 0.01);
  EXPECT_EQ(run.records.back().phase_degradation, 0.10);
  EXPECT_EQ(run.records.back().health, HealthState::kFaulty);
}

TEST(PlcLine, PhaseDegradationRampsFromItsStart) {
  PlcLineSpec spec;
  spec.weak_phase = 2;
  spec.phase_shift = 0.12;
  spec.phase_fault_start_s = 100;
  spec.phase_fault_ramp_s = 200;
  Trace run = Simulate(spec, 40'000);
  for (std::size_t i = 0; i < run.records.size(); ++i) {
    const double t = static_cast<double>(i) * 0.01;
    const double expected = 0.12 * std::clamp((t - 100) / 200, 0.0, 1.0);
    ASSERT_NEAR(run.records[i].phase_degradation, expected, 1e-9) << i;
  }
  EXPECT_EQ(run.records[5'000].health, HealthState::kHealthy);
  EXPECT_EQ(run.records.back().health, HealthState::kFaulty);
}

TEST(PlcLine, BurstsArriveOncePerPeriod) {
  PlcLineSpec spec;
  PlcLine line(spec);
  std::vector<std::int64_t> at;
  for (std::int64_t i = 0; i < 60'000; ++i) {
    line.Next(At(spec, i));
    if (auto b = line.TakeBurst()) {
      at.push_back(i);
      EXPECT_EQ(b->start, At(spec, i));
      EXPECT_EQ(b->sample_rate_hz, 10000.0);
      EXPECT_EQ(b->samples.size(), 2000u);
      EXPECT_FALSE(line.TakeBurst().has_value());
    }
  }
  ASSERT_EQ(at.size(), 10u);
  for (std::size_t k = 0; k < at.size(); ++k) EXPECT_EQ(at[k], static_cast<std::int64_t>(k) * 6000);
}

TEST(PlcLine, VibrationBurstHasItsEnergyAtRunningSpeed) {
  PlcLineSpec spec;
  spec.burst_period_s = 7;
  Trace run = Simulate(spec, 120'000);
  int running = 0, stopped = 0;
  for (const PlcBurst& b : run.bursts) {
    std::vector<double> x = Centered(std::vector<double>(b.samples.begin(), b.samples.end()));
    if (!b.motor_on) {
      double sum = 0;
      for (double v : x) sum += v * v;
      EXPECT_LT(std::sqrt(sum / static_cast<double>(x.size())), 0.01);
      ++stopped;
      continue;
    }
    if (b.shaft_hz < 20) continue;  // still spinning up
    EXPECT_NEAR(b.shaft_hz, 1480.0 / 60, 0.5);
    const double at = Amplitude(x, b.sample_rate_hz, b.shaft_hz);
    EXPECT_NEAR(at, 0.08, 0.02);
    for (double k : {0.3, 2.7, 3.3, 4.4, 6.1, 9.3}) {  // well clear of 1x and 2x
      EXPECT_GT(at, 10 * Amplitude(x, b.sample_rate_hz, k * b.shaft_hz)) << k;
    }
    ++running;
  }
  EXPECT_GT(running, 20);
  EXPECT_GT(stopped, 10);
}

TEST(PlcLine, BearingDefectFrequencyGrowsWithDamage) {
  PlcLineSpec spec;
  spec.bearing_mean_life_s = 3600;
  spec.burst_period_s = 10;
  PlcLine line(spec);
  std::vector<double> fresh, worn;
  for (std::int64_t i = 0; i < 2'000'000; ++i) {
    PlcLineRecord r = line.Next(At(spec, i));
    std::optional<PlcBurst> b = line.TakeBurst();
    if (r.health == HealthState::kBroken) break;
    if (!b || b->shaft_hz < 20) continue;
    if (b->bearing_damage < 0.01) fresh.push_back(EnvelopeRatioAtBpfo(*b));
    if (b->bearing_damage > 0.3) worn.push_back(EnvelopeRatioAtBpfo(*b));
  }
  ASSERT_GT(fresh.size(), 10u);
  ASSERT_GT(worn.size(), 10u);
  EXPECT_LT(Median(fresh), 3);
  EXPECT_GT(Median(worn), 10);
}

TEST(PlcLine, BrokenBearingStopsTheLineForGood) {
  PlcLineSpec spec;
  spec.bearing_mean_life_s = 600;
  PlcLine line(spec);
  std::int64_t i = 0;
  PlcLineRecord r;
  for (; i < 1'000'000; ++i) {
    r = line.Next(At(spec, i));
    if (r.health == HealthState::kBroken) break;
  }
  ASSERT_EQ(r.health, HealthState::kBroken);
  EXPECT_NEAR(static_cast<double>(i) * 0.01, line.bearing_life_s(), 0.02);
  for (int k = 0; k < 100'000; ++k) {
    r = line.Next(At(spec, ++i));
    ASSERT_EQ(r.state, PlcLineState::kFault);
    ASSERT_FALSE(r.motor_on);
    ASSERT_LT(r.phase_current_a[0], 0.1);
  }
}

TEST(PlcLine, LivesFollowTheConfiguredMeans) {
  PlcLineSpec spec;
  spec.valves = 8;
  spec.bearing_mean_life_s = 1000;
  spec.valve_mean_life_moves = 5000;
  double bearing = 0, valve = 0;
  const int n = 1000;
  for (int k = 0; k < n; ++k) {
    spec.seed = static_cast<std::uint64_t>(k + 1);
    PlcLine line(spec);
    bearing += line.bearing_life_s();
    for (int v = 0; v < spec.valves; ++v) valve += line.valve_life_moves(v);
  }
  EXPECT_NEAR(bearing / n, 1000, 40);
  EXPECT_NEAR(valve / (n * spec.valves), 5000, 100);
}

void ExpectSameRuns(const Trace& a, const Trace& b) {
  ASSERT_EQ(a.records.size(), b.records.size());
  for (std::size_t i = 0; i < a.records.size(); ++i) {
    const PlcLineRecord &x = a.records[i], &y = b.records[i];
    ASSERT_EQ(x.state, y.state) << i;
    ASSERT_EQ(x.valve_commanded, y.valve_commanded) << i;
    ASSERT_EQ(x.valve_open, y.valve_open) << i;
    ASSERT_EQ(x.valve_closed, y.valve_closed) << i;
    ASSERT_EQ(x.motor_on, y.motor_on) << i;
    ASSERT_EQ(x.phase_current_a, y.phase_current_a) << i;
    ASSERT_EQ(x.valve_wear, y.valve_wear) << i;
    ASSERT_EQ(x.bearing_damage, y.bearing_damage) << i;
    ASSERT_EQ(x.health, y.health) << i;
  }
  ASSERT_EQ(a.bursts.size(), b.bursts.size());
  for (std::size_t k = 0; k < a.bursts.size(); ++k) ASSERT_EQ(a.bursts[k].samples, b.bursts[k].samples) << k;
  ASSERT_EQ(a.moves.size(), b.moves.size());
  for (std::size_t k = 0; k < a.moves.size(); ++k) {
    ASSERT_EQ(a.moves[k].travel_ns, b.moves[k].travel_ns);
    ASSERT_EQ(a.moves[k].measured_ns, b.moves[k].measured_ns);
  }
  ASSERT_EQ(a.starts, b.starts);
}

TEST(PlcLine, SameSeedGivesSameRecords) {
  PlcLineSpec spec = WearingValves(600);
  spec.bearing_mean_life_s = 3600;
  spec.weak_phase = 0;
  ExpectSameRuns(Simulate(spec, 100'000), Simulate(spec, 100'000));
}

TEST(PlcLine, DifferentSeedsGiveDifferentRecords) {
  PlcLineSpec one, two;
  two.seed = 2;
  Trace a = Simulate(one, 20'000), b = Simulate(two, 20'000);
  int same_state = 0, same_current = 0;
  for (std::size_t i = 0; i < a.records.size(); ++i) {
    same_state += a.records[i].state == b.records[i].state;
    same_current += a.records[i].phase_current_a[0] == b.records[i].phase_current_a[0];
  }
  EXPECT_LT(same_state, 18'000);
  EXPECT_LT(same_current, 100);
  EXPECT_NE(a.starts, b.starts);
}

TEST(PlcLine, NamesItsStates) {
  EXPECT_EQ(PlcLineStateName(PlcLineState::kIdle), "IDLE");
  EXPECT_EQ(PlcLineStateName(PlcLineState::kRunning), "RUNNING");
  EXPECT_EQ(PlcLineStateName(PlcLineState::kSetup), "SETUP");
  EXPECT_EQ(PlcLineStateName(PlcLineState::kFault), "FAULT");
}

}  // namespace
}  // namespace mw::sim
