// A served model and its file: loaded at start, reloaded when the file changes, swapped atomically.
// A slot serves one kind of model (a health classifier or a RUL model, bundle.h's `kind`).
//
// Readers take the current model with Current() (a shared_ptr copy under a short lock) and keep it
// for one record, so a record is scored whole by one model, and a model is freed only when its last
// reader lets go. Poll() is called by the readers themselves (any thread, as often as they like):
// at most once per `interval` one of them stats the file, and when it changed (another inode, size
// or modification time), reads and checks the new bundle there and then. A bundle that does not load
// (damaged, of another kind, or needing a signal the slot's readers were not set up for) is refused:
// the old model stays in service, the reason is kept for the API and logged, and the refusal is
// counted. Writers should replace the file by rename (`millwright train` does), so that a reader
// never sees half a file; a half-written file is refused by its checksum anyway and retried at the
// next change.
//
// Slots are shared through a process-wide registry by path, so every worker's processor and the
// API see the same slot; a slot lives as long as a processor holds it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analytics/models/bundle.h"
#include "core/metrics.h"
#include "core/types.h"

namespace mw::models {

class ModelSlot {
 public:
  // Loads `path` now. `kind`: kHealthClassifierKind or kRulKind. `signals`: what a new model may
  // read (empty: whatever the first model reads, which then fixes the set). NotFound / Corruption /
  // InvalidArgument when the first load fails.
  static Result<std::shared_ptr<ModelSlot>> Open(const std::string& path, std::string kind,
                                                 std::vector<std::string> signals, std::int64_t interval_ns,
                                                 MetricsRegistry& metrics);

  // The model in service; never null, and always of the slot's kind.
  std::shared_ptr<const ServedModel> Current() const;
  // Current() as the class of the slot's kind (HealthModel, RulModel).
  template <class Model>
  std::shared_ptr<const Model> CurrentAs() const {
    return std::static_pointer_cast<const Model>(Current());
  }
  // Number of models loaded so far (1 after Open); changes exactly when Current() does.
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  // Checks the file if `interval` has passed since the last check (steady ns). True if a new model
  // was put in service by this call.
  bool Poll(std::int64_t now_ns);
  // Checks the file now, whatever the interval.
  bool Reload();

  const std::string& path() const { return path_; }
  const std::string& kind() const { return kind_; }
  // The record's signals: every model served here reads only these.
  const std::vector<std::string>& signals() const { return signals_; }
  // The path, the model in service (BundleInfo), when it was loaded, the reload and refusal
  // counts, and the last refusal's reason.
  nlohmann::json Describe() const;

 public:
  // What tells one version of the file from the next. The inode changes with every replacement by
  // rename (how bundles are written); size and modification time catch a rewrite in place, except
  // a same-size one within the kernel's timestamp tick (a few ms), which renaming avoids.
  struct FileIdentity {
    std::int64_t inode = -1;
    std::int64_t size = -1;
    std::int64_t mtime_ns = -1;
    bool operator==(const FileIdentity&) const = default;
  };

 private:
  ModelSlot() = default;
  Status LoadFile(bool first);

  std::string path_;
  std::string kind_;
  std::vector<std::string> signals_;
  std::int64_t interval_ns_ = 0;
  std::atomic<std::int64_t> next_check_ns_{0};
  std::mutex reload_mutex_;   // one reloader at a time
  mutable std::mutex mutex_;  // guards current_, file identity, loaded_at_, last_error_
  std::shared_ptr<const ServedModel> current_;
  FileIdentity file_;
  std::string loaded_at_;
  std::string last_error_;
  std::atomic<std::uint64_t> generation_{0};
  Counter* reloads_ = nullptr;
  Counter* refusals_ = nullptr;
};

// The slots of this process, by path.
class ModelRegistry {
 public:
  static ModelRegistry& Global();
  // The live slot of `path`, or a new one (ModelSlot::Open); a live slot is returned as it is when it
  // serves `kind` and its signal set covers `signals`, else InvalidArgument.
  Result<std::shared_ptr<ModelSlot>> Get(const std::string& path, const std::string& kind,
                                         const std::vector<std::string>& signals, std::int64_t interval_ns,
                                         MetricsRegistry& metrics);
  // The live slot of `path`, or null.
  std::shared_ptr<ModelSlot> Find(const std::string& path);
  // Describe() of every live slot.
  nlohmann::json Describe();

 private:
  std::mutex mutex_;
  std::vector<std::weak_ptr<ModelSlot>> slots_;
};

}  // namespace mw::models
