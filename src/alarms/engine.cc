#include "alarms/engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "alarms/record_json.h"

namespace mw::alarms {
namespace {

constexpr Timestamp kNever = std::numeric_limits<Timestamp>::max();
constexpr Timestamp kNone = std::numeric_limits<Timestamp>::min();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double NumberOf(const nlohmann::json& j) { return j.is_number() ? j.get<double>() : kNaN; }

}  // namespace

std::optional<OperatorAction> ParseOperatorAction(std::string_view word) {
  if (word == "ack" || word == "acknowledge") return OperatorAction::kAcknowledge;
  if (word == "shelve") return OperatorAction::kShelve;
  if (word == "unshelve") return OperatorAction::kUnshelve;
  if (word == "comment") return OperatorAction::kComment;
  if (word == "out_of_service") return OperatorAction::kRemoveFromService;
  if (word == "return_to_service") return OperatorAction::kReturnToService;
  return std::nullopt;
}

std::string EncodeRecord(const AlarmRecord& r) {
  const AlarmLifecycle::Snapshot& s = r.after;
  nlohmann::json j = {
      {"seq", r.seq},
      {"id", r.id},
      {"asset", r.asset},
      {"template", r.template_name},
      {"rule", r.rule},
      {"severity", SeverityName(r.severity)},
      {"priority", r.priority},
      {"time", r.entry.time},
      {"action", AlarmActionName(r.entry.action)},
      {"from", AlarmStateName(r.entry.from)},
      {"to", AlarmStateName(r.entry.to)},
      {"value", NumberOrNull(r.entry.value)},
      {"limit", NumberOrNull(r.limit)},
      {"user", r.entry.user},
      {"comment", r.entry.comment},
      {"message", r.message},
      {"after",
       {{"state", AlarmStateName(s.state)},
        {"condition", s.condition},
        {"since", s.since},
        {"shelved_until", s.shelved_until},
        {"out_of_service", s.out_of_service},
        {"suppressed", s.suppressed},
        {"escalated", s.escalated},
        {"next_notice", s.next_notice}}},
  };
  return j.dump();
}

Result<AlarmRecord> DecodeRecord(std::string_view payload) {
  const nlohmann::json j = nlohmann::json::parse(payload, nullptr, false);
  if (!j.is_object() || !j.contains("after") || !j["after"].is_object())
    return Status::Corruption("alarm record: not a JSON object with \"after\"");
  try {
    AlarmRecord r;
    r.seq = j.at("seq").get<std::uint64_t>();
    r.id = j.at("id").get<std::string>();
    r.asset = j.at("asset").get<std::string>();
    r.template_name = j.at("template").get<std::string>();
    r.rule = j.at("rule").get<std::string>();
    Result<Severity> severity = ParseSeverity(j.at("severity").get<std::string>());
    if (!severity.ok())
      return Status::Corruption("alarm record " + r.id + ": " + severity.status().message());
    r.severity = *severity;
    r.priority = j.at("priority").get<int>();
    r.entry.time = j.at("time").get<Timestamp>();
    const std::string action = j.at("action").get<std::string>();
    const std::optional<AlarmAction> a = ParseAlarmAction(action);
    const std::optional<AlarmState> from = ParseAlarmState(j.at("from").get<std::string>());
    const std::optional<AlarmState> to = ParseAlarmState(j.at("to").get<std::string>());
    const nlohmann::json& s = j["after"];
    const std::optional<AlarmState> state = ParseAlarmState(s.at("state").get<std::string>());
    if (!a || !from || !to || !state)
      return Status::Corruption("alarm record " + r.id + ": unknown action or state");
    r.entry.action = *a;
    r.entry.from = *from;
    r.entry.to = *to;
    r.entry.value = NumberOf(j.at("value"));
    r.limit = NumberOf(j.at("limit"));
    r.entry.user = j.at("user").get<std::string>();
    r.entry.comment = j.at("comment").get<std::string>();
    r.message = j.at("message").get<std::string>();
    r.after = {*state,
               s.at("condition").get<bool>(),
               s.at("since").get<Timestamp>(),
               s.at("shelved_until").get<Timestamp>(),
               s.at("out_of_service").get<bool>(),
               s.at("suppressed").get<bool>(),
               s.at("escalated").get<bool>(),
               s.at("next_notice").get<Timestamp>()};
    return r;
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("alarm record: ") + e.what());
  }
}

