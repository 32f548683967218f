#include "analytics/features/frame_stats.h"

#include <cmath>
#include <limits>
#include <string>

namespace mw::analytics {
namespace {

std::string Shape(std::size_t rows, std::size_t cols) {
  return std::to_string(rows) + "x" + std::to_string(cols);
}

Status CheckShape(std::size_t cells, std::size_t rows, std::size_t cols) {
  if (rows == 0 || cols == 0)
    return Status::InvalidArgument("frame_stats: empty " + Shape(rows, cols) + " frame");
  if (rows > std::numeric_limits<std::size_t>::max() / cols)
    return Status::InvalidArgument("frame_stats: " + Shape(rows, cols) + " frame: cell count overflows");
  if (rows * cols != cells)
    return Status::InvalidArgument("frame_stats: " + Shape(rows, cols) + " frame needs " +
                                   std::to_string(rows * cols) + " cells, got " + std::to_string(cells));
  return Status::Ok();
}

// First pass: everything but std. count 0 leaves min, max and mean at 0.
FrameStats FirstPass(std::span<const float> cells, std::size_t cols, double threshold) {
  FrameStats s;
  double sum = 0;
  std::size_t hot = 0;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const double x = cells[i];
    if (!std::isfinite(x)) {
      ++s.skipped;
      continue;
    }
    // Strict > keeps the first cell holding the maximum (row-major order is index order).
    if (s.count == 0 || x > s.max) {
      s.max = x;
      hot = i;
    }
    if (s.count == 0 || x < s.min) s.min = x;
    sum += x;
    if (x > threshold) ++s.above;
    ++s.count;
  }
  if (s.count > 0) s.mean = sum / static_cast<double>(s.count);
  s.hot_row = hot / cols;
  s.hot_col = hot % cols;
  return s;
}

// Σ(x - mean)² over the finite cells: about the mean, not from Σx², which loses every digit when
// the spread is small next to the level.
double SumSquaredDeviations(std::span<const float> cells, double mean) {
  double m2 = 0;
  for (const float cell : cells) {
    const double x = cell;
    if (!std::isfinite(x)) continue;
    const double d = x - mean;
    m2 += d * d;
  }
  return m2;
}

}  // namespace

Result<FrameStats> ComputeFrameStats(std::span<const float> cells, std::size_t rows, std::size_t cols,
                                     double threshold) {
  MW_RETURN_IF_ERROR(CheckShape(cells.size(), rows, cols));
  FrameStats s = FirstPass(cells, cols, threshold);
  s.area_fraction = static_cast<double>(s.above) / static_cast<double>(cells.size());
  if (s.count == 0) {
    s.min = s.max = s.mean = s.std = std::numeric_limits<double>::quiet_NaN();
    return s;
  }
  s.std = std::sqrt(SumSquaredDeviations(cells, s.mean) / static_cast<double>(s.count));
  return s;
}

}  // namespace mw::analytics
