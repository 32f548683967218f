#include "pipeline/runtime.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <thread>

#include "analytics/detectors/zscore.h"
#include "pipeline/metric_names.h"
#include "storage/live_cache.h"

namespace mw::pipeline {
namespace {

// A sink that counts what it sees and can hold the worker back, to make the queues fill.
struct GateSink final : Sink {
  std::mutex mu;
  std::condition_variable cv;
  bool open = true;
  std::atomic<std::uint64_t> samples{0};
  Status Write(const Batch& b, const std::vector<Event>&) override {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return open; });
    samples += b.size();
    return Status::Ok();
  }
  void Set(bool value) {
    std::lock_guard lock(mu);
    open = value;
    cv.notify_all();
  }
};

GateSink* g_gate = nullptr;

constexpr const char* kConfig = R"(
[server]
workers = 2
queue_capacity = 2
[templates.rotating]
signals = ["temperature", "vibration"]
[[templates.rotating.detectors]]
type = "zscore"
signals = ["vibration"]
window = 20
warmup = 10
threshold = 4.0
[[assets]]
path = "p/m1"
template = "rotating"
[[assets]]
path = "p/m2"
template = "rotating"
[[sinks]]
type = "gate"
)";

struct Fixture {
  Fixture()
      : load(ParseConfig(kConfig, "rt.toml")),
        runtime(load.config, registry, catalog, metrics, clock, cache) {
    analytics::RegisterZScore(registry);
    PluginDescriptor gate;
    gate.kind = PluginKind::kSink;
    gate.name = "gate";
    gate.factory = [](const Options&, PluginContext&) -> Result<std::unique_ptr<Plugin>> {
      auto sink = std::make_unique<GateSink>();
      g_gate = sink.get();
      return std::unique_ptr<Plugin>(std::move(sink));
    };
    registry.Register(gate);
  }
  SeriesId Series(const std::string& asset, const std::string& signal) {
    return *catalog.FindSeries(*catalog.FindAsset(asset), signal);
  }
  ConfigLoad load;
  PluginRegistry registry;
  Catalog catalog;
  MetricsRegistry metrics;
  SimulatedClock clock{1'000'000};
  storage::LiveCache cache{64};
  Runtime runtime;
};

TEST(Runtime, BuildReportsPluginErrorsWithPlaces) {
  ConfigLoad load = ParseConfig(R"(
[templates.t]
signals = ["a"]
[[templates.t.detectors]]
type = "zscore"
window = 0
signals = ["b"]
[[sources]]
type = "nope"
)",
                                "bad.toml");
  ASSERT_TRUE(load.ok());
  PluginRegistry registry;
  analytics::RegisterZScore(registry);
  Catalog catalog;
  MetricsRegistry metrics;
  SimulatedClock clock;
  storage::LiveCache cache;
  Runtime rt(load.config, registry, catalog, metrics, clock, cache);
  auto errors = rt.Build();
  std::string all;
  for (auto& e : errors) all += e.ToString() + "\n";
  EXPECT_NE(all.find("bad.toml:6:10: templates.t.detectors[0].window: expected a positive integer"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("bad.toml:9:8: sources[0].type: unknown source type \"nope\""), std::string::npos)
      << all;
}

