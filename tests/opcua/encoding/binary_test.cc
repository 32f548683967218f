#include "opcua/encoding/binary.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "encoding_test_util.h"

namespace mw::opcua {
namespace {

using testing::Bytes;

TEST(Encoder, WritesIntegersLittleEndian) {
  std::string out;
  Encoder e(out);
  e.Int32(0x01020304);
  e.UInt16(0xABCD);
  e.Int64(-2);
  e.SByte(-1);
  EXPECT_EQ(
      out, Bytes({0x04, 0x03, 0x02, 0x01, 0xCD, 0xAB, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}));
}

TEST(Encoder, WritesIeeeFloats) {
  std::string out;
  Encoder e(out);
  e.Float(1.0F);
  e.Double(-2.0);
  EXPECT_EQ(out, Bytes({0x00, 0x00, 0x80, 0x3F, 0, 0, 0, 0, 0, 0, 0x00, 0xC0}));
}

TEST(Encoder, DistinguishesNullAndEmptyStrings) {
  std::string out;
  Encoder e(out);
  e.String(std::nullopt);
  e.String(std::string());
  e.String(std::string("abc"));
  EXPECT_EQ(out, Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 3, 0, 0, 0, 'a', 'b', 'c'}));
}

TEST(Encoder, AppendsToByteVector) {
  std::vector<std::uint8_t> out = {9};
  Encoder e(out);
  e.UInt32(1);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{9, 1, 0, 0, 0}));
  EXPECT_EQ(e.size(), 5U);
}

TEST(Encoder, WritesGuidFieldsLittleEndianAndTailAsIs) {
  // The example of OPC 10000-6, 5.2.2.7: 72962B91-FA75-4AE6-8D28-B404DC7DAF3F.
  const Guid g{0x72962B91, 0xFA75, 0x4AE6, {0x8D, 0x28, 0xB4, 0x04, 0xDC, 0x7D, 0xAF, 0x3F}};
  std::string out;
  Encoder(out).Guid(g);
  EXPECT_EQ(out, Bytes({0x91, 0x2B, 0x96, 0x72, 0x75, 0xFA, 0xE6, 0x4A, 0x8D, 0x28, 0xB4, 0x04, 0xDC, 0x7D,
                        0xAF, 0x3F}));
  Guid back;
  Decoder d(out);
  ASSERT_TRUE(d.Guid(back).ok());
  EXPECT_EQ(back, g);
}

TEST(Decoder, RoundTripsEveryPrimitive) {
  std::string out;
  Encoder e(out);
  e.Boolean(true);
  e.SByte(-5);
  e.Byte(200);
  e.Int16(-300);
  e.UInt16(60000);
  e.Int32(std::numeric_limits<std::int32_t>::min());
  e.UInt32(4000000000U);
  e.Int64(std::numeric_limits<std::int64_t>::min());
  e.UInt64(std::numeric_limits<std::uint64_t>::max());
  e.Float(-0.5F);
  e.Double(3.25);
  e.ByteString(ByteString{std::string("\0\1", 2)});
  e.DateTime(DateTime{42});
  Decoder d(out);
  bool b = false;
  std::int8_t i8 = 0;
  std::uint8_t u8 = 0;
  std::int16_t i16 = 0;
  std::uint16_t u16 = 0;
  std::int32_t i32 = 0;
  std::uint32_t u32 = 0;
  std::int64_t i64 = 0;
  std::uint64_t u64 = 0;
  float f = 0;
  double dbl = 0;
  ByteString bs;
  DateTime dt;
  ASSERT_TRUE(d.Boolean(b).ok() && d.SByte(i8).ok() && d.Byte(u8).ok() && d.Int16(i16).ok() &&
              d.UInt16(u16).ok() && d.Int32(i32).ok() && d.UInt32(u32).ok() && d.Int64(i64).ok() &&
              d.UInt64(u64).ok() && d.Float(f).ok() && d.Double(dbl).ok() && d.ByteString(bs).ok() &&
              d.DateTime(dt).ok());
  EXPECT_TRUE(b);
  EXPECT_EQ(i8, -5);
  EXPECT_EQ(u8, 200);
  EXPECT_EQ(i16, -300);
  EXPECT_EQ(u16, 60000);
  EXPECT_EQ(i32, std::numeric_limits<std::int32_t>::min());
  EXPECT_EQ(u32, 4000000000U);
  EXPECT_EQ(i64, std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(u64, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(f, -0.5F);
  EXPECT_EQ(dbl, 3.25);
  EXPECT_EQ(bs.bytes, std::string("\0\1", 2));
  EXPECT_EQ(dt.ticks, 42);
  EXPECT_TRUE(d.AtEnd());
}

TEST(Decoder, TreatsAnyNonZeroByteAsTrue) {
  const std::string d_bytes = Bytes({0x7F});
  Decoder d(d_bytes);
  bool b = false;
  ASSERT_TRUE(d.Boolean(b).ok());
  EXPECT_TRUE(b);
}

TEST(Decoder, DecodesNullStringAsNullopt) {
  const std::string d_bytes = Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0});
  Decoder d(d_bytes);
  String null_string = "x";
  String empty;
  ASSERT_TRUE(d.String(null_string).ok());
  ASSERT_TRUE(d.String(empty).ok());
  EXPECT_FALSE(null_string.has_value());
  EXPECT_EQ(empty, std::string());
}

