#include "opcua/server/server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <list>
#include <set>
#include <thread>

#include "opcua/encoding/status_code_names.h"
#include "opcua/server/server_core.h"
#include "opcua/transport/tcp_socket.h"

namespace mw::opcua::server {
namespace {

using security::MessageSecurityMode;

constexpr auto kHelloTimeout = std::chrono::seconds(10);
// How soon a new subscription's first cycle is noticed at the latest.
constexpr auto kTimerSlack = std::chrono::milliseconds(20);

Status CheckOptions(const ServerOptions& o) {
  if (o.endpoints.empty()) return Status::InvalidArgument("opcua server: no endpoints");
  for (const SecurityEndpoint& e : o.endpoints) {
    if (e.policy == nullptr || e.policy->IsNone() != (e.mode == MessageSecurityMode::kNone) ||
        e.mode == MessageSecurityMode::kInvalid) {
      return Status::InvalidArgument("opcua server: an endpoint's policy and mode do not fit");
    }
    if (!e.policy->IsNone() && o.pki_dir.empty()) {
      return Status::InvalidArgument(
          fmt::format("opcua server: policy {} needs a pki folder", e.policy->name));
    }
  }
  if (o.x509_users && o.pki_dir.empty()) {
    return Status::InvalidArgument(
        "opcua server: X.509 users need a pki folder (their trust list lives there)");
  }
  if (!o.users.empty() && o.pki_dir.empty()) {
    return Status::InvalidArgument("opcua server: user logins need a pki folder (passwords are encrypted)");
  }
  return Status::Ok();
}

Result<int> Listen(const std::string& host, int port, int& bound_port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
    return Status::Unavailable(fmt::format("opcua server: {}:{}: {}", host, port, ::gai_strerror(rc)));
  }
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  const bool ok = fd >= 0 && ::bind(fd, found->ai_addr, found->ai_addrlen) == 0 && ::listen(fd, 128) == 0;
  ::freeaddrinfo(found);
  if (!ok) {
    const std::string reason = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return Status::Unavailable(fmt::format("opcua server: cannot listen on {}:{}: {}", host, port, reason));
  }
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  bound_port = ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                                : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  return fd;
}

std::string PeerName(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN] = {};
  int port = 0;
  if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
    port = ntohs(a->sin6_port);
  } else {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
    port = ntohs(a->sin_port);
  }
  return fmt::format("{}:{}", host, port);
}

}  // namespace

