"use strict";
/**
 * Rows of `npm run bench` for the nodes that came later (issue 16), each against the flow a user would build with
 * core nodes for the same request to the same simulated endpoint, in the benchmark's in-process Node-RED:
 *  - devicecloud-prices (Flatpeak prices of a location, one day) vs a function node (URL, bearer, the request
 *    body) + the core http request node, POST to the same endpoint of the release the account speaks;
 * Each is added only when the package declares the node (package.json's node-red.nodes), so the script runs on
 * any commit. The core flows read the token that the get-device core flow keeps in flow context.
 */
const path = require("path");

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

/** One UTC day, as both flows send it. */
function period() {
  const start = new Date();
  start.setUTCHours(0, 0, 0, 0);
  return { start: start.toISOString(), end: new Date(start.getTime() + 86_400_000).toISOString() };
}

/** The cases the package offers: their flows (for the benchmark tab) and, once Node-RED runs, their clients. */
async function newNodeCases(sim) {
  const have = new Set(declared());
  const cases = [];
  if (have.has("devicecloud-prices")) {
    const { location, version } = await flatpeakSetup(sim);
    if (!/busbar/.test(version)) throw new Error(`the simulator speaks ${version}: the prices baseline posts as busbar does`);
    cases.push({
      key: "prices",
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
        n({ id: "p-req", type: "http request", name: "POST /prices", method: "POST", ret: "obj", paytoqs: "ignore", url: "", tls: "", persist: false, proxy: "", insecureHTTPParser: false, authType: "", senderr: false, headers: [], wires: [["p-fn-end"]] }),
        junction("p-fn-end"),
        catcher("p-catch", ["p-node", "p-fn", "p-req"], "p-err"),
        junction("p-err"),
      ],
      clients: (driver) => {
        const node = driver("p-node", "p-node-end", "p-err");
        const core = driver("p-fn", "p-fn-end", "p-err");
        const p = period();
        return [
          { key: "node", label: "devicecloud-prices", send: () => node({ ...p }).then((r) => !r.failed && Array.isArray(r.msg.payload.prices) && r.msg.payload.prices.length > 0) },
          {
            key: "core",
            label: "function + core http request",
            send: () => core({ ...p }).then((r) => !r.failed && r.msg.statusCode === 200 && Array.isArray(r.msg.payload.data) && r.msg.payload.data.length > 0),
          },
        ];
      },
    });
  }
  return cases;
}

/** Runs each case at concurrency 1 and 32 in rotated rounds, node against core; prints a table and node/core. */
async function runNewNodes(io, cases, driver, cfg) {
  const { say, table, closedLoop, median, summarize, f0, f2 } = io;
  for (const c of cases) {
    const clients = c.clients(driver);
    for (const conc of [1, 32]) {
      const { rounds, per } = cfg[conc];
      const pooled = {};
      for (const x of clients) {
        await closedLoop(x.send, Math.min(cfg.warm, per), conc);
        pooled[x.key] = { lat: [], rps: [], elapsed: 0, cpuUs: 0, errors: 0 };
      }
      for (let round = 0; round < rounds; round++) {
        for (const x of clients.map((_, k) => clients[(k + round) % clients.length])) {
          const r = await closedLoop(x.send, per, conc);
          const p = pooled[x.key];
          for (const v of r.lat) p.lat.push(v);
          p.rps.push((per / r.elapsed) * 1000);
          p.elapsed += r.elapsed;
          p.cpuUs += r.cpuUs;
          p.errors += r.errors;
        }
      }
      const s = {};
      for (const x of clients) s[x.key] = { ...summarize(pooled[x.key]), rps: median(pooled[x.key].rps) };
      const ratios = pooled.node.rps.map((v, k) => v / pooled.core.rps[k]);
      say("");
      say(`### ${c.title}, concurrency ${conc}, latency 0 ms: ${rounds} rounds of ${f0(per)} messages each, warm-up excluded`);
      table(
        ["client", "req/s", "median ms", "p99 ms", "CPU µs/msg", "errors"],
        clients.map((x) => [x.label, f0(s[x.key].rps), f2(s[x.key].median), f2(s[x.key].p99), f0(s[x.key].cpu), s[x.key].errors]),
      );
      say(`node/core ${f2(median(ratios))} (rounds ${f2(Math.min(...ratios))}–${f2(Math.max(...ratios))})`);
      if (s.node.errors + s.core.errors > 0) say(`WARNING: ${s.node.errors + s.core.errors} messages failed`);
    }
  }
}

module.exports = { newNodeCases, runNewNodes };
