// The alarm routes of the HTTP API, over an AlarmEngine:
//
//   GET  /api/v1/alarms?state=&severity=&asset=&all=   alarms not normal (or of a state; all=true:
//                                                     every alarm), shown ones first
//   GET  /api/v1/alarms/{id}                          one alarm with its journal
//   GET  /api/v1/alarms/history?from=&to=&limit=&id=  journal records, oldest first
//   POST /api/v1/alarms/{id}/ack|shelve|unshelve|comment|out_of_service|return_to_service
//        body {"user": "...", "comment": "...", "until": "<time>" | "for": "<duration>"}
//
// Times in responses are Unix ms with an RFC 3339 twin (`_iso`), the API's convention. A POST
// needs `user` (until the API authenticates, issue 11, whose user will replace it); `comment` needs
// a comment; `shelve` needs `until` or `for`. Errors are the API's JSON errors: 400 bad_request
// naming the field, 404 unknown_alarm, 409 not_applicable (acknowledging a normal alarm).
#pragma once

#include <nlohmann/json.hpp>

#include "alarms/engine.h"
#include "api/http_server.h"
#include "core/clock.h"

namespace mw::app {

void RegisterAlarmRoutes(api::Router& router, alarms::AlarmEngine& engine, const Clock& clock);

nlohmann::json AlarmJson(const alarms::AlarmView& alarm);
nlohmann::json RecordJson(const alarms::AlarmRecord& record);

}  // namespace mw::app
