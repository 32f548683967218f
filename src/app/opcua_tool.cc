#include "app/opcua_tool.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "app/platform.h"
#include "core/time_format.h"
#include "opcua/client/client.h"
#include "opcua/client/value_text.h"
#include "opcua/encoding/datetime.h"
#include "opcua/encoding/node_id.h"
#include "opcua/encoding/status_code_names.h"

namespace mw::app {
namespace {

using opcua::Client;
using opcua::NodeId;

std::string DefaultPki() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
    return std::string(xdg) + "/millwright/pki";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.local/share/millwright/pki";
  return "pki";
}

int Fail(const std::string& message) {
  std::cerr << "millwright opcua: " << message << "\n";
  return 1;
}

Result<std::unique_ptr<Client>> Connect(const OpcuaToolArgs& args) {
  opcua::ClientOptions options;
  options.endpoint_url = args.endpoint;
  options.security_policy = args.policy;
  Result<opcua::security::MessageSecurityMode> mode = opcua::security::ParseSecurityMode(args.mode);
  if (!mode.ok()) return mode.status();
  options.security_mode = *mode;
  options.pki_dir = args.pki.empty() ? DefaultPki() : args.pki;
  options.trust_unknown_server = args.trust_server;
  options.application_name = "Millwright opcua tool";
  if (!args.user.empty()) {
    options.identity = opcua::IdentityKind::kUserName;
    options.user_name = args.user;
    options.password = args.password;
  }
  return Client::Connect(std::move(options));
}

Result<std::vector<NodeId>> ParseNodes(const std::vector<std::string>& texts) {
  std::vector<NodeId> nodes;
  for (const std::string& text : texts) {
    Result<NodeId> id = opcua::ParseNodeId(text);
    if (!id.ok()) return id.status();
    nodes.push_back(*id);
  }
  return nodes;
}

// The value as text, with server-defined structures decoded into fields.
std::string ValueText(Client& client, const opcua::Variant& v) {
  if (!v.is_array && v.values.size() == 1) {
    if (const auto* object = std::get_if<opcua::ExtensionObject>(&v.values[0])) {
      Result<opcua::StructuredValue> s = client.DecodeStructure(*object);
      if (s.ok()) return opcua::StructuredToText(*s);
    }
  }
  return opcua::VariantToText(v);
}

nlohmann::json ValueJson(Client& client, const opcua::Variant& v) {
  if (!v.is_array && v.values.size() == 1) {
    if (const auto* object = std::get_if<opcua::ExtensionObject>(&v.values[0])) {
      Result<opcua::StructuredValue> s = client.DecodeStructure(*object);
      if (s.ok()) return opcua::StructuredToJson(*s);
    }
  }
  return opcua::VariantToJson(v);
}

std::string_view NodeClassName(opcua::NodeClass c) {
  switch (static_cast<std::uint32_t>(c)) {
    case 1:
      return "Object";
    case 2:
      return "Variable";
    case 4:
      return "Method";
    case 8:
      return "ObjectType";
    case 16:
      return "VariableType";
    case 32:
      return "ReferenceType";
    case 64:
      return "DataType";
    case 128:
      return "View";
    default:
      return "Unspecified";
  }
}

std::string TypeName(const opcua::DataValue& dv) {
  if (!dv.value || dv.value->IsNull()) return "Null";
  return opcua::BuiltinTypeName(dv.value->type) + (dv.value->is_array ? "[]" : "");
}

std::string TimeText(const std::optional<opcua::DateTime>& t) {
  return t ? FormatRfc3339(opcua::TimestampFromDateTime(*t)) : "-";
}

std::string StatusText(const opcua::DataValue& dv) {
  return opcua::StatusCodeName(dv.status ? dv.status->code : 0);
}

void PrintValue(Client& client, const std::string& node, const opcua::DataValue& dv, bool json) {
  if (json) {
    nlohmann::json line = {{"node_id", node},
                           {"value", dv.value ? ValueJson(client, *dv.value) : nlohmann::json()},
                           {"data_type", TypeName(dv)},
                           {"status", StatusText(dv)},
                           {"source_time", TimeText(dv.source_timestamp)}};
    std::cout << line.dump() << "\n";
  } else {
    std::cout << fmt::format("{}  {}  {}  {}  {}\n", node, dv.value ? ValueText(client, *dv.value) : "null",
                             TypeName(dv), StatusText(dv), TimeText(dv.source_timestamp));
  }
}

int Read(Client& client, const OpcuaToolArgs& args) {
  Result<std::vector<NodeId>> nodes = ParseNodes(args.nodes);
  if (!nodes.ok()) return Fail(nodes.status().message());
  std::vector<opcua::ReadValueId> ids(nodes->size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ids[i].node_id = (*nodes)[i];
    ids[i].attribute_id = opcua::kAttributeValue;
  }
  Result<std::vector<opcua::DataValue>> values = client.Read(ids);
  if (!values.ok()) return Fail(values.status().message());
  int bad = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    PrintValue(client, opcua::ToString((*nodes)[i]), (*values)[i], args.json);
    if ((*values)[i].status && (*values)[i].status->IsBad()) ++bad;
  }
  return bad == 0 ? 0 : 2;
}

