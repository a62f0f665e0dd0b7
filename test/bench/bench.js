#!/usr/bin/env node
"use strict";
/**
 * `npm run bench`: the package side by side with what a user would do instead, in one run (issue 6). Not part
 * of `npm test`: it measures and prints, it asserts nothing (exit 0 even when a goal is missed).
 *
 *   npm run bench                    builds (npm run build), then the full run (about 3 minutes on 2 cores)
 *   npm run bench -- --quick         a short run: fewer messages, one listing per case (about a minute)
 *   node --expose-gc test/bench/bench.js [--quick]   without the build (nodes/ must be built: it says so if not)
 *   node --cpu-prof test/bench/bench.js --only=a [--conc=1]   profiling aid: get device through one client only
 *                                                              (a = our node, b = core flow, c = raw axios)
 *
 * What runs where:
 *  - the simulator of both clouds (nodes/simulator) in a child process, so that the "cloud" does not share an
 *    event loop with the clients being measured; its latency and statistics go through its control API
 *    (/_simulator/latency, /_simulator/stats). Fleet: 10,000 Flatpeak devices, and 142,535 Blynk devices with
 *    seed 1, which puts exactly 100,000 in the account's organization (the rest are in sub-organizations, which
 *    a listing does not include). Its Blynk rate limit is off: the client's own gate still holds to 10,000 per
 *    minute, and the login test's 10,000 messages on a fresh account must not collide with the listings'
 *    requests in the simulator's fixed window.
 *  - in this process: a real Node-RED runtime (require("node-red"), RED.init/RED.start, a temporary user
 *    directory with flows.json and plain flows_cred.json, the package loaded from the project directory through
 *    `nodesDir`, i.e. the built nodes/ as package.json names it), and a raw axios client on a keep-alive agent.
 *
 * Measured, at a simulator latency of 0 ms and again at 20 ms per request:
 *  - get device (Flatpeak: Blynk's 10,000 requests per minute would cap the runs), closed loop at concurrency 1
 *    and 32: (a) our devicecloud-get-device node, (b) the flow a user builds with core nodes (an inject at start →
 *    http request GET /login with basic auth → a function node keeping the token in flow context; per message a
 *    function node setting msg.url and the bearer header → the core http request node with its defaults, which on
 *    Node 20 keeps connections alive through Node's global agent), (c) a raw axios client with keep-alive in this
 *    process. (a) and (b) are driven alike: node.receive(msg) on the flow's first node, done when the message
 *    reaches a junction at the end (a catch node reports failures); every answer is checked (the device asked
 *    for). Warm-up messages are not counted. The three take turns in short rounds, in a rotating order, and
 *    req/s and the ratios are medians over the rounds, so that other work on the machine hits all three alike;
 *    latencies are pooled. "CPU µs/msg" is this process's CPU time per message (user + system, GC threads
 *    included); at low rates it is mostly event-loop wake-ups.
 *  - listing 100,000 Blynk and 10,000 Flatpeak devices with devicecloud-list-devices in array mode (5 runs after
 *    a warm-up, medians): wall time, requests (simulator stats), the simulator's peak of requests in flight, CPU
 *    of both processes, peak memory (rss and heap sampled every 5 ms, above the level after a GC before the run),
 *    each run followed by a raw client fetching the same pages one after the other (the sum of its requests'
 *    latencies: what a sequential client takes); time/seq is the median of those pairs. For Blynk, then a floor:
 *    the same pages fetched by hand 32 at a time, each parsed whole and kept (concurrentBlynk).
 *  - logins (at 20 ms): 10,000 concurrent get-device messages on each of two accounts (one per cloud) that have
 *    no token yet; the simulator counts the logins.
 *  - http in (at 0 ms, concurrency 1 and 32; test/bench/httpin.js): `http in → function → get device → function →
 *    http response` in a Node-RED of its own process, driven by a keep-alive HTTP client, in rotated rounds with
 *    the core http request flow, Node-RED's own round trip (a function node answering at once) and raw keep-alive
 *    requests to the simulator, and the floor (the request by hand in a function node); node/core, node/ideal
 *    (ideal: one round trip plus one raw request), node/floor and floor/ideal.
 *    node test/bench/bench.js --only=httpin [--conc=32] [--clients=node,fn] [--profile]   this case alone (some of
 *    its clients: node, core, fn, floor, raw); --profile runs that Node-RED with --cpu-prof, into .scratch/profiles/
 */
const { fork, execFileSync } = require("child_process");
const fs = require("fs");
const http = require("http");
const os = require("os");
const path = require("path");
const { runHttpIn } = require("./httpin");
const { newNodeCases, runNewNodes } = require("./newnodes");
const { coreHttpRequest, coreLogin } = require("./core-flows");

const ROOT = path.join(__dirname, "..", "..");
const argv = process.argv.slice(2);

// ---------------------------------------------------------------------------------------------------------------
// The simulator, in a child process

function simulatorChild() {
  const { startSimulator } = require(path.join(ROOT, "nodes", "simulator"));
  const opts = JSON.parse(argv[argv.indexOf("--sim-child") + 1]);
  startSimulator({ host: "127.0.0.1", port: 0, seed: 1, controlApi: true, ...opts }).then(
    (sim) => {
      process.send({ url: sim.url, credentials: sim.credentials });
      process.on("message", (m) => {
        if (m === "close") sim.close().then(() => process.exit(0));
        if (m === "cpu") process.send({ cpu: process.cpuUsage() });
      });
      process.on("disconnect", () => process.exit(0));
    },
    (err) => {
      process.stderr.write(`simulator: ${err.stack}\n`);
      process.exit(1);
    },
  );
}

