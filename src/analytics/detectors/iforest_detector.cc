#include "analytics/detectors/iforest_detector.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace mw::analytics {

IForestDetector::IForestDetector(IForestDetectorOptions options, std::string name, Catalog& catalog)
    : options_(std::move(options)), name_(std::move(name)), catalog_(catalog) {
  options_.history = std::max(options_.history, options_.warmup);
  if (options_.background) fitter_ = std::thread([this] { RunFits(); });
}

IForestDetector::~IForestDetector() {
  {
    std::lock_guard lock(jobs_mu_);
    stop_ = true;
  }
  jobs_cv_.notify_all();
  if (fitter_.joinable()) fitter_.join();
}

bool IForestDetector::AppliesTo(std::string_view signal) const {
  return std::find(options_.signals.begin(), options_.signals.end(), signal) != options_.signals.end();
}

bool IForestDetector::AppliesToDerived(std::string_view signal) const { return AppliesTo(signal); }

IForestDetector::AssetState& IForestDetector::StateFor(AssetId asset) {
  return assets_.Get(asset, [&] {
    auto s = std::make_unique<AssetState>();
    for (const auto& signal : options_.signals) s->inputs.push_back(catalog_.InternSeries(asset, signal));
    s->output = catalog_.InternSeries(asset, options_.output);
    s->latest.assign(options_.signals.size(), std::numeric_limits<double>::quiet_NaN());
    s->missing = options_.signals.size();
    s->history.resize(options_.history * options_.signals.size());
    return s;
  });
}

std::shared_ptr<const IsolationForest> IForestDetector::FitRows(const std::vector<double>& rows,
                                                                std::uint64_t seed) const {
  IsolationForestOptions o = options_.forest;
  o.seed = seed;
  auto forest = std::make_shared<IsolationForest>(o);
  forest->Fit(rows, options_.signals.size());
  return forest;
}

void IForestDetector::StartFit(AssetState& state) {
  const std::size_t dims = options_.signals.size();
  const std::size_t n = std::min(state.history_count, options_.history);
  // The ring's rows in any order: the forest does not care about order.
  std::vector<double> rows(state.history.begin(),
                           state.history.begin() + static_cast<std::ptrdiff_t>(n * dims));
  // A new seed per fit, derived from the configured one, so that refits are reproducible.
  const std::uint64_t seed = options_.forest.seed + 0x9E3779B97F4A7C15ULL * (state.generation + 1);
  state.since_fit = 0;
  if (!options_.background) {
    state.model = FitRows(rows, seed);
    ++state.generation;
    return;
  }
  state.in_flight.store(true, std::memory_order_relaxed);
  {
    std::lock_guard lock(jobs_mu_);
    jobs_.push_back({&state, std::move(rows), seed});
  }
  jobs_cv_.notify_one();
}

void IForestDetector::RunFits() {
  std::unique_lock lock(jobs_mu_);
  while (true) {
    jobs_cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
    if (stop_) return;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    busy_ = true;
    lock.unlock();
    auto forest = FitRows(job.rows, job.seed);
    {
      std::lock_guard pending_lock(job.state->pending_mu);
      job.state->pending = std::move(forest);
    }
    job.state->has_pending.store(true, std::memory_order_release);
    job.state->in_flight.store(false, std::memory_order_release);
    lock.lock();
    busy_ = false;
    if (jobs_.empty()) idle_cv_.notify_all();
  }
}

void IForestDetector::WaitIdle() {
  std::unique_lock lock(jobs_mu_);
  idle_cv_.wait(lock, [&] { return jobs_.empty() && !busy_; });
}

std::size_t IForestDetector::ModelGeneration(AssetId asset) {
  AssetState* s = assets_.Find(asset);
  if (s == nullptr) return 0;
  // Swapping in a waiting forest is the worker's job; do it here too so that tests see it.
  if (s->has_pending.load(std::memory_order_acquire)) {
    std::lock_guard lock(s->pending_mu);
    s->model = std::move(s->pending);
    s->has_pending.store(false, std::memory_order_relaxed);
    ++s->generation;
  }
  return s->generation;
}

