// SparkplugOutlet: the twins of the sparkplug groups published as Sparkplug B edge nodes.
//
// Topology: the fleet's [sparkplug] group_id is the Sparkplug group; each line is an edge node
// (edge node id = the line); each machine is a device (device id = its name) whose metrics are its
// signals, as Doubles. Edge node and births follow connectors/sparkplug/edge_node.h: NDEATH as the
// will, NBIRTH with bdSeq and "Node Control/Rebirth", DBIRTH with names and aliases, then DDATA by
// alias; a rebirth command is answered. With the default group "plant" a host's asset pattern
// "{group}/{edge}/{device}" gives the same asset paths as the other protocols
// (plant/<line>/<machine>). A dropped value (NaN) is published as a null metric.
//
// SetReachable(false) drops every connection without a DISCONNECT, so the broker publishes the
// NDEATH wills, and stops publishing and reconnecting until true.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "connectors/sparkplug/edge_node.h"
#include "sim/outlet.h"

namespace mw::sim {

class SparkplugOutlet final : public Outlet {
 public:
  SparkplugOutlet(std::string host, int port, std::string group_id);
  ~SparkplugOutlet() override;

  Result<std::size_t> Add(const std::string& path, const Twin& twin) override;
  Status Start() override;
  void Stop() override;
  void Publish(std::size_t slot, Timestamp time, std::span<const double> values) override;
  void Service() override;
  void SetReachable(bool reachable) override;
  std::vector<std::string> Endpoints() const override;

  // Edge nodes that are online (born); for tests.
  std::size_t online() const;

 private:
  struct Node {
    std::string id;  // the line
    std::vector<connectors::sparkplug::EdgeDevice> devices;
    std::unique_ptr<connectors::sparkplug::EdgeNode> edge;
  };
  struct Machine {
    std::size_t node = 0;
    std::size_t device = 0;
  };

  std::string host_;
  int port_;
  std::string group_id_;
  std::vector<Node> nodes_;
  std::map<std::string, std::size_t> node_index_;
  std::vector<Machine> machines_;
  std::vector<connectors::sparkplug::MetricUpdate> updates_;  // reused by Publish
  bool reachable_ = true;
};

}  // namespace mw::sim
