// Names of the metrics that more than one module reads or writes. Sources label theirs with
// {source="<instance name>"}.
#pragma once

namespace mw::pipeline::metric {

inline constexpr const char* kSamplesIn = "mw_samples_in_total";
inline constexpr const char* kSamplesInHelp = "Samples accepted from a source";
inline constexpr const char* kMessagesIn = "mw_messages_in_total";
inline constexpr const char* kMessagesInHelp = "Messages received by a source";
inline constexpr const char* kDecodeErrors = "mw_decode_errors_total";
inline constexpr const char* kDecodeErrorsHelp = "Messages a source could not decode or map, by reason";
inline constexpr const char* kSamplesProcessed = "mw_samples_processed_total";
inline constexpr const char* kAnomalies = "mw_anomalies_total";
inline constexpr const char* kQueueDepth = "mw_queue_depth";
inline constexpr const char* kLatency = "mw_processing_latency_seconds";

}  // namespace mw::pipeline::metric
