// The register map: point syntax, decoding and encoding in every type and word order, and the read
// planner (protocol limits, gaps, mixed sizes, refused ranges, optimality against a brute force).
#include "connectors/modbus/register_map.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>

namespace mw::connectors::modbus {
namespace {

Point ParseOk(std::string_view signal, std::string_view spec) {
  Result<Point> p = ParsePoint(signal, spec);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : Point{};
}

std::string ParseError(std::string_view signal, std::string_view spec) {
  Result<Point> p = ParsePoint(signal, spec);
  EXPECT_FALSE(p.ok()) << spec << " parsed";
  return p.status().message();
}

Point P(Table table, std::uint16_t address, ValueType type = ValueType::kUint16, std::string signal = "s") {
  Point p;
  p.signal = std::move(signal);
  p.table = table;
  p.address = address;
  p.type = type;
  return p;
}

PlanOptions Limits(int max_registers = kMaxReadRegisters, int max_bits = kMaxReadBits, int max_gap = 0) {
  PlanOptions o;
  o.max_registers = max_registers;
  o.max_bits = max_bits;
  o.max_gap = max_gap;
  return o;
}

std::vector<ReadBlock> Plan(const std::vector<Point>& points, const PlanOptions& options = {}) {
  Result<std::vector<ReadBlock>> plan = PlanReads(points, options);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  return plan.ok() ? *plan : std::vector<ReadBlock>{};
}

// --- Parsing -------------------------------------------------------------------------------------

TEST(ParsePointTest, FullSpec) {
  const Point p = ParseOk("vibration", "holding:100:float32:cdab");
  EXPECT_EQ(p.signal, "vibration");
  EXPECT_EQ(p.table, Table::kHolding);
  EXPECT_EQ(p.address, 100);
  EXPECT_EQ(p.type, ValueType::kFloat32);
  EXPECT_EQ(p.order, WordOrder::kCdab);
  EXPECT_EQ(p.scale, 1);
  EXPECT_EQ(p.offset, 0);
}

TEST(ParsePointTest, Defaults) {
  const Point reg = ParseOk("a", "input:7");
  EXPECT_EQ(reg.table, Table::kInput);
  EXPECT_EQ(reg.type, ValueType::kUint16);
  EXPECT_EQ(reg.order, WordOrder::kAbcd);
  const Point coil = ParseOk("b", "coil:3");
  EXPECT_EQ(coil.table, Table::kCoil);
  EXPECT_EQ(coil.type, ValueType::kBool);
  EXPECT_EQ(ParseOk("c", "discrete:65535:bool").address, 65535);
}

TEST(ParsePointTest, ScaleOffsetHexAndSpacing) {
  const Point p = ParseOk("temp", "  input:0x10:int16   scale=0.1\toffset=-40 ");
  EXPECT_EQ(p.address, 16);
  EXPECT_EQ(p.type, ValueType::kInt16);
  EXPECT_DOUBLE_EQ(p.scale, 0.1);
  EXPECT_DOUBLE_EQ(p.offset, -40);
  const Point q = ParseOk("q", "holding:0:uint32:dcba offset=+5 scale=1e-3");
  EXPECT_EQ(q.order, WordOrder::kDcba);
  EXPECT_DOUBLE_EQ(q.scale, 0.001);
  EXPECT_DOUBLE_EQ(q.offset, 5);
  EXPECT_EQ(ParseOk("n", "holding:1:int16 scale=-2").scale, -2);
}

TEST(ParsePointTest, EveryTypeAndOrderName) {
  for (const char* type : {"int16", "uint16", "int32", "uint32", "float32", "int64", "uint64", "float64"}) {
    for (const char* order : {"abcd", "cdab", "badc", "dcba"}) {
      const Point p = ParseOk("x", std::string("holding:10:") + type + ":" + order);
      EXPECT_EQ(TypeName(p.type), type);
      EXPECT_EQ(OrderName(p.order), order);
    }
  }
}

TEST(ParsePointTest, ErrorsNameThePointAndTheField) {
  auto has = [](const std::string& message, const std::string& part) {
    return message.find(part) != std::string::npos;
  };
  std::string e = ParseError("temp", "hold:1");
  EXPECT_TRUE(has(e, "point \"temp\"")) << e;
  EXPECT_TRUE(has(e, "table \"hold\"")) << e;
  EXPECT_TRUE(has(ParseError("t", "holding:65536"), "address \"65536\""));
  EXPECT_TRUE(has(ParseError("t", "holding:-1"), "address \"-1\""));
  EXPECT_TRUE(has(ParseError("t", "holding:12a"), "address \"12a\""));
  EXPECT_TRUE(has(ParseError("t", "holding:0x"), "address \"0x\""));
  EXPECT_TRUE(has(ParseError("t", "holding:1:flaot32"), "type \"flaot32\""));
  EXPECT_TRUE(has(ParseError("t", "holding:1:float32:abdc"), "order \"abdc\""));
  EXPECT_TRUE(has(ParseError("t", "holding:1:bool"), "bool is for coil and discrete"));
  EXPECT_TRUE(has(ParseError("t", "coil:1:int16"), "coil and discrete points are bool"));
  EXPECT_TRUE(has(ParseError("t", "holding:65535:float32"), "run past register 65535"));
  EXPECT_TRUE(has(ParseError("t", "holding:65533:float64"), "run past register 65535"));
  EXPECT_TRUE(ParsePoint("t", "holding:65532:int64").ok());
  EXPECT_TRUE(has(ParseError("t", "holding:1 scale=0"), "scale may not be 0"));
  EXPECT_TRUE(has(ParseError("t", "holding:1 scale=abc"), "scale \"abc\""));
  EXPECT_TRUE(has(ParseError("t", "holding:1 scale=nan"), "scale \"nan\""));
  EXPECT_TRUE(has(ParseError("t", "holding:1 offset="), "offset \"\""));
  EXPECT_TRUE(has(ParseError("t", "holding:1 gain=2"), "\"gain=2\""));
  EXPECT_TRUE(has(ParseError("t", "holding:1 *0.1"), "\"*0.1\""));
  EXPECT_TRUE(has(ParseError("t", ""), "expected TABLE:ADDRESS"));
  EXPECT_TRUE(has(ParseError("t", "holding"), "expected TABLE:ADDRESS"));
  EXPECT_TRUE(has(ParseError("t", "holding:1:int16:abcd:x"), "expected TABLE:ADDRESS"));
  EXPECT_TRUE(has(ParseError("", "holding:1"), "signal name may not be empty"));
}

TEST(ParsePointTest, ParsePointsReportsEveryBadPoint) {
  Result<std::vector<Point>> points = ParsePoints(
      {{"a", "holding:1"}, {"b", "holding:x"}, {"c", "input:2:float32"}, {"d", "coil:1:float32"}});
  ASSERT_FALSE(points.ok());
  const std::string& m = points.status().message();
  EXPECT_NE(m.find("point \"b\""), std::string::npos) << m;
  EXPECT_NE(m.find("point \"d\""), std::string::npos) << m;
  EXPECT_EQ(m.find("point \"a\""), std::string::npos) << m;

  Result<std::vector<Point>> good = ParsePoints({{"a", "holding:1"}, {"c", "input:2:float32"}});
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->size(), 2u);
}

TEST(ParsePointTest, DescribeRoundTrips) {
  for (const char* spec : {"holding:100:float32:cdab", "input:16:int16 scale=0.1 offset=-40", "coil:3:bool",
                           "holding:0:uint64:dcba scale=0.001", "discrete:9:bool offset=1"}) {
    const Point p = ParseOk("x", spec);
    EXPECT_EQ(Describe(p), spec);
    const Point q = ParseOk("x", Describe(p));
    EXPECT_EQ(q.table, p.table);
    EXPECT_EQ(q.address, p.address);
    EXPECT_EQ(q.type, p.type);
    EXPECT_EQ(q.order, p.order);
    EXPECT_EQ(q.scale, p.scale);
    EXPECT_EQ(q.offset, p.offset);
  }
}

// --- Decoding ------------------------------------------------------------------------------------

TEST(DecodeTest, SixteenBit) {
  const std::uint16_t ffff[] = {0xFFFF};
  EXPECT_EQ(DecodeRaw(ffff, ValueType::kInt16, WordOrder::kAbcd), -1);
  EXPECT_EQ(DecodeRaw(ffff, ValueType::kUint16, WordOrder::kAbcd), 65535);
  const std::uint16_t w[] = {0x0102};
  EXPECT_EQ(DecodeRaw(w, ValueType::kUint16, WordOrder::kAbcd), 0x0102);
  EXPECT_EQ(DecodeRaw(w, ValueType::kUint16, WordOrder::kCdab), 0x0102);  // one word: nothing to swap
  EXPECT_EQ(DecodeRaw(w, ValueType::kUint16, WordOrder::kBadc), 0x0201);
  EXPECT_EQ(DecodeRaw(w, ValueType::kUint16, WordOrder::kDcba), 0x0201);
  const std::uint16_t one[] = {1};
  const std::uint16_t zero[] = {0};
  EXPECT_EQ(DecodeRaw(one, ValueType::kBool, WordOrder::kAbcd), 1);
  EXPECT_EQ(DecodeRaw(zero, ValueType::kBool, WordOrder::kAbcd), 0);
}

TEST(DecodeTest, Float32InEveryWordOrder) {
  // 1.5f = 0x3FC00000: bytes A=3F B=C0 C=00 D=00.
  const std::uint16_t abcd[] = {0x3FC0, 0x0000};
  const std::uint16_t cdab[] = {0x0000, 0x3FC0};
  const std::uint16_t badc[] = {0xC03F, 0x0000};
  const std::uint16_t dcba[] = {0x0000, 0xC03F};
  EXPECT_EQ(DecodeRaw(abcd, ValueType::kFloat32, WordOrder::kAbcd), 1.5);
  EXPECT_EQ(DecodeRaw(cdab, ValueType::kFloat32, WordOrder::kCdab), 1.5);
  EXPECT_EQ(DecodeRaw(badc, ValueType::kFloat32, WordOrder::kBadc), 1.5);
  EXPECT_EQ(DecodeRaw(dcba, ValueType::kFloat32, WordOrder::kDcba), 1.5);
  // Read in the wrong order, the same words are another number.
  EXPECT_NE(DecodeRaw(cdab, ValueType::kFloat32, WordOrder::kAbcd), 1.5);
}

TEST(DecodeTest, ThirtyTwoBitIntegers) {
  const std::uint16_t abcd[] = {0xFFFF, 0xFFFE};
  const std::uint16_t cdab[] = {0xFFFE, 0xFFFF};
  EXPECT_EQ(DecodeRaw(abcd, ValueType::kInt32, WordOrder::kAbcd), -2);
  EXPECT_EQ(DecodeRaw(cdab, ValueType::kInt32, WordOrder::kCdab), -2);
  EXPECT_EQ(DecodeRaw(abcd, ValueType::kUint32, WordOrder::kAbcd), 4294967294.0);
  const std::uint16_t w[] = {0x0001, 0x0002};
  EXPECT_EQ(DecodeRaw(w, ValueType::kUint32, WordOrder::kAbcd), 0x00010002);
  EXPECT_EQ(DecodeRaw(w, ValueType::kUint32, WordOrder::kCdab), 0x00020001);
  EXPECT_EQ(DecodeRaw(w, ValueType::kUint32, WordOrder::kBadc), 0x01000200);
  EXPECT_EQ(DecodeRaw(w, ValueType::kUint32, WordOrder::kDcba), 0x02000100);
}

TEST(DecodeTest, SixtyFourBit) {
  // 1.0 = 0x3FF0000000000000.
  const std::uint16_t abcd[] = {0x3FF0, 0, 0, 0};
  const std::uint16_t cdab[] = {0, 0, 0, 0x3FF0};
  EXPECT_EQ(DecodeRaw(abcd, ValueType::kFloat64, WordOrder::kAbcd), 1.0);
  EXPECT_EQ(DecodeRaw(cdab, ValueType::kFloat64, WordOrder::kCdab), 1.0);
  const std::uint16_t minus_one[] = {0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF};
  EXPECT_EQ(DecodeRaw(minus_one, ValueType::kInt64, WordOrder::kAbcd), -1);
  const std::uint16_t big[] = {0x0001, 0x0002, 0x0003, 0x0004};
  EXPECT_EQ(DecodeRaw(big, ValueType::kUint64, WordOrder::kAbcd), static_cast<double>(0x0001000200030004ULL));
  EXPECT_EQ(DecodeRaw(big, ValueType::kUint64, WordOrder::kCdab), static_cast<double>(0x0004000300020001ULL));
}

TEST(DecodeTest, ScaleAndOffset) {
  Point p = ParseOk("t", "input:0:int16 scale=0.1 offset=-40");
  const std::uint16_t raw[] = {250};
  EXPECT_DOUBLE_EQ(Decode(p, raw), -15.0);
  const std::uint16_t negative[] = {static_cast<std::uint16_t>(-100)};
  EXPECT_DOUBLE_EQ(Decode(p, negative), -50.0);
  Point bit = ParseOk("b", "coil:0 scale=10 offset=1");
  const std::uint16_t on[] = {1};
  EXPECT_EQ(Decode(bit, on), 11);
}

TEST(EncodeTest, RoundTripsEveryTypeAndOrder) {
  const double values[] = {0, 1, -1, 123, -32768, 65535, 1.5, -7.25, 3e9, -3e9, 1e15};
  for (int t = static_cast<int>(ValueType::kInt16); t <= static_cast<int>(ValueType::kFloat64); ++t) {
    for (int o = 0; o < 4; ++o) {
      Point p;
      p.signal = "x";
      p.type = static_cast<ValueType>(t);
      p.order = static_cast<WordOrder>(o);
      for (double v : values) {
        std::uint16_t words[4] = {};
        const Status s = EncodeScaled(p, v, words);
        const bool is_float = p.type == ValueType::kFloat32 || p.type == ValueType::kFloat64;
        if (!s.ok()) {
          EXPECT_FALSE(is_float) << TypeName(p.type) << " " << v;
          continue;
        }
        const double back = Decode(p, words);
        const double want = p.type == ValueType::kFloat32 ? static_cast<float>(v)
                            : is_float                    ? v
                                                          : std::nearbyint(v);
        EXPECT_EQ(back, want) << TypeName(p.type) << " " << OrderName(p.order) << " " << v;
      }
    }
  }
}

TEST(EncodeTest, ScaledValuesRoundAndCheckTheirRange) {
  Point p = ParseOk("temp", "holding:0:int16 scale=0.1 offset=-40");
  std::uint16_t w[1];
  ASSERT_TRUE(EncodeScaled(p, 21.53, w).ok());
  EXPECT_EQ(static_cast<std::int16_t>(w[0]), 615);  // (21.53 + 40) / 0.1 = 615.3 -> 615
  EXPECT_NEAR(Decode(p, w), 21.5, 1e-9);
  const Status s = EncodeScaled(p, 4000, w);  // raw 40400
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange);
  EXPECT_NE(s.message().find("point \"temp\""), std::string::npos) << s.message();
  Point u = ParseOk("u", "holding:0:uint16");
  EXPECT_FALSE(EncodeScaled(u, -1, w).ok());
  EXPECT_FALSE(EncodeScaled(u, 65536, w).ok());
  EXPECT_TRUE(EncodeScaled(u, 65535, w).ok());
  Point f = ParseOk("f", "holding:0:float32");
  std::uint16_t fw[2];
  EXPECT_FALSE(EncodeScaled(f, 1e39, fw).ok());
  ASSERT_TRUE(EncodeScaled(f, std::nan(""), fw).ok());  // a twin may serve a broken sensor
  EXPECT_TRUE(std::isnan(Decode(f, fw)));
}

