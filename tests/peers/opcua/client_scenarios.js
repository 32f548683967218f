// node-opcua's own client driving an OPC UA server through the scenarios our server's integration
// tests check (connect, browse with BrowseNext, read all attributes, structures, write,
// subscribe):
//
//   node client_scenarios.js --pki DIR --make-cert
//   node client_scenarios.js --endpoint URL --pki DIR
//       [--policy None|Basic256Sha256|Aes128_Sha256_RsaOaep|Aes256_Sha256_RsaPss]
//       [--mode None|Sign|SignAndEncrypt] [--user NAME --password PW]
//       [--browse 1] [--read NODEID] [--struct NODEID] [--write NODEID=JSON]
//       [--subscribe NODEID --changes N]
//
// --make-cert creates the client's PKI in DIR (own key and self-signed certificate, once) and
// prints `CERT <absolute path>` (PEM). Otherwise the client, with the same PKI (it accepts the
// server's certificate unseen), connects (no retry), opens a session (anonymous or user/password),
// runs the asked steps in the order above and prints one JSON line per step on stdout:
// {"step":"connect"|"browse"|"read"|"struct"|"write"|"subscribe","ok":true,...}, or
// {"step":...,"ok":false,"error":"..."}. Exit code 0 when every step was ok, 1 otherwise.
//   connect: policy, mode, user. browse: a walk from RootFolder along forward hierarchical
//     references, 5 references per node at most so that BrowseNext is needed; nodes (distinct
//     nodes, Root included), browse_next_calls, paths (browse names, without namespace index, of
//     every Variable under Objects, as first reached, sorted: "Objects/Server/NamespaceArray").
//   read: attributes 1..27 in one Read; attributes {Name: value} for the Good ones, bad
//     {Name: status name} for the others (NodeIds as "ns=0;i=11", LocalizedText as its text,
//     QualifiedName as "2:Name", NodeClass by name, Int64 as a number or a decimal string, dates
//     ISO 8601, ByteStrings base64, matrices nested, structures as objects).
//   struct: type, fields of a structure value decoded by node-opcua from the server's
//     DataTypeDefinition (ok:false if it stays an OpaqueStructure).
//   write: data_type (built-in type written, from the node's DataType), status, read_back.
//   subscribe: publishing 100 ms, sampling 50 ms, queue 10; changes, values (the first N).
// node-opcua's own log lines go to stderr. --policy defaults to None; --mode to None under None
// and to SignAndEncrypt otherwise; --changes to 5.
"use strict";
const fs = require("fs");
const path = require("path");
const util = require("util");
const {
  OPCUAClient, OPCUACertificateManager, AttributeIds, BrowseDirection, DataType, MessageSecurityMode, NodeClass,
  NodeId, SecurityPolicy, StatusCode, StatusCodes, TimestampsToReturn, UserTokenType, Variant, VariantArrayType,
  coerceNodeId, resolveNodeId,
} = require("node-opcua");

// node-opcua logs through console.log: keep stdout for our JSON lines.
console.log = (...a) => process.stderr.write(util.format(...a) + "\n");

const APPLICATION_NAME = "MillwrightClientScenarios";
const BROWSE_MAX_REFERENCES = 5;
const BROWSE_BATCH = 10;
const SUBSCRIBE_TIMEOUT_MS = 20000;

function args() {
  const out = { policy: "None", changes: "5" };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i].replace(/^--/, "");
    const hasValue = i + 1 < argv.length && !argv[i + 1].startsWith("--");
    out[flag] = hasValue ? argv[++i] : "1"; // --make-cert alone
  }
  if (!out.mode) out.mode = out.policy === "None" ? "None" : "SignAndEncrypt";
  return out;
}

function emit(line) {
  process.stdout.write(JSON.stringify(line) + "\n");
  return line.ok;
}

function errorText(e) {
  return e && e.message ? e.message : String(e);
}

// --- plain JSON ----------------------------------------------------------------------------------

function int64(pair, signed) {
  if (!Array.isArray(pair) || pair.length !== 2) return toPlain(pair);
  const raw = (BigInt(pair[0] >>> 0) << 32n) | BigInt(pair[1] >>> 0);
  const value = signed ? BigInt.asIntN(64, raw) : raw;
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value) : value.toString();
}

function reshape(flat, dimensions) {
  if (!dimensions || dimensions.length <= 1) return flat;
  const [first, ...rest] = dimensions;
  const size = flat.length / first;
  return Array.from({ length: first }, (_, k) => reshape(flat.slice(k * size, (k + 1) * size), rest));
}

