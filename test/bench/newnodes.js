"use strict";
/**
 * Rows of `npm run bench` for the nodes that came later (issue 16), each against two baselines for the same request
 * to the same simulated endpoint: the flow a user would build with core nodes, in the benchmark's in-process
 * Node-RED (a function node setting URL, bearer and body, then the core http request node), and raw keep-alive
 * requests from this process (what the request alone costs, no Node-RED at all):
 *  - devicecloud-prices (Flatpeak prices of a location, one day): POST /prices of the release the account speaks;
 *  - devicecloud-datastream writing a virtual pin (V5, a DOUBLE) of a Blynk device: POST /device/datastream;
 *  - devicecloud-datastream reading that pin: GET /api/v2/organization/device/datastreams?dataStreamIds=….
 * Each is added only when the package declares the node (package.json's node-red.nodes), so the script runs on
 * any commit. The Flatpeak core flows read the token that the get-device core flow keeps in flow context; the Blynk
 * ones log in once at start themselves (inject → http request POST /oauth2/token) and keep theirs there too.
 *
 * Blynk's limit of 10,000 requests a minute is the account's default (a bucket of 167, refilled at about 163 a
 * second), and the node keeps to it while the core flow and the raw client know nothing of it. So that the rows
 * compare what a message costs, not the limit, the Blynk cases send at most 150 messages a round and every round,
 * of each client alike, starts after a pause that refills the bucket.
 */
const path = require("path");
const { coreHttpRequest, coreLogin, keepAliveClient } = require("./core-flows");

const ROOT = path.join(__dirname, "..", "..");
const declared = () => Object.keys(require(path.join(ROOT, "package.json"))["node-red"].nodes);

/** The simulator's first Flatpeak location and the release it speaks by default (from its login answer). */
async function flatpeakSetup(sim) {
  const c = sim.credentials.flatpeak;
  const login = await fetch(`${sim.url}/login`, { headers: { Authorization: `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString("base64")}` } });
  const token = (await login.json()).bearer_token;
  const locations = await (await fetch(`${sim.url}/locations?limit=1`, { headers: { Authorization: `Bearer ${token}` } })).json();
  return { location: locations.data[0].id, version: login.headers.get("flatpeak-version") || "" };
}

/** The Blynk organization's token, a device whose template has the virtual pin V5, and that datastream's id. */
async function blynkSetup(sim) {
  const c = sim.credentials.blynk;
  const basic = `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString("base64")}`;
  const login = await fetch(`${sim.url}/oauth2/token?grant_type=client_credentials`, { method: "POST", headers: { Authorization: basic } });
  const token = (await login.json()).access_token;
  const get = async (p) => (await fetch(`${sim.url}/api/v1/organization${p}`, { headers: { Authorization: `Bearer ${token}` } })).json();
  const devices = (await get("/devices?page=0&size=1000")).content;
  const templates = new Map();
  for (const d of devices) {
    if (!templates.has(d.templateId)) templates.set(d.templateId, (await get(`/template/datastreams?templateId=${d.templateId}`)).find((ds) => ds.pin === 5 && ds.pinType === "VIRTUAL"));
    const ds = templates.get(d.templateId);
    if (ds) return { token, deviceIds: devices.filter((x) => x.templateId === d.templateId).map((x) => x.id).slice(0, 50), datastreamId: ds.id };
  }
  throw new Error("no device of the simulator's Blynk organization has a datastream on V5");
}

/** One UTC day, as both flows send it. */
function period() {
  const start = new Date();
  start.setUTCHours(0, 0, 0, 0);
  return { start: start.toISOString(), end: new Date(start.getTime() + 86_400_000).toISOString() };
}

/** The cases the package offers: their flows (for the benchmark tab), credentials and, once Node-RED runs, clients. */
async function newNodeCases(sim) {
  const have = new Set(declared());
  const cases = [];
  if (have.has("devicecloud-prices")) cases.push(await pricesCase(sim));
  if (have.has("devicecloud-datastream")) cases.push(...(await datastreamCases(sim)));
  return cases;
}

