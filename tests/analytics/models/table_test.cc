#include "analytics/models/table.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

namespace mw::models {
namespace {

Result<Table> Parse(const std::string& text, TableSpec spec = {}) {
  std::istringstream in(text);
  return ReadTable(in, "t.csv", spec);
}

TEST(Table, ReadsTheTwinsTrainingLayoutLeavingGroundTruthOut) {
  auto t = Parse(
      "unit,ts_ms,vibration_x,temp,state,damage,rul_s,fault\n"
      "1,1000,0.8,58.1,HEALTHY,0.0,500,\n"
      "1,2000,,58.3,WARNING,0.4,499,bearing\n");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->columns, (std::vector<std::string>{"vibration_x", "temp"}));
  ASSERT_EQ(t->rows(), 2u);
  EXPECT_FLOAT_EQ(t->row(0)[0], 0.8f);
  EXPECT_TRUE(std::isnan(t->row(1)[0]));  // an empty cell is a missing value
  EXPECT_EQ(t->label, (std::vector<std::string>{"HEALTHY", "WARNING"}));
  EXPECT_EQ(t->target, (std::vector<double>{500, 499}));
  EXPECT_EQ(t->time, (std::vector<double>{1000, 2000}));
}

TEST(Table, NamesLineAndColumnOfABadCell) {
  auto t = Parse("unit,time,x\n1,0,1.5\n1,1,abc\n");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "t.csv:3: column 'x': 'abc' is not a number");
}

TEST(Table, RejectsARowWithTheWrongNumberOfCells) {
  auto t = Parse("unit,time,x\n1,0\n");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("t.csv:2: 2 cells, the header has 3"), std::string::npos);
}

TEST(Table, RejectsAColumnNamedTwice) {
  auto t = Parse("unit,time,state,x,state\n1,0,A,1,B\n");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "t.csv:1: column 'state' appears twice");
}

TEST(Table, NeedsAUnitColumnAndRows) {
  EXPECT_FALSE(Parse("time,x\n0,1\n").ok());
  EXPECT_FALSE(Parse("unit,time,x\n").ok());
  EXPECT_FALSE(Parse("").ok());
}

TEST(Table, ReadsCmapssRows) {
  std::string row = "3 7";
  for (int i = 0; i < 24; ++i) row += " " + std::to_string(i) + ".5";
  TableSpec spec;
  spec.format = TableFormat::kCmapss;
  auto t = Parse(row + "  \n\n" + row + "\n", spec);
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_EQ(t->rows(), 2u);
  EXPECT_EQ(t->columns.size(), 24u);
  EXPECT_EQ(t->columns[3], "s1");
  EXPECT_EQ(t->unit[0], 3);
  EXPECT_EQ(t->time[0], 7);
  EXPECT_FLOAT_EQ(t->row(1)[23], 23.5f);
  EXPECT_TRUE(t->label.empty());
  EXPECT_FALSE(Parse("1 2 3\n", spec).ok());
}

TEST(Table, HashChangesWithAnyValue) {
  auto a = Parse("unit,time,x,state\n1,0,1.5,A\n");
  auto b = Parse("unit,time,x,state\n1,0,1.6,A\n");
  auto c = Parse("unit,time,x,state\n1,0,1.5,B\n");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(TableHash(*a).size(), 64u);
  EXPECT_EQ(TableHash(*a), TableHash(*Parse("unit,time,x,state\n1,0,1.5,A\n")));
  EXPECT_NE(TableHash(*a), TableHash(*b));
  EXPECT_NE(TableHash(*a), TableHash(*c));
}

}  // namespace
}  // namespace mw::models
