#include "sim/sparkplug_outlet.h"

#include <cmath>

#include <fmt/format.h>

namespace mw::sim {
namespace {

namespace sp = connectors::sparkplug;

// "plant/line1/pump-01" -> {"line1", "pump-01"}.
std::pair<std::string, std::string> LineAndDevice(const std::string& path) {
  const std::size_t last = path.rfind('/');
  const std::size_t before =
      last == std::string::npos || last == 0 ? std::string::npos : path.rfind('/', last - 1);
  const std::size_t line_start = before == std::string::npos ? 0 : before + 1;
  if (last == std::string::npos) return {"edge", path};
  return {path.substr(line_start, last - line_start), path.substr(last + 1)};
}

}  // namespace

SparkplugOutlet::SparkplugOutlet(std::string host, int port, std::string group_id)
    : host_(std::move(host)), port_(port), group_id_(std::move(group_id)) {}

SparkplugOutlet::~SparkplugOutlet() { Stop(); }

Result<std::size_t> SparkplugOutlet::Add(const std::string& path, const Twin& twin) {
  if (!nodes_.empty() && nodes_.front().edge)
    return Status::FailedPrecondition("sparkplug outlet: Add after Start");
  auto [line, device] = LineAndDevice(path);
  auto [it, fresh] = node_index_.emplace(line, nodes_.size());
  if (fresh) nodes_.push_back({line, {}, nullptr});
  Node& node = nodes_[it->second];
  sp::EdgeDevice d;
  d.id = device;
  for (const SignalDef& s : twin.signals()) d.metrics.push_back({s.name, sp::DataType::kDouble});
  node.devices.push_back(std::move(d));
  machines_.push_back({it->second, node.devices.size() - 1});
  return machines_.size() - 1;
}

Status SparkplugOutlet::Start() {
  for (Node& node : nodes_) {
    if (node.edge) continue;
    sp::EdgeNodeOptions o;
    o.host = host_;
    o.port = port_;
    o.group_id = group_id_;
    o.edge_node_id = node.id;
    o.devices = node.devices;
    node.edge = std::make_unique<sp::EdgeNode>(std::move(o));
    MW_RETURN_IF_ERROR(node.edge->Init());
  }
  reachable_ = true;
  return Status::Ok();
}

void SparkplugOutlet::Stop() {
  for (Node& node : nodes_) {
    if (node.edge) node.edge->Stop();
    node.edge.reset();
  }
}

void SparkplugOutlet::Service() {
  if (!reachable_) return;  // cut off: no reconnection until the network is back
  for (Node& node : nodes_)
    if (node.edge) node.edge->Service(std::chrono::milliseconds(0));
}

void SparkplugOutlet::Publish(std::size_t slot, Timestamp time, std::span<const double> values) {
  if (!reachable_ || slot >= machines_.size()) return;
  const Machine& m = machines_[slot];
  sp::EdgeNode* edge = nodes_[m.node].edge.get();
  if (edge == nullptr || !edge->online()) return;  // not born yet: the births will carry the state
  updates_.clear();
  for (std::size_t i = 0; i < values.size(); ++i) {
    const bool null = !std::isfinite(values[i]);
    updates_.push_back({i, null ? sp::MetricValue{} : sp::MetricValue{values[i]}, null});
  }
  (void)edge->PublishDeviceData(m.device, updates_, static_cast<std::uint64_t>(time / kNanosPerMilli));
}

void SparkplugOutlet::SetReachable(bool reachable) {
  if (reachable == reachable_) return;
  reachable_ = reachable;
  if (!reachable) {
    for (Node& node : nodes_)
      if (node.edge) node.edge->DropConnection();
  }
}

std::vector<std::string> SparkplugOutlet::Endpoints() const {
  return {fmt::format("sparkplug mqtt://{}:{}/spBv1.0/{}", host_, port_, group_id_)};
}

std::size_t SparkplugOutlet::online() const {
  std::size_t n = 0;
  for (const Node& node : nodes_) n += node.edge && node.edge->online() ? 1 : 0;
  return n;
}

}  // namespace mw::sim
