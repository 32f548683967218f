#include "analytics/models/rul_detector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "analytics/models/bundle.h"
#include "analytics/models/health.h"
#include "core/clock.h"
#include "tests/analytics/models/exponential_units.h"
#include "tests/support/test_support.h"

namespace mw::models {
namespace {

constexpr Timestamp kStart = 1'700'000'000 * kNanosPerSecond;

// One model per suite: fitting is the slow part.
class RulDetectorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    RulOptions o = SmallOptions();
    o.booster.trees = 60;
    auto fitted = RulModel::Fit(ExponentialUnits(12, 3), o);
    ASSERT_TRUE(fitted.ok()) << fitted.status().message();
    model_ = new RulModel(std::move(*fitted));
  }
  static void TearDownTestSuite() { delete model_; }

  void SetUp() override {
    path_ = dir_.File("rul.mwm");
    ASSERT_TRUE(WriteBundle(path_, model_->bundle()).ok());
    unit_ = SelectUnits(ExponentialUnits(2, 4), {1});
    asset_ = catalog_.AddAsset("plant/engine-1", "engine");
    for (const std::string& s : unit_.columns) series_.push_back(catalog_.InternSeries(asset_, s));
  }

  std::unique_ptr<RulDetector> Make(RulDetector::Settings settings) {
    auto slot = ModelSlot::Open(path_, kRulKind, {}, 0, metrics_);
    EXPECT_TRUE(slot.ok()) << slot.status().message();
    return std::make_unique<RulDetector>(*slot, std::move(settings), catalog_, clock_, metrics_, "rul");
  }

  // Row r as one record at kStart + r * step, every signal with one timestamp.
  void Feed(RulDetector& d, std::size_t r, Timestamp step, pipeline::ProcessorOutput& out) {
    const Timestamp t = kStart + static_cast<Timestamp>(r) * step;
    for (std::size_t i = 0; i < series_.size(); ++i)
      d.Process({series_[i], t, unit_.row(r)[i], Quality::kGood}, out);
  }

  // The derived values of one series, by time.
  std::map<Timestamp, double> Values(const Batch& batch, const std::string& signal) {
    const SeriesId id = *catalog_.FindSeries(asset_, signal);
    std::map<Timestamp, double> out;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (batch.series[i] == id) {
        EXPECT_TRUE(out.emplace(batch.times[i], batch.values[i]).second) << "twice";
      }
    }
    return out;
  }

  static RulModel* model_;
  testing::TempDir dir_;
  std::string path_;
  Table unit_;
  Catalog catalog_;
  MetricsRegistry metrics_;
  SimulatedClock clock_{1};
  AssetId asset_ = kInvalidAsset;
  std::vector<SeriesId> series_;
};
RulModel* RulDetectorTest::model_ = nullptr;

TEST_F(RulDetectorTest, EachRecordGetsTheOfflineEstimateItsIntervalAndADate) {
  // The model's time is cycles (no clock): a record is a cycle, here one every 10 minutes.
  ASSERT_EQ(model_->time_unit_ns(), 0);
  EXPECT_EQ(model_->RulUnit(), "cycles");
  auto d = Make({});
  Batch derived;
  std::vector<Event> events;
  pipeline::ProcessorOutput out{derived, events};
  const Timestamp step = 600 * kNanosPerSecond;
  for (std::size_t r = 0; r < unit_.rows(); ++r) Feed(*d, r, step, out);

  auto offline = model_->PredictRows(unit_, RulEstimator::kBlend);
  ASSERT_TRUE(offline.ok());
  const auto rul = Values(derived, "rul"), lower = Values(derived, "rul.lower"),
             upper = Values(derived, "rul.upper"), next = Values(derived, "rul.next_maintenance");
  ASSERT_EQ(rul.size(), unit_.rows());
  ASSERT_EQ(lower.size(), unit_.rows());
  ASSERT_EQ(upper.size(), unit_.rows());
  ASSERT_EQ(next.size(), unit_.rows() - 1);  // the first record says nothing about the rate
  for (std::size_t r = 0; r < unit_.rows(); ++r) {
    const Timestamp t = kStart + static_cast<Timestamp>(r) * step;
    const RulEstimate& e = (*offline)[r].estimate;
    ASSERT_NEAR(rul.at(t), e.rul, 1e-3) << "row " << r;
    ASSERT_NEAR(lower.at(t), e.lower, 1e-3) << "row " << r;
    ASSERT_NEAR(upper.at(t), e.upper, 1e-3) << "row " << r;
    if (r > 0) {
      ASSERT_NEAR(next.at(t), (static_cast<double>(t) + e.lower * 600e9) / 1e9, 1e-3) << "row " << r;
    }
  }
  // Near the end of its life, the engine is due now or within a few cycles.
  EXPECT_LT(rul.rbegin()->second, 10);
  EXPECT_EQ(metrics_.CounterTotal("mw_model_records_scored_total"), unit_.rows());
  EXPECT_EQ(metrics_.CounterTotal("mw_model_prediction_failures_total"), 0u);
}

