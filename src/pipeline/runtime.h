// Runtime: builds the plugin instances a Config declares and moves samples from sources, through
// the processors and detectors of each asset's template, to the store and the sinks.
//
//   sources --Emit--> router --(asset -> worker)--> bounded queue per worker --> worker thread:
//     processors/detectors per sample (derived samples on to later stages) -> store.Append(raw +
//     derived) -> sinks -> events
//   sources --EmitEncoded(worker)--> that worker's queue --> worker thread: Decode, then as above
// A worker takes what has queued up (up to 16 batches) in one go and handles it as one batch, so a
// store that waits on each append's durable commit commits the backlog at once.
//
// Each asset is routed to exactly one worker, so per-series state in processors needs no lock and
// the store sees one writer per series. A full worker queue blocks Emit and EmitEncoded
// (back-pressure); nothing is dropped. Stop() stops the sources first, then drains every queue
// (decoding what is encoded), then joins the workers.
//
// Lifetime: everything passed to the constructor must outlive the Runtime.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "core/catalog.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/metrics.h"
#include "pipeline/plugin.h"
#include "pipeline/queue.h"
#include "pipeline/store.h"

namespace mw::pipeline {

class Runtime {
 public:
  Runtime(const Config& config, const PluginRegistry& registry, Catalog& catalog, MetricsRegistry& metrics,
          const Clock& clock, SeriesStore& store);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Declares the configured assets and creates every plugin instance. Returns all problems found.
  std::vector<ConfigError> Build();
  // Adds a sink the configuration does not declare (the alarm engine's feed), after Build and
  // before Start; it is started, written and stopped like the configured ones.
  void AddSink(std::string name, std::unique_ptr<Sink> sink);
  // Starts workers, then sources. A source that fails to start stops the others and is returned.
  Status Start();
  // Idempotent. Stops sources, drains queues, joins workers.
  void Stop();

  // The emitter sources use; also usable directly (tests, HTTP writes).
  Emitter& emitter();

  // AssetId for `path`, creating the asset from `discover_template` when it is not declared and
  // the template is known; kInvalidAsset otherwise.
  AssetId ResolveAsset(std::string_view path, const std::string& discover_template);

  std::uint64_t samples_processed() const { return samples_processed_->Value(); }
  std::uint64_t anomalies() const { return anomalies_->Value(); }
  std::size_t source_count() const { return sources_.size(); }

 private:
  struct Item {
    Batch batch;
    std::unique_ptr<EncodedBatch> encoded;  // when set, `batch` is empty: decode this first
    std::int64_t enqueued_steady = 0;
  };
  struct Worker;
  class RouterEmitter;
  struct Stage {
    Processor* processor;
    std::uint32_t position;  // in its template's sequence: processors, then detectors
  };

  void WorkerLoop(Worker& worker);
  void ProcessBatch(Worker& worker, Batch& batch, std::int64_t enqueued_steady);
  const std::vector<Stage>& RouteFor(Worker& worker, SeriesId id);
  // Offers `sample` to the stages of `route` at position `after` or later.
  void RunStages(Worker& worker, const std::vector<Stage>& route, const Sample& sample, std::uint32_t after,
                 ProcessorOutput& out);
  Status Enqueue(Batch&& batch);
  Status EnqueueEncoded(std::size_t worker, std::unique_ptr<EncodedBatch> batch);
  // Frames skip the workers: straight to the store, from the source's thread.
  Status AppendFrame(SeriesId series, Timestamp time, std::uint32_t rows, std::uint32_t cols,
                     std::span<const float> elements);
  std::size_t WorkerOf(SeriesId id) const;
  std::size_t WorkerOfAsset(AssetId asset) const;

  const Config& config_;
  const PluginRegistry& registry_;
  Catalog& catalog_;
  MetricsRegistry& metrics_;
  const Clock& clock_;
  SeriesStore& store_;

  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::vector<std::unique_ptr<Sink>> sinks_;
  std::vector<std::string> sink_names_;  // beside sinks_
  std::unique_ptr<RouterEmitter> emitter_;
  std::atomic<bool> accepting_{false};
  bool started_ = false;
  bool stopped_ = false;

  Counter* samples_processed_;
  Counter* derived_samples_;
  Counter* anomalies_;
  Counter* sink_errors_;
  Counter* frames_;
  Histogram* latency_;
};

}  // namespace mw::pipeline
