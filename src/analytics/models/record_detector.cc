#include "analytics/models/record_detector.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mw::models {
namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

}  // namespace

RecordDetector::RecordDetector(std::shared_ptr<ModelSlot> slot, Catalog& catalog, const Clock& clock,
                               MetricsRegistry& metrics, std::string name)
    : slot_(std::move(slot)),
      catalog_(catalog),
      clock_(clock),
      name_(std::move(name)),
      scored_(metrics.GetCounter("mw_model_records_scored_total", "records scored by a served model",
                                 {{"plugin", name_}})),
      incomplete_(metrics.GetCounter("mw_model_records_incomplete_total",
                                     "records scored with some signals missing", {{"plugin", name_}})),
      failures_(metrics.GetCounter("mw_model_prediction_failures_total", "records a model could not score",
                                   {{"plugin", name_}})) {}

bool RecordDetector::AppliesTo(std::string_view signal) const {
  const auto& signals = slot_->signals();
  return std::find(signals.begin(), signals.end(), signal) != signals.end();
}

RecordDetector::Record& RecordDetector::RecordOf(AssetId asset) {
  if (asset >= records_.size()) records_.resize(asset + 1);
  if (!records_[asset]) {
    records_[asset] = std::make_unique<Record>();
    records_[asset]->values.assign(slot_->signals().size(), kMissing);
  }
  return *records_[asset];
}

RecordDetector::SeriesSlot RecordDetector::Locate(SeriesId series) {
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

void RecordDetector::Process(const Sample& sample, pipeline::ProcessorOutput& out) {
  if (sample.quality != Quality::kGood || !std::isfinite(sample.value)) return;
  const SeriesSlot where = Locate(sample.series);
  if (where.signal < 0) return;
  Record& r = RecordOf(where.asset);
  if (r.open && sample.time < r.time) return;  // a late reading of a record already scored
  if (r.open && sample.time > r.time) {
    incomplete_.Add();
    Close(where.asset, r, out);
  }
  if (!r.open) {
    r.open = true;
    r.time = sample.time;
    std::fill(r.values.begin(), r.values.end(), kMissing);
    r.present = 0;
  }
  float& value = r.values[static_cast<std::size_t>(where.signal)];
  if (std::isnan(value)) ++r.present;
  value = static_cast<float>(sample.value);
  if (r.present == r.values.size()) Close(where.asset, r, out);
}

void RecordDetector::Close(AssetId asset, Record& record, pipeline::ProcessorOutput& out) {
  record.open = false;
  if (slot_->Poll(clock_.Steady())) {
    const ModelBundle& b = slot_->Current()->bundle();
    out.events.push_back(
        {EventKind::kModel, record.time, EventSeries(asset), static_cast<double>(b.version), 0, name_,
         "model " + slot_->path() + " version " + std::to_string(b.version) + " in service"});
  }
  Score(asset, record.time, record.values, out);
}

std::vector<pipeline::OptionSpec> ServedModelOptions(const std::string& model_doc,
                                                     std::vector<pipeline::OptionSpec> extra) {
  using pipeline::OptionType;
  std::vector<pipeline::OptionSpec> options = {
      {"model", OptionType::kString, std::nullopt, model_doc, {}},
      {"signals",
       OptionType::kStringList,
       std::vector<std::string>{},
       "the record's signals; empty: those the model at start reads (a later model may read only these)",
       {}},
      {"reload_interval", OptionType::kDuration, std::int64_t{2'000'000'000},
       "how often the model file is checked for a change; 0: never", pipeline::OptionNonNegativeDuration},
  };
  for (auto& o : extra) options.push_back(std::move(o));
  return options;
}

Result<std::shared_ptr<ModelSlot>> SlotFromOptions(const pipeline::Options& o, pipeline::PluginContext& ctx,
                                                   const std::string& kind) {
  const std::vector<std::string>& signals = o.GetStringList("signals");
  MW_RETURN_IF_ERROR(pipeline::CheckTemplateSignals(ctx, "signals", signals));
  auto slot = ModelRegistry::Global().Get(o.GetString("model"), kind, signals,
                                          o.GetDuration("reload_interval"), ctx.metrics);
  if (!slot.ok()) return Status::InvalidArgument("model: " + slot.status().message());
  MW_RETURN_IF_ERROR(pipeline::CheckTemplateSignals(ctx, "signals", (*slot)->signals()));
  return slot;
}

}  // namespace mw::models
