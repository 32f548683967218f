#include "storage/codec/quantized_codec.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <string>

namespace mw::storage::codec {
namespace {

// ---- Integer block: alphabet ------------------------------------------------------------------

constexpr int kLiteralSymbols = 64;                     // values 0..63
constexpr int kBucketBase = kLiteralSymbols;            // values >= 64, by width 7..64
constexpr int kBucketSymbols = (64 - 7 + 1) * 4;        // x 2 bits after the leading one
constexpr int kRunBase = kBucketBase + kBucketSymbols;  // zero runs, by width of the length
constexpr int kRunSymbols = 32;
constexpr int kAlphabet = kRunBase + kRunSymbols;  // 328
constexpr int kMaxCodeLength = 12;
constexpr int kTableSize = 1 << kMaxCodeLength;
constexpr int kSymbolCountBits = 9;  // 2 .. 328 used symbols
constexpr int kCodeLengthBits = 4;
constexpr int kModeBits = 2;
constexpr int kWidthBits = 7;  // 0 .. 64

enum BlockMode : std::uint64_t { kConstant = 0, kFixedWidth = 1, kHuffman = 2 };

using Lengths = std::array<std::uint8_t, kAlphabet>;
using Codes = std::array<std::uint16_t, kAlphabet>;
using Histogram = std::array<std::uint32_t, kAlphabet>;

inline int ValueSymbol(std::uint64_t v) {
  if (v < kLiteralSymbols) return static_cast<int>(v);
  const int width = BitWidth(v);
  return kBucketBase + (width - 7) * 4 + static_cast<int>((v >> (width - 3)) & 3);
}

inline int ValueExtraBits(std::uint64_t v) { return v < kLiteralSymbols ? 0 : BitWidth(v) - 3; }

inline int RunSymbol(std::uint64_t run) { return kRunBase + BitWidth(run) - 1; }

inline std::uint64_t GammaBits(std::uint64_t v) { return 2 * static_cast<std::uint64_t>(BitWidth(v)) - 1; }

// ---- Integer block: Huffman code construction -----------------------------------------------

// Huffman code lengths for `freq` (two or more non-zero entries). Returns false if a length
// exceeds kMaxCodeLength.
bool TryBuildLengths(const Histogram& freq, Lengths& lengths) {
  struct Leaf {
    std::uint32_t freq;
    std::size_t symbol;
  };
  std::array<Leaf, kAlphabet> leaves;
  std::size_t m = 0;
  for (std::size_t s = 0; s < freq.size(); ++s) {
    if (freq[s] != 0) leaves[m++] = {freq[s], s};
  }
  std::sort(
      leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(m),
      [](const Leaf& a, const Leaf& b) { return a.freq != b.freq ? a.freq < b.freq : a.symbol < b.symbol; });

  // Nodes 0..m-1 are the sorted leaves, m..2m-2 internal nodes in creation order; both queues stay
  // sorted by weight, so the two lightest nodes are always at their fronts.
  std::array<std::uint64_t, 2 * kAlphabet> weight{};
  std::array<std::size_t, 2 * kAlphabet> parent{};
  for (std::size_t i = 0; i < m; ++i) weight[i] = leaves[i].freq;
  std::size_t next_leaf = 0;
  std::size_t next_internal = m;
  auto take_lightest = [&](std::size_t created) {
    if (next_leaf < m && (next_internal >= created || weight[next_leaf] <= weight[next_internal])) {
      return next_leaf++;
    }
    return next_internal++;
  };
  const std::size_t root = 2 * m - 2;
  for (std::size_t k = m; k <= root; ++k) {
    const std::size_t a = take_lightest(k);
    const std::size_t b = take_lightest(k);
    weight[k] = weight[a] + weight[b];
    parent[a] = k;
    parent[b] = k;
  }
  // Parents are created after their children, so one pass from the root down sets every depth.
  std::array<int, 2 * kAlphabet> depth{};
  for (std::size_t k = root; k-- > 0;) depth[k] = depth[parent[k]] + 1;
  lengths.fill(0);
  for (std::size_t i = 0; i < m; ++i) {
    if (depth[i] > kMaxCodeLength) return false;
    lengths[leaves[i].symbol] = static_cast<std::uint8_t>(depth[i]);
  }
  return true;
}

// Length-limited by flattening: halving every count until the tree is shallow enough costs a
// little compression only on very skewed blocks, and always ends (equal counts give a balanced
// tree of depth 9 at most).
void BuildLengths(const Histogram& freq, Lengths& lengths) {
  Histogram flattened = freq;
  while (!TryBuildLengths(flattened, lengths)) {
    for (auto& f : flattened) f = f == 0 ? 0 : (f + 1) / 2;
  }
}

// Canonical code: shorter codes first, and within a length in symbol order.
void AssignCodes(const Lengths& lengths, Codes& codes) {
  std::array<int, kMaxCodeLength + 1> count{};
  for (auto len : lengths) ++count[len];
  count[0] = 0;
  std::array<int, kMaxCodeLength + 1> next{};
  int code = 0;
  for (int len = 1; len <= kMaxCodeLength; ++len) {
    code = (code + count[static_cast<std::size_t>(len - 1)]) << 1;
    next[static_cast<std::size_t>(len)] = code;
  }
  for (int s = 0; s < kAlphabet; ++s) {
    const auto len = lengths[static_cast<std::size_t>(s)];
    codes[static_cast<std::size_t>(s)] = len == 0 ? 0 : static_cast<std::uint16_t>(next[len]++);
  }
}

std::uint64_t TableBits(const Lengths& lengths) {
  std::uint64_t bits = kSymbolCountBits;
  int prev = -1;
  for (int s = 0; s < kAlphabet; ++s) {
    if (lengths[static_cast<std::size_t>(s)] == 0) continue;
    bits += GammaBits(static_cast<std::uint64_t>(s - prev)) + kCodeLengthBits;
    prev = s;
  }
  return bits;
}

// ---- Integer block: planning ----------------------------------------------------------------

struct BlockPlan {
  BlockMode mode = kConstant;
  std::uint64_t bits = 0;
  int width = 0;      // kFixedWidth
  bool runs = false;  // kHuffman: zeros written as runs
  Lengths lengths{};  // kHuffman
};

struct Tally {
  Histogram freq{};
  std::uint64_t extra_bits = 0;
  int used = 0;
};

std::uint64_t HuffmanBits(const Tally& tally, Lengths& lengths) {
  BuildLengths(tally.freq, lengths);
  std::uint64_t bits = kModeBits + TableBits(lengths) + tally.extra_bits;
  for (int s = 0; s < kAlphabet; ++s) {
    bits += static_cast<std::uint64_t>(tally.freq[static_cast<std::size_t>(s)]) *
            lengths[static_cast<std::size_t>(s)];
  }
  return bits;
}

void CountUsed(Tally& tally) {
  tally.used =
      static_cast<int>(std::count_if(tally.freq.begin(), tally.freq.end(), [](auto f) { return f != 0; }));
}

Tally TallyRuns(std::span<const std::uint64_t> values) {
  Tally tally;
  const std::size_t n = values.size();
  for (std::size_t i = 0; i < n;) {
    if (values[i] != 0) {
      ++tally.freq[static_cast<std::size_t>(ValueSymbol(values[i]))];
      tally.extra_bits += static_cast<std::uint64_t>(ValueExtraBits(values[i]));
      ++i;
      continue;
    }
    std::size_t end = i + 1;
    while (end < n && values[end] == 0) ++end;
    const std::uint64_t run = end - i;
    ++tally.freq[static_cast<std::size_t>(RunSymbol(run))];
    tally.extra_bits += static_cast<std::uint64_t>(BitWidth(run) - 1);
    i = end;
  }
  CountUsed(tally);
  return tally;
}

BlockPlan PlanBlock(std::span<const std::uint64_t> values) {
  BlockPlan plan;
  if (values.empty()) return plan;
  const std::uint64_t n = values.size();
  Tally literal;
  std::uint64_t max_value = 0;
  std::uint64_t zeros = 0;
  bool all_equal = true;
  const std::uint64_t first = values[0];
  for (const std::uint64_t v : values) {
    ++literal.freq[static_cast<std::size_t>(ValueSymbol(v))];
    literal.extra_bits += static_cast<std::uint64_t>(ValueExtraBits(v));
    max_value |= v;
    zeros += v == 0 ? 1 : 0;
    all_equal &= v == first;
  }
  if (all_equal) {
    plan.bits = kModeBits + kWidthBits + static_cast<std::uint64_t>(std::max(BitWidth(first) - 1, 0));
    return plan;
  }
  // The OR of all values has the width of the largest one.
  plan.mode = kFixedWidth;
  plan.width = BitWidth(max_value);
  plan.bits = kModeBits + kWidthBits + n * static_cast<std::uint64_t>(plan.width);

  CountUsed(literal);
  Lengths lengths;
  if (literal.used >= 2) {
    const std::uint64_t bits = HuffmanBits(literal, lengths);
    if (bits < plan.bits) {
      plan.mode = kHuffman;
      plan.bits = bits;
      plan.runs = false;
      plan.lengths = lengths;
    }
  }
  if (zeros * 8 >= n) {
    const Tally runs = TallyRuns(values);
    if (runs.used >= 2) {
      const std::uint64_t bits = HuffmanBits(runs, lengths);
      if (bits < plan.bits) {
        plan.mode = kHuffman;
        plan.bits = bits;
        plan.runs = true;
        plan.lengths = lengths;
      }
    }
  }
  return plan;
}

// ---- Integer block: writing ------------------------------------------------------------------

void WriteHuffman(std::span<const std::uint64_t> values, const BlockPlan& plan, BitWriter& out) {
  int used = 0;
  for (auto len : plan.lengths) used += len != 0 ? 1 : 0;
  out.WriteBits(static_cast<std::uint64_t>(used), kSymbolCountBits);
  int prev = -1;
  for (int s = 0; s < kAlphabet; ++s) {
    const auto len = plan.lengths[static_cast<std::size_t>(s)];
    if (len == 0) continue;
    out.WriteGamma(static_cast<std::uint64_t>(s - prev));
    out.WriteBits(len, kCodeLengthBits);
    prev = s;
  }
  Codes codes;
  AssignCodes(plan.lengths, codes);
  const std::size_t n = values.size();
  for (std::size_t i = 0; i < n;) {
    const std::uint64_t v = values[i];
    if (plan.runs && v == 0) {
      std::size_t end = i + 1;
      while (end < n && values[end] == 0) ++end;
      const std::uint64_t run = end - i;
      const auto s = static_cast<std::size_t>(RunSymbol(run));
      out.WriteBits(codes[s], plan.lengths[s]);
      out.WriteBits(run, BitWidth(run) - 1);
      i = end;
      continue;
    }
    const auto s = static_cast<std::size_t>(ValueSymbol(v));
    out.WriteBits(codes[s], plan.lengths[s]);
    out.WriteBits(v, ValueExtraBits(v));
    ++i;
  }
}

void WriteBlock(std::span<const std::uint64_t> values, const BlockPlan& plan, BitWriter& out) {
  if (values.empty()) return;
  out.WriteBits(plan.mode, kModeBits);
  switch (plan.mode) {
    case kConstant: {
      const int width = BitWidth(values[0]);
      out.WriteBits(static_cast<std::uint64_t>(width), kWidthBits);
      if (width > 1) out.WriteBits(values[0], width - 1);
      return;
    }
    case kFixedWidth:
      out.WriteBits(static_cast<std::uint64_t>(plan.width), kWidthBits);
      for (const std::uint64_t v : values) out.WriteBits(v, plan.width);
      return;
    case kHuffman:
      WriteHuffman(values, plan, out);
      return;
  }
}

// ---- Integer block: reading ------------------------------------------------------------------

Status BlockCorruption(const char* what) { return Status::Corruption(std::string("integer block: ") + what); }

// A value of `width` bits (width in [0, 64]) whose leading one is implicit.
std::uint64_t ReadWithImplicitOne(BitReader& in, int width) {
  if (width == 0) return 0;
  return (std::uint64_t{1} << (width - 1)) | in.ReadBits(width - 1);
}

Status ReadCodeLengths(BitReader& in, Lengths& lengths) {
  const auto used = static_cast<int>(in.ReadBits(kSymbolCountBits));
  if (used < 2 || used > kAlphabet) return BlockCorruption("bad Huffman symbol count");
  lengths.fill(0);
  std::uint64_t symbol = ~std::uint64_t{0};  // one before symbol 0
  std::uint32_t kraft = 0;
  for (int k = 0; k < used; ++k) {
    std::uint64_t gap = 0;
    if (!in.ReadGamma(gap, BitWidth(kAlphabet))) return BlockCorruption("bad Huffman symbol gap");
    symbol += gap;
    if (symbol >= kAlphabet) return BlockCorruption("Huffman symbol out of range");
    const auto len = static_cast<int>(in.ReadBits(kCodeLengthBits));
    if (len == 0 || len > kMaxCodeLength) return BlockCorruption("bad Huffman code length");
    lengths[symbol] = static_cast<std::uint8_t>(len);
    kraft += 1u << (kMaxCodeLength - len);
  }
  if (in.overrun()) return BlockCorruption("truncated Huffman table");
  // Only a complete code fills every table entry; an incomplete or oversubscribed one is corrupt.
  if (kraft != kTableSize) return BlockCorruption("Huffman code lengths are not a complete prefix code");
  return Status::Ok();
}

// Each entry: symbol << 4 | code length, for every 12-bit window that starts with the code.
void FillTable(const Lengths& lengths, std::array<std::uint16_t, kTableSize>& table) {
  Codes codes;
  AssignCodes(lengths, codes);
  for (int s = 0; s < kAlphabet; ++s) {
    const int len = lengths[static_cast<std::size_t>(s)];
    if (len == 0) continue;
    const int first = codes[static_cast<std::size_t>(s)] << (kMaxCodeLength - len);
    const int span = 1 << (kMaxCodeLength - len);
    std::fill_n(table.begin() + first, span, static_cast<std::uint16_t>((s << 4) | len));
  }
}

Status ReadHuffman(BitReader& in, std::span<std::uint64_t> out) {
  Lengths lengths;
  MW_RETURN_IF_ERROR(ReadCodeLengths(in, lengths));
  std::array<std::uint16_t, kTableSize> table;
  FillTable(lengths, table);
  const std::size_t n = out.size();
  std::size_t i = 0;
  while (i < n) {
    const std::uint16_t entry = table[in.PeekBits(kMaxCodeLength)];
    in.SkipBits(entry & 15);
    const int symbol = entry >> 4;
    if (symbol < kLiteralSymbols) {
      out[i++] = static_cast<std::uint64_t>(symbol);
    } else if (symbol < kRunBase) {
      const int index = symbol - kBucketBase;
      const int width = 7 + index / 4;
      const auto top = static_cast<std::uint64_t>(4 + index % 4);
      out[i++] = (top << (width - 3)) | in.ReadBits(width - 3);
    } else {
      const std::uint64_t run = ReadWithImplicitOne(in, symbol - kRunBase + 1);
      if (run > n - i) return BlockCorruption("zero run longer than the block");
      std::fill_n(out.begin() + static_cast<std::ptrdiff_t>(i), run, 0);
      i += run;
    }
  }
  return Status::Ok();
}

// ---- Quantized values ------------------------------------------------------------------------

constexpr std::size_t kQuantizedHeaderBytes = 9;  // flags, then the f64 scale
constexpr std::uint8_t kOrderMask = 0x03;
constexpr std::uint8_t kDivideFlag = 0x04;
constexpr std::uint8_t kReservedFlags = 0xF8;

// How q is turned back into a value: q / factor when the resolution is the reciprocal of an
// integer (0.01 = 1/100), q * factor otherwise. Dividing by 100 gives exactly the double a decimal
// string such as "23.45" parses to, which multiplying by 0.01 does not always do.
struct Scale {
  bool divide = false;
  double factor = 1;
};

// 1/r itself may miss the integer by an ulp (1 / 1e-6 is 999999.9999999999), so the candidate
// divisor is rounded and accepted when r is the double nearest to its reciprocal.
Scale ChooseScale(double resolution) {
  const double divisor = std::round(1.0 / resolution);
  if (divisor >= 1 && divisor <= 0x1p53 && 1.0 / divisor == resolution) return {true, divisor};
  return {false, resolution};
}

inline double Rebuild(std::int64_t q, const Scale& scale) {
  const auto x = static_cast<double>(q);
  return scale.divide ? x / scale.factor : x * scale.factor;
}

// Finds q with Rebuild(q) bit-identical to v. The rounded guess can be one off near a tie, so its
// neighbours are tried too.
bool Quantize(double v, const Scale& scale, std::int64_t& q) {
  const double x = scale.divide ? v * scale.factor : v / scale.factor;
  if (!(std::fabs(x) < 0x1p62)) return false;
  const auto guess = static_cast<std::int64_t>(x + (x >= 0 ? 0.5 : -0.5));
  const auto bits = std::bit_cast<std::uint64_t>(v);
  for (const std::int64_t candidate : {guess, guess - 1, guess + 1}) {
    if (std::bit_cast<std::uint64_t>(Rebuild(candidate, scale)) == bits) {
      q = candidate;
      return true;
    }
  }
  return false;
}

// Quantizes every value; returns the index of the first that is off the grid, or values.size().
std::size_t QuantizeAll(std::span<const double> values, const Scale& scale, std::vector<std::int64_t>& q) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!Quantize(values[i], scale, q[i])) return i;
  }
  return values.size();
}

