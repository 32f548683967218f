#include "connectors/sparkplug/topic.h"

#include <gtest/gtest.h>

namespace mw::connectors::sparkplug {
namespace {

TEST(SparkplugTopicTest, ParsesNodeDeviceAndStateTopics) {
  auto t = ParseTopic("spBv1.0/plant/NBIRTH/edge1");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->type, MessageType::kNBirth);
  EXPECT_EQ(t->group, "plant");
  EXPECT_EQ(t->edge, "edge1");
  EXPECT_EQ(t->device, "");

  t = ParseTopic("spBv1.0/plant/DDATA/edge1/pump 1");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->type, MessageType::kDData);
  EXPECT_EQ(t->device, "pump 1");

  t = ParseTopic("spBv1.0/STATE/scada-1");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->type, MessageType::kState);
  EXPECT_EQ(t->host, "scada-1");

  // A group may be called STATE; its messages have more levels than the host STATE topic.
  t = ParseTopic("spBv1.0/STATE/NDATA/edge1");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->group, "STATE");
}

TEST(SparkplugTopicTest, EveryMessageTypeRoundTrips) {
  for (MessageType type :
       {MessageType::kNBirth, MessageType::kNDeath, MessageType::kNData, MessageType::kNCmd}) {
    const std::string text = NodeTopic("g", type, "e");
    auto t = ParseTopic(text);
    ASSERT_TRUE(t.ok()) << text;
    EXPECT_EQ(t->type, type);
    EXPECT_FALSE(IsDeviceMessage(type));
    EXPECT_EQ(FormatTopic(*t), text);
  }
  for (MessageType type :
       {MessageType::kDBirth, MessageType::kDDeath, MessageType::kDData, MessageType::kDCmd}) {
    const std::string text = DeviceTopic("g", type, "e", "d");
    auto t = ParseTopic(text);
    ASSERT_TRUE(t.ok()) << text;
    EXPECT_EQ(t->type, type);
    EXPECT_TRUE(IsDeviceMessage(type));
    EXPECT_EQ(FormatTopic(*t), text);
  }
  EXPECT_EQ(MessageTypeName(MessageType::kDDeath), "DDEATH");
  EXPECT_EQ(FormatTopic(*ParseTopic("spBv1.0/STATE/h")), "spBv1.0/STATE/h");
}

TEST(SparkplugTopicTest, RejectsMalformedTopicsNamingWhy) {
  struct Case {
    const char* topic;
    const char* why;
  };
  const Case cases[] = {
      {"spAv1.0/g/NDATA/e", "not in the spBv1.0 namespace"},
      {"spBv1.0/g", "too few levels"},
      {"spBv1.0/g/NDATA/e/d", "NDATA takes 4 levels, found 5"},
      {"spBv1.0/g/DDATA/e", "DDATA takes 5 levels, found 4"},
      {"spBv1.0/g/DDATA/e/d/x/y", "more than 5"},
      {"spBv1.0/g/NFOO/e", "unknown message type \"NFOO\""},
      {"spBv1.0/g/STATE/e", "unknown message type \"STATE\""},
      {"spBv1.0//NDATA/e", "group id is empty"},
      {"spBv1.0/g/NDATA/", "edge node id is empty"},
      {"spBv1.0/g/DDATA/e/", "device id is empty"},
      {"spBv1.0/g+/NDATA/e", "group id may not contain '+'"},
      {"spBv1.0/STATE/", "host id is empty"},
      {"STATE/host", "not in the spBv1.0 namespace"},
  };
  for (const auto& c : cases) {
    auto t = ParseTopic(c.topic);
    ASSERT_FALSE(t.ok()) << c.topic;
    EXPECT_NE(t.status().message().find(c.why), std::string::npos) << t.status().message();
    EXPECT_NE(t.status().message().find(c.topic), std::string::npos) << t.status().message();
  }
}

TEST(SparkplugTopicTest, AssetPatterns) {
  EXPECT_TRUE(CheckAssetPattern("{group}/{edge}/{device}", true).ok());
  EXPECT_TRUE(CheckAssetPattern("site1/{edge}", false).ok());
  EXPECT_FALSE(CheckAssetPattern("{group}/{device}", false).ok());
  EXPECT_FALSE(CheckAssetPattern("{group}/{node}", true).ok());
  EXPECT_FALSE(CheckAssetPattern("{group", true).ok());
  EXPECT_FALSE(CheckAssetPattern("group}", true).ok());
  EXPECT_FALSE(CheckAssetPattern("", true).ok());
  EXPECT_EQ(ExpandAssetPattern("site/{group}/{edge}/{device}", "g", "e", "d"), "site/g/e/d");
  EXPECT_EQ(ExpandAssetPattern("{edge}-{edge}", "g", "e", ""), "e-e");
  EXPECT_EQ(CheckId("a#b"), "may not contain '#'");
  EXPECT_EQ(CheckId("ok"), "");
}

}  // namespace
}  // namespace mw::connectors::sparkplug
