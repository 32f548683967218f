// The subscription engine without a network: publishing cycles driven by explicit times.
#include "opcua/server/subscriptions.h"

#include <gtest/gtest.h>

#include "opcua/encoding/status_code_names.h"
#include "opcua/services/codec.h"
#include "tests/opcua/server/test_plant.h"

namespace mw::opcua::server {
namespace {

using std::chrono::milliseconds;

struct NullSink : ResponseSink {
  void SendResponse(std::uint32_t, const PublishResponse&) override {}
};

class SubscriptionEngineTest : public ::testing::Test {
 protected:
  SubscriptionEngineTest() : plant_(testing::AddTestPlant(space_, 4)) {}

  std::uint32_t Subscribe(double interval, std::uint32_t keep_alive, std::uint32_t lifetime) {
    CreateSubscriptionRequest r;
    r.requested_publishing_interval = interval;
    r.requested_max_keep_alive_count = keep_alive;
    r.requested_lifetime_count = lifetime;
    CreateSubscriptionResponse out = engine_.Create(kSession, r);
    now_ = SteadyClock::now();  // the first cycle is due one interval after creation
    EXPECT_TRUE(out.response_header.service_result.IsGood());
    return out.subscription_id;
  }
  MonitoredItemCreateResult Monitor(std::uint32_t sub, const NodeId& node, std::uint32_t queue,
                                    ExtensionObject filter = {}) {
    CreateMonitoredItemsRequest r;
    r.subscription_id = sub;
    r.timestamps_to_return = TimestampsToReturn::kBoth;
    MonitoredItemCreateRequest item;
    item.item_to_monitor.node_id = node;
    item.monitoring_mode = MonitoringMode::kReporting;
    item.requested_parameters.client_handle = 7;
    item.requested_parameters.sampling_interval = 0;
    item.requested_parameters.queue_size = queue;
    item.requested_parameters.filter = std::move(filter);
    r.items_to_create.push_back(item);
    return engine_.CreateItems(kSession, r).results.at(0);
  }
  std::vector<PublishResult> Publish(std::vector<SubscriptionAcknowledgement> acks = {}) {
    PublishRequest r;
    r.request_header.request_handle = ++handle_;
    r.subscription_acknowledgements = std::move(acks);
    return engine_.Publish(kSession, sink_, handle_, r, now_, SteadyClock::time_point::max());
  }
  std::vector<PublishResult> Advance(milliseconds by) {
    now_ += by;
    SteadyClock::time_point next;
    return engine_.Tick(now_, next);
  }
  void Set(const NodeId& node, Variant v) {
    DataValue dv;
    dv.value = std::move(v);
    ASSERT_TRUE(space_.SetValue(node, dv).ok());
  }
  static std::vector<MonitoredItemNotification> Changes(const PublishResult& r) {
    if (r.response.notification_message.notification_data.empty()) return {};
    DataChangeNotification n;
    EXPECT_TRUE(FromExtensionObject(r.response.notification_message.notification_data[0], n).ok());
    return n.monitored_items;
  }

  static constexpr std::uint32_t kSession = 1;
  AddressSpace space_{"urn:test"};
  SubscriptionEngine engine_{space_, SubscriptionLimits{}};
  testing::TestPlant plant_;
  std::shared_ptr<NullSink> sink_ = std::make_shared<NullSink>();
  SteadyClock::time_point now_ = SteadyClock::now();
  std::uint32_t handle_ = 0;
};

TEST_F(SubscriptionEngineTest, FirstCycleAnswersWithTheInitialValues) {
  const std::uint32_t sub = Subscribe(100, 3, 30);
  ASSERT_TRUE(Monitor(sub, plant_.Id("Pump1.Speed"), 1).status_code.IsGood());
  EXPECT_TRUE(Publish().empty());  // queued until the cycle
  auto out = Advance(milliseconds(100));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].response.subscription_id, sub);
  EXPECT_EQ(out[0].response.notification_message.sequence_number, 1u);
  ASSERT_EQ(Changes(out[0]).size(), 1u);
  EXPECT_EQ(Changes(out[0])[0].client_handle, 7u);
}

TEST_F(SubscriptionEngineTest, QuietSubscriptionSendsKeepAlivesWithTheNextSequenceNumber) {
  const std::uint32_t sub = Subscribe(100, 3, 30);
  Publish();
  ASSERT_EQ(Advance(milliseconds(100)).size(), 1u);  // the first cycle, empty
  Publish();
  EXPECT_TRUE(Advance(milliseconds(100)).empty());
  EXPECT_TRUE(Advance(milliseconds(100)).empty());
  auto out = Advance(milliseconds(100));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].response.subscription_id, sub);
  EXPECT_TRUE(out[0].response.notification_message.notification_data.empty());
  EXPECT_EQ(out[0].response.notification_message.sequence_number, 1u);
}

TEST_F(SubscriptionEngineTest, LateSubscriptionIsAnsweredByTheNextPublish) {
  const std::uint32_t sub = Subscribe(100, 10, 30);
  Monitor(sub, plant_.Id("Pump1.Count"), 10);
  EXPECT_TRUE(Advance(milliseconds(100)).empty());  // no Publish request: late
  auto out = Publish();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Changes(out[0]).size(), 1u);
}

TEST_F(SubscriptionEngineTest, SubscriptionWithoutPublishRequestsExpires) {
  Subscribe(100, 1, 3);
  for (int i = 0; i < 3; ++i) Advance(milliseconds(100));
  EXPECT_EQ(engine_.subscriptions(), 0u);
  auto refused = Publish();
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].response.response_header.service_result.code, kBadNoSubscription);
}

