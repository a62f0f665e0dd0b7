#!/usr/bin/env node
"use strict";
/**
 * A watch you can steer, and one that remembers (issue 17, point 3), end to end at the defaults: the packed package
 * in a fresh Node-RED 4.1 user directory whose settings.js sets nothing of the package's and keeps context in the
 * file system (`contextStorage: { default: { module: "localfilesystem" } }`, plus a memory store the test flow counts
 * in). The simulator runs in this process (the installed copy), so that the test can change a device's connection
 * as the cloud would. The watch node watches three Blynk devices, "send changes only", at the default interval
 * (60 s) and minimum. The checks:
 *
 * - the first poll only learns the state; "poll" polls now and sends a device that changed;
 * - "pause" stops polling (status "paused", no poll of its own for longer than the interval), "poll" still polls
 *   once; "resume" polls now and goes on at the interval;
 * - the state lives in the node's context: after Node-RED stops and starts again, the watch sends the device
 *   that changed while it was down, and none of the others.
 *
 *   node test/e2e/watch.e2e.js   (part of npm run test:e2e); E2E_KEEP=1 keeps the temp folder
 *
 * Logs: e2e-out/watch-node-red-*.log. Closing line: "N passed, N failed"; exit 1 on a failure.
 */
const assert = require("assert/strict");
const fs = require("fs");
const path = require("path");
const kit = require("../../scripts/nodered-kit");
const { MODULE, OUT, createRunner, freePort, out, pack, run, sleep, startNodeRed, tempDir } = require("./harness");

const ONLINE = "GET /api/v1/organization/device/online";
/** The watch's default interval, in ms; the checks of "no poll" wait longer than this. */
const INTERVAL_MS = 60_000;

/** The watch, a recorder of its messages and statuses (memory store), and http-in routes to steer and read it. */
function flow(sim, ids) {
  const tab = "watch-tab";
  const n = (o) => ({ z: tab, x: 200, y: 100, wires: [], ...o });
  const record = (key, what) => `const all = flow.get('${key}', 'memory') || []; all.push(${what}); flow.set('${key}', all, 'memory'); return null;`;
  return [
    { id: tab, type: "tab", label: "watch" },
    {
      id: "acc",
      type: "devicecloud-account",
      name: "blynk",
      provider: "blynk",
      server: sim.url,
      credentials: { clientId: sim.credentials.blynk.clientId, clientSecret: sim.credentials.blynk.clientSecret },
    },
    n({ id: "watch", type: "devicecloud-watch", account: "acc", watch: "status", devices: ids.join(","), devicesType: "str", initial: "none", wires: [["events"]] }),
    n({ id: "events", type: "function", func: record("events", "{ topic: msg.topic, event: msg.event, initial: msg.initial }"), outputs: 1 }),
    n({ id: "status", type: "status", scope: ["watch"], wires: [["statuses"]] }),
    n({ id: "statuses", type: "function", func: record("statuses", "msg.status.text"), outputs: 1 }),
    n({ id: "in-command", type: "http in", url: "/watch/command", method: "post", wires: [["command"]] }),
    n({
      id: "command",
      type: "function",
      func: "return [{ payload: msg.payload.command }, { req: msg.req, res: msg.res, statusCode: 204, payload: '' }];",
      outputs: 2,
      wires: [["watch"], ["res"]],
    }),
    n({ id: "in-seen", type: "http in", url: "/watch/seen", method: "get", wires: [["seen"]] }),
    n({
      id: "seen",
      type: "function",
      func: "msg.payload = { events: flow.get('events', 'memory') || [], statuses: flow.get('statuses', 'memory') || [] }; return msg;",
      outputs: 1,
      wires: [["res"]],
    }),
    n({ id: "res", type: "http response" }),
  ];
}

