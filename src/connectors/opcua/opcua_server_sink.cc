#include "connectors/opcua/opcua_server_sink.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <mutex>

#include "opcua/encoding/datetime.h"
#include "opcua/encoding/status_code_names.h"

namespace mw::connectors::opcua_source {
namespace {

using opcua::NodeId;
using opcua::server::Node;
using opcua::server::VariableOptions;

constexpr std::uint32_t kUncertainCode = 0x40000000;
constexpr std::uint32_t kBadCode = 0x80000000;

opcua::DataValue Value(opcua::Value v, Timestamp time) {
  opcua::DataValue dv;
  dv.value = opcua::Variant::Scalar(std::move(v));
  dv.source_timestamp = opcua::DateTimeFromTimestamp(time);
  return dv;
}

}  // namespace

OpcuaServerSink::OpcuaServerSink(std::string name, OpcuaServerSinkOptions options, const Catalog& catalog,
                                 MetricsRegistry& metrics)
    : name_(std::move(name)),
      options_(std::move(options)),
      catalog_(catalog),
      errors_(&metrics.GetCounter("mw_opcua_server_sink_errors_total",
                                  "values the OPC UA server sink could not publish", {{"sink", name_}})) {}

OpcuaServerSink::~OpcuaServerSink() { Stop(); }

std::string OpcuaServerSink::endpoint_url() const {
  return server_ ? server_->endpoint_url() : std::string();
}

Status OpcuaServerSink::Start() {
  Result<std::unique_ptr<opcua::server::Server>> server = opcua::server::Server::Start(options_.server);
  if (!server.ok())
    return Status(server.status().code(), "opcua_server sink " + name_ + ": " + server.status().message());
  server_ = std::move(server).value();
  opcua::server::AddressSpace& space = server_->address_space();
  ns_ = space.AddNamespace(options_.namespace_uri);
  const NodeId root = NodeId::StringId(ns_, "Millwright");
  MW_RETURN_IF_ERROR(
      space.AddFolder(root, NodeId::Numeric(0, opcua::server::ns0::kObjectsFolder), {ns_, "Millwright"})
          .status());
  for (const AssetInfo& asset : catalog_.Assets()) {
    if (!EnsureAsset(asset.path).ok()) errors_->Add();
    for (const SeriesId id : asset.series) (void)NodeOf(id);
  }
  spdlog::info("opcua_server sink {}: serving results at {}", name_, server_->endpoint_url());
  return Status::Ok();
}

void OpcuaServerSink::Stop() {
  if (server_) server_->Stop();
}

// Folders for the path's leading segments, an object for the asset; returns the asset's node.
Result<NodeId> OpcuaServerSink::EnsureAsset(const std::string& path) {
  opcua::server::AddressSpace& space = server_->address_space();
  NodeId parent = NodeId::StringId(ns_, "Millwright");
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    const bool last = slash == std::string::npos;
    const std::string segment = path.substr(start, last ? std::string::npos : slash - start);
    const NodeId id = NodeId::StringId(ns_, path.substr(0, last ? std::string::npos : slash));
    if (!space.Exists(id)) {
      Result<Node*> added =
          last ? space.AddObject(id, parent, {ns_, segment}) : space.AddFolder(id, parent, {ns_, segment});
      if (!added.ok() && added.status().code() != StatusCode::kAlreadyExists) return added.status();
    }
    if (last) return id;
    parent = id;
    start = slash + 1;
  }
}

Node* OpcuaServerSink::AddSeries(const SeriesInfo& info) {
  Result<NodeId> asset = EnsureAsset(info.asset_path);
  if (!asset.ok()) return nullptr;
  opcua::server::AddressSpace& space = server_->address_space();
  const NodeId id = NodeId::StringId(ns_, info.asset_path + "/" + info.signal);
  if (Node* existing = space.Find(id)) return existing;
  VariableOptions v;
  v.value = opcua::Variant::Scalar(0.0);
  v.description = opcua::LocalizedText{std::nullopt, info.asset_path + " " + info.signal};
  Result<Node*> added = space.AddVariable(id, *asset, {ns_, info.signal}, v);
  if (!added.ok()) return space.Find(id);  // another worker was first
  if (!info.unit.empty()) (void)space.AddEngineering(id, {info.unit, -1, std::nullopt});
  // No value until the first sample: clients see BadWaitingForInitialData rather than a 0.
  opcua::DataValue empty;
  empty.status = opcua::UaStatusCode{0x80320000};
  (void)space.SetValue(*added, empty);
  return *added;
}

