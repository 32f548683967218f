#include "connectors/modbus/modbus_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <modbus.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace mw::connectors::modbus {
namespace {

constexpr int kEntries = 65536;  // every address of a table

std::string Errno(int e) { return modbus_strerror(e); }

// What one request touches: table, first address, count. `valid` is false for function codes
// the bank does not check (modbus_reply answers them, with ILLEGAL FUNCTION for unknown ones).
struct Access {
  bool valid = false;
  Table table = Table::kHolding;
  std::uint32_t address = 0;
  std::uint32_t count = 0;
};

std::uint32_t Word(const std::uint8_t* p) { return (std::uint32_t{p[0]} << 8) | p[1]; }

// The accesses of the request whose function code is at `pdu[0]` (a valid frame: libmodbus has read
// as many bytes as the function code needs). FC 23 reads and writes, hence two.
std::pair<Access, Access> AccessesOf(const std::uint8_t* pdu) {
  const std::uint32_t address = Word(pdu + 1);
  const std::uint32_t count = Word(pdu + 3);
  switch (pdu[0]) {
    case MODBUS_FC_READ_COILS:
    case MODBUS_FC_WRITE_MULTIPLE_COILS:
      return {{true, Table::kCoil, address, count}, {}};
    case MODBUS_FC_READ_DISCRETE_INPUTS:
      return {{true, Table::kDiscrete, address, count}, {}};
    case MODBUS_FC_READ_HOLDING_REGISTERS:
    case MODBUS_FC_WRITE_MULTIPLE_REGISTERS:
      return {{true, Table::kHolding, address, count}, {}};
    case MODBUS_FC_READ_INPUT_REGISTERS:
      return {{true, Table::kInput, address, count}, {}};
    case MODBUS_FC_WRITE_SINGLE_COIL:
      return {{true, Table::kCoil, address, 1}, {}};
    case MODBUS_FC_WRITE_SINGLE_REGISTER:
    case MODBUS_FC_MASK_WRITE_REGISTER:
      return {{true, Table::kHolding, address, 1}, {}};
    case MODBUS_FC_WRITE_AND_READ_REGISTERS:
      return {{true, Table::kHolding, address, count}, {true, Table::kHolding, Word(pdu + 5), Word(pdu + 7)}};
    default:
      return {};
  }
}

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

ModbusServer::ModbusServer(ModbusServerOptions options) : options_(std::move(options)) {
  bank_ = modbus_mapping_new_start_address(0, kEntries, 0, kEntries, 0, kEntries, 0, kEntries);
  if (bank_ == nullptr) throw std::bad_alloc();
}

ModbusServer::~ModbusServer() {
  Stop();
  modbus_mapping_free(bank_);
}

Status ModbusServer::Start() {
  std::lock_guard lock(lifecycle_mu_);
  if (started_) return Status::FailedPrecondition("modbus server " + options_.name + ": started twice");
  if (!offline_) MW_RETURN_IF_ERROR(Listen());
  started_ = true;
  return Status::Ok();
}

void ModbusServer::Stop() {
  std::lock_guard lock(lifecycle_mu_);
  started_ = false;
  Halt();
}

Status ModbusServer::SetOffline(bool offline) {
  std::lock_guard lock(lifecycle_mu_);
  offline_ = offline;
  if (!started_) return Status::Ok();
  if (offline) {
    Halt();
    spdlog::info("modbus server {}: offline (port {} closed)", options_.name, port_.load());
    return Status::Ok();
  }
  return thread_.joinable() ? Status::Ok() : Listen();
}

bool ModbusServer::serving() const {
  std::lock_guard lock(lifecycle_mu_);
  return thread_.joinable();
}

Status ModbusServer::Listen() {
  const int port = port_.load() != 0 ? port_.load() : options_.port;
  const std::string where = options_.host + ":" + std::to_string(port);
  modbus_t* ctx = modbus_new_tcp(options_.host.c_str(), port);
  if (ctx == nullptr)
    return Status::InvalidArgument("modbus server " + options_.name + ": " + where + ": " + Errno(errno));
  int listen_fd = modbus_tcp_listen(ctx, options_.max_clients);
  const int listen_errno = errno;
  modbus_free(ctx);  // the listening socket is ours; the context only helped to open it
  if (listen_fd < 0)
    return Status::Unavailable("modbus server " + options_.name + ": cannot listen on " + where + ": " +
                               Errno(listen_errno));
  sockaddr_in bound{};
  socklen_t size = sizeof bound;
  if (::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&bound), &size) != 0) {
    const int e = errno;
    CloseFd(listen_fd);
    return Status::IoError("modbus server " + options_.name + ": getsockname: " + std::strerror(e));
  }
  // Non-blocking, so that accept() after a connection that vanished between poll() and accept()
  // returns instead of blocking the whole server.
  ::fcntl(listen_fd, F_SETFL, ::fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
  ::fcntl(listen_fd, F_SETFD, FD_CLOEXEC);
  int wake[2];
  if (::pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) {
    const int e = errno;
    CloseFd(listen_fd);
    return Status::IoError("modbus server " + options_.name + ": pipe: " + std::strerror(e));
  }
  port_.store(ntohs(bound.sin_port));
  wake_write_fd_ = wake[1];
  spdlog::info("modbus server {}: listening on {}:{}", options_.name, options_.host, port_.load());
  thread_ = std::thread([this, listen_fd, wake_read = wake[0]] { Serve(listen_fd, wake_read); });
  return Status::Ok();
}

