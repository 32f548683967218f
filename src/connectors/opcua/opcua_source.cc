#include "connectors/opcua/opcua_source.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>

#include "opcua/client/value_text.h"
#include "opcua/encoding/datetime.h"
#include "opcua/encoding/node_id.h"
#include "opcua/encoding/status_code_names.h"
#include "pipeline/metric_names.h"

namespace mw::connectors::opcua_source {
namespace {

using opcua::Client;
using opcua::NodeId;

constexpr std::uint32_t kObjectsFolder = 85;
constexpr std::size_t kMaxExpanded = 200'000;  // nodes a `**` may visit
constexpr std::size_t kBatchChanges = 4096;

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    if (end > start) parts.emplace_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

std::string WithName(const std::string& signal, const std::string& name) {
  std::string out = signal;
  for (std::size_t at = out.find("{name}"); at != std::string::npos;
       at = out.find("{name}", at + name.size())) {
    out.replace(at, 6, name);
  }
  return out;
}

Quality QualityOf(const opcua::DataValue& dv) {
  const opcua::UaStatusCode status = dv.status.value_or(opcua::UaStatusCode{});
  if (status.IsGood()) return Quality::kGood;
  return status.IsUncertain() ? Quality::kUncertain : Quality::kBad;
}

struct Found {
  NodeId node;
  std::string name;
  opcua::NodeClass node_class = opcua::NodeClass::kObject;
};

}  // namespace

bool SegmentMatches(std::string_view pattern, std::string_view name) {
  std::size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Result<std::vector<ResolvedNode>> OpcuaSource::ResolveNodes(Client& client,
                                                            const std::vector<NodeMapping>& nodes) {
  std::vector<ResolvedNode> out;
  for (const NodeMapping& m : nodes) {
    if (m.key.find('=') != std::string::npos) {
      Result<NodeId> id = opcua::ParseNodeId(m.key);
      if (!id.ok())
        return Status::InvalidArgument(fmt::format("node '{}': {}", m.key, id.status().message()));
      out.push_back({*id, WithName(m.signal, opcua::ToString(*id))});
      continue;
    }
    std::vector<std::string> segments = Split(m.key);
    if (!segments.empty() && segments.front() == "Objects") segments.erase(segments.begin());
    std::vector<Found> current = {{NodeId::Numeric(0, kObjectsFolder), "Objects", opcua::NodeClass::kObject}};
    for (const std::string& segment : segments) {
      std::vector<Found> next;
      std::vector<Found> frontier = current;
      if (segment == "**") {
        // Every node at any depth below the current ones, the current ones included.
        next = current;
        for (std::size_t i = 0; i < next.size() && next.size() < kMaxExpanded; ++i) {
          Result<std::vector<opcua::ReferenceDescription>> refs = client.Browse(next[i].node);
          if (!refs.ok()) return refs.status();
          for (const auto& r : *refs) next.push_back({r.node_id.node_id, r.browse_name.name, r.node_class});
        }
      } else {
        for (const Found& f : frontier) {
          Result<std::vector<opcua::ReferenceDescription>> refs = client.Browse(f.node);
          if (!refs.ok()) return refs.status();
          for (const auto& r : *refs) {
            if (SegmentMatches(segment, r.browse_name.name)) {
              next.push_back({r.node_id.node_id, r.browse_name.name, r.node_class});
            }
          }
        }
      }
      current = std::move(next);
    }
    std::size_t matched = 0;
    for (const Found& f : current) {
      if (f.node_class != opcua::NodeClass::kVariable) continue;
      out.push_back({f.node, WithName(m.signal, f.name)});
      ++matched;
    }
    if (matched == 0) return Status::NotFound(fmt::format("browse path '{}' matches no variable", m.key));
  }
  return out;
}

OpcuaSource::OpcuaSource(std::string name, OpcuaSourceOptions options, AssetId asset, Catalog& catalog,
                         MetricsRegistry& metrics, const Clock& clock)
    : name_(std::move(name)),
      options_(std::move(options)),
      asset_(asset),
      catalog_(catalog),
      clock_(clock),
      log_(60 * kNanosPerSecond, &clock) {
  const Labels labels = {{"source", name_}};
  messages_in_ =
      &metrics.GetCounter(pipeline::metric::kMessagesIn, pipeline::metric::kMessagesInHelp, labels);
  samples_in_ = &metrics.GetCounter(pipeline::metric::kSamplesIn, pipeline::metric::kSamplesInHelp, labels);
  auto reason = [&](const char* r) {
    return &metrics.GetCounter(pipeline::metric::kDecodeErrors, pipeline::metric::kDecodeErrorsHelp,
                               {{"source", name_}, {"reason", r}});
  };
  bad_node_ = reason("bad_node");
  bad_status_ = reason("bad_status");
  not_numeric_ = reason("not_numeric");
  frame_errors_ = reason("frame");
  overflow_ = reason("overflow");
  connected_ =
      &metrics.GetGauge("mw_opcua_connected", "1 while an OPC UA source has a working session", labels);
  reconnects_ = &metrics.GetCounter("mw_opcua_reconnects_total",
                                    "OPC UA connections re-established after a loss", labels);
  connected_->Set(0);
}

OpcuaSource::~OpcuaSource() { Stop(); }

Status OpcuaSource::Start(pipeline::Emitter& emitter) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || thread_.joinable())
      return Status::FailedPrecondition("opcua source " + name_ + ": started twice");
  }
  emitter_ = &emitter;
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void OpcuaSource::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool OpcuaSource::Sleep(std::int64_t ns) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::nanoseconds(ns), [this] { return stopping_; });
  return !stopping_;
}

