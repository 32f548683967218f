// The namespace-0 nodes a server needs so that standard clients find their way (OPC 10000-5 and
// the NodeIds.csv of the specification): the folders, the reference type hierarchy, the built-in
// and common data types, the base object and variable types, and the Server object with
// NamespaceArray, ServerStatus and ServerCapabilities/OperationLimits. Values that change
// (CurrentTime, ServerStatus, the limits) are set by the server after construction.
#include "opcua/server/address_space.h"

namespace mw::opcua::server {
namespace {

NodeId Ns0(std::uint32_t id) { return NodeId::Numeric(0, id); }

class Builder {
 public:
  explicit Builder(AddressSpace& space) : space_(space) {}

  void ReferenceType(std::uint32_t id, const char* name, std::uint32_t parent, const char* inverse,
                     bool is_abstract = false, bool symmetric = false) {
    Node n = Base(id, NodeClass::kReferenceType, name);
    n.type = std::make_unique<TypeAttributes>();
    n.type->is_abstract = is_abstract;
    n.type->symmetric = symmetric;
    if (inverse != nullptr) n.type->inverse_name = LocalizedText{std::nullopt, std::string(inverse)};
    space_.Insert(std::move(n), SubtypeOf(parent));
  }

  void Type(NodeClass c, std::uint32_t id, const char* name, std::uint32_t parent, bool is_abstract = false) {
    Node n = Base(id, c, name);
    n.type = std::make_unique<TypeAttributes>();
    n.type->is_abstract = is_abstract;
    if (c == NodeClass::kVariableType) {
      n.data_type = Ns0(ns0::kBaseDataType);
      n.value_rank = -2;
    }
    space_.Insert(std::move(n), SubtypeOf(parent));
  }

  void Object(std::uint32_t id, const char* name, std::uint32_t parent, std::uint32_t reference,
              std::uint32_t type_definition) {
    std::vector<Link> links = {{Ns0(ns0::kHasTypeDefinition), Ns0(type_definition), true}};
    if (parent != 0) links.push_back({Ns0(reference), Ns0(parent), false});
    space_.Insert(Base(id, NodeClass::kObject, name), links);
  }

  void Variable(std::uint32_t id, const char* name, std::uint32_t parent, std::uint32_t data_type,
                Variant value, std::int32_t value_rank = -1, bool property = true) {
    Node n = Base(id, NodeClass::kVariable, name);
    n.data_type = Ns0(data_type);
    n.value_rank = value_rank;
    n.value.value = std::move(value);
    space_.Insert(std::move(n), {{Ns0(property ? ns0::kHasProperty : ns0::kHasComponent), Ns0(parent), false},
                                 {Ns0(ns0::kHasTypeDefinition),
                                  Ns0(property ? ns0::kPropertyType : ns0::kBaseDataVariableType), true}});
  }

