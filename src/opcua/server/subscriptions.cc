#include "opcua/server/subscriptions.h"

#include <algorithm>
#include <cmath>

#include "core/clock.h"
#include "opcua/encoding/datetime.h"
#include "opcua/encoding/status_code_names.h"
#include "opcua/services/codec.h"

namespace mw::opcua::server {
namespace {

constexpr std::uint32_t kOverflowInfoBits = 0x0480;  // InfoType DataValue + Overflow
constexpr std::uint32_t kDeadbandAbsolute = 1;
constexpr std::uint32_t kDeadbandPercent = 2;

DateTime Now() { return DateTimeFromTimestamp(SystemClock::Instance().Now()); }

std::optional<double> AsDouble(const Value& v) {
  return std::visit(
      [](const auto& x) -> std::optional<double> {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_arithmetic_v<T>) {
          return static_cast<double>(x);
        } else {
          return std::nullopt;
        }
      },
      v);
}

// True when `next` differs from `last` by more than `deadband` in any element (OPC 10000-4,
// 7.22.2); values of other types or shapes always differ.
bool BeyondDeadband(const Variant& last, const Variant& next, double deadband) {
  if (last.values.size() != next.values.size() || last.type != next.type) return true;
  for (std::size_t i = 0; i < next.values.size(); ++i) {
    const std::optional<double> a = AsDouble(last.values[i]);
    const std::optional<double> b = AsDouble(next.values[i]);
    if (!a || !b) return !(last.values[i] == next.values[i]);
    if (std::fabs(*a - *b) > deadband) return true;
  }
  return false;
}

DataValue Stamped(DataValue v, TimestampsToReturn ts) {
  if (ts == TimestampsToReturn::kServer || ts == TimestampsToReturn::kNeither) v.source_timestamp.reset();
  if (ts == TimestampsToReturn::kSource || ts == TimestampsToReturn::kNeither) v.server_timestamp.reset();
  return v;
}

}  // namespace

struct SubscriptionEngine::Item final : ValueWatcher {
  SubscriptionEngine* engine = nullptr;
  std::uint32_t id = 0;
  std::uint32_t subscription = 0;
  NodeId node;
  std::uint32_t client_handle = 0;
  MonitoringMode mode = MonitoringMode::kReporting;
  TimestampsToReturn timestamps = TimestampsToReturn::kBoth;
  double sampling_ms = 0;
  std::uint32_t queue_size = 1;
  bool discard_oldest = true;
  DataChangeTrigger trigger = DataChangeTrigger::kStatusValue;
  double deadband = 0;  // absolute, after converting a percent deadband with the EURange
  std::deque<DataValue> queue;
  std::optional<DataValue> last;
  SteadyClock::time_point last_sample;
  bool ready = false;
  bool deleted = false;

  void OnValueChange(const DataValue& value) override { engine->OnItemValue(*this, value); }
};

struct SubscriptionEngine::Subscription {
  std::uint32_t id = 0;
  std::uint32_t session = 0;
  std::string user;
  double interval_ms = 0;
  std::uint32_t lifetime_count = 0;
  std::uint32_t keep_alive_count = 0;
  std::uint32_t max_notifications = 0;
  std::uint8_t priority = 0;
  bool enabled = true;
  SteadyClock::time_point next_cycle;
  std::uint32_t keep_alive_counter = 0;
  std::uint32_t lifetime_counter = 0;
  bool late = false;
  bool first_message = true;  // the first cycle answers at once, even with nothing to say
  std::uint32_t next_sequence = 1;
  std::deque<NotificationMessage> retransmission;
  std::map<std::uint32_t, std::unique_ptr<Item>> items;
  std::vector<Item*> ready;
};

SubscriptionEngine::SubscriptionEngine(AddressSpace& space, SubscriptionLimits limits)
    : space_(space), limits_(limits) {}

SubscriptionEngine::~SubscriptionEngine() {
  Graveyard graveyard;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, s] : subscriptions_) RemoveItemsLocked(*s, graveyard);
    subscriptions_.clear();
  }
  Bury(graveyard);
}

