#include "storage/historian/historian.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <limits>
#include <numeric>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/log.h"
#include "storage/codec/chunk.h"
#include "storage/historian/chunk_store.h"
#include "storage/historian/query.h"
#include "storage/historian/rollup.h"
#include "storage/historian/wal_records.h"
#include "storage/wal/wal.h"

namespace mw::storage {

using historian::ChunkRow;
using historian::ChunkStore;
using historian::ChunkWrite;
using historian::RecordType;
using historian::RollupLevel;
using historian::RollupRow;
using historian::SeriesDef;
using historian::SeriesKind;
using historian::StoredSeries;
using pipeline::Point;

namespace {

constexpr std::size_t kFramesPerChunk = 64;
constexpr std::size_t kParallelDecodeChunks = 16;  // a bucket query decoding this many uses 2 threads
constexpr std::size_t kMaxRecentEvents = 10000;
constexpr auto kMaintenanceInterval = std::chrono::seconds(60);
constexpr auto kTrimInterval = std::chrono::milliseconds(500);
constexpr std::uint32_t kNoStoredId = UINT32_MAX;

// A head chunk that was closed and waits for the flusher to put it into SQLite. Immutable once
// published (queries read it without the series lock).
struct ClosedChunk {
  std::int64_t id = 0;
  std::uint64_t first_lsn = 0;
  std::uint64_t last_lsn = 0;
  std::vector<Timestamp> times;
  std::vector<double> values;
  std::vector<Quality> qualities;
  std::vector<float> frames;
  codec::FrameShape shape;
  std::uint64_t first_index = 0;
  double resolution = 0;
};

// Sorts the three head columns by time, stably, when late samples arrived out of order.
void SortColumns(std::vector<Timestamp>& times, std::vector<double>& values,
                 std::vector<Quality>& qualities) {
  if (std::is_sorted(times.begin(), times.end())) return;
  std::vector<std::uint32_t> order(times.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return times[a] < times[b]; });
  std::vector<Timestamp> t(times.size());
  std::vector<double> v(times.size());
  std::vector<Quality> q(times.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    t[i] = times[order[i]];
    v[i] = values[order[i]];
    q[i] = qualities[order[i]];
  }
  times.swap(t);
  values.swap(v);
  qualities.swap(q);
}

double FrameMean(std::span<const float> elements) {
  double sum = 0;
  std::size_t n = 0;
  for (float f : elements) {
    if (std::isnan(f)) continue;
    sum += f;
    ++n;
  }
  return n ? sum / static_cast<double>(n) : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

// Everything the historian knows about one series. Fields marked (writer) are touched only by
// the thread appending to the series (the runtime's one-writer contract) or by Open/Flush while
// appends are held off; the rest are guarded by `mu`.
struct SeriesState {
  SeriesId catalog_id = kInvalidSeries;
  std::uint32_t stored_id = kNoStoredId;
  std::string label;  // "asset/signal", for messages
  SeriesDef def;

  // (writer)
  bool defined = false;  // its SeriesDef is in the WAL or SQLite
  bool has_newest = false;
  Timestamp newest = 0;
  std::uint64_t touch = 0;
  std::uint32_t touch_slot = 0;  // this series' index in the `touched` list of the current append

  mutable std::mutex mu;
  SeriesKind kind = SeriesKind::kScalar;
  double resolution = 0;
  std::string retention_class;
  std::vector<Timestamp> times;
  std::vector<double> values;
  std::vector<Quality> qualities;
  std::vector<float> frames;
  codec::FrameShape shape;
  std::uint64_t head_first_index = 0;
  std::uint64_t frame_count = 0;
  Timestamp head_min = 0;  // time span of the head, valid when it is not empty
  Timestamp head_max = 0;
  std::uint64_t first_lsn = 0;  // oldest record with samples in the head; 0 = empty head
  std::uint64_t last_lsn = 0;
  std::uint64_t flushed_lsn = 0;
  std::vector<std::shared_ptr<const ClosedChunk>> pending;
  std::optional<Point> latest;

  std::size_t head_size() const { return times.size(); }
};

class Historian::Impl {
 public:
  Impl(const HistorianOptions& options, Catalog& catalog, MetricsRegistry& metrics, const Clock& clock)
      : options_(options),
        catalog_(catalog),
        clock_(clock),
        appended_(
            metrics.GetCounter("mw_historian_samples_appended_total", "Samples written to the historian")),
        late_rejected_(metrics.GetCounter("mw_historian_late_rejected_total",
                                          "Samples rejected because they are older than the late window")),
        chunks_written_(metrics.GetCounter("mw_historian_chunks_written_total", "Chunks written to SQLite")),
        chunk_bytes_(metrics.GetCounter("mw_historian_chunk_bytes_total", "Encoded chunk bytes written")),
        errors_(metrics.GetCounter("mw_historian_errors_total", "Historian write or maintenance errors")),
        retention_deleted_(metrics.GetCounter("mw_historian_retention_deleted_chunks_total",
                                              "Raw chunks deleted by retention")),
        corrupt_(
            metrics.GetCounter("mw_historian_corrupt_chunks_total", "Chunks that failed their checksum")),
        head_samples_(metrics.GetGauge("mw_historian_head_samples", "Samples in open head chunks")) {}

  ~Impl() {
    (void)Close();
    for (auto& seg : segments_) delete seg.load();
  }

  Status Open();
  Status Close();
  Status Append(const Batch& batch);
  Status AppendEvents(const std::vector<Event>& events);
  Status AppendFrame(SeriesId id, Timestamp time, codec::FrameShape shape, std::span<const float> elements);
  Status Declare(SeriesId id, double resolution, const std::string& retention_class);
  std::optional<Point> Latest(SeriesId id) const;
  Status Range(SeriesId id, Timestamp from, Timestamp to, std::size_t limit, std::vector<Point>& out) const;
  Status Buckets(SeriesId id, Timestamp from, Timestamp to, Timestamp step, std::vector<Bucket>& out) const;
  Result<Frame> FrameAt(SeriesId id, Timestamp t, FrameSelect select) const;
  Result<Frame> FrameByIndex(SeriesId id, std::uint64_t index) const;
  std::vector<Event> RecentEvents(std::size_t limit) const;
  Status Flush();
  Status Compact();
  Status RunMaintenance();
  HistorianStats Stats() const;

 private:
  static constexpr std::size_t kSegmentBits = 12;
  static constexpr std::size_t kSegmentSize = std::size_t{1} << kSegmentBits;
  static constexpr std::size_t kSegments = Catalog::kMaxSeries / kSegmentSize;
  using Segment = std::array<std::atomic<SeriesState*>, kSegmentSize>;

  // One unit of work for the flusher, in WAL order.
  struct FlushItem {
    SeriesState* state = nullptr;
    std::shared_ptr<const ClosedChunk> chunk;  // a chunk to write, or
    bool put_series = false;                   // the series row to insert/update, or
    std::vector<Event> events;                 // events (series = stored id)
    std::uint64_t lsn = 0;
  };

  SeriesState* Find(SeriesId id) const;
  Result<SeriesState*> StateFor(SeriesId id);
  SeriesState* AddState(SeriesId catalog_id, const SeriesDef& def);
  SeriesState* ByStored(std::uint32_t stored_id) const;
  Status Replay(const wal::WalRecord& record);
  void ApplySample(SeriesState& st, Timestamp t, double v, Quality q, std::uint64_t lsn);
  bool HeadFull(const SeriesState& st) const;
  void CloseHead(SeriesState& st);  // st.mu held
  void Enqueue(FlushItem item);
  void ApplyGrouped(std::span<SeriesState* const> states, std::span<const Timestamp> times,
                    std::span<const double> values, std::span<const Quality> qualities,
                    std::size_t series_count, std::uint64_t lsn);
  void FlusherLoop();
  Status FlushItems(std::vector<FlushItem>& items);
  Status TrimWal();
  void MaintenanceLoop();
  Status WaitFlushed();
  Result<std::uint64_t> Log(RecordType type, std::span<const std::span<const std::uint8_t>> parts);
  Result<std::uint64_t> Log(RecordType type, std::span<const std::uint8_t> payload) {
    std::array<std::span<const std::uint8_t>, 1> parts = {payload};
    return Log(type, parts);
  }
  Status ReadSeriesChunks(const SeriesState& st, Timestamp from, Timestamp to,
                          std::vector<std::shared_ptr<const ClosedChunk>>& pending, std::vector<Point>& head,
                          std::vector<ChunkRow>& stored) const;
  Status DecodeInto(const SeriesState& st, const ChunkRow& row, codec::DecodedChunk& out) const;
  Status AddRollups(const SeriesState& st, Timestamp from, Timestamp to,
                    historian::BucketAccumulator& acc) const;
  Result<Frame> FrameFromChunk(const SeriesState& st, const ChunkRow& row, std::size_t pick) const;
  Status CompactSeries(SeriesState& st);
  const RetentionClass* ClassOf(const std::string& name) const;
  const RetentionClass* ClassOf(const SeriesState& st) const {
    std::lock_guard lock(st.mu);
    return ClassOf(st.retention_class);
  }
  std::vector<SeriesState*> AllStates() const;

  HistorianOptions options_;
  Catalog& catalog_;
  const Clock& clock_;
  Counter& appended_;
  Counter& late_rejected_;
  Counter& chunks_written_;
  Counter& chunk_bytes_;
  Counter& errors_;
  Counter& retention_deleted_;
  Counter& corrupt_;
  Gauge& head_samples_;
  LogLimiter late_log_;

  std::unique_ptr<ChunkStore> store_;
  std::unique_ptr<wal::WalWriter> wal_;
  std::uint64_t events_lsn_ = 0;

  std::array<std::atomic<Segment*>, kSegments> segments_{};
  mutable std::mutex states_mu_;  // guards the three below and segment creation
  std::vector<std::unique_ptr<SeriesState>> states_;
  std::unordered_map<std::uint32_t, SeriesState*> by_stored_;
  std::uint32_t next_stored_id_ = 0;
  std::atomic<std::int64_t> next_chunk_id_{1};
  std::atomic<std::uint64_t> touch_epoch_{0};
  std::atomic<std::uint64_t> last_lsn_{0};  // the newest LSN the WAL returned

  // Appends hold it shared; Flush and WAL trimming hold it exclusively, so that no record is
  // half applied to the heads while they look at them.
  std::shared_mutex append_mu_;

  mutable std::mutex events_mu_;
  std::deque<Event> recent_events_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::condition_variable drained_cv_;
  std::deque<FlushItem> queue_;
  bool flusher_busy_ = false;
  bool stopping_ = false;
  Status flush_status_;
  std::thread flusher_;

  std::mutex maintenance_mu_;
  std::condition_variable maintenance_cv_;
  bool maintenance_stop_ = false;
  std::thread maintenance_;
  std::mutex compact_mu_;  // one compaction or maintenance pass at a time

  bool open_ = false;
};

// ---------------------------------------------------------------------------------------------
// Series states

SeriesState* Historian::Impl::Find(SeriesId id) const {
  if (id >= Catalog::kMaxSeries) return nullptr;
  Segment* seg = segments_[id >> kSegmentBits].load(std::memory_order_acquire);
  return seg ? (*seg)[id & (kSegmentSize - 1)].load(std::memory_order_acquire) : nullptr;
}

SeriesState* Historian::Impl::AddState(SeriesId catalog_id, const SeriesDef& def) {
  // states_mu_ held.
  auto st = std::make_unique<SeriesState>();
  st->catalog_id = catalog_id;
  st->stored_id = def.stored_id;
  st->def = def;
  st->kind = def.kind;
  st->label = def.asset + "/" + def.signal;
  SeriesState* raw = st.get();
  states_.push_back(std::move(st));
  by_stored_[def.stored_id] = raw;
  next_stored_id_ = std::max(next_stored_id_, def.stored_id + 1);
  auto& slot = segments_[catalog_id >> kSegmentBits];
  Segment* seg = slot.load(std::memory_order_acquire);
  if (!seg) {
    seg = new Segment();
    slot.store(seg, std::memory_order_release);
  }
  (*seg)[catalog_id & (kSegmentSize - 1)].store(raw, std::memory_order_release);
  return raw;
}

Result<SeriesState*> Historian::Impl::StateFor(SeriesId id) {
  if (SeriesState* st = Find(id)) return st;
  auto info = catalog_.Series(id);
  if (!info) return Status::NotFound(fmt::format("series {} is not in the catalog", id));
  std::lock_guard lock(states_mu_);
  if (SeriesState* st = Find(id)) return st;
  SeriesDef def;
  def.stored_id = next_stored_id_;
  def.asset = info->asset_path;
  def.signal = info->signal;
  def.unit = info->unit;
  SeriesState* st = AddState(id, def);
  if (options_.settings) {
    SeriesSettings settings = options_.settings(*info);
    if (settings.resolution >= 0 && std::isfinite(settings.resolution)) st->resolution = settings.resolution;
    if (ClassOf(settings.retention_class)) st->retention_class = settings.retention_class;
  }
  return st;
}

SeriesState* Historian::Impl::ByStored(std::uint32_t stored_id) const {
  std::lock_guard lock(states_mu_);
  auto it = by_stored_.find(stored_id);
  return it == by_stored_.end() ? nullptr : it->second;
}

std::vector<SeriesState*> Historian::Impl::AllStates() const {
  std::lock_guard lock(states_mu_);
  std::vector<SeriesState*> out;
  out.reserve(states_.size());
  for (const auto& st : states_) out.push_back(st.get());
  return out;
}

const RetentionClass* Historian::Impl::ClassOf(const std::string& name) const {
  if (name.empty()) return nullptr;
  for (const auto& c : options_.retention) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Open, replay, close

Status Historian::Impl::Open() {
  std::error_code ec;
  std::filesystem::create_directories(options_.dir, ec);
  if (ec) return Status::IoError(fmt::format("{}: cannot create: {}", options_.dir, ec.message()));
  auto store = ChunkStore::Open(options_.dir + "/catalog.sqlite");
  if (!store.ok()) return store.status();
  store_ = std::move(*store);

  auto stored = store_->LoadSeries();
  if (!stored.ok()) return stored.status();
  for (StoredSeries& s : *stored) {
    AssetId asset = catalog_.AddAsset(s.def.asset, "");
    SeriesId cid = catalog_.InternSeries(asset, s.def.signal, s.def.unit);
    if (cid == kInvalidSeries) return Status::ResourceExhausted("the catalog is full");
    std::lock_guard lock(states_mu_);
    SeriesState* st = AddState(cid, s.def);
    st->defined = true;
    st->resolution = s.resolution;
    st->retention_class = s.retention_class;
    st->flushed_lsn = s.flushed_lsn;
    if (!options_.settings) continue;
    auto info = catalog_.Series(cid);
    if (!info) continue;
    SeriesSettings settings = options_.settings(*info);
    if (settings.resolution != st->resolution || settings.retention_class != st->retention_class) {
      if (settings.resolution >= 0 && std::isfinite(settings.resolution))
        st->resolution = settings.resolution;
      st->retention_class = ClassOf(settings.retention_class) ? settings.retention_class : "";
      StoredSeries updated = s;
      updated.resolution = st->resolution;
      updated.retention_class = st->retention_class;
      MW_RETURN_IF_ERROR(store_->PutSeries(updated));
    }
  }
  for (SeriesState* st : AllStates()) {
    auto last = store_->LastChunk(st->stored_id);
    if (!last.ok()) return last.status();
    if (!*last) continue;
    codec::DecodedChunk chunk;
    Status s = DecodeInto(*st, **last, chunk);
    if (!s.ok()) {
      spdlog::error("historian: {}", s.message());
      continue;  // the series stays readable up to the bad chunk; the error names it
    }
    st->has_newest = true;
    st->newest = chunk.header.last_time;
    std::size_t n = chunk.header.summary.count;
    if (st->kind == SeriesKind::kFrame) {
      st->frame_count = (*last)->first_index + n;
      std::size_t e = chunk.header.frame_shape.elements();
      st->latest = Point{chunk.times[n - 1], FrameMean(std::span(chunk.frames).subspan((n - 1) * e, e)),
                         chunk.qualities[n - 1]};
    } else {
      st->latest = Point{chunk.times[n - 1], chunk.values[n - 1], chunk.qualities[n - 1]};
    }
    st->head_first_index = st->frame_count;
  }
  auto max_id = store_->MaxChunkId();
  if (!max_id.ok()) return max_id.status();
  next_chunk_id_ = *max_id + 1;
  auto events_lsn = store_->EventsLsn();
  if (!events_lsn.ok()) return events_lsn.status();
  events_lsn_ = *events_lsn;
  std::vector<Event> events;
  MW_RETURN_IF_ERROR(store_->RecentEvents(kMaxRecentEvents, events));
  for (Event& e : events) {
    SeriesState* st = ByStored(e.series);
    e.series = st ? st->catalog_id : kInvalidSeries;
    recent_events_.push_back(std::move(e));
  }

  const std::string wal_dir = options_.dir + "/wal";
  auto recovered = wal::Recover(wal_dir, 1, [this](const wal::WalRecord& r) { return Replay(r); });
  if (!recovered.ok()) return recovered.status();
  if (recovered->records > 0) {
    spdlog::info("historian: replayed {} WAL records from {} segment(s) in {}", recovered->records,
                 recovered->segments, wal_dir);
  }
  last_lsn_ = recovered->next_lsn - 1;
  wal::WalOptions wal_options;
  wal_options.dir = wal_dir;
  wal_options.sync = options_.sync == SyncMode::kSync ? wal::SyncMode::kSync : wal::SyncMode::kAsync;
  wal_options.commit_interval = options_.commit_interval;
  wal_options.segment_bytes = options_.wal_segment_bytes;
  auto writer = wal::WalWriter::Open(wal_options, recovered->next_lsn);
  if (!writer.ok()) return writer.status();
  wal_ = std::move(*writer);

  flusher_ = std::thread([this] { FlusherLoop(); });
  maintenance_ = std::thread([this] { MaintenanceLoop(); });
  open_ = true;
  // What the replay closed goes to SQLite now; then the WAL before it can go.
  MW_RETURN_IF_ERROR(WaitFlushed());
  return TrimWal();
}

Status Historian::Impl::Replay(const wal::WalRecord& record) {
  switch (static_cast<RecordType>(record.type)) {
    case RecordType::kSeriesDef: {
      auto def = historian::DecodeSeriesDef(record.payload);
      if (!def.ok()) return def.status();
      if (ByStored(def->stored_id)) return Status::Ok();
      AssetId asset = catalog_.AddAsset(def->asset, "");
      SeriesId cid = catalog_.InternSeries(asset, def->signal, def->unit);
      if (cid == kInvalidSeries) return Status::ResourceExhausted("the catalog is full");
      SeriesState* st = nullptr;
      {
        std::lock_guard lock(states_mu_);
        st = AddState(cid, *def);
      }
      st->defined = true;
      Enqueue(FlushItem{st, nullptr, true, {}, record.lsn});
      return Status::Ok();
    }
    case RecordType::kSamples: {
      historian::SamplesRecord samples;
      MW_RETURN_IF_ERROR(historian::DecodeSamples(record.payload, samples));
      std::vector<SeriesState*> touched;
      const std::uint64_t mark = ++touch_epoch_;
      for (std::size_t i = 0; i < samples.series.size(); ++i) {
        SeriesState* st = ByStored(samples.series[i]);
        if (!st) {
          return Status::Corruption(fmt::format("WAL record {}: sample of series {} before its definition",
                                                record.lsn, samples.series[i]));
        }
        if (record.lsn <= st->flushed_lsn) continue;  // already in a chunk
        head_samples_.Add(1);
        std::lock_guard lock(st->mu);
        ApplySample(*st, samples.times[i], samples.values[i], samples.qualities[i], record.lsn);
        if (st->touch != mark) {
          st->touch = mark;
          touched.push_back(st);
        }
      }
      for (SeriesState* st : touched) {
        std::lock_guard lock(st->mu);
        if (HeadFull(*st)) CloseHead(*st);
      }
      return Status::Ok();
    }
    case RecordType::kEvents: {
      if (record.lsn <= events_lsn_) return Status::Ok();
      std::vector<Event> events;
      MW_RETURN_IF_ERROR(historian::DecodeEvents(record.payload, events));
      std::lock_guard lock(events_mu_);
      for (const Event& e : events) {
        SeriesState* st = ByStored(e.series);
        Event mapped = e;
        mapped.series = st ? st->catalog_id : kInvalidSeries;
        recent_events_.push_back(std::move(mapped));
        if (recent_events_.size() > kMaxRecentEvents) recent_events_.pop_front();
      }
      Enqueue(FlushItem{nullptr, nullptr, false, std::move(events), record.lsn});
      return Status::Ok();
    }
    case RecordType::kFrame: {
      auto frame = historian::DecodeFrame(record.payload);
      if (!frame.ok()) return frame.status();
      SeriesState* st = ByStored(frame->stored_id);
      if (!st)
        return Status::Corruption(fmt::format("WAL record {}: frame of an undefined series", record.lsn));
      if (record.lsn <= st->flushed_lsn) return Status::Ok();
      std::lock_guard lock(st->mu);
      if (!st->frames.empty() && !(st->shape == frame->shape)) CloseHead(*st);
      if (st->frames.empty()) st->shape = frame->shape;
      st->frames.insert(st->frames.end(), frame->elements.begin(), frame->elements.end());
      ApplySample(*st, frame->time, FrameMean(frame->elements), Quality::kGood, record.lsn);
      st->frame_count++;
      st->has_newest = true;
      st->newest = std::max(st->newest, frame->time);
      if (HeadFull(*st)) CloseHead(*st);
      return Status::Ok();
    }
  }
  return Status::Corruption(fmt::format("WAL record {}: unknown type {}", record.lsn, record.type));
}

Status Historian::Impl::Close() {
  if (!open_) return Status::Ok();
  {
    std::lock_guard lock(maintenance_mu_);
    maintenance_stop_ = true;
  }
  maintenance_cv_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
  Status s = Flush();
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  if (wal_) {
    Status w = wal_->Close();
    if (s.ok()) s = w;
  }
  open_ = false;
  return s;
}

// ---------------------------------------------------------------------------------------------
// Writing

bool Historian::Impl::HeadFull(const SeriesState& st) const {
  if (st.times.empty()) return false;
  if (st.kind == SeriesKind::kFrame) {
    return st.times.size() >= kFramesPerChunk || st.frames.size() >= codec::kMaxFrameElements;
  }
  if (st.times.size() >= options_.chunk_samples) return true;
  return st.head_max - st.head_min >= options_.chunk_span;
}

void Historian::Impl::ApplySample(SeriesState& st, Timestamp t, double v, Quality q, std::uint64_t lsn) {
  if (st.times.empty()) {
    st.first_lsn = lsn;
    st.head_min = t;
    st.head_max = t;
  }
  st.head_min = std::min(st.head_min, t);
  st.head_max = std::max(st.head_max, t);
  st.last_lsn = lsn;
  st.times.push_back(t);
  st.values.push_back(v);
  st.qualities.push_back(q);
  if (!st.latest || t >= st.latest->time) st.latest = Point{t, v, q};
}

void Historian::Impl::CloseHead(SeriesState& st) {
  if (st.times.empty()) return;
  auto chunk = std::make_shared<ClosedChunk>();
  chunk->id = next_chunk_id_.fetch_add(1);
  chunk->first_lsn = st.first_lsn;
  chunk->last_lsn = st.last_lsn;
  chunk->resolution = st.resolution;
  SortColumns(st.times, st.values, st.qualities);
  chunk->times.swap(st.times);
  chunk->values.swap(st.values);
  chunk->qualities.swap(st.qualities);
  chunk->frames.swap(st.frames);
  chunk->shape = st.shape;
  chunk->first_index = st.head_first_index;
  st.head_first_index = st.frame_count;
  st.first_lsn = 0;
  st.pending.push_back(chunk);
  Enqueue(FlushItem{&st, std::move(chunk), false, {}, 0});
}

// Into the heads, one lock per series: batches interleave their series (a message carries a
// reading of several signals at a time), so the samples are first put in series order, stably (a
// counting sort by the series' slot in `touched`), and each series then takes its run under one
// lock instead of one lock per sample.
void Historian::Impl::ApplyGrouped(std::span<SeriesState* const> states, std::span<const Timestamp> times,
                                   std::span<const double> values, std::span<const Quality> qualities,
                                   std::size_t series_count, std::uint64_t lsn) {
  const std::size_t n = states.size();
  if (series_count <= 1 || n <= series_count) {
    for (std::size_t i = 0; i < n;) {
      SeriesState* s = states[i];
      std::lock_guard lock(s->mu);
      for (; i < n && states[i] == s; ++i) ApplySample(*s, times[i], values[i], qualities[i], lsn);
    }
    return;
  }
  std::vector<std::uint32_t> start(series_count + 1, 0);
  for (SeriesState* s : states) ++start[s->touch_slot + 1];
  for (std::size_t g = 0; g < series_count; ++g) start[g + 1] += start[g];
  std::vector<std::uint32_t> order(n);
  std::vector<std::uint32_t> next(start.begin(), start.end() - 1);
  for (std::size_t i = 0; i < n; ++i) order[next[states[i]->touch_slot]++] = static_cast<std::uint32_t>(i);
  for (std::size_t g = 0; g < series_count; ++g) {
    if (start[g] == start[g + 1]) continue;
    SeriesState* s = states[order[start[g]]];
    std::lock_guard lock(s->mu);
    for (std::uint32_t k = start[g]; k < start[g + 1]; ++k) {
      const std::uint32_t i = order[k];
      ApplySample(*s, times[i], values[i], qualities[i], lsn);
    }
  }
}

Status Historian::Impl::Append(const Batch& batch) {
  if (batch.empty()) return Status::Ok();
  std::shared_lock append_lock(append_mu_);
  const std::size_t n = batch.size();
  std::vector<std::uint32_t> stored(n);
  std::vector<SeriesState*> states(n);
  std::vector<SeriesState*> new_series;
  std::vector<std::size_t> rejected;
  const std::uint64_t mark = ++touch_epoch_;
  std::vector<SeriesState*> touched;
  for (std::size_t i = 0; i < n; ++i) {
    auto st = StateFor(batch.series[i]);
    if (!st.ok()) return st.status();
    SeriesState* s = *st;
    if (s->kind == SeriesKind::kFrame) {
      return Status::InvalidArgument(fmt::format("series {} holds frames, not scalar samples", s->label));
    }
    states[i] = s;
    stored[i] = s->stored_id;
    if (s->touch != mark) {
      s->touch = mark;
      s->touch_slot = static_cast<std::uint32_t>(touched.size());
      touched.push_back(s);
      if (!s->defined) new_series.push_back(s);
    }
    const Timestamp t = batch.times[i];
    if (s->has_newest && t < s->newest && s->newest - t > options_.late_window) {
      rejected.push_back(i);
      continue;
    }
    if (!s->has_newest || t > s->newest) s->newest = t;
    s->has_newest = true;
  }

  // Series seen for the first time are defined in the WAL before their samples.
  std::vector<std::uint8_t> buffer;
  for (SeriesState* s : new_series) {
    buffer.clear();
    {
      std::lock_guard lock(s->mu);
      s->def.kind = s->kind;
    }
    historian::EncodeSeriesDef(s->def, buffer);
    auto lsn = Log(RecordType::kSeriesDef, buffer);
    if (!lsn.ok()) return lsn.status();
    s->defined = true;
    Enqueue(FlushItem{s, nullptr, true, {}, *lsn});
  }

  // The samples record: header + the batch's columns, written without copying them, unless late
  // samples must be left out.
  std::vector<Timestamp> kept_times;
  std::vector<double> kept_values;
  std::vector<Quality> kept_qualities;
  std::span<const Timestamp> times = batch.times;
  std::span<const double> values = batch.values;
  std::span<const Quality> qualities = batch.qualities;
  std::string label;
  if (!rejected.empty()) {
    late_rejected_.Add(rejected.size());
    label = states[rejected.front()]->label;
    std::vector<std::uint32_t> kept_stored;
    std::vector<SeriesState*> kept_states;
    std::size_t r = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (r < rejected.size() && rejected[r] == i) {
        ++r;
        continue;
      }
      kept_stored.push_back(stored[i]);
      kept_states.push_back(states[i]);
      kept_times.push_back(batch.times[i]);
      kept_values.push_back(batch.values[i]);
      kept_qualities.push_back(batch.qualities[i]);
    }
    stored.swap(kept_stored);
    states.swap(kept_states);
    times = kept_times;
    values = kept_values;
    qualities = kept_qualities;
  }
  const std::size_t kept = stored.size();
  std::uint64_t lsn = 0;
  if (kept > 0) {
    auto header = historian::SamplesHeader(static_cast<std::uint32_t>(kept));
    auto bytes = [](auto span) { return std::as_bytes(span); };
    auto u8 = [](std::span<const std::byte> b) {
      return std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(b.data()), b.size());
    };
    std::array<std::span<const std::uint8_t>, 5> parts = {
        std::span<const std::uint8_t>(header), u8(bytes(std::span<const std::uint32_t>(stored))),
        u8(bytes(times)), u8(bytes(values)), u8(bytes(qualities))};
    auto appended = Log(RecordType::kSamples, parts);
    if (!appended.ok()) return appended.status();
    lsn = *appended;
  }

  ApplyGrouped(states, times, values, qualities, touched.size(), lsn);
  for (SeriesState* s : touched) {
    std::lock_guard lock(s->mu);
    if (HeadFull(*s)) CloseHead(*s);
  }
  appended_.Add(kept);
  head_samples_.Add(static_cast<double>(kept));
  if (!rejected.empty()) {
    std::uint64_t suppressed = 0;
    if (late_log_.ShouldLog(label, &suppressed)) {
      spdlog::warn(
          "historian: {} sample(s) rejected (e.g. on {}): older than the late window of {} s behind "
          "the series' newest sample{}",
          rejected.size(), label, options_.late_window / kNanosPerSecond,
          suppressed ? fmt::format(" ({} more since the last message)", suppressed) : "");
    }
    return Status::OutOfRange(
        fmt::format("{} of {} samples older than the late window were rejected", rejected.size(), n));
  }
  return Status::Ok();
}

Status Historian::Impl::AppendEvents(const std::vector<Event>& events) {
  if (events.empty()) return Status::Ok();
  std::shared_lock append_lock(append_mu_);
  std::vector<std::uint32_t> stored(events.size(), kNoStoredId);
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (SeriesState* st = Find(events[i].series)) stored[i] = st->stored_id;
  }
  std::vector<std::uint8_t> buffer;
  historian::EncodeEvents(events, stored, buffer);
  auto lsn = Log(RecordType::kEvents, buffer);
  if (!lsn.ok()) return lsn.status();
  std::vector<Event> to_store = events;
  for (std::size_t i = 0; i < events.size(); ++i) to_store[i].series = stored[i];
  {
    std::lock_guard lock(events_mu_);
    for (const Event& e : events) {
      recent_events_.push_back(e);
      if (recent_events_.size() > kMaxRecentEvents) recent_events_.pop_front();
    }
  }
  Enqueue(FlushItem{nullptr, nullptr, false, std::move(to_store), *lsn});
  return Status::Ok();
}

