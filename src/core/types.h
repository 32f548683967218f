// The vocabulary every module shares: timestamps, series ids, quality, samples, columnar batches,
// and events.
//
// Samples travel in columnar Batches (one vector per field), never as one heap object each. A Batch
// owns its storage and is moved, not copied, between stages.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mw {

// Nanoseconds since the Unix epoch, UTC.
using Timestamp = std::int64_t;
constexpr Timestamp kNanosPerMicro = 1'000;
constexpr Timestamp kNanosPerMilli = 1'000'000;
constexpr Timestamp kNanosPerSecond = 1'000'000'000;

// Dense integer id of a series (asset path + signal name), assigned by the Catalog.
using SeriesId = std::uint32_t;
// Dense integer id of an asset, assigned by the Catalog.
using AssetId = std::uint32_t;
constexpr SeriesId kInvalidSeries = UINT32_MAX;
constexpr AssetId kInvalidAsset = UINT32_MAX;

// OPC UA-style quality, reduced to its three classes.
enum class Quality : std::uint8_t { kGood = 0, kUncertain = 1, kBad = 2 };

struct Sample {
  SeriesId series = kInvalidSeries;
  Timestamp time = 0;
  double value = 0;
  Quality quality = Quality::kGood;
};

// A columnar batch of samples. All four columns always have the same length.
struct Batch {
  std::vector<SeriesId> series;
  std::vector<Timestamp> times;
  std::vector<double> values;
  std::vector<Quality> qualities;

  std::size_t size() const { return series.size(); }
  bool empty() const { return series.empty(); }
  void reserve(std::size_t n) {
    series.reserve(n);
    times.reserve(n);
    values.reserve(n);
    qualities.reserve(n);
  }
  void clear() {
    series.clear();
    times.clear();
    values.clear();
    qualities.clear();
  }
  void Append(SeriesId id, Timestamp t, double v, Quality q = Quality::kGood) {
    series.push_back(id);
    times.push_back(t);
    values.push_back(v);
    qualities.push_back(q);
  }
  void Append(const Sample& s) { Append(s.series, s.time, s.value, s.quality); }
  Sample At(std::size_t i) const { return {series[i], times[i], values[i], qualities[i]}; }
};

enum class EventKind : std::uint8_t { kAnomaly = 0, kAlarm = 1, kModel = 2 };

// Something that happened beside the samples: an anomaly, an alarm state change, a model change.
struct Event {
  EventKind kind = EventKind::kAnomaly;
  Timestamp time = 0;
  SeriesId series = kInvalidSeries;  // the series the event is about
  double value = 0;                  // the sample value that caused it
  double score = 0;                  // detector score (e.g. z)
  std::string source;                // which plugin raised it
  std::string message;
};

}  // namespace mw
