// ModbusSource: a pipeline Source that polls one Modbus TCP device (libmodbus client) and turns the
// points of its register map into samples of one asset.
//
// Polling: one thread, one connection. Polls run on a grid of absolute deadlines (start + k x
// interval), so the period does not drift with the time a poll takes. A poll that ends after its
// next deadline starts the next one at once; deadlines that passed entirely are skipped and counted
// (mw_modbus_missed_polls_total), never read in a burst. Each poll reads the planned blocks
// (register_map.h: as few requests as the limits allow) with FC 1/2/3/4, decodes every point
// and emits one Batch whose samples are all stamped with the wall-clock time the poll began.
// Emit() blocking (back-pressure) delays the next poll; it does not queue reads.
//
// Refusal: when the device answers a block with exception 2 (ILLEGAL DATA ADDRESS), the block is
// split in two halves by points and each half read (recursively), in the same poll, so the points
// it does serve still arrive. A single point refused is skipped from then on; when both halves of
// a refused block are served, the refused address lies in the gap between them, which later blocks
// read around. Each refusal is logged once (device, table, address, point) and counted once
// (mw_modbus_refused_total); mw_modbus_refused_points tells how many points are being skipped.
// Every `reprobe` the source forgets what it learnt and asks again; a point served again is logged.
//
// Errors: other exceptions (device busy, gateway...) skip the block for this poll, counted in
// mw_modbus_read_errors_total{reason="exception"}. A lost connection, a garbled response
// (reason "connection", "protocol") or three timeouts in a row (reason "timeout") end the connection:
// the source reconnects after reconnect_min, doubling up to reconnect_max while attempts fail,
// forever; each loss is logged, re-established connections counted (mw_modbus_reconnects_total).
// A decoded value that is not finite (a float32 NaN) is not emitted: mw_decode_errors_total
// {reason="not_finite"}, logged at most once a minute per point.
//
// Metrics, labelled {source="<name>"}: mw_modbus_polls_total, mw_samples_in_total,
// mw_modbus_read_errors_total{reason}, mw_modbus_refused_total, mw_modbus_refused_points (gauge),
// mw_modbus_reconnects_total, mw_modbus_missed_polls_total, mw_modbus_connected (gauge),
// mw_decode_errors_total{reason="not_finite"}.
//
// Threading: Start() and Stop() may be called from any thread; Stop() is idempotent and joins the
// thread, which may first finish the request in flight (at most `timeout`). The destructor calls
// Stop(). The emitter must outlive Stop(); the MetricsRegistry and the Clock the source.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "connectors/modbus/register_map.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "pipeline/plugin.h"

typedef struct _modbus modbus_t;  // NOLINT(bugprone-reserved-identifier): libmodbus's own name

namespace mw::connectors::modbus {

inline constexpr const char* kPollsMetric = "mw_modbus_polls_total";
inline constexpr const char* kReadErrorsMetric = "mw_modbus_read_errors_total";
inline constexpr const char* kRefusedMetric = "mw_modbus_refused_total";
inline constexpr const char* kRefusedPointsMetric = "mw_modbus_refused_points";
inline constexpr const char* kReconnectsMetric = "mw_modbus_reconnects_total";
inline constexpr const char* kMissedPollsMetric = "mw_modbus_missed_polls_total";
inline constexpr const char* kConnectedMetric = "mw_modbus_connected";

struct ModbusSourceOptions {
  std::string host = "127.0.0.1";  // IPv4/IPv6 address or host name
  int port = 502;
  int unit_id = 1;  // 0..247, or 255
  std::int64_t interval_ns = kNanosPerSecond;
  std::int64_t timeout_ns = kNanosPerSecond;  // per request, and to connect
  std::vector<Point> points;
  PlanOptions plan;  // limits and max_gap; `avoid` is the source's to fill
  std::int64_t reprobe_ns = 5 * 60 * kNanosPerSecond;
  std::int64_t reconnect_min_ns = 500 * kNanosPerMilli;
  std::int64_t reconnect_max_ns = 30 * kNanosPerSecond;
};

class ModbusSource final : public pipeline::Source {
 public:
  // `series[i]` receives the values of `options.points[i]`. Check the options with Validate first.
  ModbusSource(std::string name, ModbusSourceOptions options, std::vector<SeriesId> series,
               MetricsRegistry& metrics, const Clock& clock);
  ~ModbusSource() override;
  ModbusSource(const ModbusSource&) = delete;
  ModbusSource& operator=(const ModbusSource&) = delete;

