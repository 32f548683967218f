#include "pipeline/runtime.h"

#include <algorithm>
#include <map>

#include <spdlog/spdlog.h>

#include "pipeline/metric_names.h"

namespace mw::pipeline {

struct Runtime::Worker {
  explicit Worker(std::size_t capacity) : queue(capacity) {}
  std::size_t index = 0;
  BoundedQueue<Item> queue;
  std::thread thread;
  // Template name -> this worker's processor and detector instances of that template.
  std::map<std::string, std::vector<std::unique_ptr<Processor>>> processors;
  // Per series id: the stages that see it (computed on first sight).
  std::vector<std::vector<Stage>> routes;
  std::vector<char> route_known;
  std::vector<std::uint32_t> producer;  // per sample of `derived`: the position of the stage that wrote it
  Batch work;  // the samples of the queued batches being processed, then their derived ones; reused
  Batch derived;
  std::vector<Event> events;
  Gauge* depth = nullptr;
};

class Runtime::RouterEmitter final : public Emitter {
 public:
  explicit RouterEmitter(Runtime& runtime) : runtime_(runtime) {}
  Status Emit(Batch&& batch) override { return runtime_.Enqueue(std::move(batch)); }
  std::size_t workers() const override { return std::max<std::size_t>(1, runtime_.workers_.size()); }
  std::size_t WorkerOf(AssetId asset) const override { return runtime_.WorkerOfAsset(asset); }
  Status EmitEncoded(std::size_t worker, std::unique_ptr<EncodedBatch> batch) override {
    return runtime_.EnqueueEncoded(worker, std::move(batch));
  }
  Status EmitFrame(SeriesId series, Timestamp time, std::uint32_t rows, std::uint32_t cols,
                   std::span<const float> elements) override {
    return runtime_.AppendFrame(series, time, rows, cols, elements);
  }