void ModbusServer::Halt() {
  if (!thread_.joinable()) return;
  const char byte = 1;
  while (::write(wake_write_fd_, &byte, 1) < 0 && errno == EINTR) {
  }
  thread_.join();
  CloseFd(wake_write_fd_);
}

void ModbusServer::Serve(int listen_fd, int wake_fd) {
  // A context for framing only: it never connects; each connection's socket is set into it in turn.
  modbus_t* ctx = modbus_new_tcp("127.0.0.1", 502);
  // Readiness was seen before modbus_receive() runs, so these only bound a peer that stalls
  // in the middle of a frame.
  modbus_set_indication_timeout(ctx, 1, 0);
  modbus_set_byte_timeout(ctx, 1, 0);
  std::vector<int> clients;
  std::vector<pollfd> fds;
  bool running = true;
  while (running) {
    fds.clear();
    fds.push_back({wake_fd, POLLIN, 0});
    fds.push_back({listen_fd, POLLIN, 0});
    for (int c : clients) fds.push_back({c, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("modbus server {}: poll: {}; stopping", options_.name, std::strerror(errno));
      break;
    }
    if (fds[0].revents != 0) running = false;
    std::vector<int> kept;
    for (std::size_t i = 2; i < fds.size(); ++i) {
      int fd = fds[i].fd;
      if (running && fds[i].revents != 0 && !Answer(ctx, fd)) {
        CloseFd(fd);
        continue;
      }
      kept.push_back(fd);
    }
    clients.swap(kept);
    if (running && (fds[1].revents & POLLIN) != 0) {
      while (true) {
        int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) break;  // EAGAIN: none left; anything else: the peer gave up already
        if (clients.size() >= static_cast<std::size_t>(options_.max_clients)) {
          spdlog::warn("modbus server {}: {} clients already; closing a new connection", options_.name,
                       clients.size());
          CloseFd(fd);
          continue;
        }
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        connections_.fetch_add(1);
        clients.push_back(fd);
      }
    }
  }
  for (int& c : clients) CloseFd(c);
  CloseFd(listen_fd);
  CloseFd(wake_fd);
  modbus_free(ctx);
}

bool ModbusServer::Answer(void* context, int fd) {
  auto* ctx = static_cast<modbus_t*>(context);
  std::uint8_t request[MODBUS_TCP_MAX_ADU_LENGTH];
  modbus_set_socket(ctx, fd);
  const int length = modbus_receive(ctx, request);
  if (length == 0) return true;  // a frame libmodbus chose to ignore
  if (length < 0) return false;  // closed by the peer, or a malformed frame
  const std::uint8_t* pdu = request + modbus_get_header_length(ctx);
  const auto [first, second] = AccessesOf(pdu);
  std::lock_guard lock(mu_);
  requests_.fetch_add(1);
  const bool refused = (first.valid && Touches(first.table, first.address, first.count)) ||
                       (second.valid && Touches(second.table, second.address, second.count));
  int rc = 0;
  if (refused) {
    refusals_.fetch_add(1);
    rc = modbus_reply_exception(ctx, request, MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS);
  } else {
    rc = modbus_reply(ctx, request, length, bank_);
  }
  return rc >= 0;
}

