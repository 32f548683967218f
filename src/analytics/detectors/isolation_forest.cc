#include "analytics/detectors/isolation_forest.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <thread>

namespace mw::analytics {
namespace {

// splitmix64: small, fast, and good enough for choosing features, splits and samples; seeded per
// tree so that a fit does not depend on anything but the seed and the data.
std::uint64_t Next(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31U);
}

double Uniform(std::uint64_t& state) {  // [0, 1)
  return static_cast<double>(Next(state) >> 11U) * 0x1.0p-53;
}

std::size_t Below(std::uint64_t& state, std::size_t n) {  // [0, n)
  return static_cast<std::size_t>(Uniform(state) * static_cast<double>(n));
}

constexpr std::size_t kBlock = 64;  // rows walked through one tree at a time in batch scoring

}  // namespace

double AveragePathLength(std::size_t n) {
  if (n <= 1) return 0;
  if (n == 2) return 1;
  const auto m = static_cast<double>(n - 1);
  // H(m) = ln m + γ + 1/(2m) - 1/(12 m²) + ...: exact to double precision from m = 50 on; below,
  // sum it.
  double harmonic = 0;
  if (n - 1 < 50) {
    for (std::size_t i = 1; i <= n - 1; ++i) harmonic += 1.0 / static_cast<double>(i);
  } else {
    constexpr double kEulerGamma = 0.57721566490153286;
    harmonic = std::log(m) + kEulerGamma + 1.0 / (2 * m) - 1.0 / (12 * m * m) + 1.0 / (120 * m * m * m * m);
  }
  return 2 * harmonic - 2 * m / static_cast<double>(n);
}

void IsolationForest::Fit(std::span<const double> rows, std::size_t dims) {
  nodes_.clear();
  roots_.clear();
  dims_ = dims;
  psi_ = 0;
  if (dims == 0) return;
  const std::size_t n = rows.size() / dims;
  if (n < 2 || options_.trees == 0) return;
  psi_ = std::min(options_.sample_size, n);
  const auto limit = static_cast<std::size_t>(std::ceil(std::log2(static_cast<double>(psi_))));
  inverse_c_psi_ = 1.0 / (static_cast<double>(options_.trees) * AveragePathLength(psi_));
  // A tree of ψ rows has at most 2ψ - 1 nodes.
  nodes_.reserve(options_.trees * (2 * psi_ - 1));
  roots_.reserve(options_.trees);
  // The sample of each tree is a partial Fisher-Yates shuffle of this permutation. It is never
  // reset: the first ψ slots after a partial shuffle are a uniform sample whatever the order the
  // permutation was left in, so each tree costs O(ψ), not O(n).
  std::vector<std::uint32_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0U);
  std::vector<std::uint32_t> idx(psi_);
  std::uint64_t sampler = options_.seed * 0xD1B54A32D192ED03ULL + 1;
  for (std::size_t t = 0; t < options_.trees; ++t) {
    for (std::size_t i = 0; i < psi_; ++i) {
      std::swap(perm[i], perm[i + Below(sampler, n - i)]);
      idx[i] = perm[i];
    }
    std::uint64_t rng = options_.seed ^ (0xA0761D6478BD642FULL * (t + 1));
    roots_.push_back(Build(idx, 0, psi_, 0, limit, rows, rng));
  }
  heap_depth_ = 0;
  heap_internal_ = 0;
  heap_split_.clear();
  heap_feature_.clear();
  heap_leaf_.clear();
  if (limit >= 1 && limit <= kMaxHeapDepth) {
    heap_depth_ = limit;
    heap_internal_ = (std::size_t{1} << limit) - 1;
    heap_split_.assign(options_.trees * heap_internal_, 0.0);
    heap_feature_.assign(options_.trees * heap_internal_, 0);
    heap_leaf_.assign(options_.trees * (heap_internal_ + 1), 0.0);
    for (std::size_t t = 0; t < options_.trees; ++t) BuildHeap(t, roots_[t], 0, 0);
  }
}

