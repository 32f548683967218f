// One alarm's lifecycle, as ISA-18.2 describes it.
//
//   normal ──condition──▶ active unacknowledged ──ack──▶ active acknowledged
//     ▲                        │ clear                         │ clear
//     │                        ▼                               │
//     └──────ack────── cleared unacknowledged ◀────────────────┘ (to normal)
//                         (active again: back to active unacknowledged)
//
// Beside that state, three ways to keep an alarm from being annunciated, each journaled: shelved (by
// an operator, until a time, then it comes back by itself), out of service (by an operator, until
// returned), and suppressed by design (a rule's machine-state condition, e.g. the machine is
// stopped). While any of them holds, the condition is still followed but the alarm is not shown; when
// the last of them ends, the alarm takes the state the condition is in then (active: unacknowledged
// again; clear: normal).
//
// Escalation: an alarm left active and unacknowledged for `escalate_after` escalates once, then is
// re-notified every `renotify_every` until acknowledged or cleared.
//
// Every change appends a JournalEntry to the caller's vector; operator actions that do not apply
// (acknowledging a normal alarm, unshelving one not shelved) return FailedPrecondition and change
// nothing. Not thread-safe: the alarm engine owns its alarms.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace mw::alarms {

enum class AlarmState : std::uint8_t { kNormal, kActiveUnacked, kActiveAcked, kClearedUnacked };

enum class AlarmAction : std::uint8_t {
  kActivate,
  kClear,
  kAcknowledge,
  kShelve,
  kUnshelve,
  kShelveExpired,
  kSuppress,
  kUnsuppress,
  kRemoveFromService,
  kReturnToService,
  kEscalate,
  kRenotify,
  kComment,
};

// "normal", "active_unacked", "active_acked", "cleared_unacked".
const char* AlarmStateName(AlarmState state);
// "activate", "clear", "acknowledge", "shelve", ...
const char* AlarmActionName(AlarmAction action);
// The inverses of the two above; nullopt for a word that is not a name.
std::optional<AlarmState> ParseAlarmState(std::string_view word);
std::optional<AlarmAction> ParseAlarmAction(std::string_view word);

struct JournalEntry {
  Timestamp time = 0;
  AlarmAction action = AlarmAction::kActivate;
  AlarmState from = AlarmState::kNormal;
  AlarmState to = AlarmState::kNormal;
  double value = 0;  // the rule's value at the time (NaN for operator actions without one)
  std::string user;
  std::string comment;
};

struct EscalationPolicy {
  std::int64_t escalate_after = 0;  // ns; 0: never
  std::int64_t renotify_every = 0;  // ns after escalating; 0: once
};

class AlarmLifecycle {
 public:
  explicit AlarmLifecycle(EscalationPolicy policy = {}) : policy_(policy) {}

  // The rule's condition became active or clear (edges only; repeating a level is a no-op).
  void OnCondition(bool active, Timestamp t, double value, std::vector<JournalEntry>& journal);
  // Suppression by design starts or ends.
  void SetSuppressed(bool suppressed, Timestamp t, std::vector<JournalEntry>& journal);

  Status Acknowledge(Timestamp t, std::string_view user, std::string_view comment,
                     std::vector<JournalEntry>& journal);
  // `until` > t.
  Status Shelve(Timestamp t, Timestamp until, std::string_view user, std::string_view comment,
                std::vector<JournalEntry>& journal);
  Status Unshelve(Timestamp t, std::string_view user, std::string_view comment,
                  std::vector<JournalEntry>& journal);
  Status SetOutOfService(bool out, Timestamp t, std::string_view user, std::string_view comment,
                         std::vector<JournalEntry>& journal);
  void Comment(Timestamp t, std::string_view user, std::string_view comment,
               std::vector<JournalEntry>& journal);

  // Time passes: shelving expires, escalation and re-notification fall due.
  void Tick(Timestamp t, std::vector<JournalEntry>& journal);
  // The earliest time Tick has something to do, or INT64_MAX.
  Timestamp NextDeadline() const;

  AlarmState state() const { return state_; }
  bool condition() const { return condition_; }
  bool shelved() const { return shelved_until_ != 0; }
  Timestamp shelved_until() const { return shelved_until_; }
  bool out_of_service() const { return out_of_service_; }
  bool suppressed() const { return suppressed_; }
  bool escalated() const { return escalated_; }
  // Shown to operators: not normal, and not shelved, out of service or suppressed.
  bool annunciated() const { return state_ != AlarmState::kNormal && !Hidden(); }
  Timestamp since() const { return since_; }  // when the state last changed

  // Restores a saved alarm (the engine's persistence); no journal.
  struct Snapshot {
    AlarmState state = AlarmState::kNormal;
    bool condition = false;
    Timestamp since = 0;
    Timestamp shelved_until = 0;
    bool out_of_service = false;
    bool suppressed = false;
    bool escalated = false;
    Timestamp next_notice = 0;
  };
  Snapshot Save() const;
  void Restore(const Snapshot& s);

 private:
  bool Hidden() const { return shelved_until_ != 0 || out_of_service_ || suppressed_; }
  void Move(AlarmState to, AlarmAction action, Timestamp t, double value, std::string_view user,
            std::string_view comment, std::vector<JournalEntry>& journal);
  // The last of shelved / out of service / suppressed ended: take the condition's state.
  void Reveal(AlarmAction action, Timestamp t, std::string_view user, std::string_view comment,
              std::vector<JournalEntry>& journal);
  void Hide(AlarmAction action, Timestamp t, std::string_view user, std::string_view comment,
            std::vector<JournalEntry>& journal);

  EscalationPolicy policy_;
  AlarmState state_ = AlarmState::kNormal;
  bool condition_ = false;
  double last_value_ = 0;
  Timestamp since_ = 0;
  Timestamp shelved_until_ = 0;  // 0: not shelved
  bool out_of_service_ = false;
  bool suppressed_ = false;
  bool escalated_ = false;
  Timestamp next_notice_ = 0;  // escalation or re-notification due; 0: none
};

}  // namespace mw::alarms
