// The nodes an OPC UA server exposes (OPC 10000-3) and the attribute and view services over them
// (OPC 10000-4, 5.8 and 5.10): Read, Write, Browse and TranslateBrowsePathsToNodeIds.
//
// An AddressSpace starts with the namespace-0 nodes standard clients rely on (namespace0.cc:
// Root, Objects, Types, Views, the reference type and data type hierarchies, the Server object
// with NamespaceArray, ServerStatus and OperationLimits) and grows with Add*: folders, objects,
// variables with their properties (EngineeringUnits, EURange) and structured DataTypes with their
// DataTypeDefinition, so that clients decode the values without generated code.
//
// Nodes live as long as the address space; the Node* that Add* returns stays valid and is the
// cheap handle for SetValue. SetValue hands the new value to the ValueWatchers (monitored items)
// of that node only, so a value change costs nothing for the rest of the server.
//
// Thread-safety: every public function may be called from any thread. Services take a shared
// lock, Add*, SetValue, Write and Watch an exclusive one. ValueWatcher::OnValueChange runs under
// that exclusive lock: a watcher may take its own locks but must never call back into the
// AddressSpace (lock order: address space, then the subscriptions).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "opcua/encoding/structure.h"
#include "opcua/encoding/types.h"
#include "opcua/services/types.h"

namespace mw::opcua::server {

// AccessLevel bits (OPC 10000-3, 8.57).
inline constexpr std::uint8_t kAccessRead = 0x01;
inline constexpr std::uint8_t kAccessWrite = 0x02;

// Well-known ns=0 node ids (NodeIds.csv) used by builders and services.
namespace ns0 {
inline constexpr std::uint32_t kRootFolder = 84, kObjectsFolder = 85, kTypesFolder = 86, kViewsFolder = 87;
inline constexpr std::uint32_t kReferences = 31, kNonHierarchicalReferences = 32,
                               kHierarchicalReferences = 33;
inline constexpr std::uint32_t kHasChild = 34, kOrganizes = 35, kHasEncoding = 38, kHasTypeDefinition = 40;
inline constexpr std::uint32_t kAggregates = 44, kHasSubtype = 45, kHasProperty = 46, kHasComponent = 47;
inline constexpr std::uint32_t kBaseObjectType = 58, kFolderType = 61, kDataTypeEncodingType = 76;
inline constexpr std::uint32_t kBaseVariableType = 62, kBaseDataVariableType = 63, kPropertyType = 68;
inline constexpr std::uint32_t kBaseDataType = 24, kStructure = 22, kEnumeration = 29;
inline constexpr std::uint32_t kEUInformation = 887, kRange = 884;
inline constexpr std::uint32_t kServer = 2253, kNamespaceArray = 2255, kServerStatus = 2256;
inline constexpr std::uint32_t kCurrentTime = 2258, kServerState = 2259;
}  // namespace ns0

struct Node;

// A reference as a node holds it: the ns=0 numeric id of its ReferenceType (user-defined
// reference types are not supported) and the node at the other end, which lives as long as the
// address space. 16 bytes instead of two NodeIds (120): a variable has three of them.
struct Reference {
  Node* target = nullptr;
  std::uint32_t type = 0;
  bool forward = true;
};

// A reference named by node ids, for nodes that are being inserted (Insert resolves them).
struct Link {
  NodeId type;
  NodeId target;
  bool forward = true;
};

// The attributes only type nodes have, kept out of the variables' way.
struct TypeAttributes {
  bool is_abstract = false;
  bool symmetric = false;  // ReferenceType
  LocalizedText inverse_name;
  std::optional<StructureDefinition> definition;  // structured DataType
};

// Told of every new value of the node it watches (see the thread-safety note above).
class ValueWatcher {
 public:
  virtual void OnValueChange(const DataValue& value) = 0;

 protected:
  ~ValueWatcher() = default;
};

// One node. Only the attributes of its node class are meaningful.
struct Node {
  NodeId id;
  NodeClass node_class = NodeClass::kObject;
  QualifiedName browse_name;
  LocalizedText display_name;
  LocalizedText description;
  std::vector<Reference> references;
  std::uint8_t event_notifier = 0;  // Object, View
  // Variable, VariableType
  DataValue value;
  NodeId data_type;
  std::int32_t value_rank = -1;
  std::vector<std::uint32_t> array_dimensions;
  std::uint8_t access_level = kAccessRead;
  double minimum_sampling_interval = 0;
  std::unique_ptr<TypeAttributes> type;  // ObjectType, VariableType, ReferenceType, DataType
  std::vector<ValueWatcher*> watchers;
};

struct VariableOptions {
  NodeId data_type = NodeId::Numeric(0, 11);  // Double
  std::int32_t value_rank = -1;
  std::vector<std::uint32_t> array_dimensions;
  std::uint8_t access_level = kAccessRead;
  double minimum_sampling_interval = 0;
  Variant value;
  LocalizedText description;
  NodeId type_definition = NodeId::Numeric(0, ns0::kBaseDataVariableType);
  NodeId reference_type = NodeId::Numeric(0, ns0::kHasComponent);
};

// A numeric variable's engineering unit (UNECE code, OPC 10000-8 5.6.3) and range.
struct Engineering {
  std::string unit;           // display name, e.g. "mm/s"
  std::int32_t unit_id = -1;  // UNECE common code packed as OPC 10000-8 asks, -1 if none
  std::optional<Range> range;
};

class AddressSpace {
 public:
  // With namespace 0 and namespace 1 = `server_uri` (the server's own, for session ids).
  explicit AddressSpace(std::string server_uri);
  AddressSpace(const AddressSpace&) = delete;
  AddressSpace& operator=(const AddressSpace&) = delete;