TEST(Runtime, ScoresStoresAndRaisesAnomalies) {
  Fixture f;
  ASSERT_TRUE(f.runtime.Build().empty());
  ASSERT_TRUE(f.runtime.Start().ok());
  SeriesId vib = f.Series("p/m1", "vibration");
  SeriesId temp = f.Series("p/m1", "temperature");
  for (int i = 0; i < 30; ++i) {
    Batch b;
    b.Append(vib, i * kNanosPerSecond, 1.0 + 0.01 * (i % 3));
    b.Append(temp, i * kNanosPerSecond, 40.0);
    ASSERT_TRUE(f.runtime.emitter().Emit(std::move(b)).ok());
  }
  Batch spike;
  spike.Append(vib, 30 * kNanosPerSecond, 9.0);
  ASSERT_TRUE(f.runtime.emitter().Emit(std::move(spike)).ok());
  f.runtime.Stop();

  EXPECT_EQ(f.runtime.samples_processed(), 61u);
  EXPECT_EQ(g_gate->samples.load(), 61u + 21u) << "sinks see raw and derived samples";
  EXPECT_EQ(f.cache.Latest(vib)->value, 9.0);
  auto score = f.catalog.FindSeries(*f.catalog.FindAsset("p/m1"), "vibration.anomaly_score");
  ASSERT_TRUE(score) << "the detector creates a derived series";
  EXPECT_GT(f.cache.Latest(*score)->value, 4.0);
  EXPECT_FALSE(f.catalog.FindSeries(*f.catalog.FindAsset("p/m1"), "temperature.anomaly_score"))
      << "temperature is not among the detector's signals";
  auto events = f.cache.RecentEvents(10);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].series, vib);
  EXPECT_EQ(f.runtime.anomalies(), 1u);
  EXPECT_EQ(f.metrics.CounterTotal(metric::kAnomalies), 1u);
}

