// Sparkplug B topics (Eclipse Sparkplug 3.0, "Topic Namespace"):
//
//   spBv1.0/<group>/<NBIRTH|NDEATH|NDATA|NCMD>/<edge node>
//   spBv1.0/<group>/<DBIRTH|DDEATH|DDATA|DCMD>/<edge node>/<device>
//   spBv1.0/STATE/<host id>
//
// Ids are non-empty and hold none of '/', '+', '#'. A node message has exactly four levels, a
// device message five, STATE three; anything else is an error naming the topic and what is wrong.
// (Sparkplug 2.2's "STATE/<host id>" outside the namespace is not accepted; neither is a STATE
// message type under a group.)
//
// Asset patterns turn a topic's ids into an asset path: literal text with {group}, {edge} and
// {device}, e.g. "{group}/{edge}/{device}".
//
// Thread-safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace mw::connectors::sparkplug {

inline constexpr std::string_view kNamespace = "spBv1.0";
// The metric of a command that asks an edge node for its births again, and the birth/death
// session number of NBIRTH and NDEATH.
inline constexpr std::string_view kRebirthMetric = "Node Control/Rebirth";
inline constexpr std::string_view kBdSeqMetric = "bdSeq";

enum class MessageType : std::uint8_t {
  kNBirth,
  kNDeath,
  kDBirth,
  kDDeath,
  kNData,
  kDData,
  kNCmd,
  kDCmd,
  kState
};

// "NBIRTH", "DDATA", "STATE", ...
std::string_view MessageTypeName(MessageType type);
// True for the DBIRTH, DDEATH, DDATA and DCMD, whose topics name a device.
bool IsDeviceMessage(MessageType type);

struct Topic {
  MessageType type = MessageType::kNData;
  std::string group;   // "" for STATE
  std::string edge;    // the edge node id; "" for STATE
  std::string device;  // device messages only
  std::string host;    // STATE only: the host application id
};

Result<Topic> ParseTopic(std::string_view topic);

// The topic of a node message (NBIRTH, NDEATH, NDATA, NCMD).
std::string NodeTopic(std::string_view group, MessageType type, std::string_view edge);
// The topic of a device message (DBIRTH, DDEATH, DDATA, DCMD).
std::string DeviceTopic(std::string_view group, MessageType type, std::string_view edge,
                        std::string_view device);
std::string StateTopic(std::string_view host);
// The topic of `t`, as ParseTopic reads it.
std::string FormatTopic(const Topic& t);

// "" if `id` may be a group, edge node, device or host id, else why not ("... may not contain '+'").
std::string CheckId(std::string_view id);

// Checks an asset pattern: balanced braces, only {group}, {edge} and (if `device_allowed`) {device}.
Status CheckAssetPattern(std::string_view pattern, bool device_allowed);
// The asset path of `pattern` (checked by CheckAssetPattern) for these ids.
std::string ExpandAssetPattern(std::string_view pattern, std::string_view group, std::string_view edge,
                               std::string_view device);

}  // namespace mw::connectors::sparkplug