// Residuals of `order`, zigzagged. The first residual is always q[0] itself; after it, order 0
// is the offset from q[0] (noise around a level), order 1 the delta, order 2 the change of delta
// (the delta before the first counts as zero). Wrapping arithmetic keeps every step invertible
// whatever the magnitudes.
void Residuals(std::span<const std::int64_t> q, int order, std::vector<std::uint64_t>& out) {
  out.resize(q.size());
  if (q.empty()) return;
  const auto base = static_cast<std::uint64_t>(q[0]);
  std::uint64_t prev = 0;
  std::uint64_t prev_delta = 0;
  for (std::size_t i = 0; i < q.size(); ++i) {
    const auto cur = static_cast<std::uint64_t>(q[i]);
    const std::uint64_t delta = cur - prev;
    std::uint64_t r = i == 0 ? cur : cur - base;
    if (order == 1) r = delta;
    if (order == 2) r = delta - prev_delta;
    out[i] = ZigZag(static_cast<std::int64_t>(r));
    prev = cur;
    prev_delta = delta;
  }
}

void PutDouble(double v, std::vector<std::uint8_t>& out) {
  const auto bits = std::bit_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
}

double GetDouble(const std::uint8_t* p) {
  std::uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return std::bit_cast<double>(bits);
}

std::string FormatDouble(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

Status QuantizedCorruption(const std::string& what) {
  return Status::Corruption("quantized column: " + what);
}

}  // namespace