Status Historian::Impl::AppendFrame(SeriesId id, Timestamp time, codec::FrameShape shape,
                                    std::span<const float> elements) {
  if (shape.rows == 0 || shape.cols == 0 || shape.elements() > codec::kMaxFrameElements ||
      elements.size() != shape.elements()) {
    return Status::InvalidArgument(fmt::format("frame of {} elements does not match shape {}x{}",
                                               elements.size(), shape.rows, shape.cols));
  }
  std::shared_lock append_lock(append_mu_);
  auto state = StateFor(id);
  if (!state.ok()) return state.status();
  SeriesState& st = **state;
  {
    std::lock_guard lock(st.mu);
    if (st.kind != SeriesKind::kFrame && (st.latest || !st.times.empty())) {
      return Status::InvalidArgument(fmt::format("series {} holds scalar samples, not frames", st.label));
    }
    st.kind = SeriesKind::kFrame;
  }
  if (st.has_newest && time < st.newest) {
    late_rejected_.Add();
    return Status::OutOfRange(
        fmt::format("frame of {} at {} is older than its newest frame; frames must come in "
                    "time order",
                    st.label, time));
  }
  std::vector<std::uint8_t> buffer;
  if (!st.defined) {
    st.def.kind = SeriesKind::kFrame;
    historian::EncodeSeriesDef(st.def, buffer);
    auto lsn = Log(RecordType::kSeriesDef, buffer);
    if (!lsn.ok()) return lsn.status();
    st.defined = true;
    Enqueue(FlushItem{&st, nullptr, true, {}, *lsn});
    buffer.clear();
  }
  historian::EncodeFrame(st.stored_id, time, shape, elements, buffer);
  auto lsn = Log(RecordType::kFrame, buffer);
  if (!lsn.ok()) return lsn.status();
  st.has_newest = true;
  st.newest = time;
  std::lock_guard lock(st.mu);
  if (!st.frames.empty() && !(st.shape == shape)) CloseHead(st);
  if (st.frames.empty()) st.shape = shape;
  st.frames.insert(st.frames.end(), elements.begin(), elements.end());
  ApplySample(st, time, FrameMean(elements), Quality::kGood, *lsn);
  st.frame_count++;
  if (HeadFull(st)) CloseHead(st);
  appended_.Add();
  head_samples_.Add(1);
  return Status::Ok();
}

