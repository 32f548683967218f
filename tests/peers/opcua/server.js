// Millwright's OPC UA test peer: node-opcua's server with a known address space, for the
// integration tests of our client and for bench/opcua_client.
//
//   node server.js --port N --pki DIR [--users user:pass,...] [--control 1]
//
// Listens on 127.0.0.1 only. Prints `NAMESPACE <index>`, `TRUSTED <folder>` and then
// `READY opc.tcp://127.0.0.1:N/` on stdout. With --control 1, commands on stdin, one per line,
// answered with `OK ...` or `ERR ...`: `delete <nodeid>`, `set <nodeid> <json value>`, `quit`; the
// server also stops when its stdin closes (its test process went away). Without it, it runs
// until SIGTERM.
"use strict";
const path = require("path");
const readline = require("readline");
const {
  OPCUAServer, OPCUACertificateManager, Variant, DataType, StatusCodes, MessageSecurityMode, SecurityPolicy,
  nodesets, coerceNodeId, RegisterServerMethod,
} = require("node-opcua");

function args() {
  const out = { port: 4840, pki: "pki", users: "operator:secret-42", control: "0" };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, "")] = argv[i + 1];
  return out;
}

// Fixed values, one per built-in scalar type: the tests read them back.
const SCALARS = {
  Boolean: [DataType.Boolean, true],
  SByte: [DataType.SByte, -12],
  Byte: [DataType.Byte, 200],
  Int16: [DataType.Int16, -30000],
  UInt16: [DataType.UInt16, 60000],
  Int32: [DataType.Int32, -2000000000],
  UInt32: [DataType.UInt32, 4000000000],
  Int64: [DataType.Int64, [0xfffffee0, 0x8e04fb35]], // -1234567890123 as [high, low]
  UInt64: [DataType.UInt64, [0x00000001, 0x00000002]],
  Float: [DataType.Float, 2.5],
  Double: [DataType.Double, 3.14159],
  String: [DataType.String, "Grüße"],
  DateTime: [DataType.DateTime, new Date(Date.UTC(2026, 0, 2, 3, 4, 5))],
  Guid: [DataType.Guid, "72962b91-fa75-4ae6-8d28-b404dc7daf63"],
  ByteString: [DataType.ByteString, Buffer.from([1, 2, 3, 250])],
  XmlElement: [DataType.XmlElement, "<a>1</a>"],
  NodeId: [DataType.NodeId, coerceNodeId("ns=1;s=Target")],
  ExpandedNodeId: [DataType.ExpandedNodeId, coerceNodeId("i=2258")],
  StatusCode: [DataType.StatusCode, StatusCodes.UncertainInitialValue],
  QualifiedName: [DataType.QualifiedName, { namespaceIndex: 1, name: "Qualified" }],
  LocalizedText: [DataType.LocalizedText, { locale: "en", text: "Pump" }],
};