function startSimulatorProcess(opts) {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ["--sim-child", JSON.stringify(opts)], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: [] });
    child.once("message", (m) => resolve({ ...m, child }));
    child.once("exit", (code) => reject(new Error(`the simulator exited (${code}) before it was ready`)));
  });
}

/** The simulator process's CPU time so far, in µs. */
function simulatorCpu(sim) {
  return new Promise((resolve) => {
    const on = (m) => {
      if (!m || !m.cpu) return;
      sim.child.off("message", on);
      resolve(m.cpu.user + m.cpu.system);
    };
    sim.child.on("message", on);
    sim.child.send("cpu");
  });
}

async function control(sim, method, route, body) {
  const res = await fetch(`${sim.url}/_simulator/${route}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`simulator control ${method} ${route}: HTTP ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

// ---------------------------------------------------------------------------------------------------------------
// Figures and printing

const lines = [];
function say(line = "") {
  lines.push(line);
  process.stdout.write(line + "\n");
}

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

function median(values) {
  return quantile(Float64Array.from(values).sort(), 0.5);
}

function summarize(result) {
  const sorted = Float64Array.from(result.lat).sort();
  return {
    msgs: result.lat.length,
    rps: (result.lat.length / result.elapsed) * 1000,
    median: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    cpu: result.cpuUs / result.lat.length,
    elapsed: result.elapsed,
    errors: result.errors,
  };
}

function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map((c) => String(c)));
  const width = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const fmt = (r) => r.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join("  ");
  say(fmt(all[0]));
  say(width.map((w) => "-".repeat(w)).join("  "));
  for (const r of all.slice(1)) say(fmt(r));
}

const f1 = (n) => (Number.isFinite(n) ? n.toFixed(1) : "–");
const f2 = (n) => (Number.isFinite(n) ? n.toFixed(2) : "–");
const f0 = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–");
const mb = (bytes) => `${(bytes / 1048576).toFixed(0)} MB`;

/** Each ratio taken per round (or per run), for the spread table at the end. */
const spreads = [];
/** Records a ratio's values over the rounds; returns "median (rounds lowest–highest)". */
function spread(name, values) {
  const row = { name, median: median(values), low: Math.min(...values), high: Math.max(...values), n: values.length };
  spreads.push(row);
  return `${f2(row.median)} (rounds ${f2(row.low)}–${f2(row.high)})`;
}

const targets = [];
function target(name, measured, goal, met) {
  targets.push({ name, measured, goal, met });
  return met ? "met" : "MISSED";
}

// ---------------------------------------------------------------------------------------------------------------
// Node-RED in this process

function flowsFor(sim, extraCases) {
  const fp = sim.credentials.flatpeak;
  const bl = sim.credentials.blynk;
  const account = (id, provider) => ({ id, type: "devicecloud-account", name: `${provider} (benchmark)`, provider, server: sim.url, apiVersion: "", simulate: false, timeout: 30 });
  const z = "bench-tab";
  let y = 0;
  const n = (node) => ({ z, x: 200, y: (y += 40), wires: [], ...node });
  const junction = (id) => ({ id, type: "junction", z, x: 600, y: (y += 40), wires: [] });
  const catcher = (id, scope, to) => n({ id, type: "catch", name: "", scope, uncaught: false, wires: [[to]] });
  const list = (id, acc) => n({ id, type: "devicecloud-list-devices", name: "", account: acc, output: "array", max: 0, query: "", wires: [[`${id}-end`]] });
  const getDevice = (id, acc) =>
    n({ id, type: "devicecloud-get-device", name: "", account: acc, deviceId: "deviceId", deviceIdType: "msg", detail: "full", includeToken: false, wires: [[`${id}-end`]] });
  const flows = [
    { id: z, type: "tab", label: "benchmark", disabled: false, info: "" },
    account("acc-fp", "flatpeak"),
    account("acc-bl", "blynk"),
    account("acc-fp-login", "flatpeak"),
    account("acc-bl-login", "blynk"),
    account("acc-bl-ds", "blynk"),
    // (a) our node
    getDevice("a-get", "acc-fp"),
    junction("a-get-end"),
    catcher("a-catch", ["a-get"], "a-err"),
    junction("a-err"),
    // (b) the same with core nodes, as a user builds it: the token fetched once at start by an http request node …
    ...coreLogin(n, "b", { name: "GET /login", method: "GET", url: `${sim.url}/login`, tokenField: "bearer_token", flowKey: "fpToken" }),
    // … then a function node setting the URL and the bearer header, and the core http request node (defaults).
    n({
      id: "b-fn",
      type: "function",
      name: "url and bearer",
      func: `msg.url = ${JSON.stringify(sim.url + "/devices/")} + encodeURIComponent(msg.deviceId);\nmsg.headers = { Authorization: "Bearer " + flow.get("fpToken") };\nreturn msg;`,
      outputs: 1,
      wires: [["b-req"]],
    }),
    coreHttpRequest(n, "b-req", "GET device", { wires: [["b-fn-end"]] }),
    junction("b-fn-end"),
    catcher("b-catch", ["b-fn", "b-req"], "b-err"),
    junction("b-err"),
    // listings
    list("l-fp", "acc-fp"),
    junction("l-fp-end"),
    list("l-bl", "acc-bl"),
    junction("l-bl-end"),
    catcher("l-catch", ["l-fp", "l-bl"], "l-err"),
    junction("l-err"),
    // logins: two accounts nothing else uses
    getDevice("g-fp", "acc-fp-login"),
    junction("g-fp-end"),
    getDevice("g-bl", "acc-bl-login"),
    junction("g-bl-end"),
    catcher("g-catch", ["g-fp", "g-bl"], "g-err"),
    junction("g-err"),
    // the nodes that came later, each beside its core flow (test/bench/newnodes.js)
    ...extraCases.flatMap((c) => c.nodes(n, junction, catcher)),
  ];
  const creds = {
    "acc-fp": { clientId: fp.clientId, clientSecret: fp.clientSecret },
    "acc-fp-login": { clientId: fp.clientId, clientSecret: fp.clientSecret },
    "acc-bl": { clientId: bl.clientId, clientSecret: bl.clientSecret },
    "acc-bl-login": { clientId: bl.clientId, clientSecret: bl.clientSecret },
    "acc-bl-ds": { clientId: bl.clientId, clientSecret: bl.clientSecret },
    "b-login-req": { user: fp.clientId, password: fp.clientSecret },
    ...Object.assign({}, ...extraCases.map((c) => c.creds)),
  };
  return { flows, creds };
}

