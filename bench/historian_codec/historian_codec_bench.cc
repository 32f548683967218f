// Historian chunk codecs: encode and decode throughput, and bytes per sample, on
//   (a) a 1 Hz random walk at 0.01 resolution, quantized codec;
//   (b) the same series without a resolution (Gorilla);
//   (c) full-entropy doubles (every 64-bit pattern equally likely);
//   (d) 100x100 float32 frames of a smooth temperature field with a moving hot spot.
// Sizes are of whole chunks as the historian stores them: header, timestamps, values, qualities
// and checksum. The last lines printed are the headline figures, one `RESULT historian_codec.<x>`
// line each.
#include <benchmark/benchmark.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "storage/codec/chunk.h"
#include "storage/codec/gorilla_codec.h"

namespace mw::storage::codec {
namespace {

constexpr std::size_t kChunkSamples = 7200;  // two hours at 1 Hz, as in the Gorilla paper
constexpr std::size_t kChunks = 24;          // two days
constexpr Timestamp kStart = 1'700'000'000'000'000'000;
constexpr FrameShape kFrameShape{100, 100};
constexpr int kFramesPerChunk = 100;  // 10 s at 10 Hz
constexpr int kFrameChunks = 6;
constexpr int kStepRange = 10;  // steps uniform in -0.10 .. +0.10: 21 outcomes, log2(21) bits

struct Series {
  std::vector<std::vector<Timestamp>> times;
  std::vector<std::vector<double>> values;
  std::size_t samples() const { return times.size() * kChunkSamples; }
};

// Values are what a sensor reporting two decimals delivers: integers of hundredths divided by 100,
// i.e. the doubles that decimal text such as "20.37" parses to.
Series RandomWalk() {
  std::mt19937_64 rng(42);
  Series s;
  std::int64_t q = 2000;
  for (std::size_t c = 0; c < kChunks; ++c) {
    std::vector<Timestamp> times(kChunkSamples);
    std::vector<double> values(kChunkSamples);
    for (std::size_t i = 0; i < kChunkSamples; ++i) {
      times[i] = kStart + static_cast<Timestamp>(c * kChunkSamples + i) * kNanosPerSecond;
      q += static_cast<std::int64_t>(rng() % (2 * kStepRange + 1)) - kStepRange;
      values[i] = static_cast<double>(q) / 100.0;
    }
    s.times.push_back(std::move(times));
    s.values.push_back(std::move(values));
  }
  return s;
}

Series FullEntropy() {
  std::mt19937_64 rng(43);
  Series s = RandomWalk();
  for (auto& chunk : s.values) {
    for (auto& v : chunk) v = std::bit_cast<double>(rng());
  }
  return s;
}

// Empirical entropy of the walk's steps: the floor for any lossless coder that sees one step at a
// time (timestamps are regular and cost nothing in this model).
double StepEntropyBytes(const Series& s) {
  std::map<long long, double> counts;
  double n = 0;
  for (const auto& chunk : s.values) {
    for (std::size_t i = 1; i < chunk.size(); ++i) {
      counts[std::llround((chunk[i] - chunk[i - 1]) * 100)] += 1;
      n += 1;
    }
  }
  double bits = 0;
  for (const auto& [step, count] : counts) bits -= count / n * std::log2(count / n);
  return bits / 8;
}

struct Frames {
  std::vector<std::vector<Timestamp>> times;
  std::vector<std::vector<float>> elements;
};

// A build plate at 25 °C with a gentle gradient, warming by 0.002 °C per frame, and a 1400 °C melt
// pool moving on a circle (a DMLS printer seen by its thermal camera).
Frames ThermalFrames() {
  Frames out;
  int frame = 0;
  for (int c = 0; c < kFrameChunks; ++c) {
    std::vector<Timestamp> times;
    std::vector<float> elements;
    for (int f = 0; f < kFramesPerChunk; ++f, ++frame) {
      times.push_back(kStart + frame * 100 * kNanosPerMilli);
      const double cx = kFrameShape.cols * (0.5 + 0.3 * std::cos(frame * 0.05));
      const double cy = kFrameShape.rows * (0.5 + 0.3 * std::sin(frame * 0.05));
      for (std::uint32_t r = 0; r < kFrameShape.rows; ++r) {
        for (std::uint32_t col = 0; col < kFrameShape.cols; ++col) {
          const double plate = 25.0 + 3.0 * std::sin(r * 0.05) * std::cos(col * 0.04) + 0.002 * frame;
          const double d2 = (r - cy) * (r - cy) + (col - cx) * (col - cx);
          elements.push_back(static_cast<float>(plate + 1400.0 * std::exp(-d2 / 18.0)));
        }
      }
    }
    out.times.push_back(std::move(times));
    out.elements.push_back(std::move(elements));
  }
  return out;
}

const Series& WalkData() {
  static const Series s = RandomWalk();
  return s;
}
const Series& EntropyData() {
  static const Series s = FullEntropy();
  return s;
}
const Frames& FrameData() {
  static const Frames f = ThermalFrames();
  return f;
}

std::vector<std::vector<std::uint8_t>> EncodeAll(const Series& s, double resolution) {
  std::vector<std::vector<std::uint8_t>> out;
  for (std::size_t c = 0; c < s.times.size(); ++c) {
    out.push_back(std::move(*EncodeChunk(1, s.times[c], s.values[c], {}, {.resolution = resolution})));
  }
  return out;
}

std::vector<std::vector<std::uint8_t>> EncodeAllFrames(const Frames& f) {
  std::vector<std::vector<std::uint8_t>> out;
  for (std::size_t c = 0; c < f.times.size(); ++c) {
    out.push_back(std::move(*EncodeFrameChunk(1, f.times[c], kFrameShape, f.elements[c], {})));
  }
  return out;
}

double TotalBytes(const std::vector<std::vector<std::uint8_t>>& chunks) {
  double total = 0;
  for (const auto& c : chunks) total += static_cast<double>(c.size());
  return total;
}

void EncodeScalar(benchmark::State& state, const Series* s, double resolution) {
  std::size_t c = 0;
  for (auto _ : state) {
    auto bytes = EncodeChunk(1, s->times[c], s->values[c], {}, {.resolution = resolution});
    benchmark::DoNotOptimize(bytes);
    c = (c + 1) % s->times.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kChunkSamples));
  state.counters["bytes_per_sample"] =
      TotalBytes(EncodeAll(*s, resolution)) / static_cast<double>(s->samples());
}

void DecodeScalar(benchmark::State& state, const Series* s, double resolution) {
  const auto chunks = EncodeAll(*s, resolution);
  std::size_t c = 0;
  for (auto _ : state) {
    auto decoded = DecodeChunk(chunks[c], "bench");
    if (!decoded.ok()) state.SkipWithError(decoded.status().ToString().c_str());
    benchmark::DoNotOptimize(decoded);
    c = (c + 1) % chunks.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kChunkSamples));
}