async function pricesCase(sim) {
  const { location, version } = await flatpeakSetup(sim);
  if (!/busbar/.test(version)) throw new Error(`the simulator speaks ${version}: the prices baseline posts as busbar does`);
  const body = (p) => ({ location_id: location, start_time: p.start, end_time: p.end, tariff_direction: "IMPORT" });
  return {
    key: "prices",
    name: "prices",
    title: `prices (Flatpeak, release ${version}, one day of location ${location})`,
    nodes: (n, junction, catcher) => [
      n({ id: "p-node", type: "devicecloud-prices", name: "", account: "acc-fp", locationId: location, locationIdType: "str", direction: "IMPORT", hours: 24, wires: [["p-node-end"]] }),
      junction("p-node-end"),
      n({
        id: "p-fn",
        type: "function",
        name: "url, bearer and body",
        func:
          `msg.url = ${JSON.stringify(`${sim.url}/prices`)};\n` +
          `msg.headers = { Authorization: "Bearer " + flow.get("fpToken"), "Content-Type": "application/json" };\n` +
          `msg.payload = { location_id: ${JSON.stringify(location)}, start_time: msg.start, end_time: msg.end, tariff_direction: "IMPORT" };\nreturn msg;`,
        outputs: 1,
        wires: [["p-req"]],
      }),
      coreHttpRequest(n, "p-req", "POST /prices", { method: "POST", wires: [["p-fn-end"]] }),
      junction("p-fn-end"),
      catcher("p-catch", ["p-node", "p-fn", "p-req"], "p-err"),
      junction("p-err"),
    ],
    creds: {},
    clients: (driver, { fpToken }) => {
      const node = driver("p-node", "p-node-end", "p-err");
      const core = driver("p-fn", "p-fn-end", "p-err");
      const raw = keepAliveClient(sim.url, 32, { Authorization: `Bearer ${fpToken}`, Accept: "application/json" });
      const p = period();
      const hasPrices = (data) => Array.isArray(data) && data.length > 0;
      return {
        close: raw.close,
        list: [
          { key: "node", label: "devicecloud-prices", send: () => node({ ...p }).then((r) => !r.failed && hasPrices(r.msg.payload.prices)) },
          { key: "core", label: "function + core http request", send: () => core({ ...p }).then((r) => !r.failed && r.msg.statusCode === 200 && hasPrices(r.msg.payload.data)) },
          { key: "raw", label: "raw keep-alive POST /prices", send: () => raw.send("POST", "/prices", body(p)).then((r) => r.status === 200 && hasPrices(r.body && r.body.data)) },
        ],
      };
    },
  };
}

/** Write and read of the virtual pin V5 of Blynk devices, node against the core flow and raw requests. */
async function datastreamCases(sim) {
  const { token, deviceIds, datastreamId } = await blynkSetup(sim);
  const bl = sim.credentials.blynk;
  const ORG = `${sim.url}/api/v1/organization`;
  const device = (i) => deviceIds[i % deviceIds.length];
  const value = (i) => 5 + (i % 250) / 10; // within V5's range, one decimal
  // A round of `per` messages after a pause in which the bucket refills them (about 163 a second), plus 100 ms.
  const pace = { max: 150, pauseMs: (per) => Math.ceil((per / 163) * 1000) + 100 };
  const ok = (status) => status >= 200 && status < 300;
  const common = (key, title, nodeDef, coreFunc, method, check, rawSend) => ({
    key,
    name: `datastream ${nodeDef.action}`,
    title,
    pace,
    nodes: (n, junction, catcher) => [
      n({ id: `${key}-node`, type: "devicecloud-datastream", name: "", account: "acc-bl-ds", deviceId: "deviceId", deviceIdType: "msg", datastream: "V5", datastreamType: "str", ...nodeDef, wires: [[`${key}-node-end`]] }),
      junction(`${key}-node-end`),
      ...coreLogin(n, key, { name: "POST /oauth2/token", method: "POST", url: `${sim.url}/oauth2/token?grant_type=client_credentials`, tokenField: "access_token", flowKey: "blToken" }),
      n({ id: `${key}-fn`, type: "function", name: "url, bearer and body", func: coreFunc, outputs: 1, wires: [[`${key}-req`]] }),
      coreHttpRequest(n, `${key}-req`, `${method} datastream`, { method, wires: [[`${key}-fn-end`]] }),
      junction(`${key}-fn-end`),
      catcher(`${key}-catch`, [`${key}-node`, `${key}-fn`, `${key}-req`], `${key}-err`),
      junction(`${key}-err`),
    ],
    creds: { [`${key}-login-req`]: { user: bl.clientId, password: bl.clientSecret } },
    ready: (RED) => Boolean(RED.nodes.getNode(`${key}-login-store`).context().flow.get("blToken")),
    clients: (driver) => {
      const node = driver(`${key}-node`, `${key}-node-end`, `${key}-err`);
      const core = driver(`${key}-fn`, `${key}-fn-end`, `${key}-err`);
      const raw = keepAliveClient(sim.url, 32, { Authorization: `Bearer ${token}`, Accept: "application/json" });
      return {
        close: raw.close,
        list: [
          { key: "node", label: "devicecloud-datastream", send: (i) => node({ deviceId: device(i), payload: value(i) }).then((r) => !r.failed && check.node(r.msg.payload, i)) },
          { key: "core", label: "function + core http request", send: (i) => core({ deviceId: device(i), payload: value(i) }).then((r) => !r.failed && ok(r.msg.statusCode) && check.core(r.msg.payload, i)) },
          { key: "raw", label: `raw keep-alive ${method}`, send: (i) => rawSend(raw, i).then((r) => ok(r.status) && check.core(r.body, i)) },
        ],
      };
    },
  });
  const bearer = 'Authorization: "Bearer " + flow.get("blToken")';
  return [
    common(
      "dsw",
      `datastream write (Blynk, V5 = datastream ${datastreamId}, ${deviceIds.length} devices in turn)`,
      { action: "write", value: "payload", valueType: "msg" },
      `msg.url = ${JSON.stringify(`${ORG}/device/datastream`)};\n` +
        `msg.headers = { ${bearer}, "Content-Type": "application/json" };\n` +
        `msg.payload = { deviceId: msg.deviceId, dataStreamId: ${datastreamId}, value: msg.payload };\nreturn msg;`,
      "POST",
      // The cloud answers a write with an empty 204; the node with what it wrote.
      { node: (p, i) => p && p.written === true && p.value === value(i), core: () => true },
      (raw, i) => raw.send("POST", "/api/v1/organization/device/datastream", { deviceId: device(i), dataStreamId: datastreamId, value: value(i) }),
    ),
    common(
      "dsr",
      `datastream read (Blynk, V5 = datastream ${datastreamId}, ${deviceIds.length} devices in turn)`,
      { action: "read" },
      `msg.url = ${JSON.stringify(`${sim.url}/api/v2/organization/device/datastreams?dataStreamIds=${datastreamId}&deviceId=`)} + msg.deviceId;\n` +
        `msg.headers = { ${bearer} };\nreturn msg;`,
      "GET",
      { node: (p) => typeof p === "number", core: (p) => Array.isArray(p) && p.length === 1 && p[0].dataStreamId === datastreamId },
      (raw, i) => raw.send("GET", `/api/v2/organization/device/datastreams?dataStreamIds=${datastreamId}&deviceId=${device(i)}`),
    ),
  ];
}

