#include "analytics/models/health_classifier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "analytics/models/health.h"
#include "core/clock.h"
#include "tests/analytics/models/twin_lives.h"
#include "tests/support/test_support.h"

namespace mw::models {
namespace {

const std::vector<std::string> kSignals = {"vibration_x",         "vibration_y",        "vibration_z",
                                           "bearing_temperature", "discharge_pressure", "motor_current"};

ModelBundle Trained(const Table& table, std::vector<std::string> features, int version) {
  HealthTrainSpec spec;
  spec.features = std::move(features);
  spec.params.mode = TreeMode::kRandomForest;
  spec.params.trees = 20;
  spec.params.threads = 1;
  spec.test_fraction = 0;
  spec.version = version;
  auto trained = TrainHealthClassifier(table, spec);
  EXPECT_TRUE(trained.ok()) << trained.status().message();
  return trained->bundle;
}

// Replaces the file as `millwright train` does: write beside it, rename over it.
void Install(const ModelBundle& bundle, const std::string& path) {
  ASSERT_TRUE(WriteBundle(path, bundle).ok());
}

class HealthClassifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    train_ = PumpLives(dir_, "train", 6, 1);
    judge_ = PumpLives(dir_, "judge", 3, 2);
    path_ = dir_.File("pump.mwm");
    Install(Trained(train_, kSignals, 1), path_);
    asset_ = catalog_.AddAsset("plant/pump-1", "pump");
    for (const std::string& s : kSignals) series_.push_back(catalog_.InternSeries(asset_, s));
  }

  std::unique_ptr<HealthClassifier> Make(std::int64_t reload_interval) {
    auto slot = ModelSlot::Open(path_, kHealthClassifierKind, {}, reload_interval, metrics_);
    EXPECT_TRUE(slot.ok()) << slot.status().message();
    slot_ = *slot;
    return std::make_unique<HealthClassifier>(slot_, "health_state", catalog_, clock_, metrics_,
                                              "classifier");
  }

  // Feeds row r of the judged table as one record (one sample per signal, one timestamp).
  void Feed(HealthClassifier& c, std::size_t r, pipeline::ProcessorOutput& out) {
    const Timestamp t = static_cast<Timestamp>(r + 1) * kNanosPerSecond;
    for (std::size_t i = 0; i < kSignals.size(); ++i) {
      c.Process({series_[i], t, judge_.row(r)[i], Quality::kGood}, out);
    }
  }

  SeriesId StateSeries() { return *catalog_.FindSeries(asset_, "health_state"); }

  testing::TempDir dir_;
  Table train_, judge_;
  std::string path_;
  Catalog catalog_;
  MetricsRegistry metrics_;
  SimulatedClock clock_{1};
  AssetId asset_ = kInvalidAsset;
  std::vector<SeriesId> series_;
  std::shared_ptr<ModelSlot> slot_;
};

TEST_F(HealthClassifierTest, ScoresEveryRecordOnceWithStateAndProbabilities) {
  auto c = Make(0);
  Batch derived;
  std::vector<Event> events;
  pipeline::ProcessorOutput out{derived, events};
  for (std::size_t r = 0; r < judge_.rows(); ++r) Feed(*c, r, out);
  const SeriesId state = StateSeries();
  const SeriesId p_broken = *catalog_.FindSeries(asset_, "health_state.p_broken");
  std::size_t states = 0, correct = 0, probabilities = 0;
  const std::vector<std::string> order{"HEALTHY", "WARNING", "FAULTY", "BROKEN"};
  for (std::size_t i = 0; i < derived.size(); ++i) {
    if (derived.series[i] == p_broken) ++probabilities;
    if (derived.series[i] != state) continue;
    const std::size_t row = static_cast<std::size_t>(derived.times[i] / kNanosPerSecond) - 1;
    correct += order[static_cast<std::size_t>(derived.values[i])] == judge_.label[row];
    ++states;
  }
  EXPECT_EQ(states, judge_.rows());
  EXPECT_EQ(probabilities, judge_.rows());
  EXPECT_GT(static_cast<double>(correct) / static_cast<double>(states), 0.97);
  // The pumps of three lives go HEALTHY -> ... -> BROKEN and then the next life starts: at least
  // three state changes per life, each an event.
  EXPECT_GE(events.size(), 9u);
  EXPECT_EQ(metrics_.CounterTotal("mw_model_records_scored_total"), judge_.rows());
}

TEST_F(HealthClassifierTest, ScoresARecordWithAMissingSignalWhenTheNextOneStarts) {
  auto c = Make(0);
  Batch derived;
  std::vector<Event> events;
  pipeline::ProcessorOutput out{derived, events};
  c->Process({series_[0], 10, 1.0, Quality::kGood}, out);  // only one signal at t = 10
  EXPECT_TRUE(derived.empty());
  c->Process({series_[0], 20, 1.0, Quality::kGood}, out);
  ASSERT_FALSE(derived.empty());
  EXPECT_EQ(derived.times[0], 10);
  EXPECT_EQ(metrics_.CounterTotal("mw_model_records_incomplete_total"), 1u);
  c->Process({series_[1], 5, 1.0, Quality::kGood}, out);  // late: its record is gone
  EXPECT_EQ(metrics_.CounterTotal("mw_model_records_scored_total"), 1u);
}