void IsolationForest::BuildHeap(std::size_t tree, std::uint32_t node, std::size_t heap, std::size_t depth) {
  const Node& n = nodes_[node];
  if (n.feature < 0) {
    FillHeap(tree, heap, depth, n.value);
    return;
  }
  heap_split_[tree * heap_internal_ + heap] = n.value;
  heap_feature_[tree * heap_internal_ + heap] = static_cast<std::uint32_t>(n.feature);
  BuildHeap(tree, node + 1, 2 * heap + 1, depth + 1);
  BuildHeap(tree, n.right, 2 * heap + 2, depth + 1);
}

void IsolationForest::FillHeap(std::size_t tree, std::size_t heap, std::size_t depth, double path) {
  if (depth == heap_depth_) {
    heap_leaf_[tree * (heap_internal_ + 1) + (heap - heap_internal_)] = path;
    return;
  }
  // Below an external node every leaf carries its path length, so the split here is immaterial.
  FillHeap(tree, 2 * heap + 1, depth + 1, path);
  FillHeap(tree, 2 * heap + 2, depth + 1, path);
}

std::uint32_t IsolationForest::Build(std::vector<std::uint32_t>& idx, std::size_t lo, std::size_t hi,
                                     std::size_t depth, std::size_t limit, std::span<const double> rows,
                                     std::uint64_t& rng) {
  const auto self = static_cast<std::uint32_t>(nodes_.size());
  const std::size_t size = hi - lo;
  auto leaf = [&] {
    nodes_.push_back({static_cast<double>(depth) + AveragePathLength(size), -1, 0});
    return self;
  };
  if (size <= 1 || depth >= limit) return leaf();
  // The features that still vary in this node, with their range: splitting on a constant one
  // would isolate nothing.
  double lows[64];
  double highs[64];
  std::size_t candidates[64];
  std::size_t count = 0;
  const std::size_t tried = std::min<std::size_t>(dims_, 64);
  const std::size_t offset = dims_ > 64 ? Below(rng, dims_) : 0;
  for (std::size_t k = 0; k < tried; ++k) {
    const std::size_t f = (offset + k) % dims_;
    double low = std::numeric_limits<double>::infinity();
    double high = -low;
    for (std::size_t i = lo; i < hi; ++i) {
      const double v = rows[idx[i] * dims_ + f];
      low = std::min(low, v);
      high = std::max(high, v);
    }
    if (low < high) {
      lows[count] = low;
      highs[count] = high;
      candidates[count++] = f;
    }
  }
  if (count == 0) return leaf();
  const std::size_t pick = Below(rng, count);
  const std::size_t feature = candidates[pick];
  double split = lows[pick] + Uniform(rng) * (highs[pick] - lows[pick]);
  // Rows at or below the split go left; the split must stay below the maximum so that the right
  // side is not empty (a tiny range can round up to it).
  if (!(split < highs[pick])) split = lows[pick];
  const auto mid = static_cast<std::size_t>(
      std::partition(idx.begin() + static_cast<std::ptrdiff_t>(lo),
                     idx.begin() + static_cast<std::ptrdiff_t>(hi),
                     [&](std::uint32_t r) { return rows[r * dims_ + feature] <= split; }) -
      idx.begin());
  nodes_.push_back({split, static_cast<std::int32_t>(feature), 0});
  Build(idx, lo, mid, depth + 1, limit, rows, rng);
  nodes_[self].right = static_cast<std::uint32_t>(nodes_.size());
  Build(idx, mid, hi, depth + 1, limit, rows, rng);
  return self;
}

double IsolationForest::PathLength(std::size_t tree, const double* row) const {
  if (heap_depth_ > 0) {
    const double* split = heap_split_.data() + tree * heap_internal_;
    const std::uint32_t* feature = heap_feature_.data() + tree * heap_internal_;
    std::size_t i = 0;
    for (std::size_t level = 0; level < heap_depth_; ++level)
      i = 2 * i + 1 + static_cast<std::size_t>(!(row[feature[i]] <= split[i]));
    return heap_leaf_[tree * (heap_internal_ + 1) + (i - heap_internal_)];
  }
  const Node* nodes = nodes_.data();
  std::uint32_t i = roots_[tree];
  while (nodes[i].feature >= 0) {
    const Node& node = nodes[i];
    i = row[node.feature] <= node.value ? i + 1 : node.right;
  }
  return nodes[i].value;
}