Node* OpcuaServerSink::NodeOf(SeriesId series) {
  {
    std::shared_lock lock(mu_);
    if (series < by_series_.size() && by_series_[series] != nullptr) return by_series_[series];
  }
  const std::optional<SeriesInfo> info = catalog_.Series(series);
  if (!info) return nullptr;
  Node* node = AddSeries(*info);
  std::unique_lock lock(mu_);
  if (series >= by_series_.size()) by_series_.resize(series + 1, nullptr);
  by_series_[series] = node;
  return node;
}

void OpcuaServerSink::OnAnomaly(const Event& e) {
  const std::optional<SeriesInfo> info = catalog_.Series(e.series);
  if (!info || !EnsureAsset(info->asset_path).ok()) return;
  opcua::server::AddressSpace& space = server_->address_space();
  std::uint32_t count = 0;
  AssetNodes nodes;
  {
    std::unique_lock lock(mu_);
    AssetNodes& a = assets_[info->asset_path];
    if (a.anomalies == nullptr) {
      const NodeId asset = NodeId::StringId(ns_, info->asset_path);
      VariableOptions counter;
      counter.data_type = NodeId::Numeric(0, 7);
      counter.value = opcua::Variant::Scalar(std::uint32_t{0});
      Result<Node*> anomalies = space.AddVariable(NodeId::StringId(ns_, info->asset_path + "/anomalies"),
                                                  asset, {ns_, "anomalies"}, counter);
      VariableOptions text;
      text.data_type = NodeId::Numeric(0, 12);
      text.value = opcua::Variant::Scalar(opcua::String(""));
      Result<Node*> last = space.AddVariable(NodeId::StringId(ns_, info->asset_path + "/last_anomaly"), asset,
                                             {ns_, "last_anomaly"}, text);
      a.anomalies = anomalies.ok() ? *anomalies : nullptr;
      a.last_anomaly = last.ok() ? *last : nullptr;
    }
    count = ++a.anomaly_count;
    nodes = a;
  }
  if (nodes.anomalies == nullptr || nodes.last_anomaly == nullptr) {
    errors_->Add();
    return;
  }
  (void)space.SetValue(nodes.anomalies, Value(count, e.time));
  (void)space.SetValue(nodes.last_anomaly, Value(opcua::String(info->signal + ": " + e.message), e.time));
}

Status OpcuaServerSink::Write(const Batch& samples, const std::vector<Event>& events) {
  if (!server_) return Status::FailedPrecondition("opcua_server sink " + name_ + " is not started");
  opcua::server::AddressSpace& space = server_->address_space();
  std::uint64_t failed = 0;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const Sample s = samples.At(i);
    Node* node = NodeOf(s.series);
    if (node == nullptr) {
      ++failed;
      continue;
    }
    opcua::DataValue dv = Value(s.value, s.time);
    if (s.quality == Quality::kUncertain) dv.status = opcua::UaStatusCode{kUncertainCode};
    if (s.quality == Quality::kBad) dv.status = opcua::UaStatusCode{kBadCode};
    if (!space.SetValue(node, std::move(dv)).ok()) ++failed;
  }
  for (const Event& e : events) {
    if (e.kind == EventKind::kAnomaly) OnAnomaly(e);
  }
  if (failed > 0) errors_->Add(failed);
  return failed == 0 ? Status::Ok() : Status::Internal(fmt::format("{} values not published", failed));
}

}  // namespace mw::connectors::opcua_source
