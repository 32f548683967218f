// The data every store of bench_historian receives: the plant shape (N series at 1 Hz for some
// hours, written time-major, all series at second t before any at t+1) plus one long series (30 days
// at 1 Hz) for the raw read and the downsample; in two value sets:
//   walk     a random walk at 0.01 resolution: each value is the double nearest to k/100 for an
//            integer k (what "20.37" parses to), steps uniform in -0.10..+0.10 (21 outcomes,
//            log2(21)/8 = 0.549 bytes of information per sample, as in bench/historian_codec);
//   entropy  full-entropy doubles: by default (--entropy mantissa) a random sign, a magnitude in
//            [1, 1024) (one of 10 binary exponents) and all 52 mantissa bits random; with
//            --entropy bits, random 64-bit patterns that are finite doubles (NaN and the infinities
//            drawn again), whose sums overflow and whose magnitudes span 10^-308..10^308.
// The line-protocol bodies (5,000 points each) are built here, before anything is timed.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/types.h"

namespace mw::bench::historian {

constexpr std::size_t kBatchPoints = 5000;
constexpr std::size_t kBuckets = 1000;
constexpr std::size_t kRawReadPoints = 1'000'000;
constexpr Timestamp kSecond = kNanosPerSecond;

enum class ValueSet { kWalk, kEntropy };
enum class EntropyKind { kBits, kMantissa };

struct SeriesName {
  std::string asset;   // plant/line-1/machine-01
  std::string signal;  // temperature
  std::string path() const { return asset + "/" + signal; }
};

struct DatasetOptions {
  ValueSet set = ValueSet::kWalk;
  EntropyKind entropy = EntropyKind::kMantissa;
  int series = 1000;
  double hours = 1;
  int days_one_series = 30;
  std::uint64_t seed = 42;
  bool line_protocol = true;  // build the bodies for the HTTP peers
};

struct Dataset {
  std::string set_name;   // "walk" or "entropy"
  double resolution = 0;  // 0.01 for the walk, 0 for entropy
  Timestamp end = 0;      // both parts end here (exclusive), a multiple of the bucket step
  // The plant: series() series over [plant_start, end), one sample per second.
  std::vector<SeriesName> names;
  Timestamp plant_start = 0;
  std::int64_t plant_seconds = 0;
  std::vector<double> plant_values;  // [second * series + index]
  // The long series: [history_start, end), one sample per second.
  SeriesName history_name;
  Timestamp history_start = 0;
  std::int64_t history_seconds = 0;
  std::vector<double> history_values;
  Timestamp bucket_step = 0;  // (end - history_start) / kBuckets
  // Line protocol, kBatchPoints lines per body: measurement "plant" / "history", tags asset and
  // signal, field "value", timestamps in ns.
  std::vector<std::string> plant_bodies;
  std::vector<std::string> history_bodies;
  std::unordered_map<std::string, std::size_t> index_by_path;  // plant series path -> index

  std::size_t series() const { return names.size(); }
  std::uint64_t plant_samples() const { return plant_values.size(); }
  std::uint64_t history_samples() const { return history_values.size(); }
  double plant_value(std::int64_t second, std::size_t index) const {
    return plant_values[static_cast<std::size_t>(second) * series() + index];
  }
  Timestamp raw_from() const { return history_start; }
  std::size_t raw_points() const;  // min(kRawReadPoints, history samples)
  Timestamp raw_to() const { return history_start + static_cast<Timestamp>(raw_points() - 1) * kSecond; }
};

// Builds the whole data set. `end` is chosen by the caller (see EndTime).
Dataset MakeDataset(const DatasetOptions& options, Timestamp end);
// A time a few hours before now, aligned to the bucket step of `days` and to whole hours, so that
// every store sees the same buckets whatever its alignment rule.
Timestamp EndTime(int days_one_series);

// The bucket figures expected from the long series.
struct ExpectedBucket {
  Timestamp start = 0;
  std::uint64_t count = 0;
  double min = 0, max = 0, sum = 0;
};
std::vector<ExpectedBucket> ExpectedBuckets(const Dataset& data);

}  // namespace mw::bench::historian