  // InvalidArgument naming the problem: no points, a point wider than the block limit, bad ranges.
  static Status Validate(const ModbusSourceOptions& options);

  // Starts the polling thread. An unreachable device is not an error (the source keeps retrying).
  // Fails if called twice.
  Status Start(pipeline::Emitter& emitter) override;
  void Stop() override;

  // "host:port unit N", as log lines name the device.
  const std::string& device() const { return device_; }

 private:
  enum class Step { kOk, kLost, kStopped };

  void Run();
  modbus_t* Connect();
  // Polls until the connection is lost (returns why) or the source stops (returns "").
  std::string Session(modbus_t* ctx);
  Step Poll(modbus_t* ctx, Timestamp time, Batch& out);
  Step ReadBlocks(modbus_t* ctx, const std::vector<ReadBlock>& blocks, Timestamp time, Batch& out,
                  bool* refusal);
  Step ReadOne(modbus_t* ctx, const ReadBlock& block, Timestamp time, Batch& out, bool* refusal);
  Step Bisect(modbus_t* ctx, const ReadBlock& block, Timestamp time, Batch& out);
  Step Failed(modbus_t* ctx, const ReadBlock& block, int error);
  void Decode(const ReadBlock& block, Timestamp time, Batch& out);
  void MarkRefused(std::size_t point);
  void LearnGap(const ReadBlock& block, std::uint32_t first, std::uint32_t end, bool consistent);
  void Replan();
  void MaybeReprobe();
  std::string Where(const ReadBlock& block) const;
  bool Stopping() const { return stopping_.load(std::memory_order_acquire); }
  // Waits until the steady clock reaches `deadline`, or Stop(); false on Stop().
  bool SleepUntil(std::int64_t deadline);

  const std::string name_;
  const ModbusSourceOptions options_;
  const std::vector<SeriesId> series_;
  const std::string device_;
  const Clock& clock_;

  Counter* polls_;
  Counter* samples_in_;
  Counter* errors_timeout_;
  Counter* errors_connection_;
  Counter* errors_protocol_;
  Counter* errors_exception_;
  Counter* refused_;
  Gauge* refused_points_;
  Counter* reconnects_;
  Counter* missed_polls_;
  Gauge* connected_;
  Counter* not_finite_;
  LogLimiter log_;

  std::mutex lifecycle_mu_;  // serialises Start() and Stop()
  pipeline::Emitter* emitter_ = nullptr;
  std::thread thread_;
  std::mutex wait_mu_;
  std::condition_variable wait_cv_;
  std::atomic<bool> stopping_{false};

  // Polling-thread state.
  PlanOptions plan_options_;  // options_.plan plus the gaps learnt
  std::vector<ReadBlock> plan_;
  bool replan_ = true;
  std::vector<bool> refused_point_;          // skipped until the next re-probe
  std::vector<bool> reported_point_;         // logged and counted; cleared once served again
  std::vector<AddressRange> reported_gaps_;  // logged and counted
  std::int64_t next_reprobe_ = 0;            // steady ns; 0 = nothing to re-probe
  int timeouts_in_row_ = 0;
  std::string lost_why_;  // why the last Step::kLost ended the connection
  std::vector<std::uint16_t> registers_;
  std::vector<std::uint8_t> bits_;
};

}  // namespace mw::connectors::modbus