void EncodeIntegerBlock(std::span<const std::uint64_t> values, BitWriter& out) {
  WriteBlock(values, PlanBlock(values), out);
}

std::uint64_t IntegerBlockBits(std::span<const std::uint64_t> values) { return PlanBlock(values).bits; }

Status DecodeIntegerBlock(BitReader& in, std::span<std::uint64_t> out) {
  if (out.size() > kMaxColumnValues)
    return Status::InvalidArgument("integer block: too many values requested");
  if (out.empty()) return Status::Ok();
  switch (in.ReadBits(kModeBits)) {
    case kConstant: {
      const auto width = static_cast<int>(in.ReadBits(kWidthBits));
      if (width > 64) return BlockCorruption("constant wider than 64 bits");
      std::fill(out.begin(), out.end(), ReadWithImplicitOne(in, width));
      break;
    }
    case kFixedWidth: {
      const auto width = static_cast<int>(in.ReadBits(kWidthBits));
      if (width > 64) return BlockCorruption("width over 64 bits");
      if (static_cast<std::uint64_t>(width) * out.size() > in.bits_left())
        return BlockCorruption("truncated");
      for (auto& v : out) v = in.ReadBits(width);
      break;
    }
    case kHuffman:
      MW_RETURN_IF_ERROR(ReadHuffman(in, out));
      break;
    default:
      return BlockCorruption("unknown mode");
  }
  if (in.overrun()) return BlockCorruption("truncated");
  return Status::Ok();
}

