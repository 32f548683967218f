#include "storage/historian/rollup.h"

#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "storage/codec/chunk.h"
#include "storage/codec/crc32c.h"
#include "storage/codec/gorilla_codec.h"
#include "storage/codec/timestamp_codec.h"

namespace mw::storage::historian {
namespace {

constexpr std::uint8_t kMagic[4] = {'M', 'W', 'R', 'U'};
constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kColumns = 7;

void PutU32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint32_t GetU32(const std::uint8_t* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(p[i]) << (8 * i);
  return v;
}

Status AppendColumn(std::vector<std::uint8_t>& out, const std::vector<std::uint8_t>& column) {
  PutU32(out, static_cast<std::uint32_t>(column.size()));
  out.insert(out.end(), column.begin(), column.end());
  return Status::Ok();
}

}  // namespace

void RollUp(std::span<const Timestamp> times, std::span<const double> values, Timestamp level_ns,
            std::vector<Bucket>& out) {
  out.clear();
  for (std::size_t i = 0; i < times.size(); ++i) {
    Timestamp start = times[i] / level_ns * level_ns;
    if (times[i] < 0 && times[i] % level_ns != 0) start -= level_ns;
    double v = values[i];
    if (out.empty() || out.back().start != start) {
      Bucket b;
      b.start = start;
      b.first = v;
      b.min = std::numeric_limits<double>::quiet_NaN();
      b.max = b.min;
      out.push_back(b);
    }
    Bucket& b = out.back();
    b.count++;
    b.last = v;
    if (std::isnan(v)) continue;
    if (std::isnan(b.min)) {
      b.min = v;
      b.max = v;
    } else {
      b.min = std::min(b.min, v);
      b.max = std::max(b.max, v);
    }
    b.sum += v;
  }
}

Result<std::vector<std::uint8_t>> EncodeRollup(std::span<const Bucket> buckets) {
  if (buckets.empty() || buckets.size() > codec::kMaxChunkSamples) {
    return Status::InvalidArgument(
        fmt::format("a rollup holds 1 to {} buckets, not {}", codec::kMaxChunkSamples, buckets.size()));
  }
  const std::size_t n = buckets.size();
  std::vector<Timestamp> starts(n), counts(n);
  std::vector<double> fields[5];
  for (auto& f : fields) f.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && buckets[i].start <= buckets[i - 1].start) {
      return Status::InvalidArgument("rollup buckets must be in increasing time order");
    }
    starts[i] = buckets[i].start;
    counts[i] = static_cast<Timestamp>(buckets[i].count);
    fields[0][i] = buckets[i].min;
    fields[1][i] = buckets[i].max;
    fields[2][i] = buckets[i].sum;
    fields[3][i] = buckets[i].first;
    fields[4][i] = buckets[i].last;
  }
  std::vector<std::uint8_t> out(kMagic, kMagic + 4);
  out.push_back(kVersion);
  PutU32(out, static_cast<std::uint32_t>(n));
  std::vector<std::uint8_t> column;
  MW_RETURN_IF_ERROR(codec::EncodeTimestamps(starts, column));
  MW_RETURN_IF_ERROR(AppendColumn(out, column));
  column.clear();
  // Counts are integers that rarely change from bucket to bucket: the delta-of-delta integer
  // coder stores a steady count in about a bit per bucket.
  MW_RETURN_IF_ERROR(codec::EncodeTimestamps(counts, column));
  MW_RETURN_IF_ERROR(AppendColumn(out, column));
  for (const auto& f : fields) {
    column.clear();
    MW_RETURN_IF_ERROR(codec::EncodeGorilla(f, column));
    MW_RETURN_IF_ERROR(AppendColumn(out, column));
  }
  PutU32(out, codec::Crc32c(out));
  return out;
}

Status DecodeRollup(std::span<const std::uint8_t> bytes, std::string_view label, std::vector<Bucket>& out) {
  auto bad = [&](std::string_view why) {
    return Status::Corruption(fmt::format("rollup of {}: {} ({} bytes)", label, why, bytes.size()));
  };
  if (bytes.size() < 4 + 1 + 4 + kColumns * 4 + 4) return bad("too short");
  std::size_t body = bytes.size() - 4;
  if (codec::Crc32c(bytes.first(body)) != GetU32(bytes.data() + body)) return bad("checksum mismatch");
  if (std::memcmp(bytes.data(), kMagic, 4) != 0) return bad("bad magic");
  if (bytes[4] != kVersion) return bad(fmt::format("unknown version {}", bytes[4]));
  std::uint32_t n = GetU32(bytes.data() + 5);
  if (n == 0 || n > codec::kMaxChunkSamples) return bad(fmt::format("bad bucket count {}", n));
  std::size_t pos = 9;
  std::span<const std::uint8_t> columns[kColumns];
  for (auto& c : columns) {
    if (body - pos < 4) return bad("truncated column length");
    std::uint32_t len = GetU32(bytes.data() + pos);
    pos += 4;
    if (body - pos < len) return bad("column longer than the blob");
    c = bytes.subspan(pos, len);
    pos += len;
  }
  if (pos != body) return bad("trailing bytes");
  std::vector<Timestamp> starts, counts;
  std::vector<double> fields[5];
  Status s = codec::DecodeTimestamps(columns[0], n, starts);
  if (s.ok()) s = codec::DecodeTimestamps(columns[1], n, counts);
  for (std::size_t i = 0; i < 5 && s.ok(); ++i) s = codec::DecodeGorilla(columns[2 + i], n, fields[i]);
  if (!s.ok()) return bad(s.message());
  out.clear();
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (counts[i] <= 0 || (i > 0 && starts[i] <= starts[i - 1])) return bad("bucket out of order or empty");
    out.push_back(Bucket{starts[i], static_cast<std::uint64_t>(counts[i]), fields[0][i], fields[1][i],
                         fields[2][i], fields[3][i], fields[4][i]});
  }
  return Status::Ok();
}

}  // namespace mw::storage::historian