struct AlarmEngine::Alarm {
  Alarm(const Rule& r, std::string asset_path, Timestamp start)
      : rule(&r),
        id(IdOf(asset_path, r.name)),
        asset(std::move(asset_path)),
        condition(r.condition, r.debounce, start),
        lifecycle(r.escalation) {
    if (r.suppress_when) suppress.emplace(*r.suppress_when, Debounce{}, start);
  }

  const Rule* rule;
  std::string id, asset;
  ConditionTracker condition;
  std::optional<ConditionTracker> suppress;
  AlarmLifecycle lifecycle;
  Timestamp last_t = kNone;     // the last evaluation
  Timestamp pending_t = kNone;  // a sample or event at this time is not yet evaluated
  bool touched = false;
  bool annunciated = false;
};

std::string AlarmEngine::IdOf(std::string_view asset, std::string_view rule) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a, 64 bits
  const auto mix = [&h](std::string_view s) {
    for (const char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ULL;
    }
  };
  mix(asset);
  mix(std::string_view("\0", 1));
  mix(rule);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) id[static_cast<std::size_t>(i)] = kHex[h & 15];
  return id;
}

AlarmEngine::AlarmEngine(std::vector<Rule> rules, const Catalog& catalog, MetricsRegistry& metrics,
                         const Clock& clock, EngineOptions options)
    : rules_(std::move(rules)),
      catalog_(catalog),
      clock_(clock),
      options_(std::move(options)),
      next_deadline_(kNever),
      evaluations_(&metrics.GetCounter("mw_alarm_evaluations_total", "Alarm rule evaluations")),
      transitions_(&metrics.GetCounter("mw_alarm_transitions_total", "Journaled alarm changes")),
      journal_errors_(
          &metrics.GetCounter("mw_alarm_journal_errors_total", "Failed writes to the alarm journal")),
      active_(
          &metrics.GetGauge("mw_alarms_annunciated", "Alarms shown to operators (not normal, not hidden)")) {
  for (const Rule& r : rules_) {
    if (r.asset.empty()) {
      rules_by_template_[r.template_name].push_back(&r);
    } else {
      asset_rules_[{r.asset, r.name}] = &r;
    }
  }
}

AlarmEngine::~AlarmEngine() { Stop(); }

const Rule* AlarmEngine::FindRule(std::string_view template_name, std::string_view rule,
                                  std::string_view asset) const {
  const auto own = asset_rules_.find({std::string(asset), std::string(rule)});
  if (own != asset_rules_.end()) return own->second->enabled ? own->second : nullptr;
  const auto it = rules_by_template_.find(template_name);
  if (it == rules_by_template_.end()) return nullptr;
  for (const Rule* r : it->second)
    if (r->name == rule) return r->enabled ? r : nullptr;
  return nullptr;
}

Status AlarmEngine::Open() {
  std::lock_guard lock(mu_);
  const Timestamp now = clock_.Now();
  std::vector<std::string> payloads;
  if (!options_.journal_path.empty()) {
    Result<std::unique_ptr<JournalFile>> file =
        JournalFile::Open(options_.journal_path, payloads, cut_bytes_);
    if (!file.ok()) return file.status();
    journal_ = std::move(*file);
    if (cut_bytes_ > 0)
      spdlog::warn("alarm journal {}: cut {} bytes of a torn tail after {} records", options_.journal_path,
                   cut_bytes_, payloads.size());
  }
  // The newest record of each alarm holds its state.
  std::map<std::string, AlarmRecord, std::less<>> latest;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    Result<AlarmRecord> r = DecodeRecord(payloads[i]);
    if (!r.ok())
      return Status::Corruption(options_.journal_path + ": record " + std::to_string(i + 1) + ": " +
                                r.status().message());
    seq_ = std::max(seq_, r->seq);
    history_.push_back(*r);
    if (history_.size() > options_.history_limit) history_.pop_front();
    latest[r->id] = std::move(*r);
  }
  for (const auto& [id, r] : latest) {
    const Rule* rule = FindRule(r.template_name, r.rule, r.asset);
    if (rule == nullptr) {
      spdlog::warn(
          "alarm {} ({} on {}): its rule is no longer configured, or is turned off; its state is dropped", id,
          r.rule, r.asset);
      continue;
    }
    Alarm& alarm = AlarmFor(*rule, r.asset);
    alarm.lifecycle.Restore(r.after);
    alarm.condition.Assume(r.after.condition, now);
    if (alarm.suppress) alarm.suppress->Assume(r.after.suppressed, now);
    alarm.annunciated = alarm.lifecycle.annunciated();
  }
  for (const AssetInfo& asset : catalog_.Assets()) AlarmsOf(asset.id);
  double shown = 0;
  next_deadline_ = kNever;
  for (const auto& [id, alarm] : alarms_) {
    shown += alarm->annunciated;
    next_deadline_ = std::min(next_deadline_, DeadlineOf(*alarm));
  }
  active_->Set(shown);
  if (!latest.empty())
    spdlog::info("alarm journal {}: {} records, {} alarms restored", options_.journal_path, payloads.size(),
                 latest.size());
  return Status::Ok();
}

