#include "analytics/models/health_classifier.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include <spdlog/spdlog.h>

namespace mw::models {
namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string PositiveOrZeroDuration(const pipeline::OptionValue& v) {
  return std::get<std::int64_t>(v) >= 0 ? "" : "expected a duration >= 0";
}

}  // namespace

HealthClassifier::HealthClassifier(std::shared_ptr<ModelSlot> slot, std::string output, Catalog& catalog,
                                   const Clock& clock, MetricsRegistry& metrics, std::string name)
    : slot_(std::move(slot)),
      output_(std::move(output)),
      catalog_(catalog),
      clock_(clock),
      name_(std::move(name)),
      scored_(metrics.GetCounter("mw_model_records_scored_total", "records scored by a served model",
                                 {{"plugin", name_}})),
      incomplete_(metrics.GetCounter("mw_model_records_incomplete_total",
                                     "records scored with some signals missing", {{"plugin", name_}})),
      failures_(metrics.GetCounter("mw_model_prediction_failures_total", "records a model could not score",
                                   {{"plugin", name_}})) {}

bool HealthClassifier::AppliesTo(std::string_view signal) const {
  const auto& signals = slot_->signals();
  return std::find(signals.begin(), signals.end(), signal) != signals.end();
}

HealthClassifier::AssetState& HealthClassifier::StateOf(AssetId asset) {
  if (asset >= assets_.size()) assets_.resize(asset + 1);
  if (!assets_[asset]) {
    assets_[asset] = std::make_unique<AssetState>();
    assets_[asset]->values.assign(slot_->signals().size(), kMissing);
    assets_[asset]->state_series = catalog_.InternSeries(asset, output_);
  }
  return *assets_[asset];
}

HealthClassifier::SeriesSlot HealthClassifier::Locate(SeriesId series) {
  if (series < series_.size() && series_[series].signal != kUnknown) return series_[series];
  if (series >= series_.size()) series_.resize(std::max<std::size_t>(series + 1, series_.size() * 2));
  SeriesSlot& slot = series_[series];
  slot.signal = -1;
  if (const auto info = catalog_.Series(series)) {
    const auto& signals = slot_->signals();
    const auto at = std::find(signals.begin(), signals.end(), info->signal);
    if (at != signals.end()) slot = {info->asset, static_cast<int>(at - signals.begin())};
  }
  return slot;
}

void HealthClassifier::Process(const Sample& sample, pipeline::ProcessorOutput& out) {
  if (sample.quality != Quality::kGood || !std::isfinite(sample.value)) return;
  const SeriesSlot where = Locate(sample.series);
  if (where.signal < 0) return;
  const auto& signals = slot_->signals();
  AssetState& s = StateOf(where.asset);
  if (s.open && sample.time < s.time) return;  // a late reading of a record already scored
  if (s.open && sample.time > s.time) {
    incomplete_.Add();
    Score(where.asset, s, out);
  }
  if (!s.open) {
    s.open = true;
    s.time = sample.time;
    std::fill(s.values.begin(), s.values.end(), kMissing);
    s.present = 0;
  }
  float& value = s.values[static_cast<std::size_t>(where.signal)];
  if (std::isnan(value)) ++s.present;
  value = static_cast<float>(sample.value);
  if (s.present == signals.size()) Score(where.asset, s, out);
}

