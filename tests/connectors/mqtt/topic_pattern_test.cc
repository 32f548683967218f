#include "connectors/mqtt/topic_pattern.h"

#include <gtest/gtest.h>

namespace mw::connectors::mqtt {
namespace {

std::string Expand(const std::string& pattern, const std::string& topic) {
  auto p = TopicPattern::Parse(pattern);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  std::string out;
  Status s = p->Expand(topic, out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST(MqttTopicPattern, ExtractsLevels) {
  EXPECT_EQ(Expand("plant1/{1}/{2}", "plant/line2/pump-07/telemetry"), "plant1/line2/pump-07");
  EXPECT_EQ(Expand("{2}", "a/b/c"), "c");
  EXPECT_EQ(Expand("{0}-{0}/x{1}y", "a/b"), "a-a/xby");
  EXPECT_EQ(Expand("site/fixed", "anything/at/all"), "site/fixed");
}

TEST(MqttTopicPattern, DefaultJoinsAllLevelsButTheLast) {
  EXPECT_EQ(Expand("", "plant/line2/pump-07/telemetry"), "plant/line2/pump-07");
  EXPECT_EQ(Expand("", "pump/data"), "pump");
  TopicPattern p;
  std::string out;
  EXPECT_TRUE(p.Expand("a/b", out).ok());
  EXPECT_EQ(out, "a");
}

TEST(MqttTopicPattern, DefaultRejectsTopicWithoutAssetLevels) {
  TopicPattern p;
  std::string out;
  Status s = p.Expand("telemetry", out);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("\"telemetry\""), std::string::npos) << s.message();
  EXPECT_FALSE(p.Expand("/telemetry", out).ok());
  EXPECT_FALSE(p.Expand("a//b/telemetry", out).ok());
}

TEST(MqttTopicPattern, LevelOutOfRangeNamesTopicAndLevel) {
  auto p = TopicPattern::Parse("plant1/{1}/{3}");
  ASSERT_TRUE(p.ok());
  std::string out;
  Status s = p->Expand("plant/line2/pump-07", out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("plant/line2/pump-07"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("{3}"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("3 levels"), std::string::npos) << s.message();
}

TEST(MqttTopicPattern, EmptyLevelIsAnError) {
  auto p = TopicPattern::Parse("{0}/{1}");
  ASSERT_TRUE(p.ok());
  std::string out;
  Status s = p->Expand("a//c", out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("{1}"), std::string::npos) << s.message();
}

TEST(MqttTopicPattern, ParseErrorsNameTheOffset) {
  for (const char* bad : {"plant/{1", "plant/1}", "{x}", "{}", "{-1}", "{100}"}) {
    auto p = TopicPattern::Parse(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_NE(p.status().message().find("byte"), std::string::npos) << p.status().message();
  }
}

TEST(MqttTopicPattern, ReusesOutputAndReplacesIt) {
  auto p = TopicPattern::Parse("{0}/{1}");
  ASSERT_TRUE(p.ok());
  std::string out = "stale content";
  ASSERT_TRUE(p->Expand("a/b/c", out).ok());
  EXPECT_EQ(out, "a/b");
  EXPECT_EQ(p->text(), "{0}/{1}");
}

}  // namespace
}  // namespace mw::connectors::mqtt
