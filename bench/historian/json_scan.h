// Decoding the peers' answers after the clock stopped: simdjson for JSON documents (one, or a
// stream of newline-separated ones), and a scanner for the number arrays of VictoriaMetrics'
// /api/v1/export, which prints large doubles as plain integers of up to 309 digits.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "core/status.h"
#include "core/types.h"

namespace mw::bench::historian {

// Calls `fn` for each JSON document of `body` (one document, or several separated by newlines).
Status ForEachJson(const std::string& body, const std::function<Status(simdjson::dom::element)>& fn);

// A JSON number (integer or not) as a double; a string holding a number is accepted too
// (Prometheus API values are strings).
Result<double> JsonNumber(simdjson::dom::element e);

// In `text`, the numbers of the array that follows `"<key>":[`, from `from`; returns the position
// after the closing bracket, or npos if the key is not found.
std::size_t ScanNumberArray(std::string_view text, std::string_view key, std::size_t from,
                            std::vector<double>& out);

}  // namespace mw::bench::historian
