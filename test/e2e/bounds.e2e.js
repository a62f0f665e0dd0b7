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
 * - a 1 MB payload through list devices in device mode over 2,500 Flatpeak devices leaves the rss of Node-RED's
 *   process (read from /proc) flat: a copy of the payload per device would be 2.5 GB.
 *
 *   npm run test:e2e              (runs this after limits.e2e.js)
 *   node test/e2e/bounds.e2e.js   this alone; E2E_KEEP=1 keeps the temp folder
 *
 * Logs: e2e-out/bounds-node-red.log. Closing line: "N passed, N failed"; exit 1 on a failure.
 */
const { spawn } = require("child_process");
const assert = require("assert/strict");
const fs = require("fs");
const http = require("http");
const path = require("path");
const readline = require("readline");
const { MODULE, OUT, createRunner, freePort, out, pack, run, sleep, startNodeRed, tempDir } = require("./harness");

const DEVICE_PATH = "/api/v1/organization/device";
const OVER_64_MIB = 64 * 1024 * 1024 + 1024;
const FLATPEAK_DEVICES = 2_500;

/** The resident memory of a process, in MB, from /proc. */
function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m[1]) / 1024;
}

async function startSimulator(cli) {
  const proc = spawn(process.execPath, [cli, "--port", "0", "--json", "--flatpeak-devices", String(FLATPEAK_DEVICES)], { stdio: ["ignore", "pipe", "inherit"] });
  const first = await new Promise((resolve, reject) => {
    readline.createInterface({ input: proc.stdout }).once("line", resolve);
    proc.once("exit", (code) => reject(new Error(`the simulator exited (${code}) before it started`)));
  });
  const info = JSON.parse(first);
  return {
    ...info,
    requests: async () => (await request("GET", `${info.url}/_simulator/stats`)).json.requests,
    fault: async (spec) => assert.equal((await request("POST", `${info.url}/_simulator/faults`, spec)).status, 201),
    stop: () => new Promise((resolve) => (proc.exitCode !== null ? resolve() : (proc.once("exit", resolve), proc.kill("SIGTERM")))),
  };
}

/** One HTTP request with a JSON body; resolves `{ status, json, text }`. */
function request(method, url, body, timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(url, { method, headers: data ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) } : {} }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, json, text });
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer to ${method} ${url} within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(data);
  });
}

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
    n({
      id: "big",
      type: "function",
      func: "flow.set('devices', 0); return [{ payload: 'x'.repeat(1000000) }, { req: msg.req, res: msg.res, statusCode: 202, payload: 'started' }];",
      outputs: 2,
      wires: [["fpdev"], ["res"]],
    }),
    n({ id: "fpdev", type: "devicecloud-list-devices", account: "fp", output: "device", wires: [["tally"]] }),
    n({ id: "tally", type: "function", func: "flow.set('devices', flow.get('devices') + 1); return null;", outputs: 1 }),
    n({ id: "in-tally", type: "http in", url: "/bounds/devices", method: "get", wires: [["read-tally"]] }),
    n({ id: "read-tally", type: "function", func: "msg.payload = { devices: flow.get('devices') }; return msg;", outputs: 1, wires: [["res"]] }),
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

