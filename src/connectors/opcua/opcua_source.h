// OpcuaSource: a pipeline Source that reads one OPC UA server (our own client, src/opcua/client)
// and turns the values of its nodes into samples of one asset.
//
// Nodes are configured by node id (`ns=2;s=Pump.Speed`) or by browse path from the Objects folder
// (`TestPeer/Dynamic/Sine`, with `*` for any one level and `**` for any number of levels); each
// maps to a signal name, where `{name}` stands for the browse name of the node found. Paths are
// resolved at each (re)connection, so nodes added on the server are picked up after a reconnect.
//
// Modes: `subscribe` (one subscription; sampling interval, queue size and deadband per the
// options) or `poll` (one Read of every node per interval). Timestamps: the source timestamp, or
// the server's when asked or when the source gave none, or the arrival time. StatusCode class ->
// sample quality (Good, Uncertain, Bad). Numbers and Booleans become one sample; numeric arrays
// one sample per element (`<signal>.<index>`), except two-dimensional Float or Double arrays, which
// are one frame each of `<signal>` (Emitter::EmitFrame: stored whole by the historian); structures one sample
// per numeric field
// (`<signal>.<field>`, nested fields joined by '.'), decoded from the server's own type
// definitions.
//
// Recovery is the client's (reconnect, session re-activation, subscription transfer or
// re-creation, watchdog). A node the server refuses or deletes is logged once, counted
// (mw_decode_errors_total{reason="bad_node"}) and isolated: the other nodes keep flowing.
//
// Threading: the client's I/O thread only queues data changes; the source's own thread converts
// them (it may ask the server for a type definition) and emits. The queue holds at most
// max_queued changes; beyond that the oldest are dropped and counted (reason="overflow") — a
// subscription cannot be paused, so this is where back-pressure ends. Start/Stop from any thread;
// Stop is idempotent and joins.
//
// Metrics {source=<name>}: mw_messages_in_total (data changes), mw_samples_in_total,
// mw_decode_errors_total{reason}: bad_node, bad_status, not_numeric, overflow, frame (not stored);
// mw_opcua_connected (gauge), mw_opcua_reconnects_total.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/catalog.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "opcua/client/client.h"
#include "pipeline/plugin.h"

namespace mw::connectors::opcua_source {

struct NodeMapping {
  std::string key;     // node id text or browse path
  std::string signal;  // may contain {name}
};

struct OpcuaSourceOptions {
  opcua::ClientOptions client;
  std::string asset;
  std::vector<NodeMapping> nodes;
  bool subscribe = true;
  double interval_ms = 1000;
  std::uint32_t queue_size = 10;
  std::uint32_t deadband_type = 0;  // 0 none, 1 absolute, 2 percent
  double deadband_value = 0;
  bool server_timestamps = false;
  std::size_t max_queued = 1'000'000;
  std::int64_t reconnect_max_ns = 10 * kNanosPerSecond;
};

// One resolved node: what to read and the series its value lands in.
struct ResolvedNode {
  opcua::NodeId node;
  std::string signal;
};

// Glob match of one browse name against one path segment: '*' any run of characters, '?' one.
bool SegmentMatches(std::string_view pattern, std::string_view name);

class OpcuaSource final : public pipeline::Source {
 public:
  OpcuaSource(std::string name, OpcuaSourceOptions options, AssetId asset, Catalog& catalog,
              MetricsRegistry& metrics, const Clock& clock);
  ~OpcuaSource() override;

  Status Start(pipeline::Emitter& emitter) override;
  void Stop() override;

  // Resolves every mapping against the connected server (exposed for tests).
  static Result<std::vector<ResolvedNode>> ResolveNodes(opcua::Client& client,
                                                        const std::vector<NodeMapping>& nodes);

 private:
  void Run();
  Status Session(opcua::Client& client);
  Status Subscribe(opcua::Client& client, const std::vector<ResolvedNode>& nodes);
  void Poll(opcua::Client& client, const std::vector<ResolvedNode>& nodes);
  void Convert(opcua::Client& client, const std::vector<ResolvedNode>& nodes, std::uint32_t handle,
               const opcua::DataValue& value, Batch& out);
  void AppendValue(opcua::Client& client, const std::string& signal, const opcua::Variant& v, Timestamp t,
                   Quality q, Batch& out);
  void EmitFrame(const std::string& signal, const opcua::Variant& v, Timestamp t);
  void AppendStructure(const std::string& prefix, const opcua::StructuredValue& s, Timestamp t, Quality q,
                       Batch& out);
  SeriesId SeriesOf(const std::string& signal);
  bool Sleep(std::int64_t ns);

  std::string name_;
  OpcuaSourceOptions options_;
  AssetId asset_;
  Catalog& catalog_;
  const Clock& clock_;
  pipeline::Emitter* emitter_ = nullptr;
  LogLimiter log_;

  Counter* messages_in_;
  Counter* samples_in_;
  Counter* bad_node_;
  Counter* bad_status_;
  Counter* not_numeric_;
  Counter* frame_errors_;
  Counter* overflow_;
  Gauge* connected_;
  Counter* reconnects_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<opcua::DataChange> queue_;
  bool stopping_ = false;
  std::thread thread_;
  std::unordered_map<std::string, SeriesId> series_;
};

}  // namespace mw::connectors::opcua_source
