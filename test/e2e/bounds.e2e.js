#!/usr/bin/env node
"use strict";
/**
 * Every answer bounded, end to end at the defaults (issue 11): the packed package in a fresh Node-RED 4.1 user
 * directory with a settings.js that sets nothing of the package's, against the simulator run standalone and driven
 * through its fault control. A get-device served over http-in answers every message (output or Catch) with one
 * HTTP response. The checks:
 *
 * - an account with timeout 2 s whose cloud sends the headers at once and then one byte every 300 ms ends in
 *   TIMEOUT within a few seconds;
 * - an answer over 64 MiB, and a gzip bomb that unpacks to over 64 MiB, end in API_ERROR "answer too large";
 * - a Blynk cloud that serves at most 7 devices a page, whatever the size asked, still gives list devices the
 *   complete listing, each device once;
 * - a Flatpeak cursor that repeats ends list devices in API_ERROR instead of looping;
 * - a 1 MB payload through list devices in device mode over 2,500 Flatpeak devices leaves the JS heap of Node-RED's
 *   process flat (heapUsed after a full collection at the start, then read in that process as each device message
 *   arrives): a copy of the payload per device would keep about 140 MB per page of 100 (docs/reliability.md).
 *
 *   npm run test:e2e              (runs this after limits.e2e.js)
 *   node test/e2e/bounds.e2e.js   this alone; E2E_KEEP=1 keeps the temp folder
 *
 * Logs: e2e-out/bounds-node-red.log. Closing line: "N passed, N failed"; exit 1 on a failure.
 */
const assert = require("assert/strict");
const path = require("path");
const h = require("./harness");

const DEVICE_PATH = "/api/v1/organization/device";
const OVER_64_MIB = 64 * 1024 * 1024 + 1024;
const FLATPEAK_DEVICES = 2_500;
const MB = 1024 * 1024;

