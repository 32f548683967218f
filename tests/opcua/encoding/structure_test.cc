#include "opcua/encoding/structure.h"

#include <gtest/gtest.h>

#include <string>

#include "encoding_test_util.h"
#include "opcua/encoding/node_id.h"
#include "opcua/encoding/variant.h"

namespace mw::opcua {
namespace {

using testing::Bytes;
using testing::Hex;

const NodeId kPoint = NodeId::Numeric(1, 3001);
const NodeId kPointEncoding = NodeId::Numeric(1, 3002);
const NodeId kReading = NodeId::Numeric(1, 3010);
const NodeId kReadingEncoding = NodeId::Numeric(1, 3011);
const NodeId kMode = NodeId::Numeric(1, 3020);
const NodeId kChoice = NodeId::Numeric(1, 3030);
const NodeId kChoiceEncoding = NodeId::Numeric(1, 3031);
const NodeId kDouble = NodeId::Numeric(0, 11);
const NodeId kString = NodeId::Numeric(0, 12);

StructureField Field(std::string name, NodeId type, std::int32_t rank = -1, bool optional = false) {
  StructureField f;
  f.name = std::move(name);
  f.data_type = std::move(type);
  f.value_rank = rank;
  f.is_optional = optional;
  return f;
}

StructureDefinition PointDefinition() {
  return {kPointEncoding,
          NodeId::Numeric(0, 22),
          StructureType::kStructure,
          {Field("x", kDouble), Field("y", kDouble)}};
}

// A structure with a nested structure, an array, an enumeration and three optional fields, one of
// them a matrix.
StructureDefinition ReadingDefinition() {
  return {kReadingEncoding,
          NodeId::Numeric(0, 22),
          StructureType::kStructureWithOptionalFields,
          {Field("name", kString), Field("where", kPoint), Field("samples", kDouble, 1), Field("mode", kMode),
           Field("note", kString, -1, true), Field("unit", NodeId::Numeric(0, 21), -1, true),
           Field("grid", NodeId::Numeric(0, 4), 2, true)}};
}

StructureDefinition ChoiceDefinition() {
  return {kChoiceEncoding,
          NodeId::Numeric(0, 12756),
          StructureType::kUnion,
          {Field("count", NodeId::Numeric(0, 6)), Field("label", kString), Field("point", kPoint)}};
}

TypeDictionary Types() {
  TypeDictionary types;
  EXPECT_TRUE(types.AddStructure(kPoint, PointDefinition()).ok());
  EXPECT_TRUE(types.AddStructure(kReading, ReadingDefinition()).ok());
  EXPECT_TRUE(types.AddStructure(kChoice, ChoiceDefinition()).ok());
  types.AddEnumeration(kMode);
  return types;
}

FieldValue Scalar(Value v) { return {false, {std::move(v)}, {}, {}}; }
FieldValue Nested(StructuredValue v) { return {false, {}, {std::move(v)}, {}}; }

StructuredValue Point(double x, double y) { return {kPoint, {{"x", Scalar(x)}, {"y", Scalar(y)}}}; }

ExtensionObject Binary(const NodeId& type, std::string body) {
  return {type, ExtensionObject::Encoding::kBinary, std::move(body)};
}

TEST(StructureDefinitionEncoding, MatchesHandEncodedBytes) {
  StructureDefinition def{
      kPointEncoding, NodeId::Numeric(0, 22), StructureType::kStructure, {Field("x", kDouble)}};
  const ExtensionObject object = ToExtensionObject(def);
  EXPECT_EQ(object.type_id, NodeId::Numeric(0, 122));
  EXPECT_EQ(Hex(object.body),
            "01 01 BA 0B 00 16 00 00 00 00 01 00 00 00 01 00 00 00 78 00 00 0B FF FF FF FF 00 00 00 00 00 00 "
            "00 00 00");
}

TEST(StructureDefinitionEncoding, RoundTripsThroughExtensionObject) {
  StructureDefinition def = ReadingDefinition();
  def.fields[0].description = LocalizedText{"en", "Sensor name"};
  def.fields[6].array_dimensions = {2, 2};
  def.fields[0].max_string_length = 64;
  Result<StructureDefinition> back = StructureDefinitionFromExtensionObject(ToExtensionObject(def));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, def);
}

TEST(StructureDefinitionDecoding, RejectsWrongTypeTrailingBytesAndBadStructureType) {
  ExtensionObject object = ToExtensionObject(PointDefinition());
  object.body += "x";
  EXPECT_EQ(StructureDefinitionFromExtensionObject(object).status().message(),
            "1 trailing bytes after StructureDefinition at offset 56");
  EXPECT_EQ(StructureDefinitionFromExtensionObject(Binary(NodeId::Numeric(0, 123), "")).status().code(),
            mw::StatusCode::kInvalidArgument);
  std::string body = ToExtensionObject(PointDefinition()).body;
  body[6] = 9;  // StructureType
  EXPECT_EQ(StructureDefinitionFromExtensionObject(Binary(NodeId::Numeric(0, 122), body)).status().message(),
            "StructureType 9 is unknown at offset 6");
}

TEST(StructureDefinitionDecoding, RejectsFieldCountLargerThanInput) {
  std::string body = ToExtensionObject(PointDefinition()).body.substr(0, 10);
  body += Bytes({0x10, 0x27, 0, 0});  // 10000 fields, none present
  const Status s = StructureDefinitionFromExtensionObject(Binary(NodeId::Numeric(0, 122), body)).status();
  EXPECT_EQ(s.code(), mw::StatusCode::kCorruption);
  EXPECT_NE(s.message().find("10000 elements"), std::string::npos);
}

TEST(TypeDictionary, MapsEncodingsToDataTypesAndRejectsDuplicates) {
  TypeDictionary types = Types();
  ASSERT_NE(types.DataTypeOfEncoding(kPointEncoding), nullptr);
  EXPECT_EQ(*types.DataTypeOfEncoding(kPointEncoding), kPoint);
  EXPECT_EQ(types.DataTypeOfEncoding(kPoint), nullptr);
  EXPECT_EQ(types.AddStructure(kPoint, PointDefinition()).code(), mw::StatusCode::kAlreadyExists);
  StructureDefinition no_encoding = PointDefinition();
  no_encoding.default_encoding_id = NodeId{};
  EXPECT_EQ(types.AddStructure(NodeId::Numeric(1, 1), no_encoding).code(), mw::StatusCode::kInvalidArgument);
  StructureDefinition repeated = PointDefinition();
  repeated.default_encoding_id = NodeId::Numeric(1, 2);
  repeated.fields[1].name = "x";
  EXPECT_EQ(types.AddStructure(NodeId::Numeric(1, 1), repeated).message(),
            "structure ns=1;i=1 repeats field \"x\"");
  EXPECT_EQ(types.BuiltinFor(kMode), BuiltinType::kInt32);
  EXPECT_EQ(types.BuiltinFor(NodeId::Numeric(0, 290)), BuiltinType::kDouble);  // Duration
  EXPECT_EQ(types.BuiltinFor(NodeId::Numeric(0, 24)), BuiltinType::kVariant);  // BaseDataType
  EXPECT_EQ(types.BuiltinFor(NodeId::Numeric(5, 1)), std::nullopt);
}

TEST(StructuredValue, DecodesPlainStructureFromHandEncodedBody) {
  const std::string body = Bytes({0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0, 0, 0, 0, 0, 0, 0, 0xC0});
  Result<StructuredValue> v = DecodeStructuredValue(Binary(kPointEncoding, body), Types());
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, Point(1.0, -2.0));
  Result<ExtensionObject> again = EncodeStructuredValue(*v, Types());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, Binary(kPointEncoding, body));
}