Status Historian::Impl::Declare(SeriesId id, double resolution, const std::string& retention_class) {
  if (!(resolution >= 0) || !std::isfinite(resolution)) {
    return Status::InvalidArgument(fmt::format("resolution {} must be a finite number >= 0", resolution));
  }
  if (!retention_class.empty() && !ClassOf(retention_class)) {
    return Status::InvalidArgument(fmt::format("unknown retention class '{}'", retention_class));
  }
  auto state = StateFor(id);
  if (!state.ok()) return state.status();
  SeriesState& st = **state;
  bool changed = false;
  {
    std::lock_guard lock(st.mu);
    changed = st.resolution != resolution || st.retention_class != retention_class;
    st.resolution = resolution;
    st.retention_class = retention_class;
  }
  // A defined series' row is updated now; an undefined one gets its row with its first sample.
  if (changed && st.defined) Enqueue(FlushItem{&st, nullptr, true, {}, 0});
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// The flusher: closed chunks, series rows and events into SQLite, then the WAL is trimmed.

void Historian::Impl::Enqueue(FlushItem item) {
  {
    std::lock_guard lock(queue_mu_);
    queue_.push_back(std::move(item));
  }
  queue_cv_.notify_one();
}

void Historian::Impl::FlusherLoop() {
  auto last_trim = std::chrono::steady_clock::now();
  std::vector<FlushItem> items;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait_for(lock, kTrimInterval, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      items.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
      queue_.clear();
      flusher_busy_ = true;
    }
    Status s = items.empty() ? Status::Ok() : FlushItems(items);
    if (!s.ok()) {
      errors_.Add();
      spdlog::error("historian: writing to {} failed: {}; the data stays in the WAL", store_->path(),
                    s.message());
    }
    items.clear();
    auto now = std::chrono::steady_clock::now();
    if (s.ok() && now - last_trim >= kTrimInterval) {
      last_trim = now;
      s = TrimWal();
      if (!s.ok()) {
        errors_.Add();
        spdlog::error("historian: trimming the WAL failed: {}", s.message());
      }
    }
    {
      std::lock_guard lock(queue_mu_);
      flusher_busy_ = false;
      if (!s.ok()) flush_status_ = s;
    }
    drained_cv_.notify_all();
  }
}

