#include "tests/opcua/server/test_plant.h"

#include <gtest/gtest.h>

namespace mw::opcua::testing {

using server::AddressSpace;
using server::VariableOptions;

namespace {

StructureField Field(std::string name, NodeId type, std::int32_t rank = -1) {
  StructureField f;
  f.name = std::move(name);
  f.data_type = std::move(type);
  f.value_rank = rank;
  return f;
}

void AddTypes(AddressSpace& space, const TestPlant& p) {
  StructureDefinition inner;
  inner.default_encoding_id = p.Id("InnerStatus.Binary");
  inner.fields = {Field("Code", NodeId::Numeric(0, 6)), Field("Label", NodeId::Numeric(0, 12))};
  ASSERT_TRUE(space.AddStructureType(p.Id("InnerStatus"), QualifiedName{p.ns, "InnerStatus"}, inner).ok());
  StructureDefinition pump;
  pump.default_encoding_id = p.Id("PumpStatus.Binary");
  pump.fields = {Field("Speed", NodeId::Numeric(0, 11)), Field("Running", NodeId::Numeric(0, 1)),
                 Field("Bearing", p.Id("InnerStatus")), Field("Temps", NodeId::Numeric(0, 11), 1)};
  ASSERT_TRUE(space.AddStructureType(p.Id("PumpStatus"), QualifiedName{p.ns, "PumpStatus"}, pump).ok());
}

Variant PumpValue(const AddressSpace& space, const TestPlant& p) {
  StructuredValue inner{
      p.Id("InnerStatus"),
      {{"Code", {false, {std::int32_t{7}}, {}, {}}}, {"Label", {false, {String("ok")}, {}, {}}}}};
  StructuredValue pump{p.Id("PumpStatus"),
                       {{"Speed", {false, {1480.5}, {}, {}}},
                        {"Running", {false, {true}, {}, {}}},
                        {"Bearing", {false, {}, {inner}, {}}},
                        {"Temps", {true, {40.5, 41.25, 39.75}, {}, {}}}}};
  Result<ExtensionObject> object = EncodeStructuredValue(pump, space.Types());
  EXPECT_TRUE(object.ok()) << object.status().ToString();
  return Variant::Scalar(object.ok() ? *object : ExtensionObject{});
}

}  // namespace

TestPlant AddTestPlant(AddressSpace& space, int bench_nodes) {
  TestPlant p;
  p.ns = space.AddNamespace(kPlantNamespace);
  AddTypes(space, p);
  const NodeId objects = NodeId::Numeric(0, server::ns0::kObjectsFolder);
  EXPECT_TRUE(space.AddFolder(p.Id("Plant"), objects, {p.ns, "Plant"}).ok());
  EXPECT_TRUE(space.AddObject(p.Id("Pump1"), p.Id("Plant"), {p.ns, "Pump1"}).ok());
  VariableOptions speed;
  speed.value = Variant::Scalar(1480.0);
  speed.access_level = server::kAccessRead | server::kAccessWrite;
  speed.type_definition = NodeId::Numeric(0, 2368);  // AnalogItemType
  EXPECT_TRUE(space.AddVariable(p.Id("Pump1.Speed"), p.Id("Pump1"), {p.ns, "Speed"}, speed).ok());
  EXPECT_TRUE(space.AddEngineering(p.Id("Pump1.Speed"), {"rpm", 4395097, Range{0, 3000}}).ok());
  VariableOptions count;
  count.data_type = NodeId::Numeric(0, 6);
  count.value = Variant::Scalar(std::int32_t{0});
  count.access_level = server::kAccessRead | server::kAccessWrite;
  EXPECT_TRUE(space.AddVariable(p.Id("Pump1.Count"), p.Id("Pump1"), {p.ns, "Count"}, count).ok());
  VariableOptions temps;
  temps.value_rank = 1;
  temps.array_dimensions = {3};
  temps.value = Variant::Array(BuiltinType::kDouble, {40.5, 41.0, 39.5});
  EXPECT_TRUE(space.AddVariable(p.Id("Pump1.Temps"), p.Id("Pump1"), {p.ns, "Temps"}, temps).ok());
  VariableOptions label;
  label.data_type = NodeId::Numeric(0, 12);
  label.value = Variant::Scalar(String("P-101"));
  EXPECT_TRUE(space.AddVariable(p.Id("Pump1.Label"), p.Id("Pump1"), {p.ns, "Label"}, label).ok());
  VariableOptions status;
  status.data_type = p.Id("PumpStatus");
  status.value = PumpValue(space, p);
  status.access_level = server::kAccessRead | server::kAccessWrite;
  EXPECT_TRUE(space.AddVariable(p.Id("Pump1.Status"), p.Id("Pump1"), {p.ns, "Status"}, status).ok());
  EXPECT_TRUE(space.AddFolder(p.Id("Bench"), objects, {p.ns, "Bench"}).ok());
  for (int k = 0; k < bench_nodes; ++k) {
    VariableOptions v;
    v.value = Variant::Scalar(static_cast<double>(k));
    const std::string name = "D" + std::to_string(k);
    EXPECT_TRUE(space.AddVariable(p.Id("Bench." + name), p.Id("Bench"), {p.ns, name}, v).ok());
  }
  return p;
}

}  // namespace mw::opcua::testing