void AlarmEngine::AddListener(NoticeListener* listener) {
  std::lock_guard lock(mu_);
  listeners_.push_back(listener);
}

AlarmEngine::Alarm& AlarmEngine::AlarmFor(const Rule& rule, const std::string& asset_path) {
  const std::string id = IdOf(asset_path, rule.name);
  auto it = alarms_.find(id);
  if (it == alarms_.end())
    it = alarms_.emplace(id, std::make_unique<Alarm>(rule, asset_path, clock_.Now())).first;
  return *it->second;
}

const std::vector<AlarmEngine::Alarm*>& AlarmEngine::AlarmsOf(AssetId asset) {
  auto it = by_asset_.find(asset);
  if (it != by_asset_.end()) return it->second;
  std::vector<Alarm*> alarms;
  if (const std::optional<AssetInfo> info = catalog_.Asset(asset)) {
    const auto rules = rules_by_template_.find(info->template_name);
    if (rules != rules_by_template_.end()) {
      for (const Rule* r : rules->second) {
        if (const Rule* use = FindRule(r->template_name, r->name, info->path))
          alarms.push_back(&AlarmFor(*use, info->path));
      }
    }
  }
  return by_asset_.emplace(asset, std::move(alarms)).first->second;
}

const std::vector<AlarmEngine::Binding>& AlarmEngine::BindingsOf(SeriesId series) {
  auto it = bindings_.find(series);
  if (it != bindings_.end()) return it->second;
  std::vector<Binding> bindings;
  if (const std::optional<SeriesInfo> info = catalog_.Series(series)) {
    for (Alarm* alarm : AlarmsOf(info->asset)) {
      const auto bind = [&](const Condition& c, bool suppress) {
        for (std::size_t i = 0; i < c.signals.size(); ++i)
          if (c.signals[i] == info->signal) bindings.push_back({alarm, static_cast<int>(i), suppress});
      };
      bind(alarm->rule->condition, false);
      if (alarm->rule->suppress_when) bind(*alarm->rule->suppress_when, true);
    }
  }
  return bindings_.emplace(series, std::move(bindings)).first->second;
}

Timestamp AlarmEngine::DeadlineOf(const Alarm& alarm) {
  Timestamp next = std::min(alarm.condition.NextDeadline(), alarm.lifecycle.NextDeadline());
  if (alarm.suppress) next = std::min(next, alarm.suppress->NextDeadline());
  return next;
}

void AlarmEngine::Evaluate(Alarm& alarm, Timestamp t) {
  t = std::max(t, alarm.last_t);
  alarm.last_t = t;
  if (alarm.suppress && alarm.suppress->Evaluate(t))
    alarm.lifecycle.SetSuppressed(alarm.suppress->active(), t, scratch_);
  if (alarm.condition.Evaluate(t))
    alarm.lifecycle.OnCondition(alarm.condition.active(), t, alarm.condition.value(), scratch_);
  if (!scratch_.empty()) Commit(alarm);
  next_deadline_ = std::min(next_deadline_, DeadlineOf(alarm));
}