Status Historian::Impl::FlushItems(std::vector<FlushItem>& items) {
  std::vector<ChunkWrite> writes;
  std::vector<Event> events;
  std::uint64_t events_lsn = 0;
  std::uint64_t bytes = 0;
  std::uint64_t samples = 0;
  for (FlushItem& item : items) {
    if (item.put_series) {
      StoredSeries row;
      row.def = item.state->def;
      {
        std::lock_guard lock(item.state->mu);
        row.def.kind = item.state->kind;
        row.resolution = item.state->resolution;
        row.retention_class = item.state->retention_class;
      }
      MW_RETURN_IF_ERROR(store_->PutSeries(row));
    } else if (item.chunk) {
      const ClosedChunk& c = *item.chunk;
      Result<std::vector<std::uint8_t>> encoded =
          c.frames.empty()
              ? codec::EncodeChunk(item.state->stored_id, c.times, c.values, c.qualities, {c.resolution})
              : codec::EncodeFrameChunk(item.state->stored_id, c.times, c.shape, c.frames, c.qualities);
      if (!encoded.ok()) {
        return Status::Internal(
            fmt::format("encoding a chunk of {}: {}", item.state->label, encoded.status().message()));
      }
      auto header = codec::DecodeChunkHeader(*encoded, item.state->label);
      if (!header.ok()) return header.status();
      ChunkWrite& w = writes.emplace_back();
      w.row.id = c.id;
      w.row.series = item.state->stored_id;
      w.row.first_time = header->first_time;
      w.row.last_time = header->last_time;
      w.row.summary = header->summary;
      w.row.first_index = c.first_index;
      // Chunks of series without rollups never need the maintenance pass.
      const RetentionClass* cls = nullptr;
      {
        std::lock_guard lock(item.state->mu);
        cls = ClassOf(item.state->retention_class);
      }
      w.row.rolled_up = c.frames.size() > 0 || !cls || (cls->rollup_1m == 0 && cls->rollup_1h == 0);
      w.row.data = std::move(*encoded);
      w.flushed_lsn = c.last_lsn;
      bytes += w.row.data.size();
      samples += c.times.size();
    } else {
      events.insert(events.end(), item.events.begin(), item.events.end());
      events_lsn = std::max(events_lsn, item.lsn);
    }
  }
  if (writes.empty() && events.empty()) return Status::Ok();
  MW_RETURN_IF_ERROR(store_->Write(writes, events, events_lsn));
  chunks_written_.Add(writes.size());
  chunk_bytes_.Add(bytes);
  head_samples_.Add(-static_cast<double>(samples));
  for (FlushItem& item : items) {
    if (!item.chunk) continue;
    std::lock_guard lock(item.state->mu);
    std::erase(item.state->pending, item.chunk);
    item.state->flushed_lsn = std::max(item.state->flushed_lsn, item.chunk->last_lsn);
  }
  return Status::Ok();
}

