#include "analytics/models/rul.h"

#include <gtest/gtest.h>

#include <cmath>

#include "analytics/models/bundle.h"
#include "tests/analytics/models/exponential_units.h"
#include "tests/support/test_support.h"

namespace mw::models {
namespace {

struct HeldOut {
  double rmse = 0, coverage = 0;
};

HeldOut Score(const RulModel& model, const Table& test, RulEstimator estimator) {
  auto rows = model.PredictRows(test, estimator);
  EXPECT_TRUE(rows.ok()) << rows.status().message();
  const std::vector<double> rul = RowRul(test);
  std::vector<double> predicted, truth;
  double inside = 0;
  for (std::size_t i = 0; i < rul.size(); ++i) {
    const RulEstimate& e = (*rows)[i].estimate;
    truth.push_back(std::min(rul[i], kCap));
    predicted.push_back(e.rul);
    inside += truth.back() >= e.lower && truth.back() <= e.upper ? 1 : 0;
    EXPECT_LE(e.lower, e.rul);
    EXPECT_LE(e.rul, e.upper);
  }
  return {Rmse(predicted, truth), inside / static_cast<double>(truth.size())};
}

class RulOnExponentialDegradation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto fitted = RulModel::Fit(ExponentialUnits(30, 1), SmallOptions());
    ASSERT_TRUE(fitted.ok()) << fitted.status().message();
    model_ = new RulModel(std::move(*fitted));
    test_ = new Table(ExponentialUnits(12, 2));
  }
  static void TearDownTestSuite() {
    delete model_;
    delete test_;
  }
  static RulModel* model_;
  static Table* test_;
};
RulModel* RulOnExponentialDegradation::model_ = nullptr;
Table* RulOnExponentialDegradation::test_ = nullptr;

// Tolerance: RMSE over every row of units never seen in training, within 10 % of the cap (10 cycles).
TEST_F(RulOnExponentialDegradation, RegressorPredictsUnseenUnitsWithinTenPercentOfTheCap) {
  EXPECT_LT(Score(*model_, *test_, RulEstimator::kRegressor).rmse, 0.10 * kCap);
}

// The trend model knows nothing but the health index and the population's lines, and a line through
// ln(D - phi) bends where the index leaves its noise floor: 20 % of the cap (today about 15 %).
TEST_F(RulOnExponentialDegradation, TrendModelPredictsUnseenUnitsWithinTwentyPercentOfTheCap) {
  EXPECT_LT(Score(*model_, *test_, RulEstimator::kTrend).rmse, 0.20 * kCap);
}

TEST_F(RulOnExponentialDegradation, BlendIsNoWorseThanTheRegressorByMoreThanACycle) {
  EXPECT_LT(Score(*model_, *test_, RulEstimator::kBlend).rmse,
            Score(*model_, *test_, RulEstimator::kRegressor).rmse + 1);
}

// The 80 % intervals are calibrated out of fold: on unseen units they hold the truth 70 % of the time
// or more (rows of one unit are correlated, so the rate is looser than 80 % +- sampling error).
TEST_F(RulOnExponentialDegradation, IntervalsHoldTheTruthAtLeastSeventyPercentOfTheTime) {
  for (const RulEstimator e : {RulEstimator::kRegressor, RulEstimator::kTrend, RulEstimator::kBlend}) {
    EXPECT_GE(Score(*model_, *test_, e).coverage, 0.70) << RulEstimatorName(e);
  }
}

TEST_F(RulOnExponentialDegradation, DropsTheColumnThatDoesNotVaryWithLife) {
  for (const std::string& f : model_->bundle().features) EXPECT_EQ(f.find("noise"), std::string::npos) << f;
  EXPECT_EQ(model_->bundle().features.size(), 12u);  // a, b, c, d: value, mean15, slope30
}

TEST_F(RulOnExponentialDegradation, SurvivesABundleFileRoundTripWithTheSamePredictions) {
  testing::TempDir dir;
  ModelBundle bundle = model_->bundle();
  bundle.created = "2026-01-01T00:00:00Z";
  ASSERT_TRUE(WriteBundle(dir.File("rul.mwm"), bundle).ok());
  auto read = ReadBundle(dir.File("rul.mwm"));
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->kind, kRulKind);
  auto loaded = RulModel::FromBundle(std::move(*read));
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  for (const RulEstimator e : {RulEstimator::kRegressor, RulEstimator::kTrend, RulEstimator::kBlend}) {
    auto before = model_->PredictLast(*test_, e);
    auto after = loaded->PredictLast(*test_, e);
    ASSERT_TRUE(before.ok() && after.ok());
    ASSERT_EQ(before->size(), 12u);
    for (std::size_t i = 0; i < before->size(); ++i) {
      EXPECT_EQ((*after)[i].unit, (*before)[i].unit);
      EXPECT_NEAR((*after)[i].estimate.rul, (*before)[i].estimate.rul, 1e-3);
      EXPECT_NEAR((*after)[i].estimate.lower, (*before)[i].estimate.lower, 1e-3);
      EXPECT_NEAR((*after)[i].estimate.upper, (*before)[i].estimate.upper, 1e-3);
    }
  }
}

