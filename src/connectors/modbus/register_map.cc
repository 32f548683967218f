#include "connectors/modbus/register_map.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <limits>

namespace mw::connectors::modbus {
namespace {

constexpr std::string_view kTableNames[] = {"coil", "discrete", "holding", "input"};
constexpr std::string_view kTypeNames[] = {"bool",    "int16", "uint16", "int32",  "uint32",
                                           "float32", "int64", "uint64", "float64"};
constexpr std::string_view kOrderNames[] = {"abcd", "cdab", "badc", "dcba"};

template <typename E, std::size_t N>
bool Lookup(std::string_view text, const std::string_view (&names)[N], E& out) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == text) {
      out = static_cast<E>(i);
      return true;
    }
  }
  return false;
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::vector<std::string_view> SplitOn(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

std::vector<std::string_view> Words(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

bool ParseAddress(std::string_view text, std::uint32_t& out) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc() && end == text.data() + text.size();
}

bool ParseNumber(std::string_view text, double& out) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);  // from_chars takes no '+'
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && std::isfinite(out);
}

// The words of a value, most significant first, from (or to) their wire order.
std::uint64_t Assemble(const std::uint16_t* words, int n, WordOrder order) {
  const bool swap_bytes = order == WordOrder::kBadc || order == WordOrder::kDcba;
  const bool reverse_words = order == WordOrder::kCdab || order == WordOrder::kDcba;
  std::uint64_t bits = 0;
  for (int i = 0; i < n; ++i) {
    std::uint16_t w = words[reverse_words ? n - 1 - i : i];
    if (swap_bytes) w = static_cast<std::uint16_t>((w >> 8) | (w << 8));
    bits = (bits << 16) | w;
  }
  return bits;
}

void Scatter(std::uint64_t bits, int n, WordOrder order, std::uint16_t* words) {
  const bool swap_bytes = order == WordOrder::kBadc || order == WordOrder::kDcba;
  const bool reverse_words = order == WordOrder::kCdab || order == WordOrder::kDcba;
  for (int i = n - 1; i >= 0; --i) {
    auto w = static_cast<std::uint16_t>(bits & 0xffff);
    bits >>= 16;
    if (swap_bytes) w = static_cast<std::uint16_t>((w >> 8) | (w << 8));
    words[reverse_words ? n - 1 - i : i] = w;
  }
}

// Integer range of a type, as doubles: [lo, hi] inclusive for the small ones; the 64-bit bounds
// are exclusive at the top (2^63 and 2^64 are exact doubles, their predecessors are not).
bool IntegerFits(ValueType type, double raw) {
  switch (type) {
    case ValueType::kBool:
      return raw == 0 || raw == 1;
    case ValueType::kInt16:
      return raw >= -32768.0 && raw <= 32767.0;
    case ValueType::kUint16:
      return raw >= 0 && raw <= 65535.0;
    case ValueType::kInt32:
      return raw >= -2147483648.0 && raw <= 2147483647.0;
    case ValueType::kUint32:
      return raw >= 0 && raw <= 4294967295.0;
    case ValueType::kInt64:
      return raw >= -9223372036854775808.0 && raw < 9223372036854775808.0;
    case ValueType::kUint64:
      return raw >= 0 && raw < 18446744073709551616.0;
    default:
      return true;
  }
}

bool IsFloat(ValueType type) { return type == ValueType::kFloat32 || type == ValueType::kFloat64; }

// A saturating double -> integer bits conversion, so that EncodeRaw never hits undefined behaviour
// on a value its caller failed to check.
std::uint64_t IntegerBits(double raw, ValueType type) {
  if (std::isnan(raw)) return 0;
  if (type == ValueType::kUint64) {
    if (raw <= 0) return 0;
    if (raw >= 18446744073709551616.0) return UINT64_MAX;
    return static_cast<std::uint64_t>(raw);
  }
  if (raw <= -9223372036854775808.0) return static_cast<std::uint64_t>(INT64_MIN);
  if (raw >= 9223372036854775808.0) return static_cast<std::uint64_t>(INT64_MAX);
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(raw));
}