Status Historian::Impl::TrimWal() {
  std::uint64_t keep = std::numeric_limits<std::uint64_t>::max();
  {
    // Exclusive: no append is between its WAL write and its head update.
    std::unique_lock append_lock(append_mu_);
    for (SeriesState* st : AllStates()) {
      std::lock_guard lock(st->mu);
      if (st->first_lsn != 0) keep = std::min(keep, st->first_lsn);
      for (const auto& c : st->pending) keep = std::min(keep, c->first_lsn);
    }
    std::lock_guard lock(queue_mu_);
    for (const FlushItem& item : queue_) {
      if (item.lsn != 0) keep = std::min(keep, item.lsn);
    }
  }
  if (keep == std::numeric_limits<std::uint64_t>::max()) {
    // Nothing is unflushed: every record so far can go.
    keep = last_lsn_.load() + 1;
  }
  return wal_->DropBefore(keep);
}

Result<std::uint64_t> Historian::Impl::Log(RecordType type,
                                           std::span<const std::span<const std::uint8_t>> parts) {
  auto lsn = wal_->Append(static_cast<std::uint8_t>(type), parts);
  if (!lsn.ok()) {
    errors_.Add();
    return lsn.status();
  }
  std::uint64_t seen = last_lsn_.load();
  while (seen < *lsn && !last_lsn_.compare_exchange_weak(seen, *lsn)) {
  }
  return *lsn;
}

Status Historian::Impl::WaitFlushed() {
  std::unique_lock lock(queue_mu_);
  drained_cv_.wait(lock, [&] { return queue_.empty() && !flusher_busy_; });
  Status s = flush_status_;
  flush_status_ = Status::Ok();
  return s;
}

