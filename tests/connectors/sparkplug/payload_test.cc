#include "connectors/sparkplug/payload.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "sparkplug_b.pb.h"

namespace mw::connectors::sparkplug {
namespace {

Metric Make(std::string name, DataType type, MetricValue value, std::optional<std::uint64_t> alias = {}) {
  Metric m;
  m.name = std::move(name);
  m.datatype = type;
  m.value = std::move(value);
  m.alias = alias;
  return m;
}

Payload RoundTrip(const Payload& in, const EncodeOptions& options = {}) {
  auto bytes = EncodePayload(in, options);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  Payload out;
  Status s = DecodePayload(bytes.ok() ? *bytes : std::string(), out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

std::string Bytes(const wire::Payload& p) {
  std::string out;
  EXPECT_TRUE(p.SerializeToString(&out));
  return out;
}

std::string DecodeError(const std::string& bytes) {
  Payload out;
  Status s = DecodePayload(bytes, out);
  EXPECT_FALSE(s.ok());
  return s.message();
}

TEST(SparkplugPayloadTest, EveryScalarTypeRoundTrips) {
  Payload in;
  in.timestamp = 1'700'000'000'123;
  in.seq = 255;
  in.metrics = {
      Make("i8", DataType::kInt8, std::int64_t{-128}, 1),
      Make("i16", DataType::kInt16, std::int64_t{-30000}, 2),
      Make("i32", DataType::kInt32, std::int64_t{std::numeric_limits<std::int32_t>::min()}),
      Make("i64", DataType::kInt64, std::int64_t{std::numeric_limits<std::int64_t>::min()}),
      Make("u8", DataType::kUInt8, std::int64_t{255}),
      Make("u16", DataType::kUInt16, std::int64_t{65535}),
      Make("u32", DataType::kUInt32, std::int64_t{4'294'967'295}),
      Make("u64", DataType::kUInt64, std::int64_t{-1}),  // 2^64 - 1 as its bit pattern
      Make("f", DataType::kFloat, 1.5),
      Make("d", DataType::kDouble, -2.25e300),
      Make("b", DataType::kBoolean, true),
      Make("s", DataType::kString, std::string("running")),
      Make("t", DataType::kDateTime, std::int64_t{1'700'000'000'000}),
      Make("raw", DataType::kBytes, std::string("\0\1\2", 3)),
  };
  in.metrics[0].timestamp = 42;
  in.metrics[1].is_historical = true;
  in.metrics[2].is_transient = true;
  Metric null_metric = Make("n", DataType::kDouble, {});
  null_metric.is_null = true;
  in.metrics.push_back(null_metric);

  Payload out = RoundTrip(in);
  EXPECT_EQ(out.timestamp, in.timestamp);
  EXPECT_EQ(out.seq, in.seq);
  ASSERT_EQ(out.metrics.size(), in.metrics.size());
  for (std::size_t i = 0; i < in.metrics.size(); ++i) {
    SCOPED_TRACE(in.metrics[i].name);
    EXPECT_EQ(out.metrics[i].name, in.metrics[i].name);
    EXPECT_EQ(out.metrics[i].alias, in.metrics[i].alias);
    EXPECT_EQ(out.metrics[i].timestamp, in.metrics[i].timestamp);
    EXPECT_EQ(out.metrics[i].datatype, in.metrics[i].datatype);
    EXPECT_EQ(out.metrics[i].value, in.metrics[i].value);
    EXPECT_EQ(out.metrics[i].is_null, in.metrics[i].is_null);
    EXPECT_EQ(out.metrics[i].is_historical, in.metrics[i].is_historical);
    EXPECT_EQ(out.metrics[i].is_transient, in.metrics[i].is_transient);
  }
  EXPECT_EQ(*NumericValue(out.metrics[7]), 18446744073709551615.0);
  EXPECT_EQ(*NumericValue(out.metrics[0]), -128);
  EXPECT_EQ(*NumericValue(out.metrics[10]), 1);
}

TEST(SparkplugPayloadTest, SignedSmallIntegersTravelAsThirtyTwoBitTwosComplement) {
  Payload in;
  in.metrics = {Make("x", DataType::kInt8, std::int64_t{-1})};
  auto bytes = EncodePayload(in);
  ASSERT_TRUE(bytes.ok());
  wire::Payload w;
  ASSERT_TRUE(w.ParseFromString(*bytes));
  EXPECT_EQ(w.metrics(0).int_value(), 0xFFFFFFFFu);
  // Senders that sign-extend to 64 bits in long_value are read the same way.
  w.mutable_metrics(0)->set_long_value(~std::uint64_t{0});
  Payload out;
  ASSERT_TRUE(DecodePayload(Bytes(w), out).ok());
  EXPECT_EQ(out.metrics[0].value, MetricValue(std::int64_t{-1}));
}

TEST(SparkplugPayloadTest, DataMessagesWithoutDatatypesTakeTheBirthsOne) {
  Payload in;
  in.seq = 3;
  in.metrics = {Make("", DataType::kInt16, std::int64_t{-2}, 7), Make("", DataType::kFloat, 0.5, 8),
                Make("", DataType::kBoolean, false, 9)};
  Payload out = RoundTrip(in, EncodeOptions{false});
  ASSERT_EQ(out.metrics.size(), 3u);
  EXPECT_EQ(out.metrics[0].datatype, DataType::kUnknown);
  EXPECT_EQ(out.metrics[0].name, "");
  EXPECT_EQ(out.metrics[0].alias, 7u);
  // Sent as int_value 0xFFFFFFFE: read zero-extended until the birth's datatype applies.
  EXPECT_EQ(out.metrics[0].value, MetricValue(std::int64_t{0xFFFFFFFE}));
  ASSERT_TRUE(ApplyDatatype(out.metrics[0], DataType::kInt16).ok());
  EXPECT_EQ(out.metrics[0].value, MetricValue(std::int64_t{-2}));
  ASSERT_TRUE(ApplyDatatype(out.metrics[1], DataType::kFloat).ok());
  EXPECT_EQ(*NumericValue(out.metrics[1]), 0.5);
  ASSERT_TRUE(ApplyDatatype(out.metrics[2], DataType::kBoolean).ok());
  EXPECT_EQ(*NumericValue(out.metrics[2]), 0);

  Metric wrong = out.metrics[2];
  wrong.datatype = DataType::kUnknown;
  Status s = ApplyDatatype(wrong, DataType::kDouble);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "datatype 10 (Double) does not take a bool");
  Metric big = Make("", DataType::kUnknown, std::int64_t{300});
  s = ApplyDatatype(big, DataType::kUInt8);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "integer 300 does not fit datatype 5 (UInt8)");
}

TEST(SparkplugPayloadTest, DecodingErrorsNameTheMetricAndTheProblem) {
  EXPECT_NE(DecodeError("\xff\xff\xff").find("not a Sparkplug B payload"), std::string::npos);

  wire::Payload p;
  auto* m = p.add_metrics();
  m->set_name("Temperature");
  m->set_alias(7);
  m->set_datatype(9);  // Float
  m->set_string_value("hot");
  EXPECT_EQ(DecodeError(Bytes(p)),
            "metric 0 ('Temperature', alias 7): datatype 9 (Float) expects float_value, found string_value");

  m->set_datatype(99);
  EXPECT_EQ(DecodeError(Bytes(p)), "metric 0 ('Temperature', alias 7): unknown datatype 99");

  m->set_datatype(1);  // Int8
  m->set_int_value(300);
  EXPECT_EQ(DecodeError(Bytes(p)),
            "metric 0 ('Temperature', alias 7): int_value 300 does not fit datatype 1 (Int8)");

  m->clear_value();
  EXPECT_EQ(DecodeError(Bytes(p)), "metric 0 ('Temperature', alias 7): no value and not marked is_null");

  // A null metric may leave its value out, or send a default we ignore.
  m->set_is_null(true);
  Payload out;
  ASSERT_TRUE(DecodePayload(Bytes(p), out).ok());
  EXPECT_TRUE(out.metrics[0].is_null);
  EXPECT_EQ(NumericValue(out.metrics[0]).status().message(), "value is null");
}

TEST(SparkplugPayloadTest, ComplexValuesKeepTheMetricButNotTheValue) {
  wire::Payload p;
  auto* ds = p.add_metrics();
  ds->set_name("table");
  ds->set_datatype(16);  // DataSet
  ds->mutable_dataset_value()->set_num_of_columns(1);
  ds->mutable_dataset_value()->add_columns("a");
  auto* t = p.add_metrics();
  t->set_name("udt");
  t->set_datatype(19);  // Template
  t->mutable_template_value()->set_template_ref("Motor");
  Payload out;
  ASSERT_TRUE(DecodePayload(Bytes(p), out).ok());
  ASSERT_EQ(out.metrics.size(), 2u);
  EXPECT_EQ(out.metrics[0].datatype, DataType::kDataSet);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(out.metrics[0].value));
  EXPECT_EQ(NumericValue(out.metrics[0]).status().message(),
            "datatype 16 (DataSet) carries no numeric value");
  EXPECT_EQ(out.metrics[1].datatype, DataType::kTemplate);
}

TEST(SparkplugPayloadTest, NumericValueRefusesStrings) {
  Metric m = Make("Temperature", DataType::kString, std::string("21"));
  EXPECT_EQ(NumericValue(m).status().message(), "datatype 12 (String) carries no numeric value");
  EXPECT_EQ(DescribeMetric(3, m), "metric 3 ('Temperature')");
}

TEST(SparkplugPayloadTest, EncodingRefusesValuesThatDoNotFit) {
  Payload p;
  p.metrics = {Make("ok", DataType::kInt8, std::int64_t{1}), Make("big", DataType::kInt8, std::int64_t{200})};
  auto bytes = EncodePayload(p);
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.status().message(), "metric 1 ('big'): datatype 1 (Int8) cannot hold an integer 200");
  p.metrics = {Make("s", DataType::kDouble, std::string("x"))};
  EXPECT_EQ(EncodePayload(p).status().message(), "metric 0 ('s'): datatype 10 (Double) cannot hold a string");
  p.metrics = {Make("none", DataType::kDouble, {})};
  EXPECT_FALSE(EncodePayload(p).ok());
}

TEST(SparkplugPayloadTest, EmptyPayloadDecodesToNothing) {
  Payload out;
  out.seq = 3;
  ASSERT_TRUE(DecodePayload("", out).ok());
  EXPECT_FALSE(out.seq);
  EXPECT_TRUE(out.metrics.empty());
  EXPECT_EQ(DataTypeName(DataType::kUInt16), "UInt16");
  EXPECT_EQ(DataTypeName(static_cast<DataType>(77)), "Unknown");
}

}  // namespace
}  // namespace mw::connectors::sparkplug
