// AlarmEngine: every rule of every asset, evaluated as samples and events arrive, each alarm with its
// lifecycle, every change journaled to disk and announced to the notice listeners.
//
// One alarm per asset x rule of the asset's template (the asset's own version of a rule when it has
// one; none for a rule turned off), created when the engine opens (declared assets) or with the
// asset's first sample (discovered ones). Its id is stable across restarts:
// 16 hex digits of a hash of the asset path and the rule name.
//
// Samples: a sample of a series a rule names updates that alarm's condition trackers; the alarm is
// evaluated when the next sample is later than it (so that the signals of one record are all in
// before judging them) and at the end of the batch. Evaluation goes suppression first, then the
// condition, at the sample's time (never earlier than the alarm's last evaluation). Anomaly events
// feed `event()` the same way.
//
// Time: Tick(now) evaluates the alarms whose delays, staleness windows, shelving or escalation fall
// due; Start() runs it on a thread of its own, waking at NextDeadline().
//
// Persistence: each change is one journal record (the change and the alarm's whole state after it),
// written and synced before OnBatch or the operator action returns. Open() replays the journal, so
// after kill -9 the alarms are exactly what they were (conditions then follow the next samples).
// The newest `history_limit` records are kept in memory for the API.
//
// Thread-safe: one mutex guards everything. NoticeListener::OnNotice is called under it, in journal
// order, and must not block.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "alarms/journal_file.h"
#include "alarms/lifecycle.h"
#include "alarms/rule.h"
#include "core/catalog.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "core/types.h"

namespace mw::alarms {

// One change of one alarm, as journaled and announced. Encode/DecodeRecord: the journal's payload
// (JSON; NaN values as null).
struct AlarmRecord {
  std::uint64_t seq = 0;  // 1, 2, ... over the engine's life (the journal's order)
  std::string id, asset, template_name, rule;
  Severity severity = Severity::kWarning;
  int priority = 3;
  JournalEntry entry;
  AlarmLifecycle::Snapshot after;
  double limit = 0;     // NaN when the rule has no comparison
  std::string message;  // the rule's message at the time
};

std::string EncodeRecord(const AlarmRecord& record);
Result<AlarmRecord> DecodeRecord(std::string_view payload);

// An alarm as the API lists it.
struct AlarmView {
  std::string id, asset, rule;
  Severity severity = Severity::kWarning;
  int priority = 3;
  AlarmLifecycle::Snapshot state;
  double value = 0, limit = 0;  // the condition's current value and limit (NaN: none)
  std::string message;          // with the current value
  std::string condition;        // the rule's `when`
  bool annunciated = false;
};

struct AlarmFilter {
  std::optional<AlarmState> state;  // nullopt: every state but normal, unless `all`
  std::optional<Severity> severity;
  std::string asset;  // exact path; empty: any
  bool all = false;   // include normal alarms
};

class NoticeListener {
 public:
  virtual ~NoticeListener() = default;
  virtual void OnNotice(const AlarmRecord& record) = 0;
};

struct EngineOptions {
  std::string journal_path;            // empty: nothing persisted (tests, check-config)
  std::size_t history_limit = 100000;  // records kept in memory
};

// Operator actions on one alarm.
enum class OperatorAction : std::uint8_t {
  kAcknowledge,
  kShelve,
  kUnshelve,
  kComment,
  kRemoveFromService,
  kReturnToService
};

class AlarmEngine {
 public:
  // `rules` are the configuration's (RulesOf); the catalog, metrics and clock must outlive the engine.
  AlarmEngine(std::vector<Rule> rules, const Catalog& catalog, MetricsRegistry& metrics, const Clock& clock,
              EngineOptions options);
  ~AlarmEngine();
  AlarmEngine(const AlarmEngine&) = delete;
  AlarmEngine& operator=(const AlarmEngine&) = delete;

  // Replays the journal and creates the alarms of every asset the catalog knows. Call once, first.
  Status Open();
  // Listeners are added before samples flow; not owned.
  void AddListener(NoticeListener* listener);

