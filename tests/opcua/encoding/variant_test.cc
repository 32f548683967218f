#include "opcua/encoding/variant.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "encoding_test_util.h"
#include "opcua/encoding/node_id.h"

namespace mw::opcua {
namespace {

using testing::Bytes;
using testing::DecodeAll;
using testing::EncodeToString;
using testing::Hex;

std::string Encode(const Variant& v) { return EncodeToString(v, EncodeVariant); }
std::string Encode(const DataValue& v) { return EncodeToString(v, EncodeDataValue); }
std::string Encode(const DiagnosticInfo& v) { return EncodeToString(v, EncodeDiagnosticInfo); }

Variant RoundTrip(const Variant& v) {
  Variant back;
  const Status s = DecodeAll(Encode(v), back, DecodeVariant);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return back;
}

// One sample value of every built-in type, in type-id order (Null excluded).
std::vector<Value> SampleOfEveryType() {
  DataValue dv;
  dv.value = Variant::Scalar(std::int32_t{7});
  DiagnosticInfo di;
  di.symbolic_id = 3;
  return {true,
          std::int8_t{-8},
          std::uint8_t{200},
          std::int16_t{-1600},
          std::uint16_t{60000},
          std::int32_t{-7},
          std::uint32_t{7},
          std::int64_t{-1} << 40,
          std::uint64_t{1} << 63,
          1.5F,
          -2.25,
          String("Pump 1"),
          DateTime{133'000'000'000'000'000},
          Guid{1, 2, 3, {4, 5, 6, 7, 8, 9, 10, 11}},
          ByteString{std::string("\0\1\2", 3)},
          XmlElement{"<a/>"},
          NodeId::StringId(2, "Temp"),
          ExpandedNodeId{NodeId::Numeric(0, 5), "urn:x", 1},
          UaStatusCode{0x80340000},
          QualifiedName{1, "Speed"},
          LocalizedText{"en", "Speed"},
          ExtensionObject{NodeId::Numeric(1, 5001), ExtensionObject::Encoding::kBinary, "\x01\x02"},
          Box<DataValue>(dv),
          Box<Variant>(Variant::Array(BuiltinType::kDouble, {1.0, 2.0})),
          Box<DiagnosticInfo>(di)};
}

TEST(VariantEncoding, EncodesScalarAsTypeByteThenValue) {
  EXPECT_EQ(Encode(Variant::Scalar(std::int32_t{1000})), Bytes({0x06, 0xE8, 0x03, 0x00, 0x00}));
  EXPECT_EQ(Encode(Variant::Scalar(true)), Bytes({0x01, 0x01}));
  EXPECT_EQ(Encode(Variant::Scalar(String(std::nullopt))), Bytes({0x0C, 0xFF, 0xFF, 0xFF, 0xFF}));
}

TEST(VariantEncoding, EncodesNullAsZeroByte) { EXPECT_EQ(Encode(Variant{}), Bytes({0x00})); }

TEST(VariantEncoding, EncodesArrayWithLengthAfterFlaggedTypeByte) {
  EXPECT_EQ(Encode(Variant::Array(BuiltinType::kInt16, {std::int16_t{1}, std::int16_t{-1}})),
            Bytes({0x84, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0xFF, 0xFF}));
  EXPECT_EQ(Encode(Variant::Array(BuiltinType::kString, {})), Bytes({0x8C, 0x00, 0x00, 0x00, 0x00}));
}

TEST(VariantEncoding, EncodesMatrixDimensionsAfterValues) {
  const Variant m = Variant::Array(
      BuiltinType::kByte,
      {std::uint8_t{1}, std::uint8_t{2}, std::uint8_t{3}, std::uint8_t{4}, std::uint8_t{5}, std::uint8_t{6}},
      {2, 3});
  EXPECT_EQ(Hex(Encode(m)), "C3 06 00 00 00 01 02 03 04 05 06 02 00 00 00 02 00 00 00 03 00 00 00");
  EXPECT_EQ(RoundTrip(m), m);
}

TEST(VariantEncoding, RoundTripsEveryBuiltinTypeAsScalarAndArray) {
  for (const Value& value : SampleOfEveryType()) {
    const BuiltinType type = TypeOf(value);
    if (type != BuiltinType::kVariant) {
      const Variant scalar = Variant::Scalar(value);
      EXPECT_EQ(RoundTrip(scalar), scalar) << BuiltinTypeName(type);
    }
    const Variant array = Variant::Array(type, {value, value});
    EXPECT_EQ(RoundTrip(array), array) << BuiltinTypeName(type);
  }
}

TEST(VariantEncoding, RefusesScalarVariantAndMismatchedValues) {
  std::string out;
  Encoder e(out);
  Variant nested;
  nested.type = BuiltinType::kVariant;
  nested.values.emplace_back(Box<Variant>(Variant::Scalar(1.0)));
  EXPECT_EQ(EncodeVariant(e, nested).code(), mw::StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeVariant(e, Variant::Array(BuiltinType::kDouble, {std::int32_t{1}})).message(),
            "Variant of Double holds a Int32");
  EXPECT_EQ(EncodeVariant(e, Variant::Array(BuiltinType::kDouble, {1.0, 2.0}, {2, 2})).code(),
            mw::StatusCode::kInvalidArgument);
  EXPECT_TRUE(out.empty());
}

TEST(VariantDecoding, RejectsScalarVariantInsideVariant) {
  Variant v;
  const Status s = DecodeAll(Bytes({0x18, 0x06, 0x01, 0, 0, 0}), v, DecodeVariant);
  EXPECT_EQ(s.code(), mw::StatusCode::kCorruption);
  EXPECT_EQ(s.message(), "Variant holds a scalar Variant at offset 0");
}

TEST(VariantDecoding, AcceptsArrayOfVariantsHoldingArrays) {
  const Variant inner = Variant::Array(BuiltinType::kInt32, {std::int32_t{1}, std::int32_t{2}});
  const Variant outer = Variant::Array(BuiltinType::kVariant,
                                       {Box<Variant>(inner), Box<Variant>(Variant::Scalar(String("x")))});
  EXPECT_EQ(RoundTrip(outer), outer);
}

TEST(VariantDecoding, RejectsUnknownTypeIdsAndStrayFlags) {
  Variant v;
  EXPECT_EQ(DecodeAll(Bytes({0x1A}), v, DecodeVariant).message(),
            "Variant type id 26 is not a built-in type at offset 0");
  EXPECT_EQ(DecodeAll(Bytes({0x80, 0, 0, 0, 0}), v, DecodeVariant).message(),
            "null Variant with array flags at offset 0");
  EXPECT_EQ(DecodeAll(Bytes({0x46, 0, 0, 0, 0}), v, DecodeVariant).message(),
            "scalar Variant with ArrayDimensions at offset 0");
}

TEST(VariantDecoding, RejectsArrayLengthOverLimitBeforeReading) {
  DecodeLimits limits;
  limits.max_array_length = 100000;
  Variant v;
  const Status s = DecodeAll(Bytes({0x86, 0x00, 0x00, 0x00, 0x80}), v, DecodeVariant, limits);
  EXPECT_EQ(s.code(), mw::StatusCode::kCorruption);  // -2147483648 is negative
  const Status big = DecodeAll(Bytes({0x86, 0x40, 0x0D, 0x03, 0x00}), v, DecodeVariant, limits);
  EXPECT_EQ(big.code(), mw::StatusCode::kResourceExhausted);
  EXPECT_EQ(big.message(), "Variant array length 200000 exceeds limit 100000 at offset 1");
}

TEST(VariantDecoding, RejectsArrayLongerThanInput) {
  Variant v;
  const Status s = DecodeAll(Bytes({0x8B, 0x10, 0x00, 0x00, 0x00, 1, 2, 3}), v, DecodeVariant);
  EXPECT_EQ(s.code(), mw::StatusCode::kCorruption);
  EXPECT_EQ(s.message(), "truncated Variant array: 16 elements need at least 128 bytes, 3 left at offset 1");
}

TEST(VariantDecoding, RejectsDimensionsThatDoNotMatchLength) {
  Variant v;
  const std::string bytes = Bytes({0xC3, 0x02, 0, 0, 0, 1, 2, 0x02, 0, 0, 0, 0x02, 0, 0, 0, 0x02, 0, 0, 0});
  const Status s = DecodeAll(bytes, v, DecodeVariant);
  EXPECT_EQ(s.message(), "Variant ArrayDimensions (rank 2) do not match 2 elements at offset 7");
}

TEST(VariantDecoding, ReportsTruncationInsideValues) {
  const std::string full = Encode(Variant::Array(BuiltinType::kString, {String("abc"), String("defg")}));
  for (std::size_t n = 0; n < full.size(); ++n) {
    Variant v;
    Decoder d(std::string_view(full).substr(0, n));
    const Status s = DecodeVariant(d, v);
    EXPECT_EQ(s.code(), mw::StatusCode::kCorruption) << n;
  }
}

TEST(VariantDecoding, LimitsNestingDepth) {
  Variant v = Variant::Scalar(std::int32_t{1});
  for (int i = 0; i < 5; ++i) v = Variant::Array(BuiltinType::kVariant, {Box<Variant>(v)});
  DecodeLimits limits;
  limits.max_depth = 5;
  Variant back;
  const Status s = DecodeAll(Encode(v), back, DecodeVariant, limits);
  EXPECT_EQ(s.code(), mw::StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "Variant nesting depth 6 exceeds limit 5 at offset 25");
  limits.max_depth = 6;
  EXPECT_TRUE(DecodeAll(Encode(v), back, DecodeVariant, limits).ok());
}

TEST(DataValueEncoding, WritesMaskThenFieldsInSpecOrder) {
  DataValue dv;
  dv.value = Variant::Scalar(std::int32_t{1});
  dv.status = UaStatusCode{0x80340000};
  dv.source_timestamp = DateTime{2};
  dv.server_picoseconds = 7;
  EXPECT_EQ(Hex(Encode(dv)), "27 06 01 00 00 00 00 00 34 80 02 00 00 00 00 00 00 00 07 00");
  EXPECT_EQ(Encode(DataValue{}), Bytes({0x00}));
}

TEST(DataValueEncoding, PutsPicosecondsAfterTheirTimestamps) {
  DataValue dv;
  dv.source_timestamp = DateTime{1};
  dv.source_picoseconds = 2;
  dv.server_timestamp = DateTime{3};
  dv.server_picoseconds = 4;
  EXPECT_EQ(Hex(Encode(dv)), "3C 01 00 00 00 00 00 00 00 02 00 03 00 00 00 00 00 00 00 04 00");
  DataValue back;
  ASSERT_TRUE(DecodeAll(Encode(dv), back, DecodeDataValue).ok());
  EXPECT_EQ(back, dv);
}

TEST(DataValueDecoding, ReportsTruncatedFields) {
  DataValue dv;
  const Status s = DecodeAll(Bytes({0x04, 1, 2, 3}), dv, DecodeDataValue);
  EXPECT_EQ(s.message(), "truncated DateTime: needs 8 bytes, 3 left at offset 1");
}

TEST(LocalizedTextEncoding, MaskRecordsWhichPartsArePresent) {
  EXPECT_EQ(EncodeToString(LocalizedText{"en", "Hi"}, EncodeLocalizedText),
            Bytes({0x03, 2, 0, 0, 0, 'e', 'n', 2, 0, 0, 0, 'H', 'i'}));
  EXPECT_EQ(EncodeToString(LocalizedText{std::nullopt, "Hi"}, EncodeLocalizedText),
            Bytes({0x02, 2, 0, 0, 0, 'H', 'i'}));
  EXPECT_EQ(EncodeToString(LocalizedText{}, EncodeLocalizedText), Bytes({0x00}));
}

TEST(QualifiedNameEncoding, WritesNamespaceThenName) {
  EXPECT_EQ(EncodeToString(QualifiedName{2, "ab"}, EncodeQualifiedName), Bytes({2, 0, 2, 0, 0, 0, 'a', 'b'}));
}

TEST(ExtensionObjectEncoding, KeepsBinaryAndXmlBodiesAsBytes) {
  const ExtensionObject binary{NodeId::Numeric(0, 1), ExtensionObject::Encoding::kBinary, "ab"};
  EXPECT_EQ(EncodeToString(binary, EncodeExtensionObject), Bytes({0x00, 0x01, 0x01, 2, 0, 0, 0, 'a', 'b'}));
  const ExtensionObject xml{NodeId::Numeric(0, 1), ExtensionObject::Encoding::kXml, "<a/>"};
  const ExtensionObject none{NodeId::Numeric(0, 0), ExtensionObject::Encoding::kNone, ""};
  EXPECT_EQ(EncodeToString(none, EncodeExtensionObject), Bytes({0x00, 0x00, 0x00}));
  for (const ExtensionObject& object : {binary, xml, none}) {
    ExtensionObject back;
    ASSERT_TRUE(DecodeAll(EncodeToString(object, EncodeExtensionObject), back, DecodeExtensionObject).ok());
    EXPECT_EQ(back, object);
  }
}

TEST(ExtensionObjectDecoding, RejectsUnknownBodyEncoding) {
  ExtensionObject object;
  EXPECT_EQ(DecodeAll(Bytes({0x00, 0x01, 0x03}), object, DecodeExtensionObject).message(),
            "ExtensionObject encoding 3 is not 0, 1 or 2 at offset 2");
}

TEST(DiagnosticInfoEncoding, WritesLocaleBeforeLocalizedText) {
  DiagnosticInfo di;
  di.localized_text = 1;
  di.locale = 2;
  di.inner_status = UaStatusCode{0x800A0000};
  EXPECT_EQ(Hex(Encode(di)), "2C 02 00 00 00 01 00 00 00 00 00 0A 80");
}

TEST(DiagnosticInfoEncoding, RoundTripsNestedInfo) {
  DiagnosticInfo inner;
  inner.additional_info = "disk full";
  DiagnosticInfo outer;
  outer.symbolic_id = 1;
  outer.namespace_uri = 2;
  outer.inner = Box<DiagnosticInfo>(inner);
  DiagnosticInfo back;
  ASSERT_TRUE(DecodeAll(Encode(outer), back, DecodeDiagnosticInfo).ok());
  EXPECT_EQ(back, outer);
}

TEST(DiagnosticInfoDecoding, LimitsRecursion) {
  DecodeLimits limits;
  limits.max_depth = 4;
  const std::string chain(10, '\x40');  // every level says "an inner DiagnosticInfo follows"
  DiagnosticInfo di;
  const Status s = DecodeAll(chain, di, DecodeDiagnosticInfo, limits);
  EXPECT_EQ(s.code(), mw::StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "DiagnosticInfo nesting depth 5 exceeds limit 4 at offset 4");
}

}  // namespace
}  // namespace mw::opcua