void EncodeGorillaColumn(benchmark::State& state, const Series* s) {
  std::vector<std::uint8_t> out;
  std::size_t c = 0;
  double bytes = 0;
  for (auto _ : state) {
    out.clear();
    (void)EncodeGorilla(s->values[c], out);
    benchmark::DoNotOptimize(out.data());
    bytes = static_cast<double>(out.size());
    c = (c + 1) % s->values.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kChunkSamples));
  state.counters["bytes_per_sample"] = bytes / kChunkSamples;
}

void EncodeFrameChunks(benchmark::State& state) {
  const Frames& f = FrameData();
  std::size_t c = 0;
  for (auto _ : state) {
    auto bytes = EncodeFrameChunk(1, f.times[c], kFrameShape, f.elements[c], {});
    benchmark::DoNotOptimize(bytes);
    c = (c + 1) % f.times.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kFramesPerChunk));
  const double frames = static_cast<double>(kFrameChunks * kFramesPerChunk);
  state.counters["bytes_per_frame"] = TotalBytes(EncodeAllFrames(f)) / frames;
}

void DecodeFrameChunks(benchmark::State& state) {
  const auto chunks = EncodeAllFrames(FrameData());
  std::size_t c = 0;
  for (auto _ : state) {
    auto decoded = DecodeChunk(chunks[c], "bench");
    if (!decoded.ok()) state.SkipWithError(decoded.status().ToString().c_str());
    benchmark::DoNotOptimize(decoded);
    c = (c + 1) % chunks.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kFramesPerChunk));
}

// Prints as usual and keeps each run's rate (items per second) for the RESULT lines.
class RecordingReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      auto it = run.counters.find("items_per_second");
      if (!run.error_occurred && it != run.counters.end()) rates_[run.benchmark_name()] = it->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  const std::map<std::string, double>& rates() const { return rates_; }

 private:
  std::map<std::string, double> rates_;
};