Status Historian::Impl::Flush() {
  {
    std::unique_lock append_lock(append_mu_);
    for (SeriesState* st : AllStates()) {
      std::lock_guard lock(st->mu);
      CloseHead(*st);
    }
  }
  queue_cv_.notify_one();
  MW_RETURN_IF_ERROR(WaitFlushed());
  // Everything is in SQLite: a fresh segment lets the trim delete every record written so far.
  MW_RETURN_IF_ERROR(wal_->Rotate());
  return TrimWal();
}

// ---------------------------------------------------------------------------------------------
// Reading

Status Historian::Impl::DecodeInto(const SeriesState& st, const ChunkRow& row,
                                   codec::DecodedChunk& out) const {
  auto decoded = codec::DecodeChunk(row.data, st.label);
  if (!decoded.ok()) {
    corrupt_.Add();
    return Status::Corruption(
        fmt::format("{} (chunk id {} in {})", decoded.status().message(), row.id, store_->path()));
  }
  out = std::move(*decoded);
  if (out.header.frame_shape.elements() > 0 && out.values.empty()) {
    // Frame chunks: a frame's scalar value is its mean.
    const std::size_t e = out.header.frame_shape.elements();
    out.values.resize(out.times.size());
    for (std::size_t i = 0; i < out.times.size(); ++i) {
      out.values[i] = FrameMean(std::span(out.frames).subspan(i * e, e));
    }
  }
  return Status::Ok();
}

Status Historian::Impl::ReadSeriesChunks(const SeriesState& st, Timestamp from, Timestamp to,
                                         std::vector<std::shared_ptr<const ClosedChunk>>& pending,
                                         std::vector<Point>& head, std::vector<ChunkRow>& stored) const {
  {
    std::lock_guard lock(st.mu);
    for (std::size_t i = 0; i < st.times.size(); ++i) {
      if (st.times[i] >= from && st.times[i] <= to)
        head.push_back({st.times[i], st.values[i], st.qualities[i]});
    }
    for (const auto& c : st.pending) {
      if (c->times.front() <= to && c->times.back() >= from) pending.push_back(c);
    }
  }
  std::stable_sort(head.begin(), head.end(), [](const Point& a, const Point& b) { return a.time < b.time; });
  // Read after copying the pending list: a chunk the flusher commits meanwhile is then seen in
  // both places, and the SQLite copy is skipped; one committed before was already off the list.
  MW_RETURN_IF_ERROR(store_->ReadChunks(st.stored_id, from, to, true, stored));
  std::erase_if(stored, [&](const ChunkRow& row) {
    return std::any_of(pending.begin(), pending.end(), [&](const auto& c) { return c->id == row.id; });
  });
  return Status::Ok();
}

namespace {

void AppendRun(std::span<const Timestamp> times, std::span<const double> values,
               std::span<const Quality> qualities, Timestamp from, Timestamp to, std::vector<Point>& run) {
  auto lo = std::lower_bound(times.begin(), times.end(), from) - times.begin();
  auto hi = std::upper_bound(times.begin(), times.end(), to) - times.begin();
  run.reserve(run.size() + static_cast<std::size_t>(hi - lo));
  for (auto i = lo; i < hi; ++i) {
    auto k = static_cast<std::size_t>(i);
    run.push_back({times[k], values[k], qualities.empty() ? Quality::kGood : qualities[k]});
  }
}

}  // namespace

Status Historian::Impl::Range(SeriesId id, Timestamp from, Timestamp to, std::size_t limit,
                              std::vector<Point>& out) const {
  out.clear();
  if (to < from) return Status::InvalidArgument("empty range: 'to' is before 'from'");
  const SeriesState* st = Find(id);
  if (!st) return Status::Ok();
  std::vector<std::shared_ptr<const ClosedChunk>> pending;
  std::vector<Point> head;
  std::vector<ChunkRow> stored;
  MW_RETURN_IF_ERROR(ReadSeriesChunks(*st, from, to, pending, head, stored));
  // Refuse before decoding when whole chunks alone exceed the cap.
  std::uint64_t certain = head.size();
  for (const ChunkRow& row : stored) {
    if (row.first_time >= from && row.last_time <= to) certain += row.summary.count;
  }
  auto too_many = [&](std::uint64_t n) {
    return Status::ResourceExhausted(
        fmt::format("the range holds {} points of {}, more than the limit of {} per request: narrow it or "
                    "ask for buckets "
                    "(step)",
                    n, st->label, options_.max_points));
  };
  if (certain > options_.max_points) return too_many(certain);
  std::vector<std::vector<Point>> runs;
  codec::DecodedChunk chunk;
  for (const ChunkRow& row : stored) {
    MW_RETURN_IF_ERROR(DecodeInto(*st, row, chunk));
    AppendRun(chunk.times, chunk.values, chunk.qualities, from, to, runs.emplace_back());
  }
  for (const auto& c : pending) AppendRun(c->times, c->values, c->qualities, from, to, runs.emplace_back());
  runs.push_back(std::move(head));
  historian::MergeRuns(runs, out);
  if (out.size() > options_.max_points) return too_many(out.size());
  if (out.size() > limit) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(limit));
  return Status::Ok();
}

Status Historian::Impl::AddRollups(const SeriesState& st, Timestamp from, Timestamp to,
                                   historian::BucketAccumulator& acc) const {
  std::vector<RollupRow> minutes, hours;
  MW_RETURN_IF_ERROR(store_->ReadRollups(st.stored_id, RollupLevel::kMinute, from, to, minutes));
  Timestamp minute_start = to;
  std::vector<Bucket> buckets;
  for (const RollupRow& r : minutes) minute_start = std::min(minute_start, r.first_time);
  if (minute_start > from) {
    MW_RETURN_IF_ERROR(store_->ReadRollups(st.stored_id, RollupLevel::kHour, from, minute_start, hours));
  }
  auto add = [&](const std::vector<RollupRow>& rows, Timestamp level, Timestamp before) -> Status {
    for (const RollupRow& r : rows) {
      MW_RETURN_IF_ERROR(historian::DecodeRollup(r.data, st.label, buckets));
      for (const Bucket& b : buckets) {
        if (b.start + level <= before) acc.AddBucket(b.start, b.start + level - 1, b);
      }
    }
    return Status::Ok();
  };
  MW_RETURN_IF_ERROR(add(minutes, 60 * kNanosPerSecond, to));
  return add(hours, 3600 * kNanosPerSecond, minute_start);
}

Status Historian::Impl::Buckets(SeriesId id, Timestamp from, Timestamp to, Timestamp step,
                                std::vector<Bucket>& out) const {
  out.clear();
  auto acc = historian::BucketAccumulator::Create(from, to, step, options_.max_buckets);
  if (!acc.ok()) return acc.status();
  const SeriesState* st = Find(id);
  if (!st) return Status::Ok();
  std::vector<std::shared_ptr<const ClosedChunk>> pending;
  std::vector<Point> head;
  std::vector<ChunkRow> stored;
  MW_RETURN_IF_ERROR(ReadSeriesChunks(*st, from, to - 1, pending, head, stored));
  Timestamp raw_start = to;
  std::vector<const ChunkRow*> to_decode;
  for (const ChunkRow& row : stored) {
    raw_start = std::min(raw_start, row.first_time);
    if (acc->FitsOneBucket(row.first_time, row.last_time)) {
      acc->AddSummary(row.first_time, row.last_time, row.summary);
    } else {
      to_decode.push_back(&row);
    }
  }
  // Decoding dominates long ranges (a month at 1 Hz is 2.6M samples): a second thread takes half
  // of the chunks into its own accumulator, merged afterwards.
  auto decode = [&](std::span<const ChunkRow* const> rows, historian::BucketAccumulator& into) -> Status {
    codec::DecodedChunk chunk;
    for (const ChunkRow* row : rows) {
      MW_RETURN_IF_ERROR(DecodeInto(*st, *row, chunk));
      into.AddSorted(chunk.times, chunk.values);
    }
    return Status::Ok();
  };
  std::span<const ChunkRow* const> rows(to_decode);
  if (rows.size() >= kParallelDecodeChunks) {
    const std::size_t half = rows.size() / 2;
    auto second = historian::BucketAccumulator::Create(from, to, step, options_.max_buckets);
    if (!second.ok()) return second.status();
    Status second_status;
    std::thread helper([&] { second_status = decode(rows.subspan(half), *second); });
    Status first_status = decode(rows.first(half), *acc);
    helper.join();
    MW_RETURN_IF_ERROR(first_status);
    MW_RETURN_IF_ERROR(second_status);
    acc->MergeFrom(*second);
  } else {
    MW_RETURN_IF_ERROR(decode(rows, *acc));
  }
  for (const auto& c : pending) {
    raw_start = std::min(raw_start, c->times.front());
    acc->AddSorted(c->times, c->values);
  }
  for (const Point& p : head) {
    raw_start = std::min(raw_start, p.time);
    acc->AddPoint(p.time, p.value);
  }
  // Where raw data has expired, rollups answer.
  if (ClassOf(*st) && raw_start > from) MW_RETURN_IF_ERROR(AddRollups(*st, from, raw_start, *acc));
  acc->Finish(out);
  return Status::Ok();
}

