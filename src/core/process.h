// Child processes and loopback ports: what `millwright demo`, the integration tests and the
// benchmarks need to run real peers (Mosquitto, node-opcua, PostgreSQL, the Python consumer).
//
// A ChildProcess is owned by one thread; its destructor terminates the child (SIGTERM, then
// SIGKILL after a grace period) so that no test leaves a broker behind.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace mw {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv[0] (searched on PATH) with the extra environment entries ("KEY=VALUE"). Output
  // goes to `log_file` (appended) when given, else is discarded.
  static Result<ChildProcess> Spawn(const std::vector<std::string>& argv, const std::string& log_file = {},
                                    const std::vector<std::string>& env = {});

  int pid() const { return pid_; }
  bool running();
  // Sends `signal`; then waits up to `grace` and sends SIGKILL if the child is still there.
  // Returns the exit status as from waitpid, or nullopt if it was never started.
  std::optional<int> Stop(int signal = 15, std::chrono::milliseconds grace = std::chrono::seconds(5));
  void Kill();  // SIGKILL and reap, at once
  // Waits for exit up to `timeout`; returns the exit code (128+signal if killed).
  std::optional<int> Wait(std::chrono::milliseconds timeout);

 private:
  int pid_ = -1;
  std::optional<int> exit_code_;
};

// Asks the kernel for a free TCP port on 127.0.0.1.
Result<int> FreeLoopbackPort();
// True once something accepts TCP connections on 127.0.0.1:port.
bool WaitForPort(int port, std::chrono::milliseconds timeout);
// Looks for `name` on PATH and in /usr/sbin, /sbin; empty if absent.
std::string FindExecutable(const std::string& name);

}  // namespace mw
