"use strict";
/**
 * The http-in case of `npm run bench` (issue 16): get device the way a flow serves it,
 * `http in → function → devicecloud-get-device → function → http response`, in a Node-RED of its own (a separate
 * process started with node-red's red.js, the built tree linked into its user directory as `npm install <folder>`
 * links it), driven from the benchmark process by a plain Node.js HTTP client with keep-alive. In the same run,
 * in rotated rounds, three baselines:
 *  - core:  the same flow with a function node (URL and bearer header) and the core `http request` node instead of
 *           get device; the token comes from an inject → http request GET /login at start, kept in flow context;
 *  - fn:    Node-RED's own round trip: the same flow with a function node answering at once with a device of the
 *           same shape (so that the reply is as large);
 *  - raw:   the same HTTP client sending keep-alive requests straight to the simulator's GET /devices/{id};
 *  - floor: the same flow with the request made by hand in a function node: Node's bare http.get on a keep-alive
 *           agent, no timeout, no retry, no check but JSON.parse. No node can send its request from inside Node-RED
 *           for less, so node/floor says what the node itself adds, and floor/ideal what the ideal asks beyond that.
 * The ideal is what the node's flow would cost if the node added nothing: one Node-RED round trip plus one raw
 * request. Per round, its time per request is the sum of the two measured times per request (1/req/s each, which
 * at concurrency 1 is the mean latency), so ideal req/s = 1 / (1/fn + 1/raw); node/ideal is node req/s over that,
 * and like node/core it is the median over the rounds.
 */
const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { makeUserDir, freePort, sleep } = require("../e2e/harness");
const { coreHttpRequest, coreLogin, keepAliveClient } = require("./core-flows");

const ROOT = path.join(__dirname, "..", "..");

/**
 * The request of the floor flow, by hand: `http` comes from functionGlobalContext (the benchmark's settings), the
 * token from the core flow's login.
 */
function bareHttpGet(simUrl) {
  return `const http = global.get("http");
let agent = context.get("agent");
if (!agent) {
  agent = new http.Agent({ keepAlive: true });
  context.set("agent", agent);
}
const headers = { Authorization: "Bearer " + flow.get("fpToken"), Accept: "application/json" };
http.get(${JSON.stringify(`${simUrl}/devices/`)} + encodeURIComponent(msg.deviceId), { agent, headers }, (res) => {
  const chunks = [];
  res.on("data", (chunk) => chunks.push(chunk));
  res.on("end", () => {
    msg.payload = JSON.parse(Buffer.concat(chunks).toString());
    node.send(msg);
    node.done();
  });
}).on("error", (err) => node.error(err, msg));
return null;`;
}

/** The flows: the node's, the core one, the function-node round trip, the floor; each answers failures with a 500. */
function httpInFlows(simUrl, device) {
  const z = "httpin-tab";
  let y = 0;
  const n = (node) => ({ z, x: 200, y: (y += 40), wires: [], ...node });
  const fn = (id, name, func, to) => n({ id, type: "function", name, func, outputs: 1, noerr: 0, initialize: "", finalize: "", libs: [], wires: [to ? [to] : []] });
  const httpIn = (id, url, to) => n({ id, type: "http in", name: "", url, method: "get", upload: false, swaggerDoc: "", wires: [[to]] });
  const httpResponse = (id) => n({ id, type: "http response", name: "", statusCode: "", headers: {}, wires: [] });
  const prepare = "msg.deviceId = msg.req.params.id;\nreturn msg;";
  const reply = 'msg.headers = { "Cache-Control": "no-store" };\nreturn msg;';
  const failed = 'msg.statusCode = 500;\nmsg.payload = { error: msg.error && msg.error.code };\nreturn msg;';
  const flow = (key, middle) => [
    httpIn(`${key}-in`, `/${key}/:id`, `${key}-prepare`),
    fn(`${key}-prepare`, "device id from the URL", prepare, `${key}-get`),
    ...middle,
    fn(`${key}-reply`, "reply", reply, `${key}-out`),
    httpResponse(`${key}-out`),
    n({ id: `${key}-catch`, type: "catch", name: "", scope: null, uncaught: false, wires: [[`${key}-failed`]] }),
    fn(`${key}-failed`, "500", failed, `${key}-out`),
  ];
  const flows = [
    { id: z, type: "tab", label: "http in benchmark", disabled: false, info: "" },
    { id: "httpin-acc", type: "devicecloud-account", name: "flatpeak (benchmark)", provider: "flatpeak", server: simUrl, apiVersion: "", simulate: false, timeout: 30 },
    ...flow("node", [
      n({ id: "node-get", type: "devicecloud-get-device", name: "", account: "httpin-acc", deviceId: "deviceId", deviceIdType: "msg", detail: "full", includeToken: false, wires: [["node-reply"]] }),
    ]),
    ...coreLogin(n, "core", { name: "GET /login", method: "GET", url: `${simUrl}/login`, tokenField: "bearer_token", flowKey: "fpToken" }),
    ...flow("core", [
      fn("core-get", "url and bearer", `msg.url = ${JSON.stringify(`${simUrl}/devices/`)} + encodeURIComponent(msg.deviceId);\nmsg.headers = { Authorization: "Bearer " + flow.get("fpToken") };\nreturn msg;`, "core-req"),
      coreHttpRequest(n, "core-req", "GET device", { wires: [["core-reply"]] }),
    ]),
    ...flow("floor", [fn("floor-get", "bare http.get", bareHttpGet(simUrl), "floor-reply")]),
    ...flow("fn", [fn("fn-get", "answer at once", `msg.payload = Object.assign(${JSON.stringify(device)}, { id: msg.deviceId });\nreturn msg;`, "fn-reply")]),
  ];
  return flows;
}

