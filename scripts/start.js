#!/usr/bin/env node
"use strict";
/**
 * `npm start`: the demo. Builds the package, installs it into a Node-RED user directory inside the project
 * (.node-red/, ignored by git), deploys every example (each on its own tab, against the built-in simulator, so no
 * cloud account is needed), starts Node-RED on 127.0.0.1 and prints the editor's address. The examples' inject
 * nodes fire once on start; what their debug nodes show is summed up here too. Ctrl-C stops everything.
 *
 *   npm start                   port 1880, or $PORT
 *   npm start -- --reset        deploy the examples again, even over flows you changed in the editor
 *   npm start -- --no-build     skip `npm run build` (nodes/ is already built)
 *
 * The flows file is rewritten with the examples on each start unless you deployed changes in the editor since
 * the last start (then your flows are kept; --reset brings the examples back).
 */
const { spawn, spawnSync } = require("child_process");
const { createHash, randomBytes } = require("crypto");
const fs = require("fs");
const path = require("path");
const kit = require("./nodered-kit");

const ROOT = kit.ROOT;
const USER_DIR = path.join(ROOT, ".node-red");
const FLOWS_FILE = path.join(USER_DIR, "flows.json");
const FLOWS_HASH = path.join(USER_DIR, ".devicecloud-examples.sha256");
const SECRET_FILE = path.join(USER_DIR, ".devicecloud-credential-secret");
const HOST = "127.0.0.1";
const args = new Set(process.argv.slice(2));
const port = Number(process.env.PORT || 1880);

let child;
let stopping = false;
let comms;

function say(line) {
  process.stdout.write(`[start] ${line}\n`);
}

function fail(line) {
  process.stderr.write(`[start] ${line}\n`);
  process.exit(1);
}

