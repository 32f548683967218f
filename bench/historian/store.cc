#include "store.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "http_client.h"

namespace mw::bench::historian {

namespace fs = std::filesystem;

DiskUsage DiskUsageOf(const std::string& dir) {
  DiskUsage u;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    if (lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    const auto size = static_cast<std::uint64_t>(st.st_size);
    const auto blocks = static_cast<std::uint64_t>(st.st_blocks) * 512;
    u.files++;
    u.apparent += size;
    u.allocated += blocks;
    u.stored += std::min(size, blocks);
    u.largest.emplace_back(fs::relative(it->path(), dir, ec).string(), std::min(size, blocks));
  }
  std::sort(u.largest.begin(), u.largest.end(),
            [](const auto& a, const auto& b) { return a.second > b.second; });
  if (u.largest.size() > 4) u.largest.resize(4);
  return u;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::string Tail(const std::string& path, std::size_t lines) {
  std::string text = ReadText(path);
  std::size_t pos = text.size();
  for (std::size_t n = 0; n <= lines && pos != std::string::npos && pos > 0; ++n)
    pos = text.rfind('\n', pos - 1);
  return pos == std::string::npos ? text : text.substr(pos + 1);
}

double ProcessCpuSeconds(int pid) {
  if (pid <= 0) return 0;
  std::string stat = ReadText("/proc/" + std::to_string(pid) + "/stat");
  std::size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 > stat.size()) return 0;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  double utime = 0, stime = 0;
  // After the command name: the state is field 3; utime and stime are fields 14 and 15.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SelfCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

namespace {

std::atomic<int> g_children[8];

}  // namespace

void RegisterChild(int pid) {
  for (auto& slot : g_children) {
    int empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
}

void UnregisterChild(int pid) {
  for (auto& slot : g_children) {
    int expected = pid;
    slot.compare_exchange_strong(expected, 0);
  }
}

void StopRegisteredChildren() {
  for (auto& slot : g_children) {
    const int pid = slot.load();
    if (pid > 0) ::kill(pid, SIGTERM);
  }
}

namespace {

// /proc/net/{tcp,udp}: "0100007F:1F90" is 127.0.0.1:8080 (the address as a little-endian word).
bool IsLoopbackHex(const std::string& address) {
  std::string host = address.substr(0, address.find(':'));
  if (host.size() == 8) return host.substr(6, 2) == "7F";  // first octet 127
  if (host.size() == 32) {
    if (host == "00000000000000000000000001000000") return true;  // ::1
    // ::ffff:127.x.y.z
    return host.substr(0, 16) == "0000000000000000" && host.substr(16, 8) == "FFFF0000" &&
           host.substr(30, 2) == "7F";
  }
  return false;
}

}  // namespace

Status CheckLoopbackOnly(int pid, const std::string& what) {
  std::set<std::string> inodes;
  std::error_code ec;
  for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    std::error_code link_ec;
    std::string target = fs::read_symlink(fd.path(), link_ec).string();
    if (!link_ec && target.rfind("socket:[", 0) == 0) inodes.insert(target.substr(8, target.size() - 9));
  }
  if (ec) return Status::Unavailable("cannot list the sockets of " + what + ": " + ec.message());
  std::string bad;
  for (const char* table : {"tcp", "tcp6", "udp", "udp6"}) {
    std::istringstream in(ReadText(std::string("/proc/net/") + table));
    std::string line;
    std::getline(in, line);  // header
    const bool tcp = table[0] == 't';
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string sl, local, remote, state, queues, timer, retr, uid, timeout, inode;
      f >> sl >> local >> remote >> state >> queues >> timer >> retr >> uid >> timeout >> inode;
      if (!inodes.count(inode)) continue;
      const bool listening = tcp ? state == "0A" : state == "07";
      if (listening && !IsLoopbackHex(local)) bad += std::string(" ") + table + ":" + local;
    }
  }
  if (!bad.empty()) return Status::FailedPrecondition(what + " listens outside loopback:" + bad);
  return Status::Ok();
}

Status HttpPeer::Spawn(const std::vector<std::string>& argv, const std::string& what) {
  auto child = ChildProcess::Spawn(argv, log_file_);
  if (!child.ok()) return child.status();
  process_ = std::move(child).value();
  RegisterChild(process_.pid());
  if (!WaitForPort(port_, std::chrono::seconds(60))) {
    process_.Kill();
    return Status::Unavailable(what + " did not listen on 127.0.0.1:" + std::to_string(port_) + "; log:\n" +
                               Tail(log_file_));
  }
  query_ = std::make_unique<HttpClient>(port_);
  return Status::Ok();
}

Result<std::string> HttpPeer::GetOk(const std::string& target) {
  auto r = query_->Get(target);
  if (!r.ok()) return r.status();
  if (r->status / 100 != 2)
    return Status::Internal(std::string(name()) + " GET " + target.substr(0, 200) + ": HTTP " +
                            std::to_string(r->status) + " " + r->body.substr(0, 500));
  return std::move(r->body);
}

Result<LoadStats> HttpPeer::Load(const Dataset& data, Part part) {
  const auto& bodies = part == Part::kPlant ? data.plant_bodies : data.history_bodies;
  HttpClient client(port_);
  const std::string target = write_target();
  // Connect outside the clock: the load starts with an open connection.
  MW_RETURN_IF_ERROR(client.Open());
  LoadStats stats;
  stats.samples = part == Part::kPlant ? data.plant_samples() : data.history_samples();
  const double cpu0 = CpuSeconds(), loader0 = ThreadCpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& body : bodies) {
    auto r = client.Post(target, body);
    if (!r.ok()) return r.status();
    if (r->status / 100 != 2)
      return Status::Internal(std::string(name()) + " write: HTTP " + std::to_string(r->status) + " " +
                              r->body.substr(0, 500));
  }
  stats.seconds = MillisSince(t0) / 1000;
  stats.loader_cpu_s = ThreadCpuSeconds() - loader0;
  stats.store_cpu_s = CpuSeconds() - cpu0;
  stats.connections = client.connects();
  return stats;
}

void HttpPeer::Stop() {
  query_.reset();
  if (process_.pid() <= 0) return;
  process_.Stop(SIGTERM, std::chrono::seconds(30));
  UnregisterChild(process_.pid());
}

}  // namespace mw::bench::historian
