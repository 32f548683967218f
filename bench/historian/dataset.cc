#include "dataset.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

namespace mw::bench::historian {
namespace {

constexpr std::array<const char*, 5> kSignals = {"temperature", "vibration", "rpm", "current", "pressure"};
constexpr int kMachinesPerLine = 20;
constexpr int kStepRange = 10;  // walk steps uniform in -0.10 .. +0.10

std::string TwoDigits(int n) { return n < 10 ? "0" + std::to_string(n) : std::to_string(n); }

SeriesName PlantName(int i) {
  const int signals = static_cast<int>(kSignals.size());
  const int line = i / (signals * kMachinesPerLine) + 1;
  const int machine = (i / signals) % kMachinesPerLine + 1;
  return {"plant/line-" + std::to_string(line) + "/machine-" + TwoDigits(machine),
          kSignals[static_cast<std::size_t>(i % signals)]};
}

class ValueSource {
 public:
  ValueSource(const DatasetOptions& o, std::uint64_t seed, std::size_t streams)
      : set_(o.set), entropy_(o.entropy), rng_(seed), walk_(streams) {
    for (auto& q : walk_) q = 1000 + static_cast<std::int64_t>(rng_() % 4000);  // 10.00 .. 49.99
  }
  double Next(std::size_t stream) {
    if (set_ == ValueSet::kWalk) {
      walk_[stream] += static_cast<std::int64_t>(rng_() % (2 * kStepRange + 1)) - kStepRange;
      // Integer hundredths divided by 100: the division is correctly rounded, so this is the double
      // nearest to k/100, the value decimal text with two decimals parses to.
      return static_cast<double>(walk_[stream]) / 100.0;
    }
    if (entropy_ == EntropyKind::kBits) {
      for (;;) {
        std::uint64_t bits = rng_();
        if (((bits >> 52) & 0x7ff) != 0x7ff) return std::bit_cast<double>(bits);  // finite
      }
    }
    const std::uint64_t r = rng_();
    const std::uint64_t sign = r >> 63;
    const std::uint64_t exponent = 1023 + (r >> 59 & 0xf) % 10;  // 2^0 .. 2^9
    const std::uint64_t mantissa = rng_() & ((std::uint64_t{1} << 52) - 1);
    return std::bit_cast<double>(sign << 63 | exponent << 52 | mantissa);
  }

 private:
  ValueSet set_;
  EntropyKind entropy_;
  std::mt19937_64 rng_;
  std::vector<std::int64_t> walk_;
};

// Appends one line of line protocol: `<prefix><value> <time ns>\n`.
void AppendLine(std::string& out, const std::string& prefix, double v, Timestamp t, ValueSet set) {
  char buf[64];
  auto r = set == ValueSet::kWalk ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 2)
                                  : std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 17);
  out += prefix;
  out.append(buf, r.ptr);
  out += ' ';
  r = std::to_chars(buf, buf + sizeof buf, t);
  out.append(buf, r.ptr);
  out += '\n';
}

std::string Prefix(const std::string& measurement, const SeriesName& n) {
  return measurement + ",asset=" + n.asset + ",signal=" + n.signal + " value=";
}

}  // namespace

std::size_t Dataset::raw_points() const { return std::min(kRawReadPoints, history_values.size()); }

Timestamp EndTime(int days_one_series) {
  const Timestamp step = static_cast<Timestamp>(std::max(1, days_one_series)) * 86400 * kSecond / kBuckets;
  const Timestamp align = std::max<Timestamp>(kSecond, std::lcm(step, 3600 * kSecond));
  const Timestamp now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  return (now - 3 * 3600 * kSecond) / align * align;
}

Dataset MakeDataset(const DatasetOptions& o, Timestamp end) {
  Dataset d;
  d.set_name = o.set == ValueSet::kWalk ? "walk" : "entropy";
  d.resolution = o.set == ValueSet::kWalk ? 0.01 : 0.0;
  d.end = end;
  for (int i = 0; i < o.series; ++i) {
    d.names.push_back(PlantName(i));
    d.index_by_path.emplace(d.names.back().path(), static_cast<std::size_t>(i));
  }
  d.plant_seconds = std::max<std::int64_t>(1, std::llround(o.hours * 3600));
  d.plant_start = end - d.plant_seconds * kSecond;
  d.history_name = {"plant/line-0/machine-00", "vibration"};
  d.history_seconds = static_cast<std::int64_t>(std::max(1, o.days_one_series)) * 86400;
  d.history_start = end - d.history_seconds * kSecond;
  d.bucket_step = (end - d.history_start) / static_cast<Timestamp>(kBuckets);

  const std::size_t n = d.series();
  ValueSource plant(o, o.seed, n);
  d.plant_values.resize(static_cast<std::size_t>(d.plant_seconds) * n);
  for (std::size_t i = 0; i < d.plant_values.size(); ++i) d.plant_values[i] = plant.Next(i % n);
  ValueSource history(o, o.seed + 1, 1);
  d.history_values.resize(static_cast<std::size_t>(d.history_seconds));
  for (auto& v : d.history_values) v = history.Next(0);

  if (!o.line_protocol) return d;
  const ValueSet set = o.set;
  std::vector<std::string> prefixes;
  for (const auto& name : d.names) prefixes.push_back(Prefix("plant", name));
  auto build = [](std::size_t count, auto&& line, std::vector<std::string>& bodies) {
    std::string body;
    for (std::size_t i = 0; i < count; ++i) {
      if (body.empty()) body.reserve(kBatchPoints * 96);
      line(body, i);
      if ((i + 1) % kBatchPoints == 0 || i + 1 == count) {
        bodies.push_back(std::move(body));
        body = {};
      }
    }
  };
  build(
      d.plant_values.size(),
      [&](std::string& body, std::size_t i) {
        const Timestamp t = d.plant_start + static_cast<Timestamp>(i / n) * kSecond;
        AppendLine(body, prefixes[i % n], d.plant_values[i], t, set);
      },
      d.plant_bodies);
  const std::string history_prefix = Prefix("history", d.history_name);
  build(
      d.history_values.size(),
      [&](std::string& body, std::size_t i) {
        AppendLine(body, history_prefix, d.history_values[i],
                   d.history_start + static_cast<Timestamp>(i) * kSecond, set);
      },
      d.history_bodies);
  return d;
}

std::vector<ExpectedBucket> ExpectedBuckets(const Dataset& d) {
  std::vector<ExpectedBucket> out;
  for (std::size_t i = 0; i < d.history_values.size(); ++i) {
    const double v = d.history_values[i];
    const auto bucket = static_cast<std::size_t>(static_cast<Timestamp>(i) * kSecond / d.bucket_step);
    if (bucket >= out.size()) {
      out.push_back({d.history_start + static_cast<Timestamp>(bucket) * d.bucket_step, 0, v, v, 0});
    }
    auto& b = out.back();
    b.count++;
    b.min = std::min(b.min, v);
    b.max = std::max(b.max, v);
    b.sum += v;
  }
  return out;
}

}  // namespace mw::bench::historian