/** get-device over http-in on two accounts: `acc` at the default timeout, `acc2` with timeout 2 s. */
function flow(sim) {
  const tab = "bounds-tab";
  const n = (o) => ({ z: tab, x: 200, y: 100, wires: [], ...o });
  const account = (id, extra, provider = "blynk") => ({
    id,
    type: "devicecloud-account",
    name: `${provider} ${id === "acc2" ? "(timeout 2 s)" : "(default timeout)"}`,
    provider,
    server: sim.url,
    ...extra,
    credentials: { clientId: sim.credentials[provider].clientId, clientSecret: sim.credentials[provider].clientSecret },
  });
  const seq = (id, next) => n({ id, type: "function", func: "msg.deviceId = msg.payload.deviceId; return msg;", outputs: 1, wires: [[next]] });
  return [
    { id: tab, type: "tab", label: "bounds" },
    account("acc", {}),
    account("acc2", { timeout: 2 }),
    account("fp", {}, "flatpeak"),
    n({ id: "in-big", type: "http in", url: "/bounds/big", method: "post", wires: [["big"]] }),
    // The JS heap is read in Node-RED's own process, through Node's built-in modules, which a function node may
    // name in its modules (`libs`) at Node-RED's defaults: no setting of Node-RED's, no admin API. The baseline is
    // taken after a full garbage collection (V8's gc, made reachable from this node only), so that garbage left by
    // earlier work, collected while the listing runs, cannot hide what the listing keeps.
    n({
      id: "big",
      type: "function",
      libs: [
        { var: "proc", module: "process" },
        { var: "v8", module: "v8" },
        { var: "vm", module: "vm" },
      ],
      func: [
        "v8.setFlagsFromString('--expose-gc');",
        "vm.runInNewContext('gc')();",
        "const heap = proc.memoryUsage().heapUsed;",
        "flow.set('devices', 0); flow.set('heapBefore', heap); flow.set('heapPeak', heap);",
        // An object, not a string: copies of a message share a string, but copy an object whole.
        "const payload = { readings: Array.from({ length: 170000 }, (_, i) => i) };",
        "return [{ payload }, { req: msg.req, res: msg.res, statusCode: 202, payload: { bytes: JSON.stringify(payload).length } }];",
      ].join("\n"),
      outputs: 2,
      wires: [["fpdev"], ["res"]],
    }),
    n({ id: "fpdev", type: "devicecloud-list-devices", account: "fp", output: "device", wires: [["tally"]] }),
    n({
      id: "tally",
      type: "function",
      libs: [{ var: "proc", module: "process" }],
      func: "flow.set('devices', flow.get('devices') + 1); flow.set('heapPeak', Math.max(flow.get('heapPeak'), proc.memoryUsage().heapUsed)); return null;",
      outputs: 1,
    }),
    n({ id: "in-tally", type: "http in", url: "/bounds/devices", method: "get", wires: [["read-tally"]] }),
    n({
      id: "read-tally",
      type: "function",
      func: "msg.payload = { devices: flow.get('devices'), heapBefore: flow.get('heapBefore'), heapPeak: flow.get('heapPeak') }; return msg;",
      outputs: 1,
      wires: [["res"]],
    }),
    n({ id: "in-fplist", type: "http in", url: "/bounds/fplist", method: "post", wires: [["fplist"]] }),
    n({ id: "fplist", type: "devicecloud-list-devices", account: "fp", output: "array", wires: [["counted"]] }),
    n({ id: "in-get", type: "http in", url: "/bounds/get", method: "post", wires: [["seq"]] }),
    n({ id: "in-get2", type: "http in", url: "/bounds/get2s", method: "post", wires: [["seq2"]] }),
    seq("seq", "get"),
    seq("seq2", "get2"),
    n({ id: "get", type: "devicecloud-get-device", account: "acc", wires: [["answer"]] }),
    n({ id: "get2", type: "devicecloud-get-device", account: "acc2", wires: [["answer"]] }),
    n({ id: "in-list", type: "http in", url: "/bounds/list", method: "post", wires: [["list"]] }),
    n({ id: "list", type: "devicecloud-list-devices", account: "acc", output: "array", wires: [["counted"]] }),
    n({
      id: "counted",
      type: "function",
      func: "const ids = msg.payload.map((d) => d.id); msg.payload = { count: ids.length, unique: new Set(ids).size }; msg.statusCode = 200; return msg;",
      outputs: 1,
      wires: [["res"]],
    }),
    n({ id: "catch", type: "catch", scope: ["get", "get2", "list", "fplist"], uncaught: false, wires: [["answer"]] }),
    n({
      id: "answer",
      type: "function",
      func: "msg.payload = msg.error ? { code: msg.error.code, message: msg.error.message } : { ok: true }; msg.statusCode = 200; return msg;",
      outputs: 1,
      wires: [["res"]],
    }),
    n({ id: "res", type: "http response" }),
  ];
}

