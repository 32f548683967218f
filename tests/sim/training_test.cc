#include "sim/training.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace mw::sim {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::vector<std::string>> Rows(const std::string& csv) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(csv);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::size_t start = 0;
    for (std::size_t comma = line.find(',');; comma = line.find(',', start)) {
      cells.push_back(line.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    rows.push_back(std::move(cells));
  }
  return rows;
}

class TrainingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mw_training_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  TrainingSpec Spec(const std::string& sub) const {
    TrainingSpec spec;
    spec.mode = LifeMode::kStress;
    spec.lifecycles = 4;
    spec.out_dir = (dir_ / sub).string();
    return spec;
  }
  std::filesystem::path dir_;
};

TEST_F(TrainingTest, SameSpecGivesTheSameBytes) {
  TrainingSpec a = Spec("a");
  a.chaos_per_hour = 30;
  TrainingSpec b = a;
  b.out_dir = (dir_ / "b").string();
  ASSERT_TRUE(RunTraining(a).ok());
  ASSERT_TRUE(RunTraining(b).ok());
  for (const char* file : {"lifecycles.csv", "faults.csv", "dataset.toml"})
    EXPECT_EQ(ReadFile(dir_ / "a" / file), ReadFile(dir_ / "b" / file)) << file;
  TrainingSpec c = a;
  c.seed = 2;
  c.out_dir = (dir_ / "c").string();
  ASSERT_TRUE(RunTraining(c).ok());
  EXPECT_NE(ReadFile(dir_ / "a" / "lifecycles.csv"), ReadFile(dir_ / "c" / "lifecycles.csv"));
}

TEST_F(TrainingTest, EveryUnitLivesFromHealthyToItsBrokenReadingsWithItsLabels) {
  TrainingSpec spec = Spec("pump");
  spec.broken_readings = 7;
  auto summary = RunTraining(spec);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->units, 4);
  auto rows = Rows(ReadFile(dir_ / "pump" / "lifecycles.csv"));
  ASSERT_FALSE(rows.empty());
  const std::vector<std::string>& header = rows[0];
  ASSERT_EQ(header.front(), "unit");
  ASSERT_EQ(header[header.size() - 4], "state");
  EXPECT_EQ(rows.size() - 1, summary->rows);
  const std::map<std::string, int> rank{{"HEALTHY", 0}, {"WARNING", 1}, {"FAULTY", 2}, {"BROKEN", 3}};
  std::map<std::string, int> broken_rows;
  std::map<std::string, int> worst;
  std::map<std::string, double> last_rul;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    ASSERT_EQ(r.size(), header.size()) << "row " << i;
    const std::string& state = r[r.size() - 4];
    ASSERT_TRUE(rank.count(state)) << state;
    EXPECT_GE(rank.at(state), worst[r[0]]) << "states go one way, row " << i;
    worst[r[0]] = rank.at(state);
    const double rul = std::stod(r[r.size() - 2]);
    if (last_rul.count(r[0])) {
      EXPECT_LE(rul, last_rul[r[0]]);
    }
    last_rul[r[0]] = rul;
    if (state == "BROKEN") ++broken_rows[r[0]];
  }
  ASSERT_EQ(broken_rows.size(), 4u);
  for (const auto& [unit, n] : broken_rows) {
    EXPECT_EQ(n, 7) << "unit " << unit;
    EXPECT_EQ(last_rul[unit], 0.0);
  }
}

TEST_F(TrainingTest, RefusesABrokenReadingCountOutOfRange) {
  TrainingSpec spec = Spec("none");
  spec.broken_readings = 0;
  EXPECT_EQ(RunTraining(spec).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(TrainingTest, ChaosFaultsAreLabelledOnTheRowsTheyTouch) {
  TrainingSpec spec = Spec("chaos");
  spec.chaos_per_hour = 40;
  auto summary = RunTraining(spec);
  ASSERT_TRUE(summary.ok());
  EXPECT_GT(summary->chaos_events, 0);
  auto faults = Rows(ReadFile(dir_ / "chaos" / "faults.csv"));
  EXPECT_EQ(static_cast<int>(faults.size()) - 1, summary->chaos_events);
  auto rows = Rows(ReadFile(dir_ / "chaos" / "lifecycles.csv"));
  int labelled = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) labelled += rows[i].back().empty() ? 0 : 1;
  EXPECT_GT(labelled, 0);
  EXPECT_LT(labelled, static_cast<int>(rows.size()) - 1);
}

TEST_F(TrainingTest, RefusesATwinThatDoesNotAge) {
  TrainingSpec spec = Spec("rotating");
  spec.type = TwinType::kRotating;
  EXPECT_EQ(RunTraining(spec).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(TrainingTest, EveryAgingTwinWritesADataset) {
  for (TwinType type : {TwinType::kPrinter, TwinType::kPlcLine}) {
    TrainingSpec spec = Spec(std::string(TwinTypeName(type)));
    spec.lifecycles = 1;
    auto summary = RunTraining(spec);
    ASSERT_TRUE(summary.ok()) << summary.status().ToString();
    EXPECT_GT(summary->rows, 100u);
    EXPECT_NE(ReadFile(dir_ / TwinTypeName(type) / "dataset.toml").find("units = 1"), std::string::npos);
  }
}

}  // namespace
}  // namespace mw::sim