async function main() {
  const t = createRunner();
  const tmp = tempDir("devicecloud-watch-");
  out(`watch e2e: work folder ${tmp}`);
  let nr;
  let sim;
  try {
    const userDir = path.join(tmp, "user");
    let installed;
    const ok = await t.test("the packed package installs into a fresh Node-RED user directory with a file context store", async () => {
      const tgz = pack(tmp);
      fs.mkdirSync(userDir);
      fs.writeFileSync(path.join(userDir, "package.json"), JSON.stringify({ name: "node-red-project", private: true, version: "0.0.1" }));
      run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tgz], { cwd: userDir });
      installed = path.join(userDir, "node_modules", ...MODULE.split("/"));
      const settings = {
        uiHost: "127.0.0.1",
        credentialSecret: "watch-e2e",
        editorTheme: { tours: false },
        contextStorage: { default: { module: "localfilesystem" }, memory: { module: "memory" } },
      };
      fs.writeFileSync(path.join(userDir, "settings.js"), `module.exports = ${JSON.stringify(settings)};\n`);
      return path.basename(tgz);
    });
    if (!ok) return;
    const { startSimulator } = require(path.join(installed, "nodes", "simulator"));
    sim = await startSimulator({ blynkDevices: 60 });
    const org = sim.fleet.blynk.orgs[0].id;
    const [a, b, c] = sim.fleet.blynk.devices.filter((d) => d.orgId === org);
    const ids = [a.id, b.id, c.id];
    const polls = () => sim.stats().byRoute[ONLINE] ?? 0;
    const port = await freePort();
    const start = async (round) => {
      const before = polls();
      nr = await startNodeRed({ userDir, port, logFile: path.join(OUT, `watch-node-red-${round}.log`) });
      return before;
    };
    const seen = async () => (await kit.api(nr.origin, "GET", "/watch/seen")).json;
    const command = async (c) => assert.equal((await kit.api(nr.origin, "POST", "/watch/command", { body: { command: c } })).status, 204);
    const until = async (cond, ms, what) => {
      const end = Date.now() + ms;
      while (!(await cond())) {
        assert.ok(Date.now() < end, `${what} within ${ms} ms`);
        await sleep(100);
      }
    };
    const change = (d) => {
      d.connected = !d.connected;
      return [String(d.id), d.connected ? "online" : "offline", false];
    };

    const at = await start(1);
    const deployed = Date.now();
    const r = await nr.api("POST", "/flows", { body: flow(sim, ids), headers: { "Node-RED-Deployment-Type": "full" } });
    assert.ok(r.status === 204 || r.status === 200, `POST /flows: ${r.status} ${r.text}`);

    await t.test("changes only: the first poll learns the state and sends nothing", async () => {
      await until(() => polls() >= at + 3, 30_000, "the first poll");
      await until(async () => (await seen()).statuses.some((s) => /^\d\/3 online · \d{2}:\d{2}$/.test(s)), 5_000, "the status of the poll");
      assert.deepEqual((await seen()).events, []);
      return `first poll ${Date.now() - deployed} ms after the deploy`;
    });

    await t.test('"poll" polls now, at the default interval of 60 s, and sends the device that changed', async () => {
      const expected = change(a);
      const t0 = Date.now();
      await command("poll");
      await until(async () => (await seen()).events.length >= 1, 10_000, "the change");
      const took = Date.now() - t0;
      assert.deepEqual((await seen()).events.map((e) => [e.topic, e.event, e.initial]), [expected]);
      assert.equal(polls(), at + 6, "one poll of three requests");
      return `sent ${took} ms after the command`;
    });

    let pausedAt;
    await t.test('"pause" stops the polling, "poll" still polls once while paused', async () => {
      await command("pause");
      await until(async () => (await seen()).statuses.at(-1) === "paused", 5_000, 'the status "paused"');
      pausedAt = Date.now();
      const expected = change(b);
      await command("poll");
      await until(async () => (await seen()).events.length >= 2, 10_000, "the change found by the poll");
      assert.deepEqual((await seen()).events.slice(1).map((e) => [e.topic, e.event, e.initial]), [expected]);
      assert.equal(polls(), at + 9);
    });

    await t.test("paused, the watch does not poll by itself for longer than its interval", async () => {
      await sleep(INTERVAL_MS + 5_000 - (Date.now() - pausedAt));
      assert.equal(polls(), at + 9, "no poll of its own while paused");
      return `${((Date.now() - deployed) / 1000).toFixed(0)} s after the deploy, ${polls() - at} requests in all`;
    });

    await t.test('"resume" polls now and goes on at the interval', async () => {
      const t0 = Date.now();
      await command("resume");
      await until(() => polls() >= at + 12, 10_000, "the poll at resume");
      const resumed = Date.now() - t0;
      await until(() => polls() >= at + 15, INTERVAL_MS + 15_000, "the next poll of its own");
      const next = Date.now() - t0;
      assert.ok(next >= INTERVAL_MS - 2_000, `the next poll came after the interval, not before: ${next} ms`);
      assert.equal((await seen()).events.length, 2, "nothing changed, nothing sent");
      return `polled ${resumed} ms after "resume", again ${(next / 1000).toFixed(1)} s after it`;
    });

    let kept;
    await t.test("Node-RED stops; the watch's last known state is in the file context store", async () => {
      await nr.stop();
      const dir = path.join(userDir, "context");
      const files = fs.readdirSync(dir, { recursive: true }).filter((f) => f.endsWith(".json"));
      const states = files.map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")).watchState).filter(Boolean);
      assert.equal(states.length, 1, `one watch state among ${files.join(", ")}`);
      kept = states[0];
      assert.deepEqual(kept, { kind: "status", provider: "blynk", known: Object.fromEntries([a, b, c].map((d) => [d.id, d.connected])) });
      return JSON.stringify(kept);
    });

    await t.test("after a restart, changes only sends the device that changed while Node-RED was down, and no other", async () => {
      const expected = change(c);
      const again = await start(2);
      await until(() => polls() >= again + 3, 30_000, "the first poll after the restart");
      await until(async () => (await seen()).events.length >= 1, 10_000, "the change");
      await sleep(1_000);
      assert.deepEqual((await seen()).events.map((e) => [e.topic, e.event, e.initial]), [expected]);
    });

    await t.test("Node-RED's log has no [error] and no secret", async () => {
      await nr.stop();
      for (const file of [1, 2].map((i) => path.join(OUT, `watch-node-red-${i}.log`))) {
        const log = fs.readFileSync(file, "utf8");
        assert.deepEqual(log.split("\n").filter((l) => /\[error\]/.test(l)), [], file);
        assert.ok(!log.includes(sim.credentials.blynk.clientSecret), "no client secret in the log");
        assert.ok(!/Bearer\s|Basic\s/.test(log), "no Authorization header in the log");
      }
    });
  } catch (e) {
    await t.test("watch e2e", () => {
      throw e;
    });
  } finally {
    if (nr) await nr.stop();
    if (sim) await sim.close();
    if (process.env.E2E_KEEP) out(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
    t.finish("watch e2e");
  }
}

main();
