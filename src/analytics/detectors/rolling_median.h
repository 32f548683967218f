// RollingQuantiles: the exact median and median absolute deviation (MAD) of a sliding multiset of
// values.
//
// Values live in an order-statistic tree (a red-black tree whose nodes know their subtree size):
// Insert and Erase are O(log n), the k-th smallest value is O(log n), so the median is O(log n).
// The MAD, the median of |x - median|, is the k-th smallest element of two sorted sequences (the
// distances to the left of the median, read right to left, and those to its right, read left to
// right), found by a binary search over how many come from each side: O(log² n), with no copy.
// Even counts take the mean of the two middle elements, for the median and for the MAD.
//
// Entries are (value, sequence number) pairs so that equal values stay distinct; the caller erases
// the entry it inserted, by the same sequence number. Not thread-safe: one per series.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>

#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>

namespace mw::analytics {

class RollingQuantiles {
 public:
  void Insert(double value, std::uint64_t seq) { tree_.insert({value, seq}); }
  // Removes the entry inserted with exactly (value, seq); returns false if there is none.
  bool Erase(double value, std::uint64_t seq) { return tree_.erase({value, seq}) > 0; }
  void Clear() { tree_.clear(); }
  std::size_t size() const { return tree_.size(); }

  // The k-th smallest value, k < size().
  double Kth(std::size_t k) const { return tree_.find_by_order(k)->first; }
  // Both are 0 on an empty set.
  double Median() const;
  double Mad() const { return Mad(Median()); }
  // The MAD about a median the caller has already computed.
  double Mad(double median) const;

 private:
  using Entry = std::pair<double, std::uint64_t>;
  using Tree = __gnu_pbds::tree<Entry, __gnu_pbds::null_type, std::less<Entry>, __gnu_pbds::rb_tree_tag,
                                __gnu_pbds::tree_order_statistics_node_update>;
  // The k-th smallest distance |x - median|.
  double KthDistance(std::size_t k, double median, std::size_t split) const;
  Tree tree_;
};

}  // namespace mw::analytics