function variantToPlain(variant) {
  if (!variant || variant.value === null || variant.value === undefined) return null;
  const isInt64 = variant.dataType === DataType.Int64 || variant.dataType === DataType.UInt64;
  const one = (x) => (isInt64 ? int64(x, variant.dataType === DataType.Int64) : toPlain(x));
  if (variant.arrayType === VariantArrayType.Scalar) return one(variant.value);
  const flat = Array.from(variant.value, one);
  return variant.arrayType === VariantArrayType.Matrix ? reshape(flat, variant.dimensions) : flat;
}

function fieldToPlain(value, field) {
  const isInt64 = field.fieldType === "Int64" || field.fieldType === "UInt64";
  const one = (x) => (isInt64 ? int64(x, field.fieldType === "Int64") : toPlain(x));
  if (value === null || value === undefined) return null;
  return field.isArray ? Array.from(value, one) : one(value);
}

function structureToPlain(object) {
  const out = {};
  object.applyOnAllFields((o, field) => {
    out[field.originalName || field.name] = fieldToPlain(o[field.name], field);
  }, null);
  return out;
}

function className(x) {
  return x && x.constructor ? x.constructor.name : "";
}

function toPlain(x) {
  if (x === null || x === undefined) return null;
  if (typeof x === "bigint") return x.toString();
  if (typeof x === "number") return Number.isFinite(x) ? x : String(x);
  if (typeof x !== "object") return x;
  if (x instanceof Date) return Number.isNaN(x.getTime()) ? null : x.toISOString();
  if (Buffer.isBuffer(x)) return x.toString("base64");
  if (ArrayBuffer.isView(x) || Array.isArray(x)) return Array.from(x, toPlain);
  if (x instanceof Variant) return variantToPlain(x);
  if (x instanceof NodeId) return x.toString();
  if (x instanceof StatusCode) return x.name;
  if (className(x) === "LocalizedText") return x.text === undefined ? null : x.text;
  if (className(x) === "QualifiedName") return x.toString();
  if (className(x) === "OpaqueStructure") return { $opaque: x.nodeId.toString() };
  if (typeof x.applyOnAllFields === "function" && x.schema) return structureToPlain(x);
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, toPlain(v)]));
}

function attributeValueToPlain(attributeId, variant) {
  if (attributeId === AttributeIds.NodeClass && variant && typeof variant.value === "number") {
    return NodeClass[variant.value] || variant.value;
  }
  return variantToPlain(variant);
}

// --- client --------------------------------------------------------------------------------------

function certificateManager(dir) {
  fs.mkdirSync(dir, { recursive: true });
  return new OPCUACertificateManager({ rootFolder: path.resolve(dir), automaticallyAcceptUnknownCertificate: true });
}

function createClient(opt, cm) {
  if (!(opt.policy in SecurityPolicy) || !(opt.mode in MessageSecurityMode)) {
    throw new Error(`unknown --policy ${opt.policy} or --mode ${opt.mode}`);
  }
  return OPCUAClient.create({
    applicationName: APPLICATION_NAME,
    clientCertificateManager: cm,
    endpointMustExist: false,
    securityPolicy: SecurityPolicy[opt.policy],
    securityMode: MessageSecurityMode[opt.mode],
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    requestedSessionTimeout: 60000,
  });
}

async function makeCert(opt) {
  const cm = certificateManager(opt.pki);
  const client = createClient({ policy: "None", mode: "None" }, cm);
  await cm.initialize();
  await client.createDefaultCertificate();
  const file = path.resolve(client.certificateFile);
  if (!fs.existsSync(file)) throw new Error(`no certificate at ${file}`);
  process.stdout.write(`CERT ${file}\n`);
  await cm.dispose();
}

function userIdentity(opt) {
  if (opt.user === undefined) return undefined;
  return { type: UserTokenType.UserName, userName: opt.user, password: opt.password || "" };
}

// --- browse --------------------------------------------------------------------------------------

function browseDescription(nodeId) {
  return {
    nodeId, browseDirection: BrowseDirection.Forward, referenceTypeId: resolveNodeId("i=33"),
    includeSubtypes: true, nodeClassMask: 0, resultMask: 63,
  };
}

function hasContinuation(result) {
  return result.continuationPoint && result.continuationPoint.length > 0;
}

// Breadth first from RootFolder; each node is browsed once; the paths of Variables under Objects.
async function browseStep(session) {
  const state = { visited: new Set(["ns=0;i=84"]), queue: [{ nodeId: coerceNodeId("i=84"), path: "" }],
    paths: [], browseNextCalls: 0 };
  const saved = session.requestedMaxReferencesPerNode;
  session.requestedMaxReferencesPerNode = BROWSE_MAX_REFERENCES;
  try {
    let batchSize = BROWSE_BATCH;
    while (state.queue.length > 0) {
      const batch = state.queue.splice(0, batchSize);
      const results = await session.browse(batch.map((n) => browseDescription(n.nodeId)));
      const pending = [];
      results.forEach((result, i) => {
        if (result.statusCode.equals(StatusCodes.BadNoContinuationPoints) && batch.length > 1) {
          state.queue.unshift(batch[i]); // retried alone once the others are drained
          batchSize = 1;
          return;
        }
        if (!result.statusCode.isGood()) throw new Error(`Browse ${batch[i].nodeId}: ${result.statusCode.name}`);
        addReferences(state, batch[i], result.references);
        if (hasContinuation(result)) pending.push({ owner: batch[i], point: result.continuationPoint });
      });
      await drainContinuations(session, state, pending);
    }
  } finally {
    session.requestedMaxReferencesPerNode = saved;
  }
  return { step: "browse", ok: true, nodes: state.visited.size, browse_next_calls: state.browseNextCalls,
    paths: state.paths.sort() };
}