  // Samples (raw and derived) and events from one pipeline batch.
  void OnBatch(const Batch& samples, const std::vector<Event>& events);
  // Evaluates what has fallen due by `now`.
  void Tick(Timestamp now);
  // The earliest time Tick has something to do; INT64_MAX when nothing is pending.
  Timestamp NextDeadline() const;

  // The timer thread (Tick at each deadline, by the clock). Stop is idempotent.
  void Start();
  void Stop();

  // NotFound for an unknown id; FailedPrecondition when the action does not apply (the lifecycle's
  // message). `until` is for kShelve only. Journaled (and synced) before returning.
  Status Act(std::string_view id, OperatorAction action, std::string_view user, std::string_view comment,
             Timestamp until = 0);

  std::vector<AlarmView> List(const AlarmFilter& filter) const;
  std::optional<AlarmView> Get(std::string_view id) const;
  // The records in memory of one alarm (id non-empty) or all, with from <= time <= to, oldest first,
  // at most `limit` (the newest ones when there are more).
  std::vector<AlarmRecord> History(std::string_view id, Timestamp from, Timestamp to,
                                   std::size_t limit) const;

  std::size_t alarm_count() const;
  std::uint64_t evaluations() const { return evaluations_->Value(); }
  std::uint64_t journal_cut_bytes() const { return cut_bytes_; }

  // The id of the alarm of `rule` on `asset`.
  static std::string IdOf(std::string_view asset, std::string_view rule);

 private:
  struct Alarm;
  struct Binding {
    Alarm* alarm;
    int signal;
    bool suppress;  // the suppress_when condition's signal, else the condition's
  };

  // The alarms of `asset` (created, or found when restored, on first use); empty if its template
  // has no rules.
  const std::vector<Alarm*>& AlarmsOf(AssetId asset);
  Alarm& AlarmFor(const Rule& rule, const std::string& asset_path);
  // The rule `rule` of `asset`: the asset's version if it has one, else its template's; null when
  // there is none or it is turned off (enabled = false).
  const Rule* FindRule(std::string_view template_name, std::string_view rule, std::string_view asset) const;
  const std::vector<Binding>& BindingsOf(SeriesId series);
  void Evaluate(Alarm& alarm, Timestamp t);
  void TickLocked(Timestamp now);
  // Turns the lifecycle's new entries (scratch_) of `alarm` into records.
  void Commit(Alarm& alarm);
  // Writes the new records to the journal, then announces them. The journal's status.
  Status Publish();
  static Timestamp DeadlineOf(const Alarm& alarm);
  Status Restore(const std::string& payload);
  AlarmView ViewOf(const Alarm& alarm) const;
  void TimerLoop();

  std::vector<Rule> rules_;
  std::map<std::string, std::vector<const Rule*>, std::less<>> rules_by_template_;
  std::map<std::pair<std::string, std::string>, const Rule*> asset_rules_;  // (asset, rule name)
  const Catalog& catalog_;
  const Clock& clock_;
  EngineOptions options_;

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Alarm>, std::less<>> alarms_;  // by id
  std::unordered_map<SeriesId, std::vector<Binding>> bindings_;
  std::unordered_map<AssetId, std::vector<Alarm*>> by_asset_;
  std::vector<Alarm*> touched_;  // evaluated at the end of a batch
  std::vector<JournalEntry> scratch_;
  std::vector<AlarmRecord> unpublished_;  // records of the current call, not yet journaled
  std::deque<AlarmRecord> history_;
  std::uint64_t seq_ = 0;
  std::uint64_t cut_bytes_ = 0;
  std::unique_ptr<JournalFile> journal_;
  std::vector<NoticeListener*> listeners_;
  Timestamp next_deadline_;

  std::condition_variable wake_;
  std::thread timer_;
  bool stopping_ = false;

  Counter* evaluations_;
  Counter* transitions_;
  Counter* journal_errors_;
  Gauge* active_;
};

// "acknowledge", "shelve", ...; nullopt for an unknown word.
std::optional<OperatorAction> ParseOperatorAction(std::string_view word);

}  // namespace mw::alarms
