#include "app/export.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "api/status_page.h"
#include "core/time_format.h"

namespace mw::app {
namespace {

// Line protocol escapes: commas, spaces and equals signs in tag values and measurement names.
std::string EscapeLine(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == ',' || c == ' ' || c == '=') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// CSV quoting for paths and names that contain a comma or a quote.
std::string Csv(std::string_view s) {
  if (s.find_first_of(",\"\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

void Write(const SeriesInfo& info, const pipeline::Point& p, ExportFormat format, std::ostream& out) {
  const std::string value = std::isfinite(p.value) ? fmt::format("{}", p.value) : "";
  if (format == ExportFormat::kCsv) {
    out << Csv(info.asset_path) << ',' << Csv(info.signal) << ',' << FormatRfc3339(p.time) << ',' << p.time
        << ',' << value << ',' << api::QualityName(p.quality) << '\n';
    return;
  }
  if (value.empty()) return;  // line protocol has no NaN or infinity
  out << EscapeLine(info.signal) << ",asset=" << EscapeLine(info.asset_path) << " value=" << value;
  if (p.quality != Quality::kGood) out << ",quality=\"" << api::QualityName(p.quality) << '"';
  out << ' ' << p.time << '\n';
}

}  // namespace

bool Selected(const std::string& path, const std::vector<std::string>& assets) {
  if (assets.empty()) return true;
  return std::any_of(assets.begin(), assets.end(), [&](const std::string& a) {
    return path == a || (path.starts_with(a) && (a.ends_with('/') || path[a.size()] == '/'));
  });
}

Status ForEachRange(const pipeline::SeriesStore& store, SeriesId id, Timestamp from, Timestamp to,
                    const std::function<void(const std::vector<pipeline::Point>&)>& each) {
  std::vector<pipeline::Point> points;
  // Windows of one day, halved while a window holds more than the store returns at once.
  Timestamp window = 86400 * kNanosPerSecond;
  for (Timestamp start = from; start <= to;) {
    const Timestamp end = (to - start < window) ? to : start + window - 1;
    Status s = store.Range(id, start, end, std::numeric_limits<std::size_t>::max(), points);
    if (s.code() == StatusCode::kResourceExhausted && window > 1) {
      window /= 2;
      continue;
    }
    if (!s.ok()) return s;
    each(points);
    if (end == to) break;
    start = end + 1;
  }
  return Status::Ok();
}

Result<std::uint64_t> ExportSamples(const storage::Historian& historian, const Catalog& catalog,
                                    const ExportRequest& request, std::ostream& out) {
  if (request.to < request.from) return Status::InvalidArgument("--to is before --from");
  if (request.format == ExportFormat::kCsv) out << "asset,signal,time,time_ns,value,quality\n";
  std::uint64_t written = 0;
  std::vector<AssetInfo> assets = catalog.Assets();
  std::sort(assets.begin(), assets.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  for (const AssetInfo& asset : assets) {
    if (!Selected(asset.path, request.assets)) continue;
    for (SeriesId id : asset.series) {
      auto info = catalog.Series(id);
      if (!info) continue;
      const Status s = ForEachRange(historian, id, request.from, request.to, [&](const auto& points) {
        for (const auto& p : points) Write(*info, p, request.format, out);
        written += points.size();
      });
      if (!s.ok())
        return Status(s.code(), fmt::format("{}/{}: {}", info->asset_path, info->signal, s.message()));
    }
  }
  out.flush();
  if (!out) return Status::IoError("writing the export failed (disk full or closed pipe?)");
  return written;
}

}  // namespace mw::app
