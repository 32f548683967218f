#include "analytics/models/booster.h"

#include "analytics/models/compiled_trees.h"

#include <xgboost/c_api.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace mw::models {
namespace {

Status XgbError(const std::string& what) { return Status::Internal(what + ": " + XGBGetLastError()); }

// Frees a DMatrix when it leaves scope.
struct Matrix {
  DMatrixHandle handle = nullptr;
  ~Matrix() {
    if (handle) XGDMatrixFree(handle);
  }
};

Status SetParam(BoosterHandle booster, const char* name, const std::string& value) {
  if (XGBoosterSetParam(booster, name, value.c_str()) != 0) return XgbError(std::string("parameter ") + name);
  return Status::Ok();
}

Status SetParams(BoosterHandle booster, const BoosterParams& p) {
  const bool forest = p.mode == TreeMode::kRandomForest;
  const std::pair<const char*, std::string> params[] = {
      {"verbosity", "0"},
      {"tree_method", "hist"},
      {"objective", p.objective == Objective::kMulticlass ? "multi:softprob" : "reg:squarederror"},
      {"max_depth", std::to_string(p.max_depth)},
      {"min_child_weight", std::to_string(p.min_child_weight)},
      {"subsample", std::to_string(p.subsample)},
      {forest ? "colsample_bynode" : "colsample_bytree", std::to_string(p.colsample)},
      // A forest is one round of `trees` parallel trees, averaged: no shrinkage.
      {"eta", forest ? "1" : std::to_string(p.learning_rate)},
      {"num_parallel_tree", forest ? std::to_string(p.trees) : "1"},
      {"seed", std::to_string(p.seed)},
  };
  for (const auto& [name, value] : params) MW_RETURN_IF_ERROR(SetParam(booster, name, value));
  if (p.threads > 0) MW_RETURN_IF_ERROR(SetParam(booster, "nthread", std::to_string(p.threads)));
  if (p.objective == Objective::kMulticlass) {
    MW_RETURN_IF_ERROR(SetParam(booster, "num_class", std::to_string(p.num_class)));
  }
  return Status::Ok();
}

}  // namespace

struct Booster::Handle {
  BoosterHandle booster = nullptr;
  std::optional<CompiledTrees> compiled;  // when the trees could be compiled
  ~Handle() {
    if (booster) XGBoosterFree(booster);
  }
};

Result<TreeMode> ParseTreeMode(const std::string& text) {
  if (text == "boosted") return TreeMode::kBoosted;
  if (text == "rf" || text == "random_forest") return TreeMode::kRandomForest;
  return Status::InvalidArgument("tree mode '" + text + "': expected boosted or rf");
}

const char* TreeModeName(TreeMode mode) { return mode == TreeMode::kBoosted ? "boosted" : "rf"; }

Booster::Booster() : handle_(std::make_unique<Handle>()) {}
Booster::~Booster() = default;
Booster::Booster(Booster&&) noexcept = default;
Booster& Booster::operator=(Booster&&) noexcept = default;

Result<Booster> Booster::Train(std::span<const float> x, std::size_t cols, std::span<const float> y,
                               const BoosterParams& params) {
  if (cols == 0 || x.size() % cols != 0 || x.size() / cols != y.size() || y.empty()) {
    return Status::InvalidArgument("training data: " + std::to_string(x.size()) + " values in " +
                                   std::to_string(cols) + " columns for " + std::to_string(y.size()) +
                                   " labels");
  }
  if (params.trees < 1 || params.max_depth < 1)
    return Status::InvalidArgument("trees and max_depth must be >= 1");
  Matrix train;
  if (XGDMatrixCreateFromMat(x.data(), y.size(), cols, std::numeric_limits<float>::quiet_NaN(),
                             &train.handle) != 0) {
    return XgbError("training matrix");
  }
  if (XGDMatrixSetFloatInfo(train.handle, "label", y.data(), y.size()) != 0) return XgbError("labels");
  Booster out;
  if (XGBoosterCreate(&train.handle, 1, &out.handle_->booster) != 0) return XgbError("booster");
  MW_RETURN_IF_ERROR(SetParams(out.handle_->booster, params));
  const int rounds = params.mode == TreeMode::kRandomForest ? 1 : params.trees;
  for (int round = 0; round < rounds; ++round) {
    if (XGBoosterUpdateOneIter(out.handle_->booster, round, train.handle) != 0)
      return XgbError("training round");
  }
  out.Compile();
  return out;
}