StructuredValue SampleReading() {
  FieldValue samples{true, {1.5, 2.5}, {}, {}};
  FieldValue grid{true, {std::int16_t{1}, std::int16_t{2}}, {}, {2, 1}};
  return {kReading,
          {{"name", Scalar(String("P1"))},
           {"where", Nested(Point(3, 4))},
           {"samples", samples},
           {"mode", Scalar(std::int32_t{2})},
           {"note", Scalar(String("hi"))},
           {"grid", grid}}};
}

TEST(StructuredValue, EncodesOptionalFieldMaskFirst) {
  Result<ExtensionObject> object = EncodeStructuredValue(SampleReading(), Types());
  ASSERT_TRUE(object.ok()) << object.status().ToString();
  EXPECT_EQ(object->type_id, kReadingEncoding);
  // note (bit 0) and grid (bit 2) present, unit (bit 1) absent.
  EXPECT_EQ(Hex(object->body.substr(0, 4)), "05 00 00 00");
  // The matrix comes last: rank 2, dimensions 2 x 1, then two Int16.
  EXPECT_EQ(Hex(object->body.substr(object->body.size() - 16)),
            "02 00 00 00 02 00 00 00 01 00 00 00 01 00 02 00");
}

TEST(StructuredValue, RoundTripsNestedStructureArrayEnumAndOptionalFields) {
  const TypeDictionary types = Types();
  Result<ExtensionObject> object = EncodeStructuredValue(SampleReading(), types);
  ASSERT_TRUE(object.ok());
  Result<StructuredValue> back = DecodeStructuredValue(*object, types);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, SampleReading());
  ASSERT_NE(back->Find("where"), nullptr);
  EXPECT_EQ(back->Find("where")->structures[0], Point(3, 4));
  EXPECT_EQ(back->Find("unit"), nullptr);
}