Status EncodeQuantized(std::span<const double> values, double resolution, std::vector<std::uint8_t>& out) {
  if (!(resolution > 0) || !std::isfinite(resolution)) {
    return Status::InvalidArgument("quantized codec: resolution must be finite and positive, got " +
                                   FormatDouble(resolution));
  }
  if (values.size() > kMaxColumnValues) return Status::InvalidArgument("quantized codec: too many values");
  Scale scale = ChooseScale(resolution);
  std::vector<std::int64_t> q(values.size());
  std::size_t bad = QuantizeAll(values, scale, q);
  // Values computed as q * resolution rather than parsed from decimal text may miss the divided
  // grid by an ulp and still sit exactly on the multiplied one.
  if (bad != values.size() && scale.divide) {
    const Scale multiply{false, resolution};
    if (QuantizeAll(values, multiply, q) == values.size()) {
      scale = multiply;
      bad = values.size();
    }
  }
  if (bad != values.size()) {
    return Status::OutOfRange("quantized codec: value " + FormatDouble(values[bad]) + " at index " +
                              std::to_string(bad) + " is not exactly representable at resolution " +
                              FormatDouble(resolution));
  }
  // Order 1 first so that it wins ties: it is the natural model of a sensor reading. The winner's
  // residuals and plan are kept, so nothing is computed twice.
  std::vector<std::uint64_t> residuals;
  std::vector<std::uint64_t> best;
  BlockPlan best_plan;
  int best_order = 1;
  best_plan.bits = ~std::uint64_t{0};
  for (const int order : {1, 2, 0}) {
    Residuals(q, order, residuals);
    const BlockPlan plan = PlanBlock(residuals);
    if (plan.bits < best_plan.bits) {
      best_plan = plan;
      best_order = order;
      best.swap(residuals);
    }
  }
  out.push_back(static_cast<std::uint8_t>(best_order | (scale.divide ? kDivideFlag : 0)));
  PutDouble(scale.factor, out);
  BitWriter writer(out);
  WriteBlock(best, best_plan, writer);
  writer.Finish();
  return Status::Ok();
}