async function drainContinuations(session, state, pending) {
  while (pending.length > 0) {
    const results = await session.browseNext(pending.map((p) => p.point), false);
    state.browseNextCalls += 1;
    const owners = pending.splice(0, pending.length).map((p) => p.owner);
    results.forEach((result, i) => {
      if (!result.statusCode.isGood()) throw new Error(`BrowseNext ${owners[i].nodeId}: ${result.statusCode.name}`);
      addReferences(state, owners[i], result.references);
      if (hasContinuation(result)) pending.push({ owner: owners[i], point: result.continuationPoint });
    });
  }
}

function addReferences(state, parent, references) {
  for (const ref of references || []) {
    if (ref.nodeId.serverIndex) continue; // on another server
    const nodeId = new NodeId(ref.nodeId.identifierType, ref.nodeId.value, ref.nodeId.namespace);
    const key = nodeId.toString();
    if (state.visited.has(key)) continue;
    state.visited.add(key);
    const nodePath = parent.path ? `${parent.path}/${ref.browseName.name}` : ref.browseName.name;
    if (ref.nodeClass === NodeClass.Variable && nodePath.startsWith("Objects/")) state.paths.push(nodePath);
    state.queue.push({ nodeId, path: nodePath });
  }
}

// --- read, struct, write, subscribe --------------------------------------------------------------

async function readStep(session, nodeId) {
  const ids = Array.from({ length: 27 }, (_, k) => k + 1);
  const dataValues = await session.read(ids.map((attributeId) => ({ nodeId, attributeId })));
  const attributes = {};
  const bad = {};
  ids.forEach((id, k) => {
    const name = AttributeIds[id] || `Attribute${id}`;
    const dv = dataValues[k];
    if (dv.statusCode.isGood()) attributes[name] = attributeValueToPlain(id, dv.value);
    else bad[name] = dv.statusCode.name;
  });
  if (Object.keys(attributes).length === 0) {
    return { step: "read", ok: false, error: `no attribute readable: ${dataValues[0].statusCode.name}`, bad };
  }
  return { step: "read", ok: true, attributes, bad };
}

function isOpaque(value) {
  return className(value) === "OpaqueStructure";
}

// session.read hands ExtensionObjects to promoteOpaqueStructure, which builds the types from the
// server's DataTypeDefinition attributes (ExtraDataTypeManager); what it could not build stays an
// OpaqueStructure.
async function structStep(session, nodeId) {
  const dv = await session.read({ nodeId, attributeId: AttributeIds.Value });
  if (!dv.statusCode.isGood()) throw new Error(`Read Value: ${dv.statusCode.name}`);
  const variant = dv.value;
  if (variant.dataType !== DataType.ExtensionObject) {
    throw new Error(`value is a ${DataType[variant.dataType]}, not an ExtensionObject`);
  }
  const values = variant.arrayType === VariantArrayType.Scalar ? [variant.value] : Array.from(variant.value);
  const opaque = values.find(isOpaque);
  if (opaque) {
    throw new Error(`value stayed an OpaqueStructure (encoding ${opaque.nodeId}): node-opcua could not build ` +
      "its type from the server's DataTypeDefinition");
  }
  const fields = variant.arrayType === VariantArrayType.Scalar ? toPlain(variant.value) : values.map(toPlain);
  const type = values[0] && values[0].schema ? values[0].schema.name : null;
  return { step: "struct", ok: true, type, fields };
}

function splitWrite(spec) {
  for (let i = spec.lastIndexOf("="); i > 0; i = spec.lastIndexOf("=", i - 1)) {
    try {
      return { nodeId: spec.slice(0, i), value: JSON.parse(spec.slice(i + 1)) };
    } catch (e) {
      // "=" inside the NodeId or the JSON: try the next one to the left
    }
  }
  throw new Error(`--write wants NODEID=JSON, got ${spec}`);
}