TEST(Decoder, ReportsTruncationWithOffset) {
  const std::string d_bytes = Bytes({1, 2, 3, 4, 5, 6});
  Decoder d(d_bytes);
  std::int32_t v = 0;
  ASSERT_TRUE(d.Int32(v).ok());
  const Status s = d.Int32(v);
  EXPECT_EQ(s.code(), mw::StatusCode::kCorruption);
  EXPECT_EQ(s.message(), "truncated Int32: needs 4 bytes, 2 left at offset 4");
}

TEST(Decoder, RejectsStringLongerThanLimit) {
  DecodeLimits limits;
  limits.max_string_length = 4;
  const std::string d_bytes = Bytes({0, 10, 0, 0, 0});
  Decoder d(d_bytes, limits);
  std::uint8_t skip = 0;
  ASSERT_TRUE(d.Byte(skip).ok());
  String s;
  const Status st = d.String(s);
  EXPECT_EQ(st.code(), mw::StatusCode::kResourceExhausted);
  EXPECT_EQ(st.message(), "String length 10 exceeds limit 4 at offset 1");
}

TEST(Decoder, RejectsStringLongerThanInputBeforeAllocating) {
  const std::string d_bytes = Bytes({0xFF, 0xFF, 0xFF, 0x00, 'a'});  // 16 MiB - 1 claimed, 1 byte present
  Decoder d(d_bytes);
  String s;
  const Status st = d.String(s);
  EXPECT_EQ(st.code(), mw::StatusCode::kCorruption);
  EXPECT_NE(st.message().find("truncated String"), std::string::npos);
}

TEST(Decoder, RejectsNegativeStringLength) {
  const std::string d_bytes = Bytes({0xFE, 0xFF, 0xFF, 0xFF});
  Decoder d(d_bytes);
  String s;
  const Status st = d.String(s, "LocalizedText text");
  EXPECT_EQ(st.code(), mw::StatusCode::kCorruption);
  EXPECT_EQ(st.message(), "LocalizedText text length -2 is negative at offset 0");
}

TEST(Decoder, ArrayLengthChecksLimitAndRemainingBytes) {
  DecodeLimits limits;
  limits.max_array_length = 100000;
  std::string bytes;
  Encoder(bytes).Int32(200000);
  Decoder over(bytes, limits);
  std::size_t n = 0;
  Status s = over.ArrayLength(n, 1, "Variant");
  EXPECT_EQ(s.code(), mw::StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "Variant array length 200000 exceeds limit 100000 at offset 0");

  bytes.clear();
  Encoder(bytes).Int32(3);
  bytes += Bytes({1, 2, 3, 4, 5, 6, 7, 8});
  Decoder short_input(bytes, limits);
  s = short_input.ArrayLength(n, 4, "Int32");
  EXPECT_EQ(s.code(), mw::StatusCode::kCorruption);
  EXPECT_NE(s.message().find("3 elements need at least 12 bytes, 8 left at offset 0"), std::string::npos);

  const std::string null_array_bytes = Bytes({0xFF, 0xFF, 0xFF, 0xFF});
  Decoder null_array(null_array_bytes);
  n = 7;
  ASSERT_TRUE(null_array.ArrayLength(n, 4, "x").ok());
  EXPECT_EQ(n, 0U);
}

TEST(Decoder, EnterFailsPastMaxDepth) {
  DecodeLimits limits;
  limits.max_depth = 2;
  Decoder d(std::string_view(), limits);
  ASSERT_TRUE(d.Enter("Variant").ok());
  ASSERT_TRUE(d.Enter("Variant").ok());
  const Status s = d.Enter("Variant");
  EXPECT_EQ(s.code(), mw::StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "Variant nesting depth 3 exceeds limit 2 at offset 0");
  d.Leave();
  EXPECT_TRUE(d.Enter("Variant").ok());
}

TEST(BuiltinTypeName, NamesEveryTypeAndFlagsOthers) {
  EXPECT_EQ(BuiltinTypeName(BuiltinType::kNull), "Null");
  EXPECT_EQ(BuiltinTypeName(BuiltinType::kDiagnosticInfo), "DiagnosticInfo");
  EXPECT_EQ(BuiltinTypeName(static_cast<BuiltinType>(40)), "BuiltinType(40)");
}

}  // namespace
}  // namespace mw::opcua
