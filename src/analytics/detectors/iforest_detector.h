// Isolation-forest detector: scores an asset's feature vector with an IsolationForest.
//
// The vector holds the latest value of each of the configured `signals` of the asset (raw signals
// or derived features), in that order; it is scored each time any of them updates, once every one
// has a value. The first `warmup` vectors of an asset fit its first forest (no scores until then);
// the last `history` vectors are kept, and every `refit_every` vectors a new forest is fitted on
// them. With `background` (the default) fitting runs on the instance's own thread and the scoring
// thread never waits: the fitted forest is immutable and handed over as a
// std::shared_ptr<const IsolationForest> that the worker swaps in at its next sample; scoring
// continues on the old forest meanwhile, and at most one fit per asset is in flight. Without
// `background` fitting runs inline (deterministic, for benchmarks and tests).
//
// Emits `<asset>/<output>` (default `iforest_score`) with the score in (0, 1], and an anomaly event
// when it is at or above `threshold`. Non-finite or bad-quality values are ignored (the vector keeps
// the last good value).
//
// Threading: one instance per worker, Process() from that worker's thread only (as every
// processor); the instance's fitting thread touches only the job it was given and the hand-over
// slot, which a mutex guards. The destructor stops and joins the fitting thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "analytics/detectors/detector_util.h"
#include "analytics/detectors/isolation_forest.h"
#include "pipeline/plugin.h"

namespace mw::analytics {

struct IForestDetectorOptions {
  std::vector<std::string> signals;  // required: the features of the vector
  IsolationForestOptions forest;
  std::size_t warmup = 512;        // vectors before the first fit
  std::size_t history = 4096;      // vectors kept for refits
  std::size_t refit_every = 5000;  // vectors between refits; 0: never refit
  bool background = true;
  double threshold = 0.65;
  std::string output = "iforest_score";
};

class IForestDetector final : public pipeline::Processor {
 public:
  IForestDetector(IForestDetectorOptions options, std::string name, Catalog& catalog);
  ~IForestDetector() override;
  IForestDetector(const IForestDetector&) = delete;
  IForestDetector& operator=(const IForestDetector&) = delete;

  bool AppliesTo(std::string_view signal) const override;
  bool AppliesToDerived(std::string_view signal) const override;
  void Process(const Sample& sample, pipeline::ProcessorOutput& out) override;
  static pipeline::PluginDescriptor Descriptor();

  // For tests and status pages, from the worker's thread: how many forests `asset` has swapped in
  // so far (0: still warming up), and blocks until no fit is queued or running.
  std::size_t ModelGeneration(AssetId asset);
  void WaitIdle();

 private:
  struct AssetState {
    std::vector<SeriesId> inputs;  // series of options_.signals, in order
    SeriesId output = kInvalidSeries;
    std::vector<double> latest;
    std::size_t missing = 0;        // inputs without a value yet
    std::vector<double> history;    // ring of options_.history vectors
    std::size_t history_count = 0;  // vectors ever added
    std::size_t since_fit = 0;
    std::size_t generation = 0;
    std::shared_ptr<const IsolationForest> model;
    // Hand-over from the fitting thread.
    std::mutex pending_mu;
    std::shared_ptr<const IsolationForest> pending;
    std::atomic<bool> has_pending{false};
    std::atomic<bool> in_flight{false};
  };
  struct Job {
    AssetState* state;
    std::vector<double> rows;
    std::uint64_t seed;
  };

  AssetState& StateFor(AssetId asset);
  void StartFit(AssetState& state);
  std::shared_ptr<const IsolationForest> FitRows(const std::vector<double>& rows, std::uint64_t seed) const;
  void RunFits();

  IForestDetectorOptions options_;
  std::string name_;
  Catalog& catalog_;
  detail::PerSeries<AssetState> assets_;
  std::vector<double> row_;  // scratch: the vector being scored

  std::mutex jobs_mu_;
  std::condition_variable jobs_cv_;
  std::condition_variable idle_cv_;
  std::deque<Job> jobs_;
  bool busy_ = false;
  bool stop_ = false;
  std::thread fitter_;  // last member: started after, and joined before, everything above goes
};

}  // namespace mw::analytics
