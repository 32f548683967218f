// The trees of a trained booster, laid out for fast prediction of a few rows on one core.
//
// Serving scores one record at a time, where XGBoost's predictor spends tens of microseconds per
// call on its own bookkeeping (bench/health: 35,000 single rows/s against 320,000 here). So the trees
// are copied here into a form built for small batches: each tree padded to a
// complete binary tree of its depth (a leaf above the bottom repeats its value in every leaf below
// it), nodes as (feature, threshold, default-left) in breadth-first order, so that the next node is
// 2i + 1 + (go right) with no pointer to load and no branch to mispredict; eight rows walk each tree
// together, so their independent loads overlap.
//
// The decision is XGBoost's: right when !(x < threshold), a missing value (NaN) down the learned
// default branch; leaves summed in float per class, plus the base score; multi:softprob through a
// softmax. A test holds the outputs to XGBoost's on every row of a held-out table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace mw::models {

class CompiledTrees {
 public:
  // `json`: the model as XGBoost saves it in JSON. FailedPrecondition for objectives other than
  // multi:softprob and reg:squarederror, categorical splits, or trees deeper than kMaxDepth (the
  // caller keeps predicting with XGBoost then); Corruption when the JSON does not hang together.
  static Result<CompiledTrees> FromXgboostJson(std::string_view json);

  static constexpr int kMaxDepth = 12;

  // x: rows x num_features(), row-major. Multi-class: rows x classes probabilities; regression:
  // one value per row. `out` is resized.
  void Predict(std::span<const float> x, std::vector<float>* out) const;

  int num_features() const { return features_; }
  int num_outputs() const { return classes_; }

 private:
  struct Node {
    std::uint32_t feature;  // the feature's offset in a transposed block (feature x kBlock); top
                            // bit: a missing value goes left
    float threshold;
  };
  struct Tree {
    std::uint32_t first_node;  // into nodes_; 2^depth - 1 nodes
    std::uint32_t first_leaf;  // into leaves_; 2^depth leaves
    std::uint32_t depth;
    std::uint32_t output;  // the class the tree votes for
  };
  // Adds every tree's leaf to the margins of up to kBlock rows, `block` holding them feature-major.
  template <bool kMissing>
  void WalkTrees(const float* block, std::size_t rows, float* margins) const;

  static constexpr std::size_t kLanes = 8;   // rows walking a tree together
  static constexpr std::size_t kBlock = 64;  // rows per pass over the trees

  std::vector<Node> nodes_;
  std::vector<float> leaves_;
  std::vector<Tree> trees_;
  int features_ = 0;
  int classes_ = 1;
  float base_score_ = 0;
  bool softmax_ = false;
};

}  // namespace mw::models