void OpcuaSource::Run() {
  std::int64_t backoff = 500 * kNanosPerMilli;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    Result<std::unique_ptr<Client>> client = Client::Connect(options_.client);
    if (!client.ok()) {
      if (log_.ShouldLog("connect")) {
        spdlog::warn("opcua source {}: {} (retrying every {} s at most)", name_, client.status().message(),
                     options_.reconnect_max_ns / kNanosPerSecond);
      }
      if (!Sleep(backoff)) return;
      backoff = std::min(backoff * 2, options_.reconnect_max_ns);
      continue;
    }
    spdlog::info("opcua source {}: connected to {}", name_, options_.client.endpoint_url);
    backoff = 500 * kNanosPerMilli;
    const Status ended = Session(**client);
    connected_->Set(0);
    (*client)->Disconnect();
    if (!ended.ok()) {
      spdlog::warn("opcua source {}: {}", name_, ended.message());
      if (!Sleep(options_.reconnect_max_ns)) return;
    }
  }
}

Status OpcuaSource::Session(Client& client) {
  Result<std::vector<ResolvedNode>> nodes = ResolveNodes(client, options_.nodes);
  if (!nodes.ok()) return nodes.status();
  spdlog::info("opcua source {}: {} nodes, {}", name_, nodes->size(),
               options_.subscribe ? "subscribed" : fmt::format("polled every {} ms", options_.interval_ms));
  connected_->Set(1);
  if (!options_.subscribe) {
    Poll(client, *nodes);
    return Status::Ok();
  }
  MW_RETURN_IF_ERROR(Subscribe(client, *nodes));
  std::uint64_t reconnects_seen = 0;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stopping_ || !queue_.empty(); });
    std::vector<opcua::DataChange> changes;
    while (!queue_.empty() && changes.size() < kBatchChanges) {
      changes.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    const std::uint64_t reconnects = client.counters().reconnects;
    if (reconnects > reconnects_seen) reconnects_->Add(reconnects - reconnects_seen);
    reconnects_seen = reconnects;
    connected_->Set(client.connected() ? 1 : 0);
    if (!changes.empty()) {
      Batch batch;
      batch.reserve(changes.size());
      for (const opcua::DataChange& c : changes) Convert(client, *nodes, c.client_handle, c.value, batch);
      messages_in_->Add(changes.size());
      samples_in_->Add(batch.size());
      if (!batch.empty()) {
        if (Status s = emitter_->Emit(std::move(batch)); !s.ok() && log_.ShouldLog("emit")) {
          spdlog::warn("opcua source {}: {}", name_, s.message());
        }
      }
    }
    lock.lock();
  }
  return Status::Ok();
}