// --- Planner -------------------------------------------------------------------------------------

TEST(PlanReadsTest, ContiguousRegistersFillOneRequestUpTo125) {
  std::vector<Point> points;
  for (int a = 0; a < 125; ++a) points.push_back(P(Table::kHolding, static_cast<std::uint16_t>(a)));
  std::vector<ReadBlock> plan = Plan(points);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].start, 0);
  EXPECT_EQ(plan[0].count, 125);
  EXPECT_EQ(plan[0].points.size(), 125u);

  points.push_back(P(Table::kHolding, 125));
  plan = Plan(points);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].count, 125);
  EXPECT_EQ(plan[1].start, 125);
  EXPECT_EQ(plan[1].count, 1);
}

TEST(PlanReadsTest, LimitIsAParameter) {
  std::vector<Point> points;
  for (int a = 0; a < 20; ++a) points.push_back(P(Table::kInput, static_cast<std::uint16_t>(a)));
  PlanOptions o;
  o.max_registers = 10;
  std::vector<ReadBlock> plan = Plan(points, o);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].count, 10);
  EXPECT_EQ(plan[1].start, 10);
  EXPECT_EQ(plan[1].count, 10);
}

TEST(PlanReadsTest, MultiRegisterPointNeverCrossesTheLimit) {
  // uint16 at 0 and float32 at 123: registers 0..124, exactly 125.
  std::vector<ReadBlock> plan =
      Plan({P(Table::kHolding, 0), P(Table::kHolding, 123, ValueType::kFloat32)}, Limits(125, 2000, 200));
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].count, 125);
  // float32 at 124 would need register 125: a second request.
  plan = Plan({P(Table::kHolding, 0), P(Table::kHolding, 124, ValueType::kFloat32)}, Limits(125, 2000, 200));
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[1].start, 124);
  EXPECT_EQ(plan[1].count, 2);
}

