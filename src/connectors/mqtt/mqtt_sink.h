// MqttSink: publishes enriched records back to a broker: when a batch holds a sample of the
// `trigger` signal (by default `health_state`, what the health classifier writes per record), every
// sample of the same asset and time in that batch (the record's raw signals and what the detectors
// derived from them) goes out as one JSON message on `topic` ({asset} is replaced by the asset's
// path):
//
//   {"asset": "plant1/pumps/pump-02", "time": "2026-12-07T10:00:00Z", "time_ns": 1796...,
//    "values": {"vibration_x": 1.2, ..., "health_state": 1, "health_state.p_warning": 0.97, ...}}
//
// Write() (any worker, concurrently) only formats and queues; one thread owns the MQTT client
// (connectors/mqtt/mqtt_publisher.h), publishes at the configured QoS and keeps reconnecting while
// the broker is away. The queue is bounded (`max_queue` messages): a record that finds it full is
// dropped and counted (mw_sink_dropped_total{sink}), never blocking the pipeline; the samples are in
// the store whatever happens here. mw_sink_messages_total{sink} counts what the broker accepted.
// Stop() waits up to `flush_timeout` for the queue and the acknowledgements.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "connectors/mqtt/mqtt_publisher.h"
#include "pipeline/plugin.h"

namespace mw::connectors::mqtt {

struct MqttSinkOptions {
  MqttPublisherOptions client;
  std::string topic = "millwright/{asset}/record";
  std::string trigger = "health_state";
  std::size_t max_queue = 10000;
  std::chrono::milliseconds flush_timeout{2000};
};

class MqttSink final : public pipeline::Sink {
 public:
  MqttSink(std::string name, MqttSinkOptions options, const Catalog& catalog, MetricsRegistry& metrics);
  ~MqttSink() override;
  Status Start() override;
  void Stop() override;
  Status Write(const Batch& samples, const std::vector<Event>& events) override;

  // The messages one batch makes (topic, payload); what Write queues. Exposed for tests.
  std::vector<std::pair<std::string, std::string>> Records(const Batch& samples) const;
  static pipeline::PluginDescriptor Descriptor();

 private:
  void Run();

  std::string name_;
  MqttSinkOptions options_;
  const Catalog& catalog_;
  std::unique_ptr<MqttPublisher> publisher_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<std::string, std::string>> queue_;
  bool stopping_ = false;
  std::thread thread_;
  Counter& published_;
  Counter& dropped_;
};

}  // namespace mw::connectors::mqtt