struct Server::Threads {
  struct Worker {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  std::thread acceptor;
  std::thread timer;
  std::mutex mu;
  std::condition_variable wake;
  std::list<Worker> workers;
  std::set<int> fds;  // open connections, shut down by Stop()
};

Result<std::unique_ptr<ServerCore>> CreateServerCore(ServerOptions options) {
  MW_RETURN_IF_ERROR(CheckOptions(options));
  std::optional<security::ApplicationIdentity> identity;
  if (!options.pki_dir.empty()) {
    Result<security::ApplicationIdentity> loaded = security::LoadOrCreateApplicationIdentity(
        options.pki_dir, options.application_uri, options.application_name, {options.host, "localhost"});
    if (!loaded.ok()) return loaded.status();
    identity = std::move(loaded).value();
  }
  return std::make_unique<ServerCore>(std::move(options), std::move(identity));
}

AddressSpace& CoreAddressSpace(ServerCore& core) { return core.space(); }

Result<std::unique_ptr<Server>> Server::Start(ServerOptions options) {
  const std::string host = options.host;
  const int port = options.port;
  Result<std::unique_ptr<ServerCore>> core = CreateServerCore(std::move(options));
  if (!core.ok()) return core.status();
  std::unique_ptr<Server> server(new Server(std::move(core).value()));
  Result<int> fd = Listen(host, port, server->port_);
  if (!fd.ok()) return fd.status();
  server->listen_fd_ = *fd;
  server->core_->set_port(server->port_);
  server->core_->UpdateServerStatus();
  server->threads_ = std::make_unique<Threads>();
  server->threads_->acceptor = std::thread([s = server.get()] { s->AcceptLoop(); });
  server->threads_->timer = std::thread([s = server.get()] { s->TimerLoop(); });
  return server;
}

Server::Server(std::unique_ptr<ServerCore> core) : core_(std::move(core)) {}

Server::~Server() { Stop(); }

AddressSpace& Server::address_space() { return core_->space(); }

std::string Server::endpoint_url() const { return core_->endpoint_url(); }

ServerStats Server::stats() const {
  ServerStats s;
  s.connections = core_->connections.load();
  s.sessions = core_->session_count();
  s.subscriptions = core_->engine().subscriptions();
  s.monitored_items = core_->engine().monitored_items();
  s.protocol_errors = core_->protocol_errors.load();
  return s;
}

void Server::Stop() {
  if (stopping_.exchange(true) || !threads_) return;
  ::shutdown(listen_fd_, SHUT_RDWR);
  threads_->wake.notify_all();
  threads_->acceptor.join();
  threads_->timer.join();
  ::close(listen_fd_);
  {
    std::lock_guard lock(threads_->mu);
    for (const int fd : threads_->fds) ::shutdown(fd, SHUT_RDWR);
  }
  for (Threads::Worker& w : threads_->workers) w.thread.join();
  threads_->workers.clear();
}

void Server::AcceptLoop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_CLOEXEC);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::lock_guard lock(threads_->mu);
    threads_->workers.remove_if([](Threads::Worker& w) {
      if (!w.done) return false;
      w.thread.join();
      return true;
    });
    if (core_->connections.load() >= core_->options().max_connections) {
      const std::string refusal = EncodeTcpError({kBadTcpServerTooBusy, "too many connections"});
      (void)!::write(fd, refusal.data(), refusal.size());
      ::close(fd);
      continue;
    }
    ++core_->connections;
    threads_->fds.insert(fd);
    Threads::Worker& w = threads_->workers.emplace_back();
    w.thread = std::thread([this, fd, peer = PeerName(addr), done = &w.done] {
      Serve(fd, peer);
      *done = true;
    });
  }
}

void Server::Serve(int fd, const std::string& peer) {
  // The socket lives as long as the handler: the timer thread may still be answering a Publish.
  auto socket = std::make_shared<TcpSocket>(TcpSocket::Adopt(fd, peer));
  socket->SetReadTimeout(kHelloTimeout);
  {
    ConnectionHandler handler(
        *core_, [socket](std::string_view bytes) { return socket->WriteAll(bytes); }, peer);
    bool greeted = false;
    while (!stopping_) {
      Result<std::string> chunk = socket->ReadChunk(handler.receive_buffer_size());
      if (!chunk.ok()) {
        const StatusCode code = chunk.status().code();
        if (code == StatusCode::kResourceExhausted)
          (void)handler.Refuse(kBadTcpMessageTooLarge, chunk.status().message());
        if (code == StatusCode::kCorruption)
          (void)handler.Refuse(kBadTcpMessageTypeInvalid, chunk.status().message());
        break;
      }
      if (!handler.OnChunk(std::move(chunk).value()).ok()) break;
      if (!greeted) {
        socket->SetReadTimeout(std::chrono::milliseconds(0));
        greeted = true;
      }
    }
    std::lock_guard lock(threads_->mu);
    threads_->fds.erase(fd);
    socket->Shutdown();
  }
  --core_->connections;
}

void Server::TimerLoop() {
  auto status_due = SteadyClock::now();
  while (!stopping_) {
    const auto now = SteadyClock::now();
    SteadyClock::time_point next;
    for (PublishResult& r : core_->engine().Tick(now, next)) {
      if (const auto sink = r.sink.lock()) sink->SendResponse(r.request_id, r.response);
    }
    if (now >= status_due) {
      core_->UpdateServerStatus();
      core_->ExpireSessions(now);
      status_due = now + std::chrono::seconds(1);
    }
    std::unique_lock lock(threads_->mu);
    threads_->wake.wait_until(lock, std::min({next, now + kTimerSlack, status_due}),
                              [this] { return stopping_.load(); });
  }
}

}  // namespace mw::opcua::server