Status ParseLocation(std::string_view where, Point& p, const std::string& prefix) {
  const std::vector<std::string_view> fields = SplitOn(where, ':');
  if (fields.size() < 2 || fields.size() > 4)
    return Status::InvalidArgument(prefix + "expected TABLE:ADDRESS[:TYPE[:ORDER]], got " + Quoted(where));
  if (!Lookup(fields[0], kTableNames, p.table))
    return Status::InvalidArgument(prefix + "table " + Quoted(fields[0]) +
                                   ": expected holding, input, coil or discrete");
  std::uint32_t address = 0;
  if (!ParseAddress(fields[1], address) || address > 65535)
    return Status::InvalidArgument(prefix + "address " + Quoted(fields[1]) +
                                   ": expected 0..65535 (decimal or 0x-hex, 0-based protocol address)");
  p.address = static_cast<std::uint16_t>(address);
  p.type = IsBitTable(p.table) ? ValueType::kBool : ValueType::kUint16;
  if (fields.size() >= 3 && !Lookup(fields[2], kTypeNames, p.type))
    return Status::InvalidArgument(prefix + "type " + Quoted(fields[2]) +
                                   ": expected int16, uint16, int32, uint32, float32, int64, uint64, "
                                   "float64 or bool");
  if (IsBitTable(p.table) != (p.type == ValueType::kBool))
    return Status::InvalidArgument(prefix + "type " + Quoted(TypeName(p.type)) + ": " +
                                   (IsBitTable(p.table) ? "coil and discrete points are bool"
                                                        : "bool is for coil and discrete points only"));
  if (fields.size() == 4 && !Lookup(fields[3], kOrderNames, p.order))
    return Status::InvalidArgument(prefix + "order " + Quoted(fields[3]) +
                                   ": expected abcd, cdab, badc or dcba");
  if (address + static_cast<std::uint32_t>(Width(p.type)) > 65536)
    return Status::InvalidArgument(prefix + "address " + std::to_string(address) + ": a " +
                                   std::string(TypeName(p.type)) + " there would run past register 65535");
  return Status::Ok();
}

Status ParseSetting(std::string_view setting, Point& p, const std::string& prefix) {
  const std::size_t eq = setting.find('=');
  const std::string_view key = setting.substr(0, eq);
  if (eq == std::string_view::npos || (key != "scale" && key != "offset"))
    return Status::InvalidArgument(prefix + "expected scale=X or offset=Y after the address, got " +
                                   Quoted(setting));
  const std::string_view text = setting.substr(eq + 1);
  double& target = key == "scale" ? p.scale : p.offset;
  if (!ParseNumber(text, target))
    return Status::InvalidArgument(prefix + std::string(key) + " " + Quoted(text) +
                                   ": expected a finite number");
  if (key == "scale" && p.scale == 0) return Status::InvalidArgument(prefix + "scale may not be 0");
  return Status::Ok();
}

bool Conflicts(const std::vector<AddressRange>& avoid, Table table, std::uint32_t start, std::uint32_t end) {
  for (const AddressRange& r : avoid) {
    if (r.table != table) continue;
    if (r.first < r.end ? (r.first < end && start < r.end) : (start < r.first && r.first < end)) return true;
  }
  return false;
}

}  // namespace

std::string_view TableName(Table table) { return kTableNames[static_cast<int>(table)]; }
std::string_view TypeName(ValueType type) { return kTypeNames[static_cast<int>(type)]; }
std::string_view OrderName(WordOrder order) { return kOrderNames[static_cast<int>(order)]; }
bool IsBitTable(Table table) { return table == Table::kCoil || table == Table::kDiscrete; }

int Width(ValueType type) {
  switch (type) {
    case ValueType::kBool:
    case ValueType::kInt16:
    case ValueType::kUint16:
      return 1;
    case ValueType::kInt32:
    case ValueType::kUint32:
    case ValueType::kFloat32:
      return 2;
    default:
      return 4;
  }
}

std::string Describe(const Point& p) {
  std::string s =
      std::string(TableName(p.table)) + ":" + std::to_string(p.address) + ":" + std::string(TypeName(p.type));
  if (p.order != WordOrder::kAbcd) s += ":" + std::string(OrderName(p.order));
  auto number = [](double v) {
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, ec == std::errc() ? end : buf);
  };
  if (p.scale != 1) s += " scale=" + number(p.scale);
  if (p.offset != 0) s += " offset=" + number(p.offset);
  return s;
}

Result<Point> ParsePoint(std::string_view signal, std::string_view spec) {
  const std::string prefix = "point " + Quoted(signal) + ": ";
  if (signal.empty()) return Status::InvalidArgument(prefix + "the signal name may not be empty");
  const std::vector<std::string_view> words = Words(spec);
  if (words.empty())
    return Status::InvalidArgument(prefix +
                                   "expected TABLE:ADDRESS[:TYPE[:ORDER]] [scale=X] [offset=Y], got \"\"");
  Point p;
  p.signal = std::string(signal);
  MW_RETURN_IF_ERROR(ParseLocation(words[0], p, prefix));
  for (std::size_t i = 1; i < words.size(); ++i) MW_RETURN_IF_ERROR(ParseSetting(words[i], p, prefix));
  return p;
}

Result<std::vector<Point>> ParsePoints(const std::map<std::string, std::string>& specs) {
  std::vector<Point> points;
  std::string errors;
  for (const auto& [signal, spec] : specs) {
    Result<Point> p = ParsePoint(signal, spec);
    if (p.ok()) {
      points.push_back(std::move(p).value());
    } else {
      errors += (errors.empty() ? "" : "; ") + p.status().message();
    }
  }
  if (!errors.empty()) return Status::InvalidArgument(errors);
  return points;
}

