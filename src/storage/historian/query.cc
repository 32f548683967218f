#include "storage/historian/query.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace mw::storage::historian {
namespace {

// The multiple of `step` at or below t; false when it lies below the smallest Timestamp.
bool FloorTo(Timestamp t, Timestamp step, Timestamp& out) {
  const Timestamp r = t % step;  // in (-step, step), with the sign of t
  if (r >= 0) {
    out = t - r;
    return true;
  }
  const Timestamp toward_zero = t - r;  // > t, a multiple of step
  if (toward_zero < std::numeric_limits<Timestamp>::min() + step) return false;
  out = toward_zero - step;
  return true;
}

}  // namespace

Result<BucketAccumulator> BucketAccumulator::Create(Timestamp from, Timestamp to, Timestamp step,
                                                    std::size_t max_buckets) {
  if (step <= 0) return Status::InvalidArgument("step must be positive");
  if (to <= from) return Status::InvalidArgument("empty range: 'to' must be after 'from'");
  Timestamp base = 0;
  if (!FloorTo(from, step, base))
    return Status::InvalidArgument("'from' is too far in the past for this step");
  // Computed in unsigned arithmetic: to - base may exceed INT64_MAX for extreme ranges.
  auto span = static_cast<std::uint64_t>(to) - static_cast<std::uint64_t>(base);
  std::uint64_t n = (span - 1) / static_cast<std::uint64_t>(step) + 1;
  if (n > max_buckets) {
    return Status::ResourceExhausted(
        fmt::format("{} buckets requested, more than the limit of {}: use a larger step or a shorter range",
                    n, max_buckets));
  }
  return BucketAccumulator(from, to, step, base, static_cast<std::size_t>(n));
}

void BucketAccumulator::Merge(Acc& a, Timestamp first, Timestamp last, std::uint64_t count, double min,
                              double max, double sum, double first_value, double last_value) {
  if (a.count == 0 || first < a.first_time) {
    a.first_time = first;
    a.first = first_value;
  }
  if (a.count == 0 || last >= a.last_time) {
    a.last_time = last;
    a.last = last_value;
  }
  a.count += count;
  if (std::isnan(min)) return;  // the run had no finite-or-infinite (non-NaN) value
  if (!a.has_finite) {
    a.min = min;
    a.max = max;
    a.has_finite = true;
  } else {
    a.min = std::min(a.min, min);
    a.max = std::max(a.max, max);
  }
  a.sum += sum;
}

void BucketAccumulator::AddPoint(Timestamp t, double v) {
  if (t < from_ || t >= to_) return;
  Merge(acc_[Index(t)], t, t, 1, v, v, std::isnan(v) ? 0 : v, v, v);
}

void BucketAccumulator::AddSorted(std::span<const Timestamp> times, std::span<const double> values) {
  auto begin = std::lower_bound(times.begin(), times.end(), from_);
  auto end = std::lower_bound(begin, times.end(), to_);
  std::size_t i = static_cast<std::size_t>(begin - times.begin());
  const std::size_t stop = static_cast<std::size_t>(end - times.begin());
  while (i < stop) {
    const std::size_t b = Index(times[i]);
    const Timestamp bucket_end = BucketEnd(b);
    const std::size_t run_start = i;
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    double sum = 0;
    bool any = false;
    for (; i < stop && times[i] < bucket_end; ++i) {
      const double v = values[i];
      if (std::isnan(v)) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      sum += v;
      any = true;
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    Merge(acc_[b], times[run_start], times[i - 1], i - run_start, any ? lo : nan, any ? hi : nan, sum,
          values[run_start], values[i - 1]);
  }
}

bool BucketAccumulator::FitsOneBucket(Timestamp first, Timestamp last) const {
  return first >= from_ && last < to_ && Index(first) == Index(last);
}

void BucketAccumulator::AddSummary(Timestamp first, Timestamp last, const codec::ChunkSummary& s) {
  Merge(acc_[Index(first)], first, last, s.count, s.min, s.max, s.sum, s.first, s.last);
}

void BucketAccumulator::AddBucket(Timestamp start, Timestamp end, const Bucket& b) {
  if (start < from_ || start >= to_ || b.count == 0) return;
  Merge(acc_[Index(start)], start, end, b.count, b.min, b.max, b.sum, b.first, b.last);
}

void BucketAccumulator::MergeFrom(const BucketAccumulator& other) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t i = 0; i < acc_.size() && i < other.acc_.size(); ++i) {
    const Acc& o = other.acc_[i];
    if (o.count == 0) continue;
    Merge(acc_[i], o.first_time, o.last_time, o.count, o.has_finite ? o.min : nan, o.has_finite ? o.max : nan,
          o.sum, o.first, o.last);
  }
}

