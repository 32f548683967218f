#include "alarms/engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "analytics/detectors/register.h"
#include "tests/support/test_support.h"

namespace mw::alarms {
namespace {

constexpr Timestamp kSecond = 1'000'000'000;
constexpr Timestamp kStart = 1'700'000'000 * kSecond;

const char* kPlant = R"toml(
[templates.pump]
signals = [{ name = "vibration_x", unit = "mm/s" }, { name = "running" }, { name = "motor_current" }]

[[templates.pump.alarms]]
name = "vibration_high"
when = "vibration_x > 7.1"
deadband = 0.3
suppress_when = "running == 0"
severity = "major"
priority = 2
message = "{asset}: vibration {value} mm/s above {limit}"

[[templates.pump.alarms]]
name = "current_high"
when = "motor_current > 40"
on_delay = "5s"
off_delay = "2s"
severity = "minor"

[[templates.pump.alarms]]
name = "no_current_data"
when = "stale(motor_current, 30s)"
severity = "warning"
priority = 4

[[templates.pump.alarms]]
name = "vibration_anomaly"
when = "event(vibration_x, 1m)"
severity = "warning"
escalate_after = "10m"
renotify_every = "5m"

[[assets]]
path = "plant/pump-01"
template = "pump"
)toml";

AlarmFilter Filter(bool all = false) {
  AlarmFilter f;
  f.all = all;
  return f;
}
AlarmFilter WithSeverity(Severity severity) {
  AlarmFilter f;
  f.severity = severity;
  return f;
}
AlarmFilter WithState(AlarmState state) {
  AlarmFilter f;
  f.state = state;
  return f;
}
AlarmFilter WithAsset(const std::string& asset) {
  AlarmFilter f;
  f.asset = asset;
  return f;
}

class Recorder : public NoticeListener {
 public:
  void OnNotice(const AlarmRecord& record) override { records.push_back(record); }
  std::vector<AlarmRecord> records;
};

class AlarmEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    analytics::RegisterDetectors(registry_);
    ConfigLoad load = ParseConfig(kPlant, "plant.toml");
    ASSERT_TRUE(load.ok());
    config_ = load.config;
    std::vector<ConfigError> errors;
    rules_ = RulesOf(config_, registry_, errors);
    ASSERT_TRUE(errors.empty()) << errors[0].ToString();
    pump_ = catalog_.AddAsset("plant/pump-01", "pump");
    for (const char* s : {"vibration_x", "running", "motor_current"})
      series_[s] = catalog_.InternSeries(pump_, s);
  }

  std::unique_ptr<AlarmEngine> Open(const std::string& journal = "") {
    auto engine =
        std::make_unique<AlarmEngine>(rules_, catalog_, metrics_, clock_, EngineOptions{journal, 1000});
    EXPECT_TRUE(engine->Open().ok());
    engine->AddListener(&recorder_);
    return engine;
  }

  // One batch of samples of pump-01: {signal, value} at time t.
  void Feed(AlarmEngine& engine, Timestamp t, std::initializer_list<std::pair<const char*, double>> values) {
    Batch batch;
    for (const auto& [signal, value] : values) batch.Append({series_.at(signal), t, value, Quality::kGood});
    engine.OnBatch(batch, {});
  }

  AlarmState StateOf(AlarmEngine& engine, const std::string& rule) {
    return engine.Get(AlarmEngine::IdOf("plant/pump-01", rule))->state.state;
  }

  std::vector<AlarmAction> ActionsOf(const std::string& rule) const {
    std::vector<AlarmAction> out;
    for (const AlarmRecord& r : recorder_.records)
      if (r.rule == rule) out.push_back(r.entry.action);
    return out;
  }

  pipeline::PluginRegistry registry_;
  Config config_;
  std::vector<Rule> rules_;
  Catalog catalog_;
  MetricsRegistry metrics_;
  SimulatedClock clock_{kStart};
  AssetId pump_ = kInvalidAsset;
  std::map<std::string, SeriesId> series_;
  Recorder recorder_;
};