TEST_F(RulOnExponentialDegradation, TrackerGivesRecordByRecordWhatPredictRowsGivesOverTheTable) {
  const std::vector<double> age = RowAge(*test_, model_->rul_per_time());
  for (const RulEstimator e : {RulEstimator::kRegressor, RulEstimator::kTrend, RulEstimator::kBlend}) {
    auto rows = model_->PredictRows(*test_, e);
    ASSERT_TRUE(rows.ok());
    std::unique_ptr<RulTracker> tracker;
    for (std::size_t i = 0; i < test_->rows(); ++i) {
      if (i == 0 || test_->unit[i] != test_->unit[i - 1]) {
        auto created = RulTracker::Create(*model_, test_->columns);
        ASSERT_TRUE(created.ok()) << created.status().message();
        tracker = std::make_unique<RulTracker>(std::move(*created));
      }
      const std::span<const float> values(test_->row(i), test_->columns.size());
      auto live = tracker->Update(values, age[i], e);
      ASSERT_TRUE(live.ok()) << live.status().message();
      const RulEstimate& offline = (*rows)[i].estimate;
      ASSERT_NEAR(live->rul, offline.rul, 1e-3) << RulEstimatorName(e) << " row " << i;
      ASSERT_NEAR(live->lower, offline.lower, 1e-3) << RulEstimatorName(e) << " row " << i;
      ASSERT_NEAR(live->upper, offline.upper, 1e-3) << RulEstimatorName(e) << " row " << i;
    }
  }
}

TEST(RulTrackerBadInput, ARecordWithoutAFeaturesSignalIsAnError) {
  RulOptions o = SmallOptions();
  o.booster.trees = 5;
  auto model = RulModel::Fit(ExponentialUnits(6, 9), o);
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto tracker = RulTracker::Create(*model, {"a", "b"});
  ASSERT_FALSE(tracker.ok());
  EXPECT_NE(tracker.status().message().find("no signal 'c'"), std::string::npos)
      << tracker.status().message();
}

TEST_F(RulOnExponentialDegradation, LastRowOfEachUnitIsNearFailure) {
  auto last = model_->PredictLast(*test_, RulEstimator::kBlend);
  ASSERT_TRUE(last.ok());
  for (const RulRow& r : *last) EXPECT_LT(r.estimate.rul, 10) << "unit " << r.unit;
}

TEST(TrendTracker, FindsTheEndOfAnExactExponentialFromItsReadings) {
  // D = phi + theta exp(b t) with theta = 0.2, b = 0.02: ln(D - phi) = ln 0.2 + 0.02 t reaches the
  // threshold ln 1.2 (D = 1, failure) at t = ln 6 / 0.02 = 89.6.
  TrendParams p;
  p.phi = -0.2;
  p.prior_mean = {std::log(0.2) + 0.5, 0.01};  // a wrong prior...
  p.prior_cov = {1, 0, 1e-3};                  // ...held loosely
  p.noise_var = 1e-4;
  p.threshold_mean = std::log(1.2);
  p.threshold_sd = 0.01;
  TrendTracker tracker(p);
  const double end = std::log(6.0) / 0.02;
  for (int t = 0; t <= 40; ++t) tracker.Update(t, 1 - (p.phi + 0.2 * std::exp(0.02 * t)));
  EXPECT_NEAR(tracker.Point(40, 1000), end - 40, 0.02 * (end - 40));
  const RulEstimate e = tracker.Estimate(40, 1000);
  EXPECT_LE(e.lower, end - 40);
  EXPECT_GE(e.upper, end - 40);
  EXPECT_LT(e.upper - e.lower, 0.2 * (end - 40));
}

TEST(TrendTracker, ReportsTheCapWhenNothingDegrades) {
  TrendParams p;
  p.prior_mean = {-2, 0};
  p.prior_cov = {1, 0, 1e-8};
  p.threshold_mean = 0;
  TrendTracker tracker(p);
  for (int t = 0; t < 20; ++t) tracker.Update(t, 1.0);
  EXPECT_EQ(tracker.Point(20, kCap), kCap);
}

