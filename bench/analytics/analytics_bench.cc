// The CPU cost of the feature processors, on one core, without the runtime: a pump template's chain
// (window statistics on 4 signals, rate and EWMA on the same 4, velocity RMS on a vibration signal)
// and spectra of 4,096-point frames. Prints `RESULT analytics.<figure> = <value> <unit>` last.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include "analytics/features/spectrum.h"
#include "analytics/features/trend.h"
#include "analytics/features/vibration.h"
#include "analytics/features/window_stats.h"

namespace mw::analytics {
namespace {

constexpr double kVibrationRate = 25600;  // Hz: the vibration signal's share of the samples

// One pump asset's samples, as a worker sees them: per 0.1 ms, one vibration sample and, every
// 10th, one sample of each of the 4 process signals (pressure, flow, temperature, current).
struct PumpChain {
  PumpChain() {
    const AssetId asset = catalog.AddAsset("plant/pump-01", "pump");
    const char* process[] = {"pressure", "flow", "temperature", "current"};
    WindowStatsOptions w;
    w.window = 1000;
    w.stats = {Stat::kMean, Stat::kStd, Stat::kMin, Stat::kMax, Stat::kRms};
    w.signals = {process, process + 4};
    RateOptions r;
    r.signals = w.signals;
    EwmaOptions e;
    e.signals = w.signals;
    VibrationOptions v;
    v.signals = {"vibration"};
    v.sample_rate = kVibrationRate;
    stats = std::make_unique<WindowStats>(w, catalog);
    rate = std::make_unique<Rate>(r, catalog);
    ewma = std::make_unique<Ewma>(e, catalog);
    vibration = std::make_unique<Vibration>(v, catalog);
    for (const char* s : process) {
      const SeriesId id = catalog.InternSeries(asset, s);
      routes[id] = {stats.get(), rate.get(), ewma.get()};
      series.push_back(id);
    }
    vib = catalog.InternSeries(asset, "vibration");
    routes[vib] = {vibration.get()};
    // A batch of 4,400 samples: 4,000 vibration and 400 process samples.
    for (int i = 0; i < 4000; ++i) {
      const double t = i / kVibrationRate;
      batch.Append(vib, 0,
                   std::sin(2 * std::numbers::pi * 50 * t) + 0.1 * std::sin(2 * std::numbers::pi * 1200 * t));
      if (i % 10 == 0)
        for (std::size_t s = 0; s < series.size(); ++s)
          batch.Append(series[s], 0, 10.0 * static_cast<double>(s + 1) + std::sin(t));
    }
  }
  // Feeds the batch once, with times continuing from the previous call.
  void Run() {
    ProcessorOutputs();
    pipeline::ProcessorOutput out{derived, events};
    const Timestamp step = static_cast<Timestamp>(1e9 / kVibrationRate);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      Sample s = batch.At(i);
      s.time = now;
      if (s.series == vib) now += step;
      for (pipeline::Processor* p : routes[s.series]) p->Process(s, out);
    }
  }
  void ProcessorOutputs() {
    derived.clear();
    events.clear();
  }

  Catalog catalog;
  std::unique_ptr<WindowStats> stats;
  std::unique_ptr<Rate> rate;
  std::unique_ptr<Ewma> ewma;
  std::unique_ptr<Vibration> vibration;
  std::map<SeriesId, std::vector<pipeline::Processor*>> routes;
  std::vector<SeriesId> series;
  SeriesId vib = kInvalidSeries;
  Batch batch;
  Batch derived;
  std::vector<Event> events;
  Timestamp now = 0;
};

void BM_PumpChain(benchmark::State& state) {
  PumpChain chain;
  while (state.KeepRunning()) {
    chain.Run();
    benchmark::DoNotOptimize(chain.derived.values.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(chain.batch.size()));
}
BENCHMARK(BM_PumpChain)->Name("pump_chain");

void BM_Spectrum(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  FrameTransform transform(n);
  Welch welch(n, kVibrationRate);
  std::vector<double> x(n);
  for (std::size_t j = 0; j < n; ++j) x[j] = std::sin(0.01 * static_cast<double>(j));
  while (state.KeepRunning()) {
    transform.AddFrame(x.data(), welch);
    benchmark::DoNotOptimize(welch.sums());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Spectrum)->Name("spectrum")->Arg(4096);

void BM_Envelope(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  FrameTransform transform(n);
  Welch welch(n, kVibrationRate);
  std::vector<double> x(n), envelope(n);
  for (std::size_t j = 0; j < n; ++j)
    x[j] = std::sin(0.7 * static_cast<double>(j)) * (1 + 0.3 * std::sin(0.01 * static_cast<double>(j)));
  while (state.KeepRunning()) {
    transform.Envelope(x.data(), kVibrationRate, 2000, 8000, envelope.data());
    transform.AddFrame(envelope.data(), welch);
    benchmark::DoNotOptimize(welch.sums());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Envelope)->Name("envelope_spectrum")->Arg(4096);

// Console output as usual, and the rate of each benchmark kept for the RESULT lines.
class Reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs) {
      auto it = run.counters.find("items_per_second");
      if (it != run.counters.end()) rates[run.benchmark_name()] = it->second.value;
    }
  }
  std::map<std::string, double> rates;
};

}  // namespace
}  // namespace mw::analytics

int main(int argc, char** argv) {
  // Flags it does not know (e.g. --data from scripts/bench.sh: this bench reads no data) are
  // ignored.
  benchmark::Initialize(&argc, argv);
  mw::analytics::Reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  const std::pair<const char*, const char*> figures[] = {
      {"pump_chain", "pump_chain_samples_per_s"},
      {"spectrum/4096", "spectra_4096_per_s"},
      {"envelope_spectrum/4096", "envelope_spectra_4096_per_s"},
  };
  for (const auto& [name, figure] : figures) {
    auto it = reporter.rates.find(name);
    if (it != reporter.rates.end())
      std::printf("RESULT analytics.%s = %.0f %s\n", figure, it->second,
                  std::string(figure).find("samples") != std::string::npos ? "samples/s" : "spectra/s");
  }
  return 0;
}
