#include "analytics/models/health.h"

#include <gtest/gtest.h>

#include "tests/analytics/models/twin_lives.h"
#include "tests/support/test_support.h"

namespace mw::models {
namespace {

HealthTrainSpec SmallForest() {
  HealthTrainSpec spec;
  spec.features = {"vibration_x",        "vibration_y",   "vibration_z",        "bearing_temperature",
                   "discharge_pressure", "motor_current", "vibration_x.mean10", "bearing_temperature.mean10"};
  spec.params.mode = TreeMode::kRandomForest;
  spec.params.trees = 50;
  spec.params.threads = 1;
  spec.test_fraction = 0.25;
  return spec;
}

TEST(Evaluate, CountsTheConfusionAndAveragesF1OverClasses) {
  const std::vector<int> truth{0, 0, 0, 1, 1, 2};
  const std::vector<int> predicted{0, 0, 1, 1, 1, 0};
  const Evaluation e = Evaluate({"A", "B", "C"}, truth, predicted);
  EXPECT_EQ(e.confusion[0], (std::vector<std::uint64_t>{2, 1, 0}));
  EXPECT_EQ(e.confusion[2], (std::vector<std::uint64_t>{1, 0, 0}));
  EXPECT_DOUBLE_EQ(e.per_class[0].precision, 2.0 / 3);
  EXPECT_DOUBLE_EQ(e.per_class[1].recall, 1.0);
  EXPECT_DOUBLE_EQ(e.per_class[2].f1, 0.0);
  EXPECT_NEAR(e.macro_f1, (2.0 / 3 + 0.8 + 0) / 3, 1e-12);
  EXPECT_DOUBLE_EQ(e.accuracy, 4.0 / 6);
  EXPECT_NE(e.ToText().find("macro-F1 0.4889"), std::string::npos);
}

TEST(HeldOutUnits, SplitsByUnitDeterministically) {
  Table t;
  for (int u = 1; u <= 10; ++u) t.unit.insert(t.unit.end(), 3, u);
  const auto a = HeldOutUnits(t, 0.2, 7);
  EXPECT_EQ(a.size(), 2u);
  EXPECT_EQ(a, HeldOutUnits(t, 0.2, 7));
  EXPECT_EQ(HeldOutUnits(t, 0.01, 7).size(), 1u);  // at least one
  EXPECT_EQ(HeldOutUnits(t, 0.99, 7).size(), 9u);  // and one left to train on
  EXPECT_TRUE(HeldOutUnits(t, 0, 7).empty());
}

TEST(ClassOrder, PutsHealthStatesInSeverityOrderFirst) {
  EXPECT_EQ(ClassOrder({"BROKEN", "idle", "HEALTHY", "", "WARNING", "HEALTHY", "FAULTY"}),
            (std::vector<std::string>{"HEALTHY", "WARNING", "FAULTY", "BROKEN", "idle"}));
}

// The test: a classifier trained on a small twin dataset beats a stated macro-F1 on lives
// of another seed. The twins' states sit in separate ISO 10816 zones, so 0.95 is the bar.
TEST(HealthClassifier, TrainedOnTwinLivesScoresMacroF1AboveNinetyFiveOnAnotherSeed) {
  testing::TempDir dir;
  const Table train = PumpLives(dir, "train", 12, 1);
  const Table other = PumpLives(dir, "other", 6, 2);
  auto trained = TrainHealthClassifier(train, SmallForest());
  ASSERT_TRUE(trained.ok()) << trained.status().message();
  EXPECT_EQ(trained->bundle.classes, (std::vector<std::string>{"HEALTHY", "WARNING", "FAULTY", "BROKEN"}));
  EXPECT_EQ(trained->held_out.units, 3u);
  EXPECT_GT(trained->held_out.macro_f1, 0.9);
  EXPECT_EQ(trained->bundle.metrics["held_out"]["units"], 3);

  ASSERT_TRUE(WriteBundle(dir.File("m.mwm"), trained->bundle).ok());
  auto bundle = ReadBundle(dir.File("m.mwm"));
  ASSERT_TRUE(bundle.ok());
  auto model = HealthModel::FromBundle(std::move(*bundle));
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto evaluation = EvaluateOnTable(*model, other);
  ASSERT_TRUE(evaluation.ok()) << evaluation.status().message();
  EXPECT_GE(evaluation->macro_f1, 0.95) << evaluation->ToText();
  EXPECT_EQ(evaluation->units, 6u);
}

TEST(HealthClassifier, BoostedModeTrainsToo) {
  testing::TempDir dir;
  HealthTrainSpec spec = SmallForest();
  spec.params.mode = TreeMode::kBoosted;
  spec.params.trees = 20;
  auto trained = TrainHealthClassifier(PumpLives(dir, "train", 8, 3), spec);
  ASSERT_TRUE(trained.ok()) << trained.status().message();
  EXPECT_GT(trained->held_out.macro_f1, 0.9);
  EXPECT_EQ(trained->bundle.params["mode"], "boosted");
}

TEST(HealthClassifier, RefusesABundleThatDoesNotHangTogether) {
  testing::TempDir dir;
  auto trained = TrainHealthClassifier(PumpLives(dir, "train", 4, 4), SmallForest());
  ASSERT_TRUE(trained.ok());
  ModelBundle fewer = trained->bundle;
  fewer.features.pop_back();
  fewer.scaler.mean.pop_back();
  fewer.scaler.scale.pop_back();
  EXPECT_EQ(HealthModel::FromBundle(fewer).status().code(), StatusCode::kCorruption);
  ModelBundle garbled = trained->bundle;
  garbled.model = "not a model";
  EXPECT_FALSE(HealthModel::FromBundle(garbled).ok());
  ModelBundle other_kind = trained->bundle;
  other_kind.kind = "rul_regressor";
  EXPECT_EQ(HealthModel::FromBundle(other_kind).status().code(), StatusCode::kInvalidArgument);
}

TEST(HealthClassifier, NeedsLabelsAndTwoClasses) {
  Table t;
  t.columns = {"x"};
  t.values = {1, 2};
  t.unit = {1, 2};
  t.time = {0, 0};
  EXPECT_FALSE(TrainHealthClassifier(t, {}).ok());
  t.label = {"A", "A"};
  HealthTrainSpec spec;
  spec.test_fraction = 0;
  EXPECT_FALSE(TrainHealthClassifier(t, spec).ok());
}

}  // namespace
}  // namespace mw::models