async function main() {
  const opt = args();
  const users = Object.fromEntries(opt.users.split(",").map((u) => u.split(":")));
  const certificateManager = new OPCUACertificateManager({
    rootFolder: path.join(opt.pki, "server"),
    automaticallyAcceptUnknownCertificate: false,
  });
  await certificateManager.initialize();
  const server = new OPCUAServer({
    port: Number(opt.port),
    host: "127.0.0.1",
    hostname: "127.0.0.1",
    alternateHostname: [],
    serverCertificateManager: certificateManager,
    nodeset_filename: [nodesets.standard, path.join(__dirname, "types.NodeSet2.xml")],
    securityPolicies: [SecurityPolicy.None, SecurityPolicy.Basic256Sha256, SecurityPolicy.Aes256_Sha256_RsaPss],
    securityModes: [MessageSecurityMode.None, MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt],
    allowAnonymous: true,
    userManager: { isValidUser: (user, password) => users[user] === password },
    registerServerMethod: RegisterServerMethod.HIDDEN,
    serverCapabilities: {
      maxSessions: 50,
      operationLimits: {
        maxNodesPerRead: 20000, maxNodesPerWrite: 20000, maxNodesPerBrowse: 20000,
        maxMonitoredItemsPerCall: 20000, maxNodesPerRegisterNodes: 20000,
      },
    },
    maxConnectionsPerEndpoint: 50,
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  const nsIndex = addressSpace.getNamespaceIndex("urn:millwright:test-peer");
  const ns = addressSpace.getNamespace(nsIndex);
  const id = (s) => `ns=${nsIndex};s=${s}`;

  const root = ns.addFolder(addressSpace.rootFolder.objects, { browseName: "TestPeer", nodeId: id("TestPeer") });
  const folder = (name) => ns.addFolder(root, { browseName: name, nodeId: id(name) });
  const scalars = folder("Scalars");
  const arrays = folder("Arrays");
  const structs = folder("Structs");
  const dynamic = folder("Dynamic");
  const bench = folder("Bench");
  const writable = "CurrentRead | CurrentWrite";

  for (const [name, [dataType, value]] of Object.entries(SCALARS)) {
    ns.addVariable({
      componentOf: scalars, browseName: name, nodeId: id(`Scalars.${name}`), dataType: DataType[dataType],
      accessLevel: writable, userAccessLevel: writable, value: new Variant({ dataType, arrayType: 0, value }),
    });
  }
  const float10k = new Float32Array(10000).map((_, k) => k * 0.5);
  ns.addVariable({ componentOf: arrays, browseName: "Float10k", nodeId: id("Arrays.Float10k"), dataType: "Float",
    valueRank: 1, value: new Variant({ dataType: DataType.Float, arrayType: 1, value: float10k }) });
  ns.addVariable({ componentOf: arrays, browseName: "Int32", nodeId: id("Arrays.Int32"), dataType: "Int32",
    valueRank: 1, value: new Variant({ dataType: DataType.Int32, arrayType: 1, value: new Int32Array([5, -6, 7]) }) });
  ns.addVariable({ componentOf: arrays, browseName: "Matrix", nodeId: id("Arrays.Matrix"), dataType: "Double",
    valueRank: 2, value: new Variant({ dataType: DataType.Double, arrayType: 2, dimensions: [2, 3],
      value: new Float64Array([1, 2, 3, 4, 5, 6]) }) });

  const pumpType = addressSpace.findDataType("PumpStatus", nsIndex);
  const pump = addressSpace.constructExtensionObject(pumpType, {
    speed: 1480.5, running: true, bearing: { code: 7, label: "ok" }, temps: [40.5, 41.25, 39.75],
  });
  ns.addVariable({ componentOf: structs, browseName: "Pump1", nodeId: id("Structs.Pump1"), dataType: pumpType,
    value: new Variant({ dataType: DataType.ExtensionObject, value: pump }) });

  // Every 100 ms: Sine moves, Step counts, Ramp steps by 0.1 (deadband tests), Bench.D* all change.
  let tick = 0;
  const getter = (dataType, f) => ({ get: () => new Variant({ dataType, value: f() }) });
  const dynamicVar = (name, dataType, f) => ns.addVariable({ componentOf: dynamic, browseName: name,
    nodeId: id(`Dynamic.${name}`), dataType: DataType[dataType], minimumSamplingInterval: 50, value: getter(dataType, f) });
  dynamicVar("Sine", DataType.Double, () => Math.sin(tick / 10));
  dynamicVar("Step", DataType.Int32, () => tick);
  dynamicVar("Ramp", DataType.Double, () => Math.round(tick) / 10);
  for (let k = 0; k < 10000; ++k) {
    ns.addVariable({ componentOf: bench, browseName: `D${k}`, nodeId: id(`Bench.D${k}`), dataType: "Double",
      minimumSamplingInterval: 50, value: getter(DataType.Double, () => tick + k) });
  }
  ns.addVariable({ componentOf: bench, browseName: "Static", nodeId: id("Bench.Static"), dataType: "Double",
    value: new Variant({ dataType: DataType.Double, value: 42.5 }) });
  setInterval(() => { tick += 1; }, 100);

  await server.start();
  process.stdout.write(`NAMESPACE ${nsIndex}\n`);
  process.stdout.write(`TRUSTED ${path.join(opt.pki, "server", "trusted", "certs")}\n`);
  process.stdout.write(`READY opc.tcp://127.0.0.1:${opt.port}/\n`);

  process.on("SIGTERM", () => server.shutdown(0).then(() => process.exit(0)));
  if (opt.control !== "1") return;
  const rl = readline.createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    const [command, node, ...rest] = line.trim().split(" ");
    try {
      if (command === "quit") {
        server.shutdown(0).then(() => process.exit(0));
        return;
      }
      const target = addressSpace.findNode(node);
      if (!target) throw new Error(`no node ${node}`);
      if (command === "delete") {
        addressSpace.deleteNode(target);
      } else if (command === "set") {
        const old = target.readValue().value;
        target.setValueFromSource(new Variant({ dataType: old.dataType, value: JSON.parse(rest.join(" ")) }));
      } else {
        throw new Error(`unknown command ${command}`);
      }
      process.stdout.write(`OK ${command} ${node}\n`);
    } catch (e) {
      process.stdout.write(`ERR ${e.message}\n`);
    }
  });
  rl.on("close", () => server.shutdown(0).then(() => process.exit(0)));
}

main().catch((e) => {
  process.stderr.write(`server.js: ${e.stack || e}\n`);
  process.exit(1);
});
