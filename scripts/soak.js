#!/usr/bin/env node
"use strict";
/**
 * `npm run soak`: a long, bounded stream of messages through every node type on both clouds, with faults on,
 * against the simulator (run as a separate process, so that its own data does not count in the figures). Prints
 * memory (rss, and heapUsed after a forced GC) and the active handles at the start, periodically and at the end,
 * checks that every message ended exactly once (one output or one Catch), and stops by itself.
 *
 *   npm run soak                              5 minutes
 *   npm run soak -- --minutes=30              longer
 *   npm run soak -- --messages=200000         stop after this many messages (whichever comes first)
 *   npm run soak -- --rate=300 --every=60     messages per second (at most), seconds between reports
 *   SOAK_MINUTES, SOAK_MESSAGES, SOAK_RATE, SOAK_EVERY, SOAK_SEED work too.
 *
 * Needs nodes/ built (npm run soak builds it) and node --expose-gc (npm run soak passes it). Exit code 1 when a message
 * was lost or ended twice, or a promise rejection went unhandled.
 */
const { spawn } = require("child_process");
const http = require("http");
const path = require("path");

const ROOT = path.join(__dirname, "..");
const BUILT = path.join(ROOT, "nodes");

// ---- options ----------------------------------------------------------------------------------------------------

function option(name, fallback) {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const raw = arg ? arg.slice(name.length + 3) : process.env[`SOAK_${name.toUpperCase()}`];
  const n = Number(raw);
  return raw !== undefined && raw !== "" && Number.isFinite(n) && n >= 0 ? n : fallback;
}
const MINUTES = option("minutes", 5);
const MAX_MESSAGES = option("messages", Infinity);
const RATE = option("rate", 200);
const EVERY_S = option("every", 30);
const SEED = option("seed", 20261122) >>> 0;
/** At most this many messages in flight: the stream waits for the flow rather than piling up a backlog. */
const MAX_OUTSTANDING = 400;

if (typeof global.gc !== "function") {
  console.error("soak: run node with --expose-gc (npm run soak does)");
  process.exit(2);
}

// ---- a seeded generator (mulberry32) -----------------------------------------------------------------------------

let state = SEED;
function rnd() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));

// ---- the simulator, in its own process ---------------------------------------------------------------------------

function startSimulator() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(BUILT, "simulator", "cli.js"), "--port", "0", "--json", "--blynk-devices", "600", "--seed", String(SEED)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve({ child, ...JSON.parse(line) });
    });
    child.on("exit", (code) => reject(new Error(`the simulator exited (${code})`)));
  });
}

/** The simulator's control API (faults, stats, tokens). */
function control(url, method, route, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(`${url}/_simulator/${route}`, { method, headers: data ? { "Content-Type": "application/json" } : {}, agent: false }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve(text ? JSON.parse(text) : undefined));
    });
    req.on("error", reject);
    req.end(data);
  });
}

// ---- figures -----------------------------------------------------------------------------------------------------

const MB = (n) => (n / 1048576).toFixed(1);
function figures() {
  global.gc();
  global.gc();
  const m = process.memoryUsage();
  const kinds = {};
  for (const r of process.getActiveResourcesInfo()) kinds[r] = (kinds[r] || 0) + 1;
  return { rss: m.rss, heap: m.heapUsed, handles: process._getActiveHandles().length, kinds };
}
function line(label, f, extra = "") {
  const kinds = Object.entries(f.kinds)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  console.log(`[soak] ${label.padEnd(9)} rss ${MB(f.rss).padStart(6)} MB  heapUsed ${MB(f.heap).padStart(6)} MB  handles ${String(f.handles).padStart(3)} (${kinds})${extra}`);
}

/** The settings a node needs beyond an account: the manage-device action (a rename, or a Flatpeak update), the history kind. */
function ownSetup(type, provider) {
  if (type === "devicecloud-manage-device") return { action: provider === "blynk" ? "rename" : "update" };
  if (type === "devicecloud-device-history") return { what: "timeline", max: 20 };
  if (type === "devicecloud-price-slots") return { duration: 60 };
  return {};
}

