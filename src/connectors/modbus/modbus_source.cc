#include "connectors/modbus/modbus_source.h"

#include <modbus.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cmath>

#include "pipeline/metric_names.h"

namespace mw::connectors::modbus {
namespace {

constexpr int kTimeoutsBeforeReconnect = 3;

// "250ms", "5s", "5m", "1h": the largest unit that divides the duration.
std::string Duration(std::int64_t ns) {
  if (ns >= 3600 * kNanosPerSecond && ns % (3600 * kNanosPerSecond) == 0)
    return std::to_string(ns / (3600 * kNanosPerSecond)) + "h";
  if (ns >= 60 * kNanosPerSecond && ns % (60 * kNanosPerSecond) == 0)
    return std::to_string(ns / (60 * kNanosPerSecond)) + "m";
  if (ns >= kNanosPerSecond && ns % kNanosPerSecond == 0) return std::to_string(ns / kNanosPerSecond) + "s";
  return std::to_string(ns / kNanosPerMilli) + "ms";
}

bool IsDeviceException(int e) { return e > MODBUS_ENOBASE && e <= EMBXGTAR; }

bool IsProtocolError(int e) { return e > EMBXGTAR && e <= EMBBADSLAVE; }

void SetTimeout(modbus_t* ctx, std::int64_t ns, int (*set)(modbus_t*, std::uint32_t, std::uint32_t)) {
  set(ctx, static_cast<std::uint32_t>(ns / kNanosPerSecond),
      static_cast<std::uint32_t>(ns % kNanosPerSecond / kNanosPerMicro));
}

// Where the points of a block split in two, by position: the middle, moved to the nearest position
// where the left half ends before the right half begins, so that the gap between them is a plain
// address range (points may overlap).
std::size_t SplitAt(const std::vector<Point>& points, const std::vector<std::size_t>& indices) {
  const std::size_t n = indices.size();
  std::vector<std::uint32_t> left_end(n);  // end of points [0, k] for each k
  std::uint32_t end = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const Point& p = points[indices[k]];
    end = std::max(end, static_cast<std::uint32_t>(p.address + Width(p.type)));
    left_end[k] = end;
  }
  auto clean = [&](std::size_t k) { return left_end[k - 1] <= points[indices[k]].address; };
  const std::size_t mid = n / 2;
  for (std::size_t d = 0; d < n; ++d) {
    if (mid >= d && mid - d >= 1 && clean(mid - d)) return mid - d;
    if (mid + d < n && mid + d >= 1 && clean(mid + d)) return mid + d;
  }
  return mid;
}

}  // namespace

ModbusSource::ModbusSource(std::string name, ModbusSourceOptions options, std::vector<SeriesId> series,
                           MetricsRegistry& metrics, const Clock& clock)
    : name_(std::move(name)),
      options_(std::move(options)),
      series_(std::move(series)),
      device_(options_.host + ":" + std::to_string(options_.port) + " unit " +
              std::to_string(options_.unit_id)),
      clock_(clock),
      log_(60 * kNanosPerSecond, &clock),
      plan_options_(options_.plan),
      refused_point_(options_.points.size(), false),
      reported_point_(options_.points.size(), false),
      registers_(kMaxReadRegisters),
      bits_(kMaxReadBits) {
  const Labels labels = {{"source", name_}};
  polls_ = &metrics.GetCounter(kPollsMetric, "Polls of a Modbus device", labels);
  samples_in_ = &metrics.GetCounter(pipeline::metric::kSamplesIn, pipeline::metric::kSamplesInHelp, labels);
  auto error = [&](const char* reason) {
    return &metrics.GetCounter(kReadErrorsMetric, "Modbus requests that failed, by reason",
                               {{"source", name_}, {"reason", reason}});
  };
  errors_timeout_ = error("timeout");
  errors_connection_ = error("connection");
  errors_protocol_ = error("protocol");
  errors_exception_ = error("exception");
  refused_ =
      &metrics.GetCounter(kRefusedMetric, "Addresses a Modbus device refused (ILLEGAL DATA ADDRESS)", labels);
  refused_points_ =
      &metrics.GetGauge(kRefusedPointsMetric, "Points skipped because the device refuses them", labels);
  reconnects_ =
      &metrics.GetCounter(kReconnectsMetric, "Modbus connections re-established after a loss", labels);
  missed_polls_ =
      &metrics.GetCounter(kMissedPollsMetric, "Poll deadlines skipped because a poll ran late", labels);
  connected_ =
      &metrics.GetGauge(kConnectedMetric, "1 while a Modbus source is connected to its device", labels);
  not_finite_ = &metrics.GetCounter(pipeline::metric::kDecodeErrors, pipeline::metric::kDecodeErrorsHelp,
                                    {{"source", name_}, {"reason", "not_finite"}});
  connected_->Set(0);
  refused_points_->Set(0);
}

