#include "sim/opcua_outlet.h"

#include <cctype>

#include <fmt/format.h>

#include "opcua/encoding/datetime.h"
#include "opcua/encoding/structure.h"

namespace mw::sim {
namespace {

using opcua::NodeId;
using opcua::server::Node;
using opcua::server::VariableOptions;

constexpr char kNamespace[] = "urn:millwright:sim";
constexpr std::uint32_t kDoubleType = 11;
constexpr std::uint32_t kFloatType = 10;

// "plc_line" + "valve1" -> "PlcLineValveStatus": the part's trailing digits dropped, so that the
// valves of a line share one type.
std::string TypeName(std::string_view twin, std::string_view part) {
  while (!part.empty() && std::isdigit(static_cast<unsigned char>(part.back()))) part.remove_suffix(1);
  std::string out;
  bool upper = true;
  for (std::string_view word : {twin, std::string_view("_"), part}) {
    for (char c : word) {
      if (c == '_') {
        upper = true;
        continue;
      }
      out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    }
  }
  return out + "Status";
}

opcua::DataValue Stamped(opcua::Variant value, Timestamp time) {
  opcua::DataValue dv;
  dv.value = std::move(value);
  dv.source_timestamp = opcua::DateTimeFromTimestamp(time);
  return dv;
}

}  // namespace

OpcuaOutlet::OpcuaOutlet(std::string host, int port) : host_(std::move(host)), port_(port) {}

OpcuaOutlet::~OpcuaOutlet() { Stop(); }

Result<std::size_t> OpcuaOutlet::Add(const std::string& path, const Twin& twin) {
  if (server_) return Status::FailedPrecondition("opcua outlet: Add after Start");
  machines_.push_back({path, &twin, {}});
  return machines_.size() - 1;
}

Status OpcuaOutlet::Start() {
  if (server_) return Status::Ok();
  opcua::server::ServerOptions options;
  options.host = host_;
  options.port = port_;
  options.application_uri = "urn:millwright:sim:server";  // namespace 1; the twins get ns=2
  options.application_name = "Millwright simulator";
  options.anonymous_can_write = false;
  Result<std::unique_ptr<opcua::server::Server>> server = opcua::server::Server::Start(std::move(options));
  if (!server.ok()) return server.status();
  server_ = std::move(*server);
  port_ = server_->port();  // the bound one when 0 was asked; a restart reuses it
  types_.clear();
  Status built = Build();
  if (!built.ok()) Stop();
  return built;
}

void OpcuaOutlet::Stop() {
  if (!server_) return;
  server_->Stop();
  server_.reset();
  for (Machine& m : machines_) m.items.clear();
}

void OpcuaOutlet::SetReachable(bool reachable) {
  if (reachable == (server_ != nullptr)) return;
  if (!reachable) return Stop();
  // The port was ours a moment ago; if another process took it, the next outage end retries.
  (void)Start();
}

std::vector<std::string> OpcuaOutlet::Endpoints() const {
  return {fmt::format("opcua opc.tcp://{}:{}", host_, port_)};
}

Status OpcuaOutlet::Build() {
  opcua::server::AddressSpace& space = server_->address_space();
  ns_ = space.AddNamespace(kNamespace);
  const NodeId objects = NodeId::Numeric(0, opcua::server::ns0::kObjectsFolder);
  if (!space.Exists(Id("plant")))
    MW_RETURN_IF_ERROR(space.AddFolder(Id("plant"), objects, {ns_, "Plant"}).status());
  for (Machine& m : machines_) MW_RETURN_IF_ERROR(AddMachine(m));
  return Status::Ok();
}

// Folders for the path's segments after "plant", up to the machine's parent.
Result<NodeId> OpcuaOutlet::EnsureFolders(const std::string& path) {
  opcua::server::AddressSpace& space = server_->address_space();
  NodeId parent = Id("plant");
  std::size_t start = path.find('/') + 1;  // below "plant"
  for (std::size_t slash = path.find('/', start); slash != std::string::npos; slash = path.find('/', start)) {
    const NodeId id = Id(path.substr(0, slash));
    if (!space.Exists(id))
      MW_RETURN_IF_ERROR(space.AddFolder(id, parent, {ns_, path.substr(start, slash - start)}).status());
    parent = id;
    start = slash + 1;
  }
  return parent;
}

Result<NodeId> OpcuaOutlet::StructureType(const Twin& twin, const std::string& part,
                                          const std::vector<std::string>& fields) {
  const std::string name = TypeName(twin.type(), part);
  if (auto it = types_.find(name); it != types_.end()) return it->second;
  opcua::StructureDefinition def;
  def.default_encoding_id = Id("types/" + name + "/Binary");
  def.base_data_type = NodeId::Numeric(0, opcua::server::ns0::kStructure);
  for (const std::string& f : fields) {
    opcua::StructureField field;
    field.name = f;
    field.data_type = NodeId::Numeric(0, kDoubleType);
    def.fields.push_back(std::move(field));
  }
  const NodeId id = Id("types/" + name);
  MW_RETURN_IF_ERROR(server_->address_space().AddStructureType(id, {ns_, name}, std::move(def)));
  types_.emplace(name, id);
  return id;
}

Status OpcuaOutlet::AddMachine(Machine& m) {
  opcua::server::AddressSpace& space = server_->address_space();
  Result<NodeId> parent = EnsureFolders(m.path);
  if (!parent.ok()) return parent.status();
  const NodeId object = Id(m.path);
  const std::string name = m.path.substr(m.path.rfind('/') + 1);
  MW_RETURN_IF_ERROR(space.AddObject(object, *parent, {ns_, name}).status());

  // Scalars in signal order; `<part>.<field>` signals gathered into one structure per part.
  std::map<std::string, std::size_t> part_item;
  const std::vector<SignalDef>& signals = m.twin->signals();
  for (std::size_t i = 0; i < signals.size(); ++i) {
    const std::string& signal = signals[i].name;
    const std::size_t dot = signal.find('.');
    if (dot == std::string::npos) {
      m.items.push_back({Item::Kind::kScalar, nullptr, {}, {}, {i}});
      continue;
    }
    auto [it, fresh] = part_item.emplace(signal.substr(0, dot), m.items.size());
    if (fresh) m.items.push_back({Item::Kind::kStructure, nullptr, {}, {}, {}});
    m.items[it->second].fields.push_back(signal.substr(dot + 1));
    m.items[it->second].indexes.push_back(i);
  }
  for (Item& item : m.items) {
    VariableOptions v;
    std::string browse;
    if (item.kind == Item::Kind::kScalar) {
      browse = signals[item.indexes[0]].name;
      v.value = opcua::Variant::Scalar(0.0);
    } else {
      browse = signals[item.indexes[0]].name.substr(0, signals[item.indexes[0]].name.find('.'));
      Result<NodeId> type = StructureType(*m.twin, browse, item.fields);
      if (!type.ok()) return type.status();
      item.type = *type;
      v.data_type = *type;
    }
    const NodeId id = Id(m.path + "/" + browse);
    Result<Node*> added = space.AddVariable(id, object, {ns_, browse}, v);
    if (!added.ok()) return added.status();
    item.node = *added;
    const std::string& unit = signals[item.indexes[0]].unit;
    if (item.kind == Item::Kind::kScalar && !unit.empty())
      MW_RETURN_IF_ERROR(space.AddEngineering(id, {unit, -1, std::nullopt}));
  }
  if (std::optional<FrameView> frame = m.twin->frame()) {
    VariableOptions v;
    v.data_type = NodeId::Numeric(0, kFloatType);
    v.value_rank = 2;
    v.array_dimensions = {frame->rows, frame->cols};
    v.value = opcua::Variant::Array(opcua::BuiltinType::kFloat, {});
    const std::string browse(frame->name);
    Result<Node*> added = space.AddVariable(Id(m.path + "/" + browse), object, {ns_, browse}, v);
    if (!added.ok()) return added.status();
    m.items.push_back({Item::Kind::kFrame, *added, {}, {}, {}});
  }
  return Status::Ok();
}

void OpcuaOutlet::Publish(std::size_t slot, Timestamp time, std::span<const double> values) {
  if (!server_ || slot >= machines_.size()) return;
  Machine& m = machines_[slot];
  opcua::server::AddressSpace& space = server_->address_space();
  for (Item& item : m.items) {
    opcua::Variant value;
    if (item.kind == Item::Kind::kScalar) {
      value = opcua::Variant::Scalar(values[item.indexes[0]]);
    } else if (item.kind == Item::Kind::kStructure) {
      opcua::StructuredValue s{item.type, {}};
      for (std::size_t f = 0; f < item.fields.size(); ++f)
        s.fields.push_back({item.fields[f], {false, {values[item.indexes[f]]}, {}, {}}});
      Result<opcua::ExtensionObject> encoded = opcua::EncodeStructuredValue(s, space.Types());
      if (!encoded.ok()) continue;  // the type is ours and all fields are Doubles: cannot fail
      value = opcua::Variant::Scalar(std::move(*encoded));
    } else {
      std::optional<FrameView> frame = m.twin->frame();
      if (!frame || (frame->version == item.frame_version && item.frame_version != 0)) continue;
      item.frame_version = frame->version;
      std::vector<opcua::Value> elements(frame->elements.begin(), frame->elements.end());
      value = opcua::Variant::Array(
          opcua::BuiltinType::kFloat, std::move(elements),
          {static_cast<std::int32_t>(frame->rows), static_cast<std::int32_t>(frame->cols)});
    }
    (void)space.SetValue(item.node, Stamped(std::move(value), time));
  }
}

}  // namespace mw::sim
