// node-opcua's own client, measured the way bench/opcua_client measures ours:
//
//   node client_bench.js --endpoint URL --mode reads|bulk|notify --seconds S --ns I
//
// reads: sequential Reads of Bench.Static; bulk: Reads of the 10,000 Bench.D* nodes; notify: a
// subscription of the 10,000 Bench.D* nodes at 100 ms, counting data changes (after 2 s of
// warm-up). Prints one JSON line: {"mode", "ops", "seconds", "cpu_seconds"}, the CPU time of this
// process during the measured phase only; an op is one node value read or one notification.
"use strict";
const { OPCUAClient, AttributeIds, TimestampsToReturn, MessageSecurityMode, SecurityPolicy } = require("node-opcua");

function args() {
  const out = { mode: "reads", seconds: "5", ns: "2" };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, "")] = argv[i + 1];
  return out;
}

function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function measure(seconds, body) {
  const cpu0 = cpuSeconds();
  const t0 = process.hrtime.bigint();
  const end = t0 + BigInt(Math.round(seconds * 1e9));
  let ops = 0;
  while (process.hrtime.bigint() < end) ops += await body();
  return { ops, seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpu_seconds: cpuSeconds() - cpu0 };
}

async function main() {
  const opt = args();
  const seconds = Number(opt.seconds);
  const client = OPCUAClient.create({
    endpointMustExist: false,
    securityMode: MessageSecurityMode.None,
    securityPolicy: SecurityPolicy.None,
    connectionStrategy: { maxRetry: 1 },
  });
  await client.connect(opt.endpoint);
  const session = await client.createSession();
  const bench = Array.from({ length: 10000 }, (_, k) => `ns=${opt.ns};s=Bench.D${k}`);
  let result;
  if (opt.mode === "reads") {
    const node = { nodeId: `ns=${opt.ns};s=Bench.Static`, attributeId: AttributeIds.Value };
    result = await measure(seconds, async () => {
      await session.read(node);
      return 1;
    });
  } else if (opt.mode === "bulk") {
    const nodes = bench.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value }));
    result = await measure(seconds, async () => (await session.read(nodes)).length);
  } else {
    const subscription = await session.createSubscription2({
      requestedPublishingInterval: 100, requestedLifetimeCount: 100, requestedMaxKeepAliveCount: 10,
      maxNotificationsPerPublish: 0, publishingEnabled: true, priority: 0,
    });
    let seen = 0;
    const group = await subscription.monitorItems(
      bench.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })),
      { samplingInterval: 100, discardOldest: true, queueSize: 1 }, TimestampsToReturn.Both);
    group.on("changed", () => { seen += 1; });
    await new Promise((r) => setTimeout(r, 2000));
    const before = seen;
    const cpu0 = cpuSeconds();
    const t0 = process.hrtime.bigint();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    result = { ops: seen - before, seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpu_seconds: cpuSeconds() - cpu0 };
    await subscription.terminate();
  }
  await session.close();
  await client.disconnect();
  process.stdout.write(JSON.stringify({ mode: opt.mode, ...result }) + "\n");
}

main().catch((e) => {
  process.stderr.write(`client_bench.js: ${e.stack || e}\n`);
  process.exit(1);
});