Status DecodeQuantized(std::span<const std::uint8_t> column, std::size_t count, std::vector<double>& out) {
  if (count > kMaxColumnValues) return Status::InvalidArgument("quantized codec: too many values requested");
  if (column.size() < kQuantizedHeaderBytes) return QuantizedCorruption("truncated header");
  const std::uint8_t flags = column[0];
  const int order = flags & kOrderMask;
  if (order == 3 || (flags & kReservedFlags) != 0) return QuantizedCorruption("bad flags byte");
  const Scale scale{(flags & kDivideFlag) != 0, GetDouble(column.data() + 1)};
  if (!(scale.factor > 0) || !std::isfinite(scale.factor)) return QuantizedCorruption("bad scale");

  std::vector<std::uint64_t> residuals(count);
  BitReader in(column.subspan(kQuantizedHeaderBytes));
  if (Status s = DecodeIntegerBlock(in, residuals); !s.ok()) return QuantizedCorruption(s.message());
  if (!in.AtCleanEnd()) return QuantizedCorruption("bytes left after the last value");

  out.resize(count);
  std::uint64_t value = 0;
  std::uint64_t delta = 0;
  std::uint64_t base = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const auto r = static_cast<std::uint64_t>(UnZigZag(residuals[i]));
    if (order == 0) {
      value = base + r;
      if (i == 0) base = r;
    } else if (order == 1) {
      value += r;
    } else {
      delta += r;
      value += delta;
    }
    out[i] = Rebuild(static_cast<std::int64_t>(value), scale);
  }
  return Status::Ok();
}

}  // namespace mw::storage::codec
