// The two compressions plant historians apply before storage, as streaming filters: feed the points
// of one series in time order, and each call answers which points to keep (store). Both are
// O(1) time and memory per point and allocate nothing.
//
// Deadband (exception deviation d): a point is kept when |x - k| > d, k the value of the last kept
// point. The point just before a kept jump is not kept, so a stored series read as "hold the last
// value" is within d of every input:
//   bound: every dropped point x satisfies |x - k| <= d, k the last kept value before it.
//
// SwingingDoor (compression deviation E; Bristol 1990, OSIsoft PI "compression"): a stored series
// read as straight lines between stored points is within E of every input:
//   bound: every dropped point (t, x), with (t0, x0) and (t1, x1) the kept points just before and
//   after it, satisfies |x - (x0 + (x1 - x0) (t - t0) / (t1 - t0))| <= E, up to the rounding of the
//   double arithmetic (a few ulps of the values). The last points of a stream have a kept point
//   after them only once Flush() has been called.
// How: from the archived point A, the lines within E of a later point i are those whose slope lies
// in [(x_i - x_A - E) / (t_i - t_A), (x_i - x_A + E) / (t_i - t_A)]. The lower and upper doors
// hold the intersection of these ranges over the points since A; they only swing shut. The last
// point received is held back. A new point P whose slope from A is inside the doors means the line
// A-P passes within E of every held point, so the held one is dropped and P's own range narrows
// the doors. Otherwise the held point is archived and becomes the pivot of new doors.
// Testing P's own slope, rather than waiting for the doors to open past parallel once P's range is
// added (the textbook wording), is what makes the bound hold for the line actually stored: the
// doors being open only says that some line from A fits, and the line from A to the held point can
// miss an earlier point by up to 2E (E = 1: (0, 0), (1, 1), (2, -0.8) leave the doors open at
// [0, 0.1], but the line from (0, 0) to (2, -0.8) passes 1.4 from (1, 1)).
//
// Both, with a max interval M > 0 (0: none):
// - Deadband: a point M or more after the last kept point is kept anyway, so no dropped point is M
//   or more after the kept point before it.
// - SwingingDoor: the held point is archived when the new point is more than M after A, so two
//   successive kept points are at most M apart unless they are successive inputs (the input itself
//   has a longer step; the new point is then archived at once).
// The first point, and the first point after a reset, is kept.
//
// A NaN or ±inf value is always kept (a stored NaN marks the hole) and resets the state: a swinging
// door first archives its held point, so that the line before the hole ends on the last finite
// input; the next finite point is kept as a new start. SwingingDoor also keeps, and restarts at, a
// point not later than the previous one (a slope needs time to pass); Deadband uses times only for
// the max interval.
//
// A negative or NaN deviation is taken as 0 (keep every change; a swinging door then keeps all but
// exactly collinear points, up to rounding). Not thread-safe: one instance per series.
#pragma once

#include <array>
#include <cstddef>
#include <limits>

#include "core/types.h"

namespace mw::analytics {

struct TimedValue {
  Timestamp time = 0;
  double value = 0;
  bool operator==(const TimedValue&) const = default;
};

// The points a compressor keeps in answer to one call, oldest first: none, one, or two (a held
// point together with the new one).
class KeptPoints {
 public:
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const TimedValue& operator[](std::size_t i) const { return points_[i]; }
  const TimedValue* begin() const { return points_.data(); }
  const TimedValue* end() const { return points_.data() + size_; }
  void Push(TimedValue p) { points_[size_++] = p; }

 private:
  std::array<TimedValue, 2> points_{};
  std::size_t size_ = 0;
};

class Deadband {
 public:
  explicit Deadband(double deadband, Timestamp max_interval = 0);

  // Feeds the next point; returns it if it is kept.
  KeptPoints Add(Timestamp time, double value);
  // End of the stream: returns the last point fed if it was not kept (then counts it as kept).
  KeptPoints Flush();
  // Forgets the stream: the next point is kept.
  void Reset() { has_kept_ = has_pending_ = false; }

 private:
  bool Keeps(Timestamp time, double value) const;

  double deadband_;
  Timestamp max_interval_;
  bool has_kept_ = false;
  TimedValue kept_;  // the last kept point
  bool has_pending_ = false;
  TimedValue pending_;  // the last point fed, if not kept
};

class SwingingDoor {
 public:
  explicit SwingingDoor(double deviation, Timestamp max_interval = 0);

  // Feeds the next point; returns the points it causes to be kept: the held point, the new point,
  // both (held first) or none.
  KeptPoints Add(Timestamp time, double value);
  // End of the stream: returns the held point, if any, archived. Feeding more points afterwards
  // continues from it.
  KeptPoints Flush();
  // Forgets the stream (drops the held point): the next point is kept.
  void Reset() { has_archive_ = has_held_ = false; }

 private:
  // The lowest and highest slope from the archived point within the deviation of (time, value).
  double LowSlope(Timestamp time, double value) const;
  double HighSlope(Timestamp time, double value) const;
  double SlopeTo(Timestamp time, double value) const;
  void Archive(TimedValue p, KeptPoints& kept);
  void Hold(TimedValue p);

  double deviation_;
  Timestamp max_interval_;
  bool has_archive_ = false;
  TimedValue archive_;  // the last archived point: the doors' pivot
  bool has_held_ = false;
  TimedValue held_;  // the last point fed, not yet archived
  // The doors: the slopes from archive_ within the deviation of every point since it.
  double low_ = -std::numeric_limits<double>::infinity();
  double high_ = std::numeric_limits<double>::infinity();
};

}  // namespace mw::analytics