void BrowseTree(Client& client, const NodeId& node, int depth, int indent, bool json, nlohmann::json* out) {
  Result<std::vector<opcua::ReferenceDescription>> refs = client.Browse(node);
  if (!refs.ok()) {
    std::cerr << fmt::format("{}{}: {}\n", std::string(indent * 2, ' '), opcua::ToString(node),
                             refs.status().message());
    return;
  }
  for (const opcua::ReferenceDescription& r : *refs) {
    const std::string id = opcua::ToString(r.node_id);
    const std::string name = r.browse_name.name;
    const std::string node_class = std::string(NodeClassName(r.node_class));
    nlohmann::json entry;
    if (json) {
      entry = {{"node_id", id}, {"browse_name", name}, {"node_class", node_class}};
    } else {
      std::cout << fmt::format("{}{}  {}  {}\n", std::string(indent * 2, ' '), id, name, node_class);
    }
    if (depth > 1 && r.node_id.server_index == 0 && r.node_id.namespace_uri.empty()) {
      nlohmann::json children = nlohmann::json::array();
      BrowseTree(client, r.node_id.node_id, depth - 1, indent + 1, json, &children);
      if (json) entry["children"] = std::move(children);
    }
    if (json) out->push_back(std::move(entry));
  }
}

int Browse(Client& client, const OpcuaToolArgs& args) {
  Result<std::vector<NodeId>> nodes =
      ParseNodes(args.nodes.empty() ? std::vector<std::string>{"i=85"} : args.nodes);
  if (!nodes.ok()) return Fail(nodes.status().message());
  for (const NodeId& node : *nodes) {
    nlohmann::json tree = nlohmann::json::array();
    if (!args.json) std::cout << opcua::ToString(node) << "\n";
    BrowseTree(client, node, std::max(1, args.depth), 1, args.json, &tree);
    if (args.json)
      std::cout << nlohmann::json{{"node_id", opcua::ToString(node)}, {"children", tree}}.dump() << "\n";
  }
  return 0;
}