void AlarmEngine::OnBatch(const Batch& samples, const std::vector<Event>& events) {
  std::unique_lock lock(mu_);
  const Timestamp deadline_before = next_deadline_;
  std::uint64_t evaluated = 0;
  const auto touch = [&](Alarm& alarm, Timestamp t) {
    if (alarm.pending_t != kNone && t > alarm.pending_t) {
      Evaluate(alarm, alarm.pending_t);
      ++evaluated;
    }
    alarm.pending_t = std::max(alarm.pending_t, t);
    if (!alarm.touched) {
      alarm.touched = true;
      touched_.push_back(&alarm);
    }
  };
  for (std::size_t i = 0; i < samples.size(); ++i) {
    for (const Binding& b : BindingsOf(samples.series[i])) {
      touch(*b.alarm, samples.times[i]);
      ConditionTracker& tracker = b.suppress ? *b.alarm->suppress : b.alarm->condition;
      tracker.OnSample(b.signal, samples.times[i], samples.values[i], samples.qualities[i]);
    }
  }
  for (const Event& e : events) {
    if (e.kind != EventKind::kAnomaly) continue;
    for (const Binding& b : BindingsOf(e.series)) {
      touch(*b.alarm, e.time);
      (b.suppress ? *b.alarm->suppress : b.alarm->condition).OnEvent(b.signal, e.time);
    }
  }
  for (Alarm* alarm : touched_) {
    Evaluate(*alarm, alarm->pending_t);
    alarm->pending_t = kNone;
    alarm->touched = false;
  }
  evaluated += touched_.size();
  touched_.clear();
  evaluations_->Add(evaluated);
  (void)Publish();  // failures are counted and logged there; the pipeline goes on
  if (next_deadline_ < deadline_before) wake_.notify_one();
}

void AlarmEngine::Tick(Timestamp now) {
  std::lock_guard lock(mu_);
  TickLocked(now);
}

void AlarmEngine::TickLocked(Timestamp now) {
  if (now < next_deadline_) return;
  next_deadline_ = kNever;
  for (auto& [id, alarm] : alarms_) {
    if (DeadlineOf(*alarm) <= now) {
      alarm->lifecycle.Tick(std::max(now, alarm->last_t), scratch_);
      if (!scratch_.empty()) Commit(*alarm);
      Evaluate(*alarm, now);
      evaluations_->Add();
    }
    next_deadline_ = std::min(next_deadline_, DeadlineOf(*alarm));
  }
  (void)Publish();
}

Timestamp AlarmEngine::NextDeadline() const {
  std::lock_guard lock(mu_);
  return next_deadline_;
}

void AlarmEngine::Commit(Alarm& alarm) {
  const Rule& rule = *alarm.rule;
  const double limit = alarm.condition.limit();
  for (JournalEntry& entry : scratch_) {
    AlarmRecord r;
    r.seq = ++seq_;
    r.id = alarm.id;
    r.asset = alarm.asset;
    r.template_name = rule.template_name;
    r.rule = rule.name;
    r.severity = rule.severity;
    r.priority = rule.priority;
    r.limit = limit;
    r.message = FormatMessage(rule, alarm.asset, entry.value, limit);
    r.entry = std::move(entry);
    r.after = alarm.lifecycle.Save();
    unpublished_.push_back(std::move(r));
  }
  scratch_.clear();
  const bool shown = alarm.lifecycle.annunciated();
  if (shown != alarm.annunciated) {
    alarm.annunciated = shown;
    active_->Set(active_->Value() + (shown ? 1 : -1));
  }
}

Status AlarmEngine::Publish() {
  if (unpublished_.empty()) return Status::Ok();
  Status status = Status::Ok();
  if (journal_) {
    std::vector<std::string> payloads;
    payloads.reserve(unpublished_.size());
    for (const AlarmRecord& r : unpublished_) payloads.push_back(EncodeRecord(r));
    status = journal_->Append(payloads);
    if (!status.ok()) {
      journal_errors_->Add();
      spdlog::error("{} alarm change(s) not journaled: {}", unpublished_.size(), status.message());
    }
  }
  transitions_->Add(unpublished_.size());
  for (AlarmRecord& r : unpublished_) {
    for (NoticeListener* l : listeners_) l->OnNotice(r);
    history_.push_back(std::move(r));
    if (history_.size() > options_.history_limit) history_.pop_front();
  }
  unpublished_.clear();
  return status;
}

