#include "storage/historian/wal_records.h"

#include <bit>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

namespace mw::storage::historian {
namespace {

// Records hold raw columns written straight from memory, which is little-endian everywhere we
// build; a big-endian port would byte-swap here.
static_assert(std::endian::native == std::endian::little);

template <typename T>
void Put(std::vector<std::uint8_t>& out, T v) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(&v);
  out.insert(out.end(), p, p + sizeof(T));
}

void PutString(std::vector<std::uint8_t>& out, std::string_view s) {
  if (s.size() > kMaxRecordString) s = s.substr(0, kMaxRecordString);
  Put<std::uint16_t>(out, static_cast<std::uint16_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

// Bounds-checked little-endian reader over one payload.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  template <typename T>
  bool Get(T& v) {
    if (bytes_.size() - pos_ < sizeof(T)) return false;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool GetString(std::string& s) {
    std::uint16_t n = 0;
    if (!Get(n) || n > kMaxRecordString || bytes_.size() - pos_ < n) return false;
    s.assign(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
    pos_ += n;
    return true;
  }
  template <typename T>
  bool GetArray(std::size_t n, std::vector<T>& out) {
    if ((bytes_.size() - pos_) / sizeof(T) < n) return false;
    out.resize(n);
    if (n > 0) std::memcpy(out.data(), bytes_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
    return true;
  }
  std::size_t remaining() const { return bytes_.size() - pos_; }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

Status Bad(std::string_view what, std::string_view why) {
  return Status::Corruption(fmt::format("historian WAL {} record: {}", what, why));
}

}  // namespace

void EncodeSeriesDef(const SeriesDef& def, std::vector<std::uint8_t>& out) {
  Put<std::uint32_t>(out, def.stored_id);
  Put<std::uint8_t>(out, static_cast<std::uint8_t>(def.kind));
  PutString(out, def.asset);
  PutString(out, def.signal);
  PutString(out, def.unit);
}

Result<SeriesDef> DecodeSeriesDef(std::span<const std::uint8_t> payload) {
  Reader r(payload);
  SeriesDef def;
  std::uint8_t kind = 0;
  if (!r.Get(def.stored_id) || !r.Get(kind) || !r.GetString(def.asset) || !r.GetString(def.signal) ||
      !r.GetString(def.unit)) {
    return Bad("series", "truncated");
  }
  if (kind > static_cast<std::uint8_t>(SeriesKind::kFrame)) return Bad("series", "unknown series kind");
  if (r.remaining() != 0) return Bad("series", "trailing bytes");
  if (def.asset.empty() || def.signal.empty()) return Bad("series", "empty asset or signal name");
  def.kind = static_cast<SeriesKind>(kind);
  return def;
}

std::array<std::uint8_t, 4> SamplesHeader(std::uint32_t n) {
  std::array<std::uint8_t, 4> h{};
  std::memcpy(h.data(), &n, sizeof(n));
  return h;
}

Status DecodeSamples(std::span<const std::uint8_t> payload, SamplesRecord& out) {
  Reader r(payload);
  std::uint32_t n = 0;
  if (!r.Get(n)) return Bad("samples", "truncated count");
  constexpr std::size_t kPerSample = sizeof(std::uint32_t) + sizeof(Timestamp) + sizeof(double) + 1;
  if (r.remaining() != std::size_t{n} * kPerSample) {
    return Bad("samples",
               fmt::format("{} samples need {} bytes, the record has {}", n, n * kPerSample, r.remaining()));
  }
  std::vector<std::uint8_t> qualities;
  if (!r.GetArray(n, out.series) || !r.GetArray(n, out.times) || !r.GetArray(n, out.values) ||
      !r.GetArray(n, qualities)) {
    return Bad("samples", "truncated column");
  }
  out.qualities.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (qualities[i] > static_cast<std::uint8_t>(Quality::kBad)) return Bad("samples", "unknown quality");
    out.qualities[i] = static_cast<Quality>(qualities[i]);
  }
  return Status::Ok();
}

void EncodeEvents(std::span<const Event> events, std::span<const std::uint32_t> stored_ids,
                  std::vector<std::uint8_t>& out) {
  Put<std::uint32_t>(out, static_cast<std::uint32_t>(events.size()));
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    Put<std::uint8_t>(out, static_cast<std::uint8_t>(e.kind));
    Put<Timestamp>(out, e.time);
    Put<std::uint32_t>(out, stored_ids[i]);
    Put<double>(out, e.value);
    Put<double>(out, e.score);
    PutString(out, e.source);
    PutString(out, e.message);
  }
}

Status DecodeEvents(std::span<const std::uint8_t> payload, std::vector<Event>& out) {
  Reader r(payload);
  std::uint32_t n = 0;
  if (!r.Get(n)) return Bad("events", "truncated count");
  // Each event takes at least 33 bytes: bound the count before reserving.
  if (n > r.remaining() / 33) return Bad("events", fmt::format("{} events cannot fit in the record", n));
  out.reserve(out.size() + n);
  for (std::uint32_t i = 0; i < n; ++i) {
    Event e;
    std::uint8_t kind = 0;
    std::uint32_t series = 0;
    if (!r.Get(kind) || !r.Get(e.time) || !r.Get(series) || !r.Get(e.value) || !r.Get(e.score) ||
        !r.GetString(e.source) || !r.GetString(e.message)) {
      return Bad("events", fmt::format("event {} truncated", i));
    }
    if (kind > static_cast<std::uint8_t>(EventKind::kModel)) return Bad("events", "unknown event kind");
    e.kind = static_cast<EventKind>(kind);
    e.series = series;
    out.push_back(std::move(e));
  }
  if (r.remaining() != 0) return Bad("events", "trailing bytes");
  return Status::Ok();
}

void EncodeFrame(std::uint32_t stored_id, Timestamp time, codec::FrameShape shape,
                 std::span<const float> elements, std::vector<std::uint8_t>& out) {
  Put<std::uint32_t>(out, stored_id);
  Put<Timestamp>(out, time);
  Put<std::uint32_t>(out, shape.rows);
  Put<std::uint32_t>(out, shape.cols);
  const auto* p = reinterpret_cast<const std::uint8_t*>(elements.data());
  out.insert(out.end(), p, p + elements.size_bytes());
}

Result<FrameRecord> DecodeFrame(std::span<const std::uint8_t> payload) {
  Reader r(payload);
  FrameRecord f;
  if (!r.Get(f.stored_id) || !r.Get(f.time) || !r.Get(f.shape.rows) || !r.Get(f.shape.cols)) {
    return Bad("frame", "truncated header");
  }
  if (f.shape.rows == 0 || f.shape.cols == 0 || f.shape.elements() > codec::kMaxFrameElements) {
    return Bad("frame", fmt::format("bad shape {}x{}", f.shape.rows, f.shape.cols));
  }
  if (r.remaining() != f.shape.elements() * sizeof(float)) return Bad("frame", "size does not match shape");
  if (!r.GetArray(f.shape.elements(), f.elements)) return Bad("frame", "truncated elements");
  return f;
}

}  // namespace mw::storage::historian