 private:
  Runtime& runtime_;
};

Runtime::Runtime(const Config& config, const PluginRegistry& registry, Catalog& catalog,
                 MetricsRegistry& metrics, const Clock& clock, SeriesStore& store)
    : config_(config),
      registry_(registry),
      catalog_(catalog),
      metrics_(metrics),
      clock_(clock),
      store_(store),
      emitter_(std::make_unique<RouterEmitter>(*this)) {
  samples_processed_ =
      &metrics.GetCounter(metric::kSamplesProcessed, "Samples that went through the pipeline");
  derived_samples_ =
      &metrics.GetCounter("mw_derived_samples_total", "Samples produced by processors and detectors");
  anomalies_ = &metrics.GetCounter(metric::kAnomalies, "Anomaly events raised by detectors");
  sink_errors_ = &metrics.GetCounter("mw_sink_errors_total", "Failed writes to sinks or the store");
  frames_ = &metrics.GetCounter("mw_frames_total", "Frames (fixed-shape arrays) stored");
  latency_ = &metrics.GetHistogram(metric::kLatency, "Time from a batch entering the queue to being stored",
                                   LatencyBuckets());
}

Runtime::~Runtime() { Stop(); }

Emitter& Runtime::emitter() { return *emitter_; }

AssetId Runtime::ResolveAsset(std::string_view path, const std::string& discover_template) {
  if (auto id = catalog_.FindAsset(path)) return *id;
  if (discover_template.empty() || !IsValidAssetPath(path)) return kInvalidAsset;
  auto it = config_.templates.find(discover_template);
  if (it == config_.templates.end()) return kInvalidAsset;
  AssetId id = catalog_.AddAsset(path, discover_template);
  for (const auto& signal : it->second.signals) catalog_.InternSeries(id, signal.name, signal.unit);
  return id;
}

std::vector<ConfigError> Runtime::Build() {
  std::vector<ConfigError> errors;
  for (const auto& asset : config_.assets) {
    AssetId id = catalog_.AddAsset(asset.path, asset.template_name);
    auto it = config_.templates.find(asset.template_name);
    if (it == config_.templates.end()) continue;
    for (const auto& signal : it->second.signals) catalog_.InternSeries(id, signal.name, signal.unit);
  }

  auto worker_count = static_cast<std::size_t>(std::max(1, config_.server.workers));
  for (std::size_t i = 0; i < worker_count; ++i) {
    auto w = std::make_unique<Worker>(static_cast<std::size_t>(config_.server.queue_capacity));
    w->index = i;
    w->depth = &metrics_.GetGauge(metric::kQueueDepth, "Batches waiting in a worker queue",
                                  {{"worker", std::to_string(i)}});
    workers_.push_back(std::move(w));
  }

  auto make = [&](PluginKind kind, const PluginSpec& spec, const TemplateSpec* tmpl, std::size_t copies,
                  auto&& keep) {
    auto options = registry_.Validate(kind, spec, errors);
    if (!options) return;
    const PluginDescriptor* d = registry_.Find(kind, spec.type);
    for (std::size_t i = 0; i < copies; ++i) {
      PluginContext ctx{
          spec.name,
          catalog_,
          metrics_,
          clock_,
          config_,
          tmpl,
          [this](std::string_view path, const std::string& t) { return ResolveAsset(path, t); }};
      auto plugin = d->factory(*options, ctx);
      if (!plugin.ok()) {
        errors.push_back({spec.where, spec.key_path, plugin.status().message()});
        return;
      }
      keep(std::move(plugin).value(), i);
    }
  };

  for (const auto& entry : config_.templates) {
    const std::string& name = entry.first;
    const TemplateSpec& tmpl = entry.second;
    auto add = [&](PluginKind kind, const std::vector<PluginSpec>& specs) {
      for (const auto& spec : specs) {
        make(kind, spec, &tmpl, worker_count, [&](std::unique_ptr<Plugin> p, std::size_t i) {
          if (dynamic_cast<Processor*>(p.get()) == nullptr) {
            errors.push_back({spec.where, spec.key_path, "plugin \"" + spec.type + "\" is not a processor"});
            return;
          }
          workers_[i]->processors[name].emplace_back(static_cast<Processor*>(p.release()));
        });
      }
    };
    add(PluginKind::kProcessor, tmpl.processors);
    add(PluginKind::kDetector, tmpl.detectors);
  }
  for (const auto& spec : config_.sources) {
    make(PluginKind::kSource, spec, nullptr, 1, [&](std::unique_ptr<Plugin> p, std::size_t) {
      if (dynamic_cast<Source*>(p.get()) == nullptr)
        return errors.push_back({spec.where, spec.key_path, "not a source"});
      sources_.emplace_back(static_cast<Source*>(p.release()));
    });
  }
  for (const auto& spec : config_.sinks) {
    make(PluginKind::kSink, spec, nullptr, 1, [&](std::unique_ptr<Plugin> p, std::size_t) {
      if (dynamic_cast<Sink*>(p.get()) == nullptr)
        return errors.push_back({spec.where, spec.key_path, "not a sink"});
      sinks_.emplace_back(static_cast<Sink*>(p.release()));
      sink_names_.push_back(spec.name);
    });
  }
  return errors;
}

void Runtime::AddSink(std::string name, std::unique_ptr<Sink> sink) {
  sink_names_.push_back(std::move(name));
  sinks_.push_back(std::move(sink));
}

Status Runtime::Start() {
  if (started_) return Status::FailedPrecondition("runtime already started");
  if (workers_.empty()) return Status::FailedPrecondition("runtime not built");
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    if (Status s = sinks_[i]->Start(); !s.ok()) {
      spdlog::error("sink {} failed to start: {}", sink_names_[i], s.message());
      for (std::size_t j = 0; j < i; ++j) sinks_[j]->Stop();
      return s;
    }
  }
  started_ = true;
  accepting_ = true;
  for (auto& w : workers_) w->thread = std::thread([this, &w] { WorkerLoop(*w); });
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    Status s = sources_[i]->Start(*emitter_);
    if (!s.ok()) {
      spdlog::error("source {} failed to start: {}", config_.sources[i].name, s.message());
      Stop();
      return s;
    }
  }
  return Status::Ok();
}