Status AlarmEngine::Act(std::string_view id, OperatorAction action, std::string_view user,
                        std::string_view comment, Timestamp until) {
  std::lock_guard lock(mu_);
  const auto it = alarms_.find(id);
  if (it == alarms_.end()) return Status::NotFound("no alarm with id " + std::string(id));
  Alarm& alarm = *it->second;
  const Timestamp t = std::max(clock_.Now(), alarm.last_t);
  AlarmLifecycle& life = alarm.lifecycle;
  Status s = Status::Ok();
  switch (action) {
    case OperatorAction::kAcknowledge:
      s = life.Acknowledge(t, user, comment, scratch_);
      break;
    case OperatorAction::kShelve:
      s = life.Shelve(t, until, user, comment, scratch_);
      break;
    case OperatorAction::kUnshelve:
      s = life.Unshelve(t, user, comment, scratch_);
      break;
    case OperatorAction::kComment:
      life.Comment(t, user, comment, scratch_);
      break;
    case OperatorAction::kRemoveFromService:
      s = life.SetOutOfService(true, t, user, comment, scratch_);
      break;
    case OperatorAction::kReturnToService:
      s = life.SetOutOfService(false, t, user, comment, scratch_);
      break;
  }
  if (!scratch_.empty()) Commit(alarm);
  next_deadline_ = std::min(next_deadline_, DeadlineOf(alarm));
  wake_.notify_one();
  if (!s.ok()) return s;
  return Publish();
}

AlarmView AlarmEngine::ViewOf(const Alarm& alarm) const {
  AlarmView v;
  v.id = alarm.id;
  v.asset = alarm.asset;
  v.rule = alarm.rule->name;
  v.severity = alarm.rule->severity;
  v.priority = alarm.rule->priority;
  v.state = alarm.lifecycle.Save();
  v.value = alarm.condition.value();
  v.limit = alarm.condition.limit();
  v.message = FormatMessage(*alarm.rule, alarm.asset, v.value, v.limit);
  v.condition = alarm.rule->condition.text;
  v.annunciated = alarm.lifecycle.annunciated();
  return v;
}

std::vector<AlarmView> AlarmEngine::List(const AlarmFilter& filter) const {
  std::vector<AlarmView> out;
  std::lock_guard lock(mu_);
  for (const auto& [id, alarm] : alarms_) {
    const AlarmState state = alarm->lifecycle.state();
    if (filter.state ? state != *filter.state : (!filter.all && state == AlarmState::kNormal)) continue;
    if (filter.severity && alarm->rule->severity != *filter.severity) continue;
    if (!filter.asset.empty() && alarm->asset != filter.asset) continue;
    out.push_back(ViewOf(*alarm));
  }
  // Shown first, then by priority and severity, the newest change first.
  std::sort(out.begin(), out.end(), [](const AlarmView& a, const AlarmView& b) {
    if (a.annunciated != b.annunciated) return a.annunciated;
    if (a.priority != b.priority) return a.priority < b.priority;
    if (a.severity != b.severity) return a.severity < b.severity;
    if (a.state.since != b.state.since) return a.state.since > b.state.since;
    return a.id < b.id;
  });
  return out;
}

std::optional<AlarmView> AlarmEngine::Get(std::string_view id) const {
  std::lock_guard lock(mu_);
  const auto it = alarms_.find(id);
  if (it == alarms_.end()) return std::nullopt;
  return ViewOf(*it->second);
}

std::vector<AlarmRecord> AlarmEngine::History(std::string_view id, Timestamp from, Timestamp to,
                                              std::size_t limit) const {
  std::vector<AlarmRecord> out;
  std::lock_guard lock(mu_);
  for (auto it = history_.rbegin(); it != history_.rend() && out.size() < limit; ++it) {
    if (!id.empty() && it->id != id) continue;
    if (it->entry.time < from || it->entry.time > to) continue;
    out.push_back(*it);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::size_t AlarmEngine::alarm_count() const {
  std::lock_guard lock(mu_);
  return alarms_.size();
}

void AlarmEngine::Start() {
  std::lock_guard lock(mu_);
  if (timer_.joinable()) return;
  stopping_ = false;
  timer_ = std::thread([this] { TimerLoop(); });
}

void AlarmEngine::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (timer_.joinable()) timer_.join();
}

void AlarmEngine::TimerLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const Timestamp now = clock_.Now();
    if (now >= next_deadline_) {
      TickLocked(now);
      continue;
    }
    // At most a second at a time: the clock may be moved (simulated time) without a wake-up.
    const std::int64_t wait = std::min<std::int64_t>(next_deadline_ - now, 1'000'000'000);
    wake_.wait_for(lock, std::chrono::nanoseconds(wait));
  }
}

}  // namespace mw::alarms
