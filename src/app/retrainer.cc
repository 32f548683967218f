#include "app/retrainer.h"

#include <filesystem>
#include <fstream>

#include <spdlog/spdlog.h>

#include "analytics/models/bundle.h"
#include "analytics/models/health.h"
#include "app/stored_dataset.h"
#include "core/time_format.h"

namespace mw::app {
namespace {

constexpr std::size_t kHistory = 20;
constexpr std::uint64_t kSplitSeed = 20261207;

// The serving model's training parameters, for the candidate (defaults where absent).
models::BoosterParams ParamsOf(const nlohmann::json& p) {
  models::BoosterParams out;
  out.mode = p.value("mode", std::string("rf")) == "boosted" ? models::TreeMode::kBoosted
                                                             : models::TreeMode::kRandomForest;
  out.trees = p.value("trees", 100);
  out.max_depth = p.value("max_depth", 8);
  out.learning_rate = p.value("learning_rate", 0.3);
  out.subsample = p.value("subsample", 0.8);
  out.colsample = p.value("colsample", 0.8);
  out.min_child_weight = p.value("min_child_weight", 1.0);
  out.seed = p.value("seed", 0);
  out.threads = 1;
  return out;
}

}  // namespace

std::vector<RetrainSpec> RetrainSpecsOf(const Config& config, const pipeline::PluginRegistry& registry) {
  std::vector<RetrainSpec> specs;
  for (const auto& [name, o] : registry.ConfiguredDetectors(config, "health_classifier")) {
    if (o.GetDuration("retrain_every") <= 0) continue;
    RetrainSpec s;
    s.model = o.GetString("model");
    s.template_name = name;
    s.every = o.GetDuration("retrain_every");
    s.window = o.GetDuration("retrain_window");
    s.label_signal = o.GetString("label_signal");
    s.test_fraction = o.GetDouble("retrain_test_fraction");
    s.min_gain = o.GetDouble("retrain_min_gain");
    s.min_rows = o.GetInt("retrain_min_rows");
    s.log_file = config.server.data_dir + "/models/training-log.jsonl";
    specs.push_back(std::move(s));
  }
  return specs;
}

Retrainer::Retrainer(RetrainSpec spec, const pipeline::SeriesStore& store, const Catalog& catalog,
                     const Clock& clock, MetricsRegistry& metrics)
    : spec_(std::move(spec)),
      store_(store),
      catalog_(catalog),
      clock_(clock),
      promotions_(metrics.GetCounter("mw_model_promotions_total", "retrained models put in service",
                                     {{"model", spec_.model}})),
      refusals_(metrics.GetCounter("mw_model_candidates_refused_total",
                                   "retrained candidates not better than the serving model",
                                   {{"model", spec_.model}})) {}

Retrainer::~Retrainer() { Stop(); }

void Retrainer::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::nanoseconds(spec_.every), [this] { return stopping_; })) {
      lock.unlock();
      RunOnce();
      lock.lock();
    }
  });
}

void Retrainer::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

nlohmann::json Retrainer::RunOnce() {
  nlohmann::json record = Run();
  record["time"] = FormatRfc3339(clock_.Now());
  record["model"] = spec_.model;
  Record(record);
  return record;
}

nlohmann::json Retrainer::Run() {
  const auto failed = [](const std::string& why) {
    return nlohmann::json{{"decision", "failed"}, {"reason", why}};
  };
  auto bundle = models::ReadBundle(spec_.model);
  if (!bundle.ok()) return failed(bundle.status().message());
  auto serving = models::HealthModel::FromBundle(*bundle);
  if (!serving.ok()) return failed(serving.status().message());

  // The window ends at the newest label, not at the wall clock: sources' clocks (and a simulator
  // running faster than time) may be ahead of this machine's.
  StoredDatasetRequest request;
  request.to = clock_.Now();
  for (const AssetInfo& a : catalog_.Assets()) {
    if (a.template_name != spec_.template_name) continue;
    request.assets.push_back(a.path);
    const auto label = catalog_.FindSeries(a.id, spec_.label_signal);
    if (const auto latest = label ? store_.Latest(*label) : std::nullopt)
      request.to = std::max(request.to, latest->time);
  }
  if (request.assets.empty()) return failed("no asset of template " + spec_.template_name);
  request.from = request.to - spec_.window;
  request.signals = models::SignalsOf(serving->features());
  request.label_signal = spec_.label_signal;
  auto table = ReadStoredDataset(store_, catalog_, request);
  if (!table.ok()) return failed(table.status().message());
  if (static_cast<std::int64_t>(table->rows()) < spec_.min_rows) {
    return {{"decision", "skipped"}, {"reason", "only " + std::to_string(table->rows()) + " labelled rows"}};
  }

  models::HealthTrainSpec train;
  train.features = bundle->features;
  train.params = ParamsOf(bundle->params);
  train.test_fraction = spec_.test_fraction;
  train.split_seed = kSplitSeed;
  train.version = bundle->version + 1;
  auto candidate = models::TrainHealthClassifier(*table, train);
  if (!candidate.ok()) return failed(candidate.status().message());
  // The serving model on exactly the candidate's held-out units.
  const auto held_out = models::HeldOutUnits(*table, spec_.test_fraction, kSplitSeed);
  auto current = models::EvaluateOnTable(*serving, models::SelectUnits(*table, held_out));
  if (!current.ok()) return failed(current.status().message());

  const double gain = candidate->held_out.macro_f1 - current->macro_f1;
  nlohmann::json record = {{"rows", table->rows()},
                           {"held_out_units", held_out.size()},
                           {"candidate", candidate->held_out.ToJson()},
                           {"serving", current->ToJson()},
                           {"serving_version", bundle->version},
                           {"gain", gain}};
  if (gain <= spec_.min_gain) {
    refusals_.Add();
    record["decision"] = "kept";
    record["reason"] = "the candidate is not better on the held-out assets";
    return record;
  }
  const Status written = models::WriteBundle(spec_.model, candidate->bundle);
  if (!written.ok()) return failed(written.message());
  promotions_.Add();
  record["decision"] = "promoted";
  record["version"] = candidate->bundle.version;
  return record;
}

void Retrainer::Record(nlohmann::json record) {
  const std::string decision = record.value("decision", "");
  spdlog::info("retraining {}: {} (candidate macro-F1 {}, serving {}){}", spec_.model, decision,
               record.contains("candidate") ? record["candidate"]["macro_f1"].dump() : "-",
               record.contains("serving") ? record["serving"]["macro_f1"].dump() : "-",
               record.contains("reason") ? ": " + record["reason"].get<std::string>() : "");
  if (!spec_.log_file.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(spec_.log_file).parent_path(), ec);
    std::ofstream log(spec_.log_file, std::ios::app);
    log << record.dump() << '\n';
    if (!log) spdlog::error("retraining {}: cannot append to {}", spec_.model, spec_.log_file);
  }
  std::lock_guard lock(mutex_);
  history_.push_back(std::move(record));
  if (history_.size() > kHistory) history_.pop_front();
}

nlohmann::json Retrainer::History() const {
  std::lock_guard lock(mutex_);
  return nlohmann::json(std::vector<nlohmann::json>(history_.begin(), history_.end()));
}

}  // namespace mw::app