void Runtime::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  for (auto& s : sources_) s->Stop();
  accepting_ = false;
  for (auto& w : workers_) w->queue.Close();
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
  for (auto& sink : sinks_) sink->Stop();
}

std::size_t Runtime::WorkerOf(SeriesId id) const { return WorkerOfAsset(catalog_.AssetOf(id)); }

std::size_t Runtime::WorkerOfAsset(AssetId asset) const {
  return asset == kInvalidAsset || workers_.empty() ? 0 : asset % workers_.size();
}

Status Runtime::Enqueue(Batch&& batch) {
  if (!accepting_.load(std::memory_order_acquire)) return Status::Cancelled("pipeline is shutting down");
  if (batch.empty()) return Status::Ok();
  std::int64_t now = clock_.Steady();
  auto push = [&](std::size_t w, Batch&& b) {
    Item item{std::move(b), nullptr, now};
    if (!workers_[w]->queue.Push(item)) return Status::Cancelled("pipeline is shutting down");
    workers_[w]->depth->Set(static_cast<double>(workers_[w]->queue.size()));
    return Status::Ok();
  };
  std::size_t first = WorkerOf(batch.series[0]);
  bool single = true;
  for (std::size_t i = 1; i < batch.size() && single; ++i) single = WorkerOf(batch.series[i]) == first;
  if (single || workers_.size() == 1) return push(first, std::move(batch));
  std::vector<Batch> parts(workers_.size());
  for (auto& part : parts) part.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) parts[WorkerOf(batch.series[i])].Append(batch.At(i));
  for (std::size_t w = 0; w < parts.size(); ++w) {
    if (!parts[w].empty()) MW_RETURN_IF_ERROR(push(w, std::move(parts[w])));
  }
  return Status::Ok();
}

Status Runtime::AppendFrame(SeriesId series, Timestamp time, std::uint32_t rows, std::uint32_t cols,
                            std::span<const float> elements) {
  if (!accepting_.load(std::memory_order_acquire)) return Status::Cancelled("pipeline is shutting down");
  Status s = store_.AppendFrame(series, time, rows, cols, elements);
  if (s.ok()) {
    frames_->Add();
  } else {
    sink_errors_->Add();
  }
  return s;
}

Status Runtime::EnqueueEncoded(std::size_t worker, std::unique_ptr<EncodedBatch> batch) {
  if (!accepting_.load(std::memory_order_acquire)) return Status::Cancelled("pipeline is shutting down");
  if (worker >= workers_.size())
    return Status::InvalidArgument("no worker " + std::to_string(worker) + " (there are " +
                                   std::to_string(workers_.size()) + ")");
  if (!batch) return Status::Ok();
  Item item{{}, std::move(batch), clock_.Steady()};
  Worker& w = *workers_[worker];
  if (!w.queue.Push(item)) return Status::Cancelled("pipeline is shutting down");
  w.depth->Set(static_cast<double>(w.queue.size()));
  return Status::Ok();
}

namespace {

void AppendColumns(const Batch& from, Batch& to) {
  to.series.insert(to.series.end(), from.series.begin(), from.series.end());
  to.times.insert(to.times.end(), from.times.begin(), from.times.end());
  to.values.insert(to.values.end(), from.values.begin(), from.values.end());
  to.qualities.insert(to.qualities.end(), from.qualities.begin(), from.qualities.end());
}

}  // namespace

