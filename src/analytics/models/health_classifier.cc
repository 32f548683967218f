#include "analytics/models/health_classifier.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include <spdlog/spdlog.h>

namespace mw::models {
namespace {

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

HealthClassifier::HealthClassifier(std::shared_ptr<ModelSlot> slot, std::string output, Catalog& catalog,
                                   const Clock& clock, MetricsRegistry& metrics, std::string name)
    : RecordDetector(std::move(slot), catalog, clock, metrics, std::move(name)), output_(std::move(output)) {}

HealthClassifier::AssetState& HealthClassifier::StateOf(AssetId asset) {
  if (asset >= assets_.size()) assets_.resize(asset + 1);
  if (!assets_[asset]) {
    assets_[asset] = std::make_unique<AssetState>();
    assets_[asset]->state_series = catalog_.InternSeries(asset, output_);
  }
  return *assets_[asset];
}

void HealthClassifier::Bind(AssetId asset, AssetState& s) {
  s.generation = slot_->generation();  // read first: a swap after it is seen at the next record
  auto model = slot_->CurrentAs<HealthModel>();
  if (!s.model || model->bundle().features != s.model->bundle().features) {
    auto windows = FeatureWindows::Create(model->features(), slot_->signals());
    s.windows = windows.ok() ? std::make_unique<FeatureWindows>(std::move(*windows)) : nullptr;
  }
  if (!s.model || model->classes() != s.model->classes()) {
    s.last_class = -1;
    s.probability_series.clear();
    for (const std::string& c : model->classes()) {
      s.probability_series.push_back(catalog_.InternSeries(asset, output_ + ".p_" + Lower(c)));
    }
  }
  s.model = std::move(model);
  s.row.resize(s.model->features().size());
}

void HealthClassifier::Score(AssetId asset, Timestamp time, std::span<const float> values,
                             pipeline::ProcessorOutput& out) {
  AssetState& s = StateOf(asset);
  if (s.generation != slot_->generation()) Bind(asset, s);  // the atomic spares a lock per record
  if (!s.windows) {
    CountFailure();
    return;
  }
  s.windows->Update(values, s.row);
  if (!s.model->PredictProba(s.row, &probabilities_).ok()) {
    CountFailure();
    return;
  }
  const auto best = std::max_element(probabilities_.begin(), probabilities_.end());
  const int cls = static_cast<int>(best - probabilities_.begin());
  out.derived.Append(s.state_series, time, cls);
  for (std::size_t c = 0; c < s.probability_series.size() && c < probabilities_.size(); ++c) {
    out.derived.Append(s.probability_series[c], time, probabilities_[c]);
  }
  if (s.last_class >= 0 && cls != s.last_class) {
    const auto& classes = s.model->classes();
    out.events.push_back({EventKind::kAnomaly, time, s.state_series, static_cast<double>(cls), *best, name_,
                          "state " + classes[static_cast<std::size_t>(s.last_class)] + " -> " +
                              classes[static_cast<std::size_t>(cls)]});
  }
  s.last_class = cls;
  CountScored();
}

pipeline::PluginDescriptor HealthClassifier::Descriptor() {
  using pipeline::OptionType;
  pipeline::PluginDescriptor d;
  d.kind = pipeline::PluginKind::kDetector;
  d.name = "health_classifier";
  d.doc =
      "Serves a health-classifier bundle (millwright train): per record the state <output> and "
      "<output>.p_<class>; reloads the file when it changes";
  d.options = ServedModelOptions(
      "model bundle path (written by millwright train)",
      {
          {"output",
           OptionType::kString,
           std::string("health_state"),
           "series of the state, on the asset",
           {}},
          // Read by `serve`'s retraining schedule (app/retrainer.h), not by the detector itself.
          {"retrain_every", OptionType::kDuration, std::int64_t{0},
           "retrain from stored labels this often, promote when better on held-out assets; 0: never",
           pipeline::OptionNonNegativeDuration},
          {"retrain_window", OptionType::kDuration, std::int64_t{7 * 86400 * kNanosPerSecond},
           "how much labelled history a retraining reads", pipeline::OptionNonNegativeDuration},
          {"label_signal",
           OptionType::kString,
           std::string("health_truth"),
           "stored signal holding the state labels (0 HEALTHY .. 3 BROKEN)",
           {}},
          {"retrain_test_fraction", OptionType::kDouble, 0.25,
           "share of assets held out to judge both models",
           [](const pipeline::OptionValue& v) {
             const double f = std::get<double>(v);
             return f > 0 && f < 1 ? "" : "expected 0 < fraction < 1";
           }},
          {"retrain_min_gain", OptionType::kDouble, 0.0, "macro-F1 a candidate must gain to be promoted", {}},
          {"retrain_min_rows", OptionType::kInt, std::int64_t{1000}, "fewer labelled rows: no retraining",
           [](const pipeline::OptionValue& v) {
             return std::get<std::int64_t>(v) > 0 ? "" : "expected > 0";
           }},
      });
  d.factory = [](const pipeline::Options& o,
                 pipeline::PluginContext& ctx) -> Result<std::unique_ptr<pipeline::Plugin>> {
    auto slot = SlotFromOptions(o, ctx, kHealthClassifierKind);
    if (!slot.ok()) return slot.status();
    return std::unique_ptr<pipeline::Plugin>(new HealthClassifier(
        std::move(*slot), o.GetString("output"), ctx.catalog, ctx.clock, ctx.metrics, ctx.name));
  };
  return d;
}

}  // namespace mw::models
