#include "storage/live_cache.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <iterator>
#include <vector>

namespace mw::storage {

// One series' recent points, in three arrays (times, values, qualities: 17 bytes a point, each
// array written in sequence). The single writer sets `seq` to 2n + 1 while it writes point n (slot
// n & mask) and to 2n + 2 after: an even `seq` is a stable state holding seq / 2 points, and a
// reader that sees the same even value before and after its copy has a consistent copy. (Counting
// the points in `seq` saves a third store per point.)
struct LiveCache::Ring {
  explicit Ring(std::size_t capacity)
      : mask(capacity - 1),
        times(new std::atomic<Timestamp>[capacity]),
        values(new std::atomic<double>[capacity]),
        qualities(new std::atomic<std::uint8_t>[capacity]) {}

  const std::size_t mask;
  std::atomic<std::uint64_t> seq{0};
  std::unique_ptr<std::atomic<Timestamp>[]> times;
  std::unique_ptr<std::atomic<double>[]> values;
  std::unique_ptr<std::atomic<std::uint8_t>[]> qualities;

  void Push(Timestamp t, double v, Quality q) {
    const std::uint64_t s = seq.load(std::memory_order_relaxed);
    seq.store(s + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    Store((s / 2) & mask, t, v, q);
    seq.store(s + 2, std::memory_order_release);
  }

  // Appends the batch's points `index[0 .. count)` (in that order) under one odd `seq`.
  void PushMany(const Batch& batch, const std::uint32_t* index, std::size_t count) {
    const std::uint64_t s = seq.load(std::memory_order_relaxed);
    seq.store(s + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    // Locals, so that the compiler need not reload them after each (atomic) store.
    const std::size_t first = s / 2;
    const std::size_t m = mask;
    std::atomic<Timestamp>* const t = times.get();
    std::atomic<double>* const v = values.get();
    std::atomic<std::uint8_t>* const q = qualities.get();
    const Timestamp* const bt = batch.times.data();
    const double* const bv = batch.values.data();
    const Quality* const bq = batch.qualities.data();
    for (std::size_t k = 0; k < count; ++k) {
      const std::uint32_t i = index[k];
      const std::size_t slot = (first + k) & m;
      t[slot].store(bt[i], std::memory_order_relaxed);
      v[slot].store(bv[i], std::memory_order_relaxed);
      q[slot].store(static_cast<std::uint8_t>(bq[i]), std::memory_order_relaxed);
    }
    seq.store(s + 2 * count, std::memory_order_release);
  }

  void Store(std::size_t slot, Timestamp t, double v, Quality q) {
    times[slot].store(t, std::memory_order_relaxed);
    values[slot].store(v, std::memory_order_relaxed);
    qualities[slot].store(static_cast<std::uint8_t>(q), std::memory_order_relaxed);
  }

  // Copies the newest `max_points` points (oldest first). False if a writer kept interfering.
  bool Snapshot(std::size_t max_points, std::vector<pipeline::Point>& out) const {
    for (int attempt = 0; attempt < 1000; ++attempt) {
      out.clear();
      std::uint64_t s1 = seq.load(std::memory_order_acquire);
      if (s1 & 1) continue;
      std::uint64_t n = s1 / 2;
      std::uint64_t kept = std::min<std::uint64_t>({n, mask + 1, max_points});
      for (std::uint64_t i = n - kept; i < n; ++i) {
        std::size_t slot = i & mask;
        out.push_back({times[slot].load(std::memory_order_relaxed),
                       values[slot].load(std::memory_order_relaxed),
                       static_cast<Quality>(qualities[slot].load(std::memory_order_relaxed))});
      }
      std::atomic_thread_fence(std::memory_order_acquire);
      if (seq.load(std::memory_order_relaxed) == s1) return true;
    }
    return false;
  }
};

LiveCache::LiveCache(std::size_t window, std::size_t max_events)
    : window_(std::bit_ceil(std::max<std::size_t>(window, 1))), max_events_(max_events) {}

LiveCache::~LiveCache() {
  for (auto& seg_ptr : segments_) {
    Segment* seg = seg_ptr.load();
    if (seg == nullptr) continue;
    for (auto& ring : *seg) delete ring.load();
    delete seg;
  }
}

LiveCache::Ring* LiveCache::Get(SeriesId id) const {
  std::size_t s = id >> kSegmentBits;
  if (s >= kMaxSegments) return nullptr;
  Segment* seg = segments_[s].load(std::memory_order_acquire);
  return seg ? (*seg)[id & (kSegmentSize - 1)].load(std::memory_order_acquire) : nullptr;
}

LiveCache::Ring* LiveCache::GetOrCreate(SeriesId id) {
  if (Ring* ring = Get(id)) return ring;
  std::size_t s = id >> kSegmentBits;
  if (s >= kMaxSegments) return nullptr;
  std::lock_guard lock(create_mu_);
  Segment* seg = segments_[s].load(std::memory_order_acquire);
  if (seg == nullptr) {
    seg = new Segment();
    segments_[s].store(seg, std::memory_order_release);
  }
  auto& slot = (*seg)[id & (kSegmentSize - 1)];
  Ring* ring = slot.load(std::memory_order_acquire);
  if (ring == nullptr) {
    ring = new Ring(window_);
    slot.store(ring, std::memory_order_release);
  }
  return ring;
}

namespace {

// Per thread: the batch's points sorted by series (see Append).
struct AppendScratch {
  std::vector<std::uint8_t> group;   // per point, the index of its series among the batch's
  std::vector<std::uint32_t> order;  // point indexes, grouped by series, in batch order within one
};

}  // namespace

Status LiveCache::Append(const Batch& batch) {
  // Batches interleave the signals of their assets (temperature, vibration, rpm, temperature, ...):
  // point by point, every write would go to another series' ring and its cache lines. So the
  // points are first grouped by series (a stable counting sort), and each series then gets its
  // points in one run: one odd/even `seq` pair per run of up to kMaxRun points, and the run's
  // writes in sequence. Small batches, and batches whose series have fewer than about 8 points each
  // (one-reading messages from many assets), gain nothing from it and are written point by point.
  constexpr std::size_t kMaxGroups = 128;
  constexpr std::size_t kTableSize = 256;  // open addressing, at most half full
  constexpr std::size_t kMaxRun = 64;      // points per odd `seq`, so readers wait but briefly
  const std::size_t n = batch.size();
  if (n >= 16) {
    thread_local AppendScratch scratch;
    SeriesId keys[kTableSize];
    std::uint8_t slots[kTableSize];
    std::fill(std::begin(keys), std::end(keys), kInvalidSeries);
    SeriesId ids[kMaxGroups];
    std::uint32_t counts[kMaxGroups + 1] = {};
    const std::size_t max_groups = std::min(kMaxGroups, std::max<std::size_t>(8, n / 8));
    std::size_t groups = 0;
    scratch.group.resize(n);
    for (std::size_t i = 0; i < n && groups <= max_groups; ++i) {
      const SeriesId id = batch.series[i];
      std::size_t h = (id * 2654435761u) >> 24;
      while (keys[h] != id && keys[h] != kInvalidSeries) h = (h + 1) & (kTableSize - 1);
      if (keys[h] == kInvalidSeries) {
        if (groups == max_groups) {
          ++groups;  // too many: write point by point below
          break;
        }
        keys[h] = id;
        slots[h] = static_cast<std::uint8_t>(groups);
        ids[groups++] = id;
      }
      scratch.group[i] = slots[h];
      ++counts[slots[h] + 1];
    }
    if (groups <= max_groups) {
      for (std::size_t g = 0; g < groups; ++g) counts[g + 1] += counts[g];
      scratch.order.resize(n);
      std::uint32_t next[kMaxGroups];
      std::copy(counts, counts + groups, next);
      for (std::size_t i = 0; i < n; ++i)
        scratch.order[next[scratch.group[i]]++] = static_cast<std::uint32_t>(i);
      for (std::size_t g = 0; g < groups; ++g) {
        Ring* ring = GetOrCreate(ids[g]);
        if (ring == nullptr) return Status::ResourceExhausted("series id out of range for the live cache");
        for (std::uint32_t k = counts[g]; k < counts[g + 1]; k += kMaxRun)
          ring->PushMany(batch, scratch.order.data() + k, std::min<std::size_t>(kMaxRun, counts[g + 1] - k));
      }
      return Status::Ok();
    }
  }
  // Point by point, with a small direct-mapped cache of rings.
  constexpr std::size_t kCacheSize = 16;
  SeriesId cached[kCacheSize];
  Ring* rings[kCacheSize] = {};
  std::fill(std::begin(cached), std::end(cached), kInvalidSeries);
  for (std::size_t i = 0; i < n; ++i) {
    const SeriesId id = batch.series[i];
    const std::size_t c = id % kCacheSize;
    if (cached[c] != id || rings[c] == nullptr) {
      rings[c] = GetOrCreate(id);
      if (rings[c] == nullptr) return Status::ResourceExhausted("series id out of range for the live cache");
      cached[c] = id;
    }
    rings[c]->Push(batch.times[i], batch.values[i], batch.qualities[i]);
  }
  return Status::Ok();
}

Status LiveCache::AppendEvents(const std::vector<Event>& events) {
  std::lock_guard lock(events_mu_);
  for (const auto& e : events) {
    events_.push_back(e);
    if (events_.size() > max_events_) events_.pop_front();
  }
  return Status::Ok();
}

std::optional<pipeline::Point> LiveCache::Latest(SeriesId id) const {
  const Ring* ring = Get(id);
  if (ring == nullptr) return std::nullopt;
  std::vector<pipeline::Point> points;
  if (!ring->Snapshot(1, points) || points.empty()) return std::nullopt;
  return points.back();
}

Status LiveCache::Range(SeriesId id, Timestamp from, Timestamp to, std::size_t limit,
                        std::vector<pipeline::Point>& out) const {
  out.clear();
  const Ring* ring = Get(id);
  if (ring == nullptr) return Status::Ok();
  std::vector<pipeline::Point> all;
  if (!ring->Snapshot(window_, all))
    return Status::Unavailable("series is being written too fast to read; retry");
  for (const auto& p : all)
    if (p.time >= from && p.time <= to) out.push_back(p);
  // Arrival order is usually time order; late samples are put in place.
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.time < b.time; });
  if (out.size() > limit) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(limit));
  return Status::Ok();
}

std::vector<Event> LiveCache::RecentEvents(std::size_t limit) const {
  std::lock_guard lock(events_mu_);
  std::size_t n = std::min(limit, events_.size());
  return {events_.end() - static_cast<std::ptrdiff_t>(n), events_.end()};
}

}  // namespace mw::storage