TEST(StructuredValue, DecodesEveryUnionSelector) {
  const TypeDictionary types = Types();
  Result<StructuredValue> label =
      DecodeStructuredValue(Binary(kChoiceEncoding, Bytes({2, 0, 0, 0, 2, 0, 0, 0, 'o', 'k'})), types);
  ASSERT_TRUE(label.ok()) << label.status().ToString();
  EXPECT_EQ(*label, (StructuredValue{kChoice, {{"label", Scalar(String("ok"))}}}));

  Result<StructuredValue> null_union =
      DecodeStructuredValue(Binary(kChoiceEncoding, Bytes({0, 0, 0, 0})), types);
  ASSERT_TRUE(null_union.ok());
  EXPECT_TRUE(null_union->fields.empty());

  const StructuredValue point{kChoice, {{"point", Nested(Point(1, 2))}}};
  Result<ExtensionObject> encoded = EncodeStructuredValue(point, types);
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(Hex(encoded->body.substr(0, 4)), "03 00 00 00");
  EXPECT_EQ(*DecodeStructuredValue(*encoded, types), point);

  EXPECT_EQ(DecodeStructuredValue(Binary(kChoiceEncoding, Bytes({4, 0, 0, 0})), types).status().message(),
            "union SwitchField 4 exceeds its 3 fields at offset 0");
}

TEST(StructuredValue, EncoderNamesTheFieldThatDoesNotFit) {
  const TypeDictionary types = Types();
  StructuredValue missing = SampleReading();
  missing.fields.erase(missing.fields.begin());
  EXPECT_EQ(EncodeStructuredValue(missing, types).status().message(),
            "field \"name\": missing from ns=1;i=3010");

  StructuredValue wrong_type = Point(1, 2);
  wrong_type.fields[1].value = Scalar(std::int32_t{2});
  EXPECT_EQ(EncodeStructuredValue(wrong_type, types).status().message(),
            "field \"y\": holds a Int32, expected Double");

  StructuredValue extra = Point(1, 2);
  extra.fields.push_back({"z", Scalar(0.0)});
  EXPECT_EQ(EncodeStructuredValue(extra, types).status().message(),
            "field \"z\": not in ns=1;i=3001, repeated, or out of order");

  StructuredValue scalar_for_array = SampleReading();
  scalar_for_array.fields[2].value = Scalar(1.0);
  EXPECT_EQ(EncodeStructuredValue(scalar_for_array, types).status().code(), mw::StatusCode::kInvalidArgument);

  const StructuredValue two{kChoice, {{"count", Scalar(std::int32_t{1})}, {"label", Scalar(String("x"))}}};
  EXPECT_EQ(EncodeStructuredValue(two, types).status().message(), "union ns=1;i=3030 holds several fields");
}