TEST_F(AlarmEngineTest, OpensOneAlarmPerRuleOfEveryDeclaredAsset) {
  auto engine = Open();
  EXPECT_EQ(engine->alarm_count(), 4u);
  EXPECT_TRUE(engine->List(Filter()).empty());  // all normal
  EXPECT_EQ(engine->List(Filter(true)).size(), 4u);
  EXPECT_EQ(AlarmEngine::IdOf("plant/pump-01", "vibration_high").size(), 16u);
  EXPECT_NE(AlarmEngine::IdOf("plant/pump-01", "a"), AlarmEngine::IdOf("plant/pump-0", "1a"));
}

TEST_F(AlarmEngineTest, AValueHoveringAtTheLimitRaisesOneAlarm) {
  auto engine = Open();
  const std::vector<double> hovering = {7.0, 7.2, 6.95, 7.15, 6.9, 7.3, 7.0, 7.2};
  Timestamp t = kStart;
  Feed(*engine, t, {{"running", 1}});
  for (const double v : hovering) Feed(*engine, t += kSecond, {{"vibration_x", v}});
  EXPECT_EQ(ActionsOf("vibration_high"), std::vector<AlarmAction>{AlarmAction::kActivate});
  EXPECT_EQ(StateOf(*engine, "vibration_high"), AlarmState::kActiveUnacked);
  Feed(*engine, t += kSecond, {{"vibration_x", 6.7}});  // below 7.1 - 0.3
  EXPECT_EQ(StateOf(*engine, "vibration_high"), AlarmState::kClearedUnacked);
  const AlarmRecord& raised = recorder_.records.front();
  EXPECT_EQ(raised.entry.value, 7.2);
  EXPECT_EQ(raised.limit, 7.1);
  EXPECT_EQ(raised.message, "plant/pump-01: vibration 7.2 mm/s above 7.1");
  EXPECT_EQ(raised.severity, Severity::kMajor);
  EXPECT_EQ(raised.entry.time, kStart + 2 * kSecond);
}

TEST_F(AlarmEngineTest, OnDelayWaitsForTheTimerWhenNoSampleFollows) {
  auto engine = Open();
  Feed(*engine, kStart, {{"motor_current", 45}});
  EXPECT_EQ(StateOf(*engine, "current_high"), AlarmState::kNormal);
  EXPECT_LE(engine->NextDeadline(), kStart + 5 * kSecond);
  engine->Tick(kStart + 4 * kSecond);
  EXPECT_EQ(StateOf(*engine, "current_high"), AlarmState::kNormal);
  engine->Tick(kStart + 5 * kSecond);
  EXPECT_EQ(StateOf(*engine, "current_high"), AlarmState::kActiveUnacked);
  // Off delay: a dip shorter than 2 s changes nothing.
  Feed(*engine, kStart + 6 * kSecond, {{"motor_current", 30}});
  Feed(*engine, kStart + 7 * kSecond, {{"motor_current", 45}});
  engine->Tick(kStart + 10 * kSecond);
  EXPECT_EQ(StateOf(*engine, "current_high"), AlarmState::kActiveUnacked);
  EXPECT_EQ(ActionsOf("current_high"), std::vector<AlarmAction>{AlarmAction::kActivate});
}

TEST_F(AlarmEngineTest, MachineStateSuppressesWithinOneRecord) {
  auto engine = Open();
  // The vibration comes first in the batch, but the record says the machine is stopped.
  Feed(*engine, kStart, {{"vibration_x", 9}, {"running", 0}});
  const auto id = AlarmEngine::IdOf("plant/pump-01", "vibration_high");
  std::optional<AlarmView> v = engine->Get(id);
  EXPECT_TRUE(v->state.suppressed);
  EXPECT_FALSE(v->annunciated);
  Feed(*engine, kStart + kSecond, {{"running", 1}, {"vibration_x", 9}});
  v = engine->Get(id);
  EXPECT_FALSE(v->state.suppressed);
  EXPECT_TRUE(v->annunciated);
  EXPECT_EQ(v->state.state, AlarmState::kActiveUnacked);
}

