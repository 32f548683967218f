// LiveCache: the in-memory SeriesStore. Keeps, per series, the latest point and a ring of the
// most recent points, plus a ring of recent events.
//
// Writes are lock-free for the single writer of a series (the runtime routes each asset to one
// worker): each series ring is guarded by a sequence lock, so readers (API threads) copy a
// consistent snapshot without ever blocking the writer. Appending for one series from two threads
// at once breaks the contract. The events ring takes a mutex (events are rare).
#pragma once

#include <array>
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>

#include "pipeline/store.h"

namespace mw::storage {

class LiveCache final : public pipeline::SeriesStore {
 public:
  // `window` points are kept per series (rounded up to a power of two); `max_events` events.
  explicit LiveCache(std::size_t window = 1024, std::size_t max_events = 10000);
  ~LiveCache() override;

  Status Append(const Batch& batch) override;
  Status AppendEvents(const std::vector<Event>& events) override;
  std::optional<pipeline::Point> Latest(SeriesId id) const override;
  Status Range(SeriesId id, Timestamp from, Timestamp to, std::size_t limit,
               std::vector<pipeline::Point>& out) const override;
  std::vector<Event> RecentEvents(std::size_t limit) const override;

  std::size_t window() const { return window_; }

 private:
  struct Ring;
  static constexpr std::size_t kSegmentBits = 12;
  static constexpr std::size_t kSegmentSize = std::size_t{1} << kSegmentBits;
  static constexpr std::size_t kMaxSegments = 1024;  // 4M series
  using Segment = std::array<std::atomic<Ring*>, kSegmentSize>;

  Ring* Get(SeriesId id) const;
  Ring* GetOrCreate(SeriesId id);

  std::size_t window_;
  std::size_t max_events_;
  std::array<std::atomic<Segment*>, kMaxSegments> segments_{};
  std::mutex create_mu_;
  mutable std::mutex events_mu_;
  std::deque<Event> events_;
};

}  // namespace mw::storage
