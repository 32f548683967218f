#include "tests/support/node_opcua_peer.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <vector>

#include "core/process.h"

namespace mw::testing {
namespace {

std::string PeersDir() { return std::string(MW_SOURCE_DIR) + "/tests/peers"; }

}  // namespace

bool NodeOpcuaPeer::Available() {
  return !FindExecutable("node").empty() && std::filesystem::exists(PeersDir() + "/node_modules/node-opcua");
}

Result<std::unique_ptr<NodeOpcuaPeer>> NodeOpcuaPeer::Start(const std::string& pki_dir) {
  Result<int> port = FreeLoopbackPort();
  if (!port.ok()) return port.status();
  std::unique_ptr<NodeOpcuaPeer> peer(new NodeOpcuaPeer(pki_dir, *port));
  MW_RETURN_IF_ERROR(peer->Launch());
  return peer;
}

NodeOpcuaPeer::~NodeOpcuaPeer() { (void)Stop(); }

Status NodeOpcuaPeer::Launch() {
  int in[2];
  int out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) return Status::IoError("pipe");
  const std::string script = PeersDir() + "/opcua/server.js";
  const std::string port = std::to_string(port_);
  const std::string log = pki_dir_ + "/server.log";
  pid_ = ::fork();
  if (pid_ < 0) return Status::IoError("fork");
  if (pid_ == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    const int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (err >= 0) ::dup2(err, 2);
    ::execlp("node", "node", script.c_str(), "--port", port.c_str(), "--pki", pki_dir_.c_str(), "--control",
             "1", nullptr);
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  stdin_fd_ = in[1];
  stdout_fd_ = out[0];
  buffer_.clear();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    Result<std::string> line = ReadLine(static_cast<int>(left.count()));
    if (!line.ok()) break;
    if (line->rfind("NAMESPACE ", 0) == 0) namespace_index_ = std::stoi(line->substr(10));
    if (line->rfind("TRUSTED ", 0) == 0) trusted_dir_ = line->substr(8);
    if (line->rfind("READY ", 0) == 0) {
      std::filesystem::create_directories(trusted_dir_);
      return Status::Ok();
    }
  }
  Kill();
  return Status::Unavailable("node-opcua test peer did not start; see " + log);
}

Result<std::string> NodeOpcuaPeer::ReadLine(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    const std::size_t newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Status::Unavailable("test peer: no output in time");
    pollfd p{stdout_fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
    if (n <= 0) return Status::Unavailable("test peer: its output closed");
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

Result<std::string> NodeOpcuaPeer::Command(const std::string& line) {
  const std::string text = line + "\n";
  if (::write(stdin_fd_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    return Status::IoError("test peer: cannot write a command");
  }
  while (true) {
    Result<std::string> reply = ReadLine(10'000);
    if (!reply.ok()) return reply.status();
    if (reply->rfind("OK", 0) == 0) return reply;
    if (reply->rfind("ERR", 0) == 0) return Status::FailedPrecondition("test peer: " + *reply);
  }
}

void NodeOpcuaPeer::Kill() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdin_fd_ = stdout_fd_ = -1;
}

Status NodeOpcuaPeer::Restart() {
  Kill();
  return Launch();
}

Status NodeOpcuaPeer::Stop() {
  if (pid_ <= 0) return Status::Ok();
  ::close(stdin_fd_);  // the server shuts down when its stdin closes
  stdin_fd_ = -1;
  for (int i = 0; i < 50; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    ::usleep(100'000);
  }
  Kill();
  return Status::Ok();
}

}  // namespace mw::testing
