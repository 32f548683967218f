#include "analytics/models/compiled_trees.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "analytics/models/booster.h"

namespace mw::models {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// A regression model of one unbalanced tree over two features, base score 0.5:
//   node 0: f0 < 1 (missing: right) -> node 1 | node 2
//   node 1: leaf 10
//   node 2: f1 < 5 (missing: left)  -> node 3 | node 4
//   node 3: leaf 20
//   node 4: leaf 30
std::string OneTree(const std::string& objective = "reg:squarederror") {
  return R"({"learner": {
    "objective": {"name": ")" +
         objective + R"("},
    "learner_model_param": {"base_score": "5E-1", "num_class": "0", "num_feature": "2"},
    "gradient_booster": {"name": "gbtree", "model": {"tree_info": [0], "trees": [{
      "left_children": [1, -1, 3, -1, -1], "right_children": [2, -1, 4, -1, -1],
      "split_indices": [0, 0, 1, 0, 0], "split_conditions": [1, 10, 5, 20, 30],
      "default_left": [0, 0, 1, 0, 0], "split_type": [0, 0, 0, 0, 0]}]}}}})";
}

TEST(CompiledTrees, FollowsThresholdsAndDefaultBranchesOfAnUnbalancedTree) {
  auto trees = CompiledTrees::FromXgboostJson(OneTree());
  ASSERT_TRUE(trees.ok()) << trees.status().message();
  const std::vector<float> x = {0.5f, 99,     // left: 10
                                1,    0,      // f0 == threshold goes right, then f1 < 5: 20
                                2,    5,      // 30
                                kNaN, 9,      // missing f0 goes right (default), 30
                                3,    kNaN};  // missing f1 goes left (default), 20
  std::vector<float> out;
  trees->Predict(x, &out);
  EXPECT_EQ(out, (std::vector<float>{10.5f, 20.5f, 30.5f, 30.5f, 20.5f}));
}

TEST(CompiledTrees, RefusesWhatItCannotEvaluateAndWhatDoesNotHangTogether) {
  auto logistic = CompiledTrees::FromXgboostJson(OneTree("binary:logistic"));
  EXPECT_EQ(logistic.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(CompiledTrees::FromXgboostJson("{not json").status().code(), StatusCode::kCorruption);
  std::string outside = OneTree();
  outside.replace(outside.find("[1, -1, 3"), 9, "[7, -1, 3");
  auto bad = CompiledTrees::FromXgboostJson(outside);
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruption);
  EXPECT_NE(bad.status().message().find("node 0"), std::string::npos) << bad.status().message();
}

// Four noisy classes over 8 features, 5 % of the values missing.
void Classes(std::size_t rows, unsigned seed, std::vector<float>* x, std::vector<float>* y) {
  std::mt19937 random(seed);
  std::normal_distribution<float> noise(0, 1);
  std::uniform_real_distribution<float> unit(0, 1);
  for (std::size_t r = 0; r < rows; ++r) {
    const int label = static_cast<int>(r % 4);
    for (int f = 0; f < 8; ++f) {
      const float v =
          noise(random) + (f < 4 ? static_cast<float>(label) * (0.5f + 0.2f * static_cast<float>(f)) : 0);
      x->push_back(unit(random) < 0.05f ? kNaN : v);
    }
    y->push_back(static_cast<float>(label));
  }
}

void ExpectSameAsXgboost(const BoosterParams& params) {
  std::vector<float> x, y, test_x, test_y;
  Classes(4000, 1, &x, &y);
  Classes(2000, 2, &test_x, &test_y);
  if (params.objective == Objective::kRegression) {
    for (std::size_t r = 0; r < y.size(); ++r) y[r] = y[r] * 10 + (std::isnan(x[r * 8]) ? 0 : x[r * 8]);
  }
  auto booster = Booster::Train(x, 8, y, params);
  ASSERT_TRUE(booster.ok()) << booster.status().message();
  ASSERT_TRUE(booster->compiled());
  // Serving's batch sizes, which run on the compiled trees: one record, a few, a whole block.
  std::vector<float> ours, theirs, part;
  const std::size_t sizes[] = {1, 7, Booster::kCompiledRows};
  for (std::size_t r = 0, i = 0; r < test_y.size(); r += sizes[i++ % 3]) {
    const std::size_t n = std::min(sizes[i % 3], test_y.size() - r);
    ASSERT_TRUE(booster->Predict(std::span<const float>(test_x).subspan(r * 8, n * 8), 8, &part).ok());
    ours.insert(ours.end(), part.begin(), part.end());
  }
  ASSERT_TRUE(booster->PredictWithXgboost(test_x, 8, &theirs).ok());
  ASSERT_EQ(ours.size(), theirs.size());
  for (std::size_t i = 0; i < ours.size(); ++i)
    ASSERT_NEAR(ours[i], theirs[i], 2e-5f * std::max(1.0f, std::abs(theirs[i]))) << i;
  // A bundle read back compiles too.
  auto bytes = booster->Serialize();
  ASSERT_TRUE(bytes.ok());
  auto loaded = Booster::Deserialize(*bytes);
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->compiled());
  std::vector<float> again;
  ASSERT_TRUE(loaded->Predict(std::span<const float>(test_x).first(8 * 64), 8, &again).ok());
  EXPECT_EQ(again,
            std::vector<float>(ours.begin(), ours.begin() + static_cast<std::ptrdiff_t>(again.size())));
}

TEST(CompiledTrees, GiveXgboostsProbabilitiesForABoostedMulticlassModel) {
  BoosterParams p;
  p.num_class = 4;
  p.trees = 30;
  p.max_depth = 4;
  p.threads = 1;
  ExpectSameAsXgboost(p);
}

TEST(CompiledTrees, GiveXgboostsProbabilitiesForARandomForest) {
  BoosterParams p;
  p.num_class = 4;
  p.mode = TreeMode::kRandomForest;
  p.trees = 40;
  p.max_depth = 8;
  p.threads = 1;
  ExpectSameAsXgboost(p);
}

TEST(CompiledTrees, GiveXgboostsValuesForARegressor) {
  BoosterParams p;
  p.objective = Objective::kRegression;
  p.trees = 50;
  p.max_depth = 5;
  p.learning_rate = 0.1;
  p.threads = 1;
  ExpectSameAsXgboost(p);
}

}  // namespace
}  // namespace mw::models