/** Node-RED 4 (the project's devDependency) in a process of its own, serving the flows above on a free port. */
async function startNodeRedProcess({ sim, device, profileDir }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "devicecloud-bench-httpin-"));
  const port = await freePort();
  makeUserDir(dir, ROOT, {
    uiHost: "127.0.0.1",
    flowFile: "flows.json",
    credentialSecret: false,
    httpAdminRoot: "/admin",
    httpNodeRoot: "/",
    disableEditor: true,
    logging: { console: { level: "warn", metrics: false, audit: false } },
    functionExternalModules: false,
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    editorTheme: { tours: false },
  });
  // Node's http for the floor flow's function node; no other flow reads the global context.
  fs.appendFileSync(path.join(dir, "settings.js"), 'module.exports.functionGlobalContext = { http: require("http") };\n');
  const fp = sim.credentials.flatpeak;
  fs.writeFileSync(path.join(dir, "flows.json"), JSON.stringify(httpInFlows(sim.url, device), null, 2));
  fs.writeFileSync(
    path.join(dir, "flows_cred.json"),
    JSON.stringify({ "httpin-acc": { clientId: fp.clientId, clientSecret: fp.clientSecret }, "core-login-req": { user: fp.clientId, password: fp.clientSecret } }),
  );
  const execArgv = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const redJs = path.join(ROOT, "node_modules", "node-red", "red.js");
  const proc = spawn(process.execPath, [...execArgv, redJs, "--userDir", dir, "--settings", path.join(dir, "settings.js"), "--port", String(port), "--no-telemetry"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  for (const s of [proc.stdout, proc.stderr]) s.on("data", (b) => (log = (log + b.toString("utf8")).slice(-20000)));
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  const reap = () => proc.kill("SIGKILL");
  process.once("exit", reap);
  return {
    pid: proc.pid,
    port,
    log: () => log,
    alive: () => proc.exitCode === null && proc.signalCode === null,
    async stop() {
      process.removeListener("exit", reap);
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGINT"); // Node-RED stops its flows and exits; --cpu-prof writes the profile then
        const t = setTimeout(() => proc.kill("SIGKILL"), 15000);
        await exited;
        clearTimeout(t);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** CPU time (user + system) of another process so far, in µs, from /proc (Linux); NaN elsewhere. */
function processCpuUs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/**
 * Runs the case: `io` brings the benchmark's printing and load helpers, `sim` the simulator (a child process),
 * `ids` Flatpeak device ids, `token` a bearer token for the raw client. Returns the per-concurrency ratios.
 */
async function runHttpIn(io, { sim, ids, token, device, cfg, concs, profileDir, only }) {
  const { say, table, target, rotatedRounds, median, summarize, f0, f2 } = io;
  const nr = await startNodeRedProcess({ sim, device, profileDir });
  const results = {};
  try {
    const base = `http://127.0.0.1:${nr.port}`;
    await waitServing(nr, base, ids[0]);
    const id = (i) => ids[i % ids.length];
    const check = (i) => (r) => r.status === 200 && r.body && r.body.id === id(i);
    for (const conc of concs) {
      const toNodeRed = keepAliveClient(base, conc);
      const toCloud = keepAliveClient(sim.url, conc, { Authorization: `Bearer ${token}`, Accept: "application/json" });
      const clients = [
        { key: "node", label: "node: http in → get device → http response", send: (i) => toNodeRed.get(`/node/${id(i)}`).then(check(i)) },
        { key: "core", label: "core: … → function + http request → …", send: (i) => toNodeRed.get(`/core/${id(i)}`).then(check(i)) },
        { key: "fn", label: "fn: … → function answering at once → …", send: (i) => toNodeRed.get(`/fn/${id(i)}`).then(check(i)) },
        { key: "floor", label: "floor: … → function with a bare http.get → …", send: (i) => toNodeRed.get(`/floor/${id(i)}`).then(check(i)) },
        { key: "raw", label: "raw: keep-alive GET to the cloud", send: (i) => toCloud.get(`/devices/${id(i)}`).then(check(i)) },
      ].filter((c) => !only || only.includes(c.key));
      const { rounds, per } = cfg[conc];
      // Node-RED's and the cloud's CPU, each in its own process, over each round.
      const meter = () => {
        const red0 = processCpuUs(nr.pid);
        const sim0 = processCpuUs(sim.child.pid);
        return () => ({ redUs: processCpuUs(nr.pid) - red0, simUs: processCpuUs(sim.child.pid) - sim0 });
      };
      const pooled = await rotatedRounds(clients, { conc, rounds, per, warm: cfg.warm, meter });
      toNodeRed.close();
      toCloud.close();
      const s = {};
      for (const c of clients) s[c.key] = { ...summarize(pooled[c.key]), rps: median(pooled[c.key].rps), red: pooled[c.key].redUs / pooled[c.key].lat.length, sim: pooled[c.key].simUs / pooled[c.key].lat.length };
      say("");
      say(`### http in → get device (Flatpeak), concurrency ${conc}, latency 0 ms: ${rounds} rounds of ${f0(per)} requests each, warm-up excluded`);
      table(
        ["flow / client", "req/s", "median ms", "p99 ms", "Node-RED CPU µs/req", "cloud CPU µs/req", "client CPU µs/req", "errors"],
        clients.map((c) => [c.label, f0(s[c.key].rps), f2(s[c.key].median), f2(s[c.key].p99), f0(s[c.key].red), f0(s[c.key].sim), f0(s[c.key].cpu), s[c.key].errors]),
      );
      const errs = clients.reduce((sum, c) => sum + s[c.key].errors, 0);
      if (errs > 0) say(`WARNING: ${errs} requests failed`);
      if (!pooled.node || !pooled.core || !pooled.fn || !pooled.raw) continue;
      const perRound = (f) => pooled.node.rps.map((_, k) => f(k));
      const idealRps = perRound((k) => 1 / (1 / pooled.fn.rps[k] + 1 / pooled.raw.rps[k]));
      const vsCore = perRound((k) => pooled.node.rps[k] / pooled.core.rps[k]);
      const vsIdeal = perRound((k) => pooled.node.rps[k] / idealRps[k]);
      const idealGoal = conc === 1 ? 0.95 : 0.9;
      const tag = `http in c${conc}`;
      const core = median(vsCore);
      const ideal = median(vsIdeal);
      say(
        `node/ideal ${io.spread(`${tag}, node/ideal`, vsIdeal)}, goal ≥ ${f2(idealGoal)}: ${target(`${tag}: node/ideal throughput`, f2(ideal), `≥ ${f2(idealGoal)}`, ideal >= idealGoal)}; ` +
          `node/core ${io.spread(`${tag}, node/core`, vsCore)}` +
          (conc === 32 ? `, goal ≥ 1.50: ${target(`${tag}: node/core throughput`, f2(core), "≥ 1.50", core >= 1.5)}` : ""),
      );
      say(`ideal: per round, 1 / (1/fn + 1/raw) req/s, i.e. one Node-RED round trip plus one raw request; median ${f0(median(idealRps))} req/s`);
      // The same comparison in CPU, which the load on the machine moves less than throughput: what each flow costs
      // Node-RED per request beyond its own round trip, and what the raw request costs its own process.
      const addedNode = s.node.red - s.fn.red;
      const addedCore = s.core.red - s.fn.red;
      say(
        `Node-RED CPU per request beyond its round trip (fn): node ${f0(addedNode)} µs, core ${f0(addedCore)} µs (core/node ${f2(addedCore / addedNode)}); ` +
          `whole flow core/node ${f2(s.core.red / s.node.red)}; the raw request costs its client ${f0(s.raw.cpu)} µs`,
      );
      if (pooled.floor) {
        const vsFloor = perRound((k) => pooled.node.rps[k] / pooled.floor.rps[k]);
        const floorVsIdeal = perRound((k) => pooled.floor.rps[k] / idealRps[k]);
        say(
          `floor (the request by hand in a function node): node/floor ${io.spread(`${tag}, node/floor`, vsFloor)}, ` +
            `floor/ideal ${io.spread(`${tag}, floor/ideal`, floorVsIdeal)}; Node-RED CPU per request: node ${f0(s.node.red)} µs, floor ${f0(s.floor.red)} µs`,
        );
      }
      results[conc] = { core, ideal, vsCore, vsIdeal };
    }
  } catch (err) {
    if (!nr.alive()) throw new Error(`${err.message}\nNode-RED's log:\n${nr.log().slice(-3000)}`, { cause: err });
    throw err;
  } finally {
    await nr.stop();
  }
  return results;
}

/** Until each flow answers with the device asked for (the core flow logs in at start), at most 60 s. */
async function waitServing(nr, base, id) {
  const client = keepAliveClient(base, 1);
  try {
    const until = Date.now() + 60000;
    for (const key of ["fn", "node", "core", "floor"]) {
      for (;;) {
        if (!nr.alive()) throw new Error(`Node-RED exited:\n${nr.log().slice(-3000)}`);
        const r = await client.get(`/${key}/${id}`);
        if (r.status === 200 && r.body && r.body.id === id) break;
        if (Date.now() > until) throw new Error(`the ${key} flow did not answer GET /${key}/${id} within 60 s (last: HTTP ${r.status})\n${nr.log().slice(-3000)}`);
        await sleep(200);
      }
    }
  } finally {
    client.close();
  }
}

module.exports = { runHttpIn };