void BucketAccumulator::Finish(std::vector<Bucket>& out) const {
  out.clear();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t i = 0; i < acc_.size(); ++i) {
    const Acc& a = acc_[i];
    if (a.count == 0) continue;
    Bucket b;
    b.start =
        static_cast<Timestamp>(static_cast<std::uint64_t>(base_) + i * static_cast<std::uint64_t>(step_));
    b.count = a.count;
    b.min = a.has_finite ? a.min : nan;
    b.max = a.has_finite ? a.max : nan;
    b.sum = a.sum;
    b.first = a.first;
    b.last = a.last;
    out.push_back(b);
  }
}

void MergeRuns(std::vector<std::vector<pipeline::Point>>& runs, std::vector<pipeline::Point>& out) {
  out.clear();
  std::erase_if(runs, [](const auto& r) { return r.empty(); });
  std::size_t total = 0;
  bool disjoint = true;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    total += runs[i].size();
    if (i > 0 && runs[i].front().time < runs[i - 1].back().time) disjoint = false;
  }
  out.reserve(total);
  if (disjoint) {
    for (auto& r : runs) out.insert(out.end(), r.begin(), r.end());
    return;
  }
  for (auto& r : runs) out.insert(out.end(), r.begin(), r.end());
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.time < b.time; });
}

void Lttb(std::span<const pipeline::Point> in, std::size_t threshold, std::vector<pipeline::Point>& out) {
  out.clear();
  if (threshold >= in.size() || threshold < 3) {
    out.assign(in.begin(), in.end());
    return;
  }
  out.reserve(threshold);
  out.push_back(in.front());
  // Times relative to the first point keep the triangle areas exact in double precision.
  const Timestamp t0 = in.front().time;
  auto x = [&](const pipeline::Point& p) { return static_cast<double>(p.time - t0); };
  const double every = static_cast<double>(in.size() - 2) / static_cast<double>(threshold - 2);
  std::size_t kept = 0;
  for (std::size_t i = 0; i < threshold - 2; ++i) {
    auto start = static_cast<std::size_t>(std::floor(static_cast<double>(i) * every)) + 1;
    auto end = static_cast<std::size_t>(std::floor(static_cast<double>(i + 1) * every)) + 1;
    end = std::min(end, in.size() - 1);
    auto next_start = end;
    auto next_end =
        std::min(static_cast<std::size_t>(std::floor(static_cast<double>(i + 2) * every)) + 1, in.size());
    if (i == threshold - 3) next_end = in.size();
    double avg_x = 0, avg_y = 0;
    std::size_t n = 0;
    for (std::size_t j = next_start; j < next_end; ++j, ++n) {
      avg_x += x(in[j]);
      avg_y += in[j].value;
    }
    if (n > 0) {
      avg_x /= static_cast<double>(n);
      avg_y /= static_cast<double>(n);
    }
    const double ax = x(in[kept]);
    const double ay = in[kept].value;
    double best_area = -1;
    std::size_t best = start;
    for (std::size_t j = start; j < end; ++j) {
      double area = std::abs((ax - avg_x) * (in[j].value - ay) - (ax - x(in[j])) * (avg_y - ay));
      if (area > best_area) {
        best_area = area;
        best = j;
      }
    }
    out.push_back(in[best]);
    kept = best;
  }
  out.push_back(in.back());
}

}  // namespace mw::storage::historian
