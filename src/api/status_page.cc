#include "api/status_page.h"

#include <cinttypes>
#include <cstdio>

#include "api/http_server.h"
#include "core/time_format.h"

namespace mw::api {
namespace {

constexpr std::string_view kStyle =
    "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}"
    "table{border-collapse:collapse;margin-bottom:1em}"
    "th,td{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:left}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}"
    "h2{font-size:1.1em;margin-bottom:.3em}small{color:#666;font-weight:normal}"
    ".bad{color:#b00}.uncertain{color:#a60}";

std::string FormatNumber(double value, const char* format) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

void AppendFigure(std::string& out, std::string_view label, const std::string& value) {
  out += "<tr><th>";
  out += label;
  out += "</th><td class=\"num\">";
  out += HtmlEscape(value);
  out += "</td></tr>\n";
}

void AppendFigures(std::string& out, const StatusFigures& f) {
  out += "<table class=\"figures\">\n";
  AppendFigure(out, "Version", f.version);
  AppendFigure(out, "Started", FormatRfc3339(f.started_at));
  AppendFigure(out, "Uptime", FormatAge(static_cast<std::int64_t>(f.uptime_s * 1e9)));
  AppendFigure(out, "Assets", std::to_string(f.assets));
  AppendFigure(out, "Series", std::to_string(f.series));
  AppendFigure(out, "Samples ingested", std::to_string(f.samples_ingested));
  AppendFigure(out, "Samples processed", std::to_string(f.samples_processed));
  AppendFigure(out, "Ingest rate", FormatNumber(f.ingest_rate, "%.1f") + " samples/s");
  AppendFigure(out, "Anomalies", std::to_string(f.anomalies));
  AppendFigure(out, "Decode errors", std::to_string(f.decode_errors));
  out += "</table>\n";
}

void AppendLinks(std::string& out) {
  out +=
      "<p>JSON: <a href=\"/api/v1/status\">status</a> · <a href=\"/api/v1/assets\">assets</a> · "
      "<a href=\"/api/v1/events\">events</a> · <a href=\"/metrics\">metrics</a> · "
      "<a href=\"/healthz\">healthz</a></p>\n";
}

void AppendSignal(std::string& out, const std::string& asset_path, const SignalView& signal, Timestamp now) {
  std::string series_href =
      "/api/v1/series?asset=" + UrlEncode(asset_path, false) + "&signal=" + UrlEncode(signal.name, false);
  out += "<tr><td><a href=\"" + HtmlEscape(series_href) + "\">" + HtmlEscape(signal.name) + "</a></td>";
  if (signal.latest) {
    std::string_view quality = QualityName(signal.latest->quality);
    out += "<td class=\"num\">" + HtmlEscape(FormatNumber(signal.latest->value, "%.6g")) + "</td>";
    out += "<td>" + HtmlEscape(signal.unit) + "</td>";
    out += "<td class=\"num\">" + HtmlEscape(FormatAge(now - signal.latest->time)) + "</td>";
    out += "<td class=\"" + std::string(quality) + "\">" + std::string(quality) + "</td>";
  } else {
    out +=
        "<td class=\"num\">-</td><td>" + HtmlEscape(signal.unit) + "</td><td class=\"num\">-</td><td>-</td>";
  }
  out += "</tr>\n";
}

void AppendAsset(std::string& out, const AssetView& asset, Timestamp now) {
  std::string asset_href = "/api/v1/assets/" + UrlEncode(asset.path, true);
  out += "<h2><a href=\"" + HtmlEscape(asset_href) + "\">" + HtmlEscape(asset.path) + "</a>";
  if (!asset.template_name.empty()) out += " <small>" + HtmlEscape(asset.template_name) + "</small>";
  out += "</h2>\n";
  if (asset.signals.empty()) {
    out += "<p>No signals yet.</p>\n";
    return;
  }
  out += "<table>\n<tr><th>Signal</th><th>Value</th><th>Unit</th><th>Age</th><th>Quality</th></tr>\n";
  for (const SignalView& signal : asset.signals) AppendSignal(out, asset.path, signal, now);
  out += "</table>\n";
}

}  // namespace

std::string RenderStatusPage(const StatusFigures& figures, const std::vector<AssetView>& assets,
                             Timestamp now) {
  std::string out;
  out.reserve(4096 + assets.size() * 1024);
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"refresh\" content=\"2\">\n<title>Millwright</title>\n<style>";
  out += kStyle;
  out += "</style>\n</head>\n<body>\n<h1>Millwright</h1>\n";
  AppendFigures(out, figures);
  AppendLinks(out);
  if (assets.empty()) out += "<p>No assets yet.</p>\n";
  for (const AssetView& asset : assets) AppendAsset(out, asset, now);
  out += "</body>\n</html>\n";
  return out;
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string FormatAge(std::int64_t age_ns) {
  if (age_ns < 0) return "in the future";
  double seconds = static_cast<double>(age_ns) / static_cast<double>(kNanosPerSecond);
  if (seconds < 10) return FormatNumber(seconds, "%.1f s");
  if (seconds < 120) return FormatNumber(seconds, "%.0f s");
  if (seconds < 2 * 3600) return FormatNumber(seconds / 60, "%.0f min");
  if (seconds < 2 * 86400) return FormatNumber(seconds / 3600, "%.0f h");
  return FormatNumber(seconds / 86400, "%.0f d");
}

std::string_view QualityName(Quality quality) {
  switch (quality) {
    case Quality::kGood:
      return "good";
    case Quality::kUncertain:
      return "uncertain";
    case Quality::kBad:
      return "bad";
  }
  return "bad";
}

}  // namespace mw::api
