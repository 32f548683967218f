#include "storage/codec/chunk.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "storage/codec/crc32c.h"

namespace mw::storage::codec {
namespace {

constexpr Timestamp kStart = 1'700'000'000'000'000'000;  // 2023-11-14T22:13:20Z
constexpr char kLabel[] = "plant1/line2/pump-07/temperature";

std::uint64_t Bits(double v) { return std::bit_cast<std::uint64_t>(v); }

struct Samples {
  std::vector<Timestamp> times;
  std::vector<double> values;
  std::vector<Quality> qualities;
};

Samples RandomWalk(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Samples s;
  std::int64_t q = 2000;
  for (std::size_t i = 0; i < n; ++i) {
    q += static_cast<std::int64_t>(rng() % 21) - 10;
    s.times.push_back(kStart + static_cast<Timestamp>(i) * kNanosPerSecond);
    s.values.push_back(static_cast<double>(q) / 100.0);
  }
  return s;
}

std::vector<std::uint8_t> MustEncode(const Samples& s, ChunkOptions options = {}) {
  Result<std::vector<std::uint8_t>> chunk = EncodeChunk(7, s.times, s.values, s.qualities, options);
  EXPECT_TRUE(chunk.ok()) << chunk.status().ToString();
  return chunk.ok() ? *chunk : std::vector<std::uint8_t>{};
}

DecodedChunk MustDecode(const std::vector<std::uint8_t>& bytes) {
  Result<DecodedChunk> chunk = DecodeChunk(bytes, kLabel);
  EXPECT_TRUE(chunk.ok()) << chunk.status().ToString();
  return chunk.ok() ? std::move(*chunk) : DecodedChunk{};
}

void ExpectSameSamples(const Samples& s, const DecodedChunk& d) {
  EXPECT_EQ(d.times, s.times);
  ASSERT_EQ(d.values.size(), s.values.size());
  for (std::size_t i = 0; i < s.values.size(); ++i) ASSERT_EQ(Bits(d.values[i]), Bits(s.values[i])) << i;
  if (s.qualities.empty()) {
    EXPECT_EQ(d.qualities, std::vector<Quality>(s.times.size(), Quality::kGood));
  } else {
    EXPECT_EQ(d.qualities, s.qualities);
  }
}

// Rewrites the checksum after a test has edited a chunk on purpose.
void Reseal(std::vector<std::uint8_t>& bytes) {
  const std::uint32_t crc = Crc32c(std::span(bytes).first(bytes.size() - 4));
  for (int i = 0; i < 4; ++i)
    bytes[bytes.size() - 4 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(crc >> (8 * i));
}

// The worked example of docs/storage-format.md ("Worked example"), written out byte by byte from
// the document, not produced by the encoder: four 1 Hz samples of series 42 at resolution 0.01,
// the third of bad quality.
const std::vector<std::uint8_t> kWorkedExample = {
    // Header (84 bytes).
    0x4D, 0x57, 0x43, 0x4B,                          // magic "MWCK"
    0x01,                                            // format version 1
    0x01,                                            // timestamp codec: delta-of-delta
    0x02,                                            // value codec: quantized
    0x01,                                            // quality codec: run-length
    0x2A, 0x00, 0x00, 0x00,                          // series id 42
    0x04, 0x00, 0x00, 0x00,                          // count 4
    0x00, 0x00, 0x2A, 0x36, 0xFE, 0x9C, 0x97, 0x17,  // first time 1700000000000000000
    0x00, 0x5E, 0xFA, 0xE8, 0xFE, 0x9C, 0x97, 0x17,  // last time  1700000003000000000
    0x3D, 0x0A, 0xD7, 0xA3, 0x70, 0xFD, 0x33, 0x40,  // min   19.99
    0xC3, 0xF5, 0x28, 0x5C, 0x8F, 0x02, 0x34, 0x40,  // max   20.01
    0x71, 0x3D, 0x0A, 0xD7, 0xA3, 0x00, 0x54, 0x40,  // sum   80.01
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x34, 0x40,  // first 20.00
    0x3D, 0x0A, 0xD7, 0xA3, 0x70, 0xFD, 0x33, 0x40,  // last  19.99
    0x11, 0x00, 0x00, 0x00,                          // timestamp column: 17 bytes
    0x10, 0x00, 0x00, 0x00,                          // value column: 16 bytes
    0x06, 0x00, 0x00, 0x00,                          // quality column: 6 bytes
    // Timestamp column: the first time, 64 bits big-endian...
    0x17, 0x97, 0x9C, 0xFE, 0x36, 0x2A, 0x00, 0x00,
    // ...then one integer block of the dods [2e9, 0, 0] (zigzagged): Huffman, symbols 0 and 163.
    0x80, 0x51, 0x01, 0x46, 0x37, 0x35, 0x94, 0x00, 0x00,
    // Value column: flags (order 0, divide), divisor 100.0 as little-endian f64...
    0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x59, 0x40,
    // ...then one integer block of [4000, 2, 2, 1]: Huffman, symbols 1, 2 and 87.
    0x80, 0x68, 0xA2, 0x05, 0x52, 0xF4, 0x04,
    // Quality column: (good, 2), (bad, 1), (good, 1).
    0x00, 0x02, 0x02, 0x01, 0x00, 0x01,
    // CRC-32C of the 123 bytes above, little-endian.
    0x82, 0xA2, 0x04, 0x34};

TEST(Chunk, DecodesTheHandBuiltWorkedExampleOfTheFormatDocument) {
  ASSERT_EQ(kWorkedExample.size(), 127u);
  Result<DecodedChunk> r = DecodeChunk(kWorkedExample, "docs/storage-format.md example");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const DecodedChunk& d = *r;
  EXPECT_EQ(d.header.series, 42u);
  EXPECT_EQ(d.header.value_codec, ValueCodec::kQuantized);
  EXPECT_EQ(d.header.quality_codec, QualityCodec::kRunLength);
  EXPECT_EQ(d.times, (std::vector<Timestamp>{kStart, kStart + kNanosPerSecond, kStart + 2 * kNanosPerSecond,
                                             kStart + 3 * kNanosPerSecond}));
  EXPECT_EQ(d.values, (std::vector<double>{20.00, 20.01, 20.01, 19.99}));
  EXPECT_EQ(d.qualities,
            (std::vector<Quality>{Quality::kGood, Quality::kGood, Quality::kBad, Quality::kGood}));
  EXPECT_EQ(d.header.summary.count, 4u);
  EXPECT_EQ(d.header.summary.min, 19.99);
  EXPECT_EQ(d.header.summary.max, 20.01);
  EXPECT_EQ(d.header.summary.sum, 20.00 + 20.01 + 20.01 + 19.99);
  EXPECT_EQ(d.header.summary.first, 20.00);
  EXPECT_EQ(d.header.summary.last, 19.99);
}

TEST(Chunk, EncoderProducesTheWorkedExampleExactly) {
  // Pins the encoder's choices (order 0 over order 1, Huffman over fixed width) as documented.
  const std::vector<Timestamp> times = {kStart, kStart + kNanosPerSecond, kStart + 2 * kNanosPerSecond,
                                        kStart + 3 * kNanosPerSecond};
  const std::vector<double> values = {20.00, 20.01, 20.01, 19.99};
  const std::vector<Quality> qualities = {Quality::kGood, Quality::kGood, Quality::kBad, Quality::kGood};
  Result<std::vector<std::uint8_t>> bytes = EncodeChunk(42, times, values, qualities, {.resolution = 0.01});
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, kWorkedExample);
}

TEST(Chunk, QuantizedRandomWalkRoundTripsWithSummary) {
  const Samples s = RandomWalk(7200, 1);
  const auto bytes = MustEncode(s, {.resolution = 0.01});
  const DecodedChunk d = MustDecode(bytes);
  ExpectSameSamples(s, d);
  EXPECT_EQ(d.header.value_codec, ValueCodec::kQuantized);
  EXPECT_EQ(d.header.quality_codec, QualityCodec::kAllGood);
  EXPECT_EQ(d.header.series, 7u);
  EXPECT_EQ(d.header.first_time, s.times.front());
  EXPECT_EQ(d.header.last_time, s.times.back());
  EXPECT_EQ(d.header.summary.count, 7200u);
  double sum = 0;
  for (const double v : s.values) sum += v;
  EXPECT_EQ(d.header.summary.min, *std::min_element(s.values.begin(), s.values.end()));
  EXPECT_EQ(d.header.summary.max, *std::max_element(s.values.begin(), s.values.end()));
  EXPECT_EQ(d.header.summary.sum, sum);
  EXPECT_EQ(d.header.summary.first, s.values.front());
  EXPECT_EQ(d.header.summary.last, s.values.back());
  EXPECT_LT(static_cast<double>(bytes.size()) / 7200, 0.60);
}

TEST(Chunk, FallsBackToGorillaWhenAValueIsOffTheGrid) {
  Samples s = RandomWalk(100, 2);
  s.values[50] = 20.015;
  const DecodedChunk d = MustDecode(MustEncode(s, {.resolution = 0.01}));
  EXPECT_EQ(d.header.value_codec, ValueCodec::kGorilla);
  ExpectSameSamples(s, d);
}

TEST(Chunk, StoresFullEntropyValuesRaw) {
  std::mt19937_64 rng(3);
  Samples s;
  for (int i = 0; i < 500; ++i) {
    s.times.push_back(kStart + i);
    s.values.push_back(std::bit_cast<double>(rng()));
  }
  const auto bytes = MustEncode(s);
  const DecodedChunk d = MustDecode(bytes);
  EXPECT_EQ(d.header.value_codec, ValueCodec::kRaw);
  EXPECT_LE(bytes.size(), kChunkHeaderSize + 4 + 500 * 8 + 32);
  ExpectSameSamples(s, d);
}

TEST(Chunk, RoundTripsAdversarialValuesAndTimes) {
  using L = std::numeric_limits<double>;
  Samples s;
  const std::vector<double> values = {L::quiet_NaN(),
                                      std::bit_cast<double>(std::uint64_t{0x7FF0'0000'0000'0001}),
                                      std::bit_cast<double>(std::uint64_t{0xFFF8'0000'DEAD'BEEF}),
                                      L::infinity(),
                                      -L::infinity(),
                                      0.0,
                                      -0.0,
                                      L::denorm_min(),
                                      -L::denorm_min(),
                                      L::max(),
                                      L::lowest(),
                                      1.0,
                                      1.0,
                                      1.0};
  const std::vector<Timestamp> times = {std::numeric_limits<Timestamp>::min(),
                                        -kNanosPerSecond,
                                        -1,
                                        0,
                                        0,
                                        0,
                                        1,
                                        kStart,
                                        kStart,
                                        kStart + 1,
                                        std::numeric_limits<Timestamp>::max() - 2,
                                        std::numeric_limits<Timestamp>::max() - 1,
                                        std::numeric_limits<Timestamp>::max(),
                                        std::numeric_limits<Timestamp>::max()};
  s.times = times;
  s.values = values;
  for (const double resolution : {0.0, 0.01}) {
    const DecodedChunk d = MustDecode(MustEncode(s, {.resolution = resolution}));
    EXPECT_EQ(d.header.value_codec, ValueCodec::kGorilla);
    ExpectSameSamples(s, d);
    // NaN is skipped by min, max and sum; first and last are stored as they are.
    EXPECT_EQ(d.header.summary.min, -L::infinity());
    EXPECT_EQ(d.header.summary.max, L::infinity());
    EXPECT_TRUE(std::isnan(d.header.summary.sum));  // inf + -inf
    EXPECT_EQ(Bits(d.header.summary.first), Bits(values.front()));
    EXPECT_EQ(d.header.summary.last, 1.0);
  }
}

TEST(Chunk, AllNaNSummaryHasNaNExtremesAndZeroSum) {
  Samples s;
  s.times = {1, 2};
  s.values = {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  const DecodedChunk d = MustDecode(MustEncode(s));
  EXPECT_TRUE(std::isnan(d.header.summary.min));
  EXPECT_TRUE(std::isnan(d.header.summary.max));
  EXPECT_EQ(d.header.summary.sum, 0.0);
}

TEST(Chunk, RoundTripsRandomChunks) {
  std::mt19937_64 rng(4);
  for (int trial = 0; trial < 200; ++trial) {
    Samples s;
    const std::size_t n = 1 + rng() % 1000;
    Timestamp t = static_cast<Timestamp>(rng() >> 2) - (std::int64_t{1} << 61);
    std::int64_t q = static_cast<std::int64_t>(rng() % 100000);
    for (std::size_t i = 0; i < n; ++i) {
      t += static_cast<Timestamp>(rng() % 3 == 0 ? rng() % 1000 : 1000);
      q += static_cast<std::int64_t>(rng() % 9) - 4;
      s.times.push_back(t);
      s.values.push_back(trial % 3 == 0 ? std::bit_cast<double>(rng()) : static_cast<double>(q) / 1000.0);
      if (trial % 2 == 0) s.qualities.push_back(static_cast<Quality>(rng() % 16 == 0 ? rng() % 3 : 0));
    }
    const DecodedChunk d = MustDecode(MustEncode(s, {.resolution = trial % 4 == 1 ? 0 : 0.001}));
    ExpectSameSamples(s, d);
  }
}

TEST(Chunk, CodesQualitiesAsRunsAndAllGoodAsNothing) {
  Samples s = RandomWalk(1000, 5);
  const auto all_good = MustEncode(s);
  s.qualities.assign(1000, Quality::kGood);
  EXPECT_EQ(MustEncode(s), all_good);  // explicit all-good is the same chunk
  for (int i = 300; i < 310; ++i) s.qualities[static_cast<std::size_t>(i)] = Quality::kBad;
  s.qualities[999] = Quality::kUncertain;
  const auto mixed = MustEncode(s);
  EXPECT_EQ(mixed.size(),
            all_good.size() + 10);  // good 300 (3 bytes), bad 10 (2), good 689 (3), uncertain 1 (2)
  const DecodedChunk d = MustDecode(mixed);
  EXPECT_EQ(d.header.quality_codec, QualityCodec::kRunLength);
  ExpectSameSamples(s, d);
}

TEST(Chunk, KeepsEqualTimesAndRejectsDecreasingOnes) {
  Samples s;
  s.times = {10, 10, 10, 11};
  s.values = {1, 2, 3, 4};
  ExpectSameSamples(s, MustDecode(MustEncode(s)));
  s.times = {10, 12, 11, 13};
  Result<std::vector<std::uint8_t>> r = EncodeChunk(7, s.times, s.values, {}, {});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("index 2"), std::string::npos) << r.status().message();
}

TEST(Chunk, RejectsInvalidInput) {
  const std::vector<Timestamp> times = {1, 2, 3};
  const std::vector<double> values = {1, 2, 3};
  auto code = [](const Result<std::vector<std::uint8_t>>& r) { return r.status().code(); };
  EXPECT_EQ(code(EncodeChunk(1, {}, {}, {})), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(EncodeChunk(1, times, std::span(values).first(2), {})), StatusCode::kInvalidArgument);
  const std::vector<Quality> two = {Quality::kGood, Quality::kGood};
  EXPECT_EQ(code(EncodeChunk(1, times, values, two)), StatusCode::kInvalidArgument);
  const std::vector<Quality> bad = {Quality::kGood, static_cast<Quality>(9), Quality::kGood};
  EXPECT_EQ(code(EncodeChunk(1, times, values, bad)), StatusCode::kInvalidArgument);
  for (const double r :
       {-0.01, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    EXPECT_EQ(code(EncodeChunk(1, times, values, {}, {.resolution = r})), StatusCode::kInvalidArgument) << r;
  }
  const std::vector<Timestamp> many(kMaxChunkSamples + 1, 5);
  const std::vector<double> many_values(kMaxChunkSamples + 1, 1.0);
  EXPECT_EQ(code(EncodeChunk(1, many, many_values, {})), StatusCode::kInvalidArgument);
  const std::vector<float> elements(12);
  EXPECT_EQ(code(EncodeFrameChunk(1, times, {2, 2}, elements, {})), StatusCode::kOk);
  EXPECT_EQ(code(EncodeFrameChunk(1, times, {2, 3}, elements, {})), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(EncodeFrameChunk(1, times, {0, 3}, elements, {})), StatusCode::kInvalidArgument);
}

TEST(Chunk, AnyCorruptedByteIsAChecksumErrorNamingSeriesAndChunk) {
  Samples s = RandomWalk(50, 6);
  s.qualities.assign(50, Quality::kGood);
  s.qualities[10] = Quality::kBad;
  const auto bytes = MustEncode(s, {.resolution = 0.01});
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (const std::uint8_t flip : {0x01, 0x80, 0xFF}) {
      auto bad = bytes;
      bad[i] ^= flip;
      Result<DecodedChunk> r = DecodeChunk(bad, kLabel);
      ASSERT_EQ(r.status().code(), StatusCode::kCorruption) << "byte " << i;
      const std::string& m = r.status().message();
      EXPECT_NE(m.find(std::string("series '") + kLabel + "'"), std::string::npos) << m;
      EXPECT_NE(m.find("chunk"), std::string::npos) << m;
      EXPECT_NE(m.find("checksum mismatch"), std::string::npos) << m;
      EXPECT_EQ(DecodeChunkHeader(bad, kLabel).status().code(), StatusCode::kCorruption);
    }
  }
  // The chunk is named by its stored start time and size.
  auto bad = bytes;
  bad[100] ^= 1;
  EXPECT_NE(DecodeChunk(bad, kLabel)
                .status()
                .message()
                .find("chunk starting 2023-11-14T22:13:20Z (as stored), " + std::to_string(bytes.size()) +
                      " bytes"),
            std::string::npos)
      << DecodeChunk(bad, kLabel).status().message();
}

TEST(Chunk, TruncationAtEveryLengthIsCorruptionNamingTheSeries) {
  const auto bytes = MustEncode(RandomWalk(64, 7), {.resolution = 0.01});
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    const std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len));
    Result<DecodedChunk> r = DecodeChunk(cut, kLabel);
    ASSERT_EQ(r.status().code(), StatusCode::kCorruption) << len;
    const std::string& m = r.status().message();
    EXPECT_NE(m.find(kLabel), std::string::npos) << m;
    EXPECT_TRUE(m.find("truncated") != std::string::npos) << m;
  }
}

TEST(Chunk, HeaderDecodesWithoutTheColumns) {
  const Samples s = RandomWalk(10, 8);
  const auto bytes = MustEncode(s, {.resolution = 0.01});
  Result<ChunkHeader> h = DecodeChunkHeader(bytes, kLabel);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->summary.count, 10u);
  EXPECT_EQ(h->first_time, s.times.front());
  EXPECT_EQ(h->summary.last, s.values.back());
  EXPECT_EQ(h->frame_shape, FrameShape{});
}

TEST(Chunk, ResealedStructuralDamageIsStillCorruption) {
  const auto good = MustEncode(RandomWalk(20, 9), {.resolution = 0.01});
  auto expect_corrupt = [&](std::size_t at, std::uint8_t value, const char* why) {
    auto bad = good;
    bad[at] = value;
    Reseal(bad);
    Result<DecodedChunk> r = DecodeChunk(bad, kLabel);
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << why;
    EXPECT_NE(r.status().message().find(kLabel), std::string::npos) << r.status().message();
  };
  expect_corrupt(0, 'X', "magic");
  expect_corrupt(4, 2, "version");
  expect_corrupt(5, 0, "time codec");
  expect_corrupt(6, 9, "value codec");
  expect_corrupt(7, 5, "quality codec");
  expect_corrupt(12, 0, "count 0");
  expect_corrupt(12, 21, "count disagrees with the columns");
  expect_corrupt(16, 0x01, "first time disagrees");
  expect_corrupt(72, good[72] + 1, "column sizes");
  expect_corrupt(6, static_cast<std::uint8_t>(ValueCodec::kRaw), "raw column of the wrong size");
  expect_corrupt(6, static_cast<std::uint8_t>(ValueCodec::kFrame), "frame codec on a quantized column");
}

TEST(Chunk, FrameChunkRoundTripsWithFrameSummary) {
  const FrameShape shape{4, 5};
  std::vector<Timestamp> times;
  std::vector<float> elements;
  for (int f = 0; f < 30; ++f) {
    times.push_back(kStart + f * 100 * kNanosPerMilli);
    for (std::size_t i = 0; i < shape.elements(); ++i)
      elements.push_back(static_cast<float>(20 + f + (i == 7 ? 100 : 0)));
  }
  elements[3] = std::numeric_limits<float>::quiet_NaN();  // skipped by the summary
  elements[4] = std::bit_cast<float>(0x7FA00001u);
  Result<std::vector<std::uint8_t>> bytes = EncodeFrameChunk(3, times, shape, elements, {});
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  const DecodedChunk d = MustDecode(*bytes);
  EXPECT_EQ(d.header.value_codec, ValueCodec::kFrame);
  EXPECT_EQ(d.header.frame_shape, shape);
  EXPECT_EQ(d.times, times);
  ASSERT_EQ(d.frames.size(), elements.size());
  for (std::size_t i = 0; i < elements.size(); ++i) {
    ASSERT_EQ(std::bit_cast<std::uint32_t>(d.frames[i]), std::bit_cast<std::uint32_t>(elements[i])) << i;
  }
  EXPECT_TRUE(d.values.empty());
  EXPECT_EQ(d.header.summary.count, 30u);
  EXPECT_EQ(d.header.summary.min, 20.0);
  EXPECT_EQ(d.header.summary.max, 149.0);
  EXPECT_DOUBLE_EQ(d.header.summary.first, (17 * 20.0 + 120.0) / 18);  // 18 non-NaN elements
  EXPECT_DOUBLE_EQ(d.header.summary.last, 49.0 + 100.0 / 20);
  Result<ChunkHeader> h = DecodeChunkHeader(*bytes, kLabel);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->frame_shape, shape);
}

}  // namespace
}  // namespace mw::storage::codec