function npm(argv, what) {
  const t0 = Date.now();
  const r = spawnSync("npm", argv, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
  if (r.error) fail(`${what}: ${r.error.message}`);
  if (r.status !== 0) fail(`${what} failed (exit ${r.status})`);
  say(`${what}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

function sha256(text) {
  return createHash("sha256").update(text).digest("hex");
}

/** A credential secret made once per checkout and kept in .node-red/ (so credentials you add survive restarts). */
function credentialSecret() {
  try {
    const s = fs.readFileSync(SECRET_FILE, "utf8").trim();
    if (s) return s;
  } catch {
    // first start
  }
  const s = randomBytes(24).toString("base64url");
  fs.writeFileSync(SECRET_FILE, s + "\n", { mode: 0o600 });
  return s;
}

function writeFlows() {
  const { flows } = kit.examplesToFlows(kit.readExamples(), { onceOnStart: true });
  const text = JSON.stringify(flows, null, 4) + "\n";
  let current;
  try {
    current = fs.readFileSync(FLOWS_FILE, "utf8");
  } catch {
    current = undefined;
  }
  let lastWritten;
  try {
    lastWritten = fs.readFileSync(FLOWS_HASH, "utf8").trim();
  } catch {
    lastWritten = undefined;
  }
  if (current !== undefined && !args.has("--reset") && sha256(current) !== lastWritten) {
    say("kept the flows you deployed in the editor (npm start -- --reset puts the examples back)");
    return false;
  }
  fs.writeFileSync(FLOWS_FILE, text);
  fs.writeFileSync(FLOWS_HASH, sha256(text) + "\n");
  const tabs = flows.filter((n) => n.type === "tab").map((n) => n.label);
  say(`deployed ${tabs.length} examples, each on its own tab: ${tabs.join(", ")}`);
  return true;
}

/** One short line per debug message, so the terminal shows what the examples found. */
function summarise(data, value) {
  if (data.level !== undefined) return; // warnings and errors: Node-RED logs them itself
  const tab = data.z ? tabNames.get(data.z) || data.z : "";
  const who = `${tab}${data.name ? ` / ${data.name}` : ""}`;
  let text;
  if (Array.isArray(value)) {
    const n = value.encodedLength ?? value.length;
    const ids = value.slice(0, 3).map((v) => (v && typeof v === "object" ? v.id ?? v.deviceId : v)).filter((v) => v !== undefined);
    text = `${n} item${n === 1 ? "" : "s"}${ids.length ? ` (${ids.join(", ")}${n > ids.length ? ", …" : ""})` : ""}`;
  } else if (value && typeof value === "object") {
    text = JSON.stringify(value);
    if (text.length > 160) text = text.slice(0, 157) + "…";
  } else {
    text = String(value).slice(0, 160);
  }
  say(`debug [${who}]: ${text}`);
}
const tabNames = new Map();

function stopAll(signal) {
  if (stopping) return;
  stopping = true;
  say(`${signal}: stopping Node-RED`);
  if (comms) comms.close();
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill("SIGINT");
    const hard = setTimeout(() => {
      say("Node-RED did not stop within 15 s: killing it");
      child.kill("SIGKILL");
    }, 15000);
    hard.unref();
  } else {
    process.exit(0);
  }
}

async function main() {
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`PORT must be a port number, got ${process.env.PORT}`);
  const redJs = path.join(ROOT, "node_modules", "node-red", "red.js");
  if (!fs.existsSync(redJs)) fail("node-red is not installed: run `npm install` first");
  process.on("SIGINT", () => stopAll("SIGINT"));
  process.on("SIGTERM", () => stopAll("SIGTERM"));

  if (!args.has("--no-build")) npm(["run", "--silent", "build"], "npm run build");
  fs.mkdirSync(USER_DIR, { recursive: true });
  const pkgFile = path.join(USER_DIR, "package.json");
  if (!fs.existsSync(pkgFile)) {
    fs.writeFileSync(pkgFile, JSON.stringify({ name: "node-red-devicecloud-demo", description: "Node-RED user directory of `npm start`", version: "0.0.0", private: true }, null, 2) + "\n");
  }
  // A symlink install: the user directory sees the package as the build left it in nodes/.
  npm(["install", "--prefix", USER_DIR, "--no-audit", "--no-fund", "--no-package-lock", ROOT], `installed ${kit.MODULE} into .node-red`);
  writeFlows();
  for (const n of JSON.parse(fs.readFileSync(FLOWS_FILE, "utf8"))) if (n.type === "tab") tabNames.set(n.id, n.label);

  const argv = [
    redJs,
    "--userDir", USER_DIR,
    "--port", String(port),
    "--no-telemetry",
    "-D", `uiHost=${HOST}`,
    "-D", "editorTheme.tours=false",
    "-D", `credentialSecret=${credentialSecret()}`,
    "flows.json",
  ];
  // Its own process group: Ctrl-C reaches Node-RED once, through stop(), which waits for it to finish.
  child = spawn(process.execPath, argv, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"], detached: true });
  child.on("exit", (code, signal) => {
    if (!stopping) say(`Node-RED exited (${signal || `code ${code}`})`);
    else say("stopped");
    process.exit(stopping ? 0 : code || 1);
  });
  const base = `http://${HOST}:${port}`;
  await kit.waitReady(base, { alive: () => child.exitCode === null && child.signalCode === null });
  try {
    comms = await kit.listenDebug(base, summarise);
  } catch (e) {
    say(`(no debug summary: ${e.message})`);
  }
  say("");
  say(`Node-RED is running: open ${base}/ in your browser`);
  say("Each tab is one example; press an inject node's button to run it again and watch the Debug sidebar.");
  const { FLATPEAK_ACCOUNTS } = require(path.join(ROOT, "nodes", "simulator"));
  say(`Simulated Flatpeak accounts, one per release (an account node with simulate on picks one by its API version): ${FLATPEAK_ACCOUNTS.map((a) => a.release).join(", ")}; the "Flatpeak releases" tab lists devices on zero, anode and busbar.`);
  say("Press Ctrl-C to stop.");
  say("");
}

main().catch((e) => {
  process.stderr.write(`[start] ${e.stack || e.message}\n`);
  if (child && child.exitCode === null) stopAll("error");
  else process.exit(1);
});