TEST_F(SubscriptionEngineTest, FullQueueDropsTheOldestAndFlagsOverflow) {
  const std::uint32_t sub = Subscribe(100, 10, 30);
  Monitor(sub, plant_.Id("Pump1.Count"), 2);
  Set(plant_.Id("Pump1.Count"), Variant::Scalar(std::int32_t{1}));
  Set(plant_.Id("Pump1.Count"), Variant::Scalar(std::int32_t{2}));
  Publish();
  auto out = Advance(milliseconds(100));
  ASSERT_EQ(out.size(), 1u);
  const auto changes = Changes(out[0]);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(std::get<std::int32_t>(changes[0].value.value->values[0]), 1);
  EXPECT_EQ(changes[0].value.status->code & 0x0480u, 0x0480u);
  EXPECT_EQ(std::get<std::int32_t>(changes[1].value.value->values[0]), 2);
}

TEST_F(SubscriptionEngineTest, RepublishUntilAcknowledged) {
  const std::uint32_t sub = Subscribe(100, 10, 30);
  Monitor(sub, plant_.Id("Pump1.Count"), 1);
  Publish();
  auto out = Advance(milliseconds(100));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].response.available_sequence_numbers, std::vector<std::uint32_t>{1});
  RepublishRequest again;
  again.subscription_id = sub;
  again.retransmit_sequence_number = 1;
  EXPECT_EQ(engine_.Republish(kSession, again).notification_message.sequence_number, 1u);
  Set(plant_.Id("Pump1.Count"), Variant::Scalar(std::int32_t{5}));
  EXPECT_TRUE(Publish({{sub, 1}, {sub, 9}}).empty());  // queued: the acknowledgements ride along
  auto acked = Advance(milliseconds(100));
  ASSERT_EQ(acked.size(), 1u);
  EXPECT_EQ(acked[0].response.results[0].code, kGood);
  EXPECT_EQ(acked[0].response.results[1].code, kBadSequenceNumberUnknown);
  EXPECT_EQ(engine_.Republish(kSession, again).response_header.service_result.code, kBadMessageNotAvailable);
}

TEST_F(SubscriptionEngineTest, PercentDeadbandUsesTheEURange) {
  const std::uint32_t sub = Subscribe(100, 10, 30);
  // 1 % of 0..3000 rpm is 30 rpm.
  const auto result = Monitor(sub, plant_.Id("Pump1.Speed"), 10,
                              ToExtensionObject(DataChangeFilter{DataChangeTrigger::kStatusValue, 2, 1.0}));
  ASSERT_TRUE(result.status_code.IsGood());
  Set(plant_.Id("Pump1.Speed"), Variant::Scalar(1500.0));  // 20 from 1480: dropped
  Set(plant_.Id("Pump1.Speed"), Variant::Scalar(1520.0));  // 40: kept
  Publish();
  auto out = Advance(milliseconds(100));
  ASSERT_EQ(out.size(), 1u);
  const auto changes = Changes(out[0]);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(std::get<double>(changes[1].value.value->values[0]), 1520.0);
  const auto refused = Monitor(sub, plant_.Id("Pump1.Count"), 1,
                               ToExtensionObject(DataChangeFilter{DataChangeTrigger::kStatusValue, 2, 1.0}));
  EXPECT_EQ(refused.status_code.code, kBadFilterNotAllowed);  // no EURange
}

TEST_F(SubscriptionEngineTest, TooManyPublishRequestsRefuseTheOldest) {
  Subscribe(1000, 10, 30);
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(Publish().empty());
  auto refused = Publish();
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].request_id, 1u);
  EXPECT_EQ(refused[0].response.response_header.service_result.code, kBadTooManyPublishRequests);
}

TEST_F(SubscriptionEngineTest, TransferMovesOnlyTheSameUsersSubscriptions) {
  CreateSubscriptionRequest create;
  create.requested_publishing_interval = 100;
  const std::uint32_t sub = engine_.Create(kSession, create, "alice").subscription_id;
  TransferSubscriptionsRequest transfer;
  transfer.subscription_ids = {sub, 999};
  const auto stolen = engine_.Transfer(2, transfer, "mallory");
  EXPECT_EQ(stolen.results[0].status_code.code, kBadUserAccessDenied);
  EXPECT_EQ(stolen.results[1].status_code.code, kBadSubscriptionIdInvalid);
  EXPECT_TRUE(engine_.Transfer(3, transfer, "alice").results[0].status_code.IsGood());
  RepublishRequest again;
  again.subscription_id = sub;
  EXPECT_EQ(engine_.Republish(kSession, again).response_header.service_result.code,
            kBadSubscriptionIdInvalid);
  EXPECT_EQ(engine_.Republish(3, again).response_header.service_result.code, kBadMessageNotAvailable);
}

TEST_F(SubscriptionEngineTest, DeletingItemsDetachesThemFromTheNode) {
  const std::uint32_t sub = Subscribe(100, 10, 30);
  const auto item = Monitor(sub, plant_.Id("Pump1.Count"), 1);
  EXPECT_EQ(space_.Find(plant_.Id("Pump1.Count"))->watchers.size(), 1u);
  DeleteMonitoredItemsRequest r;
  r.subscription_id = sub;
  r.monitored_item_ids = {item.monitored_item_id, 999};
  const auto out = engine_.DeleteItems(kSession, r);
  EXPECT_EQ(out.results[1].code, kBadMonitoredItemIdInvalid);
  EXPECT_TRUE(space_.Find(plant_.Id("Pump1.Count"))->watchers.empty());
  EXPECT_EQ(engine_.monitored_items(), 0u);
}

}  // namespace
}  // namespace mw::opcua::server
