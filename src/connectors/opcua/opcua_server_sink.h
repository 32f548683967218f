// The `opcua_server` sink: Millwright's results served as an OPC UA address space, so that a
// SCADA or an HMI reads Millwright like any other device.
//
// Every series the pipeline writes, raw signals and derived ones alike (anomaly scores, health,
// features), becomes a read-only Double variable: Objects/Millwright/<asset path, one folder per
// segment, the asset an object>/<signal>, node id `ns=<namespace>;s=<asset path>/<signal>`, with
// the signal's unit as EngineeringUnits. Sample quality maps to the StatusCode (Good, Uncertain,
// Bad); the sample time is the source timestamp. Per asset, `anomalies` (UInt32, counted) and
// `last_anomaly` (String, the detector's message) follow the anomaly events. Declared assets'
// series exist from Start(), before any data; series seen later are added as they come.
//
// Thread-safety: Write() is called by every worker concurrently; a new value costs a lookup in a
// vector by series id and one AddressSpace::SetValue, which reaches only the monitored items of
// that node.
#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/catalog.h"
#include "core/metrics.h"
#include "opcua/server/server.h"
#include "pipeline/plugin.h"

namespace mw::connectors::opcua_source {

struct OpcuaServerSinkOptions {
  opcua::server::ServerOptions server;
  std::string namespace_uri = "urn:millwright:results";
};

class OpcuaServerSink final : public pipeline::Sink {
 public:
  OpcuaServerSink(std::string name, OpcuaServerSinkOptions options, const Catalog& catalog,
                  MetricsRegistry& metrics);
  ~OpcuaServerSink() override;

  Status Start() override;
  void Stop() override;
  Status Write(const Batch& samples, const std::vector<Event>& events) override;

  // The server's endpoint once started (tests, logs).
  std::string endpoint_url() const;
  std::uint16_t namespace_index() const { return ns_; }

 private:
  struct AssetNodes {
    opcua::server::Node* anomalies = nullptr;
    opcua::server::Node* last_anomaly = nullptr;
    std::uint32_t anomaly_count = 0;
  };
  opcua::server::Node* NodeOf(SeriesId series);
  opcua::server::Node* AddSeries(const SeriesInfo& info);
  Result<opcua::NodeId> EnsureAsset(const std::string& path);
  void OnAnomaly(const Event& e);

  const std::string name_;
  OpcuaServerSinkOptions options_;
  const Catalog& catalog_;
  Counter* errors_;
  std::unique_ptr<opcua::server::Server> server_;
  std::uint16_t ns_ = 0;
  std::shared_mutex mu_;
  std::vector<opcua::server::Node*> by_series_;  // index: SeriesId
  std::unordered_map<std::string, AssetNodes> assets_;
};

}  // namespace mw::connectors::opcua_source