// The test: hot reload under load loses and duplicates nothing. A writer thread replaces
// the bundle again and again (good versions and one damaged file) while records stream through.
TEST_F(HealthClassifierTest, HotReloadUnderLoadScoresEveryRecordExactlyOnce) {
  auto c = Make(1);  // check the file at every record
  const ModelBundle v2 = Trained(train_, kSignals, 2);
  const ModelBundle v3 = Trained(train_, {"vibration_x", "vibration_x.mean10", "bearing_temperature"}, 3);
  std::atomic<bool> done{false};
  std::atomic<int> installs{0};
  std::thread writer([&] {
    for (int k = 0; !done.load(); ++k) {
      if (k % 5 == 4) {
        testing::WriteFile(path_ + ".tmp", "damaged");
        std::filesystem::rename(path_ + ".tmp", path_);
      } else {
        Install(k % 2 ? v2 : v3, path_);
      }
      installs.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
    }
  });
  Batch derived;
  std::vector<Event> events;
  pipeline::ProcessorOutput out{derived, events};
  std::size_t fed = 0;
  // Until the writer has replaced the file a dozen times and a damaged one has been seen: scoring
  // is fast (compiled trees), so a fixed number of passes can end before the writer gets going.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (int pass = 0;
       pass < 2 || installs.load() < 12 || metrics_.CounterTotal("mw_model_reload_refusals_total") == 0;
       ++pass) {
    if (std::chrono::steady_clock::now() > deadline) break;
    for (std::size_t r = 0; r < judge_.rows(); r += 7, ++fed) {
      clock_.Advance(kNanosPerMilli);
      Feed(*c, (r + static_cast<std::size_t>(pass)) % judge_.rows(), out);
      if (fed % 50 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  done = true;
  writer.join();
  // Every record: exactly one state sample. Rows repeat across passes, so count by (pass, row)
  // order: the n-th record's state is the n-th state sample.
  std::size_t states = 0;
  for (std::size_t i = 0; i < derived.size(); ++i) states += derived.series[i] == StateSeries();
  EXPECT_EQ(states, fed);
  EXPECT_EQ(metrics_.CounterTotal("mw_model_records_scored_total"), fed);
  EXPECT_GT(slot_->generation(), 2u);
  EXPECT_GT(metrics_.CounterTotal("mw_model_reload_refusals_total"), 0u);
  std::size_t model_events = 0;
  for (const Event& e : events) model_events += e.kind == EventKind::kModel;
  EXPECT_EQ(model_events, slot_->generation() - 1);
}

TEST_F(HealthClassifierTest, RefusesADamagedBundleAndKeepsServingTheOldModel) {
  auto c = Make(1);
  std::string bytes = testing::ReadFile(path_);
  bytes[bytes.size() / 2] ^= 0x5a;
  testing::WriteFile(path_ + ".tmp", bytes);
  std::filesystem::rename(path_ + ".tmp", path_);
  clock_.Advance(kNanosPerSecond);
  EXPECT_FALSE(slot_->Poll(clock_.Steady()));
  EXPECT_EQ(slot_->generation(), 1u);
  EXPECT_EQ(slot_->Current()->bundle().version, 1);
  EXPECT_NE(slot_->Describe()["last_refusal"].get<std::string>().find("checksum"), std::string::npos);
  EXPECT_EQ(metrics_.CounterTotal("mw_model_reload_refusals_total"), 1u);
  Batch derived;
  std::vector<Event> events;
  pipeline::ProcessorOutput out{derived, events};
  Feed(*c, 0, out);
  EXPECT_FALSE(derived.empty());
}

TEST_F(HealthClassifierTest, RefusesAModelThatReadsASignalTheRecordsLack) {
  auto slot = ModelSlot::Open(path_, kHealthClassifierKind, {"vibration_x"}, 1, metrics_);
  ASSERT_FALSE(slot.ok());
  EXPECT_NE(slot.status().message().find("vibration_y"), std::string::npos);
}

TEST_F(HealthClassifierTest, TheFactoryNamesAMissingModelFile) {
  pipeline::Options options;
  options.Put("model", dir_.File("none.mwm"), true);
  options.Put("signals", std::vector<std::string>{}, false);
  options.Put("output", std::string("health_state"), false);
  options.Put("reload_interval", std::int64_t{0}, false);
  Config config;
  pipeline::PluginContext ctx{"classifier", catalog_, metrics_, clock_, config, nullptr, {}};
  auto plugin = HealthClassifier::Descriptor().factory(options, ctx);
  ASSERT_FALSE(plugin.ok());
  EXPECT_NE(plugin.status().message().find("none.mwm"), std::string::npos);
}

}  // namespace
}  // namespace mw::models