Status OpcuaSource::Subscribe(Client& client, const std::vector<ResolvedNode>& nodes) {
  opcua::SubscriptionHandler handler;
  handler.on_data = [this](const std::vector<opcua::DataChange>& changes) {
    {
      std::lock_guard lock(mu_);
      for (const opcua::DataChange& c : changes) queue_.push_back(c);
      std::size_t dropped = 0;
      while (queue_.size() > options_.max_queued) {
        queue_.pop_front();
        ++dropped;
      }
      if (dropped > 0) overflow_->Add(dropped);
    }
    cv_.notify_all();
  };
  handler.on_item_error = [this, nodes](const opcua::MonitoredItemState& s) {
    bad_node_->Add();
    const std::string node =
        s.client_handle < nodes.size() ? opcua::ToString(nodes[s.client_handle].node) : "?";
    spdlog::warn("opcua source {}: node {} refused: {}", name_, node, opcua::StatusCodeName(s.status.code));
  };
  handler.on_status = [this](const Status& s) {
    if (!s.ok()) spdlog::warn("opcua source {}: subscription: {}", name_, s.message());
  };
  opcua::SubscriptionSettings settings;
  settings.publishing_interval_ms = options_.interval_ms;
  Result<std::uint32_t> sub = client.CreateSubscription(settings, std::move(handler));
  if (!sub.ok()) return sub.status();
  std::vector<opcua::MonitoredItemSpec> items(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    items[i].node = nodes[i].node;
    items[i].client_handle = static_cast<std::uint32_t>(i);
    items[i].sampling_interval_ms = options_.interval_ms;
    items[i].queue_size = options_.queue_size;
    items[i].deadband_type = options_.deadband_type;
    items[i].deadband_value = options_.deadband_value;
  }
  Result<std::vector<opcua::MonitoredItemState>> created = client.AddMonitoredItems(*sub, items);
  return created.ok() ? Status::Ok() : created.status();
}

void OpcuaSource::Poll(Client& client, const std::vector<ResolvedNode>& nodes) {
  std::vector<opcua::ReadValueId> ids(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    ids[i].node_id = nodes[i].node;
    ids[i].attribute_id = opcua::kAttributeValue;
  }
  const auto interval = static_cast<std::int64_t>(options_.interval_ms * kNanosPerMilli);
  std::int64_t next = clock_.Now();
  while (true) {
    Result<std::vector<opcua::DataValue>> values = client.Read(ids);
    if (values.ok()) {
      Batch batch;
      for (std::size_t i = 0; i < values->size(); ++i)
        Convert(client, nodes, static_cast<std::uint32_t>(i), (*values)[i], batch);
      messages_in_->Add(values->size());
      samples_in_->Add(batch.size());
      connected_->Set(1);
      if (!batch.empty()) (void)emitter_->Emit(std::move(batch));
    } else {
      connected_->Set(0);
      if (log_.ShouldLog("poll")) spdlog::warn("opcua source {}: {}", name_, values.status().message());
    }
    next += interval;
    const std::int64_t now = clock_.Now();
    if (next < now) next = now;  // skip the reads a stall made us miss, do not burst
    if (!Sleep(next - now)) return;
  }
}

SeriesId OpcuaSource::SeriesOf(const std::string& signal) {
  auto it = series_.find(signal);
  if (it != series_.end()) return it->second;
  const SeriesId id = catalog_.InternSeries(asset_, signal);
  series_.emplace(signal, id);
  return id;
}