h.runSuite("bounds", async ({ t, tmp, atEnd }) => {
  let pkg;
  const ok = await t.test("the packed package installs into a fresh Node-RED user directory", async () => {
    pkg = h.installPacked(tmp, { uiHost: "127.0.0.1", credentialSecret: "bounds-e2e", editorTheme: { tours: false } });
    return path.basename(pkg.tgz);
  });
  if (!ok) return;
  const sim = await h.startStandaloneSimulator(path.join(pkg.installed, "nodes", "simulator", "cli.js"), ["--flatpeak-devices", String(FLATPEAK_DEVICES)]);
  atEnd(() => sim.stop());
  const { createClient } = require(path.join(pkg.installed, "nodes", "api"));
  const client = createClient({ provider: "blynk", baseUrl: sim.url, ...sim.credentials.blynk });
  const firstPage = await client.browseDevices({ pageSize: 10 });
  const ids = firstPage.items.map((d) => d.id);
  client.close();

  const nr = await h.startNodeRed({ userDir: pkg.userDir, port: await h.freePort(), logFile: path.join(h.OUT, "bounds-node-red.log") });
  atEnd(() => nr.stop());
  const base = nr.origin;
  await h.deploy(nr, flow(sim));
  const ask = async (route, deviceId) => (await h.request("POST", `${base}/bounds/${route}`, { deviceId })).json;
  const first = await ask("get", ids[0]);
  assert.equal(first && first.ok, true, `a plain get-device is answered: ${JSON.stringify(first)} ${ids[0]}`);
  assert.equal((await ask("get2s", ids[0])).ok, true, "a plain get-device is answered on the 2 s account");

  await t.test("timeout 2 s, headers at once then one byte every 300 ms: TIMEOUT within a few seconds", async () => {
    await sim.fault({ path: DEVICE_PATH, trickleMs: 300, times: 1 });
    const t0 = Date.now();
    const a = await ask("get2s", ids[1]);
    const took = Date.now() - t0;
    assert.equal(a.code, "TIMEOUT", JSON.stringify(a));
    assert.ok(took >= 1900 && took < 8000, `ended after ${took} ms`);
    return `TIMEOUT after ${took} ms`;
  });

  for (const [what, spec] of [
    ["an answer over 64 MiB", { hugeBytes: OVER_64_MIB }],
    ["a gzip bomb over 64 MiB unpacked", { gzipBombBytes: OVER_64_MIB }],
  ]) {
    await t.test(`${what} ends in API_ERROR "answer too large"`, async () => {
      await sim.fault({ path: DEVICE_PATH, times: 1, ...spec });
      const t0 = Date.now();
      const a = await ask("get", ids[2]);
      assert.equal(a.code, "API_ERROR", JSON.stringify(a));
      assert.match(a.message, /answer too large/);
      return `after ${Date.now() - t0} ms`;
    });
  }

  await t.test("Blynk pages cut short by the cloud (7 items whatever the size) still give the complete listing, no duplicate", async () => {
    await sim.fault({ path: "/api/v1/organization/devices", pageLimit: 7, times: 1000 });
    const before = (await sim.stats()).requests;
    const a = (await h.request("POST", `${base}/bounds/list`, {})).json;
    const pages = (await sim.stats()).requests - before - 1;
    assert.ok(pages >= Math.ceil(firstPage.total / 7), `the short pages were served: ${pages} requests`);
    assert.equal(a.count, firstPage.total, JSON.stringify(a));
    assert.equal(a.unique, firstPage.total, JSON.stringify(a));
    return `${a.count} devices of ${firstPage.total}, ${a.unique} distinct, ${pages} requests`;
  });

  await t.test("a 1 MB payload through list devices in device mode over 2,500 devices leaves Node-RED's JS heap flat", async () => {
    /** One listing; its heapUsed when it began and the highest seen as each device message arrived, in MB. */
    const once = async () => {
      const started = await h.request("POST", `${base}/bounds/big`, {});
      assert.equal(started.status, 202);
      assert.ok(started.json.bytes > 1_000_000, `a payload of ${started.json.bytes} bytes as JSON`);
      let seen;
      const done = await h.waitFor(async () => (seen = (await h.request("GET", `${base}/bounds/devices`)).json).devices >= FLATPEAK_DEVICES, 90_000);
      assert.ok(done, `all devices sent within 90 s (${seen.devices})`);
      return { before: seen.heapBefore / MB, grew: (seen.heapPeak - seen.heapBefore) / MB };
    };
    await once();
    const runs = [await once(), await once()];
    const grew = Math.max(...runs.map((r) => r.grew));
    const figures = runs.map((r) => `${r.before.toFixed(0)} MB + ${r.grew.toFixed(0)} MB`).join(", ");
    // With a copy of the input per device message, each page of 100 keeps 100 copies of 1.4 MB (147 MB when tried).
    assert.ok(grew < 60, `heapUsed at the start + its growth to the peak: ${figures}`);
    return `heapUsed at the start + growth to the peak over a listing of ${FLATPEAK_DEVICES}: ${figures}`;
  });

  await t.test("a Flatpeak cursor that repeats (every page the first one again) ends list devices in API_ERROR", async () => {
    await sim.fault({ path: "/devices", repeatCursor: true, times: 1000 });
    const t0 = Date.now();
    const a = (await h.request("POST", `${base}/bounds/fplist`, {})).json;
    assert.equal(a.code, "API_ERROR", JSON.stringify(a));
    return `${a.message} (${Date.now() - t0} ms)`;
  });

  await t.test("Node-RED's log has no [error] and no secret", async () => {
    await nr.stop();
    h.assertCleanLog(nr.log, [sim.credentials.blynk.clientSecret, sim.credentials.flatpeak.clientSecret]);
  });
});