TEST_F(AlarmEngineTest, SilenceRaisesTheStaleDataAlarmFromTheTimer) {
  auto engine = Open();
  Feed(*engine, kStart, {{"motor_current", 10}});
  engine->Tick(kStart + 30 * kSecond);
  EXPECT_EQ(StateOf(*engine, "no_current_data"), AlarmState::kNormal);
  EXPECT_LE(engine->NextDeadline(), kStart + 31 * kSecond);
  engine->Tick(kStart + 31 * kSecond);
  EXPECT_EQ(StateOf(*engine, "no_current_data"), AlarmState::kActiveUnacked);
  Feed(*engine, kStart + 40 * kSecond, {{"motor_current", 10}});
  EXPECT_EQ(StateOf(*engine, "no_current_data"), AlarmState::kClearedUnacked);
}

TEST_F(AlarmEngineTest, AnAnomalyEventHoldsTheEventAlarmForItsWindowThenEscalates) {
  auto engine = Open();
  Event e;
  e.kind = EventKind::kAnomaly;
  e.time = kStart;
  e.series = series_["vibration_x"];
  engine->OnBatch({}, {e});
  EXPECT_EQ(StateOf(*engine, "vibration_anomaly"), AlarmState::kActiveUnacked);
  engine->Tick(kStart + 61 * kSecond);  // the event left the window: clears
  EXPECT_EQ(StateOf(*engine, "vibration_anomaly"), AlarmState::kClearedUnacked);
  e.time = kStart + 100 * kSecond;
  engine->OnBatch({}, {e});
  // Still active 10 minutes later when events keep coming: escalates, then re-notifies every 5 min.
  for (Timestamp t = kStart + 130 * kSecond; t <= kStart + 1000 * kSecond; t += 30 * kSecond) {
    e.time = t;
    engine->OnBatch({}, {e});
    engine->Tick(t);
  }
  const std::vector<AlarmAction> actions = ActionsOf("vibration_anomaly");
  EXPECT_EQ(std::count(actions.begin(), actions.end(), AlarmAction::kEscalate), 1);
  // Active again at 100 s: escalates at 700 s, re-notifies at 1000 s.
  EXPECT_EQ(std::count(actions.begin(), actions.end(), AlarmAction::kRenotify), 1);
}

TEST_F(AlarmEngineTest, OperatorActionsAreCheckedAndJournaled) {
  auto engine = Open();
  const auto id = AlarmEngine::IdOf("plant/pump-01", "vibration_high");
  EXPECT_EQ(engine->Act("0000000000000000", OperatorAction::kAcknowledge, "ana", "").code(),
            StatusCode::kNotFound);
  EXPECT_EQ(engine->Act(id, OperatorAction::kAcknowledge, "ana", "").code(), StatusCode::kFailedPrecondition);
  Feed(*engine, kStart, {{"running", 1}, {"vibration_x", 9}});
  clock_.Set(kStart + kSecond);
  ASSERT_TRUE(engine->Act(id, OperatorAction::kAcknowledge, "ana", "bearing checked").ok());
  EXPECT_EQ(StateOf(*engine, "vibration_high"), AlarmState::kActiveAcked);
  ASSERT_TRUE(engine->Act(id, OperatorAction::kShelve, "ana", "maintenance", kStart + 60 * kSecond).ok());
  EXPECT_FALSE(engine->Get(id)->annunciated);
  engine->Tick(kStart + 61 * kSecond);  // the shelf expires: shown again, unacknowledged
  EXPECT_EQ(StateOf(*engine, "vibration_high"), AlarmState::kActiveUnacked);
  const std::vector<AlarmRecord> journal = engine->History(id, 0, kStart + 100 * kSecond, 100);
  ASSERT_EQ(journal.size(), 4u);
  EXPECT_EQ(journal[1].entry.user, "ana");
  EXPECT_EQ(journal[1].entry.comment, "bearing checked");
  EXPECT_EQ(journal[3].entry.action, AlarmAction::kShelveExpired);
  EXPECT_LT(journal[0].seq, journal[3].seq);
}

