// Outlet: one protocol end of the simulator, serving or publishing the records of its machines.
//
// The fleet declares every machine of the outlet with Add() before Start(), then hands each new
// record to Publish() from its one thread. What a record becomes is the outlet's business: OPC UA
// variables (opcua_outlet.h), Modbus registers, Sparkplug DDATA. MQTT JSON stays in the fleet
// itself (fleet.h), which batches readings and floods for benchmarks.
//
// Thread-safety: Add, Start, Stop, Publish, Service and SetReachable are called by the fleet's
// owner or its thread, never concurrently; Endpoints() after Start() from any thread.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "sim/twin.h"

namespace mw::sim {

class Outlet {
 public:
  virtual ~Outlet() = default;
  // Declares machine `path` ("plant/line1/pump-01") and its twin's signals; returns the slot that
  // Publish takes. The twin outlives the outlet.
  virtual Result<std::size_t> Add(const std::string& path, const Twin& twin) = 0;
  // Binds or connects. Unavailable if a port cannot be bound.
  virtual Status Start() = 0;
  // Closes everything; idempotent.
  virtual void Stop() = 0;
  // The record the twin of `slot` just produced (values in its signals() order, frame in frame()).
  virtual void Publish(std::size_t slot, Timestamp time, std::span<const double> values) = 0;
  // One non-blocking turn of the outlet's own I/O, if it has any.
  virtual void Service() {}
  // A network outage (chaos): while false the outlet refuses its clients or goes silent.
  virtual void SetReachable(bool reachable) { (void)reachable; }
  // What it serves, each "<protocol> <url>", e.g. "opcua opc.tcp://127.0.0.1:4840".
  virtual std::vector<std::string> Endpoints() const = 0;
};

}  // namespace mw::sim
