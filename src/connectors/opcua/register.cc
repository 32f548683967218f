#include "connectors/opcua/register.h"

#include <memory>

#include "connectors/opcua/opcua_server_sink.h"
#include "connectors/opcua/opcua_source.h"
#include "opcua/encoding/node_id.h"
#include "opcua/transport/tcp_socket.h"

namespace mw::connectors::opcua_source {
namespace {

using pipeline::OptionSpec;
using pipeline::OptionType;
using pipeline::OptionValue;

std::string CheckEndpoint(const OptionValue& v) {
  auto a = opcua::ParseEndpointUrl(std::get<std::string>(v));
  return a.ok() ? std::string() : a.status().message();
}

std::string CheckPolicy(const OptionValue& v) {
  return opcua::security::FindPolicy(std::get<std::string>(v))
             ? std::string()
             : "expected None, Basic256Sha256, Aes128_Sha256_RsaOaep or Aes256_Sha256_RsaPss";
}

std::string CheckMode(const OptionValue& v) {
  auto m = opcua::security::ParseSecurityMode(std::get<std::string>(v));
  return m.ok() ? std::string() : m.status().message();
}

std::string CheckNodes(const OptionValue& v) {
  const auto& nodes = std::get<pipeline::StringMap>(v);
  if (nodes.empty()) return "expected at least one node";
  for (const auto& [key, signal] : nodes) {
    if (key.empty() || signal.empty()) return "node and signal names may not be empty";
    if (key.find('=') != std::string::npos) {
      auto id = opcua::ParseNodeId(key);
      if (!id.ok()) return id.status().message();
    }
  }
  return {};
}

std::string PositiveInterval(const OptionValue& v) {
  const std::int64_t ns = std::get<std::int64_t>(v);
  return ns >= kNanosPerMilli ? std::string() : "expected at least 1ms";
}

std::vector<OptionSpec> Options() {
  using S = std::string;
  return {
      {"endpoint", OptionType::kString, std::nullopt, "server endpoint, opc.tcp://host:port[/path]",
       CheckEndpoint},
      {"security_policy", OptionType::kString, S("None"),
       "None, Basic256Sha256, Aes128_Sha256_RsaOaep or Aes256_Sha256_RsaPss", CheckPolicy},
      {"security_mode", OptionType::kString, S("None"), "None, Sign or SignAndEncrypt", CheckMode},
      {"pki_dir",
       OptionType::kString,
       S(),
       "our certificate and the trust list (trusted/certs, rejected/certs); \"\" = <server.data_dir>/pki",
       {}},
      {"trust_server",
       OptionType::kBool,
       false,
       "trust the server's certificate on first contact (otherwise it must be in trusted/certs)",
       {}},
      {"user", OptionType::kString, S(), "user name; \"\" = anonymous", {}},
      {"password", OptionType::kString, S(), "password (with user)", {}},
      {"asset", OptionType::kString, std::nullopt, "asset path the nodes' signals belong to", {}},
      {"template", OptionType::kString, S(), "template to create the asset from when it is not declared", {}},
      {"nodes", OptionType::kStringMap, std::nullopt,
       "node id (ns=2;s=Pump.Speed) or browse path under Objects (Plant/Pump*/Speed, ** = any depth) -> "
       "signal name ({name} = the node's browse name)",
       CheckNodes},
      {"mode", OptionType::kString, S("subscribe"), "subscribe or poll",
       [](const OptionValue& v) {
         return pipeline::OptionOneOf(v, {"subscribe", "poll"});
       }},
      {"interval", OptionType::kDuration, std::int64_t{kNanosPerSecond},
       "sampling and publishing interval (subscribe) or read interval (poll)", PositiveInterval},
      {"queue_size", OptionType::kInt, std::int64_t{10}, "server-side queue per monitored item", {}},
      {"deadband", OptionType::kString, S("none"), "none, absolute or percent (of the node's EURange)",
       [](const OptionValue& v) {
         return pipeline::OptionOneOf(v, {"none", "absolute", "percent"});
       }},
      {"deadband_value", OptionType::kDouble, 0.0, "deadband size, in the value's unit or in percent", {}},
      {"timestamps", OptionType::kString, S("source"), "source or server: which timestamp samples get",
       [](const OptionValue& v) {
         return pipeline::OptionOneOf(v, {"source", "server"});
       }},
      {"max_queued",
       OptionType::kInt,
       std::int64_t{1'000'000},
       "data changes held while the pipeline is slow; beyond it the oldest are dropped and counted",
       {}},
  };
}

Result<std::unique_ptr<pipeline::Plugin>> Create(const pipeline::Options& o, pipeline::PluginContext& ctx) {
  auto bad = [&](const std::string& m) {
    return Status::InvalidArgument("opcua source " + ctx.name + ": " + m);
  };
  if (!ctx.resolve_asset)
    return Status::FailedPrecondition("opcua source " + ctx.name + ": no asset resolver");
  OpcuaSourceOptions s;
  s.client.endpoint_url = o.GetString("endpoint");
  s.client.security_policy = o.GetString("security_policy");
  s.client.security_mode = *opcua::security::ParseSecurityMode(o.GetString("security_mode"));
  s.client.pki_dir =
      o.GetString("pki_dir").empty() ? ctx.config.server.data_dir + "/pki" : o.GetString("pki_dir");
  s.client.trust_unknown_server = o.GetBool("trust_server");
  s.client.application_name = "Millwright " + ctx.name;
  if (!o.GetString("user").empty()) {
    s.client.identity = opcua::IdentityKind::kUserName;
    s.client.user_name = o.GetString("user");
    s.client.password = o.GetString("password");
  }
  const auto* policy = opcua::security::FindPolicy(s.client.security_policy);
  if (policy && policy->IsNone() != (s.client.security_mode == opcua::security::MessageSecurityMode::kNone)) {
    return bad("security_policy " + s.client.security_policy + " and security_mode " +
               o.GetString("security_mode") + " do not go together (None with None only)");
  }
  for (const auto& [key, signal] : o.GetStringMap("nodes")) s.nodes.push_back({key, signal});
  s.subscribe = o.GetString("mode") == "subscribe";
  s.interval_ms = static_cast<double>(o.GetDuration("interval")) / kNanosPerMilli;
  s.queue_size = static_cast<std::uint32_t>(o.GetInt("queue_size"));
  const std::string& deadband = o.GetString("deadband");
  s.deadband_type = deadband == "absolute" ? 1 : deadband == "percent" ? 2 : 0;
  s.deadband_value = o.GetDouble("deadband_value");
  s.server_timestamps = o.GetString("timestamps") == "server";
  s.max_queued = static_cast<std::size_t>(std::max<std::int64_t>(1, o.GetInt("max_queued")));
  const std::string& discover = o.GetString("template");
  if (!discover.empty() && ctx.config.templates.count(discover) == 0) {
    return bad("template \"" + discover + "\" is not declared under [templates]");
  }
  const AssetId asset = ctx.resolve_asset(o.GetString("asset"), discover);
  if (asset == kInvalidAsset) {
    return bad("asset \"" + o.GetString("asset") + "\" is not declared (declare it, or give a template)");
  }
  return std::unique_ptr<pipeline::Plugin>(
      std::make_unique<OpcuaSource>(ctx.name, std::move(s), asset, ctx.catalog, ctx.metrics, ctx.clock));
}

std::string CheckListen(const OptionValue& v) {
  const std::string& text = std::get<std::string>(v);
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return "expected host:port, e.g. 127.0.0.1:4840";
  const std::string port = text.substr(colon + 1);
  if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) > 65535) {
    return "expected a port number 0..65535 after the colon";
  }
  return {};
}

