// Plugins: every source, processor, detector and sink is declared by a descriptor (name, option
// table, factory) in a PluginRegistry. The option table drives config validation, `millwright
// plugins` and the configuration docs. The core never includes a concrete plugin: `app` registers
// each module's plugins explicitly (no static-initialiser magic, which static libraries drop).
//
// Threading: a Source runs its own threads and calls Emitter::Emit from them. A Processor instance
// is created once per worker and only ever called from that worker's thread, so its per-series
// state needs no lock. A Sink is shared by all workers and must be thread-safe. An EncodedBatch is
// decoded on the thread of the worker it was emitted to.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/catalog.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/metrics.h"
#include "core/status.h"
#include "core/types.h"

namespace mw::pipeline {

enum class PluginKind { kSource, kProcessor, kDetector, kSink };
std::string_view PluginKindName(PluginKind kind);

enum class OptionType { kBool, kInt, kDouble, kString, kStringList, kDuration, kStringMap };
std::string_view OptionTypeName(OptionType type);

using StringMap = std::map<std::string, std::string>;
// kDuration values are held as std::int64_t nanoseconds; the file spells them "5s", "250ms".
using OptionValue =
    std::variant<bool, std::int64_t, double, std::string, std::vector<std::string>, StringMap>;

struct OptionSpec {
  std::string key;
  OptionType type = OptionType::kString;
  std::optional<OptionValue> default_value;  // nullopt: the option is required
  std::string doc;
  // Optional extra check on the value; returns an error message, or "" if fine.
  std::function<std::string(const OptionValue&)> check;
};

// Validated options of one plugin instance, defaults applied. Getters assume the key is declared
// with that type (a mismatch is a programming error and throws std::bad_variant_access).
class Options {
 public:
  bool GetBool(const std::string& key) const { return std::get<bool>(values_.at(key)); }
  std::int64_t GetInt(const std::string& key) const { return std::get<std::int64_t>(values_.at(key)); }
  double GetDouble(const std::string& key) const { return std::get<double>(values_.at(key)); }
  const std::string& GetString(const std::string& key) const {
    return std::get<std::string>(values_.at(key));
  }
  const std::vector<std::string>& GetStringList(const std::string& key) const {
    return std::get<std::vector<std::string>>(values_.at(key));
  }
  std::int64_t GetDuration(const std::string& key) const { return GetInt(key); }
  const StringMap& GetStringMap(const std::string& key) const { return std::get<StringMap>(values_.at(key)); }
  // True if the file set the key (rather than the default).
  bool IsSet(const std::string& key) const { return set_.count(key) > 0; }
  // The string value of `key`, or null when there is none (or it is not a string).
  const std::string* FindString(const std::string& key) const {
    const auto it = values_.find(key);
    return it == values_.end() ? nullptr : std::get_if<std::string>(&it->second);
  }

  void Put(const std::string& key, OptionValue value, bool set_by_user) {
    values_[key] = std::move(value);
    if (set_by_user) set_.insert(key);
  }

 private:
  std::map<std::string, OptionValue> values_;
  std::set<std::string> set_;
};

class Plugin {
 public:
  virtual ~Plugin() = default;
};

// Messages a source hands over undecoded, so that decoding (parsing, mapping) runs on the worker
// that processes their samples, beside the other workers, rather than on the source's thread. All
// of a batch's samples must belong to assets of that worker (Emitter::WorkerOf).
class EncodedBatch {
 public:
  virtual ~EncodedBatch() = default;
  // Appends the samples to `out`. Called once, on the thread of worker `worker`, which is the only
  // thread that decodes batches emitted to that worker index: per-worker decoding state needs no
  // lock. Failures are the source's to count and log; what decodes is processed.
  virtual void Decode(std::size_t worker, Batch& out) = 0;
};

class Emitter {
 public:
  virtual ~Emitter() = default;
  // Hands a batch to the pipeline. Blocks while the pipeline is full (back-pressure). Returns
  // Cancelled, and does not take the batch, once the runtime is shutting down. Thread-safe.
  virtual Status Emit(Batch&& batch) = 0;

  // The workers that decode encoded batches, numbered 0 .. workers() - 1, and the one that
  // processes every sample of `asset`. This default is a single worker, the caller's thread.
  virtual std::size_t workers() const { return 1; }
  virtual std::size_t WorkerOf(AssetId asset) const { return 0; }

  // Hands `batch`, whose samples all belong to assets of worker `worker`, to that worker, which
  // decodes it (see EncodedBatch) and then processes it like an emitted Batch. Blocks while that
  // worker's queue is full (back-pressure); Cancelled once the runtime is shutting down (the batch is
  // then dropped undecoded). Thread-safe. This default decodes at once, on the calling thread, and
  // Emit()s the samples.
  virtual Status EmitEncoded(std::size_t worker, std::unique_ptr<EncodedBatch> batch);

