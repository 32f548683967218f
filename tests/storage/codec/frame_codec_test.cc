#include "storage/codec/frame_codec.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "storage/codec/bit_stream.h"

namespace mw::storage::codec {
namespace {

// A 2-D temperature field: a smooth background, a hot spot moving on a circle, a slow drift.
std::vector<float> ThermalFrames(FrameShape shape, int frames, float drift_per_frame) {
  std::vector<float> out;
  out.reserve(shape.elements() * static_cast<std::size_t>(frames));
  for (int f = 0; f < frames; ++f) {
    const double cx = shape.cols * (0.5 + 0.3 * std::cos(f * 0.1));
    const double cy = shape.rows * (0.5 + 0.3 * std::sin(f * 0.1));
    for (std::uint32_t r = 0; r < shape.rows; ++r) {
      for (std::uint32_t c = 0; c < shape.cols; ++c) {
        const double background = 25.0 + 3.0 * std::sin(r * 0.05) * std::cos(c * 0.04) + drift_per_frame * f;
        const double d2 = (r - cy) * (r - cy) + (c - cx) * (c - cx);
        out.push_back(static_cast<float>(background + 1400.0 * std::exp(-d2 / 18.0)));
      }
    }
  }
  return out;
}

std::vector<std::uint8_t> Encode(FrameShape shape, const std::vector<float>& elements) {
  std::vector<std::uint8_t> out;
  const Status s = EncodeFrames(shape, elements, out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

void ExpectBitwiseRoundTrip(FrameShape shape, const std::vector<float>& elements) {
  const auto column = Encode(shape, elements);
  std::vector<float> back;
  FrameShape got;
  const std::size_t frames = elements.size() / shape.elements();
  const Status s = DecodeFrames(column, frames, got, back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(got, shape);
  ASSERT_EQ(back.size(), elements.size());
  for (std::size_t i = 0; i < elements.size(); ++i) {
    ASSERT_EQ(std::bit_cast<std::uint32_t>(back[i]), std::bit_cast<std::uint32_t>(elements[i]))
        << "element " << i;
  }
}

TEST(FrameCodec, RoundTripsAThermalSequenceAndCompressesIt) {
  const FrameShape shape{100, 100};
  const auto frames = ThermalFrames(shape, 20, 0.002f);
  ExpectBitwiseRoundTrip(shape, frames);
  const double bytes_per_frame = static_cast<double>(Encode(shape, frames).size()) / 20;
  EXPECT_LT(bytes_per_frame, 40000.0 / 2);  // at least 2:1 on a smooth, drifting field
}

TEST(FrameCodec, StaticFramesCostAlmostNothing) {
  const FrameShape shape{100, 100};
  auto one = ThermalFrames(shape, 1, 0);
  std::vector<float> frames;
  for (int i = 0; i < 50; ++i) frames.insert(frames.end(), one.begin(), one.end());
  const auto column = Encode(shape, frames);
  const auto first = Encode(shape, one);
  EXPECT_LT(column.size() - first.size(), 50u * 2);  // each repeat: predictor and a constant block
  ExpectBitwiseRoundTrip(shape, frames);
}

TEST(FrameCodec, RoundTripsSpecialFloatsBitForBit) {
  using L = std::numeric_limits<float>;
  const std::vector<float> specials = {0.0f,
                                       -0.0f,
                                       L::infinity(),
                                       -L::infinity(),
                                       L::quiet_NaN(),
                                       std::bit_cast<float>(0x7F800001u),
                                       std::bit_cast<float>(0xFFC0BEEFu),
                                       std::bit_cast<float>(0x7FA00042u),
                                       L::denorm_min(),
                                       -L::denorm_min(),
                                       std::bit_cast<float>(0x007FFFFFu),
                                       L::min(),
                                       L::max(),
                                       L::lowest(),
                                       1.0f,
                                       1.0f,
                                       -1.0f,
                                       25.5f};
  ExpectBitwiseRoundTrip({1, static_cast<std::uint32_t>(specials.size())}, specials);
  ExpectBitwiseRoundTrip({static_cast<std::uint32_t>(specials.size()), 1}, specials);
  std::mt19937_64 rng(40);
  for (int trial = 0; trial < 100; ++trial) {
    const FrameShape shape{1 + static_cast<std::uint32_t>(rng() % 13),
                           1 + static_cast<std::uint32_t>(rng() % 13)};
    const int frames = static_cast<int>(rng() % 6);
    std::vector<float> elements(shape.elements() * static_cast<std::size_t>(frames));
    for (auto& e : elements) {
      e = trial % 2 == 0 ? std::bit_cast<float>(static_cast<std::uint32_t>(rng()))
                         : specials[rng() % specials.size()];
    }
    ExpectBitwiseRoundTrip(shape, elements);
  }
}

TEST(FrameCodec, RoundTripsOneByOneFrames) {
  ExpectBitwiseRoundTrip({1, 1}, {1.5f, 1.5f, -2.0f, std::numeric_limits<float>::quiet_NaN()});
  ExpectBitwiseRoundTrip({1, 1}, {});
}

TEST(FrameCodec, RejectsBadShapesAndPartialFrames) {
  std::vector<std::uint8_t> out;
  EXPECT_EQ(EncodeFrames({0, 10}, {}, out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeFrames({10, 0}, {}, out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeFrames({4096, 4096}, {}, out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeFrames({2, 2}, std::vector<float>(6), out).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(out.empty());
}

TEST(FrameCodec, ReadsTheShapeAndRejectsABadOne) {
  const auto column = Encode({3, 7}, std::vector<float>(21, 1.0f));
  Result<FrameShape> shape = ReadFrameShape(column);
  ASSERT_TRUE(shape.ok());
  EXPECT_EQ(*shape, (FrameShape{3, 7}));
  auto bad = column;
  bad[0] = bad[1] = bad[2] = bad[3] = 0;
  EXPECT_EQ(ReadFrameShape(bad).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ReadFrameShape(std::span(column).first(7)).status().code(), StatusCode::kCorruption);
}

TEST(FrameCodec, TruncationAtEveryLengthIsCorruption) {
  const FrameShape shape{8, 9};
  const auto frames = ThermalFrames(shape, 4, 0.01f);
  const auto column = Encode(shape, frames);
  for (std::size_t len = 0; len < column.size(); ++len) {
    const std::vector<std::uint8_t> cut(column.begin(), column.begin() + static_cast<std::ptrdiff_t>(len));
    std::vector<float> back;
    FrameShape got;
    EXPECT_EQ(DecodeFrames(cut, 4, got, back).code(), StatusCode::kCorruption) << len;
  }
}

TEST(FrameCodec, RefusesMoreFramesThanTheLimitOrTheBytesAllow) {
  const auto column = Encode({1024, 1024}, std::vector<float>(1024 * 1024, 0.0f));
  std::vector<float> back;
  FrameShape got;
  EXPECT_EQ(DecodeFrames(column, 17, got, back).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeFrames(column, 2, got, back).code(), StatusCode::kCorruption);
  EXPECT_TRUE(DecodeFrames(column, 1, got, back).ok());
}

TEST(FrameCodec, GarbageNeverCrashes) {
  std::mt19937_64 rng(41);
  std::vector<float> back;
  FrameShape got;
  for (int trial = 0; trial < 20000; ++trial) {
    std::vector<std::uint8_t> bytes(rng() % 64);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    if (bytes.size() >= 8) {  // mostly small shapes, so the codec gets past the header
      bytes[0] = static_cast<std::uint8_t>(1 + rng() % 16);
      bytes[1] = bytes[2] = bytes[3] = 0;
      bytes[4] = static_cast<std::uint8_t>(1 + rng() % 16);
      bytes[5] = bytes[6] = bytes[7] = 0;
    }
    const Status s = DecodeFrames(bytes, rng() % 4, got, back);
    EXPECT_TRUE(s.ok() || s.code() == StatusCode::kCorruption) << s.ToString();
  }
}

}  // namespace
}  // namespace mw::storage::codec
