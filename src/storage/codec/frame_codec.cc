#include "storage/codec/frame_codec.h"

#include <algorithm>
#include <array>
#include <bit>
#include <string>

#include "storage/codec/bit_stream.h"
#include "storage/codec/quantized_codec.h"

namespace mw::storage::codec {
namespace {

constexpr std::size_t kShapeBytes = 8;
constexpr int kPredictorBits = 2;
constexpr std::uint32_t kSignBit = 0x80000000u;
// The key of +0.0f; also the bias that centres a change of zero, and the prediction for the first
// pixel of a frame.
constexpr std::uint32_t kZeroKey = kSignBit;

enum Predictor : int { kSpatial = 0, kTemporal = 1, kTemporalSpatial = 2 };

// Order-preserving map of float bits to unsigned keys: negatives reversed below positives.
inline std::uint32_t Key(float f) {
  const auto bits = std::bit_cast<std::uint32_t>(f);
  return (bits & kSignBit) != 0 ? ~bits : bits | kSignBit;
}
inline float FromKey(std::uint32_t key) {
  return std::bit_cast<float>((key & kSignBit) != 0 ? key & ~kSignBit : ~key);
}

// LOCO-I median edge detector: a = left, b = up, c = upper-left.
inline std::uint32_t Med(std::uint32_t a, std::uint32_t b, std::uint32_t c) {
  const std::uint32_t lo = std::min(a, b);
  const std::uint32_t hi = std::max(a, b);
  if (c >= hi) return lo;
  if (c <= lo) return hi;
  return a + b - c;  // lies between lo and hi: no wrap
}

inline std::uint32_t SpatialPrediction(const std::uint32_t* plane, std::size_t i, std::size_t row,
                                       std::size_t col, std::size_t cols) {
  if (row == 0) return col == 0 ? kZeroKey : plane[i - 1];
  if (col == 0) return plane[i - cols];
  return Med(plane[i - 1], plane[i - cols], plane[i - cols - 1]);
}

inline std::uint64_t Residual(std::uint32_t actual, std::uint32_t predicted) {
  return ZigZag(static_cast<std::int32_t>(actual - predicted));
}
inline std::uint32_t Unresidual(std::uint64_t residual, std::uint32_t predicted) {
  return predicted + static_cast<std::uint32_t>(UnZigZag(residual));
}

void SpatialResiduals(const std::vector<std::uint32_t>& plane, FrameShape shape,
                      std::vector<std::uint64_t>& out) {
  const std::size_t cols = shape.cols;
  std::size_t i = 0;
  for (std::size_t row = 0; row < shape.rows; ++row) {
    for (std::size_t col = 0; col < cols; ++col, ++i) {
      out[i] = Residual(plane[i], SpatialPrediction(plane.data(), i, row, col, cols));
    }
  }
}

void UndoSpatial(const std::vector<std::uint64_t>& residuals, FrameShape shape,
                 std::vector<std::uint32_t>& plane) {
  const std::size_t cols = shape.cols;
  std::size_t i = 0;
  for (std::size_t row = 0; row < shape.rows; ++row) {
    for (std::size_t col = 0; col < cols; ++col, ++i) {
      plane[i] = Unresidual(residuals[i], SpatialPrediction(plane.data(), i, row, col, cols));
    }
  }
}

// Per-frame working set: the frame's keys, its change from the previous frame, and residual arrays
// (one per predictor when encoding, one when decoding).
struct Scratch {
  Scratch(std::size_t n, std::size_t residual_arrays) : keys(n), change(n), prev(n, kZeroKey) {
    for (std::size_t r = 0; r < residual_arrays; ++r) residuals[r].resize(n);
  }
  std::vector<std::uint32_t> keys;
  std::vector<std::uint32_t> change;  // keys - prev + kZeroKey
  std::vector<std::uint32_t> prev;
  std::array<std::vector<std::uint64_t>, 3> residuals;
};

void EncodeFrame(std::span<const float> frame, FrameShape shape, Scratch& s, BitWriter& out) {
  const std::size_t n = frame.size();
  for (std::size_t i = 0; i < n; ++i) {
    s.keys[i] = Key(frame[i]);
    s.change[i] = s.keys[i] - s.prev[i] + kZeroKey;
  }
  SpatialResiduals(s.keys, shape, s.residuals[kSpatial]);
  for (std::size_t i = 0; i < n; ++i) s.residuals[kTemporal][i] = Residual(s.change[i], kZeroKey);
  SpatialResiduals(s.change, shape, s.residuals[kTemporalSpatial]);
  int best = kSpatial;
  std::uint64_t best_bits = ~std::uint64_t{0};
  for (const int p : {kTemporal, kTemporalSpatial, kSpatial}) {
    const std::uint64_t bits = IntegerBlockBits(s.residuals[static_cast<std::size_t>(p)]);
    if (bits < best_bits) {
      best_bits = bits;
      best = p;
    }
  }
  out.WriteBits(static_cast<std::uint64_t>(best), kPredictorBits);
  EncodeIntegerBlock(s.residuals[static_cast<std::size_t>(best)], out);
  s.prev.swap(s.keys);
}

Status FrameCorruption(const std::string& what) { return Status::Corruption("frame column: " + what); }

Status DecodeFrame(BitReader& in, FrameShape shape, Scratch& s, std::span<float> frame) {
  const std::size_t n = frame.size();
  const auto predictor = static_cast<int>(in.ReadBits(kPredictorBits));
  if (predictor > kTemporalSpatial) return FrameCorruption("unknown predictor");
  auto& residuals = s.residuals[0];
  if (Status st = DecodeIntegerBlock(in, residuals); !st.ok()) return FrameCorruption(st.message());
  if (predictor == kSpatial) {
    UndoSpatial(residuals, shape, s.keys);
  } else {
    if (predictor == kTemporal) {
      for (std::size_t i = 0; i < n; ++i) s.change[i] = Unresidual(residuals[i], kZeroKey);
    } else {
      UndoSpatial(residuals, shape, s.change);
    }
    for (std::size_t i = 0; i < n; ++i) s.keys[i] = s.prev[i] + s.change[i] - kZeroKey;
  }
  for (std::size_t i = 0; i < n; ++i) frame[i] = FromKey(s.keys[i]);
  s.prev.swap(s.keys);
  return Status::Ok();
}

void PutU32(std::uint32_t v, std::vector<std::uint8_t>& out) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint32_t GetU32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

bool ValidShape(FrameShape shape) {
  return shape.rows != 0 && shape.cols != 0 && shape.elements() <= kMaxFrameElements;
}

}  // namespace

Status EncodeFrames(FrameShape shape, std::span<const float> elements, std::vector<std::uint8_t>& out) {
  if (!ValidShape(shape)) {
    return Status::InvalidArgument("frame codec: bad shape " + std::to_string(shape.rows) + "x" +
                                   std::to_string(shape.cols));
  }
  const std::size_t n = shape.elements();
  if (elements.size() % n != 0) {
    return Status::InvalidArgument("frame codec: " + std::to_string(elements.size()) +
                                   " elements are not a whole number of " + std::to_string(n) +
                                   "-element frames");
  }
  if (elements.size() > kMaxColumnValues) return Status::InvalidArgument("frame codec: too many elements");
  PutU32(shape.rows, out);
  PutU32(shape.cols, out);
  Scratch scratch(n, 3);
  BitWriter writer(out);
  for (std::size_t at = 0; at < elements.size(); at += n)
    EncodeFrame(elements.subspan(at, n), shape, scratch, writer);
  writer.Finish();
  return Status::Ok();
}

Result<FrameShape> ReadFrameShape(std::span<const std::uint8_t> column) {
  if (column.size() < kShapeBytes) return FrameCorruption("truncated shape");
  const FrameShape shape{GetU32(column.data()), GetU32(column.data() + 4)};
  if (!ValidShape(shape)) {
    return FrameCorruption("bad shape " + std::to_string(shape.rows) + "x" + std::to_string(shape.cols));
  }
  return shape;
}

Status DecodeFrames(std::span<const std::uint8_t> column, std::size_t frame_count, FrameShape& shape,
                    std::vector<float>& out) {
  out.clear();
  Result<FrameShape> read = ReadFrameShape(column);
  if (!read.ok()) return read.status();
  shape = *read;
  const std::size_t n = shape.elements();
  if (frame_count > kMaxColumnValues / n) {
    return FrameCorruption(std::to_string(frame_count) + " frames of " + std::to_string(n) +
                           " elements exceed the decoder limit");
  }
  BitReader in(column.subspan(kShapeBytes));
  // Every frame takes at least its predictor and block mode fields: a count the bytes cannot
  // hold is refused before anything is allocated.
  if (frame_count > in.bits_left() / (kPredictorBits + 2)) return FrameCorruption("truncated");
  out.resize(frame_count * n);
  if (frame_count > 0) {
    Scratch scratch(n, 1);
    for (std::size_t f = 0; f < frame_count; ++f) {
      MW_RETURN_IF_ERROR(DecodeFrame(in, shape, scratch, std::span<float>(out).subspan(f * n, n)));
    }
  }
  if (!in.AtCleanEnd()) return FrameCorruption("bytes left after the last frame");
  return Status::Ok();
}

}  // namespace mw::storage::codec