ModbusSource::~ModbusSource() { Stop(); }

Status ModbusSource::Validate(const ModbusSourceOptions& o) {
  if (o.points.empty()) return Status::InvalidArgument("no points to read");
  if (o.interval_ns < kNanosPerMilli) return Status::InvalidArgument("interval: expected at least 1ms");
  if (o.timeout_ns < kNanosPerMilli) return Status::InvalidArgument("timeout: expected at least 1ms");
  if (o.reconnect_min_ns < kNanosPerMilli || o.reconnect_min_ns > o.reconnect_max_ns)
    return Status::InvalidArgument("reconnect_min (" + Duration(o.reconnect_min_ns) +
                                   ") must be from 1ms to reconnect_max (" + Duration(o.reconnect_max_ns) +
                                   ")");
  const Result<std::vector<ReadBlock>> plan = PlanReads(o.points, o.plan);
  return plan.ok() ? Status::Ok() : plan.status();
}

Status ModbusSource::Start(pipeline::Emitter& emitter) {
  std::lock_guard lock(lifecycle_mu_);
  if (stopping_.load() || thread_.joinable())
    return Status::FailedPrecondition("modbus source " + name_ + ": started twice");
  emitter_ = &emitter;
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void ModbusSource::Stop() {
  std::lock_guard lock(lifecycle_mu_);
  {
    std::lock_guard wait_lock(wait_mu_);
    stopping_.store(true, std::memory_order_release);
  }
  wait_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool ModbusSource::SleepUntil(std::int64_t deadline) {
  std::unique_lock lock(wait_mu_);
  while (!Stopping()) {
    const std::int64_t left = deadline - clock_.Steady();
    if (left <= 0) return true;
    wait_cv_.wait_for(lock, std::chrono::nanoseconds(left));
  }
  return false;
}

void ModbusSource::Run() {
  std::int64_t backoff = options_.reconnect_min_ns;
  bool had_session = false;
  while (!Stopping()) {
    modbus_t* ctx = Connect();
    if (ctx == nullptr) {
      if (!SleepUntil(clock_.Steady() + backoff)) break;
      backoff = std::min(backoff * 2, options_.reconnect_max_ns);
      continue;
    }
    backoff = options_.reconnect_min_ns;
    if (had_session) reconnects_->Add();
    if (replan_) Replan();
    spdlog::info("modbus source {}: {} to {}; {} points in {} requests every {}", name_,
                 had_session ? "reconnected" : "connected", device_, options_.points.size(), plan_.size(),
                 Duration(options_.interval_ns));
    had_session = true;
    connected_->Set(1);
    const std::string lost = Session(ctx);
    connected_->Set(0);
    modbus_close(ctx);
    modbus_free(ctx);
    if (lost.empty()) break;
    spdlog::warn("modbus source {}: connection to {} lost: {}; reconnecting in {}", name_, device_, lost,
                 Duration(backoff));
    if (!SleepUntil(clock_.Steady() + backoff)) break;
  }
  connected_->Set(0);
}

modbus_t* ModbusSource::Connect() {
  const std::string port = std::to_string(options_.port);
  modbus_t* ctx = modbus_new_tcp_pi(options_.host.c_str(), port.c_str());
  std::string why;
  if (ctx == nullptr) {
    why = modbus_strerror(errno);
  } else if (modbus_set_slave(ctx, options_.unit_id) != 0) {
    why = "unit id " + std::to_string(options_.unit_id) + ": " + modbus_strerror(errno);
  } else {
    SetTimeout(ctx, options_.timeout_ns, modbus_set_response_timeout);
    SetTimeout(ctx, options_.timeout_ns, modbus_set_byte_timeout);
    if (modbus_connect(ctx) == 0) return ctx;
    why = modbus_strerror(errno);
  }
  if (ctx != nullptr) modbus_free(ctx);
  std::uint64_t held = 0;
  if (log_.ShouldLog("connect", &held))
    spdlog::warn("modbus source {}: cannot connect to {}: {} (retrying{})", name_, device_, why,
                 held > 0 ? "; " + std::to_string(held) + " failures since the last report" : std::string());
  return nullptr;
}

std::string ModbusSource::Session(modbus_t* ctx) {
  timeouts_in_row_ = 0;
  std::int64_t next = clock_.Steady();
  while (!Stopping()) {
    MaybeReprobe();
    const Timestamp time = clock_.Now();
    Batch batch;
    batch.reserve(options_.points.size());
    polls_->Add();
    const Step step = Poll(ctx, time, batch);
    if (!batch.empty()) {
      samples_in_->Add(batch.size());
      const Status emitted = emitter_->Emit(std::move(batch));
      if (!emitted.ok() && log_.ShouldLog("emit"))
        spdlog::warn("modbus source {}: samples not taken: {}", name_, emitted.message());
    }
    if (step == Step::kStopped) return {};
    if (step == Step::kLost) return lost_why_;
    next += options_.interval_ns;
    const std::int64_t now = clock_.Steady();
    if (next < now) {
      // Late: this deadline is served at once; those that passed entirely are skipped.
      const std::int64_t skipped = (now - next) / options_.interval_ns;
      if (skipped > 0) {
        missed_polls_->Add(static_cast<std::uint64_t>(skipped));
        next += skipped * options_.interval_ns;
      }
    }
    if (!SleepUntil(next)) return {};
  }
  return {};
}

ModbusSource::Step ModbusSource::Poll(modbus_t* ctx, Timestamp time, Batch& out) {
  if (replan_) Replan();
  bool refusal = false;
  // A copy: a refusal found during the poll replans for the next one, not under our feet.
  const std::vector<ReadBlock> plan = plan_;
  return ReadBlocks(ctx, plan, time, out, &refusal);
}

ModbusSource::Step ModbusSource::ReadBlocks(modbus_t* ctx, const std::vector<ReadBlock>& blocks,
                                            Timestamp time, Batch& out, bool* refusal) {
  for (const ReadBlock& block : blocks) {
    const Step step = ReadOne(ctx, block, time, out, refusal);
    if (step != Step::kOk) return step;
  }
  return Step::kOk;
}

ModbusSource::Step ModbusSource::ReadOne(modbus_t* ctx, const ReadBlock& block, Timestamp time, Batch& out,
                                         bool* refusal) {
  if (Stopping()) return Step::kStopped;
  int rc = -1;
  errno = 0;
  switch (block.table) {
    case Table::kHolding:
      rc = modbus_read_registers(ctx, block.start, block.count, registers_.data());
      break;
    case Table::kInput:
      rc = modbus_read_input_registers(ctx, block.start, block.count, registers_.data());
      break;
    case Table::kCoil:
      rc = modbus_read_bits(ctx, block.start, block.count, bits_.data());
      break;
    case Table::kDiscrete:
      rc = modbus_read_input_bits(ctx, block.start, block.count, bits_.data());
      break;
  }
  if (rc == block.count) {
    timeouts_in_row_ = 0;
    Decode(block, time, out);
    return Step::kOk;
  }
  const int error = rc < 0 ? errno : EMBBADDATA;
  if (error != EMBXILADD) return Failed(ctx, block, error);
  timeouts_in_row_ = 0;
  *refusal = true;
  if (block.points.size() > 1) return Bisect(ctx, block, time, out);
  MarkRefused(block.points.front());
  return Step::kOk;
}

ModbusSource::Step ModbusSource::Bisect(modbus_t* ctx, const ReadBlock& block, Timestamp time, Batch& out) {
  const std::size_t at = SplitAt(options_.points, block.points);
  const std::vector<std::size_t> halves[2] = {
      std::vector<std::size_t>(block.points.begin(), block.points.begin() + static_cast<std::ptrdiff_t>(at)),
      std::vector<std::size_t>(block.points.begin() + static_cast<std::ptrdiff_t>(at), block.points.end())};
  bool refused_inside = false;
  std::uint32_t left_end = 0;  // one past the last register of the left half
  for (std::size_t i : halves[0]) {
    const Point& p = options_.points[i];
    left_end = std::max(left_end, static_cast<std::uint32_t>(p.address + Width(p.type)));
  }
  for (int h = 0; h < 2; ++h) {
    Result<std::vector<ReadBlock>> blocks = PlanReads(options_.points, halves[h], plan_options_);
    if (!blocks.ok()) {  // cannot happen with points that planned before; never drop them silently
      spdlog::error("modbus source {}: cannot plan {}: {}", name_, Where(block), blocks.status().message());
      errors_exception_->Add();
      return Step::kOk;
    }
    const Step step = ReadBlocks(ctx, *blocks, time, out, &refused_inside);
    if (step != Step::kOk) return step;
  }
  if (!refused_inside) {
    const std::uint32_t right_start = options_.points[halves[1].front()].address;
    LearnGap(block, left_end, right_start, left_end <= right_start);
  }
  return Step::kOk;
}

ModbusSource::Step ModbusSource::Failed(modbus_t* ctx, const ReadBlock& block, int error) {
  const std::string what = modbus_strerror(error);
  if (IsDeviceException(error)) {
    errors_exception_->Add();
    if (log_.ShouldLog("exception " + Where(block)))
      spdlog::warn("modbus source {}: {} answered {} with an exception: {}; skipped this poll", name_,
                   device_, Where(block), what);
    return Step::kOk;
  }
  if (error == ETIMEDOUT) {
    errors_timeout_->Add();
    modbus_flush(ctx);  // a late answer must not be taken for the next request's
    if (++timeouts_in_row_ < kTimeoutsBeforeReconnect) {
      if (log_.ShouldLog("timeout"))
        spdlog::warn("modbus source {}: {} did not answer {} within {}", name_, device_, Where(block),
                     Duration(options_.timeout_ns));
      return Step::kOk;
    }
    lost_why_ = std::to_string(timeouts_in_row_) + " requests in a row timed out (" + Where(block) + ")";
    return Step::kLost;
  }
  (IsProtocolError(error) ? errors_protocol_ : errors_connection_)->Add();
  lost_why_ = what + " (reading " + Where(block) + ")";
  return Step::kLost;
}

void ModbusSource::Decode(const ReadBlock& block, Timestamp time, Batch& out) {
  for (std::size_t i : block.points) {
    const Point& p = options_.points[i];
    const std::size_t at = p.address - block.start;
    double value = 0;
    if (IsBitTable(p.table)) {
      const std::uint16_t bit = bits_[at];
      value = modbus::Decode(p, &bit);
    } else {
      value = modbus::Decode(p, registers_.data() + at);
    }
    if (reported_point_[i]) {
      reported_point_[i] = false;
      spdlog::info("modbus source {}: {} serves {} {} (point \"{}\") again", name_, device_,
                   TableName(p.table), p.address, p.signal);
    }
    if (!std::isfinite(value)) {
      not_finite_->Add();
      if (log_.ShouldLog("not finite " + p.signal))
        spdlog::warn("modbus source {}: {} {} {} (point \"{}\", {}) holds {}; not emitted", name_, device_,
                     TableName(p.table), p.address, p.signal, Describe(p), value);
      continue;
    }
    out.Append(series_[i], time, value);
  }
}

void ModbusSource::MarkRefused(std::size_t i) {
  const Point& p = options_.points[i];
  refused_point_[i] = true;
  // Its registers are refused too: no block may bridge over them. Points sharing them are read alone.
  plan_options_.avoid.push_back({p.table, p.address, static_cast<std::uint32_t>(p.address + Width(p.type))});
  replan_ = true;
  refused_points_->Set(static_cast<double>(std::count(refused_point_.begin(), refused_point_.end(), true)));
  if (next_reprobe_ == 0) next_reprobe_ = clock_.Steady() + options_.reprobe_ns;
  if (reported_point_[i]) return;
  reported_point_[i] = true;
  refused_->Add();
  spdlog::warn(
      "modbus source {}: {} refuses {} {} (point \"{}\", {}): ILLEGAL DATA ADDRESS; skipping it, "
      "asking again every {}",
      name_, device_, TableName(p.table), p.address, p.signal, Describe(p), Duration(options_.reprobe_ns));
}

void ModbusSource::LearnGap(const ReadBlock& block, std::uint32_t first, std::uint32_t end, bool consistent) {
  if (!consistent) {
    // Overlapping points served apart but refused together: nothing to learn that the planner
    // could use; the block is split again at each poll, which still delivers every point.
    errors_exception_->Add();
    if (log_.ShouldLog("inconsistent " + Where(block)))
      spdlog::warn("modbus source {}: {} refuses {} but serves its parts; reading them apart", name_, device_,
                   Where(block));
    return;
  }
  const AddressRange gap{block.table, first, end};
  plan_options_.avoid.push_back(gap);
  replan_ = true;
  if (next_reprobe_ == 0) next_reprobe_ = clock_.Steady() + options_.reprobe_ns;
  for (const AddressRange& r : reported_gaps_)
    if (r.table == gap.table && r.first == gap.first && r.end == gap.end) return;
  reported_gaps_.push_back(gap);
  refused_->Add();
  if (first < end) {
    spdlog::warn("modbus source {}: {} refuses an address in {} {}..{}, between points; reading around it",
                 name_, device_, TableName(block.table), first, end - 1);
  } else {
    spdlog::warn("modbus source {}: {} refuses {} but serves its parts; splitting reads at {}", name_,
                 device_, Where(block), first);
  }
}

void ModbusSource::Replan() {
  std::vector<std::size_t> selected;
  for (std::size_t i = 0; i < options_.points.size(); ++i)
    if (!refused_point_[i]) selected.push_back(i);
  Result<std::vector<ReadBlock>> plan = PlanReads(options_.points, selected, plan_options_);
  if (!plan.ok()) {
    // Only a learnt range could cause this; forget them rather than stop reading.
    spdlog::error("modbus source {}: cannot plan reads: {}; forgetting refused ranges", name_,
                  plan.status().message());
    plan_options_.avoid.clear();
    plan = PlanReads(options_.points, selected, plan_options_);
  }
  plan_ = plan.ok() ? std::move(plan).value() : std::vector<ReadBlock>{};
  replan_ = false;
  spdlog::debug("modbus source {}: {} points in {} requests", name_, selected.size(), plan_.size());
}

void ModbusSource::MaybeReprobe() {
  if (next_reprobe_ == 0 || clock_.Steady() < next_reprobe_) return;
  spdlog::debug("modbus source {}: asking {} again for {} refused points", name_, device_,
                std::count(refused_point_.begin(), refused_point_.end(), true));
  std::fill(refused_point_.begin(), refused_point_.end(), false);
  refused_points_->Set(0);
  plan_options_.avoid = options_.plan.avoid;
  next_reprobe_ = 0;
  replan_ = true;
}

std::string ModbusSource::Where(const ReadBlock& block) const {
  return std::string(TableName(block.table)) + " " + std::to_string(block.start) + ".." +
         std::to_string(block.start + block.count - 1);
}

}  // namespace mw::connectors::modbus
