"use strict";
/**
 * What the browser test (editor.e2e.js) and the admin-route test (admin.e2e.js) share:
 *
 * - a tiny runner: named checks, one line each, and the closing line CI reads ("N passed, N failed");
 * - the package built from the working tree in a temp copy (the tree's build output is not touched), and a Node-RED user
 *   directory that holds it as a link (node_modules/@devicecloud/node-red-devicecloud -> the copy), as
 *   `npm install <folder>` would make it;
 * - Node-RED 4.1 (the project's devDependency) started headless on a free loopback port with a settings file;
 * - the packed package installed by npm into a fresh user directory whose settings.js sets nothing of the package's;
 * - the simulator run standalone (its CLI) and steered through its control API; a JSON request over http;
 * - a deploy that waits until the flows have started, and the check that a Node-RED log holds no [error] and no secret;
 * - Chromium (Debian's, /usr/bin/chromium, or $CHROMIUM_PATH) driven by playwright-core.
 *
 * Plain Node (no dependency beyond the project's devDependencies).
 */
const assert = require("assert/strict");
const { spawn, spawnSync } = require("child_process");
const fs = require("fs");
const http = require("http");
const net = require("net");
const os = require("os");
const path = require("path");
const readline = require("readline");
const kit = require("../../scripts/nodered-kit");

const ROOT = kit.ROOT;
const MODULE = kit.MODULE;
const OUT = path.join(ROOT, "e2e-out");

// ---------------------------------------------------------------------------------------------------------------
// Runner

function createRunner() {
  const started = Date.now();
  const r = {
    passed: 0,
    failed: 0,
    /** Runs one named check; returns true when it passed. `fn` may return a short note for the report line. */
    async test(name, fn) {
      const t0 = Date.now();
      try {
        const note = await fn();
        r.passed++;
        out(`  ok   ${name} (${ms(t0)})${note ? `: ${note}` : ""}`);
        return true;
      } catch (e) {
        r.failed++;
        out(`  FAIL ${name} (${ms(t0)})\n${indent(e && e.stack ? e.stack : String(e))}`);
        return false;
      }
    },
    /** Prints the closing lines and sets the exit code. */
    finish(what) {
      out(`\n${what} finished in ${ms(started)}`);
      out(`${r.passed} passed, ${r.failed} failed`);
      process.exitCode = r.failed ? 1 : 0;
    },
  };
  return r;
}

function out(line) {
  process.stdout.write(line + "\n");
}
function indent(text) {
  return String(text)
    .split("\n")
    .map((l) => `       ${l}`)
    .join("\n");
}
function ms(t0) {
  const d = Date.now() - t0;
  return d < 1000 ? `${d} ms` : `${(d / 1000).toFixed(1)} s`;
}
const sleep = (t) => new Promise((r) => setTimeout(r, t));

/** Polls `check` every 20 ms; resolves true once it holds, false when `ms` have passed first. */
async function waitFor(check, ms) {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) return false;
    await sleep(20);
  }
  return true;
}

/**
 * Runs one end-to-end suite: `body({ t, tmp, atEnd })` with a runner `t` and a temp folder `tmp` (kept with
 * E2E_KEEP=1). An error thrown outside a check counts as a failed check; what `atEnd(stop)` was given (Node-RED,
 * the simulator) is stopped at the end, the last given first.
 */
