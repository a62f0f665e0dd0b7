#!/usr/bin/env node
"use strict";
/**
 * The cloud's limits, end to end at the defaults (issue 10): the packed package installed into a fresh Node-RED 4.1
 * user directory with a settings.js that sets nothing of the package's, against the simulator run standalone
 * (`node nodes/simulator/cli.js`, the installed copy) and driven through its fault control. The flow serves
 * get device and trigger event over http-in, answers every message (output or Catch) with one HTTP response, and
 * counts in flow context how often each message ended. The checks:
 *
 * - a get-device whose first three answers are 429 with `Retry-After: 1` is answered in about 3 s;
 * - 600 get-device messages at concurrency 24, with 10 % of the answers 429 (`Retry-After` 0 or 1) among 5 % 503
 *   and 5 % dropped connections, end in under a minute, each exactly once;
 * - a 429 with `Retry-After: 86400`, and one with an HTTP date in 2099, fail that one message with RATE_LIMITED
 *   at once and hold no other;
 * - 20 trigger-event messages refused with 403 "Platform API scope is not enabled for this oauth client" make at
 *   most 3 logins;
 * - a watch polling 10,001 devices spends Blynk's 10,000 per minute (enforced by the simulator) without a 429,
 *   and get-device messages of the same account are answered within seconds during the poll.
 *
 *   npm run test:e2e              (runs this after nodered.e2e.js)
 *   node test/e2e/limits.e2e.js   this alone; E2E_KEEP=1 keeps the temp folder
 *
 * Logs: e2e-out/limits-node-red.log. Closing line: "N passed, N failed"; exit 1 on a failure.
 */
const assert = require("assert/strict");
const http = require("http");
const path = require("path");
const h = require("./harness");

const SCOPE = "Platform API scope is not enabled for this oauth client.";
const DEVICE_PATH = "/api/v1/organization/device";
const TRIGGER_PATH = "/api/v1/organization/device/trigger-event";
/** With seed 1, 14,330 simulated Blynk devices put 10,001 in the account's organization (the rest in sub-organizations). */
const BLYNK_DEVICES = 14_330;

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const request = (method, url, body) => h.request(method, url, body, { agent });

/**
 * The flow: http-in for get device and trigger event, one Catch for both, a function that counts how often each
 * message (msg.seq) ended and answers the HTTP request, and GET /limits/ended for the counts. With `watch`, a watch
 * node polling every device, its messages counted.
 */
function flow(sim, watch) {
  const tab = "limits-tab";
  const n = (o) => ({ z: tab, x: 200, y: 100, wires: [], ...o });
  const nodes = [
    { id: tab, type: "tab", label: "limits" },
    {
      id: "acc",
      type: "devicecloud-account",
      name: "Blynk (standalone simulator)",
      provider: "blynk",
      server: sim.url,
      credentials: { clientId: sim.credentials.blynk.clientId, clientSecret: sim.credentials.blynk.clientSecret },
    },
    n({ id: "in-get", type: "http in", url: "/limits/get", method: "post", wires: [["seq"]] }),
    n({ id: "in-trigger", type: "http in", url: "/limits/trigger", method: "post", wires: [["seq-t"]] }),
    n({ id: "seq", type: "function", func: "msg.seq = msg.payload.seq; msg.deviceId = msg.payload.deviceId; return msg;", outputs: 1, wires: [["get"]] }),
    n({ id: "seq-t", type: "function", func: "msg.seq = msg.payload.seq; msg.deviceId = msg.payload.deviceId; return msg;", outputs: 1, wires: [["trigger"]] }),
    n({ id: "get", type: "devicecloud-get-device", account: "acc", wires: [["ended"]] }),
    n({ id: "trigger", type: "devicecloud-trigger-event", account: "acc", eventCode: "high_temperature", wires: [["ended"]] }),
    n({ id: "catch", type: "catch", scope: ["get", "trigger"], uncaught: false, wires: [["ended"]] }),
    n({
      id: "ended",
      type: "function",
      func: [
        "const ended = flow.get('ended') || {};",
        "ended[msg.seq] = (ended[msg.seq] || 0) + 1;",
        "flow.set('ended', ended);",
        "msg.payload = msg.error ? { seq: msg.seq, code: msg.error.code, message: msg.error.message } : { seq: msg.seq, ok: true };",
        "msg.statusCode = 200;",
        "return msg;",
      ].join("\n"),
      outputs: 1,
      wires: [["res"]],
    }),
    n({ id: "res", type: "http response" }),
    n({ id: "in-ended", type: "http in", url: "/limits/ended", method: "get", wires: [["read-ended"]] }),
    n({ id: "read-ended", type: "function", func: "msg.payload = { ended: flow.get('ended') || {}, watched: flow.get('watched') || 0 }; return msg;", outputs: 1, wires: [["res"]] }),
  ];
  if (watch) {
    nodes.push(
      n({ id: "watch", type: "devicecloud-watch", account: "acc", watch: "status", interval: 600, wires: [["watched"]] }),
      n({ id: "watched", type: "function", func: "flow.set('watched', (flow.get('watched') || 0) + 1); return null;", outputs: 1 }),
    );
  }
  return nodes;
}

