// `millwright opcua browse|read|subscribe|write ENDPOINT [NODE...]`: the commissioning engineer's
// tool to find the nodes to configure, with the same security options as the `opcua` source.
//
// Output is one line per node (read: node id, value, data type, status, source time; browse: an
// indented tree of node id, browse name and node class; subscribe: one line per data change), or
// with --json the same as JSON lines for scripts. Node ids are in the standard text form
// (`ns=1;s=Device.Temp`, `i=2258`). Errors go to stderr with a non-zero exit code.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "app/opcua_serve.h"

namespace mw::app {

struct OpcuaToolArgs {
  std::string command;
  std::string endpoint;
  std::vector<std::string> nodes;  // write: NODE VALUE
  std::string policy = "None";
  std::string mode = "None";
  std::string pki;
  std::string user;
  std::string password;
  bool trust_server = false;
  bool json = false;
  int depth = 1;
  double interval_ms = 500;
  double deadband = 0;
  int count = 0;
  double seconds = 0;
  OpcuaServeArgs serve;
};

// Adds `opcua` and its subcommands (browse, read, subscribe, write, serve) to `app`; the parsed values land
// in `args`.
CLI::App* AddOpcuaCommand(CLI::App& app, OpcuaToolArgs& args);
int RunOpcuaTool(const OpcuaToolArgs& args);

}  // namespace mw::app