int Write(Client& client, const OpcuaToolArgs& args) {
  if (args.nodes.size() != 2) return Fail("write takes a node id and a value");
  Result<NodeId> node = opcua::ParseNodeId(args.nodes[0]);
  if (!node.ok()) return Fail(node.status().message());
  // The value is written with the type the node holds now.
  Result<opcua::DataValue> current = client.ReadValue(*node);
  if (!current.ok()) return Fail(current.status().message());
  if (!current->value || current->value->IsNull())
    return Fail(args.nodes[0] + " holds no value to take the type from");
  Result<opcua::Variant> value = opcua::ParseVariant(args.nodes[1], current->value->type);
  if (!value.ok()) return Fail(args.nodes[0] + ": " + value.status().message());
  opcua::WriteValue write;
  write.node_id = *node;
  write.attribute_id = opcua::kAttributeValue;
  write.value.value = std::move(value).value();
  Result<std::vector<opcua::UaStatusCode>> results = client.Write({write});
  if (!results.ok()) return Fail(results.status().message());
  const std::uint32_t code = results->empty() ? 0 : results->front().code;
  std::cout << fmt::format("{}  {}\n", args.nodes[0], opcua::StatusCodeName(code));
  return opcua::UaStatusCode{code}.IsGood() ? 0 : 2;
}