TEST_F(AlarmEngineTest, ListFiltersByStateSeverityAndAsset) {
  auto engine = Open();
  Feed(*engine, kStart, {{"running", 1}, {"vibration_x", 9}});
  engine->Tick(kStart + 31 * kSecond);  // no_current_data too
  EXPECT_EQ(engine->List(Filter()).size(), 2u);
  EXPECT_EQ(engine->List(Filter()).front().rule, "vibration_high");  // priority 2 before 4
  EXPECT_EQ(engine->List(WithSeverity(Severity::kWarning)).size(), 1u);
  EXPECT_EQ(engine->List(WithState(AlarmState::kNormal)).size(), 2u);
  EXPECT_TRUE(engine->List(WithAsset("plant/pump-02")).empty());
}

TEST_F(AlarmEngineTest, ADiscoveredAssetGetsItsAlarmsWithItsFirstSample) {
  auto engine = Open();
  const AssetId pump2 = catalog_.AddAsset("plant/pump-02", "pump");
  Batch batch;
  batch.Append({catalog_.InternSeries(pump2, "vibration_x"), kStart, 9, Quality::kGood});
  engine->OnBatch(batch, {});
  EXPECT_EQ(engine->alarm_count(), 8u);
  EXPECT_EQ(engine->Get(AlarmEngine::IdOf("plant/pump-02", "vibration_high"))->state.state,
            AlarmState::kActiveUnacked);
}

TEST_F(AlarmEngineTest, AnAssetsOwnVersionOfARuleAppliesToItAlone) {
  const std::string text = std::string(kPlant) + R"toml(
[[assets]]
path = "plant/pump-02"
template = "pump"
alarms = { vibration_high = { when = "vibration_x > 9", severity = "critical" }, no_current_data = { enabled = false } }
)toml";
  ConfigLoad load = ParseConfig(text, "plant.toml");
  ASSERT_TRUE(load.ok()) << load.errors[0].ToString();
  std::vector<ConfigError> errors;
  rules_ = RulesOf(load.config, registry_, errors);
  ASSERT_TRUE(errors.empty()) << errors[0].ToString();
  const AssetId pump2 = catalog_.AddAsset("plant/pump-02", "pump");
  auto engine = Open();
  EXPECT_EQ(engine->alarm_count(), 4u + 3u);  // pump-02 has no no_current_data alarm
  Batch batch;
  for (const AssetId a : {pump_, pump2}) {
    batch.Append(catalog_.InternSeries(a, "running"), kStart, 1);
    batch.Append(catalog_.InternSeries(a, "vibration_x"), kStart, 8);
  }
  engine->OnBatch(batch, {});
  EXPECT_EQ(StateOf(*engine, "vibration_high"), AlarmState::kActiveUnacked);
  const std::optional<AlarmView> own = engine->Get(AlarmEngine::IdOf("plant/pump-02", "vibration_high"));
  ASSERT_TRUE(own);
  EXPECT_EQ(own->state.state, AlarmState::kNormal);  // 8 is under pump-02's limit of 9
  EXPECT_EQ(own->severity, Severity::kCritical);
  EXPECT_EQ(own->priority, 2);  // the template's, not changed
  EXPECT_FALSE(engine->Get(AlarmEngine::IdOf("plant/pump-02", "no_current_data")));
}

