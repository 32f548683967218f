// The frame codec: lossless compression of fixed-shape float32 arrays (a thermal camera's 100x100
// temperature grid), one frame per sample.
//
// Each float's bit pattern is mapped to an unsigned key that orders like the float (so nearby
// temperatures get nearby keys, across zero too). Per frame the encoder picks, by exact coded
// size, one of three predictors:
//   0 spatial:           the frame on its own, predicted pixel by pixel from its left, upper and
//                        upper-left neighbours with the median edge detector of LOCO-I;
//   1 temporal:          the change from the previous frame, unpredicted (static scenes: zeros);
//   2 temporal-spatial:  that change, predicted from the neighbours' changes (a scene drifting
//                        as a whole: near-zero residuals everywhere).
// The residuals are zigzagged and written as one integer block (see quantized_codec.h), whose zero
// runs make unchanged regions nearly free. The frame before the first of a column counts as all
// +0.0f. Every 32-bit pattern, NaN payloads included, round-trips exactly. Layout:
// docs/storage-format.md. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"

namespace mw::storage::codec {

struct FrameShape {
  std::uint32_t rows = 0;
  std::uint32_t cols = 0;
  std::size_t elements() const { return static_cast<std::size_t>(rows) * cols; }
  bool operator==(const FrameShape&) const = default;
};

// The largest frame the codec accepts (2048 x 2048 elements).
inline constexpr std::size_t kMaxFrameElements = std::size_t{1} << 22;

// Appends the frame column of `elements` (frames back to back, each row-major of `shape`) to `out`.
// InvalidArgument if a dimension is zero, the frame exceeds kMaxFrameElements, the element count is
// not a whole number of frames, or the column would exceed kMaxColumnValues elements. On error
// `out` is left as it was.
Status EncodeFrames(FrameShape shape, std::span<const float> elements, std::vector<std::uint8_t>& out);

// The shape stored at the start of a frame column. Corruption if missing or invalid.
Result<FrameShape> ReadFrameShape(std::span<const std::uint8_t> column);

// Decodes a column of `frame_count` frames into `out` (replacing its contents with
// frame_count * shape.elements() floats) and its shape into `shape`. The column must be consumed
// exactly. Corruption if it is malformed or frame_count frames of its shape exceed
// kMaxColumnValues elements.
Status DecodeFrames(std::span<const std::uint8_t> column, std::size_t frame_count, FrameShape& shape,
                    std::vector<float>& out);

}  // namespace mw::storage::codec