TEST(RulTargets, ComeFromTheLastTimeOfEachUnitOrTheTargetColumn) {
  Table t;
  t.columns = {"x"};
  t.values = {1, 2, 3, 4, 5};
  t.unit = {7, 7, 7, 8, 8};
  t.time = {10, 11, 12, 5, 9};
  EXPECT_EQ(RowRul(t), (std::vector<double>{2, 1, 0, 4, 0}));
  auto per_time = RulPerTimeUnit(t, RowRul(t));
  ASSERT_TRUE(per_time.ok());
  EXPECT_DOUBLE_EQ(*per_time, 1);
  // The twins: time in ms, RUL in seconds.
  t.time = {0, 1000, 2000, 0, 4000};
  t.target = {2, 1, 0, 4, 0};
  per_time = RulPerTimeUnit(t, RowRul(t));
  ASSERT_TRUE(per_time.ok());
  EXPECT_NEAR(*per_time, 0.001, 1e-12);
  EXPECT_EQ(RowAge(t, *per_time), (std::vector<double>{0, 1, 2, 0, 4}));
}

TEST(RulScores, MatchHandComputedRmseAndPhm08) {
  const std::vector<double> predicted{10, 0, 5}, truth{0, 13, 5};
  EXPECT_NEAR(Rmse(predicted, truth), std::sqrt((100.0 + 169.0) / 3), 1e-12);
  EXPECT_NEAR(Phm08Score(predicted, truth), 2 * (std::exp(1.0) - 1), 1e-12);  // late by 10, early by 13
}

TEST(IntervalTable, WidensWhereTheResidualsAreWide) {
  std::vector<double> predicted, truth;
  std::mt19937 random(3);
  std::normal_distribution<double> unit(0, 1);
  for (int i = 0; i < 2000; ++i) {
    const double p = i % 100;
    predicted.push_back(p);
    truth.push_back(p + unit(random) * (1 + p / 10));  // spread grows with the prediction
  }
  auto table = IntervalTable::Fit(predicted, truth, 0.8, 4);
  ASSERT_TRUE(table.ok());
  const RulEstimate low = table->Apply(10, 1000), high = table->Apply(90, 1000);
  EXPECT_LT(low.upper - low.lower, high.upper - high.lower);
  EXPECT_NEAR(high.upper - high.lower, 2 * 1.2816 * 10, 4);  // the 10th..90th percentile of N(0, 10)
}

TEST(RulBadInput, ATargetThatGrowsWithTimeIsAnErrorNotACrash) {
  Table t = ExponentialUnits(6, 4);
  t.target.resize(t.rows());
  for (std::size_t i = 0; i < t.rows(); ++i) t.target[i] = t.time[i];
  auto model = RulModel::Fit(t, SmallOptions());
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(model.status().message().find("does not fall"), std::string::npos) << model.status().message();
}

TEST(RulBadInput, AFeatureOfAMissingColumnIsAnError) {
  RulOptions o = SmallOptions();
  o.features = {"a", "vibration.mean10"};
  auto model = RulModel::Fit(ExponentialUnits(6, 5), o);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("vibration"), std::string::npos) << model.status().message();
}

TEST(RulBadInput, FewerUnitsThanFoldsIsAnError) {
  auto model = RulModel::Fit(ExponentialUnits(3, 6), SmallOptions());
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("3 units"), std::string::npos) << model.status().message();
}

TEST(RulBadInput, AModelOfAnotherKindOrWithoutItsParamsIsRejected) {
  ModelBundle bundle;
  bundle.kind = "health_classifier";
  EXPECT_EQ(RulModel::FromBundle(bundle).status().code(), StatusCode::kCorruption);
  bundle.kind = kRulKind;
  bundle.params = {{"cap", 125}};
  EXPECT_EQ(RulModel::FromBundle(bundle).status().code(), StatusCode::kCorruption);
}

TEST(RulBadInput, PredictingOnATableWithoutTheModelsColumnsIsAnError) {
  RulOptions o = SmallOptions();
  o.features = {"a", "b.mean15"};
  auto model = RulModel::Fit(ExponentialUnits(6, 7), o);
  ASSERT_TRUE(model.ok()) << model.status().message();
  Table other = ExponentialUnits(2, 8);
  other.columns[1] = "renamed";
  auto rows = model->PredictLast(other, RulEstimator::kBlend);
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mw::models
