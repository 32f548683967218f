#include "alarms/lifecycle.h"

#include <algorithm>
#include <limits>

namespace mw::alarms {

const char* AlarmStateName(AlarmState state) {
  switch (state) {
    case AlarmState::kNormal:
      return "normal";
    case AlarmState::kActiveUnacked:
      return "active_unacked";
    case AlarmState::kActiveAcked:
      return "active_acked";
    case AlarmState::kClearedUnacked:
      return "cleared_unacked";
  }
  return "?";
}

const char* AlarmActionName(AlarmAction action) {
  switch (action) {
    case AlarmAction::kActivate:
      return "activate";
    case AlarmAction::kClear:
      return "clear";
    case AlarmAction::kAcknowledge:
      return "acknowledge";
    case AlarmAction::kShelve:
      return "shelve";
    case AlarmAction::kUnshelve:
      return "unshelve";
    case AlarmAction::kShelveExpired:
      return "shelve_expired";
    case AlarmAction::kSuppress:
      return "suppress";
    case AlarmAction::kUnsuppress:
      return "unsuppress";
    case AlarmAction::kRemoveFromService:
      return "remove_from_service";
    case AlarmAction::kReturnToService:
      return "return_to_service";
    case AlarmAction::kEscalate:
      return "escalate";
    case AlarmAction::kRenotify:
      return "renotify";
    case AlarmAction::kComment:
      return "comment";
  }
  return "?";
}

std::optional<AlarmState> ParseAlarmState(std::string_view word) {
  for (int i = 0; i <= static_cast<int>(AlarmState::kClearedUnacked); ++i)
    if (word == AlarmStateName(static_cast<AlarmState>(i))) return static_cast<AlarmState>(i);
  return std::nullopt;
}

std::optional<AlarmAction> ParseAlarmAction(std::string_view word) {
  for (int i = 0; i <= static_cast<int>(AlarmAction::kComment); ++i)
    if (word == AlarmActionName(static_cast<AlarmAction>(i))) return static_cast<AlarmAction>(i);
  return std::nullopt;
}

void AlarmLifecycle::Move(AlarmState to, AlarmAction action, Timestamp t, double value, std::string_view user,
                          std::string_view comment, std::vector<JournalEntry>& journal) {
  journal.push_back({t, action, state_, to, value, std::string(user), std::string(comment)});
  if (to == state_) return;
  if (to == AlarmState::kActiveUnacked) {
    escalated_ = false;
    next_notice_ = policy_.escalate_after > 0 ? t + policy_.escalate_after : 0;
  } else {
    escalated_ = false;
    next_notice_ = 0;
  }
  state_ = to;
  since_ = t;
}

void AlarmLifecycle::OnCondition(bool active, Timestamp t, double value, std::vector<JournalEntry>& journal) {
  if (active == condition_) return;
  condition_ = active;
  last_value_ = value;
  const AlarmAction action = active ? AlarmAction::kActivate : AlarmAction::kClear;
  if (Hidden()) {
    // Followed and journaled, not shown: the state stays normal until the alarm is revealed.
    Move(state_, action, t, value, "", "", journal);
    return;
  }
  AlarmState to = state_;
  if (active) {
    to = AlarmState::kActiveUnacked;  // from normal, or active again before anyone acknowledged
  } else if (state_ == AlarmState::kActiveUnacked) {
    to = AlarmState::kClearedUnacked;
  } else if (state_ == AlarmState::kActiveAcked) {
    to = AlarmState::kNormal;
  }
  Move(to, action, t, value, "", "", journal);
}

Status AlarmLifecycle::Acknowledge(Timestamp t, std::string_view user, std::string_view comment,
                                   std::vector<JournalEntry>& journal) {
  if (state_ == AlarmState::kActiveUnacked) {
    Move(AlarmState::kActiveAcked, AlarmAction::kAcknowledge, t, last_value_, user, comment, journal);
  } else if (state_ == AlarmState::kClearedUnacked) {
    Move(AlarmState::kNormal, AlarmAction::kAcknowledge, t, last_value_, user, comment, journal);
  } else {
    return Status::FailedPrecondition(std::string("nothing to acknowledge: the alarm is ") +
                                      AlarmStateName(state_));
  }
  return Status::Ok();
}

void AlarmLifecycle::Hide(AlarmAction action, Timestamp t, std::string_view user, std::string_view comment,
                          std::vector<JournalEntry>& journal) {
  Move(AlarmState::kNormal, action, t, last_value_, user, comment, journal);
}

void AlarmLifecycle::Reveal(AlarmAction action, Timestamp t, std::string_view user, std::string_view comment,
                            std::vector<JournalEntry>& journal) {
  if (Hidden()) {  // another reason still holds
    Move(state_, action, t, last_value_, user, comment, journal);
    return;
  }
  Move(condition_ ? AlarmState::kActiveUnacked : AlarmState::kNormal, action, t, last_value_, user, comment,
       journal);
}

Status AlarmLifecycle::Shelve(Timestamp t, Timestamp until, std::string_view user, std::string_view comment,
                              std::vector<JournalEntry>& journal) {
  if (until <= t) return Status::InvalidArgument("a shelving must end after it starts");
  shelved_until_ = until;  // shelving a shelved alarm again moves the end
  Hide(AlarmAction::kShelve, t, user, comment, journal);
  return Status::Ok();
}

Status AlarmLifecycle::Unshelve(Timestamp t, std::string_view user, std::string_view comment,
                                std::vector<JournalEntry>& journal) {
  if (!shelved()) return Status::FailedPrecondition("the alarm is not shelved");
  shelved_until_ = 0;
  Reveal(AlarmAction::kUnshelve, t, user, comment, journal);
  return Status::Ok();
}

Status AlarmLifecycle::SetOutOfService(bool out, Timestamp t, std::string_view user, std::string_view comment,
                                       std::vector<JournalEntry>& journal) {
  if (out == out_of_service_)
    return Status::FailedPrecondition(out ? "the alarm is already out of service"
                                          : "the alarm is in service");
  out_of_service_ = out;
  if (out) {
    Hide(AlarmAction::kRemoveFromService, t, user, comment, journal);
  } else {
    Reveal(AlarmAction::kReturnToService, t, user, comment, journal);
  }
  return Status::Ok();
}

void AlarmLifecycle::SetSuppressed(bool suppressed, Timestamp t, std::vector<JournalEntry>& journal) {
  if (suppressed == suppressed_) return;
  suppressed_ = suppressed;
  if (suppressed) {
    Hide(AlarmAction::kSuppress, t, "", "", journal);
  } else {
    Reveal(AlarmAction::kUnsuppress, t, "", "", journal);
  }
}

void AlarmLifecycle::Comment(Timestamp t, std::string_view user, std::string_view comment,
                             std::vector<JournalEntry>& journal) {
  Move(state_, AlarmAction::kComment, t, last_value_, user, comment, journal);
}

void AlarmLifecycle::Tick(Timestamp t, std::vector<JournalEntry>& journal) {
  if (shelved() && t >= shelved_until_) {
    shelved_until_ = 0;
    Reveal(AlarmAction::kShelveExpired, t, "", "", journal);
  }
  if (next_notice_ == 0 || t < next_notice_ || state_ != AlarmState::kActiveUnacked) return;
  const AlarmAction action = escalated_ ? AlarmAction::kRenotify : AlarmAction::kEscalate;
  journal.push_back({t, action, state_, state_, last_value_, "", ""});
  escalated_ = true;
  if (policy_.renotify_every <= 0) {
    next_notice_ = 0;
    return;
  }
  while (next_notice_ <= t) next_notice_ += policy_.renotify_every;  // one notice however late the tick
}

Timestamp AlarmLifecycle::NextDeadline() const {
  Timestamp next = std::numeric_limits<Timestamp>::max();
  if (shelved()) next = shelved_until_;
  if (next_notice_ != 0) next = std::min(next, next_notice_);
  return next;
}

AlarmLifecycle::Snapshot AlarmLifecycle::Save() const {
  return {state_, condition_, since_, shelved_until_, out_of_service_, suppressed_, escalated_, next_notice_};
}

void AlarmLifecycle::Restore(const Snapshot& s) {
  state_ = s.state;
  condition_ = s.condition;
  since_ = s.since;
  shelved_until_ = s.shelved_until;
  out_of_service_ = s.out_of_service;
  suppressed_ = s.suppressed;
  escalated_ = s.escalated;
  next_notice_ = s.next_notice;
}

}  // namespace mw::alarms
