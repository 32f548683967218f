// ModbusOutlet: the twins of the modbus groups served by one Modbus TCP server (unit id any), the
// way a PLC or a gateway maps a machine's values onto registers.
//
// Each machine gets a block of registers starting at a multiple of 100, in the order the machines
// are added; with n signals, signal j is served three ways:
//   holding  base + 2j        float32, word order abcd (high word first)
//   holding  base + 2n + 2j   float32, word order cdab (word-swapped)
//   input    base + j         int16 scaled by 10^-decimals (e.g. 0.01 for a 2-decimal signal)
// A block is 4n registers rounded up to 100. Points() gives each machine's map in the `modbus`
// source's point syntax, so a configuration can be written from it; `millwright sim` logs it.
// A value that does not fit its int16 is left as it was in that table (counted in
// out_of_range()); a dropped value (NaN) leaves all three as they were, as a device would.
//
// SetReachable(false) takes the server offline (connections dropped and refused) on the same
// port; true brings it back.
#pragma once

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "connectors/modbus/modbus_server.h"
#include "sim/outlet.h"

namespace mw::sim {

// How a machine's value is read: which of the three copies (see above).
enum class ModbusEncoding : std::uint8_t { kFloatAbcd, kFloatCdab, kScaledInt16 };

class ModbusOutlet final : public Outlet {
 public:
  ModbusOutlet(std::string host, int port);
  ~ModbusOutlet() override;

  Result<std::size_t> Add(const std::string& path, const Twin& twin) override;
  Status Start() override;
  void Stop() override;
  void Publish(std::size_t slot, Timestamp time, std::span<const double> values) override;
  void SetReachable(bool reachable) override;
  std::vector<std::string> Endpoints() const override;

  // Signal -> point ("holding:0:float32:abcd") of the machine at `path`, in one encoding; empty
  // for a path not added.
  std::map<std::string, std::string> Points(const std::string& path, ModbusEncoding encoding) const;
  int port() const { return server_.port(); }
  std::uint64_t out_of_range() const { return out_of_range_.load(std::memory_order_relaxed); }

 private:
  struct Machine {
    std::string path;
    const Twin* twin = nullptr;
    std::uint16_t base = 0;
  };
  connectors::modbus::Point PointOf(const Machine& m, std::size_t signal, ModbusEncoding encoding) const;

  connectors::modbus::ModbusServer server_;  // before host_: built from the host before it is moved
  std::string host_;
  std::vector<Machine> machines_;
  std::uint32_t next_base_ = 0;
  std::atomic<std::uint64_t> out_of_range_{0};
};

}  // namespace mw::sim