async function runSuite(name, body) {
  const t = createRunner();
  const tmp = tempDir(`devicecloud-${name}-`);
  out(`${name} e2e: work folder ${tmp}`);
  const stops = [];
  try {
    await body({ t, tmp, atEnd: (stop) => stops.unshift(stop) });
  } catch (e) {
    await t.test(`${name} e2e`, () => {
      throw e;
    });
  } finally {
    for (const stop of stops) await stop();
    if (process.env.E2E_KEEP) out(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
    t.finish(`${name} e2e`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The package

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    const tail = `${r.stdout || ""}${r.stderr || ""}`.split("\n").filter((l) => !/Unknown user config/.test(l)).slice(-30).join("\n");
    throw new Error(`${cmd} ${argv.join(" ")} failed (exit ${r.status})\n${tail}`);
  }
  return r;
}

/**
 * Copies the project (sources, resources, icons, examples, package.json; not node_modules, .git or build outputs)
 * into `tmp/package` and builds it there (clean, tsc, icons). Returns the folder.
 */
function buildPackage(tmp) {
  const copy = path.join(tmp, "package");
  const skip = new Set(["node_modules", ".git", "dist", "build", "coverage", ".scratch", ".node-red", "e2e-out", "scorecard.json", "docs", "test"]);
  fs.mkdirSync(copy, { recursive: true });
  for (const entry of fs.readdirSync(ROOT)) {
    if (skip.has(entry) || entry.endsWith(".tgz")) continue;
    fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"), "dir");
  run(process.execPath, [path.join(copy, "scripts", "clean.js")], { cwd: copy });
  run(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], { cwd: copy });
  run(process.execPath, [path.join(copy, "scripts", "copy-icons.js")], { cwd: copy });
  return copy;
}

/**
 * Copies the project (without node_modules, .git and build outputs) into `tmp/project` and packs it there (prepack
 * builds afresh). Returns the tarball: the package as a user gets it.
 */
function pack(tmp) {
  const copy = path.join(tmp, "project");
  const skip = new Set(["node_modules", ".git", "dist", "build", "coverage", ".scratch", ".node-red", "e2e-out", "scorecard.json"]);
  fs.mkdirSync(copy);
  for (const entry of fs.readdirSync(ROOT)) {
    if (skip.has(entry) || entry.endsWith(".tgz")) continue;
    fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"), "dir");
  const dest = path.join(tmp, "pack");
  fs.mkdirSync(dest);
  run("npm", ["pack", "--pack-destination", dest, "--loglevel=error"], { cwd: copy });
  const tgz = fs.readdirSync(dest).filter((f) => f.endsWith(".tgz"));
  if (tgz.length !== 1) throw new Error(`one tarball expected in ${dest}, found ${tgz.join(", ")}`);
  return path.join(dest, tgz[0]);
}

/**
 * The packed package (`pack`) installed by npm, as files, into a fresh user directory `tmp/user` with a settings.js
 * made of `settings` (a plain object). Returns `{ tgz, userDir, installed }` (`installed`: the package's folder).
 */
function installPacked(tmp, settings, env = process.env) {
  const tgz = pack(tmp);
  const userDir = path.join(tmp, "user");
  fs.mkdirSync(userDir);
  fs.writeFileSync(path.join(userDir, "package.json"), JSON.stringify({ name: "node-red-project", private: true, version: "0.0.1" }));
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tgz], { cwd: userDir, env });
  const installed = path.join(userDir, "node_modules", ...MODULE.split("/"));
  assert.ok(!fs.lstatSync(installed).isSymbolicLink(), "installed as files, not as a link");
  fs.writeFileSync(path.join(userDir, "settings.js"), `module.exports = ${JSON.stringify(settings)};\n`);
  return { tgz, userDir, installed };
}

/**
 * A Node-RED user directory holding the package as a link, and a settings.js made of `settings` (a plain object;
 * values that are functions or RegExps are not supported).
 */
function makeUserDir(dir, pkgDir, settings) {
  fs.mkdirSync(path.join(dir, "node_modules", "@devicecloud"), { recursive: true });
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "node-red-project", private: true, version: "0.0.1", dependencies: { [MODULE]: `file:${pkgDir}` } }, null, 2),
  );
  fs.symlinkSync(pkgDir, path.join(dir, "node_modules", ...MODULE.split("/")), "dir");
  fs.writeFileSync(path.join(dir, "settings.js"), `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
  return dir;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The simulator, standalone, and plain HTTP

/**
 * One HTTP request with a JSON body; resolves `{ status, json, text }` (json undefined when the body is not JSON).
 * Rejects when no answer has come within `timeoutMs`. Without an `agent`, on a connection of its own: a kept-alive
 * one may be closed by a busy server just as it is reused.
 */
function request(method, url, body, { agent = false, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers = data ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) } : {};
    const req = http.request(url, { method, agent, headers }, (res) => {
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

/**
 * The simulator's CLI (`cli`: the installed package's nodes/simulator/cli.js) on a free port with `args`, in a child
 * process: `{ url, credentials, control(method, route, body), stats(), fault(spec), stop() }`.
 */
async function startStandaloneSimulator(cli, args = []) {
  const proc = spawn(process.execPath, [cli, "--port", "0", "--json", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const first = await new Promise((resolve, reject) => {
    readline.createInterface({ input: proc.stdout }).once("line", resolve);
    proc.once("exit", (code) => reject(new Error(`the simulator exited (${code}) before it started`)));
  });
  const info = JSON.parse(first);
  const control = (method, route, body) => request(method, `${info.url}/_simulator/${route}`, body);
  return {
    ...info,
    control,
    stats: async () => (await control("GET", "stats")).json,
    fault: async (spec) => assert.equal((await control("POST", "faults", spec)).status, 201),
    stop: () => new Promise((resolve) => (proc.exitCode !== null ? resolve() : (proc.once("exit", resolve), proc.kill("SIGTERM")))),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Node-RED

/**
 * Starts the project's Node-RED (node_modules/node-red/red.js) on the Node.js that runs this test, with the user
 * directory's settings.js. `adminRoot` is the settings' httpAdminRoot ("/" by default). Resolves once GET
 * <admin>/settings answers (or, with adminAuth, once the login scheme does).
 */
async function startNodeRed({ userDir, port, logFile, adminRoot = "/" }) {
  const redJs = path.join(ROOT, "node_modules", "node-red", "red.js");
  const argv = [redJs, "--userDir", userDir, "--settings", path.join(userDir, "settings.js"), "--port", String(port), "--no-telemetry"];
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const logStream = fs.createWriteStream(logFile);
  const proc = spawn(process.execPath, argv, { cwd: userDir, stdio: ["ignore", "pipe", "pipe"] });
  const nr = {
    proc,
    log: "",
    origin: `http://127.0.0.1:${port}`,
    base: `http://127.0.0.1:${port}${adminRoot.replace(/\/+$/, "")}`,
    logFile,
    alive: () => proc.exitCode === null && proc.signalCode === null,
    exited: new Promise((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal }))),
    async stop() {
      if (!nr.alive()) return nr.exited;
      proc.kill("SIGINT");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 15000);
      const r = await nr.exited;
      clearTimeout(timer);
      return r;
    },
    api: (method, route, opts) => kit.api(nr.base, method, route, opts),
  };
  for (const s of [proc.stdout, proc.stderr]) {
    s.on("data", (b) => {
      nr.log += b.toString("utf8");
      logStream.write(b);
    });
  }
  nr.exited.then(() => logStream.end());
  // never leave a Node-RED behind when this process ends without stopping it (a crash, Ctrl-C)
  const reap = () => {
    if (nr.alive()) proc.kill("SIGKILL");
  };
  process.once("exit", reap);
  nr.exited.then(() => process.removeListener("exit", reap));
  const until = Date.now() + 60000;
  for (;;) {
    if (!nr.alive()) throw new Error(`Node-RED exited before it was ready:\n${nr.log.slice(-3000)}`);
    try {
      const r = await kit.api(nr.base, "GET", "/auth/login", { timeoutMs: 2000 });
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`Node-RED did not answer ${nr.base}/auth/login within 60 s`);
    await sleep(200);
  }
  return nr;
}