double DecodeRaw(const std::uint16_t* words, ValueType type, WordOrder order) {
  const std::uint64_t bits = Assemble(words, Width(type), order);
  switch (type) {
    case ValueType::kBool:
      return words[0] != 0 ? 1 : 0;
    case ValueType::kInt16:
      return static_cast<std::int16_t>(bits);
    case ValueType::kUint16:
      return static_cast<std::uint16_t>(bits);
    case ValueType::kInt32:
      return static_cast<std::int32_t>(bits);
    case ValueType::kUint32:
      return static_cast<std::uint32_t>(bits);
    case ValueType::kFloat32:
      return std::bit_cast<float>(static_cast<std::uint32_t>(bits));
    case ValueType::kInt64:
      return static_cast<double>(static_cast<std::int64_t>(bits));
    case ValueType::kUint64:
      return static_cast<double>(bits);
    case ValueType::kFloat64:
      return std::bit_cast<double>(bits);
  }
  return 0;
}

double Decode(const Point& point, const std::uint16_t* words) {
  return DecodeRaw(words, point.type, point.order) * point.scale + point.offset;
}

void EncodeRaw(double raw, ValueType type, WordOrder order, std::uint16_t* words) {
  std::uint64_t bits = 0;
  if (type == ValueType::kFloat32) {
    bits = std::bit_cast<std::uint32_t>(static_cast<float>(raw));
  } else if (type == ValueType::kFloat64) {
    bits = std::bit_cast<std::uint64_t>(raw);
  } else if (type == ValueType::kBool) {
    bits = raw != 0 ? 1 : 0;
  } else {
    bits = IntegerBits(raw, type);
  }
  Scatter(bits, Width(type), order, words);
}

Status EncodeScaled(const Point& point, double value, std::uint16_t* words) {
  double raw = (value - point.offset) / point.scale;
  if (!IsFloat(point.type)) raw = std::nearbyint(raw);
  // Floats may carry NaN and infinities on purpose (a twin serving a broken sensor); a finite value
  // beyond float's range would silently become infinite, so it is refused.
  bool fits = IntegerFits(point.type, raw);
  if (point.type == ValueType::kFloat32)
    fits = !std::isfinite(raw) || std::fabs(raw) <= std::numeric_limits<float>::max();
  if (!fits)
    return Status::OutOfRange("point " + Quoted(point.signal) + " (" + Describe(point) + "): value " +
                              std::to_string(value) + " is raw " + std::to_string(raw) + ", outside " +
                              std::string(TypeName(point.type)));
  EncodeRaw(raw, point.type, point.order, words);
  return Status::Ok();
}

Result<std::vector<ReadBlock>> PlanReads(const std::vector<Point>& points,
                                         std::span<const std::size_t> selected, const PlanOptions& options) {
  if (options.max_registers < 1 || options.max_registers > kMaxReadRegisters)
    return Status::InvalidArgument("max_registers " + std::to_string(options.max_registers) +
                                   ": expected 1..125");
  if (options.max_bits < 1 || options.max_bits > kMaxReadBits)
    return Status::InvalidArgument("max_bits " + std::to_string(options.max_bits) + ": expected 1..2000");
  if (options.max_gap < 0)
    return Status::InvalidArgument("max_gap " + std::to_string(options.max_gap) + ": expected 0 or more");

  std::vector<std::size_t> order(selected.begin(), selected.end());
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const Point& x = points[a];
    const Point& y = points[b];
    if (x.table != y.table) return x.table < y.table;
    if (x.address != y.address) return x.address < y.address;
    return Width(x.type) < Width(y.type);
  });

  std::vector<ReadBlock> blocks;
  std::uint32_t start = 0;
  std::uint32_t end = 0;  // one past the last address of the open block
  for (std::size_t index : order) {
    const Point& p = points[index];
    const std::uint32_t limit =
        static_cast<std::uint32_t>(IsBitTable(p.table) ? options.max_bits : options.max_registers);
    const std::uint32_t p_start = p.address;
    const std::uint32_t p_end = p_start + static_cast<std::uint32_t>(Width(p.type));
    if (p_end - p_start > limit)
      return Status::InvalidArgument("point " + Quoted(p.signal) + " (" + Describe(p) + ") spans " +
                                     std::to_string(p_end - p_start) +
                                     " registers, more than the block limit " + std::to_string(limit));
    if (!blocks.empty() && blocks.back().table == p.table) {
      const std::uint32_t new_end = std::max(end, p_end);
      const std::uint32_t gap = p_start > end ? p_start - end : 0;
      if (gap <= static_cast<std::uint32_t>(options.max_gap) && new_end - start <= limit &&
          !Conflicts(options.avoid, p.table, start, new_end)) {
        end = new_end;
        blocks.back().count = static_cast<std::uint16_t>(end - start);
        blocks.back().points.push_back(index);
        continue;
      }
    }
    start = p_start;
    end = p_end;
    blocks.push_back(
        {p.table, static_cast<std::uint16_t>(start), static_cast<std::uint16_t>(end - start), {index}});
  }
  return blocks;
}

Result<std::vector<ReadBlock>> PlanReads(const std::vector<Point>& points, const PlanOptions& options) {
  std::vector<std::size_t> all(points.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  return PlanReads(points, all, options);
}

}  // namespace mw::connectors::modbus