  // The index of `uri`, added at the end if new.
  std::uint16_t AddNamespace(const std::string& uri);
  std::vector<std::string> Namespaces() const;

  // Builders. AlreadyExists for a taken id, NotFound for a missing parent or type.
  Result<Node*> AddFolder(const NodeId& id, const NodeId& parent, const QualifiedName& name);
  Result<Node*> AddObject(const NodeId& id, const NodeId& parent, const QualifiedName& name,
                          const NodeId& type_definition = NodeId::Numeric(0, ns0::kBaseObjectType));
  Result<Node*> AddVariable(const NodeId& id, const NodeId& parent, const QualifiedName& name,
                            VariableOptions options);
  // EngineeringUnits (EUInformation) and EURange (Range) properties of a variable, as clients
  // expect them for analog items; ids are `<variable id>.EngineeringUnits` / `.EURange` for string
  // ids, and fresh numeric ids otherwise.
  Status AddEngineering(const NodeId& variable, const Engineering& engineering);
  // A structured DataType under Structure (i=22) with its DataTypeDefinition and its
  // "Default Binary" encoding node; `def.default_encoding_id` names that node.
  Status AddStructureType(const NodeId& id, const QualifiedName& name, StructureDefinition def);
  // Both directions: forward on `source`, inverse on `target`. `type` is a ns=0 ReferenceType.
  Status AddReference(const NodeId& source, const NodeId& type, const NodeId& target);
  // Whole nodes (namespace0.cc) with their links, added on both ends like AddReference; a link
  // to a node not inserted yet is dropped (insert parents first).
  Node* Insert(Node node, const std::vector<Link>& links);

  // The structures added so far, for encoding values (EncodeStructuredValue).
  TypeDictionary Types() const;
  // The node, or nullptr; for SetValue. Stable for the address space's life.
  Node* Find(const NodeId& id);

  // A new value from the application: stored (source and server timestamps now unless given) and handed to
  // the node's watchers. InvalidArgument unless `variable` is a Variable.
  Status SetValue(Node* variable, DataValue value);
  Status SetValue(const NodeId& id, DataValue value);

  // Services. `now` stamps server timestamps.
  DataValue Read(const ReadValueId& item, TimestampsToReturn timestamps, DateTime now) const;
  // Value attribute only; `may_write` false answers BadUserAccessDenied for writable nodes.
  UaStatusCode Write(const WriteValue& item, bool may_write, DateTime now);
  // Every reference of a node that passes the description's filters, or the status why not.
  UaStatusCode Browse(const BrowseDescription& description, std::vector<ReferenceDescription>& out) const;
  BrowsePathResult Translate(const BrowsePath& path) const;
  bool Exists(const NodeId& id) const;

  // Monitored items. Watch attaches `watcher` to a Variable's value and gives it the current
  // value at once.
  UaStatusCode Watch(const NodeId& id, ValueWatcher* watcher);
  // The EURange property of a variable (for percent deadbands), if it has one.
  std::optional<Range> EURangeOf(const NodeId& id) const;
  void Unwatch(const NodeId& id, ValueWatcher* watcher);

  std::size_t size() const;

 private:
  void PublishNamespaces();
  Node* FindLocked(const NodeId& id);
  const Node* FindLocked(const NodeId& id) const;
  Result<Node*> AddChild(Node node, const NodeId& parent, const NodeId& reference_type,
                         const NodeId& type_definition);
  static void AddReferenceLocked(Node& source, std::uint32_t type, Node& target);
  bool IsSubtype(const NodeId& type, const NodeId& base) const;
  static bool IsSubtype(const Node* type, const Node* base);
  // A reference of ns=0 type `type` is `wanted` or, with include_subtypes, one of its subtypes.
  bool MatchesType(std::uint32_t type, const Node* wanted, bool include_subtypes) const;
  NodeId TypeDefinitionOf(const Node& node) const;
  NodeId NewNumericId(std::uint16_t ns);
  std::optional<BuiltinType> BuiltinOf(const NodeId& data_type) const;
  bool TypeMatches(const Node& variable, const Variant& value) const;
  DataValue ReadAttribute(const Node& node, std::uint32_t attribute) const;

  mutable std::shared_mutex mu_;
  std::unordered_map<NodeId, std::unique_ptr<Node>, NodeIdHash> nodes_;
  std::vector<std::string> namespaces_;
  TypeDictionary types_;
  std::uint32_t next_numeric_id_ = 1u << 24;
};

}  // namespace mw::opcua::server