void Runtime::WorkerLoop(Worker& worker) {
  // A worker that fell behind (the store waiting on an fdatasync, say) takes up to kMaxItems queued
  // batches at once and handles them as one: one store append, hence one WAL record and one
  // durable commit, for all of them. This is the pipeline's half of group commit.
  constexpr std::size_t kMaxItems = 16;
  std::vector<Item> items;
  while (worker.queue.PopSome(items, kMaxItems)) {
    worker.depth->Set(static_cast<double>(worker.queue.size()));
    std::int64_t enqueued = items.front().enqueued_steady;
    worker.work.clear();
    for (Item& item : items) {
      enqueued = std::min(enqueued, item.enqueued_steady);
      if (item.encoded) {
        item.encoded->Decode(worker.index, worker.work);
      } else {
        AppendColumns(item.batch, worker.work);
      }
    }
    items.clear();  // frees the encoded bytes before the batch is processed
    ProcessBatch(worker, worker.work, enqueued);
  }
}

const std::vector<Runtime::Stage>& Runtime::RouteFor(Worker& worker, SeriesId id) {
  if (id >= worker.routes.size()) {
    std::size_t n = std::max<std::size_t>(id + 1, worker.routes.size() * 2);
    worker.routes.resize(n);
    worker.route_known.resize(n, 0);
  }
  if (worker.route_known[id]) return worker.routes[id];
  worker.route_known[id] = 1;
  auto series = catalog_.Series(id);
  if (!series) return worker.routes[id];
  auto asset = catalog_.Asset(series->asset);
  if (!asset) return worker.routes[id];
  auto procs = worker.processors.find(asset->template_name);
  auto tmpl = config_.templates.find(asset->template_name);
  if (procs == worker.processors.end() || tmpl == config_.templates.end()) return worker.routes[id];
  // A series of the template's own signals is raw; any other series of the asset is derived.
  const bool raw = tmpl->second.FindSignal(series->signal) != nullptr;
  for (std::size_t i = 0; i < procs->second.size(); ++i) {
    Processor* p = procs->second[i].get();
    if (raw ? p->AppliesTo(series->signal) : p->AppliesToDerived(series->signal))
      worker.routes[id].push_back({p, static_cast<std::uint32_t>(i)});
  }
  return worker.routes[id];
}

void Runtime::RunStages(Worker& worker, const std::vector<Stage>& route, const Sample& sample,
                        std::uint32_t after, ProcessorOutput& out) {
  for (const Stage& stage : route) {
    if (stage.position < after) continue;
    stage.processor->Process(sample, out);
    worker.producer.resize(worker.derived.size(), stage.position);
  }
}

void Runtime::ProcessBatch(Worker& worker, Batch& batch, std::int64_t enqueued_steady) {
  if (batch.empty()) return;
  const std::size_t raw = batch.size();
  worker.derived.clear();
  worker.events.clear();
  worker.producer.clear();
  ProcessorOutput out{worker.derived, worker.events};
  for (std::size_t i = 0; i < raw; ++i) {
    const auto& route = RouteFor(worker, batch.series[i]);
    if (!route.empty()) RunStages(worker, route, batch.At(i), 0, out);
  }
  // Derived samples go on to the later stages that take them; what those write is appended and
  // visited in turn (positions only grow, so this ends).
  for (std::size_t j = 0; j < worker.derived.size(); ++j) {
    const auto& route = RouteFor(worker, worker.derived.series[j]);
    if (!route.empty()) RunStages(worker, route, worker.derived.At(j), worker.producer[j] + 1, out);
  }
  // Raw and derived samples go to the store in one append: one WAL record, one commit.
  if (!worker.derived.empty()) {
    derived_samples_->Add(worker.derived.size());
    AppendColumns(worker.derived, batch);
  }
  if (!store_.Append(batch).ok()) sink_errors_->Add();
  if (!worker.events.empty()) {
    if (!store_.AppendEvents(worker.events).ok()) sink_errors_->Add();
    std::uint64_t n = 0;
    for (const auto& e : worker.events) n += e.kind == EventKind::kAnomaly;
    anomalies_->Add(n);
  }
  for (auto& sink : sinks_) {
    if (!sink->Write(batch, worker.events).ok()) sink_errors_->Add();
  }
  samples_processed_->Add(raw);
  latency_->Observe(static_cast<double>(clock_.Steady() - enqueued_steady) / 1e9);
}

}  // namespace mw::pipeline