TEST_F(AlarmEngineTest, AReopenedJournalRestoresEveryAlarmAndItsHistory) {
  testing::TempDir dir;
  const std::string journal = dir.File("alarms.journal");
  std::vector<AlarmView> before;
  {
    auto engine = Open(journal);
    Feed(*engine, kStart, {{"running", 1}, {"vibration_x", 9}, {"motor_current", 50}});
    engine->Tick(kStart + 5 * kSecond);
    ASSERT_TRUE(
        engine
            ->Act(AlarmEngine::IdOf("plant/pump-01", "current_high"), OperatorAction::kAcknowledge, "bo", "")
            .ok());
    before = engine->List(Filter(true));
  }
  auto engine = Open(journal);
  const std::vector<AlarmView> after = engine->List(Filter(true));
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].id, before[i].id);
    EXPECT_EQ(after[i].state.state, before[i].state.state) << after[i].rule;
    EXPECT_EQ(after[i].state.since, before[i].state.since) << after[i].rule;
  }
  EXPECT_EQ(engine->History("", 0, kStart + 100 * kSecond, 100).size(), 3u);
  // The condition carries on from the restored state: a normal value clears, no second activation.
  recorder_.records.clear();
  Feed(*engine, kStart + 10 * kSecond, {{"vibration_x", 9}});
  EXPECT_TRUE(ActionsOf("vibration_high").empty());
  Feed(*engine, kStart + 11 * kSecond, {{"vibration_x", 1}});
  EXPECT_EQ(ActionsOf("vibration_high"), std::vector<AlarmAction>{AlarmAction::kClear});
  EXPECT_EQ(recorder_.records.back().seq, 4u);
}

TEST_F(AlarmEngineTest, ATornJournalTailIsCutAndTheRestKept) {
  testing::TempDir dir;
  const std::string journal = dir.File("alarms.journal");
  {
    auto engine = Open(journal);
    Feed(*engine, kStart, {{"running", 1}, {"vibration_x", 9}});
  }
  {
    std::ofstream out(journal, std::ios::app | std::ios::binary);
    const std::string torn("\x40\x00\x00\x00garbage", 11);  // a header promising more than is there
    out << torn;
  }
  auto engine = Open(journal);
  EXPECT_EQ(engine->journal_cut_bytes(), 11u);
  EXPECT_EQ(StateOf(*engine, "vibration_high"), AlarmState::kActiveUnacked);
}

TEST_F(AlarmEngineTest, AJournalThatIsNotOursIsRefused) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("alarms.journal"), "hello, world");
  AlarmEngine engine(rules_, catalog_, metrics_, clock_, {dir.File("alarms.journal"), 10});
  const Status s = engine.Open();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("alarms.journal"), std::string::npos);
}

TEST_F(AlarmEngineTest, RecordsRoundTripThroughTheirEncoding) {
  AlarmRecord r;
  r.seq = 7;
  r.id = "00ff";
  r.asset = "a/b";
  r.template_name = "pump";
  r.rule = "x";
  r.severity = Severity::kCritical;
  r.priority = 1;
  r.entry = {kStart, AlarmAction::kShelve,  AlarmState::kActiveAcked, AlarmState::kActiveAcked, std::nan(""),
             "ana",  "a \"quoted\" comment"};
  r.after.shelved_until = kStart + 5;
  r.limit = 3.5;
  Result<AlarmRecord> back = DecodeRecord(EncodeRecord(r));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->entry.comment, r.entry.comment);
  EXPECT_TRUE(std::isnan(back->entry.value));
  EXPECT_EQ(back->after.shelved_until, kStart + 5);
  EXPECT_EQ(back->severity, Severity::kCritical);
  EXPECT_FALSE(DecodeRecord("{\"after\":{}}").ok());
  EXPECT_FALSE(DecodeRecord("not json").ok());
}

TEST_F(AlarmEngineTest, TheTimerThreadTicksOnItsOwn) {
  auto engine = Open();
  Feed(*engine, kStart, {{"motor_current", 45}});
  engine->Start();
  clock_.Set(kStart + 6 * kSecond);
  EXPECT_TRUE(
      testing::WaitUntil([&] { return StateOf(*engine, "current_high") == AlarmState::kActiveUnacked; }));
  engine->Stop();
}

}  // namespace
}  // namespace mw::alarms
