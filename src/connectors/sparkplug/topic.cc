#include "connectors/sparkplug/topic.h"

#include <algorithm>
#include <array>
#include <utility>

namespace mw::connectors::sparkplug {
namespace {

constexpr std::array<std::pair<std::string_view, MessageType>, 8> kTypes = {{
    {"NBIRTH", MessageType::kNBirth},
    {"NDEATH", MessageType::kNDeath},
    {"DBIRTH", MessageType::kDBirth},
    {"DDEATH", MessageType::kDDeath},
    {"NDATA", MessageType::kNData},
    {"DDATA", MessageType::kDData},
    {"NCMD", MessageType::kNCmd},
    {"DCMD", MessageType::kDCmd},
}};

// Splits on '/' into `out`; returns the number of levels, or out.size() + 1 when there are more.
std::size_t Split(std::string_view topic, std::array<std::string_view, 6>& out) {
  std::size_t n = 0;
  std::size_t start = 0;
  while (n < out.size()) {
    const std::size_t slash = topic.find('/', start);
    out[n++] = topic.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (slash == std::string_view::npos) return n;
    start = slash + 1;
  }
  return n + 1;  // more levels than any Sparkplug topic has
}

Status Bad(std::string_view topic, const std::string& why) {
  return Status::InvalidArgument("topic \"" + std::string(topic) + "\": " + why);
}

Status CheckLevel(std::string_view topic, std::string_view what, std::string_view id) {
  std::string why = CheckId(id);
  if (why.empty()) return Status::Ok();
  return Bad(topic, std::string(what) + " " + why);
}

}  // namespace

std::string_view MessageTypeName(MessageType type) {
  if (type == MessageType::kState) return "STATE";
  for (const auto& [name, t] : kTypes)
    if (t == type) return name;
  return "?";
}

bool IsDeviceMessage(MessageType type) {
  return type == MessageType::kDBirth || type == MessageType::kDDeath || type == MessageType::kDData ||
         type == MessageType::kDCmd;
}

std::string CheckId(std::string_view id) {
  if (id.empty()) return "is empty";
  for (char c : {'/', '+', '#'})
    if (id.find(c) != std::string_view::npos) return "may not contain '" + std::string(1, c) + "'";
  return {};
}

Result<Topic> ParseTopic(std::string_view topic) {
  std::array<std::string_view, 6> level;
  const std::size_t n = Split(topic, level);
  if (level[0] != kNamespace) return Bad(topic, "not in the spBv1.0 namespace");
  if (n < 3) return Bad(topic, "too few levels for a Sparkplug topic");
  Topic t;
  if (level[1] == "STATE" && n == 3) {
    MW_RETURN_IF_ERROR(CheckLevel(topic, "host id", level[2]));
    t.type = MessageType::kState;
    t.host = std::string(level[2]);
    return t;
  }
  MW_RETURN_IF_ERROR(CheckLevel(topic, "group id", level[1]));
  const auto* found =
      std::find_if(kTypes.begin(), kTypes.end(), [&](const auto& e) { return e.first == level[2]; });
  if (found == kTypes.end()) return Bad(topic, "unknown message type \"" + std::string(level[2]) + "\"");
  t.type = found->second;
  const std::size_t want = IsDeviceMessage(t.type) ? 5 : 4;
  if (n != want)
    return Bad(topic, std::string(found->first) + " takes " + std::to_string(want) + " levels, found " +
                          (n > 5 ? "more than 5" : std::to_string(n)));
  MW_RETURN_IF_ERROR(CheckLevel(topic, "edge node id", level[3]));
  if (want == 5) MW_RETURN_IF_ERROR(CheckLevel(topic, "device id", level[4]));
  t.group = std::string(level[1]);
  t.edge = std::string(level[3]);
  if (want == 5) t.device = std::string(level[4]);
  return t;
}

std::string NodeTopic(std::string_view group, MessageType type, std::string_view edge) {
  std::string out(kNamespace);
  out.append("/").append(group).append("/").append(MessageTypeName(type)).append("/").append(edge);
  return out;
}

std::string DeviceTopic(std::string_view group, MessageType type, std::string_view edge,
                        std::string_view device) {
  return NodeTopic(group, type, edge).append("/").append(device);
}

std::string StateTopic(std::string_view host) {
  return std::string(kNamespace) + "/STATE/" + std::string(host);
}

std::string FormatTopic(const Topic& t) {
  if (t.type == MessageType::kState) return StateTopic(t.host);
  if (IsDeviceMessage(t.type)) return DeviceTopic(t.group, t.type, t.edge, t.device);
  return NodeTopic(t.group, t.type, t.edge);
}

Status CheckAssetPattern(std::string_view pattern, bool device_allowed) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("asset pattern \"" + std::string(pattern) + "\": " + why);
  };
  if (pattern.empty()) return bad("is empty");
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '}') return bad("'}' without '{' at byte " + std::to_string(i));
    if (pattern[i] != '{') continue;
    const std::size_t close = pattern.find('}', i);
    if (close == std::string_view::npos) return bad("'{' without '}' at byte " + std::to_string(i));
    const std::string_view name = pattern.substr(i + 1, close - i - 1);
    if (name == "device" && !device_allowed) return bad("{device} is not known for node-level metrics");
    if (name != "group" && name != "edge" && name != "device")
      return bad("unknown placeholder {" + std::string(name) + "}; expected {group}, {edge} or {device}");
    i = close;
  }
  return Status::Ok();
}

std::string ExpandAssetPattern(std::string_view pattern, std::string_view group, std::string_view edge,
                               std::string_view device) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const std::size_t close = pattern[i] == '{' ? pattern.find('}', i) : std::string_view::npos;
    if (close == std::string_view::npos) {
      out += pattern[i];
      continue;
    }
    const std::string_view name = pattern.substr(i + 1, close - i - 1);
    out.append(name == "group" ? group : name == "edge" ? edge : device);
    i = close;
  }
  return out;
}

}  // namespace mw::connectors::sparkplug
