// SeriesStore: where the runtime puts every accepted sample and event, and what the API reads.
//
// The live cache (memory only) implements it today; the historian implements the same interface.
// Contract: Append() may be called from several threads at once, but never concurrently for the
// same series (the runtime routes each asset to exactly one worker). Readers may run at any time
// from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace mw::pipeline {

struct Point {
  Timestamp time = 0;
  double value = 0;
  Quality quality = Quality::kGood;
};

class SeriesStore {
 public:
  virtual ~SeriesStore() = default;
  virtual Status Append(const Batch& batch) = 0;
  virtual Status AppendEvents(const std::vector<Event>& events) = 0;
  virtual std::optional<Point> Latest(SeriesId id) const = 0;
  // Points with from <= time <= to, in time order, at most `limit` (the newest ones if more).
  virtual Status Range(SeriesId id, Timestamp from, Timestamp to, std::size_t limit,
                       std::vector<Point>& out) const = 0;
  // The newest events, newest last, at most `limit`.
  virtual std::vector<Event> RecentEvents(std::size_t limit) const = 0;
};

}  // namespace mw::pipeline
