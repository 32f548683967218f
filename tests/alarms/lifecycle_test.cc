#include "alarms/lifecycle.h"

#include <gtest/gtest.h>

#include <limits>

namespace mw::alarms {
namespace {

constexpr Timestamp kS = kNanosPerSecond;

class Lifecycle : public ::testing::Test {
 protected:
  // The last journal entry as "action:from->to".
  std::string Last() const {
    if (journal_.empty()) return "";
    const JournalEntry& e = journal_.back();
    return std::string(AlarmActionName(e.action)) + ":" + AlarmStateName(e.from) + "->" +
           AlarmStateName(e.to);
  }
  AlarmLifecycle alarm_;
  std::vector<JournalEntry> journal_;
};

TEST_F(Lifecycle, ActivatedAcknowledgedThenClearedReturnsToNormal) {
  alarm_.OnCondition(true, 1 * kS, 9.5, journal_);
  EXPECT_EQ(Last(), "activate:normal->active_unacked");
  EXPECT_TRUE(alarm_.annunciated());
  ASSERT_TRUE(alarm_.Acknowledge(2 * kS, "ana", "looking", journal_).ok());
  EXPECT_EQ(Last(), "acknowledge:active_unacked->active_acked");
  EXPECT_EQ(journal_.back().user, "ana");
  EXPECT_EQ(journal_.back().comment, "looking");
  alarm_.OnCondition(false, 3 * kS, 6.0, journal_);
  EXPECT_EQ(Last(), "clear:active_acked->normal");
  EXPECT_FALSE(alarm_.annunciated());
  EXPECT_EQ(journal_.size(), 3u);
  EXPECT_EQ(journal_[0].value, 9.5);
  EXPECT_EQ(journal_[2].value, 6.0);
}

TEST_F(Lifecycle, ClearedBeforeAcknowledgedWaitsForTheAcknowledgement) {
  alarm_.OnCondition(true, 1 * kS, 9.5, journal_);
  alarm_.OnCondition(false, 2 * kS, 6.0, journal_);
  EXPECT_EQ(Last(), "clear:active_unacked->cleared_unacked");
  EXPECT_TRUE(alarm_.annunciated());
  // Active again before anyone looked: unacknowledged again.
  alarm_.OnCondition(true, 3 * kS, 9.7, journal_);
  EXPECT_EQ(Last(), "activate:cleared_unacked->active_unacked");
  alarm_.OnCondition(false, 4 * kS, 6.0, journal_);
  ASSERT_TRUE(alarm_.Acknowledge(5 * kS, "ana", "", journal_).ok());
  EXPECT_EQ(Last(), "acknowledge:cleared_unacked->normal");
  EXPECT_EQ(alarm_.state(), AlarmState::kNormal);
}

TEST_F(Lifecycle, RepeatedLevelsAndMisplacedActionsChangeNothing) {
  alarm_.OnCondition(false, 1 * kS, 0, journal_);
  EXPECT_TRUE(journal_.empty());
  EXPECT_EQ(alarm_.Acknowledge(1 * kS, "ana", "", journal_).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(alarm_.Unshelve(1 * kS, "ana", "", journal_).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(alarm_.SetOutOfService(false, 1 * kS, "ana", "", journal_).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(alarm_.Shelve(5 * kS, 5 * kS, "ana", "", journal_).code(), StatusCode::kInvalidArgument);
  alarm_.OnCondition(true, 2 * kS, 9, journal_);
  alarm_.OnCondition(true, 3 * kS, 10, journal_);
  ASSERT_TRUE(alarm_.Acknowledge(4 * kS, "ana", "", journal_).ok());
  EXPECT_EQ(alarm_.Acknowledge(5 * kS, "bob", "", journal_).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(journal_.size(), 2u);
}

TEST_F(Lifecycle, ShelvedAlarmFollowsItsConditionQuietlyAndComesBackWhenTheTimeRunsOut) {
  alarm_.OnCondition(true, 1 * kS, 9, journal_);
  ASSERT_TRUE(alarm_.Shelve(2 * kS, 60 * kS, "ana", "pump swap", journal_).ok());
  EXPECT_EQ(Last(), "shelve:active_unacked->normal");
  EXPECT_TRUE(alarm_.shelved());
  EXPECT_FALSE(alarm_.annunciated());
  alarm_.OnCondition(false, 10 * kS, 5, journal_);
  EXPECT_EQ(Last(), "clear:normal->normal");  // journaled, not shown
  alarm_.OnCondition(true, 20 * kS, 9, journal_);
  EXPECT_FALSE(alarm_.annunciated());
  EXPECT_EQ(alarm_.NextDeadline(), 60 * kS);
  alarm_.Tick(59 * kS, journal_);
  EXPECT_TRUE(alarm_.shelved());
  alarm_.Tick(60 * kS, journal_);
  EXPECT_EQ(Last(), "shelve_expired:normal->active_unacked");
  EXPECT_TRUE(alarm_.annunciated());
}

TEST_F(Lifecycle, UnshelvingAClearAlarmLeavesItNormal) {
  alarm_.OnCondition(true, 1 * kS, 9, journal_);
  ASSERT_TRUE(alarm_.Shelve(2 * kS, 60 * kS, "ana", "", journal_).ok());
  alarm_.OnCondition(false, 3 * kS, 5, journal_);
  ASSERT_TRUE(alarm_.Unshelve(4 * kS, "ana", "done", journal_).ok());
  EXPECT_EQ(Last(), "unshelve:normal->normal");
  EXPECT_FALSE(alarm_.shelved());
  EXPECT_EQ(alarm_.NextDeadline(), std::numeric_limits<Timestamp>::max());
}

TEST_F(Lifecycle, OutOfServiceAndSuppressionStackAndTheLastToEndRevealsTheAlarm) {
  alarm_.OnCondition(true, 1 * kS, 9, journal_);
  ASSERT_TRUE(alarm_.SetOutOfService(true, 2 * kS, "ana", "sensor replaced", journal_).ok());
  EXPECT_EQ(Last(), "remove_from_service:active_unacked->normal");
  alarm_.SetSuppressed(true, 3 * kS, journal_);  // the machine stopped
  EXPECT_EQ(Last(), "suppress:normal->normal");
  ASSERT_TRUE(alarm_.SetOutOfService(false, 4 * kS, "ana", "", journal_).ok());
  EXPECT_EQ(Last(), "return_to_service:normal->normal");  // still suppressed
  EXPECT_FALSE(alarm_.annunciated());
  alarm_.SetSuppressed(false, 5 * kS, journal_);
  EXPECT_EQ(Last(), "unsuppress:normal->active_unacked");
  EXPECT_TRUE(alarm_.annunciated());
}

TEST(LifecycleEscalation, EscalatesOnceThenRenotifiesUntilAcknowledged) {
  AlarmLifecycle alarm({.escalate_after = 60 * kS, .renotify_every = 30 * kS});
  std::vector<JournalEntry> journal;
  alarm.OnCondition(true, 0, 9, journal);
  EXPECT_EQ(alarm.NextDeadline(), 60 * kS);
  alarm.Tick(59 * kS, journal);
  EXPECT_EQ(journal.size(), 1u);
  alarm.Tick(60 * kS, journal);
  ASSERT_EQ(journal.size(), 2u);
  EXPECT_EQ(journal.back().action, AlarmAction::kEscalate);
  EXPECT_TRUE(alarm.escalated());
  alarm.Tick(200 * kS, journal);  // a late tick: one notice, and the next on the grid
  ASSERT_EQ(journal.size(), 3u);
  EXPECT_EQ(journal.back().action, AlarmAction::kRenotify);
  EXPECT_EQ(alarm.NextDeadline(), 210 * kS);
  ASSERT_TRUE(alarm.Acknowledge(205 * kS, "ana", "", journal).ok());
  EXPECT_FALSE(alarm.escalated());
  EXPECT_EQ(alarm.NextDeadline(), std::numeric_limits<Timestamp>::max());
  alarm.Tick(400 * kS, journal);
  EXPECT_EQ(journal.size(), 4u);
}

TEST(LifecycleEscalation, AClearedAlarmDoesNotEscalate) {
  AlarmLifecycle alarm({.escalate_after = 60 * kS});
  std::vector<JournalEntry> journal;
  alarm.OnCondition(true, 0, 9, journal);
  alarm.OnCondition(false, 10 * kS, 5, journal);
  alarm.Tick(100 * kS, journal);
  EXPECT_EQ(journal.size(), 2u);
}

TEST(LifecycleSnapshot, RestoresExactlyWhatWasSaved) {
  AlarmLifecycle alarm({.escalate_after = 60 * kS});
  std::vector<JournalEntry> journal;
  alarm.OnCondition(true, 5 * kS, 9, journal);
  ASSERT_TRUE(alarm.Shelve(6 * kS, 100 * kS, "ana", "", journal).ok());
  alarm.OnCondition(false, 7 * kS, 4, journal);
  AlarmLifecycle copy({.escalate_after = 60 * kS});
  copy.Restore(alarm.Save());
  EXPECT_EQ(copy.state(), alarm.state());
  EXPECT_EQ(copy.shelved_until(), 100 * kS);
  EXPECT_EQ(copy.condition(), false);
  EXPECT_EQ(copy.since(), alarm.since());
  copy.Tick(100 * kS, journal);
  EXPECT_EQ(copy.state(), AlarmState::kNormal);
}

}  // namespace
}  // namespace mw::alarms
