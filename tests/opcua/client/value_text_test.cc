#include "opcua/client/value_text.h"

#include <gtest/gtest.h>

#include <cmath>

#include "opcua/encoding/datetime.h"

namespace mw::opcua {
namespace {

TEST(ValueText, ScalarsPrintTheWayOperatorsReadThem) {
  EXPECT_EQ(ValueToText(Value(true)), "true");
  EXPECT_EQ(ValueToText(Value(std::int8_t{-5})), "-5");
  EXPECT_EQ(ValueToText(Value(std::uint64_t{18446744073709551615u})), "18446744073709551615");
  EXPECT_EQ(ValueToText(Value(0.1)), "0.1");
  EXPECT_EQ(ValueToText(Value(std::nan(""))), "NaN");
  EXPECT_EQ(ValueToText(Value(String("a\"b"))), "\"a\\\"b\"");
  EXPECT_EQ(ValueToText(Value(UaStatusCode{0x80340000})), "BadNodeIdUnknown");
  EXPECT_EQ(ValueToText(Value(NodeId::StringId(2, "Pump.Speed"))), "ns=2;s=Pump.Speed");
  EXPECT_EQ(ValueToText(Value(DateTimeFromTimestamp(0))), "1970-01-01T00:00:00Z");
}

TEST(ValueText, LongArraysAreCutWithTheirLength) {
  std::vector<Value> values;
  for (int i = 0; i < 100; ++i) values.emplace_back(i);
  const Variant v = Variant::Array(BuiltinType::kInt32, values);
  EXPECT_EQ(VariantToText(v, 3), "[0, 1, 2, ... (100 elements)]");
  EXPECT_EQ(VariantToJson(v).size(), 100u);
}

TEST(ValueText, ParsesTextIntoTheNodesType) {
  auto d = ParseVariant("2.5", BuiltinType::kDouble);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(std::get<double>(d->values[0]), 2.5);
  auto b = ParseVariant("true", BuiltinType::kBoolean);
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(std::get<bool>(b->values[0]));
  auto array = ParseVariant("[1, 2, 3]", BuiltinType::kInt16);
  ASSERT_TRUE(array.ok());
  EXPECT_TRUE(array->is_array);
  EXPECT_EQ(array->values.size(), 3u);
  auto status = ParseVariant("BadTimeout", BuiltinType::kStatusCode);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(std::get<UaStatusCode>(status->values[0]).code, 0x800A0000u);
}

TEST(ValueText, RefusesTextThatDoesNotFitNamingTypeAndText) {
  auto over = ParseVariant("300", BuiltinType::kByte);
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.status().message().find("'300' is not a Byte"), std::string::npos)
      << over.status().message();
  EXPECT_FALSE(ParseVariant("1.5x", BuiltinType::kDouble).ok());
  EXPECT_FALSE(ParseVariant("yes", BuiltinType::kBoolean).ok());
  EXPECT_FALSE(ParseVariant("[1, \"x\"]", BuiltinType::kInt32).ok());
}

TEST(ValueText, NumbersForThePipeline) {
  EXPECT_EQ(ValueToDouble(Value(true)), 1.0);
  EXPECT_EQ(ValueToDouble(Value(std::int16_t{-7})), -7.0);
  EXPECT_EQ(ValueToDouble(Value(2.5f)), 2.5);
  EXPECT_FALSE(ValueToDouble(Value(String("x"))).has_value());
}

}  // namespace
}  // namespace mw::opcua
