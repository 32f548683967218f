#include "opcua/server/address_space.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <mutex>

#include "core/clock.h"
#include "opcua/encoding/datetime.h"
#include "opcua/encoding/node_id.h"
#include "opcua/encoding/status_code_names.h"
#include "opcua/services/codec.h"

namespace mw::opcua::server {

void BuildNamespaceZero(AddressSpace& space);  // namespace0.cc

namespace {

// Attribute ids (OPC 10000-6, A.1).
enum Attribute : std::uint32_t {
  kNodeIdAttr = 1,
  kNodeClassAttr,
  kBrowseNameAttr,
  kDisplayNameAttr,
  kDescriptionAttr,
  kWriteMaskAttr,
  kUserWriteMaskAttr,
  kIsAbstractAttr,
  kSymmetricAttr,
  kInverseNameAttr,
  kContainsNoLoopsAttr,
  kEventNotifierAttr,
  kValueAttr,
  kDataTypeAttr,
  kValueRankAttr,
  kArrayDimensionsAttr,
  kAccessLevelAttr,
  kUserAccessLevelAttr,
  kMinimumSamplingIntervalAttr,
  kHistorizingAttr,
  kExecutableAttr,
  kUserExecutableAttr,
  kDataTypeDefinitionAttr,
  kAccessLevelExAttr = 27
};

NodeId Ns0(std::uint32_t id) { return NodeId::Numeric(0, id); }

DataValue Good(Value v) {
  DataValue out;
  out.value = Variant::Scalar(std::move(v));
  return out;
}

DataValue BadValue(std::uint32_t code) {
  DataValue out;
  out.status = UaStatusCode{code};
  return out;
}

bool IsType(NodeClass c) {
  return c == NodeClass::kObjectType || c == NodeClass::kVariableType || c == NodeClass::kReferenceType ||
         c == NodeClass::kDataType;
}

// "n" or "a:b" (a < b) on one dimension; anything else is invalid (OPC 10000-4, 7.27).
bool ParseRange(std::string_view text, std::size_t& first, std::size_t& last) {
  const std::size_t colon = text.find(':');
  auto number = [](std::string_view s, std::size_t& out) {
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size() && !s.empty();
  };
  if (colon == std::string_view::npos) {
    if (!number(text, first)) return false;
    last = first;
    return true;
  }
  return number(text.substr(0, colon), first) && number(text.substr(colon + 1), last) && first < last;
}

// Applies an index range to an array value (strings and matrices are not ranged here).
std::uint32_t ApplyRange(const String& range, DataValue& value) {
  if (!range || range->empty()) return kGood;
  std::size_t first = 0, last = 0;
  if (!ParseRange(*range, first, last)) return kBadIndexRangeInvalid;
  if (!value.value || !value.value->is_array || !value.value->dimensions.empty()) return kBadIndexRangeNoData;
  std::vector<Value>& values = value.value->values;
  if (first >= values.size()) return kBadIndexRangeNoData;
  last = std::min(last, values.size() - 1);
  values = std::vector<Value>(values.begin() + static_cast<std::ptrdiff_t>(first),
                              values.begin() + static_cast<std::ptrdiff_t>(last) + 1);
  return kGood;
}

bool IsNumeric(BuiltinType t) { return t >= BuiltinType::kSByte && t <= BuiltinType::kDouble; }

}  // namespace

AddressSpace::AddressSpace(std::string server_uri) {
  namespaces_ = {"http://opcfoundation.org/UA/", std::move(server_uri)};
  BuildNamespaceZero(*this);
  PublishNamespaces();
}

void AddressSpace::PublishNamespaces() {
  std::vector<Value> values;
  {
    std::shared_lock lock(mu_);
    values.assign(namespaces_.begin(), namespaces_.end());
  }
  DataValue v;
  v.value = Variant::Array(BuiltinType::kString, {values[1]});
  (void)SetValue(Ns0(2254), v);  // ServerArray: this server only
  v.value = Variant::Array(BuiltinType::kString, std::move(values));
  (void)SetValue(Ns0(ns0::kNamespaceArray), std::move(v));
}

std::uint16_t AddressSpace::AddNamespace(const std::string& uri) {
  std::uint16_t index = 0;
  {
    std::unique_lock lock(mu_);
    const auto it = std::find(namespaces_.begin(), namespaces_.end(), uri);
    if (it != namespaces_.end()) return static_cast<std::uint16_t>(it - namespaces_.begin());
    namespaces_.push_back(uri);
    index = static_cast<std::uint16_t>(namespaces_.size() - 1);
  }
  PublishNamespaces();
  return index;
}

std::vector<std::string> AddressSpace::Namespaces() const {
  std::shared_lock lock(mu_);
  return namespaces_;
}

Node* AddressSpace::FindLocked(const NodeId& id) {
  const auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : it->second.get();
}

const Node* AddressSpace::FindLocked(const NodeId& id) const {
  const auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : it->second.get();
}

Node* AddressSpace::Find(const NodeId& id) {
  std::shared_lock lock(mu_);
  return FindLocked(id);
}

bool AddressSpace::Exists(const NodeId& id) const {
  std::shared_lock lock(mu_);
  return FindLocked(id) != nullptr;
}

std::size_t AddressSpace::size() const {
  std::shared_lock lock(mu_);
  return nodes_.size();
}

void AddressSpace::AddReferenceLocked(Node& source, std::uint32_t type, Node& target) {
  source.references.push_back({&target, type, true});
  target.references.push_back({&source, type, false});
}

Node* AddressSpace::Insert(Node node, const std::vector<Link>& links) {
  std::unique_lock lock(mu_);
  auto owned = std::make_unique<Node>(std::move(node));
  Node* raw = owned.get();
  nodes_[raw->id] = std::move(owned);
  for (const Link& l : links) {
    Node* other = FindLocked(l.target);
    if (other == nullptr) continue;  // namespace0.cc lists its nodes parents first
    if (l.forward) {
      AddReferenceLocked(*raw, l.type.numeric, *other);
    } else {
      AddReferenceLocked(*other, l.type.numeric, *raw);
    }
  }
  return raw;
}

Status AddressSpace::AddReference(const NodeId& source, const NodeId& type, const NodeId& target) {
  std::unique_lock lock(mu_);
  Node* from = FindLocked(source);
  Node* to = FindLocked(target);
  if (from == nullptr || to == nullptr) {
    return Status::NotFound(
        fmt::format("reference {} -> {}: no such node", ToString(source), ToString(target)));
  }
  if (type.namespace_index != 0 || type.type != IdType::kNumeric) {
    return Status::InvalidArgument("reference type " + ToString(type) + " is not a ns=0 ReferenceType");
  }
  AddReferenceLocked(*from, type.numeric, *to);
  return Status::Ok();
}

Result<Node*> AddressSpace::AddChild(Node node, const NodeId& parent, const NodeId& reference_type,
                                     const NodeId& type_definition) {
  std::unique_lock lock(mu_);
  if (FindLocked(node.id) != nullptr) return Status::AlreadyExists("node " + ToString(node.id) + " exists");
  if (node.id.namespace_index >= namespaces_.size()) {
    return Status::InvalidArgument(
        fmt::format("node {}: namespace {} is not registered", ToString(node.id), node.id.namespace_index));
  }
  Node* up = FindLocked(parent);
  if (up == nullptr) return Status::NotFound("parent " + ToString(parent) + " of " + ToString(node.id));
  Node* type = FindLocked(type_definition);
  if (type == nullptr)
    return Status::NotFound("type " + ToString(type_definition) + " of " + ToString(node.id));
  if (!node.display_name.text) node.display_name.text = node.browse_name.name;
  auto owned = std::make_unique<Node>(std::move(node));
  Node* raw = owned.get();
  nodes_[raw->id] = std::move(owned);
  AddReferenceLocked(*up, reference_type.numeric, *raw);
  AddReferenceLocked(*raw, ns0::kHasTypeDefinition, *type);
  return raw;
}

Result<Node*> AddressSpace::AddFolder(const NodeId& id, const NodeId& parent, const QualifiedName& name) {
  Node node;
  node.id = id;
  node.node_class = NodeClass::kObject;
  node.browse_name = name;
  return AddChild(std::move(node), parent, Ns0(ns0::kOrganizes), Ns0(ns0::kFolderType));
}

Result<Node*> AddressSpace::AddObject(const NodeId& id, const NodeId& parent, const QualifiedName& name,
                                      const NodeId& type_definition) {
  Node node;
  node.id = id;
  node.node_class = NodeClass::kObject;
  node.browse_name = name;
  const bool under_folder = [&] {
    std::shared_lock lock(mu_);
    const Node* up = FindLocked(parent);
    return up != nullptr && TypeDefinitionOf(*up) == Ns0(ns0::kFolderType);
  }();
  return AddChild(std::move(node), parent, Ns0(under_folder ? ns0::kOrganizes : ns0::kHasComponent),
                  type_definition);
}

Result<Node*> AddressSpace::AddVariable(const NodeId& id, const NodeId& parent, const QualifiedName& name,
                                        VariableOptions options) {
  Node node;
  node.id = id;
  node.node_class = NodeClass::kVariable;
  node.browse_name = name;
  node.description = std::move(options.description);
  node.data_type = options.data_type;
  node.value_rank = options.value_rank;
  node.array_dimensions = std::move(options.array_dimensions);
  node.access_level = options.access_level;
  node.minimum_sampling_interval = options.minimum_sampling_interval;
  if (!options.value.IsNull()) {
    node.value.value = std::move(options.value);
    node.value.source_timestamp = DateTimeFromTimestamp(SystemClock::Instance().Now());
    node.value.server_timestamp = node.value.source_timestamp;
  }
  return AddChild(std::move(node), parent, options.reference_type, options.type_definition);
}

NodeId AddressSpace::NewNumericId(std::uint16_t ns) {
  while (nodes_.contains(NodeId::Numeric(ns, next_numeric_id_))) ++next_numeric_id_;
  return NodeId::Numeric(ns, next_numeric_id_++);
}

Status AddressSpace::AddEngineering(const NodeId& variable, const Engineering& engineering) {
  auto property = [&](const std::string& name, std::uint32_t data_type, ExtensionObject value) -> Status {
    NodeId id;
    {
      std::unique_lock lock(mu_);
      id = variable.type == IdType::kString
               ? NodeId::StringId(variable.namespace_index, variable.text + "." + name)
               : NewNumericId(variable.namespace_index);
    }
    VariableOptions options;
    options.data_type = Ns0(data_type);
    options.value = Variant::Scalar(std::move(value));
    options.type_definition = Ns0(ns0::kPropertyType);
    options.reference_type = Ns0(ns0::kHasProperty);
    Result<Node*> added = AddVariable(id, variable, QualifiedName{0, name}, std::move(options));
    return added.ok() ? Status::Ok() : added.status();
  };
  if (!engineering.unit.empty() || engineering.unit_id >= 0) {
    EUInformation unit;
    unit.namespace_uri = std::string("http://www.opcfoundation.org/UA/units/un/cefact");
    unit.unit_id = engineering.unit_id;
    unit.display_name = LocalizedText{std::string("en"), engineering.unit};
    MW_RETURN_IF_ERROR(property("EngineeringUnits", ns0::kEUInformation, ToExtensionObject(unit)));
  }
  if (engineering.range)
    MW_RETURN_IF_ERROR(property("EURange", ns0::kRange, ToExtensionObject(*engineering.range)));
  return Status::Ok();
}

Status AddressSpace::AddStructureType(const NodeId& id, const QualifiedName& name, StructureDefinition def) {
  if (def.default_encoding_id.IsNull())
    return Status::InvalidArgument("structure " + name.name + ": no encoding id");
  if (def.base_data_type.IsNull()) def.base_data_type = Ns0(ns0::kStructure);
  {
    std::unique_lock lock(mu_);
    MW_RETURN_IF_ERROR(types_.AddStructure(id, def));
  }
  Node type;
  type.id = id;
  type.node_class = NodeClass::kDataType;
  type.browse_name = name;
  type.display_name.text = name.name;
  type.type = std::make_unique<TypeAttributes>();
  type.type->definition = def;
  Insert(std::move(type), {{Ns0(ns0::kHasSubtype), def.base_data_type, false}});
  Node encoding;
  encoding.id = def.default_encoding_id;
  encoding.node_class = NodeClass::kObject;
  encoding.browse_name = QualifiedName{0, "Default Binary"};
  encoding.display_name.text = "Default Binary";
  Insert(std::move(encoding), {{Ns0(ns0::kHasEncoding), id, false},
                               {Ns0(ns0::kHasTypeDefinition), Ns0(ns0::kDataTypeEncodingType), true}});
  return Status::Ok();
}

TypeDictionary AddressSpace::Types() const {
  std::shared_lock lock(mu_);
  return types_;
}

Status AddressSpace::SetValue(Node* variable, DataValue value) {
  if (variable == nullptr || variable->node_class != NodeClass::kVariable) {
    return Status::InvalidArgument("SetValue on a node that is not a Variable");
  }
  if (!value.server_timestamp || !value.source_timestamp) {
    const DateTime now = DateTimeFromTimestamp(SystemClock::Instance().Now());
    if (!value.server_timestamp) value.server_timestamp = now;
    if (!value.source_timestamp) value.source_timestamp = now;
  }
  std::unique_lock lock(mu_);
  variable->value = std::move(value);
  for (ValueWatcher* w : variable->watchers) w->OnValueChange(variable->value);
  return Status::Ok();
}

Status AddressSpace::SetValue(const NodeId& id, DataValue value) {
  Node* node = Find(id);
  if (node == nullptr) return Status::NotFound("no node " + ToString(id));
  return SetValue(node, std::move(value));
}

NodeId AddressSpace::TypeDefinitionOf(const Node& node) const {
  for (const Reference& r : node.references) {
    if (r.forward && r.type == ns0::kHasTypeDefinition) return r.target->id;
  }
  return NodeId();
}

namespace {

// The supertype of a type node (its inverse HasSubtype), or nullptr.
const Node* Supertype(const Node& node) {
  for (const Reference& r : node.references) {
    if (!r.forward && r.type == ns0::kHasSubtype) return r.target;
  }
  return nullptr;
}

}  // namespace

bool AddressSpace::IsSubtype(const Node* type, const Node* base) {
  for (int depth = 0; type != nullptr && depth < 32; ++depth) {
    if (type == base) return true;
    type = Supertype(*type);
  }
  return false;
}

bool AddressSpace::MatchesType(std::uint32_t type, const Node* wanted, bool include_subtypes) const {
  if (wanted == nullptr) return false;
  if (wanted->id.namespace_index == 0 && wanted->id.type == IdType::kNumeric && wanted->id.numeric == type) {
    return true;
  }
  return include_subtypes && IsSubtype(FindLocked(Ns0(type)), wanted);
}

bool AddressSpace::IsSubtype(const NodeId& type, const NodeId& base) const {
  return IsSubtype(FindLocked(type), FindLocked(base));
}

std::optional<BuiltinType> AddressSpace::BuiltinOf(const NodeId& data_type) const {
  if (data_type.namespace_index == 0 && data_type.type == IdType::kNumeric && data_type.numeric >= 1 &&
      data_type.numeric <= 25 && data_type.numeric != ns0::kBaseDataType) {
    return static_cast<BuiltinType>(data_type.numeric);
  }
  if (IsSubtype(data_type, Ns0(ns0::kEnumeration))) return BuiltinType::kInt32;
  if (IsSubtype(data_type, Ns0(ns0::kStructure))) return BuiltinType::kExtensionObject;
  const Node* node = FindLocked(data_type);
  if (node == nullptr || node->node_class != NodeClass::kDataType) return std::nullopt;
  const Node* up = Supertype(*node);
  return up == nullptr ? std::nullopt : BuiltinOf(up->id);  // BaseDataType, Number, ...: abstract
}

bool AddressSpace::TypeMatches(const Node& variable, const Variant& value) const {
  const bool rank_ok = variable.value_rank == -2 || variable.value_rank == -3 ||
                       (variable.value_rank == -1 ? !value.is_array : value.is_array);
  if (!rank_ok || value.IsNull()) return false;
  if (const std::optional<BuiltinType> builtin = BuiltinOf(variable.data_type)) return *builtin == value.type;
  const NodeId& t = variable.data_type;
  if (t == Ns0(ns0::kBaseDataType)) return true;
  if (t == Ns0(26)) return IsNumeric(value.type);  // Number
  if (t == Ns0(27)) {                              // Integer
    return value.type == BuiltinType::kSByte || value.type == BuiltinType::kInt16 ||
           value.type == BuiltinType::kInt32 || value.type == BuiltinType::kInt64;
  }
  if (t == Ns0(28)) {  // UInteger
    return value.type == BuiltinType::kByte || value.type == BuiltinType::kUInt16 ||
           value.type == BuiltinType::kUInt32 || value.type == BuiltinType::kUInt64;
  }
  return false;
}

DataValue AddressSpace::ReadAttribute(const Node& node, std::uint32_t attribute) const {
  const NodeClass c = node.node_class;
  const bool variable = c == NodeClass::kVariable || c == NodeClass::kVariableType;
  switch (attribute) {
    case kNodeIdAttr:
      return Good(node.id);
    case kNodeClassAttr:
      return Good(static_cast<std::int32_t>(c));
    case kBrowseNameAttr:
      return Good(node.browse_name);
    case kDisplayNameAttr:
      return Good(node.display_name);
    case kDescriptionAttr:
      return Good(node.description);
    case kWriteMaskAttr:
    case kUserWriteMaskAttr:
      return Good(std::uint32_t{0});
    case kIsAbstractAttr:
      return IsType(c) ? Good(node.type != nullptr && node.type->is_abstract)
                       : BadValue(kBadAttributeIdInvalid);
    case kSymmetricAttr:
      return c == NodeClass::kReferenceType ? Good(node.type != nullptr && node.type->symmetric)
                                            : BadValue(kBadAttributeIdInvalid);
    case kInverseNameAttr:
      return c == NodeClass::kReferenceType
                 ? Good(node.type != nullptr ? node.type->inverse_name : LocalizedText{})
                 : BadValue(kBadAttributeIdInvalid);
    case kEventNotifierAttr:
      return c == NodeClass::kObject || c == NodeClass::kView ? Good(node.event_notifier)
                                                              : BadValue(kBadAttributeIdInvalid);
    case kValueAttr:
      return variable ? node.value : BadValue(kBadAttributeIdInvalid);
    case kDataTypeAttr:
      return variable ? Good(node.data_type) : BadValue(kBadAttributeIdInvalid);
    case kValueRankAttr:
      return variable ? Good(node.value_rank) : BadValue(kBadAttributeIdInvalid);
    case kArrayDimensionsAttr: {
      if (!variable) return BadValue(kBadAttributeIdInvalid);
      DataValue out;
      out.value = Variant::Array(BuiltinType::kUInt32, std::vector<Value>(node.array_dimensions.begin(),
                                                                          node.array_dimensions.end()));
      return out;
    }
    case kAccessLevelAttr:
    case kUserAccessLevelAttr:
      return c == NodeClass::kVariable ? Good(node.access_level) : BadValue(kBadAttributeIdInvalid);
    case kAccessLevelExAttr:
      return c == NodeClass::kVariable ? Good(std::uint32_t{node.access_level})
                                       : BadValue(kBadAttributeIdInvalid);
    case kMinimumSamplingIntervalAttr:
      return c == NodeClass::kVariable ? Good(node.minimum_sampling_interval)
                                       : BadValue(kBadAttributeIdInvalid);
    case kHistorizingAttr:
      return c == NodeClass::kVariable ? Good(false) : BadValue(kBadAttributeIdInvalid);
    case kExecutableAttr:
    case kUserExecutableAttr:
      return c == NodeClass::kMethod ? Good(false) : BadValue(kBadAttributeIdInvalid);
    case kDataTypeDefinitionAttr:
      return node.type != nullptr && node.type->definition ? Good(ToExtensionObject(*node.type->definition))
                                                           : BadValue(kBadAttributeIdInvalid);
    default:
      return BadValue(kBadAttributeIdInvalid);
  }
}

DataValue AddressSpace::Read(const ReadValueId& item, TimestampsToReturn timestamps, DateTime now) const {
  DataValue out;
  {
    std::shared_lock lock(mu_);
    const Node* node = FindLocked(item.node_id);
    if (node == nullptr) return BadValue(kBadNodeIdUnknown);
    out = ReadAttribute(*node, item.attribute_id);
    if (item.attribute_id == kValueAttr && out.value && (node->access_level & kAccessRead) == 0 &&
        node->node_class == NodeClass::kVariable) {
      return BadValue(kBadNotReadable);
    }
  }
  if (out.status && UaStatusCode(*out.status).IsBad()) return out;
  if (!item.data_encoding.name.empty() && item.data_encoding.name != "Default Binary") {
    return BadValue(kBadDataEncodingUnsupported);
  }
  if (const std::uint32_t range = ApplyRange(item.index_range, out); range != kGood) return BadValue(range);
  if (item.attribute_id != kValueAttr) return out;
  const bool source = timestamps == TimestampsToReturn::kSource || timestamps == TimestampsToReturn::kBoth;
  const bool server = timestamps == TimestampsToReturn::kServer || timestamps == TimestampsToReturn::kBoth;
  if (!source) out.source_timestamp.reset();
  if (server) {
    out.server_timestamp = now;
  } else {
    out.server_timestamp.reset();
  }
  return out;
}

UaStatusCode AddressSpace::Write(const WriteValue& item, bool may_write, DateTime now) {
  std::unique_lock lock(mu_);
  Node* node = FindLocked(item.node_id);
  if (node == nullptr) return {kBadNodeIdUnknown};
  if (item.attribute_id < kNodeIdAttr || item.attribute_id > kAccessLevelExAttr)
    return {kBadAttributeIdInvalid};
  if (item.attribute_id != kValueAttr || node->node_class != NodeClass::kVariable) return {kBadNotWritable};
  if ((node->access_level & kAccessWrite) == 0) return {kBadNotWritable};
  if (!may_write) return {kBadUserAccessDenied};
  if (item.index_range && !item.index_range->empty()) return {kBadWriteNotSupported};
  if (!item.value.value || !TypeMatches(*node, *item.value.value)) return {kBadTypeMismatch};
  DataValue value = item.value;
  if (!value.source_timestamp) value.source_timestamp = now;
  value.server_timestamp = now;
  node->value = std::move(value);
  for (ValueWatcher* w : node->watchers) w->OnValueChange(node->value);
  return {kGood};
}

UaStatusCode AddressSpace::Browse(const BrowseDescription& d, std::vector<ReferenceDescription>& out) const {
  std::shared_lock lock(mu_);
  const Node* node = FindLocked(d.node_id);
  if (node == nullptr) return {kBadNodeIdUnknown};
  if (static_cast<std::uint32_t>(d.browse_direction) > 2) return {kBadBrowseDirectionInvalid};
  const bool any_type = d.reference_type_id.IsNull();
  const Node* wanted = any_type ? nullptr : FindLocked(d.reference_type_id);
  if (!any_type && (wanted == nullptr || wanted->node_class != NodeClass::kReferenceType)) {
    return {kBadReferenceTypeIdInvalid};
  }
  for (const Reference& r : node->references) {
    if (d.browse_direction == BrowseDirection::kForward && !r.forward) continue;
    if (d.browse_direction == BrowseDirection::kInverse && r.forward) continue;
    if (!any_type && !MatchesType(r.type, wanted, d.include_subtypes)) continue;
    const Node* target = r.target;
    if (d.node_class_mask != 0 && (d.node_class_mask & static_cast<std::uint32_t>(target->node_class)) == 0)
      continue;
    ReferenceDescription ref;
    const std::uint32_t mask = d.result_mask;
    if (mask & 1) ref.reference_type_id = Ns0(r.type);
    ref.is_forward = r.forward;
    ref.node_id.node_id = target->id;
    if (mask & 4) ref.node_class = target->node_class;
    if (mask & 8) ref.browse_name = target->browse_name;
    if (mask & 16) ref.display_name = target->display_name;
    if ((mask & 32) &&
        (target->node_class == NodeClass::kObject || target->node_class == NodeClass::kVariable)) {
      ref.type_definition.node_id = TypeDefinitionOf(*target);
    }
    out.push_back(std::move(ref));
  }
  return {kGood};
}

BrowsePathResult AddressSpace::Translate(const BrowsePath& path) const {
  BrowsePathResult result;
  std::shared_lock lock(mu_);
  if (FindLocked(path.starting_node) == nullptr) {
    result.status_code = {kBadNodeIdUnknown};
    return result;
  }
  if (path.relative_path.elements.empty()) {
    result.status_code = {kBadNothingToDo};
    return result;
  }
  std::vector<NodeId> current = {path.starting_node};
  for (const RelativePathElement& e : path.relative_path.elements) {
    if (e.target_name.name.empty()) {
      result.status_code = {kBadBrowseNameInvalid};
      return result;
    }
    const Node* wanted = FindLocked(e.reference_type_id);
    std::vector<NodeId> next;
    for (const NodeId& id : current) {
      for (const Reference& r : FindLocked(id)->references) {
        if (r.forward == e.is_inverse) continue;
        const bool type_ok = e.reference_type_id.IsNull() || MatchesType(r.type, wanted, e.include_subtypes);
        const Node* target = type_ok ? r.target : nullptr;
        if (target != nullptr && target->browse_name == e.target_name &&
            std::find(next.begin(), next.end(), target->id) == next.end()) {
          next.push_back(target->id);
        }
      }
    }
    if (next.empty()) {
      result.status_code = {kBadNoMatch};
      return result;
    }
    current = std::move(next);
  }
  for (NodeId& id : current) {
    BrowsePathTarget target;
    target.target_id.node_id = std::move(id);
    target.remaining_path_index = 0xFFFFFFFF;
    result.targets.push_back(std::move(target));
  }
  return result;
}

UaStatusCode AddressSpace::Watch(const NodeId& id, ValueWatcher* watcher) {
  std::unique_lock lock(mu_);
  Node* node = FindLocked(id);
  if (node == nullptr) return {kBadNodeIdUnknown};
  if (node->node_class != NodeClass::kVariable) return {kBadAttributeIdInvalid};
  node->watchers.push_back(watcher);
  watcher->OnValueChange(node->value);
  return {kGood};
}

std::optional<Range> AddressSpace::EURangeOf(const NodeId& id) const {
  std::shared_lock lock(mu_);
  const Node* node = FindLocked(id);
  if (node == nullptr) return std::nullopt;
  for (const Reference& r : node->references) {
    const Node* p = r.forward && r.type == ns0::kHasProperty ? r.target : nullptr;
    if (p == nullptr || p->browse_name.name != "EURange" || !p->value.value ||
        p->value.value->values.empty()) {
      continue;
    }
    const auto* object = std::get_if<ExtensionObject>(&p->value.value->values[0]);
    Range range;
    if (object != nullptr && FromExtensionObject(*object, range).ok()) return range;
  }
  return std::nullopt;
}

void AddressSpace::Unwatch(const NodeId& id, ValueWatcher* watcher) {
  std::unique_lock lock(mu_);
  Node* node = FindLocked(id);
  if (node == nullptr) return;
  std::erase(node->watchers, watcher);
}

}  // namespace mw::opcua::server
