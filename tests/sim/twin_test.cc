#include "sim/twin.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <set>

#include "sim/fleet_config.h"
#include "sim/rotating_machine.h"

namespace mw::sim {
namespace {

MachineGroup Group(TwinType type, LifeMode mode = LifeMode::kStress,
                   std::int64_t interval = kNanosPerSecond) {
  MachineGroup g;
  g.type = type;
  g.mode = mode;
  g.count = 3;
  g.model.interval_ns = interval;
  g.model.seed = 7;
  return g;
}

// The bit patterns of the values of `steps` steps (NaN compares equal to itself this way).
std::vector<std::uint64_t> Values(Twin& twin, int steps) {
  std::vector<double> values(twin.signals().size());
  std::vector<std::uint64_t> all;
  for (int i = 0; i < steps; ++i) {
    twin.Step(i * kNanosPerSecond, values);
    for (double v : values) all.push_back(std::bit_cast<std::uint64_t>(v));
  }
  return all;
}

class EveryTwin : public ::testing::TestWithParam<TwinType> {};

TEST_P(EveryTwin, DeclaresUniqueSignalsAndFillsEveryValue) {
  auto twin = MakeTwin(Group(GetParam(), LifeMode::kStress, 10 * kNanosPerMilli), 0);
  EXPECT_EQ(twin->type(), TwinTypeName(GetParam()));
  std::set<std::string> names;
  for (const SignalDef& s : twin->signals()) EXPECT_TRUE(names.insert(s.name).second) << s.name;
  std::vector<double> values(twin->signals().size(), -12345.0);
  for (int i = 0; i < 500; ++i) twin->Step(i * 10 * kNanosPerMilli, values);
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_NE(values[i], -12345.0) << twin->signals()[i].name;
    // A valve that never moved has no travel time yet; everything else is a number.
    if (twin->signals()[i].name.find("travel_ms") == std::string::npos) {
      EXPECT_TRUE(std::isfinite(values[i])) << twin->signals()[i].name;
    }
  }
}

TEST_P(EveryTwin, SameSeedGivesSameValuesAndMachinesDiffer) {
  auto a = MakeTwin(Group(GetParam()), 0);
  auto b = MakeTwin(Group(GetParam()), 0);
  auto c = MakeTwin(Group(GetParam()), 1);
  const std::vector<std::uint64_t> va = Values(*a, 200);
  EXPECT_EQ(va, Values(*b, 200));
  EXPECT_NE(va, Values(*c, 200));
}

INSTANTIATE_TEST_SUITE_P(Types, EveryTwin,
                         ::testing::Values(TwinType::kRotating, TwinType::kPump, TwinType::kPrinter,
                                           TwinType::kPlcLine),
                         [](const auto& p) { return std::string(TwinTypeName(p.param)); });

TEST(Twin, RotatingJsonIsThePayloadMillwrightSimHasAlwaysSent) {
  MachineGroup g = Group(TwinType::kRotating);
  auto twin = MakeTwin(g, 1);
  RotatingMachine model(MachineSpec(g, 1));
  std::vector<double> values(3);
  for (int i = 0; i < 50; ++i) {
    const Timestamp t = 1'700'000'000'000'000'000 + i * kNanosPerSecond;
    twin->Step(t, values);
    std::string ours;
    AppendRecordJson(t, twin->signals(), values, ours);
    Reading r = model.Next(t);
    EXPECT_EQ(ours, ReadingsPayload({&r, 1}));
  }
}

TEST(Twin, PublishesItsGroundTruthStateWhenAsked) {
  MachineGroup g = Group(TwinType::kPump);
  g.publish_truth = true;
  std::unique_ptr<Twin> twin = MakeTwin(g, 0);
  ASSERT_EQ(twin->signals().back().name, "health_truth");
  std::vector<double> values(twin->signals().size());
  std::set<double> seen;
  for (int i = 0; i < 20000 && seen.size() < 4; ++i) {
    twin->Step(i * kNanosPerSecond, values);
    EXPECT_EQ(values.back(), static_cast<double>(twin->truth().state));
    seen.insert(values.back());
  }
  EXPECT_EQ(seen, (std::set<double>{0, 1, 2, 3}));  // a stress life runs through every state
  EXPECT_EQ(MakeTwin(Group(TwinType::kPump), 0)->signals().size() + 1, twin->signals().size());
}

TEST(Twin, JsonWritesADroppedValueAsNull) {
  std::vector<SignalDef> signals{{"a", "", 1}, {"b", "", 2}};
  std::vector<double> values{1.25, std::nan("")};
  std::string out;
  AppendRecordJson(2'000'000, signals, values, out);
  EXPECT_EQ(out, R"({"ts":2,"a":1.2,"b":null})");
}

TEST(Twin, PumpLivesToBrokenAndRenewPutsInANewUnit) {
  auto twin = MakeTwin(Group(TwinType::kPump), 0);
  std::vector<double> values(twin->signals().size());
  double last_rul = INFINITY;
  int steps = 0;
  while (twin->truth().state != HealthState::kBroken && steps < 100'000) {
    twin->Step(steps * kNanosPerSecond, values);
    const GroundTruth t = twin->truth();
    EXPECT_LE(t.remaining_s, last_rul);
    last_rul = t.remaining_s;
    ++steps;
  }
  ASSERT_EQ(twin->truth().state, HealthState::kBroken);
  EXPECT_NEAR(steps, 150, 150);  // a stress life is 2.5 min on average
  twin->Renew();
  twin->Step(steps * kNanosPerSecond, values);
  EXPECT_EQ(twin->truth().state, HealthState::kHealthy);
  EXPECT_GT(twin->truth().remaining_s, 0);
}

TEST(Twin, PrinterFrameIsTheGridAndChangesEveryStep) {
  auto twin = MakeTwin(Group(TwinType::kPrinter), 0);
  std::vector<double> values(twin->signals().size());
  twin->Step(0, values);
  auto first = twin->frame();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->rows, 100u);
  EXPECT_EQ(first->cols, 100u);
  EXPECT_EQ(first->elements.size(), 10'000u);
  float max = 0;
  for (float c : first->elements) max = std::max(max, c);
  EXPECT_FLOAT_EQ(static_cast<float>(values[4]), max);  // grid_max_temperature
  twin->Step(kNanosPerSecond, values);
  EXPECT_NE(twin->frame()->version, first->version);
}

TEST(Twin, PlcLineFrameIsTheLatestVibrationBurst) {
  auto twin = MakeTwin(Group(TwinType::kPlcLine, LifeMode::kNominal, 10 * kNanosPerMilli), 0);
  std::vector<double> values(twin->signals().size());
  std::set<std::uint64_t> versions;
  for (int i = 0; i < 13'000; ++i) {  // 130 s: bursts come once a minute
    twin->Step(i * 10 * kNanosPerMilli, values);
    versions.insert(twin->frame()->version);
  }
  EXPECT_GE(versions.size(), 3u);  // none yet, then two or three bursts
  EXPECT_LE(versions.size(), 4u);
  EXPECT_EQ(twin->frame()->cols, 2000u);  // 0.2 s at 10 kHz
}

}  // namespace
}  // namespace mw::sim
