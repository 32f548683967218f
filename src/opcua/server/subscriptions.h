// Subscriptions, monitored items and the Publish queue of every session (OPC 10000-4, 5.12-5.13).
//
// Monitored items watch a Variable's value in the AddressSpace: a change lands in the item's
// queue (after its filter: trigger and absolute or percent deadband) and the item joins its
// subscription's ready list, so a value change touches only the subscriptions that watch it.
// Sampling is exception-based: within one sampling interval the newest value replaces the queued
// one, so an item reports at most one value per interval.
//
// Each subscription has a publishing cycle. Tick(now) runs the cycles that are due: one with
// notifications (or whose keep-alive count ran out) answers the oldest queued Publish request of
// its session, or becomes "late" and is answered by the next Publish to arrive; one that sees no
// Publish request for lifetime_count cycles expires. Sent messages stay for Republish until the
// client acknowledges them (at most max_retransmission per subscription).
//
// Thread-safety: every public function may be called from any thread; one mutex guards the
// engine. Responses are returned, not sent: callers send them after the call, so no socket is
// ever written under the lock. Lock order: address space, then this engine.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "opcua/server/address_space.h"
#include "opcua/services/types.h"

namespace mw::opcua::server {

using SteadyClock = std::chrono::steady_clock;

// Where a Publish response goes: the secure channel the request came on.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  virtual void SendResponse(std::uint32_t request_id, const PublishResponse& response) = 0;
};

struct PublishResult {
  std::weak_ptr<ResponseSink> sink;
  std::uint32_t request_id = 0;
  PublishResponse response;
};

struct SubscriptionLimits {
  std::size_t max_subscriptions_per_session = 100;
  std::size_t max_monitored_items = 500'000;  // over all sessions
  std::size_t max_publish_requests = 20;      // queued per session
  std::size_t max_notifications_per_publish = 20'000;
  std::size_t max_retransmission = 20;
  std::size_t max_queue_size = 10'000;
  double min_publishing_interval_ms = 10;
  double max_publishing_interval_ms = 3'600'000;
};

class SubscriptionEngine {
 public:
  SubscriptionEngine(AddressSpace& space, SubscriptionLimits limits);
  ~SubscriptionEngine();
  SubscriptionEngine(const SubscriptionEngine&) = delete;
  SubscriptionEngine& operator=(const SubscriptionEngine&) = delete;

  // Service results; the caller fills the response header's handle and timestamp. `user` is the
  // session's identity ("" for anonymous): a subscription moves only to a session of the same user.
  CreateSubscriptionResponse Create(std::uint32_t session, const CreateSubscriptionRequest& request,
                                    const std::string& user = {});
  ModifySubscriptionResponse Modify(std::uint32_t session, const ModifySubscriptionRequest& request);
  SetPublishingModeResponse SetPublishingMode(std::uint32_t session, const SetPublishingModeRequest& request);
  DeleteSubscriptionsResponse Delete(std::uint32_t session, const DeleteSubscriptionsRequest& request);
  TransferSubscriptionsResponse Transfer(std::uint32_t session, const TransferSubscriptionsRequest& request,
                                         const std::string& user = {});
  CreateMonitoredItemsResponse CreateItems(std::uint32_t session, const CreateMonitoredItemsRequest& request);
  ModifyMonitoredItemsResponse ModifyItems(std::uint32_t session, const ModifyMonitoredItemsRequest& request);
  DeleteMonitoredItemsResponse DeleteItems(std::uint32_t session, const DeleteMonitoredItemsRequest& request);
  SetMonitoringModeResponse SetMonitoringMode(std::uint32_t session, const SetMonitoringModeRequest& request);
  RepublishResponse Republish(std::uint32_t session, const RepublishRequest& request);

  // Queues a Publish request; returns what can be answered now (a late subscription, a refused
  // request). `deadline` is when the request times out (its timeout hint), or max() for never.
  std::vector<PublishResult> Publish(std::uint32_t session, std::weak_ptr<ResponseSink> sink,
                                     std::uint32_t request_id, const PublishRequest& request,
                                     SteadyClock::time_point now, SteadyClock::time_point deadline);
  // Runs the publishing cycles due at `now`; sets `next` to when Tick should run again.
  std::vector<PublishResult> Tick(SteadyClock::time_point now, SteadyClock::time_point& next);
  // Drops the session's queued Publish requests and, if asked, its subscriptions.
  void CloseSession(std::uint32_t session, bool delete_subscriptions);

  std::size_t monitored_items() const;
  std::size_t subscriptions() const;

 private:
  struct Item;
  struct Subscription;
  struct Pending {
    std::weak_ptr<ResponseSink> sink;
    std::uint32_t request_id = 0;
    std::uint32_t request_handle = 0;
    SteadyClock::time_point deadline;
    std::vector<UaStatusCode> ack_results;
  };
  using Graveyard = std::vector<std::unique_ptr<Item>>;

  void OnItemValue(Item& item, const DataValue& value);
  Subscription* FindLocked(std::uint32_t session, std::uint32_t id);
  // FindLocked, setting BadSubscriptionIdInvalid in `header` when there is no such subscription.
  Subscription* FindOrFail(std::uint32_t session, std::uint32_t id, ResponseHeader& header);
  void Revise(Subscription& s, double interval, std::uint32_t lifetime, std::uint32_t keep_alive,
              std::uint32_t max_notifications);
  UaStatusCode ReviseItem(Item& item, const MonitoringParameters& params, bool percent_ok);
  void RemoveItemsLocked(Subscription& s, Graveyard& graveyard);
  void Bury(Graveyard& graveyard);
  PublishResult Respond(Subscription& s, Pending pending, SteadyClock::time_point now);
  bool Cycle(Subscription& s, SteadyClock::time_point now, std::vector<PublishResult>& out);

  AddressSpace& space_;
  const SubscriptionLimits limits_;
  mutable std::mutex mu_;
  std::map<std::uint32_t, std::unique_ptr<Subscription>> subscriptions_;
  std::unordered_map<std::uint32_t, std::deque<Pending>> queues_;  // by session
  std::uint32_t next_subscription_id_ = 1;
  std::uint32_t next_item_id_ = 1;
  std::size_t item_count_ = 0;
};

}  // namespace mw::opcua::server
