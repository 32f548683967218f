// ModbusServer: a Modbus TCP server (libmodbus) that serves a register bank, for the simulator's
// twins, the tests and the chaos engine.
//
// The bank holds all four tables, 65536 entries each, zero at first; every address is served
// unless refused. The owner writes it with the thread-safe setters at any time, running or not;
// clients may write holding registers and coils too (function codes 5, 6, 15, 16, 23), and the
// owner reads them back with GetRegisters/GetBit. Requests for any unit id are answered.
//
// Refusal: a request that touches a refused address of its table (any of the registers or bits it
// reads or writes) is answered with exception 2, ILLEGAL DATA ADDRESS, like a device that does not
// have that register. Refuse/Allow change the set at any time.
//
// Lifecycle: Start() listens on host:port and serves on its own thread; port 0 picks a free port
// the first time, port() tells which, and every later Start() or SetOffline(false) listens on that
// same port again. Stop() closes the listener and every connection and joins the thread; the bank
// and the refusals are kept, so Start() again brings the same device back (a device restart).
// SetOffline(true) is a network outage while started: the listener and the connections close, so
// clients see their connection drop and new connections refused, until SetOffline(false).
//
// Serving: one thread polls the listening socket, the connections (up to max_clients; more are
// accepted and closed at once) and a wake-up pipe that Stop() writes. A connection that sends a
// malformed frame, or stalls for more than a second inside one, is closed. The bank's mutex is held
// while a reply is built and sent (a few hundred bytes to a socket buffer).
//
// Threading: every method may be called from any thread. The destructor calls Stop().
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "connectors/modbus/register_map.h"
#include "core/status.h"

// libmodbus's own name for its register mapping, declared here to keep modbus.h out of this header.
struct _modbus_mapping_t;  // NOLINT(bugprone-reserved-identifier)

namespace mw::connectors::modbus {

struct ModbusServerOptions {
  std::string host = "127.0.0.1";  // "0.0.0.0" = every IPv4 interface
  int port = 0;                    // 0 = a free port, chosen by the first Start()
  int max_clients = 16;
  std::string name = "modbus-server";  // in log lines
};

class ModbusServer {
 public:
  explicit ModbusServer(ModbusServerOptions options = {});
  ~ModbusServer();
  ModbusServer(const ModbusServer&) = delete;
  ModbusServer& operator=(const ModbusServer&) = delete;

  // Listens and starts serving. Fails if the address cannot be bound (port taken...) or when
  // already started.
  Status Start();
  // Closes everything and joins the serving thread. Idempotent.
  void Stop();
  // An outage while started: true closes the listener and the connections, false listens again
  // (Unavailable if the port was taken meanwhile; call again). Recorded, not applied, when stopped:
  // Start() while offline only remembers to serve once back online.
  Status SetOffline(bool offline);

  bool serving() const;
  int port() const { return port_.load(); }  // 0 until the first Start()

  // The bank. Writes past address 65535 are OutOfRange; register setters take holding or input,
  // bit setters coil or discrete (InvalidArgument otherwise).
  Status SetRegisters(Table table, std::uint16_t address, std::span<const std::uint16_t> words);
  Status SetBit(Table table, std::uint16_t address, bool value);
  Status SetFloat32(Table table, std::uint16_t address, float value, WordOrder order = WordOrder::kAbcd);
  Status SetInt32(Table table, std::uint16_t address, std::int32_t value, WordOrder order = WordOrder::kAbcd);
  // Stores round((value - offset) / scale) as an int16 (or `type`); OutOfRange if it does not fit.
  Status SetScaled(Table table, std::uint16_t address, double value, double scale, double offset = 0,
                   ValueType type = ValueType::kInt16, WordOrder order = WordOrder::kAbcd);
  // Stores `value` the way `point` decodes it (the inverse of Decode), in its table.
  Status SetPoint(const Point& point, double value);
  std::vector<std::uint16_t> GetRegisters(Table table, std::uint16_t address, std::size_t count) const;
  bool GetBit(Table table, std::uint16_t address) const;

  // Refusal: reads and writes touching `address` of `table` get ILLEGAL DATA ADDRESS.
  void Refuse(Table table, std::uint16_t address);
  void Allow(Table table, std::uint16_t address);
  void AllowAll();

  // Counters for tests: requests answered (normally or with an exception), the ILLEGAL DATA ADDRESS
  // answers among them, and connections accepted.
  std::uint64_t requests() const { return requests_.load(); }
  std::uint64_t refusals() const { return refusals_.load(); }
  std::uint64_t connections() const { return connections_.load(); }

 private:
  Status Listen();  // lifecycle_mu_ held
  void Halt();      // lifecycle_mu_ held
  void Serve(int listen_fd, int wake_fd);
  // Reads and answers one request of connection `fd`; false when the connection must close.
  bool Answer(void* ctx, int fd);
  bool Touches(Table table, std::uint32_t address, std::uint32_t count) const;  // mu_ held
  Status CheckRange(Table table, std::uint16_t address, std::size_t count, bool bits) const;

  const ModbusServerOptions options_;
  std::atomic<int> port_{0};

  mutable std::mutex lifecycle_mu_;  // Start, Stop, SetOffline
  bool started_ = false;
  bool offline_ = false;
  int wake_write_fd_ = -1;
  std::thread thread_;

  mutable std::mutex mu_;              // the bank and the refusals
  _modbus_mapping_t* bank_ = nullptr;  // NOLINT(bugprone-reserved-identifier)
  std::set<std::uint16_t> refused_[kTableCount];

  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> refusals_{0};
  std::atomic<std::uint64_t> connections_{0};
};

}  // namespace mw::connectors::modbus
