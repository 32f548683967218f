// A small plant address space the server tests share: ns "urn:millwright:test-plant" with
// Plant/Pump1 holding Speed (writable Double with EURange 0..3000 rpm), Count (Int32), Temps
// (Double[3]), Label (read-only String), Status (a PumpStatus structure with a nested
// InnerStatus and an array) and Bench.D0..n (Doubles).
#pragma once

#include <string>

#include "opcua/server/address_space.h"

namespace mw::opcua::testing {

inline constexpr const char* kPlantNamespace = "urn:millwright:test-plant";

struct TestPlant {
  std::uint16_t ns = 0;
  NodeId Id(const std::string& name) const { return NodeId::StringId(ns, name); }
};

// Adds the plant to `space`; `bench_nodes` Doubles under Bench.
TestPlant AddTestPlant(server::AddressSpace& space, int bench_nodes = 10);

}  // namespace mw::opcua::testing
