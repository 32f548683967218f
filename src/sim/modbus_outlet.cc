#include "sim/modbus_outlet.h"

#include <cmath>

#include <fmt/format.h>

namespace mw::sim {
namespace {

using connectors::modbus::Point;
using connectors::modbus::Table;
using connectors::modbus::ValueType;
using connectors::modbus::WordOrder;

constexpr std::uint32_t kBlockAlign = 100;
constexpr std::uint32_t kRegisters = 65536;

connectors::modbus::ModbusServerOptions ServerOptions(const std::string& host, int port) {
  connectors::modbus::ModbusServerOptions o;
  o.host = host;
  o.port = port;
  o.name = "millwright-sim";
  return o;
}

}  // namespace

ModbusOutlet::ModbusOutlet(std::string host, int port)
    : server_(ServerOptions(host, port)), host_(std::move(host)) {}

ModbusOutlet::~ModbusOutlet() { Stop(); }

Result<std::size_t> ModbusOutlet::Add(const std::string& path, const Twin& twin) {
  const auto n = static_cast<std::uint32_t>(twin.signals().size());
  const std::uint32_t block = (4 * n + kBlockAlign - 1) / kBlockAlign * kBlockAlign;
  if (next_base_ + block > kRegisters)
    return Status::ResourceExhausted(fmt::format(
        "modbus: {} does not fit: the register space is full after {} machines", path, machines_.size()));
  machines_.push_back({path, &twin, static_cast<std::uint16_t>(next_base_)});
  next_base_ += block;
  return machines_.size() - 1;
}

Status ModbusOutlet::Start() { return server_.Start(); }

void ModbusOutlet::Stop() { server_.Stop(); }

void ModbusOutlet::SetReachable(bool reachable) { (void)server_.SetOffline(!reachable); }

std::vector<std::string> ModbusOutlet::Endpoints() const {
  return {fmt::format("modbus modbus+tcp://{}:{}", host_, server_.port())};
}

Point ModbusOutlet::PointOf(const Machine& m, std::size_t signal, ModbusEncoding encoding) const {
  const std::vector<SignalDef>& signals = m.twin->signals();
  const auto n = static_cast<std::uint32_t>(signals.size());
  const auto j = static_cast<std::uint32_t>(signal);
  Point p;
  p.signal = signals[signal].name;
  switch (encoding) {
    case ModbusEncoding::kFloatAbcd:
      p.address = static_cast<std::uint16_t>(m.base + 2 * j);
      p.type = ValueType::kFloat32;
      break;
    case ModbusEncoding::kFloatCdab:
      p.address = static_cast<std::uint16_t>(m.base + 2 * n + 2 * j);
      p.type = ValueType::kFloat32;
      p.order = WordOrder::kCdab;
      break;
    case ModbusEncoding::kScaledInt16:
      p.table = Table::kInput;
      p.address = static_cast<std::uint16_t>(m.base + j);
      p.type = ValueType::kInt16;
      p.scale = std::pow(10.0, -signals[signal].decimals);
      break;
  }
  return p;
}

void ModbusOutlet::Publish(std::size_t slot, Timestamp, std::span<const double> values) {
  if (slot >= machines_.size()) return;
  const Machine& m = machines_[slot];
  for (std::size_t j = 0; j < values.size(); ++j) {
    if (!std::isfinite(values[j])) continue;
    for (ModbusEncoding e :
         {ModbusEncoding::kFloatAbcd, ModbusEncoding::kFloatCdab, ModbusEncoding::kScaledInt16}) {
      if (!server_.SetPoint(PointOf(m, j, e), values[j]).ok())
        out_of_range_.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

std::map<std::string, std::string> ModbusOutlet::Points(const std::string& path,
                                                        ModbusEncoding encoding) const {
  std::map<std::string, std::string> out;
  for (const Machine& m : machines_) {
    if (m.path != path) continue;
    for (std::size_t j = 0; j < m.twin->signals().size(); ++j)
      out[m.twin->signals()[j].name] = connectors::modbus::Describe(PointOf(m, j, encoding));
  }
  return out;
}

}  // namespace mw::sim
