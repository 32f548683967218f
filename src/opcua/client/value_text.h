// OPC UA values as text, for people (the `millwright opcua` tool, log lines) and for scripts
// (JSON), and text back into a value of a known built-in type (for Write).
//
// Text: numbers in their shortest exact form, strings quoted, DateTime as RFC 3339 UTC,
// StatusCode by name, NodeIds in their standard text form, arrays as [a, b, ...] (cut after
// `max_elements` with the total given), structures as {name: value, ...}. JSON: numbers as numbers
// (64-bit integers as numbers too; JSON parsers that use doubles lose digits past 2^53), ByteString
// as base64, and the rest as their text. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "opcua/encoding/structure.h"
#include "opcua/encoding/types.h"

namespace mw::opcua {

std::string ValueToText(const Value& value);
std::string VariantToText(const Variant& variant, std::size_t max_elements = 16);
std::string StructuredToText(const StructuredValue& value);
nlohmann::json ValueToJson(const Value& value);
nlohmann::json VariantToJson(const Variant& variant);
nlohmann::json StructuredToJson(const StructuredValue& value);

// Parses `text` as one scalar of `type` (Boolean: true/false/1/0; numbers with range checks;
// String as is; DateTime RFC 3339; NodeId text form; StatusCode by name or 0x hex), or as an
// array of them when `text` is a JSON array. InvalidArgument names the type and the text.
Result<Variant> ParseVariant(std::string_view text, BuiltinType type);

// A number for the pipeline: Boolean as 0/1, every integer and float type, StatusCode's code;
// nullopt for the rest.
std::optional<double> ValueToDouble(const Value& value);

}  // namespace mw::opcua