TEST(StructuredValue, DecoderRejectsUnknownTypesMasksAndTrailingBytes) {
  TypeDictionary types = Types();
  EXPECT_EQ(DecodeStructuredValue(Binary(NodeId::Numeric(1, 9), ""), types).status().code(),
            mw::StatusCode::kNotFound);
  ExtensionObject object = *EncodeStructuredValue(Point(1, 2), types);
  object.body += "!";
  EXPECT_EQ(DecodeStructuredValue(object, types).status().message(),
            "1 trailing bytes after structure at offset 16");
  object.body.resize(10);
  EXPECT_EQ(DecodeStructuredValue(object, types).status().code(), mw::StatusCode::kCorruption);

  ExtensionObject reading = *EncodeStructuredValue(SampleReading(), types);
  reading.body[0] = 0x0D;  // bit 3: there are only three optional fields
  EXPECT_EQ(DecodeStructuredValue(reading, types).status().message(),
            "EncodingMask sets bits beyond the 3 optional fields at offset 0");

  StructureDefinition odd = PointDefinition();
  odd.default_encoding_id = NodeId::Numeric(1, 4001);
  odd.fields[1].data_type = NodeId::Numeric(7, 7);
  ASSERT_TRUE(types.AddStructure(NodeId::Numeric(1, 4000), odd).ok());
  EXPECT_EQ(DecodeStructuredValue(Binary(NodeId::Numeric(1, 4001), std::string(16, '\0')), types)
                .status()
                .message(),
            "field \"y\": unknown DataType ns=7;i=7");
}

TEST(StructuredValue, LimitsRecursionOfSelfReferencingTypes) {
  // A linked list: node { value Int32, next node (optional) }.
  const NodeId node = NodeId::Numeric(1, 5000);
  TypeDictionary types;
  ASSERT_TRUE(
      types
          .AddStructure(node, {NodeId::Numeric(1, 5001),
                               NodeId::Numeric(0, 22),
                               StructureType::kStructureWithOptionalFields,
                               {Field("value", NodeId::Numeric(0, 6)), Field("next", node, -1, true)}})
          .ok());
  std::string body;
  for (int i = 0; i < 10; ++i) body += Bytes({1, 0, 0, 0, 7, 0, 0, 0});
  body += Bytes({0, 0, 0, 0, 7, 0, 0, 0});
  DecodeLimits limits;
  limits.max_depth = 5;
  const Status s = DecodeStructuredValue(Binary(NodeId::Numeric(1, 5001), body), types, limits).status();
  EXPECT_EQ(s.code(), mw::StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "structure nesting depth 6 exceeds limit 5 at offset 40");
  limits.max_depth = 11;
  Result<StructuredValue> ok = DecodeStructuredValue(Binary(NodeId::Numeric(1, 5001), body), types, limits);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(EncodeStructuredValue(*ok, types)->body, body);
}

TEST(StructuredValue, RejectsSubtypedStructures) {
  TypeDictionary types;
  StructureDefinition def = PointDefinition();
  def.structure_type = StructureType::kStructureWithSubtypedValues;
  ASSERT_TRUE(types.AddStructure(kPoint, def).ok());
  EXPECT_EQ(DecodeStructuredValue(Binary(kPointEncoding, ""), types).status().message(),
            "structure ns=1;i=3001: StructureType 3 is not supported");
}

}  // namespace
}  // namespace mw::opcua