 private:
  static Node Base(std::uint32_t id, NodeClass c, const char* name) {
    Node n;
    n.id = Ns0(id);
    n.node_class = c;
    n.browse_name = QualifiedName{0, name};
    n.display_name = LocalizedText{std::nullopt, std::string(name)};
    return n;
  }
  static std::vector<Link> SubtypeOf(std::uint32_t parent) {
    if (parent == 0) return {};
    return {{Ns0(ns0::kHasSubtype), Ns0(parent), false}};
  }
  AddressSpace& space_;
};

void ReferenceTypes(Builder& b) {
  b.ReferenceType(ns0::kReferences, "References", 0, nullptr, true, true);
  b.ReferenceType(ns0::kNonHierarchicalReferences, "NonHierarchicalReferences", ns0::kReferences, nullptr,
                  true, true);
  b.ReferenceType(ns0::kHierarchicalReferences, "HierarchicalReferences", ns0::kReferences, nullptr, true);
  b.ReferenceType(ns0::kHasChild, "HasChild", ns0::kHierarchicalReferences, nullptr, true);
  b.ReferenceType(ns0::kOrganizes, "Organizes", ns0::kHierarchicalReferences, "OrganizedBy");
  b.ReferenceType(36, "HasEventSource", ns0::kHierarchicalReferences, "EventSourceOf");
  b.ReferenceType(48, "HasNotifier", 36, "NotifierOf");
  b.ReferenceType(ns0::kAggregates, "Aggregates", ns0::kHasChild, nullptr, true);
  b.ReferenceType(ns0::kHasSubtype, "HasSubtype", ns0::kHasChild, "SubtypeOf");
  b.ReferenceType(ns0::kHasProperty, "HasProperty", ns0::kAggregates, "PropertyOf");
  b.ReferenceType(ns0::kHasComponent, "HasComponent", ns0::kAggregates, "ComponentOf");
  b.ReferenceType(49, "HasOrderedComponent", ns0::kHasComponent, "OrderedComponentOf");
  b.ReferenceType(37, "HasModellingRule", ns0::kNonHierarchicalReferences, "ModellingRuleOf");
  b.ReferenceType(ns0::kHasEncoding, "HasEncoding", ns0::kNonHierarchicalReferences, "EncodingOf");
  b.ReferenceType(39, "HasDescription", ns0::kNonHierarchicalReferences, "DescriptionOf");
  b.ReferenceType(ns0::kHasTypeDefinition, "HasTypeDefinition", ns0::kNonHierarchicalReferences,
                  "TypeDefinitionOf");
  b.ReferenceType(41, "GeneratesEvent", ns0::kNonHierarchicalReferences, "GeneratedBy");
}

void DataTypes(Builder& b) {
  const NodeClass t = NodeClass::kDataType;
  b.Type(t, ns0::kBaseDataType, "BaseDataType", 0, true);
  b.Type(t, 26, "Number", ns0::kBaseDataType, true);
  b.Type(t, 27, "Integer", 26, true);
  b.Type(t, 28, "UInteger", 26, true);
  b.Type(t, ns0::kEnumeration, "Enumeration", ns0::kBaseDataType, true);
  b.Type(t, ns0::kStructure, "Structure", ns0::kBaseDataType, true);
  struct Builtin {
    std::uint32_t id;
    std::uint32_t parent;
    const char* name;
  };
  static constexpr Builtin kBuiltins[] = {
      {1, 24, "Boolean"},
      {2, 27, "SByte"},
      {3, 28, "Byte"},
      {4, 27, "Int16"},
      {5, 28, "UInt16"},
      {6, 27, "Int32"},
      {7, 28, "UInt32"},
      {8, 27, "Int64"},
      {9, 28, "UInt64"},
      {10, 26, "Float"},
      {11, 26, "Double"},
      {12, 24, "String"},
      {13, 24, "DateTime"},
      {14, 24, "Guid"},
      {15, 24, "ByteString"},
      {16, 24, "XmlElement"},
      {17, 24, "NodeId"},
      {18, 24, "ExpandedNodeId"},
      {19, 24, "StatusCode"},
      {20, 24, "QualifiedName"},
      {21, 24, "LocalizedText"},
      {23, 24, "DataValue"},
      {25, 24, "DiagnosticInfo"},
      {290, 11, "Duration"},
      {294, 13, "UtcTime"},
      {295, 12, "LocaleId"},
      {852, 29, "ServerState"},
      {ns0::kRange, 22, "Range"},
      {ns0::kEUInformation, 22, "EUInformation"},
      {338, 22, "BuildInfo"},
      {862, 22, "ServerStatusDataType"},
  };
  for (const Builtin& x : kBuiltins) b.Type(t, x.id, x.name, x.parent);
}

void ObjectAndVariableTypes(Builder& b) {
  b.Type(NodeClass::kObjectType, ns0::kBaseObjectType, "BaseObjectType", 0);
  b.Type(NodeClass::kObjectType, ns0::kFolderType, "FolderType", ns0::kBaseObjectType);
  b.Type(NodeClass::kObjectType, ns0::kDataTypeEncodingType, "DataTypeEncodingType", ns0::kBaseObjectType);
  b.Type(NodeClass::kObjectType, 2004, "ServerType", ns0::kBaseObjectType);
  b.Type(NodeClass::kObjectType, 2013, "ServerCapabilitiesType", ns0::kBaseObjectType);
  b.Type(NodeClass::kObjectType, 11564, "OperationLimitsType", ns0::kFolderType);
  b.Type(NodeClass::kVariableType, ns0::kBaseVariableType, "BaseVariableType", 0, true);
  b.Type(NodeClass::kVariableType, ns0::kBaseDataVariableType, "BaseDataVariableType",
         ns0::kBaseVariableType);
  b.Type(NodeClass::kVariableType, ns0::kPropertyType, "PropertyType", ns0::kBaseVariableType);
  b.Type(NodeClass::kVariableType, 2138, "ServerStatusType", ns0::kBaseDataVariableType);
  b.Type(NodeClass::kVariableType, 3051, "BuildInfoType", ns0::kBaseDataVariableType);
  b.Type(NodeClass::kVariableType, 2368, "AnalogItemType", ns0::kBaseDataVariableType);
}

void Folders(Builder& b) {
  b.Object(ns0::kRootFolder, "Root", 0, 0, ns0::kFolderType);
  b.Object(ns0::kObjectsFolder, "Objects", ns0::kRootFolder, ns0::kOrganizes, ns0::kFolderType);
  b.Object(ns0::kTypesFolder, "Types", ns0::kRootFolder, ns0::kOrganizes, ns0::kFolderType);
  b.Object(ns0::kViewsFolder, "Views", ns0::kRootFolder, ns0::kOrganizes, ns0::kFolderType);
  b.Object(88, "ObjectTypes", ns0::kTypesFolder, ns0::kOrganizes, ns0::kFolderType);
  b.Object(89, "VariableTypes", ns0::kTypesFolder, ns0::kOrganizes, ns0::kFolderType);
  b.Object(90, "DataTypes", ns0::kTypesFolder, ns0::kOrganizes, ns0::kFolderType);
  b.Object(91, "ReferenceTypes", ns0::kTypesFolder, ns0::kOrganizes, ns0::kFolderType);
}

void ServerObject(Builder& b) {
  b.Object(ns0::kServer, "Server", ns0::kObjectsFolder, ns0::kOrganizes, 2004);
  b.Variable(2254, "ServerArray", ns0::kServer, 12, Variant::Array(BuiltinType::kString, {}), 1);
  b.Variable(ns0::kNamespaceArray, "NamespaceArray", ns0::kServer, 12,
             Variant::Array(BuiltinType::kString, {}), 1);
  b.Variable(2267, "ServiceLevel", ns0::kServer, 3, Variant::Scalar(std::uint8_t{255}));
  b.Variable(2994, "Auditing", ns0::kServer, 1, Variant::Scalar(false));
  b.Variable(ns0::kServerStatus, "ServerStatus", ns0::kServer, 862, Variant(), -1, false);
  b.Variable(2257, "StartTime", ns0::kServerStatus, 294, Variant(), -1, false);
  b.Variable(ns0::kCurrentTime, "CurrentTime", ns0::kServerStatus, 294, Variant(), -1, false);
  b.Variable(ns0::kServerState, "State", ns0::kServerStatus, 852, Variant::Scalar(std::int32_t{0}), -1,
             false);
  b.Variable(2260, "BuildInfo", ns0::kServerStatus, 338, Variant(), -1, false);
  b.Variable(2992, "SecondsTillShutdown", ns0::kServerStatus, 7, Variant::Scalar(std::uint32_t{0}), -1,
             false);
  b.Variable(2993, "ShutdownReason", ns0::kServerStatus, 21, Variant::Scalar(LocalizedText{}), -1, false);
  b.Object(2268, "ServerCapabilities", ns0::kServer, ns0::kHasComponent, 2013);
  b.Variable(2269, "ServerProfileArray", 2268, 12,
             Variant::Array(BuiltinType::kString,
                            {String("http://opcfoundation.org/UA-Profile/Server/StandardUA2017"),
                             // Clients then read DataTypeDefinition (1.04) instead of 1.03 dictionaries.
                             String("http://opcfoundation.org/UA-Profile/Server/ComplexTypes2017")}),
             1);
  b.Variable(2271, "LocaleIdArray", 2268, 295, Variant::Array(BuiltinType::kString, {String("en")}), 1);
  b.Variable(2272, "MinSupportedSampleRate", 2268, 290, Variant::Scalar(0.0));
  b.Variable(2735, "MaxBrowseContinuationPoints", 2268, 5, Variant::Scalar(std::uint16_t{0}));
  b.Object(11704, "OperationLimits", 2268, ns0::kHasComponent, 11564);
}

}  // namespace

// The OperationLimits variables (ids in OperationLimitsType order); the server sets their values.
void AddOperationLimit(AddressSpace& space, std::uint32_t id, const char* name) {
  Builder b(space);
  b.Variable(id, name, 11704, 7, Variant::Scalar(std::uint32_t{0}));
}

void BuildNamespaceZero(AddressSpace& space) {
  Builder b(space);
  ReferenceTypes(b);
  DataTypes(b);
  ObjectAndVariableTypes(b);
  Folders(b);
  ServerObject(b);
  // The type folders list the roots of their hierarchies.
  for (auto [folder, root] : {std::pair{88u, ns0::kBaseObjectType},
                              {89u, ns0::kBaseVariableType},
                              {90u, ns0::kBaseDataType},
                              {91u, ns0::kReferences}}) {
    (void)space.AddReference(Ns0(folder), Ns0(ns0::kOrganizes), Ns0(root));
  }
}

}  // namespace mw::opcua::server
