#include "api/status_page.h"

#include <gtest/gtest.h>

#include "core/time_format.h"

namespace mw::api {
namespace {

TEST(StatusPage, EscapesEveryStringFromData) {
  StatusFigures figures;
  figures.version = "0.1.0";
  AssetView asset{"plant1/pump-<1>", "<t>", {}};
  asset.signals.push_back(
      SignalView{"<script>x</script>", "&unit\"", 1, pipeline::Point{0, 1.5, Quality::kBad}});
  std::string html = RenderStatusPage(figures, {asset}, 3 * kNanosPerSecond);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<t>"), std::string::npos);
  EXPECT_NE(html.find("plant1/pump-&lt;1&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;x&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("&amp;unit&quot;"), std::string::npos);
  EXPECT_NE(html.find("href=\"/api/v1/assets/plant1/pump-%3C1%3E\""), std::string::npos);
  EXPECT_NE(html.find(">bad<"), std::string::npos);
  EXPECT_NE(html.find("3.0 s"), std::string::npos);
}

TEST(StatusPage, ShowsDashesForASignalWithoutData) {
  AssetView asset{"plant1/pump", "pump", {SignalView{"flow", "l/min", 2, std::nullopt}}};
  std::string html = RenderStatusPage(StatusFigures{}, {asset}, 0);
  EXPECT_NE(html.find("<td class=\"num\">-</td><td>l/min</td>"), std::string::npos) << html;
}

TEST(StatusPage, RefreshesAndHasNoJavaScript) {
  std::string html = RenderStatusPage(StatusFigures{}, {}, 0);
  EXPECT_NE(html.find("<meta http-equiv=\"refresh\" content=\"2\">"), std::string::npos);
  EXPECT_NE(html.find("No assets yet."), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("javascript:"), std::string::npos);
  EXPECT_EQ(html.find("onload"), std::string::npos);
}

TEST(StatusPage, FormatsAges) {
  EXPECT_EQ(FormatAge(400 * kNanosPerMilli), "0.4 s");
  EXPECT_EQ(FormatAge(42 * kNanosPerSecond), "42 s");
  EXPECT_EQ(FormatAge(7 * 60 * kNanosPerSecond), "7 min");
  EXPECT_EQ(FormatAge(5 * 3600 * kNanosPerSecond), "5 h");
  EXPECT_EQ(FormatAge(3 * 86400 * kNanosPerSecond), "3 d");
  EXPECT_EQ(FormatAge(-1), "in the future");
}

TEST(StatusPage, HtmlEscapeCoversAttributeQuotes) {
  EXPECT_EQ(HtmlEscape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
}

}  // namespace
}  // namespace mw::api
