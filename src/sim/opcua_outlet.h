// OpcuaOutlet: the twins of the opcua groups served by our OPC UA server, laid out the way an
// industrial PC serves a machine.
//
// Namespace "urn:millwright:sim", index 2 (1 is the server's own). Objects/Plant/<line>/<machine> is an
// object per machine; under it one read-only variable per signal, node id `s=<machine path>/<signal>` (e.g.
// `ns=2;s=plant/line1/pump-01/vibration_x`), with the signal's unit as EngineeringUnits. Signals
// named `<part>.<field>` (the PLC line's `valve1.travel_ms`, `motor.current_l1`) are served as one
// structured variable per part, `s=<machine path>/<part>`, of a structured DataType declared with
// its StructureDefinition (`<Twin><Part>Status`, e.g. PlcLineValveStatus with Double fields), the
// way a PLC exposes its UDTs: a client decodes it from the server's own type definitions. A twin's
// frame (the printer's temperature grid) is a Float matrix variable with ArrayDimensions
// [rows, cols]. Source timestamps are the records' times.
//
// SetReachable(false) closes the server (clients see their connection refused); true opens it
// again on the same port; values return with the next records.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "opcua/server/server.h"
#include "sim/outlet.h"

namespace mw::sim {

class OpcuaOutlet final : public Outlet {
 public:
  OpcuaOutlet(std::string host, int port);
  ~OpcuaOutlet() override;

  Result<std::size_t> Add(const std::string& path, const Twin& twin) override;
  Status Start() override;
  void Stop() override;
  void Publish(std::size_t slot, Timestamp time, std::span<const double> values) override;
  void SetReachable(bool reachable) override;
  std::vector<std::string> Endpoints() const override;

  int port() const { return port_; }
  std::uint16_t namespace_index() const { return ns_; }

 private:
  // One variable of a machine: a scalar signal, a structure of several, or the frame.
  struct Item {
    enum class Kind { kScalar, kStructure, kFrame } kind = Kind::kScalar;
    opcua::server::Node* node = nullptr;
    opcua::NodeId type;                // kStructure: its DataType
    std::vector<std::string> fields;   // kStructure: field names
    std::vector<std::size_t> indexes;  // value index of the scalar or of each field
    std::uint64_t frame_version = 0;   // kFrame: the version last served
  };
  struct Machine {
    std::string path;
    const Twin* twin = nullptr;
    std::vector<Item> items;
  };

  Status Build();
  Status AddMachine(Machine& machine);
  Result<opcua::NodeId> EnsureFolders(const std::string& path);
  Result<opcua::NodeId> StructureType(const Twin& twin, const std::string& part,
                                      const std::vector<std::string>& fields);
  opcua::NodeId Id(const std::string& s) const { return opcua::NodeId::StringId(ns_, s); }

  std::string host_;
  int port_;
  std::uint16_t ns_ = 0;
  std::unique_ptr<opcua::server::Server> server_;
  std::vector<Machine> machines_;
  std::map<std::string, opcua::NodeId> types_;  // declared structure types by name
};

}  // namespace mw::sim
