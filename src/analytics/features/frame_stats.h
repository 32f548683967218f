// Frame statistics: min, max, mean, standard deviation, hot spot and the area above a threshold of
// one frame, a row-major grid of float cells (e.g. a metal 3D printer's melt-pool temperature
// image; `pipeline::Frame::elements` with its rows and cols).
//
// A plain function, not a processor plugin: a `pipeline::Sample` carries one double, so a
// processor cannot see frames today (only the historian's frame series hold them). A plugin can be
// built on this once the pipeline delivers frames to processors.
//
// Definitions, over the n cells that are finite (NaN and ±inf cells are skipped and counted in
// `skipped`; they enter no statistic and no area):
//   mean = Σx / n, std = sqrt(Σ(x - mean)² / n) (population: the frame is the whole grid, not a
//   sample of it), min, max; hot spot = (row, col) of the maximum, the first in row-major order when
//   several cells hold it; above = cells with x > threshold (strictly), area_fraction = above /
//   (rows × cols), i.e. a fraction of the whole grid (above / count is the fraction of valid cells).
// Cells are widened to double and accumulated in double; std is computed in a second pass about the
// mean, so it stays exact when the spread is small next to the level (1e-3 K around 1e3 K).
//
// A frame with no finite cell gives count 0, NaN min, max, mean and std, hot spot (0, 0) (not a
// location: check count), above 0. A NaN threshold makes above 0.
//
// Thread-safe (no state); O(rows × cols), no allocation.
#pragma once

#include <cstddef>
#include <span>

#include "core/status.h"

namespace mw::analytics {

struct FrameStats {
  std::size_t count = 0;    // finite cells, used by every statistic
  std::size_t skipped = 0;  // NaN and ±inf cells
  double min = 0, max = 0, mean = 0;
  double std = 0;                        // population standard deviation (divides by count, not count - 1)
  std::size_t hot_row = 0, hot_col = 0;  // the maximum; first in row-major order on ties
  std::size_t above = 0;                 // finite cells > threshold
  double area_fraction = 0;              // above / (rows × cols)
};

// The statistics of the rows × cols frame `cells` (row-major: cell (r, c) is cells[r * cols + c]).
// InvalidArgument if rows × cols is 0, overflows, or differs from cells.size().
Result<FrameStats> ComputeFrameStats(std::span<const float> cells, std::size_t rows, std::size_t cols,
                                     double threshold);

}  // namespace mw::analytics
