"use strict";
/**
 * What the browser test (editor.e2e.js) and the admin-route test (admin.e2e.js) share:
 *
 * - a tiny runner: named checks, one line each, and the closing line CI reads ("N passed, N failed");
 * - the package built from the working tree in a temp copy (the tree's build output is not touched), and a Node-RED user
 *   directory that holds it as a link (node_modules/@devicecloud/node-red-devicecloud -> the copy), as
 *   `npm install <folder>` would make it;
 * - Node-RED 4.1 (the project's devDependency) started headless on a free loopback port with a settings file;
 * - Chromium (Debian's, /usr/bin/chromium, or $CHROMIUM_PATH) driven by playwright-core.
 *
 * Plain Node (no dependency beyond the project's devDependencies).
 */
const { spawn, spawnSync } = require("child_process");
const fs = require("fs");
const net = require("net");
const os = require("os");
const path = require("path");
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

// ---------------------------------------------------------------------------------------------------------------
// The package

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    const tail = `${r.stdout || ""}${r.stderr || ""}`.split("\n").slice(-30).join("\n");
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
  out,
  sleep,
  waitFor,
  run,
  buildPackage,
  pack,
  makeUserDir,
  freePort,
  startNodeRed,
  launchBrowser,
  tempDir,
};