void OpcuaSource::Convert(Client& client, const std::vector<ResolvedNode>& nodes, std::uint32_t handle,
                          const opcua::DataValue& dv, Batch& out) {
  if (handle >= nodes.size()) return;
  const ResolvedNode& node = nodes[handle];
  const Quality quality = QualityOf(dv);
  if (!dv.value || dv.value->IsNull()) {
    bad_status_->Add();
    if (log_.ShouldLog("status " + node.signal)) {
      spdlog::warn("opcua source {}: node {} ({}) has no value: {}", name_, opcua::ToString(node.node),
                   node.signal, opcua::StatusCodeName(dv.status.value_or(opcua::UaStatusCode{}).code));
    }
    return;
  }
  const std::optional<opcua::DateTime> first =
      options_.server_timestamps ? dv.server_timestamp : dv.source_timestamp;
  const std::optional<opcua::DateTime> second =
      options_.server_timestamps ? dv.source_timestamp : dv.server_timestamp;
  const Timestamp time = first    ? opcua::TimestampFromDateTime(*first)
                         : second ? opcua::TimestampFromDateTime(*second)
                                  : clock_.Now();
  AppendValue(client, node.signal, *dv.value, time, quality, out);
}

void OpcuaSource::AppendValue(Client& client, const std::string& signal, const opcua::Variant& v, Timestamp t,
                              Quality q, Batch& out) {
  auto scalar = [&](const std::string& name, const opcua::Value& value) {
    if (std::optional<double> d = opcua::ValueToDouble(value)) {
      out.Append(SeriesOf(name), t, *d, q);
      return;
    }
    if (const auto* object = std::get_if<opcua::ExtensionObject>(&value)) {
      Result<opcua::StructuredValue> s = client.DecodeStructure(*object);
      if (s.ok()) {
        AppendStructure(name, *s, t, q, out);
        return;
      }
      if (log_.ShouldLog("struct " + name))
        spdlog::warn("opcua source {}: {}: {}", name_, name, s.status().message());
    }
    not_numeric_->Add();
  };
  if (!v.is_array) {
    scalar(signal, v.values.front());
    return;
  }
  if (v.dimensions.size() == 2 &&
      (v.type == opcua::BuiltinType::kFloat || v.type == opcua::BuiltinType::kDouble)) {
    EmitFrame(signal, v, t);
    return;
  }
  for (std::size_t i = 0; i < v.values.size(); ++i) scalar(fmt::format("{}.{}", signal, i), v.values[i]);
}

// A matrix of numbers is one frame of its signal (a thermal image, a vibration burst), stored as a
// whole rather than as rows x cols series.
void OpcuaSource::EmitFrame(const std::string& signal, const opcua::Variant& v, Timestamp t) {
  std::vector<float> elements;
  elements.reserve(v.values.size());
  for (const opcua::Value& value : v.values)
    elements.push_back(static_cast<float>(opcua::ValueToDouble(value).value_or(NAN)));
  const auto rows = static_cast<std::uint32_t>(v.dimensions[0]);
  const auto cols = static_cast<std::uint32_t>(v.dimensions[1]);
  if (rows == 0 || cols == 0) return;  // nothing captured yet
  Status s = emitter_->EmitFrame(SeriesOf(signal), t, rows, cols, elements);
  if (s.ok()) {
    samples_in_->Add();
    return;
  }
  frame_errors_->Add();
  if (log_.ShouldLog("frame " + signal))
    spdlog::warn("opcua source {}: frame {} ({}x{}) not stored: {}", name_, signal, rows, cols, s.message());
}

void OpcuaSource::AppendStructure(const std::string& prefix, const opcua::StructuredValue& s, Timestamp t,
                                  Quality q, Batch& out) {
  for (const opcua::StructuredField& f : s.fields) {
    const std::string name = prefix + "." + f.name;
    const opcua::FieldValue& value = f.value;
    const std::size_t n = value.structures.empty() ? value.builtins.size() : value.structures.size();
    for (std::size_t i = 0; i < n; ++i) {
      const std::string element = value.is_array ? fmt::format("{}.{}", name, i) : name;
      if (!value.structures.empty()) {
        AppendStructure(element, value.structures[i], t, q, out);
      } else if (std::optional<double> d = opcua::ValueToDouble(value.builtins[i])) {
        out.Append(SeriesOf(element), t, *d, q);
      }
    }
  }
}

}  // namespace mw::connectors::opcua_source