double IsolationForest::MeanPathLength(std::span<const double> row) const {
  if (!fitted()) return 0;
  double sum = 0;
  for (std::size_t t = 0; t < roots_.size(); ++t) sum += PathLength(t, row.data());
  return sum / static_cast<double>(roots_.size());
}

double IsolationForest::Score(std::span<const double> row) const {
  if (!fitted()) return 0.5;
  double sum = 0;
  std::size_t t = 0;
  if (heap_depth_ > 0) {
    // Four trees at a time: four independent walks whose loads overlap.
    constexpr std::size_t kLanes = 4;
    const double* x = row.data();
    for (; t + kLanes <= roots_.size(); t += kLanes) {
      std::size_t i[kLanes] = {};
      for (std::size_t level = 0; level < heap_depth_; ++level)
        for (std::size_t k = 0; k < kLanes; ++k) {
          const std::size_t base = (t + k) * heap_internal_;
          i[k] = 2 * i[k] + 1 +
                 static_cast<std::size_t>(!(x[heap_feature_[base + i[k]]] <= heap_split_[base + i[k]]));
        }
      for (std::size_t k = 0; k < kLanes; ++k)
        sum += heap_leaf_[(t + k) * (heap_internal_ + 1) + (i[k] - heap_internal_)];
    }
  }
  for (; t < roots_.size(); ++t) sum += PathLength(t, row.data());
  return std::exp2(-sum * inverse_c_psi_);
}

void IsolationForest::ScoreRange(std::span<const double> rows, std::size_t first, std::size_t last,
                                 double* out) const {
  double sums[kBlock];
  for (std::size_t begin = first; begin < last; begin += kBlock) {
    const std::size_t end = std::min(last, begin + kBlock);
    const std::size_t count = end - begin;
    std::fill(sums, sums + count, 0.0);
    const double* block = rows.data() + begin * dims_;
    for (std::size_t t = 0; t < roots_.size(); ++t) {
      std::size_t r = 0;
      if (heap_depth_ > 0) {
        // Eight rows walk the tree in lock step: eight independent chains of loads.
        constexpr std::size_t kLanes = 8;
        const double* split = heap_split_.data() + t * heap_internal_;
        const std::uint32_t* feature = heap_feature_.data() + t * heap_internal_;
        const double* leaf = heap_leaf_.data() + t * (heap_internal_ + 1);
        for (; r + kLanes <= count; r += kLanes) {
          std::size_t i[kLanes] = {};
          for (std::size_t level = 0; level < heap_depth_; ++level)
            for (std::size_t k = 0; k < kLanes; ++k)
              i[k] = 2 * i[k] + 1 +
                     static_cast<std::size_t>(!(block[(r + k) * dims_ + feature[i[k]]] <= split[i[k]]));
          for (std::size_t k = 0; k < kLanes; ++k) sums[r + k] += leaf[i[k] - heap_internal_];
        }
      }
      for (; r < count; ++r) sums[r] += PathLength(t, block + r * dims_);
    }
    for (std::size_t r = 0; r < count; ++r) out[begin + r] = std::exp2(-sums[r] * inverse_c_psi_);
  }
}

void IsolationForest::ScoreBatch(std::span<const double> rows, std::vector<double>& out,
                                 unsigned threads) const {
  const std::size_t n = dims_ == 0 ? 0 : rows.size() / dims_;
  out.resize(n);
  if (!fitted()) {
    std::fill(out.begin(), out.end(), 0.5);
    return;
  }
  threads = std::max(1U, std::min<unsigned>(threads, static_cast<unsigned>((n + kBlock - 1) / kBlock)));
  if (threads <= 1) {
    ScoreRange(rows, 0, n, out.data());
    return;
  }
  std::vector<std::jthread> pool;
  const std::size_t per = (n + threads - 1) / threads;
  for (unsigned k = 1; k < threads; ++k) {
    const std::size_t first = std::min(n, k * per);
    const std::size_t last = std::min(n, first + per);
    pool.emplace_back([this, rows, first, last, &out] { ScoreRange(rows, first, last, out.data()); });
  }
  ScoreRange(rows, 0, std::min(n, per), out.data());
}

}  // namespace mw::analytics