async function startNodeRed(sim, userDir, extraCases) {
  const { flows, creds } = flowsFor(sim, extraCases);
  fs.writeFileSync(path.join(userDir, "flows.json"), JSON.stringify(flows, null, 2));
  fs.writeFileSync(path.join(userDir, "flows_cred.json"), JSON.stringify(creds, null, 2));
  const RED = require("node-red");
  const server = http.createServer();
  RED.init(server, {
    userDir,
    flowFile: "flows.json",
    credentialSecret: false,
    nodesDir: [ROOT],
    httpAdminRoot: "/admin",
    httpNodeRoot: false,
    disableEditor: true,
    uiHost: "127.0.0.1",
    logging: { console: { level: "warn", metrics: false, audit: false } },
    functionExternalModules: false,
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    editorTheme: { tours: false },
  });
  await RED.start();
  const need = ["a-get", "b-fn", "l-bl", "g-bl-end"];
  for (let i = 0; i < 200 && need.some((id) => !RED.nodes.getNode(id)); i++) await sleep(50);
  for (const id of need) if (!RED.nodes.getNode(id)) throw new Error(`Node-RED did not start node ${id}: is nodes/ built?`);
  // The core flow's token, fetched by its own inject → http request at start.
  const store = RED.nodes.getNode("b-login-store");
  for (let i = 0; i < 200 && !store.context().flow.get("fpToken"); i++) await sleep(50);
  if (!store.context().flow.get("fpToken")) throw new Error("the core flow did not log in");
  for (const c of extraCases.filter((x) => x.ready)) {
    for (let i = 0; i < 200 && !c.ready(RED); i++) await sleep(50);
    if (!c.ready(RED)) throw new Error(`the core flow of ${c.key} did not log in`);
  }
  return {
    RED,
    stop: async () => {
      await RED.stop();
      server.close();
    },
  };
}

/** Sends messages into a flow's first node; each resolves when it reaches the end junction or the catch node. */
function flowDriver(RED, startId, endId, errId) {
  const start = RED.nodes.getNode(startId);
  const pending = new Map();
  let seq = 0;
  const settle = (msg, failed) => {
    const done = pending.get(msg._bench);
    if (!done) return;
    pending.delete(msg._bench);
    done(msg, failed);
  };
  RED.nodes.getNode(endId).on("input", (msg) => settle(msg, false));
  RED.nodes.getNode(errId).on("input", (msg) => settle(msg, true));
  return (msg) =>
    new Promise((resolve) => {
      const id = ++seq;
      msg._bench = id;
      pending.set(id, (out, failed) => resolve({ msg: out, failed }));
      start.receive(msg);
    });
}

// ---------------------------------------------------------------------------------------------------------------
// Load

/** A closed loop: `conc` workers, each sending the next message as soon as its last one is done. */
async function closedLoop(send, count, conc) {
  const lat = new Float64Array(count);
  let next = 0;
  let errors = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const s = performance.now();
      const ok = await send(i);
      lat[i] = performance.now() - s;
      if (!ok) errors++;
    }
  };
  await Promise.all(Array.from({ length: conc }, worker));
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { elapsed, lat, errors, cpuUs: cpu.user + cpu.system };
}

/**
 * Rotated rounds: after a warm-up each, the clients take turns in a rotating order, `rounds` rounds of `per`
 * messages, so that whatever else the machine does hits all of them alike. `pause` runs before each warm-up and
 * round (to refill a rate limit); `meter`, if given, starts a measure at each round and returns a function that
 * gives the figures to add to that client's pool.
 */