void HealthClassifier::Bind(AssetId asset, AssetState& s) {
  s.generation = slot_->generation();  // read first: a swap after it is seen at the next record
  auto model = slot_->Current();
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

void HealthClassifier::Score(AssetId asset, AssetState& s, pipeline::ProcessorOutput& out) {
  s.open = false;
  if (slot_->Poll(clock_.Steady())) {
    const ModelBundle& b = slot_->Current()->bundle();
    out.events.push_back(
        {EventKind::kModel, s.time, s.state_series, static_cast<double>(b.version), 0, name_,
         "model " + slot_->path() + " version " + std::to_string(b.version) + " in service"});
  }
  if (s.generation != slot_->generation()) Bind(asset, s);  // the atomic spares a lock per record
  if (!s.windows) {
    failures_.Add();
    return;
  }
  s.windows->Update(s.values, s.row);
  if (!s.model->PredictProba(s.row, &probabilities_).ok()) {
    failures_.Add();
    return;
  }
  const auto best = std::max_element(probabilities_.begin(), probabilities_.end());
  const int cls = static_cast<int>(best - probabilities_.begin());
  out.derived.Append(s.state_series, s.time, cls);
  for (std::size_t c = 0; c < s.probability_series.size() && c < probabilities_.size(); ++c) {
    out.derived.Append(s.probability_series[c], s.time, probabilities_[c]);
  }
  if (s.last_class >= 0 && cls != s.last_class) {
    const auto& classes = s.model->classes();
    out.events.push_back({EventKind::kAnomaly, s.time, s.state_series, static_cast<double>(cls), *best, name_,
                          "state " + classes[static_cast<std::size_t>(s.last_class)] + " -> " +
                              classes[static_cast<std::size_t>(cls)]});
  }
  s.last_class = cls;
  scored_.Add();
}

pipeline::PluginDescriptor HealthClassifier::Descriptor() {
  using pipeline::OptionType;
  pipeline::PluginDescriptor d;
  d.kind = pipeline::PluginKind::kDetector;
  d.name = "health_classifier";
  d.doc =
      "Serves a health-classifier bundle (millwright train): per record the state <output> and "
      "<output>.p_<class>; reloads the file when it changes";
  d.options = {
      {"model", OptionType::kString, std::nullopt, "model bundle path (written by millwright train)", {}},
      {"signals",
       OptionType::kStringList,
       std::vector<std::string>{},
       "the record's signals; empty: those the model at start reads (a later model may read only these)",
       {}},
      {"output", OptionType::kString, std::string("health_state"), "series of the state, on the asset", {}},
      {"reload_interval", OptionType::kDuration, std::int64_t{2'000'000'000},
       "how often the model file is checked for a change; 0: never", PositiveOrZeroDuration},
      // Read by `serve`'s retraining schedule (app/retrainer.h), not by the detector itself.
      {"retrain_every", OptionType::kDuration, std::int64_t{0},
       "retrain from stored labels this often, promote when better on held-out assets; 0: never",
       PositiveOrZeroDuration},
      {"retrain_window", OptionType::kDuration, std::int64_t{7 * 86400 * kNanosPerSecond},
       "how much labelled history a retraining reads", PositiveOrZeroDuration},
      {"label_signal",
       OptionType::kString,
       std::string("health_truth"),
       "stored signal holding the state labels (0 HEALTHY .. 3 BROKEN)",
       {}},
      {"retrain_test_fraction", OptionType::kDouble, 0.25, "share of assets held out to judge both models",
       [](const pipeline::OptionValue& v) {
         const double f = std::get<double>(v);
         return f > 0 && f < 1 ? "" : "expected 0 < fraction < 1";
       }},
      {"retrain_min_gain", OptionType::kDouble, 0.0, "macro-F1 a candidate must gain to be promoted", {}},
      {"retrain_min_rows", OptionType::kInt, std::int64_t{1000}, "fewer labelled rows: no retraining",
       [](const pipeline::OptionValue& v) { return std::get<std::int64_t>(v) > 0 ? "" : "expected > 0"; }},
  };
  d.factory = [](const pipeline::Options& o,
                 pipeline::PluginContext& ctx) -> Result<std::unique_ptr<pipeline::Plugin>> {
    const std::vector<std::string>& signals = o.GetStringList("signals");
    MW_RETURN_IF_ERROR(pipeline::CheckTemplateSignals(ctx, "signals", signals));
    auto slot = ModelRegistry::Global().Get(o.GetString("model"), signals, o.GetDuration("reload_interval"),
                                            ctx.metrics);
    if (!slot.ok()) return Status::InvalidArgument("model: " + slot.status().message());
    MW_RETURN_IF_ERROR(pipeline::CheckTemplateSignals(ctx, "signals", (*slot)->signals()));
    return std::unique_ptr<pipeline::Plugin>(new HealthClassifier(
        std::move(*slot), o.GetString("output"), ctx.catalog, ctx.clock, ctx.metrics, ctx.name));
  };
  return d;
}

void RegisterModels(pipeline::PluginRegistry& registry) { registry.Register(HealthClassifier::Descriptor()); }

}  // namespace mw::models