std::optional<Point> Historian::Impl::Latest(SeriesId id) const {
  const SeriesState* st = Find(id);
  if (!st) return std::nullopt;
  std::lock_guard lock(st->mu);
  return st->latest;
}

Result<Frame> Historian::Impl::FrameFromChunk(const SeriesState& st, const ChunkRow& row,
                                              std::size_t pick) const {
  codec::DecodedChunk chunk;
  MW_RETURN_IF_ERROR(DecodeInto(st, row, chunk));
  const std::size_t e = chunk.header.frame_shape.elements();
  if (pick >= chunk.times.size() || e == 0)
    return Status::NotFound(fmt::format("no such frame of {}", st.label));
  Frame f;
  f.time = chunk.times[pick];
  f.index = row.first_index + pick;
  f.rows = chunk.header.frame_shape.rows;
  f.cols = chunk.header.frame_shape.cols;
  f.elements.assign(chunk.frames.begin() + static_cast<std::ptrdiff_t>(pick * e),
                    chunk.frames.begin() + static_cast<std::ptrdiff_t>((pick + 1) * e));
  return f;
}

Result<Frame> Historian::Impl::FrameByIndex(SeriesId id, std::uint64_t index) const {
  const SeriesState* st = Find(id);
  if (!st) return Status::NotFound(fmt::format("series {} has no data", id));
  {
    std::lock_guard lock(st->mu);
    if (st->kind != SeriesKind::kFrame)
      return Status::InvalidArgument(fmt::format("{} is not a frame series", st->label));
    if (index >= st->frame_count) {
      return Status::NotFound(
          fmt::format("{} has {} frames; index {} is past the end", st->label, st->frame_count, index));
    }
    auto from_columns = [&](const auto& times, const std::vector<float>& frames, codec::FrameShape shape,
                            std::uint64_t first) {
      const std::size_t k = index - first;
      const std::size_t e = shape.elements();
      return Frame{times[k], index, shape.rows, shape.cols,
                   std::vector<float>(frames.begin() + static_cast<std::ptrdiff_t>(k * e),
                                      frames.begin() + static_cast<std::ptrdiff_t>((k + 1) * e))};
    };
    if (index >= st->head_first_index)
      return from_columns(st->times, st->frames, st->shape, st->head_first_index);
    for (const auto& c : st->pending) {
      if (index >= c->first_index && index < c->first_index + c->times.size()) {
        return from_columns(c->times, c->frames, c->shape, c->first_index);
      }
    }
  }
  auto row = store_->ChunkWithIndex(st->stored_id, index);
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound(fmt::format("frame {} of {} is no longer stored", index, st->label));
  return FrameFromChunk(*st, **row, static_cast<std::size_t>(index - (*row)->first_index));
}

Result<Frame> Historian::Impl::FrameAt(SeriesId id, Timestamp t, FrameSelect select) const {
  const SeriesState* st = Find(id);
  if (!st) return Status::NotFound(fmt::format("series {} has no data", id));
  if (select == FrameSelect::kBefore) {
    if (t == std::numeric_limits<Timestamp>::min())
      return Status::NotFound("no frame before the start of time");
    --t;
  }
  const bool after = select == FrameSelect::kAfter;
  // Frames come in time order, so index order is time order: find the index, then the frame.
  std::optional<std::uint64_t> found;
  {
    std::lock_guard lock(st->mu);
    if (st->kind != SeriesKind::kFrame)
      return Status::InvalidArgument(fmt::format("{} is not a frame series", st->label));
    auto search = [&](const std::vector<Timestamp>& times, std::uint64_t first) {
      if (after) {
        auto it = std::upper_bound(times.begin(), times.end(), t);
        if (it != times.end() && !found) found = first + static_cast<std::uint64_t>(it - times.begin());
      } else {
        auto it = std::upper_bound(times.begin(), times.end(), t);
        if (it != times.begin()) found = first + static_cast<std::uint64_t>(it - times.begin() - 1);
      }
    };
    // Oldest first: for "after" the first hit wins, for "at" the last one.
    for (const auto& c : st->pending) search(c->times, c->first_index);
    search(st->times, st->head_first_index);
  }
  auto row = store_->ChunkNear(st->stored_id, t, after);
  if (!row.ok()) return row.status();
  if (*row) {
    codec::DecodedChunk chunk;
    MW_RETURN_IF_ERROR(DecodeInto(*st, **row, chunk));
    const auto& times = chunk.times;
    if (after) {
      auto it = std::upper_bound(times.begin(), times.end(), t);
      if (it != times.end()) return FrameFromChunk(*st, **row, static_cast<std::size_t>(it - times.begin()));
    } else if (!found) {
      auto it = std::upper_bound(times.begin(), times.end(), t);
      if (it != times.begin())
        return FrameFromChunk(*st, **row, static_cast<std::size_t>(it - times.begin() - 1));
    }
  }
  if (!found)
    return Status::NotFound(
        fmt::format("no frame of {} {} {}", st->label, after ? "after" : "at or before", t));
  return FrameByIndex(id, *found);
}

std::vector<Event> Historian::Impl::RecentEvents(std::size_t limit) const {
  std::lock_guard lock(events_mu_);
  std::size_t n = std::min(limit, recent_events_.size());
  return {recent_events_.end() - static_cast<std::ptrdiff_t>(n), recent_events_.end()};
}

// ---------------------------------------------------------------------------------------------
// Compaction, rollups, retention

Status Historian::Impl::CompactSeries(SeriesState& st) {
  double resolution = 0;
  {
    std::lock_guard lock(st.mu);
    if (st.kind == SeriesKind::kFrame) return Status::Ok();
    resolution = st.resolution;
  }
  std::vector<ChunkRow> chunks;
  MW_RETURN_IF_ERROR(store_->ReadChunks(st.stored_id, std::numeric_limits<Timestamp>::min(),
                                        std::numeric_limits<Timestamp>::max(), false, chunks));
  // Groups of neighbouring chunks that overlap or where either side is short of a full chunk; each
  // group is merged and cut again into full chunks (the last one may stay short).
  std::vector<std::vector<const ChunkRow*>> groups;
  std::uint64_t group_count = 0;
  Timestamp group_last = 0;
  const std::uint64_t full_size = options_.chunk_samples;
  for (const ChunkRow& c : chunks) {
    bool join = !groups.empty() && group_count < 64 * full_size &&
                (c.first_time <= group_last || c.summary.count < full_size ||
                 groups.back().back()->summary.count < full_size);
    if (!join) {
      groups.emplace_back();
      group_count = 0;
      group_last = c.last_time;
    }
    groups.back().push_back(&c);
    group_count += c.summary.count;
    group_last = std::max(group_last, c.last_time);
  }
  for (const auto& group : groups) {
    if (group.size() < 2) continue;
    std::vector<std::vector<Point>> runs;
    std::vector<std::int64_t> old_ids;
    for (const ChunkRow* c : group) {
      auto full = store_->ReadChunk(c->id);
      if (!full.ok()) return full.status();
      codec::DecodedChunk chunk;
      MW_RETURN_IF_ERROR(DecodeInto(st, *full, chunk));
      AppendRun(chunk.times, chunk.values, chunk.qualities, std::numeric_limits<Timestamp>::min(),
                std::numeric_limits<Timestamp>::max(), runs.emplace_back());
      old_ids.push_back(c->id);
    }
    std::vector<Point> merged;
    historian::MergeRuns(runs, merged);
    std::vector<ChunkRow> replacement;
    for (std::size_t at = 0; at < merged.size(); at += options_.chunk_samples) {
      std::size_t n = std::min(options_.chunk_samples, merged.size() - at);
      std::vector<Timestamp> times(n);
      std::vector<double> values(n);
      std::vector<Quality> qualities(n);
      bool all_good = true;
      for (std::size_t i = 0; i < n; ++i) {
        times[i] = merged[at + i].time;
        values[i] = merged[at + i].value;
        qualities[i] = merged[at + i].quality;
        all_good = all_good && qualities[i] == Quality::kGood;
      }
      if (all_good) qualities.clear();
      auto encoded = codec::EncodeChunk(st.stored_id, times, values, qualities, {resolution});
      if (!encoded.ok()) return encoded.status();
      ChunkRow& row = replacement.emplace_back();
      row.id = next_chunk_id_.fetch_add(1);
      row.series = st.stored_id;
      row.first_time = times.front();
      row.last_time = times.back();
      auto header = codec::DecodeChunkHeader(*encoded, st.label);
      if (!header.ok()) return header.status();
      row.summary = header->summary;
      row.rolled_up = !ClassOf(st);
      row.data = std::move(*encoded);
    }
    MW_RETURN_IF_ERROR(store_->ReplaceChunks(old_ids, replacement));
  }
  return Status::Ok();
}