async function rotatedRounds(clients, { conc, rounds, per, warm, pause, meter }) {
  const pooled = {};
  for (const c of clients) {
    if (pause) await pause();
    await closedLoop(c.send, Math.min(warm, per), conc); // warm-up, not counted
    pooled[c.key] = { lat: [], rps: [], elapsed: 0, cpuUs: 0, errors: 0 };
  }
  for (let round = 0; round < rounds; round++) {
    for (const c of clients.map((_, k) => clients[(k + round) % clients.length])) {
      if (pause) await pause();
      const stop = meter ? meter() : undefined;
      const r = await closedLoop(c.send, per, conc);
      const p = pooled[c.key];
      for (const v of r.lat) p.lat.push(v);
      p.rps.push((per / r.elapsed) * 1000);
      p.elapsed += r.elapsed;
      p.cpuUs += r.cpuUs;
      p.errors += r.errors;
      if (stop) for (const [k, v] of Object.entries(stop())) p[k] = (p[k] ?? 0) + v;
    }
  }
  return pooled;
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function gc() {
  if (typeof global.gc === "function") {
    global.gc();
    global.gc();
  }
}

/** Samples rss and heapUsed every 5 ms until stopped; returns the peaks above the level at the start. */
function memorySampler() {
  gc();
  const base = process.memoryUsage();
  let rss = base.rss;
  let heap = base.heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    if (m.rss > rss) rss = m.rss;
    if (m.heapUsed > heap) heap = m.heapUsed;
  };
  const timer = setInterval(sample, 5);
  return () => {
    sample();
    clearInterval(timer);
    // What the run's result holds once its garbage is collected (call while the result is still referenced).
    const held = () => {
      if (typeof global.gc !== "function") return NaN;
      gc();
      return process.memoryUsage().heapUsed - base.heapUsed;
    };
    return { rss: rss - base.rss, heap: heap - base.heapUsed, rssPeak: rss, heapPeak: heap, held };
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The run

async function main() {
  const quick = argv.includes("--quick");
  if (!fs.existsSync(path.join(ROOT, "nodes", "devicecloud-get-device.js")) || !fs.existsSync(path.join(ROOT, "nodes", "simulator", "index.js"))) {
    process.stderr.write("[bench] nodes/ is not built: run `npm run bench` (it builds first) or `npm run build`.\n");
    return 1;
  }
  const CFG = quick
    ? {
        warm: 300,
        get: { 0: { 1: { rounds: 3, per: 200 }, 32: { rounds: 3, per: 1000 } }, 20: { 1: { rounds: 2, per: 50 }, 32: { rounds: 3, per: 500 } } },
        listRuns: 1,
        logins: 10_000,
        httpin: { warm: 300, 1: { rounds: 4, per: 200 }, 32: { rounds: 4, per: 1000 } },
        newNodes: { warm: 200, 1: { rounds: 3, per: 100 }, 32: { rounds: 3, per: 500 } },
      }
    : {
        warm: 1000,
        get: { 0: { 1: { rounds: 16, per: 250 }, 32: { rounds: 12, per: 1500 } }, 20: { 1: { rounds: 6, per: 50 }, 32: { rounds: 8, per: 800 } } },
        listRuns: 5,
        logins: 10_000,
        httpin: { warm: 1000, 1: { rounds: 12, per: 300 }, 32: { rounds: 10, per: 1500 } },
        newNodes: { warm: 200, 1: { rounds: 6, per: 50 }, 32: { rounds: 6, per: 300 } },
      };
  // Seed 1 with 142,535 Blynk devices puts exactly 100,000 in the account's organization (the rest are in its
  // sub-organizations, which a listing does not include); checked below.
  const FLEET = { flatpeakDevices: 10_000, blynkDevices: 142_535, blynkListed: 100_000 };
  const only = (argv.find((a) => a.startsWith("--only=")) || "").slice("--only=".length);
  const LATENCIES = [0, 20];
  const began = new Date();
  const t0 = Date.now();

  const axios = require("axios");
  const nodeRedVersion = require("node-red/package.json").version;
  const cpus = os.cpus();
  say(`# npm run bench${quick ? " -- --quick" : ""}`);
  say(`date:     ${began.toISOString()}`);
  say(`machine:  ${cpus[0] ? cpus[0].model.trim() : "unknown CPU"}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()}`);
  say(`software: Node.js ${process.version}, Node-RED ${nodeRedVersion}, axios ${require("axios/package.json").version}, package ${require(path.join(ROOT, "package.json")).version}${gitRev()}`);
  say(`fleet:    ${FLEET.flatpeakDevices.toLocaleString("en-US")} Flatpeak, ${FLEET.blynkListed.toLocaleString("en-US")} Blynk devices in the account's organization (simulator in a child process, Blynk rate limit off there)`);
  const loadAtStart = loadavg();
  say(`load:     ${loadAtStart} (1, 5, 15 min) at the start; other work on the machine shows up as noise`);
  if (typeof global.gc !== "function") say("note:     run with --expose-gc for steadier memory figures (npm run bench does)");

  const sim = await startSimulatorProcess({ ...FLEET, rateLimit: { blynk: null } });
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "devicecloud-bench-"));
  let nr;
  const agents = { http: new http.Agent({ keepAlive: true }) };
  try {
    const extraCases = await newNodeCases(sim);
    nr = await startNodeRed(sim, userDir, extraCases);
    const { RED } = nr;

    // The raw client: axios on a keep-alive agent, the token fetched once.
    const fpCred = sim.credentials.flatpeak;
    const blCred = sim.credentials.blynk;
    const basic = (c) => `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString("base64")}`;
    const fpToken = (await axios.get(`${sim.url}/login`, { headers: { Authorization: basic(fpCred) }, httpAgent: agents.http })).data.bearer_token;
    const blToken = (await axios.post(`${sim.url}/oauth2/token?grant_type=client_credentials`, null, { headers: { Authorization: basic(blCred) }, httpAgent: agents.http })).data
      .access_token;
    const rawFp = axios.create({ baseURL: sim.url, httpAgent: agents.http, headers: { Authorization: `Bearer ${fpToken}` } });
    const rawBl = axios.create({ baseURL: sim.url, httpAgent: agents.http, headers: { Authorization: `Bearer ${blToken}` } });

    // Device ids, from a sequential listing (it warms the simulator up as well).
    const fpIds = (await sequentialFlatpeak(rawFp)).ids;
    const blFirst = (await rawBl.get("/api/v1/organization/devices", { params: { page: 0, size: 1000 } })).data;
    const blIds = blFirst.content.map((d) => d.id);
    if (blFirst.totalElements !== FLEET.blynkListed) throw new Error(`the simulator's Blynk organization has ${blFirst.totalElements} devices, not ${FLEET.blynkListed}: adjust FLEET.blynkDevices`);

    // The http-in case: Node-RED in a process of its own, driven over HTTP (test/bench/httpin.js).
    const httpInCase = async (concs) => {
      await control(sim, "POST", "latency", { ms: 0 });
      const profileDir = argv.includes("--profile") ? path.join(ROOT, ".scratch", "profiles") : undefined;
      if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
      say("");
      say("## http in: get device the way a flow serves it (Node-RED in its own process, simulator latency 0 ms)");
      const device = (await rawFp.get(`/devices/${encodeURIComponent(fpIds[0])}`)).data;
      const io = { say, table, target, rotatedRounds, median, summarize, f0, f2, spread };
      const clientsArg = argv.find((a) => a.startsWith("--clients="));
      const only = clientsArg ? clientsArg.slice("--clients=".length).split(",") : undefined;
      await runHttpIn(io, { sim, ids: fpIds, token: fpToken, device, cfg: CFG.httpin, concs, profileDir, only });
      if (profileDir) say(`Node-RED's CPU profile: ${profileDir} (the newest .cpuprofile)`);
    };

    const sendA = flowDriver(RED, "a-get", "a-get-end", "a-err");
    const sendB = flowDriver(RED, "b-fn", "b-fn-end", "b-err");
    const sendList = {
      flatpeak: flowDriver(RED, "l-fp", "l-fp-end", "l-err"),
      blynk: flowDriver(RED, "l-bl", "l-bl-end", "l-err"),
    };
    /** One listing through the node: its message, wall time, this process's CPU and the memory sampler's peaks. */
    const timedListing = async (provider) => {
      const stopSampling = memorySampler();
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      const r = await sendList[provider]({});
      const wall = performance.now() - start;
      const cpu = process.cpuUsage(cpu0);
      return { r, wall, cpu, mem: stopSampling() };
    };
    const id = (i) => fpIds[i % fpIds.length];
    const clients = [
      { key: "a", label: "(a) devicecloud-get-device", send: (i) => sendA({ deviceId: id(i) }).then((r) => !r.failed && r.msg.payload && r.msg.payload.id === id(i)) },
      {
        key: "b",
        label: "(b) function + core http request",
        send: (i) => sendB({ deviceId: id(i) }).then((r) => !r.failed && r.msg.statusCode === 200 && r.msg.payload && r.msg.payload.id === id(i)),
      },
      { key: "c", label: "(c) raw axios, keep-alive", send: (i) => rawFp.get(`/devices/${encodeURIComponent(id(i))}`).then((r) => r.status === 200 && r.data.id === id(i), () => false) },
    ];

    const newNodes = async () => {
      await control(sim, "POST", "latency", { ms: 0 });
      say("");
      say(`## The newer nodes, each against its core flow and raw requests (simulator latency 0 ms)${extraCases.length ? "" : ": none in this package"}`);
      await runNewNodes({ say, table, rotatedRounds, median, summarize, f0, f2, sleep, spread }, extraCases, (start, end, err) => flowDriver(RED, start, end, err), CFG.newNodes, { fpToken });
    };
    if (only === "new") {
      // The newer nodes' rows alone (node test/bench/bench.js --only=new).
      await newNodes();
      return 0;
    }
    if (only === "httpin") {
      // The http-in case alone (node test/bench/bench.js --only=httpin [--conc=32] [--profile]).
      const concArg = argv.find((a) => a.startsWith("--conc="));
      await httpInCase(concArg ? [Number(concArg.slice(7))] : [1, 32]);
      return 0;
    }
    if (only === "list") {
      // A profiling aid (node --cpu-prof test/bench/bench.js --only=list [--latency=20] [--flatpeak]): listings only.
      const latArg = argv.find((a) => a.startsWith("--latency="));
      await control(sim, "POST", "latency", { ms: latArg ? Number(latArg.slice(10)) : 20 });
      const provider = argv.includes("--flatpeak") ? "flatpeak" : "blynk";
      for (let k = 0; k < 6; k++) {
        const { r, wall, cpu, mem } = await timedListing(provider);
        const json = r.failed ? NaN : Buffer.byteLength(JSON.stringify(r.msg.payload));
        const devices = r.failed ? "failed" : `${f0(r.msg.payload.length)} devices`;
        r.msg = undefined;
        const seq = provider === "blynk" ? await sequentialBlynk(rawBl, FLEET.blynkListed) : await sequentialFlatpeak(rawFp);
        const floor = provider === "blynk" ? await concurrentBlynk(sim.url, blToken, FLEET.blynkListed) : NaN;
        say(
          `${provider} listing: ${f0(wall)} ms, ${devices}, CPU ${f0((cpu.user + cpu.system) / 1000)} ms; sequential raw ${f0(seq.sum)} ms (time/seq ${f2(wall / seq.sum)}); ` +
            `floor ${f0(floor)} ms (floor/seq ${f2(floor / seq.sum)}); peak heap + ${mb(mem.heap)}, JSON ${mb(json)} (heap/JSON ${f2(mem.heap / json)})`,
        );
      }
      return 0;
    }
    if (only) {
      // A profiling aid (node --cpu-prof test/bench/bench.js --only=a): one client's get device, nothing else.
      const c = clients.find((x) => x.key === only);
      if (!c) throw new Error(`--only=${only}: use a, b or c`);
      const concArg = argv.find((a) => a.startsWith("--conc="));
      for (const conc of concArg ? [Number(concArg.slice(7))] : [1, 32]) {
        await closedLoop(c.send, CFG.warm, conc);
        const r = await closedLoop(c.send, CFG.get[0][conc].rounds * CFG.get[0][conc].per, conc);
        const s = summarize(r);
        const sorted = Float64Array.from(r.lat).sort();
        const mean = r.lat.reduce((x, y) => x + y, 0) / r.lat.length;
        say(`${c.label} c${conc}: ${f0(s.rps)} req/s, ${f0(s.cpu)} µs CPU/msg, errors ${s.errors}; latency ms: mean ${f2(mean)}, median ${f2(s.median)}, p90 ${f2(quantile(sorted, 0.9))}, p99 ${f2(s.p99)}, max ${f2(sorted[sorted.length - 1])}`);
      }
      return 0;
    }

    for (const latency of LATENCIES) {
      await control(sim, "POST", "latency", { ms: latency });
      say("");
      say(`## Simulator latency ${latency} ms per request`);

      // ---- get device -------------------------------------------------------------------------------------------
      for (const conc of [1, 32]) {
        const { rounds, per } = CFG.get[latency][conc];
        const pooled = await rotatedRounds(clients, { conc, rounds, per, warm: CFG.warm });
        const s = {};
        for (const c of clients) s[c.key] = { ...summarize(pooled[c.key]), rps: median(pooled[c.key].rps) };
        const perRound = (x, y) => {
          const ratios = pooled[x].rps.map((v, k) => v / pooled[y].rps[k]);
          spread(`get device c${conc} @${latency} ms, ${x === "a" && y === "b" ? "node/core" : "node/raw"}`, ratios);
          return median(ratios);
        };
        say("");
        say(`### get device (Flatpeak), concurrency ${conc}, latency ${latency} ms: ${rounds} rounds of ${f0(per)} messages each, warm-up excluded`);
        table(
          ["client", "req/s", "median ms", "p99 ms", "CPU µs/msg", "errors"],
          clients.map((c) => [c.label, f0(s[c.key].rps), f2(s[c.key].median), f2(s[c.key].p99), f0(s[c.key].cpu), s[c.key].errors]),
        );
        const vsCore = perRound("a", "b");
        const vsRaw = perRound("a", "c");
        const tag = `get device c${conc} @${latency} ms`;
        say(
          `throughput node/core ${f2(vsCore)} (goal ≥ 1.00: ${target(`${tag}: node/core throughput`, f2(vsCore), "≥ 1.00", vsCore >= 1)}), ` +
            `node/raw ${f2(vsRaw)} (goal ≥ 0.80: ${target(`${tag}: node/raw throughput`, f2(vsRaw), "≥ 0.80", vsRaw >= 0.8)})`,
        );
        say(`latency node/core median ${f2(s.a.median / s.b.median)}, p99 ${f2(s.a.p99 / s.b.p99)}; node/raw median ${f2(s.a.median / s.c.median)}, p99 ${f2(s.a.p99 / s.c.p99)}`);
        const open = (agent) => Object.values(agent.sockets).flat().length + Object.values(agent.freeSockets).flat().length;
        say(`keep-alive: sockets open after the run: core http request ${open(http.globalAgent)} (Node's global agent, keepAlive ${http.globalAgent.keepAlive}), raw axios ${open(agents.http)}`);
        const errs = s.a.errors + s.b.errors + s.c.errors;
        if (errs > 0) say(`WARNING: ${errs} messages failed`);
      }

      // ---- listings ---------------------------------------------------------------------------------------------
      say("");
      say(`### list devices, array mode, latency ${latency} ms (median of ${CFG.listRuns} run(s) after one warm-up; memory: the worst run)`);
      const rows = [];
      let floorLine;
      for (const provider of ["blynk", "flatpeak"]) {
        const expected = provider === "blynk" ? FLEET.blynkListed : FLEET.flatpeakDevices;
        const runs = [];
        let jsonBytes;
        for (let k = 0; k <= CFG.listRuns; k++) {
          await control(sim, "POST", "stats/reset");
          const simCpu0 = await simulatorCpu(sim);
          const { r, wall, cpu, mem } = await timedListing(provider);
          const simCpu = (await simulatorCpu(sim)) - simCpu0;
          const stats = await control(sim, "GET", "stats");
          const got = r.failed ? -1 : Array.isArray(r.msg.payload) ? r.msg.payload.length : -1;
          // The listing's own size: its output as JSON text (measured after the run, outside the figures above).
          if (got === expected && jsonBytes === undefined) jsonBytes = Buffer.byteLength(JSON.stringify(r.msg.payload));
          const held = mem.held();
          r.msg = undefined;
          if (got !== expected) throw new Error(`${provider} listing returned ${got} devices, not ${expected}${r.failed ? " (it failed)" : ""}`);
          if (k === 0) continue; // warm-up
          // The sequential client right after, so that each pair sees the same machine.
          const seq = provider === "blynk" ? await sequentialBlynk(rawBl, FLEET.blynkListed) : await sequentialFlatpeak(rawFp);
          // Blynk's pages can come 32 at a time: the floor of such a listing, right after as well.
          const floor = provider === "blynk" ? await concurrentBlynk(sim.url, blToken, FLEET.blynkListed) : undefined;
          runs.push({ wall, seq, floor, requests: stats.requests, mem, held, maxInFlight: stats.maxInFlight, cpu: (cpu.user + cpu.system) / 1000, simCpu: simCpu / 1000 });
        }
        const wall = median(runs.map((r) => r.wall));
        const requests = runs[0].requests;
        const seq = { sum: median(runs.map((r) => r.seq.sum)), requests: runs[0].seq.requests };
        const ratio = median(runs.map((r) => r.wall / r.seq.sum));
        const rssPeak = Math.max(...runs.map((r) => r.mem.rss));
        const heapPeak = Math.max(...runs.map((r) => r.mem.heap));
        const heapPerJson = heapPeak / jsonBytes;
        const held = median(runs.map((r) => r.held));
        spread(`list ${provider} @${latency} ms, time/seq`, runs.map((r) => r.wall / r.seq.sum));
        spread(`list ${provider} @${latency} ms, peak heap/JSON`, runs.map((r) => r.mem.heap / jsonBytes));
        if (provider === "blynk") {
          const floorVsSeq = spread(`list blynk @${latency} ms, floor/seq`, runs.map((r) => r.floor / r.seq.sum));
          const nodeVsFloor = spread(`list blynk @${latency} ms, node/floor (time)`, runs.map((r) => r.wall / r.floor));
          floorLine =
            `floor (Blynk): the same pages fetched by hand, 32 at a time, each parsed whole and its devices kept: median ${f0(median(runs.map((r) => r.floor)))} ms, ` +
            `floor/seq ${floorVsSeq}; the node's time over the floor's ${nodeVsFloor}`;
        }
        let goal = "–";
        let heapGoal = "–";
        if (provider === "blynk" && latency === 20) {
          goal = `≤ 0.20: ${target(`list 100k Blynk @20 ms: time / sequential`, f2(ratio), "≤ 0.20", ratio <= 0.2)}`;
          heapGoal = `≤ 2.00: ${target(`list 100k Blynk @20 ms: peak heap / listing's JSON`, f2(heapPerJson), "≤ 2.00", heapPerJson <= 2)}`;
        }
        rows.push([
          `${provider} ${f0(expected)}`,
          f0(wall),
          f0(requests),
          Math.max(...runs.map((r) => r.maxInFlight)),
          f0(seq.sum),
          `${f0(seq.requests)} × ${f1(seq.sum / seq.requests)}`,
          f2(ratio),
          goal,
          f0(median(runs.map((r) => r.cpu))),
          f0(median(runs.map((r) => r.simCpu))),
          mb(rssPeak),
          mb(heapPeak),
          mb(jsonBytes),
          f2(heapPerJson),
          heapGoal,
          `${mb(held)} (${f2(held / jsonBytes)})`,
        ]);
      }
      table(
        ["listing", "wall ms", "requests", "max in flight", "sequential ms", "seq requests × ms", "time/seq", "goal", "CPU ms", "sim CPU ms", "peak rss +", "peak heap +", "JSON", "heap/JSON", "goal", "held after GC (/JSON)"],
        rows,
      );
      if (floorLine) say(floorLine);
      say("sequential: a raw client fetching the same pages one after the other right after each listing (the sum of its");
      say("requests' latencies); time/seq: median of the pairs. CPU: this process (Node-RED and the node), sim CPU: the");
      say("simulator's process, during the node's listing. Flatpeak's cursor pages can only come one after the other, so its");
      say("time/seq is about 1 by nature. JSON: the listing's output as JSON text; heap/JSON: the peak heap above the start over it");
      say("(garbage not yet collected included); held after GC: the heap the output array holds once a GC ran, median.");

      // ---- logins -----------------------------------------------------------------------------------------------
      if (latency === 20) {
        say("");
        say(`### logins: ${f0(CFG.logins)} concurrent get-device messages on each of two fresh accounts, latency ${latency} ms`);
        const rows2 = [];
        for (const [provider, nodeId, ids] of [
          ["flatpeak", "g-fp", fpIds],
          ["blynk", "g-bl", blIds],
        ]) {
          await control(sim, "POST", "stats/reset");
          const send = flowDriver(RED, nodeId, `${nodeId}-end`, "g-err");
          const start = performance.now();
          const results = await Promise.all(Array.from({ length: CFG.logins }, (_, i) => send({ deviceId: ids[i % ids.length] })));
          const wall = performance.now() - start;
          const stats = await control(sim, "GET", "stats");
          const failed = results.filter((r) => r.failed).length;
          const logins = stats.logins[provider];
          rows2.push([
            provider,
            f0(CFG.logins),
            failed,
            f0(stats.requests),
            stats.maxInFlight,
            f0(wall),
            logins,
            `1: ${target(`logins, ${provider} account, ${f0(CFG.logins)} concurrent messages`, String(logins), "1", logins === 1 && failed === 0)}`,
          ]);
        }
        table(["account", "messages", "failed", "requests", "max in flight", "wall ms", "logins", "goal"], rows2);
      }
    }

    // ---- the newer nodes ------------------------------------------------------------------------------------------
    await newNodes();

    // ---- http in -------------------------------------------------------------------------------------------------
    await httpInCase([1, 32]);

    // ---- summary --------------------------------------------------------------------------------------------------
    say("");
    say(`## Targets (${targets.filter((t) => t.met).length} of ${targets.length} met)`);
    table(
      ["target", "measured", "goal", ""],
      targets.map((t) => [t.name, t.measured, t.goal, t.met ? "met" : "MISSED"]),
    );
    say("");
    say(`total time ${((Date.now() - t0) / 1000).toFixed(0)} s; load ${loadavg()} at the end`);
    const file = writeDocBlock(began, quick, loadAtStart);
    process.stdout.write(`\nThe run as docs/benchmarks.md gives it (its sections "The run" and "Spread over the rounds"): ${file}\n`);
    return 0;
  } finally {
    agents.http.destroy();
    if (nr) await nr.stop().catch(() => undefined);
    sim.child.send("close");
    await new Promise((r) => {
      const t = setTimeout(() => {
        sim.child.kill();
        r();
      }, 3000);
      sim.child.once("exit", () => {
        clearTimeout(t);
        r();
      });
    });
    fs.rmSync(userDir, { recursive: true, force: true });
  }
}