std::string CheckUsers(const OptionValue& v) {
  for (const std::string& u : std::get<std::vector<std::string>>(v)) {
    if (u.find(':') == std::string::npos || u.front() == ':')
      return "expected name:password, not \"" + u + "\"";
  }
  return {};
}

std::vector<OptionSpec> ServerSinkOptions() {
  using S = std::string;
  return {
      {"listen", OptionType::kString, S("127.0.0.1:4840"), "address and port the OPC UA server listens on",
       CheckListen},
      {"security", OptionType::kString, S("none"),
       "none, or secure (also Basic256Sha256 and Aes256_Sha256_RsaPss, Sign and SignAndEncrypt)",
       [](const OptionValue& v) {
         return pipeline::OptionOneOf(v, {"none", "secure"});
       }},
      {"pki_dir",
       OptionType::kString,
       S(),
       "server certificate and client trust list; \"\" = <server.data_dir>/pki-server",
       {}},
      {"users", OptionType::kStringList, std::vector<std::string>{},
       "name:password logins (encrypted on the wire)", CheckUsers},
      {"anonymous",
       OptionType::kBool,
       true,
       "allow anonymous sessions (read-only: the results are not writable)",
       {}},
      {"namespace_uri",
       OptionType::kString,
       S("urn:millwright:results"),
       "namespace of the result nodes",
       {}},
  };
}

Result<std::unique_ptr<pipeline::Plugin>> CreateServerSink(const pipeline::Options& o,
                                                           pipeline::PluginContext& ctx) {
  OpcuaServerSinkOptions s;
  const std::string& listen = o.GetString("listen");
  s.server.host = listen.substr(0, listen.rfind(':'));
  s.server.port = std::stoi(listen.substr(listen.rfind(':') + 1));
  s.server.application_uri = "urn:millwright:serve:" + ctx.name;
  s.server.application_name = "Millwright " + ctx.name;
  s.server.allow_anonymous = o.GetBool("anonymous");
  for (const std::string& u : o.GetStringList("users")) {
    s.server.users[u.substr(0, u.find(':'))] = u.substr(u.find(':') + 1);
  }
  const bool secure = o.GetString("security") == "secure";
  if (secure || !s.server.users.empty()) {
    s.server.pki_dir =
        o.GetString("pki_dir").empty() ? ctx.config.server.data_dir + "/pki-server" : o.GetString("pki_dir");
  }
  if (secure) {
    using opcua::security::MessageSecurityMode;
    for (const char* policy : {"Basic256Sha256", "Aes256_Sha256_RsaPss"}) {
      for (const MessageSecurityMode mode :
           {MessageSecurityMode::kSign, MessageSecurityMode::kSignAndEncrypt}) {
        s.server.endpoints.push_back({opcua::security::FindPolicy(policy), mode});
      }
    }
  }
  s.namespace_uri = o.GetString("namespace_uri");
  return std::unique_ptr<pipeline::Plugin>(
      std::make_unique<OpcuaServerSink>(ctx.name, std::move(s), ctx.catalog, ctx.metrics));
}

}  // namespace

void RegisterOpcuaPlugins(pipeline::PluginRegistry& registry) {
  registry.Register({pipeline::PluginKind::kSource, "opcua",
                     "reads an OPC UA server's nodes by subscription or polling (our own client stack)",
                     Options(), Create});
  registry.Register(
      {pipeline::PluginKind::kSink, "opcua_server",
       "serves every series (signals, scores, health) and anomaly counts as an OPC UA address space",
       ServerSinkOptions(), CreateServerSink});
}

}  // namespace mw::connectors::opcua_source
