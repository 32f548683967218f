#include "pipeline/plugin.h"

#include <gtest/gtest.h>

namespace mw::pipeline {
namespace {

PluginRegistry MakeRegistry() {
  PluginRegistry r;
  PluginDescriptor d;
  d.kind = PluginKind::kSource;
  d.name = "fake";
  d.doc = "a source for tests";
  d.options = {
      {"host", OptionType::kString, std::string("127.0.0.1"), "broker host", {}},
      {"port", OptionType::kInt, std::int64_t{1883}, "broker port",
       [](const OptionValue& v) {
         auto p = std::get<std::int64_t>(v);
         return p >= 1 && p <= 65535 ? "" : "expected a port from 1 to 65535";
       }},
      {"topics", OptionType::kStringList, std::nullopt, "topic filters", {}},
      {"keepalive", OptionType::kDuration, std::int64_t{30} * kNanosPerSecond, "keep-alive", {}},
      {"ratio", OptionType::kDouble, 0.5, "a ratio", {}},
      {"fields", OptionType::kStringMap, StringMap{}, "renames", {}},
  };
  d.factory = [](const Options&, PluginContext&) -> Result<std::unique_ptr<Plugin>> {
    return Status::Internal("not built in this test");
  };
  r.Register(d);
  return r;
}

PluginSpec Spec(const std::string& toml_body) {
  ConfigLoad load = ParseConfig("[[sources]]\n" + toml_body, "p.toml");
  EXPECT_TRUE(load.ok());
  return load.config.sources.at(0);
}

TEST(PluginRegistry, AppliesDefaultsAndConvertsTypes) {
  auto r = MakeRegistry();
  std::vector<ConfigError> errors;
  auto o = r.Validate(PluginKind::kSource,
                      Spec("type = \"fake\"\ntopics = \"a/#\"\nkeepalive = \"250ms\"\nratio = 2\n"
                           "fields = { t = \"temperature\" }\n"),
                      errors);
  ASSERT_TRUE(o) << (errors.empty() ? "" : errors[0].ToString());
  EXPECT_EQ(o->GetString("host"), "127.0.0.1");
  EXPECT_FALSE(o->IsSet("host"));
  EXPECT_EQ(o->GetStringList("topics"), std::vector<std::string>{"a/#"});
  EXPECT_EQ(o->GetDuration("keepalive"), 250 * kNanosPerMilli);
  EXPECT_DOUBLE_EQ(o->GetDouble("ratio"), 2.0);
  EXPECT_EQ(o->GetStringMap("fields").at("t"), "temperature");
}

TEST(PluginRegistry, EveryProblemNamesFileLineAndKey) {
  auto r = MakeRegistry();
  std::vector<ConfigError> errors;
  auto o = r.Validate(PluginKind::kSource,
                      Spec("type = \"fake\"\nport = 70000\nhots = \"x\"\nkeepalive = \"5 s\"\n"), errors);
  EXPECT_FALSE(o);
  std::string all;
  for (auto& e : errors) all += e.ToString() + "\n";
  EXPECT_EQ(errors.size(), 4u) << all;
  EXPECT_NE(all.find("p.toml:3:8: sources[0].port: expected a port from 1 to 65535"), std::string::npos)
      << all;
  EXPECT_NE(
      all.find("p.toml:4:8: sources[0].hots: unknown option of source \"fake\"; expected one of host, port"),
      std::string::npos)
      << all;
  EXPECT_NE(all.find("sources[0].keepalive: bad duration '5 s'"), std::string::npos) << all;
  EXPECT_NE(all.find("sources[0].topics: missing required option"), std::string::npos) << all;
}

TEST(PluginRegistry, ARequiredOptionWithABadValueIsOneErrorNotTwo) {
  auto r = MakeRegistry();
  std::vector<ConfigError> errors;
  EXPECT_FALSE(r.Validate(PluginKind::kSource, Spec("type = \"fake\"\ntopics = 5\n"), errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].ToString().find("p.toml:3:10: sources[0].topics"), std::string::npos)
      << errors[0].ToString();
}

TEST(PluginRegistry, UnknownTypeListsKnownOnes) {
  auto r = MakeRegistry();
  std::vector<ConfigError> errors;
  EXPECT_FALSE(r.Validate(PluginKind::kSource, Spec("type = \"kafka\"\n"), errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].ToString(), "p.toml:2:8: sources[0].type: unknown source type \"kafka\"; known: fake");
}

TEST(PluginRegistry, DescribeListsOptionsWithDefaults) {
  std::string text = MakeRegistry().Describe();
  EXPECT_NE(text.find("source fake: a source for tests"), std::string::npos);
  EXPECT_NE(text.find("keepalive (duration, default \"30s\"): keep-alive"), std::string::npos) << text;
  EXPECT_NE(text.find("topics (string list, required): topic filters"), std::string::npos) << text;
}

TEST(PluginRegistry, DuplicateRegistrationThrows) {
  auto r = MakeRegistry();
  PluginDescriptor d;
  d.kind = PluginKind::kSource;
  d.name = "fake";
  EXPECT_THROW(r.Register(d), std::logic_error);
}

}  // namespace
}  // namespace mw::pipeline