/**
 * The run for docs/benchmarks.md: its date, command, load and duration, the output as printed, and the spread of
 * every ratio over the rounds; written to .scratch/bench/ for pasting over the doc's two sections of the same names.
 */
function writeDocBlock(began, quick, loadAtStart) {
  const dir = path.join(ROOT, ".scratch", "bench");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `benchmarks-${began.toISOString().replace(/[:.]/g, "-")}.md`);
  const minutes = ((Date.now() - began.getTime()) / 60000).toFixed(1);
  const doc = [
    "## The run",
    "",
    `- **Date**: ${began.toISOString().slice(0, 16).replace("T", ", ")} UTC; the run took ${minutes} minutes.`,
    `- **Command**: \`npm run bench${quick ? " -- --quick" : ""}\`${gitRev().replace(/^ \(commit (.*)\)$/, ", at commit $1")}.`,
    `- **Machine**: ${lines.find((l) => l.startsWith("machine:")).slice(10)}.`,
    `- **Software**: ${lines.find((l) => l.startsWith("software:")).slice(10)}.`,
    `- **Load** (1, 5, 15 min averages, ${os.cpus().length} cores): ${loadAtStart} at the start, ${loadavg()} at the end.`,
    "",
    "This is the output as the script printed it, without npm's banner and Node-RED's start-up warnings:",
    "",
    "```text",
    ...lines,
    "```",
    "",
    "## Spread over the rounds",
    "",
    "Each ratio above is the median of the per-round ratios (per run for the listings); over the rounds of this run they ranged:",
    "",
    "| case | median | lowest–highest | rounds |",
    "|------|--------|----------------|--------|",
    ...spreads.map((r) => `| ${r.name} | ${f2(r.median)} | ${f2(r.low)}–${f2(r.high)} | ${r.n} |`),
    "",
  ];
  fs.writeFileSync(file, doc.join("\n"));
  return file;
}