TEST(PlanReadsTest, GapsAreBridgedUpToMaxGap) {
  const std::vector<Point> points = {P(Table::kHolding, 0), P(Table::kHolding, 5)};  // 4 unused between
  PlanOptions o;
  o.max_gap = 4;
  std::vector<ReadBlock> plan = Plan(points, o);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].start, 0);
  EXPECT_EQ(plan[0].count, 6);
  o.max_gap = 3;
  plan = Plan(points, o);
  ASSERT_EQ(plan.size(), 2u);
  o.max_gap = 0;
  plan = Plan({P(Table::kHolding, 0), P(Table::kHolding, 1), P(Table::kHolding, 3)}, o);
  ASSERT_EQ(plan.size(), 2u);  // adjacent points join even without gaps
  EXPECT_EQ(plan[0].count, 2);
}

TEST(PlanReadsTest, MixedSizesAndOverlaps) {
  const std::vector<Point> points = {P(Table::kHolding, 7),
                                     P(Table::kHolding, 3, ValueType::kInt64),
                                     P(Table::kHolding, 1, ValueType::kFloat32),
                                     P(Table::kHolding, 0),
                                     P(Table::kHolding, 3, ValueType::kUint16),  // overlaps the int64
                                     P(Table::kHolding, 4, ValueType::kInt32)};
  std::vector<ReadBlock> plan = Plan(points);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].start, 0);
  EXPECT_EQ(plan[0].count, 8);
  ASSERT_EQ(plan[0].points.size(), 6u);
  // By ascending address.
  std::uint16_t last = 0;
  for (std::size_t i : plan[0].points) {
    EXPECT_GE(points[i].address, last);
    last = points[i].address;
  }
}