void IForestDetector::Process(const Sample& sample, pipeline::ProcessorOutput& out) {
  if (!std::isfinite(sample.value) || sample.quality == Quality::kBad) return;
  const AssetId asset = catalog_.AssetOf(sample.series);
  if (asset == kInvalidAsset) return;
  AssetState& s = StateFor(asset);
  const auto it = std::find(s.inputs.begin(), s.inputs.end(), sample.series);
  if (it == s.inputs.end()) return;
  const auto k = static_cast<std::size_t>(it - s.inputs.begin());
  if (std::isnan(s.latest[k])) --s.missing;
  s.latest[k] = sample.value;
  if (s.missing > 0) return;

  const std::size_t dims = s.latest.size();
  std::copy(s.latest.begin(), s.latest.end(),
            s.history.begin() + static_cast<std::ptrdiff_t>((s.history_count % options_.history) * dims));
  ++s.history_count;
  ++s.since_fit;

  if (s.has_pending.load(std::memory_order_acquire)) {
    // Only a pointer move under the lock; the fitting thread holds it as briefly.
    std::lock_guard lock(s.pending_mu);
    s.model = std::move(s.pending);
    s.has_pending.store(false, std::memory_order_relaxed);
    ++s.generation;
  }
  const bool first_fit_due = !s.model && s.history_count >= options_.warmup;
  const bool refit_due = s.model && options_.refit_every > 0 && s.since_fit >= options_.refit_every;
  if ((first_fit_due || refit_due) && !s.in_flight.load(std::memory_order_acquire)) StartFit(s);
  if (!s.model) return;

  const double score = s.model->Score(s.latest);
  if (s.output != kInvalidSeries) out.derived.Append(s.output, sample.time, score);
  if (score >= options_.threshold) {
    out.events.push_back({EventKind::kAnomaly, sample.time, s.output, sample.value, score, name_,
                          fmt::format("isolation score {:.3f} over {} features", score, dims)});
  }
}

pipeline::PluginDescriptor IForestDetector::Descriptor() {
  using pipeline::OptionType;
  pipeline::PluginDescriptor d;
  d.kind = pipeline::PluginKind::kDetector;
  d.name = "isolation_forest";
  d.doc =
      "Isolation forest over an asset's feature vector (latest value of each signal), fitted on a warm-up "
      "and "
      "refitted in the background; emits <asset>/iforest_score in (0, 1] and an event at the threshold";
  d.options = {
      {"signals", OptionType::kStringList, std::nullopt, "the signals (or features) forming the vector",
       [](const pipeline::OptionValue& v) {
         return std::get<std::vector<std::string>>(v).empty() ? "expected at least one signal" : "";
       }},
      {"trees", OptionType::kInt, std::int64_t{100}, "isolation trees", detail::PositiveInt},
      {"sample_size", OptionType::kInt, std::int64_t{256}, "rows per tree (psi)",
       [](const pipeline::OptionValue& v) {
         return std::get<std::int64_t>(v) >= 2 ? "" : "expected an integer >= 2";
       }},
      {"seed", OptionType::kInt, std::int64_t{1}, "random seed of the fits", {}},
      {"warmup", OptionType::kInt, std::int64_t{512}, "vectors before the first fit",
       [](const pipeline::OptionValue& v) {
         return std::get<std::int64_t>(v) >= 2 ? "" : "expected an integer >= 2";
       }},
      {"history", OptionType::kInt, std::int64_t{4096}, "most recent vectors a refit learns from",
       detail::PositiveInt},
      {"refit_every", OptionType::kInt, std::int64_t{5000}, "vectors between refits; 0: never",
       detail::NonNegativeInt},
      {"background", OptionType::kBool, true, "fit on a background thread (scoring never waits)", {}},
      {"threshold", OptionType::kDouble, 0.65, "score at or above which an anomaly event is raised",
       detail::PositiveDouble},
      {"output", OptionType::kString, std::string("iforest_score"), "signal name of the score series", {}},
  };
  d.factory = [](const pipeline::Options& o,
                 pipeline::PluginContext& ctx) -> Result<std::unique_ptr<pipeline::Plugin>> {
    IForestDetectorOptions opts;
    opts.signals = o.GetStringList("signals");
    opts.forest.trees = static_cast<std::size_t>(o.GetInt("trees"));
    opts.forest.sample_size = static_cast<std::size_t>(o.GetInt("sample_size"));
    opts.forest.seed = static_cast<std::uint64_t>(o.GetInt("seed"));
    opts.warmup = static_cast<std::size_t>(o.GetInt("warmup"));
    opts.history = static_cast<std::size_t>(o.GetInt("history"));
    opts.refit_every = static_cast<std::size_t>(o.GetInt("refit_every"));
    opts.background = o.GetBool("background");
    opts.threshold = o.GetDouble("threshold");
    opts.output = o.GetString("output");
    if (auto err = detail::CheckSignals(opts.signals, ctx); !err.empty()) return Status::InvalidArgument(err);
    return std::unique_ptr<pipeline::Plugin>(new IForestDetector(std::move(opts), ctx.name, ctx.catalog));
  };
  return d;
}

}  // namespace mw::analytics
