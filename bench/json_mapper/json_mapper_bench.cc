// bench_json_mapper: the CPU cost of turning MQTT JSON payloads into samples, without a broker.
//
//   map/<shape>/<kernel>      JsonMapper::Map, payload copied into the parse buffer (as a caller
//                             with an unpadded payload does)
//   routed/<shape>/<kernel>   JsonMapper::MapRouted on a padded payload, parsed in place (what a
//                             pipeline worker does with the MQTT source's messages)
//   worker/<shape>/<kernel>   routed + the rotating template's z-score on every sample + the live
//                             cache (raw and derived samples): one pipeline worker's work per message
//
// Shapes as in bench/mqtt_ingest: `single`, one reading (3 samples) per message, and `batch`, 100
// readings (300 samples). The payloads are those of `millwright sim` (mw::sim::ReadingsPayload), 64
// machines on 64 topics. Kernels: generic (any x86-64) and haswell (AVX2; skipped where the CPU
// lacks it). Each figure is ns of CPU per sample (and samples/s); the last lines are RESULT lines.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "analytics/detectors/zscore.h"
#include "connectors/mqtt/json_mapper.h"
#include "core/catalog.h"
#include "sim/rotating_machine.h"
#include "storage/live_cache.h"

namespace mw::bench {
namespace {

using connectors::mqtt::JsonKernel;
using connectors::mqtt::JsonMapper;

constexpr int kMachines = 64;
constexpr int kMessagesPerMachine = 8;

struct Message {
  std::string topic;
  std::string payload;
  std::vector<char> padded;  // payload + JsonMapper::kPadding bytes
};

std::vector<Message> MakeMessages(int readings_per_message) {
  std::vector<Message> out;
  std::vector<sim::RotatingMachine> machines;
  for (int m = 0; m < kMachines; ++m) {
    sim::RotatingMachineSpec spec;
    spec.interval_ns = 10 * kNanosPerMilli;
    spec.seed = static_cast<std::uint64_t>(m + 1);
    machines.emplace_back(spec);
  }
  Timestamp t = 1'700'000'000 * kNanosPerSecond;
  std::vector<sim::Reading> readings;
  for (int i = 0; i < kMessagesPerMachine; ++i) {
    for (int m = 0; m < kMachines; ++m) {
      readings.clear();
      for (int r = 0; r < readings_per_message; ++r)
        readings.push_back(machines[static_cast<std::size_t>(m)].Next(t + r * 10 * kNanosPerMilli));
      Message msg;
      char topic[64];
      std::snprintf(topic, sizeof topic, "plant/line%d/machine-%02d/telemetry", m % 2 + 1, m);
      msg.topic = topic;
      msg.payload = sim::ReadingsPayload(readings);
      msg.padded.assign(msg.payload.begin(), msg.payload.end());
      msg.padded.resize(msg.payload.size() + JsonMapper::kPadding, ' ');
      out.push_back(std::move(msg));
    }
    t += readings_per_message * 10 * kNanosPerMilli;
  }
  return out;
}

const std::vector<Message>& Messages(int readings) {
  static std::map<int, std::vector<Message>> cache;
  auto it = cache.find(readings);
  if (it == cache.end()) it = cache.emplace(readings, MakeMessages(readings)).first;
  return it->second;
}

// The catalog, templates and mapper of a `rotating` plant whose assets are discovered from topics.
struct Plant {
  explicit Plant(JsonKernel kernel) {
    TemplateSpec& rotating = templates["rotating"];
    rotating.name = "rotating";
    for (const auto& [name, unit] :
         {std::pair{"temperature", "degC"}, {"vibration", "mm/s"}, {"rpm", "rpm"}}) {
      SignalSpec signal;
      signal.name = name;
      signal.unit = unit;
      rotating.signals.push_back(signal);
    }
    connectors::mqtt::MapperOptions options;
    options.asset = *connectors::mqtt::TopicPattern::Parse("plant1/{1}/{2}");
    options.kernel = kernel;
    mapper =
        std::make_unique<JsonMapper>(std::move(options), catalog, templates, [this](std::string_view path) {
          if (auto id = catalog.FindAsset(path)) return *id;
          AssetId id = catalog.AddAsset(path, "rotating");
          for (const auto& s : templates["rotating"].signals) catalog.InternSeries(id, s.name, s.unit);
          return id;
        });
    router = std::make_unique<connectors::mqtt::TopicRouter>(mapper->MakeRouter());
  }
  Catalog catalog;
  std::map<std::string, TemplateSpec> templates;
  std::unique_ptr<JsonMapper> mapper;
  std::unique_ptr<connectors::mqtt::TopicRouter> router;
};

bool SkipUnavailable(benchmark::State& state, JsonKernel kernel) {
  if (connectors::mqtt::JsonKernelAvailable(kernel)) return false;
  state.SkipWithError("kernel not available on this CPU");
  return true;
}

void Report(benchmark::State& state, std::size_t samples) {
  state.SetItemsProcessed(static_cast<std::int64_t>(samples));
  state.counters["ns_per_sample"] = benchmark::Counter(
      static_cast<double>(samples), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void MapCopied(benchmark::State& state, int readings, JsonKernel kernel) {
  if (SkipUnavailable(state, kernel)) return;
  const auto& messages = Messages(readings);
  Plant plant(kernel);
  Batch batch;
  std::size_t samples = 0, i = 0;
  for (auto _ : state) {
    const Message& m = messages[i++ % messages.size()];
    batch.clear();
    auto r = plant.mapper->Map(m.topic, m.payload, 1, batch);
    if (r.error) state.SkipWithError(r.message.c_str());
    samples += r.samples;
    benchmark::DoNotOptimize(batch.values.data());
  }
  Report(state, samples);
}

void MapRouted(benchmark::State& state, int readings, JsonKernel kernel) {
  if (SkipUnavailable(state, kernel)) return;
  const auto& messages = Messages(readings);
  Plant plant(kernel);
  std::vector<AssetId> assets;
  for (const auto& m : messages) {
    connectors::mqtt::MapResult r;
    assets.push_back(plant.router->Route(m.topic, r));
  }
  Batch batch;
  std::size_t samples = 0, i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ % messages.size();
    const Message& m = messages[k];
    batch.clear();
    auto r = plant.mapper->MapRouted(m.topic, assets[k], std::string_view(m.padded.data(), m.payload.size()),
                                     true, 1, batch);
    if (r.error) state.SkipWithError(r.message.c_str());
    samples += r.samples;
    benchmark::DoNotOptimize(batch.values.data());
  }
  Report(state, samples);
}

// What a pipeline worker does per message: map, score every sample, store raw and derived samples.
void Worker(benchmark::State& state, int readings, JsonKernel kernel) {
  if (SkipUnavailable(state, kernel)) return;
  const auto& messages = Messages(readings);
  Plant plant(kernel);
  std::vector<AssetId> assets;
  for (const auto& m : messages) {
    connectors::mqtt::MapResult r;
    assets.push_back(plant.router->Route(m.topic, r));
  }
  analytics::ZScoreOptions zo;
  zo.window = 100;
  zo.warmup = 20;
  zo.threshold = 4.0;
  analytics::ZScoreDetector zscore(zo, "zscore", plant.catalog);
  storage::LiveCache cache;
  Batch batch, derived;
  std::vector<Event> events;
  pipeline::ProcessorOutput out{derived, events};
  std::size_t samples = 0, i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ % messages.size();
    const Message& m = messages[k];
    batch.clear();
    derived.clear();
    events.clear();
    auto r = plant.mapper->MapRouted(m.topic, assets[k], std::string_view(m.padded.data(), m.payload.size()),
                                     true, 1, batch);
    if (r.error) state.SkipWithError(r.message.c_str());
    for (std::size_t s = 0; s < batch.size(); ++s) zscore.Process(batch.At(s), out);
    (void)cache.Append(batch);
    (void)cache.Append(derived);
    samples += r.samples;
  }
  Report(state, samples);
}

// Prints as usual and keeps each benchmark's ns per sample for the RESULT lines.
class RecordingReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      if (run.error_occurred || run.run_type != Run::RT_Iteration) continue;
      auto it = run.counters.find("ns_per_sample");
      if (it != run.counters.end()) ns_per_sample[run.benchmark_name()] = it->second.value * 1e9;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> ns_per_sample;
};

const char* const kShapes[] = {"single", "batch"};
const JsonKernel kKernels[] = {JsonKernel::kGeneric, JsonKernel::kHaswell};

// MW_BENCH_MESSAGES=N runs every benchmark for exactly N messages (for valgrind or perf runs that
// compare instruction counts; the machine's load then does not matter).
void RegisterAll() {
  const char* fixed = std::getenv("MW_BENCH_MESSAGES");
  for (const char* shape : kShapes) {
    const int readings = std::string(shape) == "batch" ? 100 : 1;
    for (JsonKernel kernel : kKernels) {
      const std::string suffix = std::string(shape) + "/" + std::string(JsonKernelName(kernel));
      for (auto* b : {benchmark::RegisterBenchmark(("map/" + suffix).c_str(), MapCopied, readings, kernel),
                      benchmark::RegisterBenchmark(("routed/" + suffix).c_str(), MapRouted, readings, kernel),
                      benchmark::RegisterBenchmark(("worker/" + suffix).c_str(), Worker, readings, kernel)}) {
        if (fixed != nullptr) b->Iterations(std::atoll(fixed));
      }
    }
  }
}

void PrintResults(const RecordingReporter& reporter) {
  for (const auto& [name, ns] : reporter.ns_per_sample) {
    std::string figure = name;
    for (char& c : figure)
      if (c == '/') c = '.';
    std::printf("RESULT json_mapper.%s_ns_per_sample = %.2f ns\n", figure.c_str(), ns);
  }
}

}  // namespace
}  // namespace mw::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc,
                        argv);  // flags it does not know (e.g. --data from scripts/bench.sh) are ignored
  mw::bench::RegisterAll();
  mw::bench::RecordingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  std::fflush(stdout);
  std::printf("\n");
  mw::bench::PrintResults(reporter);
  return 0;
}