TEST(PlanReadsTest, TablesAreReadApartInTableOrder) {
  const std::vector<Point> points = {P(Table::kInput, 0), P(Table::kHolding, 0), P(Table::kHolding, 1),
                                     P(Table::kDiscrete, 0, ValueType::kBool),
                                     P(Table::kCoil, 0, ValueType::kBool)};
  std::vector<ReadBlock> plan = Plan(points);
  ASSERT_EQ(plan.size(), 4u);
  EXPECT_EQ(plan[0].table, Table::kCoil);
  EXPECT_EQ(plan[1].table, Table::kDiscrete);
  EXPECT_EQ(plan[2].table, Table::kHolding);
  EXPECT_EQ(plan[2].count, 2);
  EXPECT_EQ(plan[3].table, Table::kInput);
}

TEST(PlanReadsTest, BitsUseTheirOwnLimit) {
  std::vector<Point> points;
  for (int a = 0; a < 2001; ++a)
    points.push_back(P(Table::kCoil, static_cast<std::uint16_t>(a), ValueType::kBool));
  std::vector<ReadBlock> plan = Plan(points);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].count, 2000);
  EXPECT_EQ(plan[1].count, 1);
  PlanOptions o;
  o.max_bits = 1000;
  EXPECT_EQ(Plan(points, o).size(), 3u);
}

