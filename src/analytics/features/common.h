// Plumbing shared by the feature plugins: which samples a feature accepts, per-series state tables
// indexed by SeriesId, the names of derived series, and option checks.
//
// Not thread-safe: every table belongs to one processor instance, which one worker owns (see
// pipeline/plugin.h).
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/catalog.h"
#include "core/types.h"
#include "pipeline/plugin.h"

namespace mw::analytics {

// How every feature reads its `signals` option (pipeline/plugin.h).
using pipeline::CheckTemplateSignals;
using pipeline::SignalListed;
using pipeline::SignalNamed;

// A feature uses a sample only if its quality is good and its value finite. Everything else is
// skipped as if it had not arrived: it never enters a window, a sum or a state machine.
inline bool Usable(const Sample& s) { return s.quality == Quality::kGood && std::isfinite(s.value); }

// The id of `<signal of source>.<suffix>` on the asset of `source`; kInvalidSeries for an unknown
// source. Takes the catalog's lock: call when a series is first seen, not per sample.
SeriesId DerivedSeries(Catalog& catalog, SeriesId source, std::string_view suffix);
// The id of `signal` on the asset of `source` (e.g. a feature of several signals); kInvalidSeries
// for an unknown source.
SeriesId AssetSeries(Catalog& catalog, SeriesId source, std::string_view signal);
// The signal name of `id`, "" if unknown. Takes the catalog's lock.
std::string SignalOf(const Catalog& catalog, SeriesId id);

// Per-series (or per-asset) state, indexed by a dense id, created on first use. Lookups of known
// ids are one bounds check and one load.
template <class State>
class StateTable {
 public:
  State* Find(std::uint32_t id) const { return id < states_.size() ? states_[id].get() : nullptr; }
  // Stores `state` at `id` (replacing any) and returns it.
  State& Put(std::uint32_t id, std::unique_ptr<State> state) {
    if (id >= states_.size()) states_.resize(std::max<std::size_t>(id + 1, states_.size() * 2));
    states_[id] = std::move(state);
    return *states_[id];
  }

 private:
  std::vector<std::unique_ptr<State>> states_;
};

// Seconds between two timestamps.
inline double Seconds(Timestamp from, Timestamp to) {
  return static_cast<double>(to - from) / static_cast<double>(kNanosPerSecond);
}

// The first multiple of `period` strictly after `t` (period > 0), for epoch-aligned windows.
inline Timestamp NextBoundary(Timestamp t, Timestamp period) {
  Timestamp q = t / period;
  if (t < 0 && q * period != t) --q;  // floor for times before the epoch
  return (q + 1) * period;
}

// Option checks, for OptionSpec::check.
std::string CheckPositiveInt(const pipeline::OptionValue& v);
std::string CheckNonNegativeInt(const pipeline::OptionValue& v);
std::string CheckPositiveDouble(const pipeline::OptionValue& v);
std::string CheckNonNegativeDouble(const pipeline::OptionValue& v);
std::string CheckPositiveDuration(const pipeline::OptionValue& v);

}  // namespace mw::analytics
