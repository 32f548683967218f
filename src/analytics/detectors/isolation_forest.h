// Isolation Forest (Liu, Ting and Zhou, "Isolation Forest", ICDM 2008), written for this project.
//
// Fit() grows `trees` isolation trees, each on `sample_size` (ψ) rows drawn without replacement,
// to the depth limit ⌈log2 ψ⌉. A node splits on a feature drawn at random among those that are not
// constant in the node, at a value drawn uniformly between their minimum and maximum there. The
// path length h(x) of a row in a tree is the depth of the external node it reaches plus c(size),
// the average path length of an unsuccessful search in a binary search tree of the rows the node
// still held (c(n) = 2 H(n-1) - 2 (n-1) / n, c(1) = 0); the score is 2^(-E[h(x)] / c(ψ)): near 1 for
// rows that isolate quickly (anomalies), near 0.5 or below for inliers.
//
// Layout: trees are grown into one flat array of 16-byte nodes in pre-order (the left child of node
// i is node i + 1, the right child is stored); an external node stores its whole path length
// (depth + c(size)). For scoring, each tree is then laid out as a perfect binary tree of the depth
// limit in heap order (children of i at 2i + 1 and 2i + 2; split values and features in flat
// arrays, path lengths in a leaf array): an external node above the limit has its path length
// copied to every leaf below it, whatever the splits there. Every walk is then exactly ⌈log2 ψ⌉
// steps of i = 2i + 1 + (x[f] > v), with no unpredictable branch, and walks of several rows (or
// trees) run interleaved, so that their loads overlap. Batch scoring walks a block of rows through
// one tree at a time so that the tree stays in cache. Depth limits above kMaxHeapDepth (ψ > 4096)
// keep the pre-order walk.
//
// Thread-safety: a fitted forest is immutable; Score() and ScoreBatch() may be called from any
// number of threads at once. Fit() must not run concurrently with anything else on the same
// object: to refit while scoring, fit a new object and swap a std::shared_ptr<const IsolationForest>.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace mw::analytics {

// Average path length of an unsuccessful search in a binary search tree of n keys:
// c(n) = 2 H(n-1) - 2 (n-1) / n with H the harmonic number; c(0) = c(1) = 0, c(2) = 1.
double AveragePathLength(std::size_t n);

struct IsolationForestOptions {
  std::size_t trees = 100;
  std::size_t sample_size = 256;  // ψ; fewer rows than this: all of them
  std::uint64_t seed = 1;
};

class IsolationForest {
 public:
  explicit IsolationForest(IsolationForestOptions options = {}) : options_(options) {}

  // Fits on `rows` (row-major, `dims` values per row; rows.size() a multiple of dims). Replaces any
  // previous fit. With fewer than 2 rows, or dims == 0, the forest stays unfitted. Non-finite values
  // are the caller's to remove: they never split and fall to the left.
  void Fit(std::span<const double> rows, std::size_t dims);

  bool fitted() const { return !roots_.empty(); }
  std::size_t dims() const { return dims_; }
  std::size_t trees() const { return roots_.size(); }
  std::size_t nodes() const { return nodes_.size(); }
  // ψ actually used (the sample size, or the row count when smaller).
  std::size_t sample_size() const { return psi_; }

  // Score of one row of dims() values, in (0, 1]. 0.5 when unfitted.
  double Score(std::span<const double> row) const;
  // The mean path length E[h(x)] of one row over the trees.
  double MeanPathLength(std::span<const double> row) const;
  // Scores every row of `rows` (row-major, dims() per row) into `out` (resized), using up to
  // `threads` threads (1: the calling thread only).
  void ScoreBatch(std::span<const double> rows, std::vector<double>& out, unsigned threads = 1) const;

 private:
  struct Node {
    double value;          // split value, or the path length at an external node
    std::int32_t feature;  // -1 at an external node
    std::uint32_t right;   // index of the right child (the left one is the next node)
  };
  static_assert(sizeof(Node) == 16);

  std::uint32_t Build(std::vector<std::uint32_t>& idx, std::size_t lo, std::size_t hi, std::size_t depth,
                      std::size_t limit, std::span<const double> rows, std::uint64_t& rng);
  void ScoreRange(std::span<const double> rows, std::size_t first, std::size_t last, double* out) const;
  double PathLength(std::size_t tree, const double* row) const;

  IsolationForestOptions options_;
  std::size_t dims_ = 0;
  std::size_t psi_ = 0;
  double inverse_c_psi_ = 0;  // 1 / (trees * c(ψ)), the factor of the summed path lengths
  static constexpr std::size_t kMaxHeapDepth = 12;
  void BuildHeap(std::size_t tree, std::uint32_t node, std::size_t heap, std::size_t depth);
  void FillHeap(std::size_t tree, std::size_t heap, std::size_t depth, double path);

  std::vector<Node> nodes_;
  std::vector<std::uint32_t> roots_;
  // The heap layout (empty when the depth limit exceeds kMaxHeapDepth): per tree, 2^depth - 1
  // internal nodes and 2^depth leaves.
  std::size_t heap_depth_ = 0;
  std::size_t heap_internal_ = 0;
  std::vector<double> heap_split_;
  std::vector<std::uint32_t> heap_feature_;
  std::vector<double> heap_leaf_;
};

}  // namespace mw::analytics