TEST(PlanReadsTest, AvoidRangesAndCutsAreReadAround) {
  const std::vector<Point> points = {P(Table::kHolding, 0), P(Table::kHolding, 2), P(Table::kHolding, 3)};
  PlanOptions o;
  o.max_gap = 5;
  ASSERT_EQ(Plan(points, o).size(), 1u);
  o.avoid = {{Table::kHolding, 1, 2}};  // address 1 refused
  std::vector<ReadBlock> plan = Plan(points, o);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].count, 1);
  EXPECT_EQ(plan[1].start, 2);
  EXPECT_EQ(plan[1].count, 2);
  o.avoid = {{Table::kHolding, 3, 3}};  // a cut between 2 and 3
  plan = Plan(points, o);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].count, 3);  // 0..2
  EXPECT_EQ(plan[1].start, 3);
  o.avoid = {{Table::kInput, 1, 2}};  // another table's range changes nothing
  EXPECT_EQ(Plan(points, o).size(), 1u);
  o.avoid = {{Table::kHolding, 2, 3}};  // a point that touches a range to avoid is read alone
  plan = Plan(points, o);
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[1].start, 2);
  EXPECT_EQ(plan[1].count, 1);
}

TEST(PlanReadsTest, RejectsBadLimitsAndTooWidePoints) {
  const std::vector<Point> points = {P(Table::kHolding, 0, ValueType::kFloat64, "wide")};
  Result<std::vector<ReadBlock>> plan = PlanReads(points, Limits(3));
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("point \"wide\""), std::string::npos) << plan.status().message();
  EXPECT_TRUE(PlanReads(points, Limits(4)).ok());
  EXPECT_FALSE(PlanReads(points, Limits(0)).ok());
  EXPECT_FALSE(PlanReads(points, Limits(126)).ok());
  EXPECT_FALSE(PlanReads(points, Limits(125, 2001)).ok());
  EXPECT_FALSE(PlanReads(points, Limits(125, 2000, -1)).ok());
}

