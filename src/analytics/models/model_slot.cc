#include "analytics/models/model_slot.h"

#include <sys/stat.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "analytics/models/health.h"
#include "analytics/models/rul.h"
#include "core/clock.h"
#include "core/time_format.h"

namespace mw::models {
namespace {

ModelSlot::FileIdentity Identify(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {static_cast<std::int64_t>(st.st_ino), static_cast<std::int64_t>(st.st_size),
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

template <class Model>
Result<std::shared_ptr<ServedModel>> Load(ModelBundle bundle) {
  auto model = Model::FromBundle(std::move(bundle));
  if (!model.ok()) return model.status();
  return std::shared_ptr<ServedModel>(std::make_shared<Model>(std::move(*model)));
}

Result<std::shared_ptr<ServedModel>> LoadKind(ModelBundle bundle, const std::string& kind) {
  if (bundle.kind != kind)
    return Status::InvalidArgument("the bundle is a '" + bundle.kind + "' model, this slot serves '" + kind +
                                   "'");
  if (kind == kHealthClassifierKind) return Load<HealthModel>(std::move(bundle));
  if (kind == kRulKind) return Load<RulModel>(std::move(bundle));
  return Status::InvalidArgument("no model kind '" + kind + "' can be served");
}

}  // namespace

Result<std::shared_ptr<ModelSlot>> ModelSlot::Open(const std::string& path, std::string kind,
                                                   std::vector<std::string> signals, std::int64_t interval_ns,
                                                   MetricsRegistry& metrics) {
  std::shared_ptr<ModelSlot> slot(new ModelSlot());
  slot->path_ = path;
  slot->kind_ = std::move(kind);
  slot->signals_ = std::move(signals);
  slot->interval_ns_ = interval_ns;
  const Labels labels{{"model", path}};
  slot->reloads_ =
      &metrics.GetCounter("mw_model_reloads_total", "models put in service after a file change", labels);
  slot->refusals_ = &metrics.GetCounter("mw_model_reload_refusals_total",
                                        "changed model files refused (old model kept)", labels);
  MW_RETURN_IF_ERROR(slot->LoadFile(true));
  return slot;
}

Status ModelSlot::LoadFile(bool first) {
  const FileIdentity before = Identify(path_);
  auto bundle = ReadBundle(path_);
  Status problem = bundle.status();
  std::shared_ptr<ServedModel> model;
  if (problem.ok()) {
    auto loaded = LoadKind(std::move(*bundle), kind_);
    problem = loaded.status();
    if (loaded.ok()) model = std::move(*loaded);
  }
  if (problem.ok() && !model->SetThreads(1).ok())
    problem = Status::Internal("cannot set the model's threads");
  if (problem.ok()) {
    for (const std::string& signal : model->Signals()) {
      if (!first || !signals_.empty()) {
        if (std::find(signals_.begin(), signals_.end(), signal) == signals_.end()) {
          problem =
              Status::InvalidArgument("the model reads signal '" + signal +
                                      "', which this detector's records do not hold (its signals option)");
          break;
        }
      }
    }
  }
  std::lock_guard lock(mutex_);
  file_ = before;  // a refused file is not retried until it changes again
  if (!problem.ok()) {
    last_error_ = problem.message();
    return problem;
  }
  if (first && signals_.empty()) signals_ = model->Signals();
  current_ = std::move(model);
  loaded_at_ = FormatRfc3339(SystemClock::Instance().Now());
  last_error_.clear();
  generation_.fetch_add(1, std::memory_order_release);
  return Status::Ok();
}

std::shared_ptr<const ServedModel> ModelSlot::Current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

bool ModelSlot::Poll(std::int64_t now_ns) {
  if (interval_ns_ <= 0) return false;
  std::int64_t next = next_check_ns_.load(std::memory_order_relaxed);
  if (now_ns < next) return false;
  if (!next_check_ns_.compare_exchange_strong(next, now_ns + interval_ns_))
    return false;  // another reader checks
  return Reload();
}

bool ModelSlot::Reload() {
  std::lock_guard reloading(reload_mutex_);
  const FileIdentity now = Identify(path_);
  {
    std::lock_guard lock(mutex_);
    if (now == file_) return false;
  }
  if (now.size < 0) return false;  // gone for the moment (being replaced): keep serving
  const Status loaded = LoadFile(false);
  if (!loaded.ok()) {
    refusals_->Add();
    spdlog::error("model {}: refused the changed file, the previous model stays in service: {}", path_,
                  loaded.message());
    return false;
  }
  reloads_->Add();
  const auto model = Current();
  spdlog::info("model {}: version {} in service (trained {}, {} features)", path_, model->bundle().version,
               model->bundle().created, model->bundle().features.size());
  return true;
}

nlohmann::json ModelSlot::Describe() const {
  const auto model = Current();
  std::lock_guard lock(mutex_);
  nlohmann::json info = BundleInfo(model->bundle());
  return {{"path", path_},
          {"loaded_at", loaded_at_},
          {"generation", generation()},
          {"reloads", reloads_->Value()},
          {"refusals", refusals_->Value()},
          {"last_refusal", last_error_},
          {"signals", signals_},
          {"model", info}};
}

ModelRegistry& ModelRegistry::Global() {
  static ModelRegistry registry;
  return registry;
}

Result<std::shared_ptr<ModelSlot>> ModelRegistry::Get(const std::string& path, const std::string& kind,
                                                      const std::vector<std::string>& signals,
                                                      std::int64_t interval_ns, MetricsRegistry& metrics) {
  std::lock_guard lock(mutex_);
  slots_.erase(std::remove_if(slots_.begin(), slots_.end(), [](const auto& w) { return w.expired(); }),
               slots_.end());
  for (const auto& weak : slots_) {
    auto slot = weak.lock();
    if (!slot || slot->path() != path) continue;
    if (slot->kind() != kind)
      return Status::InvalidArgument("model " + path + " is already served as a '" + slot->kind() + "'");
    for (const std::string& s : signals) {
      if (std::find(slot->signals().begin(), slot->signals().end(), s) == slot->signals().end()) {
        return Status::InvalidArgument("model " + path + " is already served with signals that lack '" + s +
                                       "'");
      }
    }
    return slot;
  }
  auto slot = ModelSlot::Open(path, kind, signals, interval_ns, metrics);
  if (!slot.ok()) return slot.status();
  slots_.push_back(*slot);
  return slot;
}

std::shared_ptr<ModelSlot> ModelRegistry::Find(const std::string& path) {
  std::lock_guard lock(mutex_);
  for (const auto& weak : slots_) {
    auto slot = weak.lock();
    if (slot && slot->path() == path) return slot;
  }
  return nullptr;
}

nlohmann::json ModelRegistry::Describe() {
  std::lock_guard lock(mutex_);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& weak : slots_) {
    if (auto slot = weak.lock()) out.push_back(slot->Describe());
  }
  return out;
}

}  // namespace mw::models