TEST_F(RulDetectorTest, AClockModelDatesTheNextMaintenanceFromItsTimeUnitLessTheLead) {
  // The same lives in milliseconds, as the twins' ts_ms tables are: RUL in ms.
  Table clocked = ExponentialUnits(12, 3);
  for (double& t : clocked.time) t *= 1000;
  clocked.time_unit_ns = kNanosPerMilli;
  RulOptions o = SmallOptions();
  o.cap = kCap * 1000;
  o.booster.trees = 30;
  auto model = RulModel::Fit(clocked, o);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ(model->RulUnit(), "ms");
  ASSERT_TRUE(WriteBundle(path_, model->bundle()).ok());
  RulDetector::Settings settings;
  settings.output = "life";
  settings.estimator = RulEstimator::kRegressor;
  settings.lead_ns = 3 * kNanosPerSecond;
  auto d = Make(settings);
  Batch derived;
  std::vector<Event> events;
  pipeline::ProcessorOutput out{derived, events};
  for (std::size_t r = 0; r < 20; ++r) Feed(*d, r, kNanosPerSecond, out);  // a cycle is 1 s = 1000 ms
  const auto lower = Values(derived, "life.lower"), next = Values(derived, "life.next_maintenance");
  ASSERT_EQ(next.size(), 20u);
  for (const auto& [t, due] : next) {
    const double expected =
        std::max(static_cast<double>(t) + lower.at(t) * 1e6 - 3e9, static_cast<double>(t));
    EXPECT_NEAR(due, expected / 1e9, 1e-3);
  }
  // Early in life the engine has most of its life ahead: the date is far beyond the lead.
  EXPECT_GT(next.begin()->second, static_cast<double>(kStart) / 1e9 + 30);
}

TEST_F(RulDetectorTest, ANewBundleStartsTheAssetAfreshAndIsAnnounced) {
  auto slot = ModelSlot::Open(path_, kRulKind, {}, 1, metrics_);
  ASSERT_TRUE(slot.ok());
  RulDetector d(*slot, {}, catalog_, clock_, metrics_, "rul");
  Batch derived;
  std::vector<Event> events;
  pipeline::ProcessorOutput out{derived, events};
  for (std::size_t r = 0; r < 50; ++r) Feed(d, r, kNanosPerSecond, out);
  ModelBundle next = model_->bundle();
  next.version = 2;
  std::filesystem::remove(path_);  // a new inode: the slot sees a new file
  ASSERT_TRUE(WriteBundle(path_, next).ok());
  clock_.Advance(10);
  for (std::size_t r = 50; r < 60; ++r) Feed(d, r, kNanosPerSecond, out);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::kModel);
  EXPECT_NE(events[0].message.find("version 2 in service"), std::string::npos) << events[0].message;
  EXPECT_EQ((*slot)->CurrentAs<RulModel>()->bundle().version, 2);
  // Every record scored once, across the swap.
  EXPECT_EQ(Values(derived, "rul").size(), 60u);
}

TEST_F(RulDetectorTest, ASlotServesOneKindAndRefusesTheOther) {
  auto as_classifier = ModelSlot::Open(path_, kHealthClassifierKind, {}, 0, metrics_);
  ASSERT_FALSE(as_classifier.ok());
  EXPECT_NE(as_classifier.status().message().find("'rul_regressor'"), std::string::npos)
      << as_classifier.status().message();
  auto& registry = ModelRegistry::Global();
  auto served = registry.Get(path_, kRulKind, {}, 0, metrics_);
  ASSERT_TRUE(served.ok()) << served.status().message();
  EXPECT_EQ(registry.Find(path_), *served);
  auto again = registry.Get(path_, kHealthClassifierKind, {}, 0, metrics_);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("already served as a 'rul_regressor'"), std::string::npos)
      << again.status().message();
}

TEST(RulDetectorPlugin, RejectsAnUnknownEstimatorNamingTheOption) {
  const auto d = RulDetector::Descriptor();
  const auto& options = d.options;
  const auto it =
      std::find_if(options.begin(), options.end(), [](const auto& o) { return o.key == "estimator"; });
  ASSERT_NE(it, options.end());
  EXPECT_EQ(it->check(pipeline::OptionValue(std::string("blend"))), "");
  EXPECT_NE(it->check(pipeline::OptionValue(std::string("median"))), "");
}

}  // namespace
}  // namespace mw::models