/**
 * A full deploy through POST <admin>/flows (`nr`: anything with `api(method, route, opts)` and the log so far in
 * `log`). The answer can come before the new flows have started, so this waits, at most 30 s, until the log says
 * "Stopping flows" and then "Started flows": the start of Node-RED's first flows, which may be logged just after
 * its admin API answers, does not count. Returns Node-RED's answer.
 */
async function deploy(nr, flows, headers = {}) {
  const from = nr.log.length;
  const r = await nr.api("POST", "/flows", { body: flows, headers: { "Node-RED-Deployment-Type": "full", ...headers } });
  assert.ok(r.status === 204 || r.status === 200, `POST /flows: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  const started = () => /Stopping flows[\s\S]*Started flows/.test(nr.log.slice(from));
  assert.ok(await waitFor(started, 30_000), "the log did not say 'Started flows' within 30 s of the deploy");
  return r;
}

/** A Node-RED log has no [error] line, none of `secrets` and no Authorization header. */
function assertCleanLog(log, secrets, what = "the log") {
  assert.deepEqual(log.split("\n").filter((l) => /\[error\]/.test(l)), [], `${what}: [error] lines`);
  for (const s of secrets) assert.ok(!log.includes(s), `${what} holds a secret (${s.slice(0, 6)}…)`);
  assert.ok(!/Bearer\s|Basic\s/.test(log), `${what} holds an Authorization header`);
}

// ---------------------------------------------------------------------------------------------------------------
// Chromium

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A persistent context in a fresh profile folder under `tmp`; `close()` also removes nothing (tmp does). */
async function launchBrowser(tmp, { width = 1400, height = 900 } = {}) {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium fonts-liberation (or set CHROMIUM_PATH)`);
  }
  const { chromium } = require("playwright-core");
  const profile = fs.mkdtempSync(path.join(tmp, "chromium-"));
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width, height },
    locale: "en-US",
  });
}

function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

module.exports = {
  ROOT,
  MODULE,
  OUT,
  createRunner,
  runSuite,
  out,
  sleep,
  waitFor,
  run,
  buildPackage,
  pack,
  installPacked,
  makeUserDir,
  freePort,
  request,
  startStandaloneSimulator,
  startNodeRed,
  deploy,
  assertCleanLog,
  launchBrowser,
  tempDir,
};