/** Every Flatpeak device page, one after the other (the cursor needs the page before): the sum of latencies. */
async function sequentialFlatpeak(raw) {
  const ids = [];
  let after;
  let sum = 0;
  let requests = 0;
  for (;;) {
    const s = performance.now();
    const r = await raw.get("/devices", { params: after ? { limit: 100, starting_after: after } : { limit: 100 } });
    sum += performance.now() - s;
    requests++;
    const data = r.data.data;
    for (const d of data) ids.push(d.id);
    if (!r.data.has_more || data.length === 0) break;
    after = data[data.length - 1].id;
  }
  return { ids, sum, requests };
}

/**
 * The least any listing in Node.js costs here: the same pages fetched by hand, 32 at a time (Node's bare http.get on
 * a keep-alive agent of 32 sockets), each page parsed whole with JSON.parse and its devices kept; no token taken
 * out, no check. Its wall time in ms.
 */
async function concurrentBlynk(baseUrl, token, total) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const page = (n) =>
    new Promise((resolve, reject) => {
      const url = `${baseUrl}/api/v1/organization/devices?page=${n}&size=1000`;
      http
        .get(url, { agent, headers: { Authorization: `Bearer ${token}`, Accept: "application/json" } }, (res) => {
          const chunks = [];
          res.on("data", (chunk) => chunks.push(chunk));
          res.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString()).content));
        })
        .on("error", reject);
    });
  const count = Math.ceil(total / 1000);
  const start = performance.now();
  const pages = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      for (let n = next++; n < count; n = next++) pages[n] = await page(n);
    }),
  );
  const devices = [];
  for (const items of pages) for (const d of items) devices.push(d);
  const wall = performance.now() - start;
  agent.destroy();
  if (devices.length !== total) throw new Error(`the floor listing got ${devices.length} devices, not ${total}`);
  return wall;
}

/** Blynk's numbered pages of 1000, one after the other: what a sequential client takes. */
async function sequentialBlynk(raw, total) {
  let sum = 0;
  let requests = 0;
  for (let page = 0; page * 1000 < total; page++) {
    const s = performance.now();
    await raw.get("/api/v1/organization/devices", { params: { page, size: 1000 } });
    sum += performance.now() - s;
    requests++;
  }
  return { sum, requests };
}

function loadavg() {
  return os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(", ");
}

function gitRev() {
  try {
    const rev = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
    return rev ? ` (commit ${rev})` : "";
  } catch {
    return "";
  }
}

// ---------------------------------------------------------------------------------------------------------------

if (argv.includes("--sim-child")) {
  simulatorChild();
} else {
  main().then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`[bench] failed: ${err && err.stack ? err.stack : err}\n`);
      process.exit(1);
    },
  );
}
