// Builds `modbus` sources the way the runtime does (config text -> option validation -> factory),
// and records what they emit.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "connectors/modbus/modbus_source.h"
#include "connectors/modbus/register.h"
#include "core/catalog.h"
#include "core/config.h"
#include "pipeline/metric_names.h"

namespace mw::connectors::modbus::testing {

// Keeps every batch, and every sample by series.
class RecordingEmitter final : public pipeline::Emitter {
 public:
  Status Emit(Batch&& batch) override {
    std::lock_guard lock(mu_);
    batches_.push_back(std::move(batch));
    return Status::Ok();
  }
  std::vector<Batch> Batches() const {
    std::lock_guard lock(mu_);
    return batches_;
  }
  std::vector<double> Values(SeriesId series) const {
    std::lock_guard lock(mu_);
    std::vector<double> out;
    for (const Batch& b : batches_)
      for (std::size_t i = 0; i < b.size(); ++i)
        if (b.series[i] == series) out.push_back(b.values[i]);
    return out;
  }
  std::size_t Count(SeriesId series) const { return Values(series).size(); }
  std::size_t BatchCount() const {
    std::lock_guard lock(mu_);
    return batches_.size();
  }

 private:
  mutable std::mutex mu_;
  std::vector<Batch> batches_;
};

inline constexpr const char* kConfigHead = R"(
[templates.press]
signals = ["temp", "level", "speed"]

[[assets]]
path = "plant/press1"
template = "press"
)";

class SourceHarness {
 public:
  SourceHarness() { RegisterModbusPlugins(registry_); }

  // `sources` is TOML for [[sources]] tables. Errors (config, options, factory) go to `errors`.
  std::vector<std::unique_ptr<ModbusSource>> Build(const std::string& sources,
                                                   std::vector<std::string>* errors) {
    load_ = ParseConfig(std::string(kConfigHead) + sources, "test.toml");
    for (const auto& e : load_.errors) errors->push_back(e.ToString());
    if (!load_.ok()) return {};
    for (const auto& asset : load_.config.assets) catalog_.AddAsset(asset.path, asset.template_name);
    std::vector<std::unique_ptr<ModbusSource>> out;
    for (const auto& spec : load_.config.sources) {
      std::vector<ConfigError> option_errors;
      auto options = registry_.Validate(pipeline::PluginKind::kSource, spec, option_errors);
      for (const auto& e : option_errors) errors->push_back(e.ToString());
      if (!options) continue;
      pipeline::PluginContext ctx{spec.name,
                                  catalog_,
                                  metrics_,
                                  clock_,
                                  load_.config,
                                  nullptr,
                                  [this](std::string_view path, const std::string& discover) {
                                    if (auto id = catalog_.FindAsset(path)) return *id;
                                    return discover.empty() ? kInvalidAsset
                                                            : catalog_.AddAsset(path, discover);
                                  }};
      auto plugin = registry_.Find(pipeline::PluginKind::kSource, "modbus")->factory(*options, ctx);
      if (!plugin.ok()) {
        errors->push_back(plugin.status().ToString());
        continue;
      }
      out.emplace_back(static_cast<ModbusSource*>(plugin->release()));
    }
    return out;
  }

  // One source that must build.
  std::unique_ptr<ModbusSource> BuildOne(const std::string& source) {
    std::vector<std::string> errors;
    auto sources = Build(source, &errors);
    EXPECT_TRUE(errors.empty()) << errors.front();
    EXPECT_EQ(sources.size(), 1u);
    return sources.empty() ? nullptr : std::move(sources.front());
  }

  // The errors of a source that must not build.
  std::string BuildErrors(const std::string& source) {
    std::vector<std::string> errors;
    auto sources = Build(source, &errors);
    EXPECT_TRUE(sources.empty());
    std::string all;
    for (const auto& e : errors) all += e + "\n";
    return all;
  }

  SeriesId Series(const std::string& signal, const std::string& asset = "plant/press1") {
    auto id = catalog_.FindAsset(asset);
    return id ? catalog_.FindSeries(*id, signal).value_or(kInvalidSeries) : kInvalidSeries;
  }
  std::uint64_t Count(const char* metric, const std::string& source) {
    return metrics_.CounterValue(metric, {{"source", source}});
  }
  std::uint64_t ReadErrors(const std::string& source, const char* reason) {
    return metrics_.CounterValue(kReadErrorsMetric, {{"source", source}, {"reason", reason}});
  }
  double Gauge(const char* metric, const std::string& source) {
    return metrics_.GetGauge(metric, "", {{"source", source}}).Value();
  }

  pipeline::PluginRegistry registry_;
  ConfigLoad load_;
  Catalog catalog_;
  MetricsRegistry metrics_;
  SystemClock clock_;
};

}  // namespace mw::connectors::modbus::testing