std::size_t SubscriptionEngine::monitored_items() const {
  std::lock_guard lock(mu_);
  return item_count_;
}

std::size_t SubscriptionEngine::subscriptions() const {
  std::lock_guard lock(mu_);
  return subscriptions_.size();
}

SubscriptionEngine::Subscription* SubscriptionEngine::FindLocked(std::uint32_t session, std::uint32_t id) {
  const auto it = subscriptions_.find(id);
  return it == subscriptions_.end() || it->second->session != session ? nullptr : it->second.get();
}

SubscriptionEngine::Subscription* SubscriptionEngine::FindOrFail(std::uint32_t session, std::uint32_t id,
                                                                 ResponseHeader& header) {
  Subscription* s = FindLocked(session, id);
  if (s == nullptr) header.service_result = {kBadSubscriptionIdInvalid};
  return s;
}

void SubscriptionEngine::Revise(Subscription& s, double interval, std::uint32_t lifetime,
                                std::uint32_t keep_alive, std::uint32_t max_notifications) {
  if (!(interval >= limits_.min_publishing_interval_ms)) interval = limits_.min_publishing_interval_ms;
  s.interval_ms = std::min(interval, limits_.max_publishing_interval_ms);
  s.keep_alive_count = std::clamp<std::uint32_t>(keep_alive, 1, 10'000);
  // The lifetime must cover at least three keep-alive periods (OPC 10000-4, 5.13.2).
  s.lifetime_count = std::max(lifetime, 3 * s.keep_alive_count);
  const auto cap = static_cast<std::uint32_t>(limits_.max_notifications_per_publish);
  s.max_notifications = max_notifications == 0 ? cap : std::min(max_notifications, cap);
}

CreateSubscriptionResponse SubscriptionEngine::Create(std::uint32_t session,
                                                      const CreateSubscriptionRequest& r,
                                                      const std::string& user) {
  CreateSubscriptionResponse out;
  std::lock_guard lock(mu_);
  const auto owned = std::count_if(subscriptions_.begin(), subscriptions_.end(),
                                   [&](const auto& e) { return e.second->session == session; });
  if (static_cast<std::size_t>(owned) >= limits_.max_subscriptions_per_session) {
    out.response_header.service_result = {kBadTooManySubscriptions};
    return out;
  }
  auto s = std::make_unique<Subscription>();
  s->id = next_subscription_id_++;
  s->session = session;
  s->user = user;
  s->enabled = r.publishing_enabled;
  s->priority = r.priority;
  Revise(*s, r.requested_publishing_interval, r.requested_lifetime_count, r.requested_max_keep_alive_count,
         r.max_notifications_per_publish);
  s->next_cycle =
      SteadyClock::now() + std::chrono::microseconds(static_cast<std::int64_t>(s->interval_ms * 1000));
  out.subscription_id = s->id;
  out.revised_publishing_interval = s->interval_ms;
  out.revised_lifetime_count = s->lifetime_count;
  out.revised_max_keep_alive_count = s->keep_alive_count;
  subscriptions_[s->id] = std::move(s);
  return out;
}

ModifySubscriptionResponse SubscriptionEngine::Modify(std::uint32_t session,
                                                      const ModifySubscriptionRequest& r) {
  ModifySubscriptionResponse out;
  std::lock_guard lock(mu_);
  Subscription* s = FindOrFail(session, r.subscription_id, out.response_header);
  if (s == nullptr) return out;
  Revise(*s, r.requested_publishing_interval, r.requested_lifetime_count, r.requested_max_keep_alive_count,
         r.max_notifications_per_publish);
  s->priority = r.priority;
  out.revised_publishing_interval = s->interval_ms;
  out.revised_lifetime_count = s->lifetime_count;
  out.revised_max_keep_alive_count = s->keep_alive_count;
  return out;
}

SetPublishingModeResponse SubscriptionEngine::SetPublishingMode(std::uint32_t session,
                                                                const SetPublishingModeRequest& r) {
  SetPublishingModeResponse out;
  std::lock_guard lock(mu_);
  for (const std::uint32_t id : r.subscription_ids) {
    Subscription* s = FindLocked(session, id);
    if (s != nullptr) s->enabled = r.publishing_enabled;
    out.results.push_back({s == nullptr ? kBadSubscriptionIdInvalid : kGood});
  }
  return out;
}

void SubscriptionEngine::RemoveItemsLocked(Subscription& s, Graveyard& graveyard) {
  for (auto& [id, item] : s.items) {
    item->deleted = true;
    graveyard.push_back(std::move(item));
  }
  item_count_ -= s.items.size();
  s.items.clear();
  s.ready.clear();
}

// Detaches items from the address space (outside our lock: lock order) and frees them.
void SubscriptionEngine::Bury(Graveyard& graveyard) {
  for (const auto& item : graveyard) space_.Unwatch(item->node, item.get());
  graveyard.clear();
}

DeleteSubscriptionsResponse SubscriptionEngine::Delete(std::uint32_t session,
                                                       const DeleteSubscriptionsRequest& r) {
  DeleteSubscriptionsResponse out;
  Graveyard graveyard;
  {
    std::lock_guard lock(mu_);
    for (const std::uint32_t id : r.subscription_ids) {
      Subscription* s = FindLocked(session, id);
      if (s != nullptr) {
        RemoveItemsLocked(*s, graveyard);
        subscriptions_.erase(id);
      }
      out.results.push_back({s == nullptr ? kBadSubscriptionIdInvalid : kGood});
    }
  }
  Bury(graveyard);
  return out;
}

TransferSubscriptionsResponse SubscriptionEngine::Transfer(std::uint32_t session,
                                                           const TransferSubscriptionsRequest& r,
                                                           const std::string& user) {
  TransferSubscriptionsResponse out;
  std::lock_guard lock(mu_);
  for (const std::uint32_t id : r.subscription_ids) {
    TransferResult result;
    const auto it = subscriptions_.find(id);
    if (it == subscriptions_.end()) {
      result.status_code = {kBadSubscriptionIdInvalid};
    } else if (it->second->user != user) {
      result.status_code = {kBadUserAccessDenied};  // another user's subscription stays put
    } else {
      Subscription& s = *it->second;
      s.session = session;
      for (const NotificationMessage& m : s.retransmission)
        result.available_sequence_numbers.push_back(m.sequence_number);
      if (r.send_initial_values) {
        for (auto& [item_id, item] : s.items) {
          if (item->last && item->queue.empty()) item->queue.push_back(*item->last);
          if (!item->queue.empty() && !item->ready) {
            item->ready = true;
            s.ready.push_back(item.get());
          }
        }
      }
    }
    out.results.push_back(std::move(result));
  }
  return out;
}

UaStatusCode SubscriptionEngine::ReviseItem(Item& item, const MonitoringParameters& p, bool percent_ok) {
  item.client_handle = p.client_handle;
  item.sampling_ms = p.sampling_interval < 0 ? -1 : std::min(p.sampling_interval, 3'600'000.0);
  item.queue_size = static_cast<std::uint32_t>(
      std::clamp<std::size_t>(p.queue_size == 0 ? 1 : p.queue_size, 1, limits_.max_queue_size));
  item.discard_oldest = p.discard_oldest;
  item.trigger = DataChangeTrigger::kStatusValue;
  item.deadband = 0;
  if (p.filter.type_id.IsNull()) return {kGood};
  DataChangeFilter filter;
  if (!FromExtensionObject(p.filter, filter).ok()) return {kBadMonitoredItemFilterUnsupported};
  if (static_cast<std::uint32_t>(filter.trigger) > 2 || filter.deadband_type > kDeadbandPercent ||
      filter.deadband_value < 0) {
    return {kBadDeadbandFilterInvalid};
  }
  item.trigger = filter.trigger;
  if (filter.deadband_type == kDeadbandAbsolute) item.deadband = filter.deadband_value;
  if (filter.deadband_type == kDeadbandPercent) {
    if (!percent_ok || filter.deadband_value > 100) return {kBadDeadbandFilterInvalid};
    const std::optional<Range> range = space_.EURangeOf(item.node);
    if (!range) return {kBadFilterNotAllowed};
    item.deadband = filter.deadband_value / 100 * (range->high - range->low);
  }
  return {kGood};
}

CreateMonitoredItemsResponse SubscriptionEngine::CreateItems(std::uint32_t session,
                                                             const CreateMonitoredItemsRequest& r) {
  CreateMonitoredItemsResponse out;
  std::vector<std::unique_ptr<Item>> created(r.items_to_create.size());
  {
    std::lock_guard lock(mu_);
    const Subscription* s = FindLocked(session, r.subscription_id);
    if (s == nullptr) {
      out.response_header.service_result = {kBadSubscriptionIdInvalid};
      return out;
    }
    if (static_cast<std::uint32_t>(r.timestamps_to_return) > 3) {
      out.response_header.service_result = {kBadTimestampsToReturnInvalid};
      return out;
    }
    const double interval = s->interval_ms;
    for (std::size_t i = 0; i < r.items_to_create.size(); ++i) {
      auto item = std::make_unique<Item>();
      item->engine = this;
      item->id = next_item_id_++;
      item->subscription = r.subscription_id;
      item->node = r.items_to_create[i].item_to_monitor.node_id;
      item->mode = r.items_to_create[i].monitoring_mode;
      item->timestamps = r.timestamps_to_return;
      item->sampling_ms = interval;
      created[i] = std::move(item);
    }
  }
  out.results.resize(created.size());
  for (std::size_t i = 0; i < created.size(); ++i) {
    const MonitoredItemCreateRequest& req = r.items_to_create[i];
    MonitoredItemCreateResult& result = out.results[i];
    Item& item = *created[i];
    if (req.item_to_monitor.attribute_id != 13) {
      result.status_code = {kBadAttributeIdInvalid};  // only Value attributes are monitored
    } else if (static_cast<std::uint32_t>(item.mode) > 2) {
      result.status_code = {kBadMonitoringModeInvalid};
    } else {
      result.status_code = ReviseItem(item, req.requested_parameters, true);
    }
    if (item.sampling_ms < 0) item.sampling_ms = 0;
    if (result.status_code.IsGood() && monitored_items() >= limits_.max_monitored_items) {
      result.status_code = {kBadTooManyMonitoredItems};
    }
    if (result.status_code.IsGood()) result.status_code = space_.Watch(item.node, &item);
    if (!result.status_code.IsGood()) {
      created[i].reset();
      continue;
    }
    result.monitored_item_id = item.id;
    result.revised_sampling_interval = item.sampling_ms;
    result.revised_queue_size = item.queue_size;
  }
  Graveyard orphans;
  {
    std::lock_guard lock(mu_);
    Subscription* s = FindLocked(session, r.subscription_id);
    for (auto& item : created) {
      if (!item) continue;
      if (s == nullptr) {  // deleted meanwhile
        item->deleted = true;
        orphans.push_back(std::move(item));
        continue;
      }
      ++item_count_;
      s->items[item->id] = std::move(item);
    }
  }
  Bury(orphans);
  return out;
}

ModifyMonitoredItemsResponse SubscriptionEngine::ModifyItems(std::uint32_t session,
                                                             const ModifyMonitoredItemsRequest& r) {
  ModifyMonitoredItemsResponse out;
  std::lock_guard lock(mu_);
  Subscription* s = FindOrFail(session, r.subscription_id, out.response_header);
  if (s == nullptr) return out;
  for (const MonitoredItemModifyRequest& m : r.items_to_modify) {
    MonitoredItemModifyResult result;
    const auto it = s->items.find(m.monitored_item_id);
    if (it == s->items.end()) {
      result.status_code = {kBadMonitoredItemIdInvalid};
    } else {
      Item& item = *it->second;
      // Percent deadbands need the address space, which may not be locked under ours.
      result.status_code = ReviseItem(item, m.requested_parameters, false);
      if (item.sampling_ms < 0) item.sampling_ms = s->interval_ms;
      item.timestamps = r.timestamps_to_return;
      while (item.queue.size() > item.queue_size) item.queue.pop_front();
      result.revised_sampling_interval = item.sampling_ms;
      result.revised_queue_size = item.queue_size;
    }
    out.results.push_back(std::move(result));
  }
  return out;
}

DeleteMonitoredItemsResponse SubscriptionEngine::DeleteItems(std::uint32_t session,
                                                             const DeleteMonitoredItemsRequest& r) {
  DeleteMonitoredItemsResponse out;
  Graveyard graveyard;
  {
    std::lock_guard lock(mu_);
    Subscription* s = FindOrFail(session, r.subscription_id, out.response_header);
    if (s == nullptr) return out;
    for (const std::uint32_t id : r.monitored_item_ids) {
      const auto it = s->items.find(id);
      out.results.push_back({it == s->items.end() ? kBadMonitoredItemIdInvalid : kGood});
      if (it == s->items.end()) continue;
      it->second->deleted = true;
      graveyard.push_back(std::move(it->second));
      s->items.erase(it);
      --item_count_;
    }
    std::erase_if(s->ready, [](const Item* i) { return i->deleted; });
  }
  Bury(graveyard);
  return out;
}

SetMonitoringModeResponse SubscriptionEngine::SetMonitoringMode(std::uint32_t session,
                                                                const SetMonitoringModeRequest& r) {
  SetMonitoringModeResponse out;
  std::lock_guard lock(mu_);
  Subscription* s = FindOrFail(session, r.subscription_id, out.response_header);
  if (s == nullptr) return out;
  if (static_cast<std::uint32_t>(r.monitoring_mode) > 2) {
    out.response_header.service_result = {kBadMonitoringModeInvalid};
    return out;
  }
  for (const std::uint32_t id : r.monitored_item_ids) {
    const auto it = s->items.find(id);
    out.results.push_back({it == s->items.end() ? kBadMonitoredItemIdInvalid : kGood});
    if (it == s->items.end()) continue;
    Item& item = *it->second;
    item.mode = r.monitoring_mode;
    if (item.mode == MonitoringMode::kDisabled) item.queue.clear();
    if (item.mode == MonitoringMode::kReporting && !item.queue.empty() && !item.ready) {
      item.ready = true;
      s->ready.push_back(&item);
    }
  }
  std::erase_if(s->ready, [](Item* i) {
    const bool keep = i->mode == MonitoringMode::kReporting && !i->queue.empty();
    if (!keep) i->ready = false;
    return !keep;
  });
  return out;
}

void SubscriptionEngine::OnItemValue(Item& item, const DataValue& value) {
  std::lock_guard lock(mu_);
  if (item.deleted || item.mode == MonitoringMode::kDisabled) return;
  if (item.last) {
    const DataValue& last = *item.last;
    bool changed = last.status != value.status;
    if (!changed && item.trigger != DataChangeTrigger::kStatus) {
      if (last.value.has_value() != value.value.has_value()) {
        changed = true;
      } else if (value.value) {
        changed = item.deadband > 0 ? BeyondDeadband(*last.value, *value.value, item.deadband)
                                    : !(*last.value == *value.value);
      }
    }
    if (!changed && item.trigger == DataChangeTrigger::kStatusValueTimestamp) {
      changed = last.source_timestamp != value.source_timestamp;
    }
    if (!changed) return;
  }
  item.last = value;
  const SteadyClock::time_point now = SteadyClock::now();
  DataValue stamped = Stamped(value, item.timestamps);
  const bool same_sample =
      !item.queue.empty() && item.sampling_ms > 0 &&
      now - item.last_sample < std::chrono::duration<double, std::milli>(item.sampling_ms);
  if (same_sample) {
    item.queue.back() = std::move(stamped);
  } else {
    item.last_sample = now;
    item.queue.push_back(std::move(stamped));
    if (item.queue.size() > item.queue_size) {
      if (item.discard_oldest) {
        item.queue.pop_front();
      } else {
        item.queue.erase(item.queue.end() - 2);
      }
      if (item.queue_size > 1) {
        DataValue& marked = item.discard_oldest ? item.queue.front() : item.queue.back();
        marked.status = UaStatusCode{(marked.status ? marked.status->code : kGood) | kOverflowInfoBits};
      }
    }
  }
  if (item.mode != MonitoringMode::kReporting || item.ready) return;
  const auto it = subscriptions_.find(item.subscription);
  if (it == subscriptions_.end()) return;
  item.ready = true;
  it->second->ready.push_back(&item);
}

PublishResult SubscriptionEngine::Respond(Subscription& s, Pending pending, SteadyClock::time_point now) {
  (void)now;
  PublishResult out;
  out.sink = std::move(pending.sink);
  out.request_id = pending.request_id;
  PublishResponse& r = out.response;
  r.response_header.request_handle = pending.request_handle;
  r.response_header.timestamp = Now();
  r.results = std::move(pending.ack_results);
  r.subscription_id = s.id;
  r.notification_message.publish_time = r.response_header.timestamp;
  DataChangeNotification changes;
  std::size_t taken = 0;
  std::size_t done = 0;
  if (s.enabled) {
    for (; done < s.ready.size() && taken < s.max_notifications; ++done) {
      Item& item = *s.ready[done];
      while (!item.queue.empty() && taken < s.max_notifications) {
        changes.monitored_items.push_back({item.client_handle, std::move(item.queue.front())});
        item.queue.pop_front();
        ++taken;
      }
      if (!item.queue.empty()) break;
      item.ready = false;
    }
    s.ready.erase(s.ready.begin(), s.ready.begin() + static_cast<std::ptrdiff_t>(done));
  }
  if (taken > 0) {
    r.notification_message.sequence_number = s.next_sequence++;
    if (s.next_sequence == 0) s.next_sequence = 1;  // sequence numbers skip 0 when they wrap
    r.notification_message.notification_data.push_back(ToExtensionObject(changes));
    s.retransmission.push_back(r.notification_message);
    if (s.retransmission.size() > limits_.max_retransmission) s.retransmission.pop_front();
  } else {
    r.notification_message.sequence_number = s.next_sequence;  // keep-alive: the next number, unused
  }
  r.more_notifications = s.enabled && !s.ready.empty();
  for (const NotificationMessage& m : s.retransmission)
    r.available_sequence_numbers.push_back(m.sequence_number);
  s.keep_alive_counter = 0;
  s.lifetime_counter = 0;
  s.first_message = false;
  s.late = r.more_notifications;
  return out;
}

std::vector<PublishResult> SubscriptionEngine::Publish(
    std::uint32_t session, std::weak_ptr<ResponseSink> sink, std::uint32_t request_id,
    const PublishRequest& request, SteadyClock::time_point now, SteadyClock::time_point deadline) {
  std::vector<PublishResult> out;
  Pending pending{std::move(sink), request_id, request.request_header.request_handle, deadline, {}};
  std::lock_guard lock(mu_);
  for (const SubscriptionAcknowledgement& ack : request.subscription_acknowledgements) {
    Subscription* s = FindLocked(session, ack.subscription_id);
    std::uint32_t code = kBadSubscriptionIdInvalid;
    if (s != nullptr) {
      const auto erased = std::erase_if(s->retransmission, [&](const NotificationMessage& m) {
        return m.sequence_number == ack.sequence_number;
      });
      code = erased > 0 ? kGood : kBadSequenceNumberUnknown;
    }
    pending.ack_results.push_back({code});
  }
  Subscription* late = nullptr;
  bool any = false;
  for (auto& [id, s] : subscriptions_) {
    if (s->session != session) continue;
    any = true;
    if (s->late && (late == nullptr || s->priority > late->priority)) late = s.get();
  }
  if (!any) {
    PublishResult refused{std::move(pending.sink), request_id, {}};
    refused.response.response_header.request_handle = pending.request_handle;
    refused.response.response_header.service_result = {kBadNoSubscription};
    refused.response.results = std::move(pending.ack_results);
    out.push_back(std::move(refused));
    return out;
  }
  if (late != nullptr) {
    out.push_back(Respond(*late, std::move(pending), now));
    return out;
  }
  std::deque<Pending>& queue = queues_[session];
  queue.push_back(std::move(pending));
  if (queue.size() > limits_.max_publish_requests) {
    PublishResult refused{std::move(queue.front().sink), queue.front().request_id, {}};
    refused.response.response_header.request_handle = queue.front().request_handle;
    refused.response.response_header.service_result = {kBadTooManyPublishRequests};
    queue.pop_front();
    out.push_back(std::move(refused));
  }
  return out;
}

// One publishing cycle; false when the subscription expired.
bool SubscriptionEngine::Cycle(Subscription& s, SteadyClock::time_point now,
                               std::vector<PublishResult>& out) {
  std::deque<Pending>& queue = queues_[s.session];
  const bool has = s.enabled && !s.ready.empty();
  const bool keep_alive = !has && ++s.keep_alive_counter >= s.keep_alive_count;
  if (has || keep_alive || s.first_message) {
    if (!queue.empty()) {
      Pending p = std::move(queue.front());
      queue.pop_front();
      out.push_back(Respond(s, std::move(p), now));
      return true;
    }
    s.late = true;
  }
  if (queue.empty() && ++s.lifetime_counter >= s.lifetime_count) return false;
  return true;
}

std::vector<PublishResult> SubscriptionEngine::Tick(SteadyClock::time_point now,
                                                    SteadyClock::time_point& next) {
  std::vector<PublishResult> out;
  Graveyard graveyard;
  next = now + std::chrono::seconds(1);
  {
    std::lock_guard lock(mu_);
    for (auto it = subscriptions_.begin(); it != subscriptions_.end();) {
      Subscription& s = *it->second;
      if (s.next_cycle <= now) {
        const auto period = std::chrono::microseconds(static_cast<std::int64_t>(s.interval_ms * 1000));
        s.next_cycle += period;
        if (s.next_cycle <= now) s.next_cycle = now + period;  // fell behind: skip, do not burst
        if (!Cycle(s, now, out)) {
          RemoveItemsLocked(s, graveyard);
          it = subscriptions_.erase(it);
          continue;
        }
      }
      next = std::min(next, s.next_cycle);
      ++it;
    }
    for (auto& [session, queue] : queues_) {
      while (!queue.empty() && queue.front().deadline <= now) {
        PublishResult expired{std::move(queue.front().sink), queue.front().request_id, {}};
        expired.response.response_header.request_handle = queue.front().request_handle;
        expired.response.response_header.service_result = {kBadTimeout};
        queue.pop_front();
        out.push_back(std::move(expired));
      }
      if (!queue.empty()) next = std::min(next, queue.front().deadline);
    }
  }
  Bury(graveyard);
  return out;
}

RepublishResponse SubscriptionEngine::Republish(std::uint32_t session, const RepublishRequest& r) {
  RepublishResponse out;
  std::lock_guard lock(mu_);
  Subscription* s = FindOrFail(session, r.subscription_id, out.response_header);
  if (s == nullptr) return out;
  for (const NotificationMessage& m : s->retransmission) {
    if (m.sequence_number == r.retransmit_sequence_number) {
      out.notification_message = m;
      return out;
    }
  }
  out.response_header.service_result = {kBadMessageNotAvailable};
  return out;
}

void SubscriptionEngine::CloseSession(std::uint32_t session, bool delete_subscriptions) {
  Graveyard graveyard;
  {
    std::lock_guard lock(mu_);
    queues_.erase(session);
    if (delete_subscriptions) {
      for (auto it = subscriptions_.begin(); it != subscriptions_.end();) {
        if (it->second->session == session) {
          RemoveItemsLocked(*it->second, graveyard);
          it = subscriptions_.erase(it);
        } else {
          ++it;
        }
      }
    }
  }
  Bury(graveyard);
}

}  // namespace mw::opcua::server