  // One frame (rows x cols floats, row-major: a thermal image, a vibration burst) of `series`.
  // Frames go to the store as they are, beside the workers: no processor or sink sees them. A
  // series is written by one source thread. FailedPrecondition when the store keeps no frames
  // (the in-memory store) or, as this default does, the pipeline takes none.
  virtual Status EmitFrame(SeriesId series, Timestamp time, std::uint32_t rows, std::uint32_t cols,
                           std::span<const float> elements);
};

class Source : public Plugin {
 public:
  // Starts the source's own threads. Errors here are start-up errors (bad address, ...);
  // a peer that is down is not an error: the source keeps retrying and logs.
  virtual Status Start(Emitter& emitter) = 0;
  // Stops emitting and joins the source's threads. Idempotent.
  virtual void Stop() = 0;
};

struct ProcessorOutput {
  Batch& derived;              // derived samples (scores, features) of the same asset
  std::vector<Event>& events;  // anomalies and other events
};

// A processor or a detector: sees every sample of the signals it applies to, per series in
// arrival order, and writes derived samples and events.
//
// Stages chain: a template's processors, then its detectors, in the order the config lists them,
// form a sequence, and a derived sample one stage writes is offered to the stages after it (never
// to itself or to earlier ones, so chains cannot loop), within the same batch. AppliesTo() chooses
// among the template's own signals; AppliesToDerived() among derived series (`<signal>.<output>`,
// e.g. "vibration.rms") and is false by default, so that a stage configured for "every signal"
// does not also take every feature and score: a stage sees a derived series only if it names it.
class Processor : public Plugin {
 public:
  virtual bool AppliesTo(std::string_view signal) const = 0;
  virtual bool AppliesToDerived(std::string_view signal) const { return false; }
  virtual void Process(const Sample& sample, ProcessorOutput& out) = 0;
};

class Sink : public Plugin {
 public:
  // Called once before any source starts (a sink that serves clients opens its port here, not in
  // its factory, which `check-config` runs too), and once after the workers have drained.
  virtual Status Start() { return Status::Ok(); }
  virtual void Stop() {}
  // Called by every worker, concurrently. `samples` holds raw and derived samples.
  virtual Status Write(const Batch& samples, const std::vector<Event>& events) = 0;
};

struct PluginContext {
  std::string name;  // the instance name from the config
  Catalog& catalog;
  MetricsRegistry& metrics;
  const Clock& clock;
  const Config& config;
  const TemplateSpec* template_spec = nullptr;  // processors and detectors: their template
  // Sources: returns the asset id of `path`. A declared asset always resolves; an unknown one is
  // created from `discover_template` when that is non-empty, else kInvalidAsset.
  std::function<AssetId(std::string_view path, const std::string& discover_template)> resolve_asset;
};

using Factory = std::function<Result<std::unique_ptr<Plugin>>(const Options&, PluginContext&)>;

struct PluginDescriptor {
  PluginKind kind = PluginKind::kSource;
  std::string name;
  std::string doc;
  std::vector<OptionSpec> options;
  Factory factory;
};

class PluginRegistry {
 public:
  // Throws std::logic_error on a duplicate (kind, name): a programming error.
  void Register(PluginDescriptor descriptor);
  const PluginDescriptor* Find(PluginKind kind, std::string_view name) const;
  std::vector<const PluginDescriptor*> All() const;

  // Checks `spec` against the descriptor's option table. Unknown keys, missing required keys and
  // wrong types are appended to `errors` (with file:line and the key path); returns nullopt then.
  // "type" and "name" are always allowed.
  std::optional<Options> Validate(PluginKind kind, const PluginSpec& spec,
                                  std::vector<ConfigError>& errors) const;

  // The validated options of every detector of `type` in the config's templates, each with its
  // template's name; one whose options do not validate is left out (building the pipeline reports it).
  std::vector<std::pair<std::string, Options>> ConfiguredDetectors(const Config& config,
                                                                   std::string_view type) const;

  // The text of `millwright plugins`: every plugin with its options, types, defaults and docs.
  std::string Describe() const;

 private:
  std::vector<PluginDescriptor> descriptors_;
};

std::string FormatOptionValue(OptionType type, const OptionValue& value);
// One line per option: "    key (type, default x): doc", as `millwright plugins` prints them.
std::string DescribeOptions(const std::vector<OptionSpec>& table);

// Checks a table of the config (`spec`) against an option table, as PluginRegistry::Validate does
// for plugins: unknown keys, missing required keys, wrong types and failed checks are appended to
// `errors` with file:line and key path, `what` naming the owner ("detector \"zscore\""); nullopt
// then. "type" and "name" are always allowed.
std::optional<Options> ValidateOptions(const std::vector<OptionSpec>& table, const PluginSpec& spec,
                                       const std::string& what, std::vector<ConfigError>& errors);

// An OptionSpec check for string options that take one of a few words: "" if `v` is one of
// `choices`, else "expected one of a, b, got \"x\"".
std::string OptionOneOf(const OptionValue& v, std::initializer_list<const char*> choices);
// An OptionSpec check for durations that may be 0 (often "never") but not negative.
std::string OptionNonNegativeDuration(const OptionValue& v);

// The `signals` option of processors and detectors, read the same way by all of them:
// SignalListed for the template's own signals (an empty list means all of them), SignalNamed for
// derived series (only those the list names; see Processor::AppliesToDerived), and
// CheckTemplateSignals at construction: every entry must be a signal of the plugin's template or
// a series derived from one (InvalidArgument naming `key` otherwise; Ok without a template).
bool SignalListed(const std::vector<std::string>& signals, std::string_view signal);
bool SignalNamed(const std::vector<std::string>& signals, std::string_view signal);
Status CheckTemplateSignals(const PluginContext& ctx, const std::string& key,
                            const std::vector<std::string>& signals);

}  // namespace mw::pipeline