async function builtInType(session, nodeId) {
  const dv = await session.read({ nodeId, attributeId: AttributeIds.DataType });
  if (!dv.statusCode.isGood()) throw new Error(`Read DataType: ${dv.statusCode.name}`);
  const typeId = dv.value.value;
  if (typeId.namespace === 0 && typeof typeId.value === "number" && typeId.value <= 25) return typeId.value;
  return await session.getBuiltInDataType(nodeId); // a subtype: walk HasSubtype up to a built-in type
}

function coerceJson(dataType, json) {
  switch (dataType) {
    case DataType.DateTime: return new Date(json);
    case DataType.ByteString: return Buffer.from(json, "base64");
    case DataType.NodeId: case DataType.ExpandedNodeId: return coerceNodeId(json);
    case DataType.LocalizedText: return typeof json === "string" ? { text: json } : json;
    default: return json;
  }
}

async function writeStep(session, spec) {
  const { nodeId, value } = splitWrite(spec);
  const dataType = await builtInType(session, nodeId);
  const isArray = Array.isArray(value);
  const variant = new Variant({
    dataType, arrayType: isArray ? VariantArrayType.Array : VariantArrayType.Scalar,
    value: isArray ? value.map((v) => coerceJson(dataType, v)) : coerceJson(dataType, value),
  });
  const status = await session.write({ nodeId, attributeId: AttributeIds.Value, value: { value: variant } });
  if (!status.isGood()) throw new Error(`Write: ${status.name}`);
  const back = await session.read({ nodeId, attributeId: AttributeIds.Value });
  if (!back.statusCode.isGood()) throw new Error(`Read back: ${back.statusCode.name}`);
  return { step: "write", ok: true, data_type: DataType[dataType], status: status.name, read_back: variantToPlain(back.value) };
}

async function subscribeStep(session, nodeId, wanted) {
  const subscription = await session.createSubscription2({
    requestedPublishingInterval: 100, requestedLifetimeCount: 100, requestedMaxKeepAliveCount: 10,
    maxNotificationsPerPublish: 0, publishingEnabled: true, priority: 0,
  });
  try {
    const values = await collectChanges(subscription, nodeId, wanted);
    return { step: "subscribe", ok: true, changes: values.length, values };
  } finally {
    await subscription.terminate().catch(() => {});
  }
}

async function collectChanges(subscription, nodeId, wanted) {
  const values = [];
  let fail;
  let done;
  const finished = new Promise((resolve, reject) => { done = resolve; fail = reject; });
  const timer = setTimeout(() => fail(new Error(`${values.length} of ${wanted} data changes in ${SUBSCRIBE_TIMEOUT_MS / 1000} s`)),
    SUBSCRIBE_TIMEOUT_MS);
  try {
    const item = await subscription.monitor({ nodeId, attributeId: AttributeIds.Value },
      { samplingInterval: 50, discardOldest: true, queueSize: 10 }, TimestampsToReturn.Both);
    item.on("err", (message) => fail(new Error(`monitored item: ${message}`)));
    item.on("changed", (dv) => {
      if (values.length < wanted) values.push(variantToPlain(dv.value));
      if (values.length >= wanted) done();
    });
    await finished;
    return values;
  } finally {
    clearTimeout(timer);
  }
}

// --- main ----------------------------------------------------------------------------------------

async function runStep(name, body) {
  try {
    return emit(await body());
  } catch (e) {
    return emit({ step: name, ok: false, error: errorText(e) });
  }
}

async function run(opt) {
  let client;
  let session;
  try {
    client = createClient(opt, certificateManager(opt.pki));
    await client.connect(opt.endpoint);
    session = await client.createSession(userIdentity(opt));
  } catch (e) {
    emit({ step: "connect", ok: false, error: errorText(e) });
    if (client) await client.disconnect().catch(() => {});
    return false;
  }
  let ok = emit({ step: "connect", ok: true, policy: opt.policy, mode: opt.mode, user: opt.user || null });
  if (opt.browse === "1") ok = (await runStep("browse", () => browseStep(session))) && ok;
  if (opt.read) ok = (await runStep("read", () => readStep(session, opt.read))) && ok;
  if (opt.struct) ok = (await runStep("struct", () => structStep(session, opt.struct))) && ok;
  if (opt.write) ok = (await runStep("write", () => writeStep(session, opt.write))) && ok;
  if (opt.subscribe) {
    ok = (await runStep("subscribe", () => subscribeStep(session, opt.subscribe, Number(opt.changes)))) && ok;
  }
  await session.close().catch(() => {});
  await client.disconnect().catch(() => {});
  return ok;
}

async function main() {
  const opt = args();
  if (!opt.pki) throw new Error("--pki DIR is required");
  if (opt["make-cert"] === "1") {
    await makeCert(opt);
    return true;
  }
  if (!opt.endpoint) throw new Error("--endpoint URL is required");
  return run(opt);
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (e) => {
    process.stderr.write(`client_scenarios.js: ${e.stack || e}\n`);
    process.exit(1);
  });