/**
 * Runs each case at concurrency 1 and 32 in rotated rounds (node, core flow, raw requests); prints a table, node/core
 * and node/raw. `ctx` brings what the clients need (the Flatpeak token).
 */
async function runNewNodes(io, cases, driver, cfg, ctx) {
  const { say, table, rotatedRounds, median, summarize, f0, f2, sleep } = io;
  for (const c of cases) {
    const { list: clients, close } = c.clients(driver, ctx);
    try {
      for (const conc of [1, 32]) {
        const rounds = cfg[conc].rounds;
        const per = c.pace ? Math.min(c.pace.max, cfg[conc].per) : cfg[conc].per;
        const pauseMs = c.pace ? c.pace.pauseMs(per) : 0;
        const pause = () => (pauseMs > 0 ? sleep(pauseMs) : undefined);
        const pooled = await rotatedRounds(clients, { conc, rounds, per, warm: cfg.warm, pause });
        const s = {};
        for (const x of clients) s[x.key] = { ...summarize(pooled[x.key]), rps: median(pooled[x.key].rps) };
        const ratios = (other) => pooled.node.rps.map((v, k) => v / pooled[other].rps[k]);
        const spread = (v, what) => io.spread(`${c.name} c${conc}, ${what}`, v);
        say("");
        say(`### ${c.title}, concurrency ${conc}, latency 0 ms: ${rounds} rounds of ${f0(per)} messages each${pauseMs > 0 ? `, each after a ${pauseMs} ms pause` : ""}, warm-up excluded`);
        table(
          ["client", "req/s", "median ms", "p99 ms", "CPU µs/msg", "errors"],
          clients.map((x) => [x.label, f0(s[x.key].rps), f2(s[x.key].median), f2(s[x.key].p99), f0(s[x.key].cpu), s[x.key].errors]),
        );
        say(`node/core ${spread(ratios("core"), "node/core")}, node/raw ${spread(ratios("raw"), "node/raw")}`);
        const errors = clients.reduce((sum, x) => sum + s[x.key].errors, 0);
        if (errors > 0) say(`WARNING: ${errors} messages failed`);
      }
    } finally {
      close();
    }
  }
}

module.exports = { newNodeCases, runNewNodes };
