#include "app/alarms_api.h"

#include <cmath>
#include <limits>
#include <string>

#include "alarms/record_json.h"
#include "core/time_format.h"

namespace mw::app {
namespace {

using alarms::AlarmEngine;
using api::Request;
using api::Response;

constexpr std::size_t kMaxHistory = 10'000;

// {"<name>": ms, "<name>_iso": "..."}; null for 0 (never set).
void PutTime(nlohmann::json& j, const std::string& name, Timestamp t) {
  j[name] = t == 0 ? nlohmann::json(nullptr) : nlohmann::json(t / kNanosPerMilli);
  j[name + "_iso"] = t == 0 ? nlohmann::json(nullptr) : nlohmann::json(FormatRfc3339(t));
}

nlohmann::json StateJson(const alarms::AlarmLifecycle::Snapshot& s) {
  nlohmann::json j = {{"state", alarms::AlarmStateName(s.state)},
                      {"condition", s.condition},
                      {"shelved", s.shelved_until != 0},
                      {"out_of_service", s.out_of_service},
                      {"suppressed", s.suppressed},
                      {"escalated", s.escalated}};
  PutTime(j, "since", s.since);
  PutTime(j, "shelved_until", s.shelved_until);
  return j;
}

Response Bad(std::string_view message) { return Response::Error(400, "bad_request", message); }

Response List(const AlarmEngine& engine, const Request& req) {
  alarms::AlarmFilter filter;
  if (const std::string* s = req.Query("state")) {
    filter.state = alarms::ParseAlarmState(*s);
    if (!filter.state) return Bad("state: expected normal, active_unacked, active_acked or cleared_unacked");
  }
  if (const std::string* s = req.Query("severity")) {
    Result<alarms::Severity> severity = alarms::ParseSeverity(*s);
    if (!severity.ok()) return Bad("severity: " + severity.status().message());
    filter.severity = *severity;
  }
  if (const std::string* s = req.Query("asset")) filter.asset = *s;
  if (const std::string* s = req.Query("all")) filter.all = *s == "true" || *s == "1";
  nlohmann::json list = nlohmann::json::array();
  for (const alarms::AlarmView& a : engine.List(filter)) list.push_back(AlarmJson(a));
  return Response::Json(200, nlohmann::json{{"alarms", std::move(list)}}.dump());
}

Response History(const AlarmEngine& engine, const Clock& clock, const Request& req) {
  const Timestamp now = clock.Now();
  Timestamp from = std::numeric_limits<Timestamp>::min(), to = std::numeric_limits<Timestamp>::max();
  for (const auto& [name, out] : {std::pair<const char*, Timestamp*>{"from", &from}, {"to", &to}}) {
    if (const std::string* s = req.Query(name)) {
      Result<Timestamp> t = ParseTime(*s, now);
      if (!t.ok()) return Bad(std::string(name) + ": " + t.status().message());
      *out = *t;
    }
  }
  std::size_t limit = 1000;
  if (const std::string* s = req.Query("limit")) {
    char* end = nullptr;
    const unsigned long long n = std::strtoull(s->c_str(), &end, 10);
    if (s->empty() || *end != '\0' || n == 0 || n > kMaxHistory)
      return Bad("limit: expected 1 to " + std::to_string(kMaxHistory));
    limit = n;
  }
  const std::string* id = req.Query("id");
  nlohmann::json records = nlohmann::json::array();
  for (const alarms::AlarmRecord& r : engine.History(id ? *id : "", from, to, limit))
    records.push_back(RecordJson(r));
  return Response::Json(200, nlohmann::json{{"records", std::move(records)}}.dump());
}

Response One(const AlarmEngine& engine, const std::string& id) {
  const std::optional<alarms::AlarmView> alarm = engine.Get(id);
  if (!alarm) return Response::Error(404, "unknown_alarm", "no alarm with id " + id);
  nlohmann::json j = AlarmJson(*alarm);
  nlohmann::json journal = nlohmann::json::array();
  for (const alarms::AlarmRecord& r : engine.History(id, std::numeric_limits<Timestamp>::min(),
                                                     std::numeric_limits<Timestamp>::max(), kMaxHistory))
    journal.push_back(RecordJson(r));
  j["journal"] = std::move(journal);
  return Response::Json(200, j.dump());
}

std::string Field(const nlohmann::json& body, const char* name) {
  const auto it = body.find(name);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Response Act(AlarmEngine& engine, const Clock& clock, const Request& req) {
  const std::size_t slash = req.tail.find('/');
  if (slash == std::string::npos)
    return Response::Error(404, "not_found", "expected /api/v1/alarms/{id}/{action}");
  const std::string id = req.tail.substr(0, slash), word = req.tail.substr(slash + 1);
  const std::optional<alarms::OperatorAction> action = alarms::ParseOperatorAction(word);
  if (!action)
    return Response::Error(
        404, "not_found",
        "unknown action \"" + word +
            "\"; expected ack, shelve, unshelve, comment, out_of_service or return_to_service");
  const nlohmann::json body =
      req.body.empty() ? nlohmann::json::object() : nlohmann::json::parse(req.body, nullptr, false);
  if (!body.is_object()) return Bad("body: expected a JSON object");
  const std::string user = Field(body, "user"), comment = Field(body, "comment");
  if (user.empty()) return Bad("user: required (who acts on the alarm)");
  if (*action == alarms::OperatorAction::kComment && comment.empty()) return Bad("comment: required");
  Timestamp until = 0;
  if (*action == alarms::OperatorAction::kShelve) {
    const Timestamp now = clock.Now();
    if (const std::string u = Field(body, "until"); !u.empty()) {
      Result<Timestamp> t = ParseTime(u, now);
      if (!t.ok()) return Bad("until: " + t.status().message());
      until = *t;
    } else if (const std::string d = Field(body, "for"); !d.empty()) {
      Result<std::int64_t> ns = ParseDuration(d);
      if (!ns.ok()) return Bad("for: " + ns.status().message());
      until = now + *ns;
    }
    if (until <= now) return Bad("until/for: a shelf needs an end in the future");
  }
  const Status s = engine.Act(id, *action, user, comment, until);
  if (s.code() == StatusCode::kNotFound) return Response::Error(404, "unknown_alarm", s.message());
  if (s.code() == StatusCode::kFailedPrecondition) return Response::Error(409, "not_applicable", s.message());
  if (s.code() == StatusCode::kInvalidArgument) return Bad(s.message());
  if (!s.ok()) return Response::Error(500, "journal_error", s.message());
  return One(engine, id);
}

}  // namespace

nlohmann::json AlarmJson(const alarms::AlarmView& a) {
  nlohmann::json j = {{"id", a.id},
                      {"asset", a.asset},
                      {"rule", a.rule},
                      {"severity", alarms::SeverityName(a.severity)},
                      {"priority", a.priority},
                      {"condition", a.condition},
                      {"value", alarms::NumberOrNull(a.value)},
                      {"limit", alarms::NumberOrNull(a.limit)},
                      {"message", a.message},
                      {"shown", a.annunciated}};
  j.update(StateJson(a.state));
  return j;
}

nlohmann::json RecordJson(const alarms::AlarmRecord& r) {
  nlohmann::json j = alarms::RecordFields(r);
  j["from"] = alarms::AlarmStateName(r.entry.from);
  j["to"] = alarms::AlarmStateName(r.entry.to);
  j["after"] = StateJson(r.after);
  return j;
}

void RegisterAlarmRoutes(api::Router& router, AlarmEngine& engine, const Clock& clock) {
  router.Get("/api/v1/alarms", api::Role::kViewer,
             "alarms: state, severity, value, message; shown ones first",
             [&engine](const Request& req) { return List(engine, req); });
  router.Get("/api/v1/alarms/history", api::Role::kViewer, "the alarm journal between two times",
             [&engine, &clock](const Request& req) { return History(engine, clock, req); });
  router.GetPrefix("/api/v1/alarms/", api::Role::kViewer, "one alarm with its journal",
                   [&engine](const Request& req) { return One(engine, req.tail); });
  router.Add({"POST", "/api/v1/alarms/", api::Route::Match::kPrefix, api::Role::kOperator,
              "acknowledge, shelve, unshelve, comment, out_of_service or return_to_service an alarm",
              [&engine, &clock](const Request& req) { return Act(engine, clock, req); }});
}

}  // namespace mw::app
