// The historian's query arithmetic, independent of where points come from: bucket aggregation
// (from points, or from summaries of runs that fall inside one bucket), time-ordered merging of
// overlapping runs, and Largest-Triangle-Three-Buckets. Pure, single-threaded objects.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "core/status.h"
#include "core/types.h"
#include "pipeline/store.h"
#include "storage/codec/chunk.h"
#include "storage/historian/historian.h"

namespace mw::storage::historian {

// Aggregates points of [from, to) into buckets [k*step, (k+1)*step) (aligned to the epoch).
// min, max and sum skip NaN; count counts every point; first and last are the values at the
// earliest and latest times (the first one added wins a tie).
class BucketAccumulator {
 public:
  // InvalidArgument for step <= 0 or to <= from; ResourceExhausted above max_buckets buckets.
  static Result<BucketAccumulator> Create(Timestamp from, Timestamp to, Timestamp step,
                                          std::size_t max_buckets);

  void AddPoint(Timestamp t, double v);
  // Adds points sorted by time (one division per bucket, not per point).
  void AddSorted(std::span<const Timestamp> times, std::span<const double> values);
  // True when [first, last] lies inside [from, to) and inside one bucket: then a run of points
  // with that span can be added by its summary.
  bool FitsOneBucket(Timestamp first, Timestamp last) const;
  // Adds a run whose points all lie in one bucket (FitsOneBucket), by its summary.
  void AddSummary(Timestamp first, Timestamp last, const codec::ChunkSummary& summary);
  // Adds a pre-aggregated bucket (a rollup) whose start lies in [from, to), into the bucket
  // holding `start`.
  void AddBucket(Timestamp start, Timestamp end, const Bucket& bucket);
  // Adds everything `other` holds; it must have been created with the same from, to and step.
  void MergeFrom(const BucketAccumulator& other);
  // The non-empty buckets, in time order.
  void Finish(std::vector<Bucket>& out) const;

  Timestamp from() const { return from_; }
  Timestamp to() const { return to_; }
  Timestamp step() const { return step_; }

 private:
  struct Acc {
    std::uint64_t count = 0;
    double min = 0, max = 0, sum = 0, first = 0, last = 0;
    Timestamp first_time = 0, last_time = 0;
    bool has_finite = false;
  };
  BucketAccumulator(Timestamp from, Timestamp to, Timestamp step, Timestamp base, std::size_t n)
      : from_(from), to_(to), step_(step), base_(base), acc_(n) {}
  // In unsigned arithmetic: t - base_ may exceed INT64_MAX for ranges spanning most of time.
  std::size_t Index(Timestamp t) const {
    return static_cast<std::size_t>((static_cast<std::uint64_t>(t) - static_cast<std::uint64_t>(base_)) /
                                    static_cast<std::uint64_t>(step_));
  }
  // The first time after bucket b, or INT64_MAX when that lies beyond it.
  Timestamp BucketEnd(std::size_t b) const {
    const std::uint64_t offset = static_cast<std::uint64_t>(b + 1) * static_cast<std::uint64_t>(step_);
    const std::uint64_t room = static_cast<std::uint64_t>(std::numeric_limits<Timestamp>::max()) -
                               static_cast<std::uint64_t>(base_);  // wraps correctly for base_ < 0
    return offset > room ? std::numeric_limits<Timestamp>::max()
                         : static_cast<Timestamp>(static_cast<std::uint64_t>(base_) + offset);
  }
  void Merge(Acc& a, Timestamp first, Timestamp last, std::uint64_t count, double min, double max, double sum,
             double first_value, double last_value);

  Timestamp from_, to_, step_, base_;
  std::vector<Acc> acc_;
};

// Merges runs that are each sorted by time into one sorted list (stable: for equal times, the
// earlier run first). Runs that do not overlap are concatenated without comparisons.
void MergeRuns(std::vector<std::vector<pipeline::Point>>& runs, std::vector<pipeline::Point>& out);

// Largest-Triangle-Three-Buckets (Steinarsson 2013): keeps the first and last point and, from
// each of `threshold - 2` equal-count buckets, the point forming the largest triangle with the
// point kept before it and the average of the next bucket. Input sorted by time; returns it
// unchanged when threshold >= size or threshold < 3.
void Lttb(std::span<const pipeline::Point> in, std::size_t threshold, std::vector<pipeline::Point>& out);

}  // namespace mw::storage::historian