Status Historian::Impl::Compact() {
  MW_RETURN_IF_ERROR(Flush());
  std::lock_guard lock(compact_mu_);
  for (SeriesState* st : AllStates()) MW_RETURN_IF_ERROR(CompactSeries(*st));
  return store_->Vacuum();
}

Status Historian::Impl::RunMaintenance() {
  std::lock_guard lock(compact_mu_);
  // Rollups of every chunk not rolled up yet.
  std::vector<ChunkRow> todo;
  std::vector<Bucket> buckets;
  for (int round = 0; round < 1000; ++round) {
    todo.clear();
    MW_RETURN_IF_ERROR(store_->ChunksToRollUp(256, todo));
    if (todo.empty()) break;
    for (const ChunkRow& row : todo) {
      SeriesState* st = ByStored(row.series);
      const RetentionClass* cls = st ? ClassOf(*st) : nullptr;
      std::vector<RollupRow> rollups;
      if (cls && st->kind == SeriesKind::kScalar) {
        auto full = store_->ReadChunk(row.id);
        if (!full.ok()) return full.status();
        codec::DecodedChunk chunk;
        MW_RETURN_IF_ERROR(DecodeInto(*st, *full, chunk));
        for (RollupLevel level : {RollupLevel::kMinute, RollupLevel::kHour}) {
          historian::RollUp(chunk.times, chunk.values, static_cast<Timestamp>(level) * kNanosPerSecond,
                            buckets);
          auto encoded = historian::EncodeRollup(buckets);
          if (!encoded.ok()) return encoded.status();
          rollups.push_back(RollupRow{row.series, level, row.id, buckets.front().start, buckets.back().start,
                                      std::move(*encoded)});
        }
      }
      MW_RETURN_IF_ERROR(store_->PutRollups(row.id, rollups));
    }
  }
  // Retention.
  const Timestamp now = clock_.Now();
  for (SeriesState* st : AllStates()) {
    const RetentionClass* cls = ClassOf(*st);
    if (!cls) continue;
    const bool has_rollups = cls->rollup_1m > 0 || cls->rollup_1h > 0;
    if (cls->raw > 0) {
      std::uint64_t deleted = 0;
      MW_RETURN_IF_ERROR(store_->DeleteChunksBefore(st->stored_id, now - cls->raw, has_rollups, deleted));
      retention_deleted_.Add(deleted);
    }
    if (cls->rollup_1m > 0) {
      MW_RETURN_IF_ERROR(
          store_->DeleteRollupsBefore(st->stored_id, RollupLevel::kMinute, now - cls->rollup_1m));
    }
    if (cls->rollup_1h > 0) {
      MW_RETURN_IF_ERROR(
          store_->DeleteRollupsBefore(st->stored_id, RollupLevel::kHour, now - cls->rollup_1h));
    }
  }
  return Status::Ok();
}

void Historian::Impl::MaintenanceLoop() {
  std::unique_lock lock(maintenance_mu_);
  while (!maintenance_cv_.wait_for(lock, kMaintenanceInterval, [&] { return maintenance_stop_; })) {
    lock.unlock();
    Status s = RunMaintenance();
    if (!s.ok()) {
      errors_.Add();
      spdlog::error("historian: maintenance failed: {}", s.message());
    }
    lock.lock();
  }
}

HistorianStats Historian::Impl::Stats() const {
  HistorianStats stats;
  for (SeriesState* st : AllStates()) {
    std::lock_guard lock(st->mu);
    stats.series++;
    stats.head_samples += st->times.size();
    for (const auto& c : st->pending) stats.head_samples += c->times.size();
  }
  (void)store_->Totals(stats.chunks, stats.stored_samples, stats.chunk_bytes);
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(options_.dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) stats.disk_bytes += it->file_size(ec);
  }
  return stats;
}

// ---------------------------------------------------------------------------------------------
// Historian

Result<std::unique_ptr<Historian>> Historian::Open(const HistorianOptions& options, Catalog& catalog,
                                                   MetricsRegistry& metrics, const Clock& clock) {
  if (options.dir.empty()) return Status::InvalidArgument("the historian needs a data folder");
  if (options.chunk_samples == 0 || options.chunk_samples > codec::kMaxChunkSamples) {
    return Status::InvalidArgument(fmt::format("chunk_samples must be 1..{}", codec::kMaxChunkSamples));
  }
  auto impl = std::make_unique<Impl>(options, catalog, metrics, clock);
  MW_RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<Historian>(new Historian(std::move(impl)));
}

Historian::Historian(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Historian::~Historian() = default;

Status Historian::Append(const Batch& batch) { return impl_->Append(batch); }
Status Historian::AppendEvents(const std::vector<Event>& events) { return impl_->AppendEvents(events); }
std::optional<Point> Historian::Latest(SeriesId id) const { return impl_->Latest(id); }
Status Historian::Range(SeriesId id, Timestamp from, Timestamp to, std::size_t limit,
                        std::vector<Point>& out) const {
  return impl_->Range(id, from, to, limit, out);
}
std::vector<Event> Historian::RecentEvents(std::size_t limit) const { return impl_->RecentEvents(limit); }
Status Historian::DeclareSeries(SeriesId id, double resolution, const std::string& retention_class) {
  return impl_->Declare(id, resolution, retention_class);
}
Status Historian::AppendFrame(SeriesId id, Timestamp time, codec::FrameShape shape,
                              std::span<const float> elements) {
  return impl_->AppendFrame(id, time, shape, elements);
}
Status Historian::Buckets(SeriesId id, Timestamp from, Timestamp to, Timestamp step,
                          std::vector<Bucket>& out) const {
  return impl_->Buckets(id, from, to, step, out);
}
Status Historian::Lttb(SeriesId id, Timestamp from, Timestamp to, std::size_t points,
                       std::vector<Point>& out) const {
  std::vector<Point> raw;
  MW_RETURN_IF_ERROR(impl_->Range(id, from, to, std::numeric_limits<std::size_t>::max(), raw));
  historian::Lttb(raw, points, out);
  return Status::Ok();
}
void Historian::LatestMany(std::span<const SeriesId> ids, std::vector<std::optional<Point>>& out) const {
  out.clear();
  out.reserve(ids.size());
  for (SeriesId id : ids) out.push_back(impl_->Latest(id));
}
Result<Frame> Historian::FrameAt(SeriesId id, Timestamp t, FrameSelect select) const {
  return impl_->FrameAt(id, t, select);
}
Result<Frame> Historian::FrameByIndex(SeriesId id, std::uint64_t index) const {
  return impl_->FrameByIndex(id, index);
}
Status Historian::Flush() { return impl_->Flush(); }
Status Historian::Compact() { return impl_->Compact(); }
Status Historian::RunMaintenance() { return impl_->RunMaintenance(); }
Status Historian::Close() { return impl_->Close(); }
HistorianStats Historian::Stats() const { return impl_->Stats(); }

}  // namespace mw::storage