async function main() {
  const t = createRunner();
  const tmp = tempDir("devicecloud-bounds-");
  out(`bounds e2e: work folder ${tmp}`);
  let nr;
  let sim;
  try {
    let installed;
    const ok = await t.test("the packed package installs into a fresh Node-RED user directory", async () => {
      const tgz = pack(tmp);
      const userDir = path.join(tmp, "user");
      fs.mkdirSync(userDir);
      fs.writeFileSync(path.join(userDir, "package.json"), JSON.stringify({ name: "node-red-project", private: true, version: "0.0.1" }));
      run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tgz], { cwd: userDir });
      installed = path.join(userDir, "node_modules", ...MODULE.split("/"));
      fs.writeFileSync(path.join(userDir, "settings.js"), `module.exports = ${JSON.stringify({ uiHost: "127.0.0.1", credentialSecret: "bounds-e2e", editorTheme: { tours: false } })};\n`);
      return path.basename(tgz);
    });
    if (!ok) return;
    const userDir = path.join(tmp, "user");
    sim = await startSimulator(path.join(installed, "nodes", "simulator", "cli.js"));
    const { createClient } = require(path.join(installed, "nodes", "api"));
    const client = createClient({ provider: "blynk", baseUrl: sim.url, ...sim.credentials.blynk });
    const firstPage = await client.browseDevices({ pageSize: 10 });
    const ids = firstPage.items.map((d) => d.id);
    client.close();

    nr = await startNodeRed({ userDir, port: await freePort(), logFile: path.join(OUT, "bounds-node-red.log") });
    const base = nr.origin;
    const started = nr.log.split("Started flows").length;
    const r = await nr.api("POST", "/flows", { body: flow(sim), headers: { "Node-RED-Deployment-Type": "full" } });
    assert.ok(r.status === 204 || r.status === 200, `POST /flows: ${r.status} ${r.text}`);
    const until = Date.now() + 30_000;
    while (nr.log.split("Started flows").length <= started) {
      assert.ok(Date.now() < until, "the flows started");
      await sleep(50);
    }
    const ask = async (route, deviceId) => (await request("POST", `${base}/bounds/${route}`, { deviceId })).json;
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
      const before = await sim.requests();
      const a = (await request("POST", `${base}/bounds/list`, {})).json;
      const pages = (await sim.requests()) - before - 1;
      assert.ok(pages >= Math.ceil(firstPage.total / 7), `the short pages were served: ${pages} requests`);
      assert.equal(a.count, firstPage.total, JSON.stringify(a));
      assert.equal(a.unique, firstPage.total, JSON.stringify(a));
      return `${a.count} devices of ${firstPage.total}, ${a.unique} distinct, ${pages} requests`;
    });

    await t.test("a 1 MB payload through list devices in device mode over 2,500 devices leaves Node-RED's memory flat", async () => {
      const pid = nr.proc.pid;
      const once = async () => {
        assert.equal((await request("POST", `${base}/bounds/big`, {})).status, 202);
        let peak = 0;
        const until = Date.now() + 90_000;
        for (;;) {
          peak = Math.max(peak, rssMb(pid));
          const c = (await request("GET", `${base}/bounds/devices`)).json.devices;
          if (c >= FLATPEAK_DEVICES) return peak;
          assert.ok(Date.now() < until, `all devices sent within 90 s (${c})`);
          await sleep(100);
        }
      };
      await once();
      const before = rssMb(pid);
      const peaks = [await once(), await once()];
      const grew = Math.max(...peaks) - before;
      // A copy of the 1 MB payload per device would be 2.5 GB.
      assert.ok(grew < 300, `rss ${before.toFixed(0)} MB before, peaks ${peaks.map((p) => p.toFixed(0)).join(", ")} MB`);
      return `rss ${before.toFixed(0)} MB before, peaks ${peaks.map((p) => p.toFixed(0)).join(" and ")} MB over two listings of ${FLATPEAK_DEVICES}`;
    });

    await t.test("a Flatpeak cursor that repeats (every page the first one again) ends list devices in API_ERROR", async () => {
      await sim.fault({ path: "/devices", repeatCursor: true, times: 1000 });
      const t0 = Date.now();
      const a = (await request("POST", `${base}/bounds/fplist`, {})).json;
      assert.equal(a.code, "API_ERROR", JSON.stringify(a));
      return `${a.message} (${Date.now() - t0} ms)`;
    });

    await t.test("Node-RED's log has no [error] and no secret", async () => {
      await nr.stop();
      assert.deepEqual(nr.log.split("\n").filter((l) => /\[error\]/.test(l)), []);
      assert.ok(!nr.log.includes(sim.credentials.blynk.clientSecret), "no client secret in the log");
      assert.ok(!nr.log.includes(sim.credentials.flatpeak.clientSecret), "no Flatpeak secret in the log");
      assert.ok(!/Bearer\s|Basic\s/.test(nr.log), "no Authorization header in the log");
    });
  } catch (e) {
    await t.test("bounds e2e", () => {
      throw e;
    });
  } finally {
    if (nr) await nr.stop();
    if (sim) await sim.stop();
    if (process.env.E2E_KEEP) out(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
    t.finish("bounds e2e");
  }
}

main();