int Subscribe(Client& client, const OpcuaToolArgs& args) {
  Result<std::vector<NodeId>> nodes = ParseNodes(args.nodes);
  if (!nodes.ok()) return Fail(nodes.status().message());
  std::mutex mu;
  std::atomic<int> seen{0};
  opcua::SubscriptionHandler handler;
  handler.on_data = [&](const std::vector<opcua::DataChange>& changes) {
    std::lock_guard lock(mu);
    for (const opcua::DataChange& c : changes) {
      if (c.client_handle >= nodes->size()) continue;
      // Structures are printed as received here: decoding them calls the server, which the
      // subscription thread must not do.
      const opcua::DataValue& dv = c.value;
      const std::string id = opcua::ToString((*nodes)[c.client_handle]);
      if (args.json) {
        std::cout << nlohmann::json{{"node_id", id},
                                    {"value", dv.value ? opcua::VariantToJson(*dv.value) : nlohmann::json()},
                                    {"status", StatusText(dv)},
                                    {"source_time", TimeText(dv.source_timestamp)}}
                         .dump()
                  << "\n";
      } else {
        std::cout << fmt::format("{}  {}  {}  {}\n", TimeText(dv.source_timestamp), id,
                                 dv.value ? opcua::VariantToText(*dv.value) : "null", StatusText(dv));
      }
      ++seen;
    }
    std::cout.flush();
  };
  handler.on_item_error = [&](const opcua::MonitoredItemState& s) {
    std::cerr << fmt::format("{}: {}\n", opcua::ToString((*nodes)[s.client_handle]),
                             opcua::StatusCodeName(s.status.code));
  };
  handler.on_status = [&](const Status& s) {
    std::cerr << (s.ok() ? std::string("subscription back") : "subscription: " + s.message()) << "\n";
  };
  opcua::SubscriptionSettings settings;
  settings.publishing_interval_ms = args.interval_ms;
  Result<std::uint32_t> sub = client.CreateSubscription(settings, handler);
  if (!sub.ok()) return Fail(sub.status().message());
  std::vector<opcua::MonitoredItemSpec> items(nodes->size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    items[i].node = (*nodes)[i];
    items[i].client_handle = static_cast<std::uint32_t>(i);
    items[i].sampling_interval_ms = args.interval_ms;
    items[i].queue_size = 10;
    if (args.deadband > 0) {
      items[i].deadband_type = 1;
      items[i].deadband_value = args.deadband;
    }
  }
  Result<std::vector<opcua::MonitoredItemState>> created = client.AddMonitoredItems(*sub, items);
  if (!created.ok()) return Fail(created.status().message());
  const auto until =
      std::chrono::steady_clock::now() +
      std::chrono::milliseconds(static_cast<std::int64_t>(args.seconds > 0 ? args.seconds * 1000 : 1e12));
  if (args.count <= 0 && args.seconds <= 0) {
    WaitForStopSignal();
    return 0;
  }
  while (std::chrono::steady_clock::now() < until && (args.count <= 0 || seen.load() < args.count)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

}  // namespace

CLI::App* AddOpcuaCommand(CLI::App& app, OpcuaToolArgs& args) {
  auto* opcua = app.add_subcommand("opcua", "Browse, read, subscribe to and write an OPC UA server's nodes");
  opcua->require_subcommand(1);
  auto common = [&](CLI::App* cmd) {
    cmd->add_option("endpoint", args.endpoint, "opc.tcp://host:port/path")->required();
    cmd->add_option("--security-policy", args.policy,
                    "None, Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss")
        ->capture_default_str();
    cmd->add_option("--security-mode", args.mode, "None, Sign or SignAndEncrypt")->capture_default_str();
    cmd->add_option("--pki", args.pki, "certificate folder (default ~/.local/share/millwright/pki)");
    cmd->add_flag("--trust-server", args.trust_server,
                  "trust the server's certificate (adds it to the trust list)");
    cmd->add_option("--user", args.user, "user name (else anonymous)");
    cmd->add_option("--password", args.password, "password for --user");
    cmd->add_flag("--json", args.json, "one JSON object per line");
    cmd->callback([&args, cmd] { args.command = cmd->get_name(); });
  };
  auto* browse = opcua->add_subcommand("browse", "Print the node tree under NODE (default: Objects, i=85)");
  common(browse);
  browse->add_option("nodes", args.nodes, "node ids");
  browse->add_option("--depth", args.depth, "levels to descend")->capture_default_str();
  auto* read = opcua->add_subcommand("read", "Read the value of each NODE");
  common(read);
  read->add_option("nodes", args.nodes, "node ids")->required();
  auto* subscribe = opcua->add_subcommand("subscribe", "Print each change of the NODEs until Ctrl-C");
  common(subscribe);
  subscribe->add_option("nodes", args.nodes, "node ids")->required();
  subscribe->add_option("--interval", args.interval_ms, "sampling and publishing interval, ms")
      ->capture_default_str();
  subscribe->add_option("--deadband", args.deadband, "absolute deadband (0: every change)");
  subscribe->add_option("--count", args.count, "stop after this many changes");
  subscribe->add_option("--seconds", args.seconds, "stop after this many seconds");
  auto* write = opcua->add_subcommand("write", "Write VALUE to NODE, as the type the node holds");
  common(write);
  write->add_option("nodes", args.nodes, "NODE VALUE")->required()->expected(2);
  auto* serve = opcua->add_subcommand("serve", "Run Millwright's OPC UA server with a demo plant");
  serve->add_option("--host", args.serve.host, "address to listen on")->capture_default_str();
  serve->add_option("--port", args.serve.port, "TCP port (0: any free port)")->capture_default_str();
  serve->add_option("--pki", args.serve.pki,
                    "server certificate folder (default ~/.local/share/millwright/pki-server)");
  serve->add_flag("--secure", args.serve.secure,
                  "also offer Basic256Sha256 and Aes256_Sha256_RsaPss endpoints");
  serve->add_option("--user", args.serve.users, "name:password allowed to log in (repeatable)");
  serve->add_flag("--x509-users", args.serve.x509_users,
                  "accept user certificates trusted in <pki>/users/trusted/certs");
  serve->add_option("--bench-nodes", args.serve.bench_nodes, "add Bench.Static and Bench.D0..D<n-1>");
  serve->add_option("--seconds", args.serve.seconds, "stop after this many seconds");
  serve->callback([&args] { args.command = "serve"; });
  return opcua;
}

int RunOpcuaTool(const OpcuaToolArgs& args) {
  if (args.command == "serve") return RunOpcuaServe(args.serve);
  Result<std::unique_ptr<Client>> client = Connect(args);
  if (!client.ok()) return Fail(client.status().message());
  int rc = 0;
  if (args.command == "read") rc = Read(**client, args);
  if (args.command == "browse") rc = Browse(**client, args);
  if (args.command == "write") rc = Write(**client, args);
  if (args.command == "subscribe") rc = Subscribe(**client, args);
  (*client)->Disconnect();
  return rc;
}

}  // namespace mw::app