Result<Booster> Booster::Deserialize(std::string_view bytes) {
  Booster out;
  if (XGBoosterCreate(nullptr, 0, &out.handle_->booster) != 0) return XgbError("booster");
  if (XGBoosterLoadModelFromBuffer(out.handle_->booster, bytes.data(), bytes.size()) != 0) {
    return Status::Corruption(std::string("model: ") + XGBGetLastError());
  }
  out.Compile();
  return out;
}

Result<std::string> Booster::Serialize() const {
  const char* data = nullptr;
  bst_ulong size = 0;
  if (XGBoosterSaveModelToBuffer(handle_->booster, R"({"format": "ubj"})", &size, &data) != 0) {
    return XgbError("saving the model");
  }
  return std::string(data, static_cast<std::size_t>(size));
}

void Booster::Compile() {
  const char* data = nullptr;
  bst_ulong size = 0;
  if (XGBoosterSaveModelToBuffer(handle_->booster, R"({"format": "json"})", &size, &data) != 0) return;
  auto compiled = CompiledTrees::FromXgboostJson(std::string_view(data, static_cast<std::size_t>(size)));
  if (compiled.ok()) handle_->compiled = std::move(*compiled);
}

bool Booster::compiled() const { return handle_->compiled.has_value(); }

Status Booster::Predict(std::span<const float> x, std::size_t cols, std::vector<float>* out) const {
  if (cols == 0 || x.size() % cols != 0)
    return Status::InvalidArgument("prediction rows do not match the columns");
  // Few rows (serving scores one record at a time): the compiled trees, which cost nothing per
  // call where XGBoost's predictor costs tens of microseconds. Many rows: XGBoost, whose walk of the
  // real nodes is as fast on time-ordered rows and faster on deep forests (bench/health).
  if (handle_->compiled && x.size() / cols <= kCompiledRows &&
      static_cast<int>(cols) == handle_->compiled->num_features()) {
    handle_->compiled->Predict(x, out);
    return Status::Ok();
  }
  return PredictWithXgboost(x, cols, out);
}

Status Booster::PredictWithXgboost(std::span<const float> x, std::size_t cols,
                                   std::vector<float>* out) const {
  if (cols == 0 || x.size() % cols != 0)
    return Status::InvalidArgument("prediction rows do not match the columns");
  const std::size_t rows = x.size() / cols;
  if (rows == 0) {
    out->clear();
    return Status::Ok();
  }
  const std::string array = R"({"data": [)" + std::to_string(reinterpret_cast<std::uintptr_t>(x.data())) +
                            R"(, true], "shape": [)" + std::to_string(rows) + ", " + std::to_string(cols) +
                            R"(], "typestr": "<f4", "version": 3})";
  static constexpr const char* kConfig =
      R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false, "cache_id": 0, "missing": NaN})";
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  if (XGBoosterPredictFromDense(handle_->booster, array.c_str(), kConfig, nullptr, &shape, &dim, &result) !=
      0) {
    return XgbError("prediction");
  }
  std::size_t count = 1;
  for (bst_ulong d = 0; d < dim; ++d) count *= shape[d];
  // The result lives in the booster's per-thread buffer until this thread's next call: copy it.
  out->assign(result, result + count);
  return Status::Ok();
}

Status Booster::SetThreads(int threads) {
  return SetParam(handle_->booster, "nthread", std::to_string(threads));
}

int Booster::num_features() const {
  bst_ulong n = 0;
  if (XGBoosterGetNumFeature(handle_->booster, &n) != 0) return -1;
  return static_cast<int>(n);
}

}  // namespace mw::models
