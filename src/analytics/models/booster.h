// Gradient-boosted and random-forest trees on the XGBoost C API, behind a Status interface.
//
// Training is in memory on a dense float matrix (NaN = missing, which XGBoost routes down a learned
// default branch). Prediction takes dense rows and is safe from several threads at once. Small
// batches (serving scores one record at a time) run on our compiled copy of the trees
// (compiled_trees.h), about 9 times XGBoost's rate there; large ones on XGBoost's predictor. The serialised
// form is XGBoost's own UBJSON model, which keeps the trees, the objective and the number of classes.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace mw::models {

enum class TreeMode { kBoosted, kRandomForest };
enum class Objective { kMulticlass, kRegression };

struct BoosterParams {
  Objective objective = Objective::kMulticlass;
  int num_class = 2;  // kMulticlass only
  TreeMode mode = TreeMode::kBoosted;
  int trees = 100;  // boosting rounds, or the forest's size
  int max_depth = 6;
  double learning_rate = 0.3;  // kBoosted only
  double subsample = 0.8;      // row share per tree (random forest: the bootstrap share)
  double colsample = 0.8;      // column share per node (random forest: the features tried per split)
  double min_child_weight = 1;
  int threads = 0;  // 0: every core
  int seed = 0;
};

// "boosted"/"rf"; InvalidArgument otherwise.
Result<TreeMode> ParseTreeMode(const std::string& text);
const char* TreeModeName(TreeMode mode);

class Booster {
 public:
  Booster();
  ~Booster();
  Booster(Booster&&) noexcept;
  Booster& operator=(Booster&&) noexcept;

  // x: rows x cols, row-major; y: one label (class index 0..num_class-1) or target per row.
  static Result<Booster> Train(std::span<const float> x, std::size_t cols, std::span<const float> y,
                               const BoosterParams& params);
  static Result<Booster> Deserialize(std::string_view bytes);
  Result<std::string> Serialize() const;

  // Multiclass: rows x num_class probabilities; regression: one value per row. `out` is resized.
  // Up to kCompiledRows rows on the compiled trees (compiled_trees.h) when the model could be
  // compiled, else on XGBoost.
  static constexpr std::size_t kCompiledRows = 64;
  Status Predict(std::span<const float> x, std::size_t cols, std::vector<float>* out) const;
  // The same on XGBoost's own predictor, always.
  Status PredictWithXgboost(std::span<const float> x, std::size_t cols, std::vector<float>* out) const;
  // Whether Predict runs on the compiled trees.
  bool compiled() const;
  int num_features() const;
  // Threads Predict uses (0: every core). Not safe while another thread predicts.
  Status SetThreads(int threads);

 private:
  void Compile();
  struct Handle;
  std::unique_ptr<Handle> handle_;
};

}  // namespace mw::models
