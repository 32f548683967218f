#include "analytics/models/compiled_trees.h"

#include <algorithm>
#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

namespace mw::models {
namespace {

using nlohmann::json;

constexpr std::uint32_t kDefaultLeft = 1u << 31;
constexpr std::size_t kMaxNodes = std::size_t{1} << 24;  // 128 MiB of nodes

// XGBoost writes its model parameters as strings ("5E-1").
float NumberOf(const json& j) { return j.is_string() ? std::stof(j.get<std::string>()) : j.get<float>(); }
int IntOf(const json& j) { return j.is_string() ? std::stoi(j.get<std::string>()) : j.get<int>(); }

// One XGBoost tree in its JSON arrays.
struct Source {
  std::vector<int> left, right, feature;
  std::vector<float> condition;
  std::vector<bool> default_left;

  bool leaf(int n) const { return left[static_cast<std::size_t>(n)] < 0; }
  // The depth below node n, counted no further than `limit` levels.
  int Depth(int n, int limit) const {
    if (leaf(n) || limit == 0) return 0;
    const auto i = static_cast<std::size_t>(n);
    return 1 + std::max(Depth(left[i], limit - 1), Depth(right[i], limit - 1));
  }
};

Result<Source> ReadTree(const json& t, int features) {
  Source s;
  s.left = t.at("left_children").get<std::vector<int>>();
  s.right = t.at("right_children").get<std::vector<int>>();
  s.feature = t.at("split_indices").get<std::vector<int>>();
  s.condition = t.at("split_conditions").get<std::vector<float>>();
  for (const json& d : t.at("default_left"))
    s.default_left.push_back(d.is_boolean() ? d.get<bool>() : d.get<int>() != 0);
  const std::size_t n = s.left.size();
  if (n == 0 || s.right.size() != n || s.feature.size() != n || s.condition.size() != n ||
      s.default_left.size() != n)
    return Status::Corruption("tree arrays of different lengths");
  if (t.contains("split_type")) {
    for (const json& type : t.at("split_type"))
      if (type.get<int>() != 0) return Status::FailedPrecondition("categorical splits");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (s.left[i] < 0) continue;
    const auto in_range = [&](int c) { return c > static_cast<int>(i) && c < static_cast<int>(n); };
    if (!in_range(s.left[i]) || !in_range(s.right[i]) || s.feature[i] < 0 || s.feature[i] >= features)
      return Status::Corruption("tree node " + std::to_string(i) + " points outside the tree");
  }
  return s;
}

}  // namespace

Result<CompiledTrees> CompiledTrees::FromXgboostJson(std::string_view text) {
  const json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return Status::Corruption("the model is not JSON");
  CompiledTrees out;
  try {
    const json& learner = j.at("learner");
    const std::string objective = learner.at("objective").at("name").get<std::string>();
    if (objective != "multi:softprob" && objective != "reg:squarederror")
      return Status::FailedPrecondition("objective " + objective);
    const json& param = learner.at("learner_model_param");
    out.features_ = IntOf(param.at("num_feature"));
    out.classes_ = std::max(1, IntOf(param.at("num_class")));
    out.base_score_ = NumberOf(param.at("base_score"));
    out.softmax_ = objective == "multi:softprob";
    if (out.features_ < 0 || out.features_ > (1 << 24) || out.classes_ > (1 << 16))
      return Status::Corruption("num_feature or num_class out of range");
    const json& booster = learner.at("gradient_booster");
    if (booster.at("name") != "gbtree")
      return Status::FailedPrecondition("booster " + booster.at("name").dump());
    const json& model = booster.at("model");
    const auto info = model.at("tree_info").get<std::vector<int>>();
    const json& trees = model.at("trees");
    if (info.size() != trees.size()) return Status::Corruption("tree_info and trees differ in length");
    for (std::size_t t = 0; t < trees.size(); ++t) {
      if (info[t] < 0 || info[t] >= out.classes_) return Status::Corruption("a tree of no class");
      auto source = ReadTree(trees[t], out.features_);
      if (!source.ok()) return source.status();
      const int depth = source->Depth(0, kMaxDepth + 1);
      if (depth > kMaxDepth)
        return Status::FailedPrecondition("a tree deeper than " + std::to_string(kMaxDepth));
      if (out.nodes_.size() + (std::size_t{1} << depth) > kMaxNodes)
        return Status::FailedPrecondition("more than " + std::to_string(kMaxNodes) + " nodes once padded");
      Tree tree{static_cast<std::uint32_t>(out.nodes_.size()), static_cast<std::uint32_t>(out.leaves_.size()),
                static_cast<std::uint32_t>(depth), static_cast<std::uint32_t>(info[t])};
      out.nodes_.resize(out.nodes_.size() + (std::size_t{1} << depth) - 1, Node{0, 0});
      out.leaves_.resize(out.leaves_.size() + (std::size_t{1} << depth), 0);
      // Breadth-first positions: the children of p are 2p + 1 and 2p + 2; a leaf at level l fills
      // the 2^(depth - l) bottom positions below it.
      const auto place = [&](const auto& self, int node, std::size_t pos, int level) -> void {
        const auto n = static_cast<std::size_t>(node);
        if (source->leaf(node)) {
          std::size_t first = pos;
          for (int l = level; l < depth; ++l) first = 2 * first + 1;
          const std::size_t bottom = (std::size_t{1} << depth) - 1;
          std::fill_n(out.leaves_.begin() + static_cast<std::ptrdiff_t>(tree.first_leaf + first - bottom),
                      std::size_t{1} << (depth - level), source->condition[n]);
          return;
        }
        out.nodes_[tree.first_node + pos] = {static_cast<std::uint32_t>(source->feature[n] * kBlock) |
                                                 (source->default_left[n] ? kDefaultLeft : 0),
                                             source->condition[n]};
        self(self, source->left[n], 2 * pos + 1, level + 1);
        self(self, source->right[n], 2 * pos + 2, level + 1);
      };
      place(place, 0, 0, 0);
      out.trees_.push_back(tree);
    }
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("the model's JSON: ") + e.what());
  }
  return out;
}

