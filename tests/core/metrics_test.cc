#include "core/metrics.h"

#include <gtest/gtest.h>

namespace mw {
namespace {

TEST(MetricsRegistry, SameNameAndLabelsIsSameCounter) {
  MetricsRegistry r;
  Counter& a = r.GetCounter("mw_x_total", "x", {{"source", "a"}});
  a.Add(3);
  r.GetCounter("mw_x_total", "x", {{"source", "a"}}).Add(2);
  r.GetCounter("mw_x_total", "x", {{"source", "b"}}).Add(1);
  EXPECT_EQ(a.Value(), 5u);
  EXPECT_EQ(r.CounterTotal("mw_x_total"), 6u);
  EXPECT_EQ(r.CounterValue("mw_x_total", {{"source", "b"}}), 1u);
  EXPECT_EQ(r.CounterTotal("absent"), 0u);
}

TEST(MetricsRegistry, RendersPrometheusText) {
  MetricsRegistry r;
  r.GetCounter("mw_in_total", "Samples in", {{"source", "q\"1"}}).Add(7);
  r.GetGauge("mw_depth", "Depth").Set(2.5);
  auto& h = r.GetHistogram("mw_latency_seconds", "Latency", {0.1, 1.0});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(5);
  std::string text = r.RenderPrometheus();
  EXPECT_NE(text.find("# TYPE mw_in_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("mw_in_total{source=\"q\\\"1\"} 7\n"), std::string::npos);
  EXPECT_NE(text.find("mw_depth 2.5\n"), std::string::npos);
  EXPECT_NE(text.find("mw_latency_seconds_bucket{le=\"0.10000000000000001\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("mw_latency_seconds_bucket{le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("mw_latency_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("mw_latency_seconds_count 3\n"), std::string::npos);
}

TEST(MetricsRegistry, OneNameCannotHaveTwoTypes) {
  MetricsRegistry r;
  r.GetCounter("mw_a", "a");
  EXPECT_THROW(r.GetGauge("mw_a", "a"), std::logic_error);
}

}  // namespace
}  // namespace mw