void Result(const char* figure, double value, const char* unit) {
  std::printf("RESULT historian_codec.%s = %.4g %s\n", figure, value, unit);
}

void RateResult(const RecordingReporter& reporter, const char* benchmark, const char* figure,
                const char* unit) {
  auto it = reporter.rates().find(benchmark);
  if (it != reporter.rates().end())
    std::printf("RESULT historian_codec.%s = %.0f %s\n", figure, it->second, unit);
}

void RegisterAll() {
  benchmark::RegisterBenchmark("encode/random_walk_quantized", EncodeScalar, &WalkData(), 0.01);
  benchmark::RegisterBenchmark("decode/random_walk_quantized", DecodeScalar, &WalkData(), 0.01);
  benchmark::RegisterBenchmark("encode/random_walk_gorilla", EncodeScalar, &WalkData(), 0.0);
  benchmark::RegisterBenchmark("decode/random_walk_gorilla", DecodeScalar, &WalkData(), 0.0);
  benchmark::RegisterBenchmark("encode/full_entropy_chunk", EncodeScalar, &EntropyData(), 0.0);
  benchmark::RegisterBenchmark("decode/full_entropy_chunk", DecodeScalar, &EntropyData(), 0.0);
  benchmark::RegisterBenchmark("encode/full_entropy_gorilla_column", EncodeGorillaColumn, &EntropyData());
  benchmark::RegisterBenchmark("encode/thermal_frames_100x100", EncodeFrameChunks);
  benchmark::RegisterBenchmark("decode/thermal_frames_100x100", DecodeFrameChunks);
}

void PrintResults(const RecordingReporter& reporter) {
  const Series& walk = WalkData();
  const double walk_samples = static_cast<double>(walk.samples());
  Result("random_walk_quantized_bytes_per_sample", TotalBytes(EncodeAll(walk, 0.01)) / walk_samples, "bytes");
  Result("random_walk_entropy_bytes_per_sample", StepEntropyBytes(walk), "bytes");
  Result("random_walk_gorilla_bytes_per_sample", TotalBytes(EncodeAll(walk, 0)) / walk_samples, "bytes");
  const Series& noise = EntropyData();
  std::vector<std::uint8_t> column;
  double gorilla_bytes = 0;
  for (const auto& chunk : noise.values) {
    column.clear();
    (void)EncodeGorilla(chunk, column);
    gorilla_bytes += static_cast<double>(column.size());
  }
  Result("full_entropy_gorilla_bytes_per_sample", gorilla_bytes / walk_samples, "bytes");
  Result("full_entropy_chunk_bytes_per_sample", TotalBytes(EncodeAll(noise, 0)) / walk_samples, "bytes");
  const double frames = kFrameChunks * kFramesPerChunk;
  const double frame_bytes = TotalBytes(EncodeAllFrames(FrameData())) / frames;
  Result("frame_bytes_per_frame", frame_bytes, "bytes");
  Result("frame_compression_ratio", static_cast<double>(kFrameShape.elements() * sizeof(float)) / frame_bytes,
         "x");
  RateResult(reporter, "encode/random_walk_quantized", "encode_rate", "samples/s");
  RateResult(reporter, "decode/random_walk_quantized", "decode_rate", "samples/s");
  RateResult(reporter, "encode/random_walk_gorilla", "gorilla_encode_rate", "samples/s");
  RateResult(reporter, "decode/random_walk_gorilla", "gorilla_decode_rate", "samples/s");
  RateResult(reporter, "encode/full_entropy_chunk", "full_entropy_encode_rate", "samples/s");
  RateResult(reporter, "decode/full_entropy_chunk", "full_entropy_decode_rate", "samples/s");
  RateResult(reporter, "encode/thermal_frames_100x100", "frame_encode_rate", "frames/s");
  RateResult(reporter, "decode/thermal_frames_100x100", "frame_decode_rate", "frames/s");
}

}  // namespace
}  // namespace mw::storage::codec

int main(int argc, char** argv) {
  using namespace mw::storage::codec;
  benchmark::Initialize(&argc,
                        argv);  // flags it does not know (e.g. --data from scripts/bench.sh) are ignored
  RegisterAll();
  RecordingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  // The console reporter may end on a colour-reset sequence without a newline: start the RESULT
  // lines on a line of their own.
  std::fflush(stdout);
  std::printf("\n");
  PrintResults(reporter);
  return 0;
}