bool ModbusServer::Touches(Table table, std::uint32_t address, std::uint32_t count) const {
  const std::set<std::uint16_t>& refused = refused_[static_cast<int>(table)];
  auto it = refused.lower_bound(static_cast<std::uint16_t>(std::min<std::uint32_t>(address, 65535)));
  return it != refused.end() && *it >= address && *it < address + count;
}

Status ModbusServer::CheckRange(Table table, std::uint16_t address, std::size_t count, bool bits) const {
  if (IsBitTable(table) != bits)
    return Status::InvalidArgument("modbus server " + options_.name + ": table " +
                                   std::string(TableName(table)) +
                                   (bits ? " holds registers, not bits" : " holds bits, not registers"));
  if (address + count > static_cast<std::size_t>(kEntries))
    return Status::OutOfRange("modbus server " + options_.name + ": " + std::string(TableName(table)) + " " +
                              std::to_string(address) + " + " + std::to_string(count) + " runs past 65535");
  return Status::Ok();
}

Status ModbusServer::SetRegisters(Table table, std::uint16_t address, std::span<const std::uint16_t> words) {
  MW_RETURN_IF_ERROR(CheckRange(table, address, words.size(), false));
  std::lock_guard lock(mu_);
  std::uint16_t* target = table == Table::kHolding ? bank_->tab_registers : bank_->tab_input_registers;
  std::copy(words.begin(), words.end(), target + address);
  return Status::Ok();
}

Status ModbusServer::SetBit(Table table, std::uint16_t address, bool value) {
  MW_RETURN_IF_ERROR(CheckRange(table, address, 1, true));
  std::lock_guard lock(mu_);
  std::uint8_t* target = table == Table::kCoil ? bank_->tab_bits : bank_->tab_input_bits;
  target[address] = value ? 1 : 0;
  return Status::Ok();
}

Status ModbusServer::SetFloat32(Table table, std::uint16_t address, float value, WordOrder order) {
  std::uint16_t words[2];
  EncodeRaw(value, ValueType::kFloat32, order, words);
  return SetRegisters(table, address, words);
}

Status ModbusServer::SetInt32(Table table, std::uint16_t address, std::int32_t value, WordOrder order) {
  std::uint16_t words[2];
  EncodeRaw(value, ValueType::kInt32, order, words);
  return SetRegisters(table, address, words);
}

Status ModbusServer::SetScaled(Table table, std::uint16_t address, double value, double scale, double offset,
                               ValueType type, WordOrder order) {
  Point p;
  p.signal = std::string(TableName(table)) + ":" + std::to_string(address);
  p.table = table;
  p.address = address;
  p.type = type;
  p.order = order;
  p.scale = scale;
  p.offset = offset;
  if (scale == 0) return Status::InvalidArgument("modbus server " + options_.name + ": scale may not be 0");
  return SetPoint(p, value);
}

Status ModbusServer::SetPoint(const Point& point, double value) {
  std::uint16_t words[4];
  MW_RETURN_IF_ERROR(EncodeScaled(point, value, words));
  if (IsBitTable(point.table)) return SetBit(point.table, point.address, words[0] != 0);
  return SetRegisters(point.table, point.address, std::span<const std::uint16_t>(words, Width(point.type)));
}

std::vector<std::uint16_t> ModbusServer::GetRegisters(Table table, std::uint16_t address,
                                                      std::size_t count) const {
  if (IsBitTable(table)) return {};
  count = std::min<std::size_t>(count, kEntries - address);
  std::lock_guard lock(mu_);
  const std::uint16_t* source = table == Table::kHolding ? bank_->tab_registers : bank_->tab_input_registers;
  return std::vector<std::uint16_t>(source + address, source + address + count);
}

bool ModbusServer::GetBit(Table table, std::uint16_t address) const {
  if (!IsBitTable(table)) return false;
  std::lock_guard lock(mu_);
  return (table == Table::kCoil ? bank_->tab_bits : bank_->tab_input_bits)[address] != 0;
}

void ModbusServer::Refuse(Table table, std::uint16_t address) {
  std::lock_guard lock(mu_);
  refused_[static_cast<int>(table)].insert(address);
}

void ModbusServer::Allow(Table table, std::uint16_t address) {
  std::lock_guard lock(mu_);
  refused_[static_cast<int>(table)].erase(address);
}

void ModbusServer::AllowAll() {
  std::lock_guard lock(mu_);
  for (auto& set : refused_) set.clear();
}

}  // namespace mw::connectors::modbus