TEST(PlanReadsTest, PlansOnlyTheSelectedPoints) {
  const std::vector<Point> points = {P(Table::kHolding, 0), P(Table::kHolding, 1), P(Table::kHolding, 2)};
  const std::vector<std::size_t> selected = {2, 0};
  Result<std::vector<ReadBlock>> plan = PlanReads(points, selected, Limits());
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->size(), 2u);
  EXPECT_EQ((*plan)[0].points, std::vector<std::size_t>{0});
  EXPECT_EQ((*plan)[1].points, std::vector<std::size_t>{2});
  EXPECT_TRUE(PlanReads(points, std::vector<std::size_t>{}, {})->empty());
}

// Random maps: every point read exactly once inside its block, limits and gaps respected, and no
// fewer blocks possible (a dynamic program over the sorted points finds the minimum).
TEST(PlanReadsTest, RandomMapsAreCoveredWithinLimitsAndMinimal) {
  std::mt19937 rng(42);
  const ValueType types[] = {ValueType::kUint16, ValueType::kInt32, ValueType::kFloat32, ValueType::kFloat64};
  for (int round = 0; round < 300; ++round) {
    std::vector<Point> points;
    const int n = 1 + static_cast<int>(rng() % 40);
    const int spread = 20 + static_cast<int>(rng() % 400);
    for (int i = 0; i < n; ++i)
      points.push_back(P(Table::kHolding, static_cast<std::uint16_t>(rng() % spread), types[rng() % 4]));
    PlanOptions o;
    o.max_registers = 4 + static_cast<int>(rng() % 122);
    o.max_gap = static_cast<int>(rng() % 12);
    std::vector<ReadBlock> plan = Plan(points, o);

    std::vector<int> seen(points.size(), 0);
    for (const ReadBlock& b : plan) {
      EXPECT_LE(b.count, o.max_registers);
      std::uint32_t end = b.start;
      for (std::size_t i : b.points) {
        ++seen[i];
        const Point& p = points[i];
        EXPECT_GE(p.address, b.start);
        EXPECT_LE(p.address + Width(p.type), b.start + b.count);
        if (p.address > end) {
          EXPECT_LE(p.address - end, static_cast<std::uint32_t>(o.max_gap));
        }
        end = std::max<std::uint32_t>(end, p.address + Width(p.type));
      }
      EXPECT_EQ(end, static_cast<std::uint32_t>(b.start + b.count));
    }
    for (int s : seen) EXPECT_EQ(s, 1);

    // Minimum: best[j] = fewest blocks for the first j sorted points; a block is a run i..j-1.
    std::vector<Point> sorted = points;
    std::sort(sorted.begin(), sorted.end(), [](const Point& a, const Point& b) {
      return a.address != b.address ? a.address < b.address : Width(a.type) < Width(b.type);
    });
    std::vector<int> best(sorted.size() + 1, 1 << 20);
    best[0] = 0;
    for (std::size_t j = 1; j <= sorted.size(); ++j) {
      for (std::size_t i = j; i-- > 0;) {
        std::uint32_t start = sorted[i].address;
        std::uint32_t end = start;
        bool ok = true;
        for (std::size_t k = i; k < j && ok; ++k) {
          if (sorted[k].address > end && sorted[k].address - end > static_cast<std::uint32_t>(o.max_gap))
            ok = false;
          end = std::max<std::uint32_t>(end, sorted[k].address + Width(sorted[k].type));
        }
        if (ok && end - start <= static_cast<std::uint32_t>(o.max_registers))
          best[j] = std::min(best[j], best[i] + 1);
      }
    }
    EXPECT_EQ(static_cast<int>(plan.size()), best[sorted.size()]) << "round " << round;
  }
}

}  // namespace
}  // namespace mw::connectors::modbus