h.runSuite("limits", async ({ t, tmp, atEnd }) => {
  atEnd(() => agent.destroy());
  let sim;
  let pkg;
  const ok = await t.test("the packed package installs into a fresh Node-RED user directory", async () => {
    // Node-RED's defaults: nothing of the package's is set.
    pkg = h.installPacked(tmp, { uiHost: "127.0.0.1", credentialSecret: "limits-e2e", editorTheme: { tours: false } });
    return path.basename(pkg.tgz);
  });
  if (!ok) return;

  await t.test("the simulator runs standalone with 10,001 Blynk devices in the account's organization", async () => {
    sim = await h.startStandaloneSimulator(path.join(pkg.installed, "nodes", "simulator", "cli.js"), ["--blynk-devices", String(BLYNK_DEVICES)]);
    atEnd(() => sim.stop());
    return sim.url;
  });
  if (!sim) return;
  // Devices of the account's organization, and a thermostat that has the event code.
  const { createClient } = require(path.join(pkg.installed, "nodes", "api"));
  const client = createClient({ provider: "blynk", baseUrl: sim.url, ...sim.credentials.blynk });
  const page = await client.browseDevices({ pageSize: 1000 });
  client.close();
  const ids = page.items.map((d) => d.id);
  const fleet = page.total;
  const thermostat = page.items.find((d) => d.templateId === 353).id;

  const nr = await h.startNodeRed({ userDir: pkg.userDir, port: await h.freePort(), logFile: path.join(h.OUT, "limits-node-red.log") });
  atEnd(() => nr.stop());
  const base = nr.origin;
  const deploy = (watch) => h.deploy(nr, flow(sim, watch));
  let seq = 0;
  const ask = (kind, deviceId) => {
    const s = seq++;
    return request("POST", `${base}/limits/${kind}`, { seq: s, deviceId }).then((r) => ({ ...r.json, httpStatus: r.status }));
  };
  const ended = async () => (await request("GET", `${base}/limits/ended`)).json;
  const logins = async () => (await sim.stats()).logins.blynk;

  if (!(await t.test("deploys the flow (account on the standalone simulator, defaults)", async () => deploy(false)))) return;
  await ask("get", ids[0]); // logs in

  await t.test("a get-device whose first three answers are 429 with Retry-After: 1 is answered in about 3 s", async () => {
    await sim.fault({ path: DEVICE_PATH, status: 429, retryAfter: 1, times: 3 });
    const t0 = Date.now();
    const r = await ask("get", ids[1]);
    const took = Date.now() - t0;
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.ok(took >= 2900 && took < 5000, `${took} ms`);
    return `answered in ${(took / 1000).toFixed(1)} s`;
  });

  await t.test("600 get-device messages at concurrency 24 under 10 % 429 (Retry-After 0 or 1), 5 % 503, 5 % drops end in under a minute, each once", async () => {
    await sim.control("POST", "stats/reset");
    for (const spec of [
      { status: 429, retryAfter: 0, probability: 0.05 },
      { status: 429, retryAfter: 1, probability: 0.05 },
      { status: 503, probability: 0.05 },
      { drop: true, probability: 0.05 },
    ]) {
      await sim.fault({ path: DEVICE_PATH, ...spec });
    }
    const first = seq;
    const answers = [];
    const t0 = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 24 }, async () => {
        while (next < 600) {
          const i = next++;
          answers.push(await ask("get", ids[i % ids.length]));
        }
      }),
    );
    const took = Date.now() - t0;
    await sim.control("DELETE", "faults");
    await h.sleep(500); // anything answered twice is counted by now
    const counts = (await ended()).ended;
    const mine = Array.from({ length: 600 }, (_, i) => counts[first + i] || 0);
    const codes = {};
    for (const a of answers) if (!a.ok) codes[a.code] = (codes[a.code] || 0) + 1;
    const st = await sim.stats();
    assert.equal(answers.length, 600, "every HTTP request answered");
    assert.deepEqual(mine.filter((c) => c !== 1), [], "each message ended exactly once");
    assert.ok(took < 60_000, `${took} ms`);
    // A message fails with RATE_LIMITED only once all 4 retries met a 429 too, which its message says. The draws are
    // not independent per message: the simulator's seeded fault stream gives the same answers in arrival order every
    // run, and a message told "Retry-After: 0" is often the very next arrival, so 429s close together in the stream
    // can fall on one message (about 1 run in 20 has one such failure, and two have been seen). A client that gave
    // up early would fail dozens: about 70 of the 750 answers are 429s.
    const limited = answers.filter((a) => a.code === "RATE_LIMITED");
    assert.ok(limited.length <= 6, `at most 1 % of the messages failed for a 429 of 0 or 1 s: ${JSON.stringify(codes)}; ${limited.map((a) => a.message).join(" | ")}`);
    for (const a of limited) assert.match(a.message, /after 4 retries/, "a 429 of 0 or 1 s is retried 4 times first");
    return `${(took / 1000).toFixed(1)} s; ${600 - answers.filter((a) => !a.ok).length} outputs, catches ${JSON.stringify(codes)}; ${st.requests} requests at the simulator`;
  });

  for (const retryAfter of ["86400", "Thu, 01 Jan 2099 00:00:00 GMT"]) {
    await t.test(`a 429 with Retry-After: ${retryAfter} fails that one message with RATE_LIMITED at once and holds no other`, async () => {
      await sim.fault({ path: DEVICE_PATH, status: 429, retryAfter: /^\d+$/.test(retryAfter) ? Number(retryAfter) : retryAfter, times: 1 });
      const t0 = Date.now();
      const first = ask("get", ids[2]).then((r) => ({ ...r, took: Date.now() - t0 }));
      await h.sleep(50);
      const others = await Promise.all(ids.slice(3, 23).map((id) => ask("get", id).then((r) => ({ ...r, took: Date.now() - t0 }))));
      const all = [await first, ...others];
      const failed = all.filter((a) => !a.ok);
      assert.equal(failed.length, 1, JSON.stringify(failed));
      assert.equal(failed[0].code, "RATE_LIMITED");
      assert.match(failed[0].message, /asked to wait/);
      const slowest = Math.max(...all.map((a) => a.took));
      assert.ok(slowest < 3000, `every message answered within 3 s (slowest ${slowest} ms)`);
      return `one RATE_LIMITED ("${failed[0].message.slice(0, 90)}…"); 21 messages answered within ${slowest} ms`;
    });
  }

  await t.test("20 trigger-event messages refused with 403 'Platform API scope is not enabled' make at most 3 logins", async () => {
    await sim.fault({ path: TRIGGER_PATH, status: 403, message: SCOPE });
    const before = await logins();
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await ask("trigger", thermostat));
    answers.push(...(await Promise.all(Array.from({ length: 10 }, () => ask("trigger", thermostat)))));
    const made = (await logins()) - before;
    const st = await sim.stats();
    await sim.control("DELETE", "faults");
    assert.deepEqual(answers.map((a) => a.code), Array(20).fill("AUTH_FAILED"));
    for (const a of answers) {
      assert.ok(a.message.includes(SCOPE), a.message);
      assert.ok(!a.message.includes(sim.credentials.blynk.clientSecret), "no secret in the message");
    }
    assert.ok(made <= 3, `${made} logins`);
    const after = await ask("trigger", thermostat);
    assert.equal(after.ok, true, `works again once the cloud allows it: ${JSON.stringify(after)}`);
    return `${made} login(s) for 20 refusals; ${st.byRoute[`POST ${TRIGGER_PATH}`]} trigger-event requests sent; then accepted again`;
  });

  await t.test("a watch polling 10,001 devices spends 10,000 a minute without a 429 and leaves get-device its turn", async () => {
    // A fresh window of the simulator's enforced 10,000 per minute (its default), so earlier tests do not count.
    await sim.control("POST", "rate-limit", { provider: "blynk", spec: { limit: 10000, windowMs: 60000, retryAfter: false } });
    await sim.control("POST", "stats/reset");
    const t0 = Date.now();
    await deploy(true);
    assert.ok(await h.waitFor(async () => (await sim.stats()).requests >= 1000, 20_000), "the poll began within 20 s");
    const took = [];
    for (let i = 0; i < 5; i++) {
      const s = Date.now();
      const r = await ask("get", ids[30 + i]);
      took.push(Date.now() - s);
      assert.equal(r.ok, true, JSON.stringify(r));
      await h.sleep(1000);
    }
    const during = (await sim.stats()).requests;
    assert.ok(Math.max(...took) < 3000, `get-device within 3 s during the poll: ${took.join(", ")} ms`);
    const done = Date.now() + 120_000;
    let watched;
    while ((watched = (await ended()).watched) < fleet) {
      assert.ok(Date.now() < done, `the poll ended within 2 minutes (${watched} devices sent)`);
      await h.sleep(500);
    }
    const pollMs = Date.now() - t0;
    const st = await sim.stats();
    assert.equal(st.rateLimited, 0, "the simulator's 10,000 per minute refused none");
    // 10,011 requests (11 pages and one per device) through a bucket of 167 that refills at 9,833 per 61.2 s.
    assert.ok(st.requests > 10_000 && pollMs > 55_000, `spent evenly, not in a burst: ${st.requests} requests in ${pollMs} ms`);
    return `get-device answered in ${took.join(", ")} ms while the poll had made ${during} requests; the poll sent ${watched} devices after ${(pollMs / 1000).toFixed(1)} s, ${st.requests} requests, 0 refused`;
  });

  await t.test("Node-RED's log has no [error] and no secret", async () => {
    await nr.stop();
    h.assertCleanLog(nr.log, [sim.credentials.blynk.clientSecret]);
  });
});
