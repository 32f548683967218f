#include "analytics/detectors/rolling_median.h"

#include <algorithm>
#include <limits>

namespace mw::analytics {

double RollingQuantiles::Median() const {
  const std::size_t n = tree_.size();
  if (n == 0) return 0;
  if (n % 2 == 1) return Kth(n / 2);
  return 0.5 * (Kth(n / 2 - 1) + Kth(n / 2));
}

double RollingQuantiles::KthDistance(std::size_t k, double median, std::size_t split) const {
  // Left side: entries split-1, split-2, ..., 0 (distance median - x, ascending); right side:
  // entries split, ..., n-1 (distance x - median, ascending). Find the smallest number i of left
  // entries such that the (i+1)-th left distance is not below the (k-i+1)-th right one: the first
  // k+1 distances are then i from the left and k+1-i from the right.
  const std::size_t n_left = split;
  const std::size_t n_right = tree_.size() - split;
  auto left = [&](std::size_t i) { return median - Kth(split - 1 - i); };
  auto right = [&](std::size_t j) { return Kth(split + j) - median; };
  std::size_t lo = k + 1 > n_right ? k + 1 - n_right : 0;
  std::size_t hi = std::min(k + 1, n_left);
  while (lo < hi) {
    const std::size_t i = lo + (hi - lo) / 2;
    // i < hi <= min(k+1, n_left), so left(i) exists and k - i >= 0 indexes the right side.
    if (left(i) < right(k - i)) {
      lo = i + 1;
    } else {
      hi = i;
    }
  }
  const std::size_t from_left = lo;
  const std::size_t from_right = k + 1 - from_left;
  double result = -std::numeric_limits<double>::infinity();
  if (from_left > 0) result = std::max(result, left(from_left - 1));
  if (from_right > 0) result = std::max(result, right(from_right - 1));
  return result;
}

double RollingQuantiles::Mad(double median) const {
  const std::size_t n = tree_.size();
  if (n == 0) return 0;
  // Entries below the median form the left side.
  const std::size_t split = tree_.order_of_key({median, 0});
  if (n % 2 == 1) return KthDistance(n / 2, median, split);
  return 0.5 * (KthDistance(n / 2 - 1, median, split) + KthDistance(n / 2, median, split));
}

}  // namespace mw::analytics
