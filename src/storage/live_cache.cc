#include "storage/live_cache.h"

#include <algorithm>
#include <bit>

namespace mw::storage {

// One series' recent points. The single writer bumps `seq` to odd, writes, and bumps it back to
// even; a reader that sees the same even value before and after its copy has a consistent copy.
struct LiveCache::Ring {
  explicit Ring(std::size_t capacity)
      : mask(capacity - 1),
        times(new std::atomic<Timestamp>[capacity]),
        values(new std::atomic<double>[capacity]),
        qualities(new std::atomic<std::uint8_t>[capacity]) {}

  const std::size_t mask;
  std::atomic<std::uint64_t> seq{0};
  std::atomic<std::uint64_t> count{0};  // points ever appended
  std::unique_ptr<std::atomic<Timestamp>[]> times;
  std::unique_ptr<std::atomic<double>[]> values;
  std::unique_ptr<std::atomic<std::uint8_t>[]> qualities;

  void Push(Timestamp t, double v, Quality q) {
    std::uint64_t s = seq.load(std::memory_order_relaxed);
    seq.store(s + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    std::uint64_t n = count.load(std::memory_order_relaxed);
    std::size_t slot = n & mask;
    times[slot].store(t, std::memory_order_relaxed);
    values[slot].store(v, std::memory_order_relaxed);
    qualities[slot].store(static_cast<std::uint8_t>(q), std::memory_order_relaxed);
    count.store(n + 1, std::memory_order_relaxed);
    seq.store(s + 2, std::memory_order_release);
  }

  // Copies the newest `max_points` points (oldest first). False if a writer kept interfering.
  bool Snapshot(std::size_t max_points, std::vector<pipeline::Point>& out) const {
    for (int attempt = 0; attempt < 1000; ++attempt) {
      out.clear();
      std::uint64_t s1 = seq.load(std::memory_order_acquire);
      if (s1 & 1) continue;
      std::uint64_t n = count.load(std::memory_order_relaxed);
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

Status LiveCache::Append(const Batch& batch) {
  // Consecutive samples of one series (a common shape) reuse the ring lookup.
  SeriesId last_id = kInvalidSeries;
  Ring* ring = nullptr;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (ring == nullptr || batch.series[i] != last_id) {
      last_id = batch.series[i];
      ring = GetOrCreate(last_id);
      if (ring == nullptr) return Status::ResourceExhausted("series id out of range for the live cache");
    }
    ring->Push(batch.times[i], batch.values[i], batch.qualities[i]);
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
