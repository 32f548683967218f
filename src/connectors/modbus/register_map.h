// Register map of a Modbus device: which signal lives where, how its registers decode to a number,
// and how the points of a device are grouped into as few read requests as the protocol allows.
//
// A point is one signal read from one table at one 0-based protocol address (what goes on the wire,
// not the "40001" register numbers of some manuals), of a type that spans 1, 2 or 4 registers (or 1
// bit for the coil and discrete-input tables), in a word order, with value = raw * scale + offset.
//
// Point syntax (the value of one entry of the `points` option, keyed by the signal name):
//
//   TABLE:ADDRESS[:TYPE[:ORDER]] [scale=X] [offset=Y]
//
//   TABLE    holding | input | coil | discrete
//   ADDRESS  0..65535, decimal or 0x-hex; the point's registers must end by 65535
//   TYPE     registers: int16 | uint16 (default) | int32 | uint32 | float32 | int64 | uint64 |
//            float64; bits: bool (default, and the only type of coil and discrete)
//   ORDER    abcd (default: big-endian, high word first, the Modbus convention) | cdab (words
//            swapped, low word first) | badc (bytes swapped in each word) | dcba (little-endian)
//   scale, offset   finite numbers; scale is not 0. Defaults 1 and 0.
//
//   e.g. "holding:100:float32:cdab", "input:0x10:int16 scale=0.1 offset=-40", "coil:3"
//
// Word orders: "abcd" names the bytes of a 32-bit value from most to least significant as they sit
// in the registers. For 64-bit values the same rule holds word by word: abcd = most significant
// word first, cdab = least significant word first (all four words reversed). Byte swaps (badc, dcba)
// apply inside every 16-bit register, so they matter for 16-bit types too; word swaps do not.
// 64-bit integers become doubles, exact up to 2^53.
//
// Planner: the points of one table are sorted by address and grouped greedily from the lowest
// address into blocks of at most max_registers registers (max_bits bits for coils and discrete
// inputs), bridging a run of at most max_gap unread addresses between two points. A block never
// touches an `avoid` range (addresses the device refused), so known holes are read around; a point
// that itself touches one (it shares registers with a refused point) is read alone. Greedy
// from the left is optimal here: each block covers the longest prefix of the remaining points that
// any block could.
//
// Everything here is plain data and pure functions: thread-safe, no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace mw::connectors::modbus {

// The four Modbus data tables. Holding and input registers are 16-bit words read with function
// codes 3 and 4; coils and discrete inputs are bits read with 1 and 2.
enum class Table : std::uint8_t { kCoil, kDiscrete, kHolding, kInput };
inline constexpr int kTableCount = 4;

enum class ValueType : std::uint8_t {
  kBool,
  kInt16,
  kUint16,
  kInt32,
  kUint32,
  kFloat32,
  kInt64,
  kUint64,
  kFloat64
};

enum class WordOrder : std::uint8_t { kAbcd, kCdab, kBadc, kDcba };

// Protocol limits of one read request (FC 3/4 and FC 1/2).
inline constexpr int kMaxReadRegisters = 125;
inline constexpr int kMaxReadBits = 2000;

struct Point {
  std::string signal;
  Table table = Table::kHolding;
  std::uint16_t address = 0;
  ValueType type = ValueType::kUint16;
  WordOrder order = WordOrder::kAbcd;
  double scale = 1;
  double offset = 0;
};

std::string_view TableName(Table table);      // "holding", ...
std::string_view TypeName(ValueType type);    // "float32", ...
std::string_view OrderName(WordOrder order);  // "cdab", ...
bool IsBitTable(Table table);
// Registers a value of `type` spans (1 for bool: one bit).
int Width(ValueType type);
// The point back in the option syntax, canonical: "holding:100:float32:cdab scale=0.1".
std::string Describe(const Point& point);

// Parses one point. Errors name the signal and the field: `point "temp": type "flaot32": expected ...`.
Result<Point> ParsePoint(std::string_view signal, std::string_view spec);
// Parses signal -> spec entries (the `points` option). All errors, joined by "; ", in one Status.
Result<std::vector<Point>> ParsePoints(const std::map<std::string, std::string>& specs);

// The raw number the registers hold: `words` points at Width(type) registers in wire order.
// kBool reads words[0] != 0.
double DecodeRaw(const std::uint16_t* words, ValueType type, WordOrder order);
// raw * scale + offset.
double Decode(const Point& point, const std::uint16_t* words);
// The inverse of DecodeRaw: writes Width(type) registers. `raw` must already be an integer in the
// type's range for integer types (EncodeScaled checks that); floats are rounded to the type.
void EncodeRaw(double raw, ValueType type, WordOrder order, std::uint16_t* words);
// Encodes the engineering value `value` of `point` (the inverse of Decode): raw = round((value -
// offset) / scale). OutOfRange when the raw number does not fit the type, naming the point.
Status EncodeScaled(const Point& point, double value, std::uint16_t* words);

// Addresses [first, end) of one table that no read block may touch. An empty range (first == end)
// is a cut: a block may end at `first` or start there, but not span it.
struct AddressRange {
  Table table = Table::kHolding;
  std::uint32_t first = 0;
  std::uint32_t end = 0;
};

struct PlanOptions {
  int max_registers = kMaxReadRegisters;  // 1..125
  int max_bits = kMaxReadBits;            // 1..2000
  int max_gap = 0;                        // unread addresses one block may bridge, >= 0
  std::vector<AddressRange> avoid;
};

// One read request: `count` registers (or bits) of `table` from `start`, and the points it serves
// (indices into the point list given to PlanReads, by ascending address).
struct ReadBlock {
  Table table = Table::kHolding;
  std::uint16_t start = 0;
  std::uint16_t count = 0;
  std::vector<std::size_t> points;
};

// Plans the reads of points[i] for every i in `selected` (an empty selection plans nothing). Blocks
// come by table (coil, discrete, holding, input), then by address. InvalidArgument when the limits
// are out of range, or a point is wider than its table's limit.
Result<std::vector<ReadBlock>> PlanReads(const std::vector<Point>& points,
                                         std::span<const std::size_t> selected, const PlanOptions& options);
// The same for every point.
Result<std::vector<ReadBlock>> PlanReads(const std::vector<Point>& points, const PlanOptions& options);

}  // namespace mw::connectors::modbus