template <bool kMissing>
void CompiledTrees::WalkTrees(const float* block, std::size_t rows, float* margins) const {
  const auto outputs = static_cast<std::size_t>(classes_);
  const std::size_t groups = (rows + kLanes - 1) / kLanes;
  for (const Tree& tree : trees_) {
    const Node* nodes = nodes_.data() + tree.first_node;
    const float* leaves = leaves_.data() + tree.first_leaf - ((1u << tree.depth) - 1);
    for (std::size_t g = 0; g < groups; ++g) {
      const float* lanes = block + g * kLanes;  // lane k of feature f: lanes[f * kBlock + k]
      std::uint32_t at[kLanes] = {};
      for (std::uint32_t level = 0; level < tree.depth; ++level) {
        // Unrolled, the lanes' positions stay in registers and their loads overlap.
#pragma GCC unroll 8
        for (std::size_t k = 0; k < kLanes; ++k) {
          const Node node = nodes[at[k]];
          const float v = lanes[(node.feature & ~kDefaultLeft) + k];
          // Right unless v < threshold; a NaN goes right too, unless its default is left.
          bool right = !(v < node.threshold);
          if constexpr (kMissing) right ^= (node.feature & kDefaultLeft) != 0 && std::isnan(v);
          at[k] = 2 * at[k] + 1 + static_cast<std::uint32_t>(right);
        }
      }
      const std::size_t used = std::min(kLanes, rows - g * kLanes);
      float* m = margins + g * kLanes * outputs + tree.output;
      for (std::size_t k = 0; k < used; ++k) m[k * outputs] += leaves[at[k]];
    }
  }
}

void CompiledTrees::Predict(std::span<const float> x, std::vector<float>* out) const {
  const auto cols = static_cast<std::size_t>(features_);
  const auto outputs = static_cast<std::size_t>(classes_);
  const std::size_t rows = cols == 0 ? 0 : x.size() / cols;
  out->assign(rows * outputs, base_score_);
  // Each block transposed, feature-major, so that the lanes of a node share one base address.
  // Reused per thread: serving calls this once per record.
  thread_local std::vector<float> block;
  block.resize(cols * kBlock);
  for (std::size_t r0 = 0; r0 < rows; r0 += kBlock) {
    const std::size_t n = std::min(kBlock, rows - r0);
    bool missing = false;
    const std::size_t lanes = (n + kLanes - 1) / kLanes * kLanes;
    for (std::size_t k = 0; k < lanes; ++k) {
      const float* row = x.data() + (r0 + std::min(k, n - 1)) * cols;  // past the end: repeat the last
      for (std::size_t f = 0; f < cols; ++f) {
        block[f * kBlock + k] = row[f];
        missing |= std::isnan(row[f]);
      }
    }
    float* margins = out->data() + r0 * outputs;
    if (missing) {
      WalkTrees<true>(block.data(), n, margins);
    } else {
      WalkTrees<false>(block.data(), n, margins);
    }
  }
  if (!softmax_) return;
  for (std::size_t r = 0; r < rows; ++r) {
    float* p = out->data() + r * outputs;
    const float top = *std::max_element(p, p + outputs);
    float sum = 0;
    for (std::size_t c = 0; c < outputs; ++c) sum += (p[c] = std::exp(p[c] - top));
    for (std::size_t c = 0; c < outputs; ++c) p[c] /= sum;
  }
}

}  // namespace mw::models