TEST(Runtime, FullQueuesHoldTheSourceBackAndLoseNothing) {
  Fixture f;
  ASSERT_TRUE(f.runtime.Build().empty());
  ASSERT_TRUE(f.runtime.Start().ok());
  g_gate->Set(false);
  SeriesId a = f.Series("p/m1", "temperature");
  std::atomic<int> emitted{0};
  std::thread source([&] {
    for (int i = 0; i < 20; ++i) {
      Batch b;
      b.Append(a, i, i);
      if (f.runtime.emitter().Emit(std::move(b)).ok()) ++emitted;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_LT(emitted.load(), 20) << "the source must be blocked while the sink is closed";
  EXPECT_LE(emitted.load(), 4) << "one batch in the worker plus a queue of two";
  g_gate->Set(true);
  source.join();
  f.runtime.Stop();
  EXPECT_EQ(emitted.load(), 20);
  EXPECT_EQ(f.runtime.samples_processed(), 20u);
}

TEST(Runtime, MixedBatchIsSplitAcrossWorkersInOrder) {
  Fixture f;
  ASSERT_TRUE(f.runtime.Build().empty());
  ASSERT_TRUE(f.runtime.Start().ok());
  SeriesId m1 = f.Series("p/m1", "temperature");
  SeriesId m2 = f.Series("p/m2", "temperature");
  for (int i = 0; i < 100; ++i) {
    Batch b;
    b.Append(m1, i, i);
    b.Append(m2, i, -i);
    ASSERT_TRUE(f.runtime.emitter().Emit(std::move(b)).ok());
  }
  f.runtime.Stop();
  std::vector<Point> p1, p2;
  ASSERT_TRUE(f.cache.Range(m1, 0, 1000, 1000, p1).ok());
  ASSERT_TRUE(f.cache.Range(m2, 0, 1000, 1000, p2).ok());
  ASSERT_EQ(p1.size(), 64u);  // the cache window
  EXPECT_EQ(p1.back().value, 99);
  EXPECT_EQ(p2.back().value, -99);
  for (std::size_t i = 1; i < p1.size(); ++i) EXPECT_EQ(p1[i].value, p1[i - 1].value + 1);
}

// A store that keeps frames, as the historian does, to see what reaches it.
class FrameStore final : public SeriesStore {
 public:
  Status Append(const Batch& batch) override { return cache.Append(batch); }
  Status AppendEvents(const std::vector<Event>& events) override { return cache.AppendEvents(events); }
  std::optional<Point> Latest(SeriesId id) const override { return cache.Latest(id); }
  Status Range(SeriesId id, Timestamp from, Timestamp to, std::size_t limit,
               std::vector<Point>& out) const override {
    return cache.Range(id, from, to, limit, out);
  }
  std::vector<Event> RecentEvents(std::size_t limit) const override { return cache.RecentEvents(limit); }
  Status AppendFrame(SeriesId id, Timestamp time, std::uint32_t rows, std::uint32_t cols,
                     std::span<const float> elements) override {
    frames.push_back({time, frames.size(), rows, cols, {elements.begin(), elements.end()}});
    ids.push_back(id);
    return Status::Ok();
  }
  storage::LiveCache cache;
  std::vector<Frame> frames;
  std::vector<SeriesId> ids;
};

TEST(Runtime, FramesGoStraightToTheStoreAndAreCounted) {
  ConfigLoad load = ParseConfig(
      "[templates.t]\nsignals = [\"grid\"]\n[[assets]]\npath = \"p/x\"\ntemplate = \"t\"\n", "f.toml");
  ASSERT_TRUE(load.ok());
  PluginRegistry registry;
  Catalog catalog;
  MetricsRegistry metrics;
  SimulatedClock clock;
  FrameStore store;
  Runtime rt(load.config, registry, catalog, metrics, clock, store);
  ASSERT_TRUE(rt.Build().empty());
  ASSERT_TRUE(rt.Start().ok());
  const SeriesId grid = *catalog.FindSeries(*catalog.FindAsset("p/x"), "grid");
  const std::vector<float> elements{1, 2, 3, 4, 5, 6};
  ASSERT_TRUE(rt.emitter().EmitFrame(grid, 42, 2, 3, elements).ok());
  rt.Stop();
  ASSERT_EQ(store.frames.size(), 1u);
  EXPECT_EQ(store.ids[0], grid);
  EXPECT_EQ(store.frames[0].time, 42);
  EXPECT_EQ(store.frames[0].rows, 2u);
  EXPECT_EQ(store.frames[0].cols, 3u);
  EXPECT_EQ(store.frames[0].elements, elements);
  EXPECT_EQ(metrics.CounterValue("mw_frames_total", {}), 1u);
  EXPECT_EQ(rt.samples_processed(), 0u) << "frames do not go through the workers";
  EXPECT_EQ(rt.emitter().EmitFrame(grid, 43, 2, 3, elements).code(), StatusCode::kCancelled);
}

TEST(Runtime, AStoreWithoutFramesRefusesThemAndCountsAnError) {
  ConfigLoad load = ParseConfig(
      "[templates.t]\nsignals = [\"grid\"]\n[[assets]]\npath = \"p/x\"\ntemplate = \"t\"\n", "f.toml");
  ASSERT_TRUE(load.ok());
  PluginRegistry registry;
  Catalog catalog;
  MetricsRegistry metrics;
  SimulatedClock clock;
  storage::LiveCache cache;
  Runtime rt(load.config, registry, catalog, metrics, clock, cache);
  ASSERT_TRUE(rt.Build().empty());
  ASSERT_TRUE(rt.Start().ok());
  const SeriesId grid = *catalog.FindSeries(*catalog.FindAsset("p/x"), "grid");
  const std::vector<float> elements{1, 2};
  EXPECT_EQ(rt.emitter().EmitFrame(grid, 1, 1, 2, elements).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(metrics.CounterValue("mw_sink_errors_total", {}), 1u);
  rt.Stop();
}

TEST(Runtime, EmitAfterStopIsCancelled) {
  Fixture f;
  ASSERT_TRUE(f.runtime.Build().empty());
  ASSERT_TRUE(f.runtime.Start().ok());
  f.runtime.Stop();
  Batch b;
  b.Append(f.Series("p/m1", "temperature"), 1, 1);
  EXPECT_EQ(f.runtime.emitter().Emit(std::move(b)).code(), StatusCode::kCancelled);
}

TEST(Runtime, ResolveAssetCreatesFromTemplateOnlyWhenAsked) {
  Fixture f;
  ASSERT_TRUE(f.runtime.Build().empty());
  EXPECT_EQ(f.runtime.ResolveAsset("p/new", ""), kInvalidAsset);
  EXPECT_EQ(f.runtime.ResolveAsset("p/new", "unknown"), kInvalidAsset);
  AssetId id = f.runtime.ResolveAsset("p/new", "rotating");
  ASSERT_NE(id, kInvalidAsset);
  EXPECT_TRUE(f.catalog.FindSeries(id, "vibration"));
  EXPECT_EQ(f.runtime.ResolveAsset("p/m1", ""), *f.catalog.FindAsset("p/m1"));
}

// Test stages for chaining: each writes `<signal>.<suffix>` = value + add, of the same asset.
struct WriterStage final : Processor {
  WriterStage(Catalog& c, std::string raw, std::string derived, std::string out_suffix, double plus)
      : catalog(c),
        raw_signal(std::move(raw)),
        derived_signal(std::move(derived)),
        suffix(std::move(out_suffix)),
        add(plus) {}
  bool AppliesTo(std::string_view signal) const override { return signal == raw_signal; }
  bool AppliesToDerived(std::string_view signal) const override { return signal == derived_signal; }
  void Process(const Sample& s, ProcessorOutput& out) override {
    auto series = catalog.Series(s.series);
    const SeriesId id = catalog.InternSeries(series->asset, series->signal + "." + suffix);
    out.derived.Append(id, s.time, s.value + add);
  }
  Catalog& catalog;
  std::string raw_signal, derived_signal, suffix;
  double add;
};

// Takes everything, raw and derived, and only counts.
struct GreedyStage final : Processor {
  bool AppliesTo(std::string_view) const override { return true; }
  bool AppliesToDerived(std::string_view) const override { return true; }
  void Process(const Sample&, ProcessorOutput&) override { ++g_greedy_calls; }
  static inline std::atomic<int> g_greedy_calls{0};
};

TEST(Runtime, DerivedSamplesFlowToLaterStagesOnly) {
  ConfigLoad load = ParseConfig(R"(
[server]
workers = 1
[templates.t]
signals = ["x"]
[[templates.t.processors]]
type = "first"
[[templates.t.detectors]]
type = "second"
[[templates.t.detectors]]
type = "greedy"
[[assets]]
path = "p/m"
template = "t"
)",
                                "chain.toml");
  ASSERT_TRUE(load.ok());
  PluginRegistry registry;
  auto add = [&](PluginKind kind, const std::string& name, auto make) {
    PluginDescriptor d;
    d.kind = kind;
    d.name = name;
    d.factory = [make](const Options&, PluginContext& ctx) -> Result<std::unique_ptr<Plugin>> {
      return std::unique_ptr<Plugin>(make(ctx));
    };
    registry.Register(d);
  };
  // first: x -> x.a (raw only); second: x.a -> x.a.b, and would take x.a.b (its own output) too.
  add(PluginKind::kProcessor, "first",
      [](PluginContext& c) { return new WriterStage(c.catalog, "x", "", "a", 1); });
  add(PluginKind::kDetector, "second",
      [](PluginContext& c) { return new WriterStage(c.catalog, "", "x.a", "b", 10); });
  add(PluginKind::kDetector, "greedy", [](PluginContext&) { return new GreedyStage(); });
  Catalog catalog;
  MetricsRegistry metrics;
  SimulatedClock clock;
  storage::LiveCache cache;
  Runtime rt(load.config, registry, catalog, metrics, clock, cache);
  ASSERT_TRUE(rt.Build().empty());
  ASSERT_TRUE(rt.Start().ok());
  GreedyStage::g_greedy_calls = 0;
  SeriesId x = *catalog.FindSeries(*catalog.FindAsset("p/m"), "x");
  Batch b;
  b.Append(x, kNanosPerSecond, 3.0);
  ASSERT_TRUE(rt.emitter().Emit(std::move(b)).ok());
  rt.Stop();

  AssetId m = *catalog.FindAsset("p/m");
  auto xa = catalog.FindSeries(m, "x.a");
  auto xab = catalog.FindSeries(m, "x.a.b");
  ASSERT_TRUE(xa && xab);
  EXPECT_EQ(cache.Latest(*xa)->value, 4.0);
  EXPECT_EQ(cache.Latest(*xab)->value, 14.0) << "the detector took the processor's output";
  EXPECT_FALSE(catalog.FindSeries(m, "x.a.b.b")) << "a stage never takes its own output";
  EXPECT_EQ(GreedyStage::g_greedy_calls.load(), 3) << "the last stage sees x, x.a and x.a.b";
}

}  // namespace
}  // namespace mw::pipeline