// ---- the run -----------------------------------------------------------------------------------------------------

async function main() {
  const helper = require("node-red-node-test-helper");
  helper.init(require.resolve("node-red"));
  // Every node of the package (package.json); the watch polls on its own, the others get the messages.
  const { NODE_TYPES, FLOW_TYPES, nodeFile } = require("./node-types");
  const types = FLOW_TYPES.filter((t) => t !== "devicecloud-watch");
  const ours = NODE_TYPES.map((t) => require(path.join(ROOT, nodeFile(t))));
  const catchNode = require("@node-red/nodes/core/common/25-catch.js");

  const sim = await startSimulator();
  const unhandled = [];
  process.on("unhandledRejection", (r) => unhandled.push(r));

  // Devices to use: listed once with a plain client.
  const api = require(path.join(BUILT, "api"));
  const client = (p) => api.createClient({ provider: p, baseUrl: sim.url, ...sim.credentials[p] });
  const ids = {};
  const fc = client("flatpeak");
  const bc = client("blynk");
  const collect = async (gen) => {
    const out = [];
    for await (const page of gen) out.push(...page.items);
    return out;
  };
  const flatpeakDevices = await collect(fc.listDevices());
  ids.flatpeak = flatpeakDevices.map((d) => d.id);
  const locations = flatpeakDevices.flatMap((d) => (Array.isArray(d.locations) ? d.locations : []));
  const blynkDevices = await collect(bc.listDevices());
  ids.blynk = blynkDevices.map((d) => d.id);
  const thermostats = blynkDevices.filter((d) => d.templateId === 353).map((d) => d.id);
  const metafields = [];
  for (const id of ids.blynk.slice(0, 20)) {
    const text = (await bc.listMetafields(id)).find((m) => m.value && m.value.type === "Text");
    if (text) metafields.push({ device: id, field: text.id });
  }
  fc.close();
  bc.close();

  // The flow: one account per cloud, every node type on each, a Catch, two counters.
  await new Promise((r) => helper.startServer(r));
  const flow = [{ id: "t1", type: "tab", label: "soak" }];
  const creds = {};
  for (const p of ["flatpeak", "blynk"]) {
    flow.push({ id: `acc-${p}`, type: "devicecloud-account", provider: p, server: sim.url, timeout: 2 });
    creds[`acc-${p}`] = { ...sim.credentials[p] };
    for (const t of types) {
      flow.push({ id: `${p}:${t}`, z: "t1", type: t, account: `acc-${p}`, max: t.endsWith("list-devices") && p === "blynk" ? 50 : 0, description: "soak {{seq}}", ...ownSetup(t, p), wires: [["out"]] });
    }
    // A watch per cloud at its defaults (the first poll reports the state): its events carry no seq, so they are counted apart.
    flow.push({ id: `${p}:devicecloud-watch`, z: "t1", type: "devicecloud-watch", account: `acc-${p}`, watch: p === "blynk" ? "activated" : "status", wires: [["events"]] });
  }
  flow.push({ id: "c", z: "t1", type: "catch", scope: null, uncaught: false, wires: [["caught"]] }, { id: "out", z: "t1", type: "helper" }, { id: "caught", z: "t1", type: "helper" }, { id: "events", z: "t1", type: "helper" });
  await helper.load([...ours, catchNode], flow, creds);
  // The helper records every call of send/status/log in sinon spies (with the message and a stack): right for a
  // test, a growing heap for a soak. Restore them, and the copy of send that Node-RED keeps in each wired node.
  helper._sandbox.restore();
  if (helper._logSpy) helper._logSpy.restore();
  for (const n of flow) {
    const node = helper.getNode(n.id);
    if (node && Object.prototype.hasOwnProperty.call(node, "send") && typeof node.send.getCalls === "function") node.send = helper._NodePrototype.send;
  }

  // What each cloud offers, as its client declares it: a node type's operation is its name in camel case.
  const operationOf = (t) => t.replace(/^devicecloud-/, "").replace(/-(\w)/g, (_m, c) => c.toUpperCase());
  const { offersOperation } = require(path.join(BUILT, "api"));
  const supported = {
    flatpeak: types.filter((t) => offersOperation("flatpeak", operationOf(t))),
    blynk: types.filter((t) => offersOperation("blynk", operationOf(t))),
  };
  let events = 0;
  helper.getNode("events").on("input", () => events++);
  const ended = new Map(); // seq -> times ended (deleted when 1 and done, to keep the map small)
  const twice = [];
  const codes = {};
  let sent = 0;
  let outputs = 0;
  let catches = 0;
  const end = (seq) => {
    const n = ended.get(seq);
    if (n === undefined) twice.push(seq);
    else ended.delete(seq);
  };
  helper.getNode("out").on("input", (m) => {
    outputs++;
    end(m.seq);
  });
  helper.getNode("caught").on("input", (m) => {
    catches++;
    const code = (m.error && m.error.code) || "(none)";
    codes[code] = (codes[code] || 0) + 1;
    end(m.seq);
  });

  function message(seq) {
    const p = pick(["flatpeak", "blynk"]);
    const type = rnd() < 0.05 ? pick(types) : pick(supported[p]);
    const msg = { seq };
    const id = pick(ids[p]);
    if (/get-device|device-status/.test(type)) msg.deviceId = rnd() < 0.03 ? "../bad" : id;
    if (/trigger-event/.test(type)) Object.assign(msg, { deviceId: p === "blynk" ? pick(thermostats) : id, eventCode: "high_temperature" });
    if (/device-history/.test(type)) msg.deviceId = id;
    if (/prices|price-slots/.test(type)) msg.locationId = pick(locations);
    if (/manage-device/.test(type)) Object.assign(msg, p === "blynk" ? { deviceId: id, name: `Soak ${seq % 1000}` } : { deviceId: id, referenceId: `soak-${seq % 1000}` });
    if (/update-metafield/.test(type)) {
      const mf = pick(metafields);
      Object.assign(msg, { deviceId: mf.device, metafieldId: mf.field, payload: `soak ${seq}` });
    }
    return { node: `${p}:${type}`, msg };
  }

  // Faults for the whole run, and incidents now and then.
  for (const f of [
    { latencyMs: 40, probability: 0.1 },
    { status: 500, probability: 0.02 },
    { status: 502, probability: 0.02 },
    { status: 503, probability: 0.02 },
    { drop: true, probability: 0.02 },
    { malformed: true, probability: 0.01 },
    { hang: true, probability: 0.002 },
  ]) {
    await control(sim.url, "POST", "faults", f);
  }
  const incidents = [
    ["tokens revoked", () => control(sim.url, "POST", "revoke", { provider: pick(["flatpeak", "blynk"]) })],
    ["tokens expired", () => control(sim.url, "POST", "expire", {})],
    ["429 storm", async () => {
      const { id } = await control(sim.url, "POST", "faults", { provider: pick(["flatpeak", "blynk"]), status: 429, ...(rnd() < 0.5 ? { retryAfter: 1 } : {}) });
      setTimeout(() => control(sim.url, "DELETE", `faults/${id}`).catch(() => undefined), int(100, 300));
    }],
    ["server never answers", () => control(sim.url, "POST", "faults", { hang: true, times: int(2, 6) })],
    ["connections dropped", () => control(sim.url, "POST", "faults", { drop: true, times: int(5, 20) })],
  ];
  const incidentCount = {};
  /** Requests waiting in each account's queue (Flatpeak/Blynk): for a slot, a token of the bucket, or their turn. */
  const gates = await Promise.all(["flatpeak", "blynk"].map(async (p) => (await helper.getNode(`acc-${p}`).client()).transport.gate));
  const limits = () => `, queued ${gates.map((g) => g.queued).join("/")}`;

  console.log(`[soak] ${MINUTES} min${Number.isFinite(MAX_MESSAGES) ? ` or ${MAX_MESSAGES} messages` : ""}, up to ${RATE} messages/s, seed ${SEED}; Node ${process.version} on ${process.platform}/${process.arch}, ${require("os").cpus().length} CPUs`);
  const t0 = Date.now();
  const until = t0 + MINUTES * 60_000;
  await new Promise((r) => setTimeout(r, 1000));
  const start = figures();
  line("start", start);
  const rows = [];
  let lastReport = Date.now();
  let lastSent = 0;
  const stepMs = 50;
  while (Date.now() < until && sent < MAX_MESSAGES) {
    if (rnd() < 0.01) {
      const [name, fn] = pick(incidents);
      incidentCount[name] = (incidentCount[name] || 0) + 1;
      fn().catch(() => undefined);
    }
    const budget = Math.min(Math.round((RATE * stepMs) / 1000), MAX_OUTSTANDING - ended.size, MAX_MESSAGES - sent);
    for (let i = 0; i < budget; i++) {
      const { node, msg } = message(sent);
      ended.set(sent, 0);
      sent++;
      helper.getNode(node).receive(msg);
    }
    await new Promise((r) => setTimeout(r, stepMs));
    if (Date.now() - lastReport >= EVERY_S * 1000) {
      const f = figures();
      const rate = ((sent - lastSent) / ((Date.now() - lastReport) / 1000)).toFixed(0);
      lastReport = Date.now();
      lastSent = sent;
      rows.push(f);
      line(`${((Date.now() - t0) / 60000).toFixed(1)} min`, f, `  sent ${sent} (${rate}/s), in flight ${ended.size}${limits()}`);
    }
  }
  // Drain: every message in flight ends (the account timeout is 2 s; retries and 429 pauses add a little).
  const drainUntil = Date.now() + 60_000;
  while (ended.size > 0 && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 100));
  const elapsed = (Date.now() - t0) / 1000;
  const stats = await control(sim.url, "GET", "stats");
  const last = figures();
  line("end", last, `  sent ${sent}, in flight ${ended.size}${limits()}`);
  await helper.unload();
  await new Promise((r) => helper.stopServer(r));
  await new Promise((r) => setTimeout(r, 500));
  const closed = figures();
  line("closed", closed, "  (flows stopped)");
  sim.child.kill("SIGTERM");

  const growth = (a, b) => `${a > b ? "+" : ""}${MB(a - b)} MB`;
  console.log(`[soak] ${sent} messages in ${elapsed.toFixed(0)} s (${(sent / elapsed).toFixed(0)}/s): ${outputs} outputs, ${catches} catches ${JSON.stringify(codes)}`);
  console.log(`[soak] watch events: ${events}`);
  console.log(`[soak] simulator: ${stats.requests} requests, ${stats.logins.flatpeak + stats.logins.blynk} logins; incidents ${JSON.stringify(incidentCount)}`);
  console.log(`[soak] heapUsed start → end ${MB(start.heap)} → ${MB(last.heap)} MB (${growth(last.heap, start.heap)}), rss ${MB(start.rss)} → ${MB(last.rss)} MB, handles ${start.handles} → ${last.handles} (${closed.handles} after the flows stopped)`);
  if (rows.length >= 3) {
    const heaps = rows.map((r) => r.heap);
    console.log(`[soak] heapUsed at the reports: min ${MB(Math.min(...heaps))}, max ${MB(Math.max(...heaps))} MB`);
  }
  const lost = ended.size;
  const ok = lost === 0 && twice.length === 0 && unhandled.length === 0 && outputs + catches === sent;
  console.log(`[soak] ${ok ? "OK" : "FAILED"}: ${lost} never ended, ${twice.length} ended twice, ${unhandled.length} unhandled rejections`);
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  console.error(`[soak] ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
