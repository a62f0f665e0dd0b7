"use strict";
/**
 * What `npm start` (scripts/start.js) and the end-to-end test (test/e2e/nodered.e2e.js) share: the examples
 * turned into one deployable flow (each example on its own tab), a small client of Node-RED's admin HTTP API,
 * and a listener for the debug sidebar's messages (the editor's websocket, /comms).
 *
 * Plain Node (no dependency): runs on the Node.js that runs the caller.
 */
const { createHash } = require("crypto");
const fs = require("fs");
const path = require("path");

const ROOT = path.join(__dirname, "..");
const EXAMPLES_DIR = path.join(ROOT, "examples");
const MODULE = "@devicecloud/node-red-devicecloud";

// ---------------------------------------------------------------------------------------------------------------
// Examples

/** Every examples/*.json, sorted by name: `{ file, name, nodes }` (name = the menu entry). */
function readExamples(dir = EXAMPLES_DIR) {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((file) => {
      const nodes = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
      if (!Array.isArray(nodes)) throw new Error(`${file}: an example is an array of nodes`);
      return { file, name: file.replace(/\.json$/, ""), nodes };
    });
}

/** A node drawn on a tab (has a position); the others are config nodes (accounts). */
function isFlowNode(n) {
  return typeof n.x === "number" && typeof n.y === "number";
}

function stableId(...parts) {
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 16);
}

/** Replaces every string that is exactly an old id (wires, z, account, scope, links, g) by its new id. */
function remap(value, ids) {
  if (typeof value === "string") return ids.has(value) ? ids.get(value) : value;
  if (Array.isArray(value)) return value.map((v) => remap(v, ids));
  if (value && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = k === "name" || k === "info" || k === "type" ? v : remap(v, ids);
    return out;
  }
  return value;
}

/**
 * One flow with every example on its own tab. Every node gets a new id, derived from the example's file and its
 * old id (stable from one run to the next, unique across examples); the example's account nodes are scoped to its
 * tab, so the config sidebar lists them under their example. Options: `onceOnStart` makes every inject fire once,
 * a second after the deploy. Returns `{ flows, tabs: [{ name, file, tab, nodes, idOf(oldId) }] }`.
 */
function examplesToFlows(examples, opts = {}) {
  const flows = [];
  const tabs = [];
  for (const ex of examples) {
    const tab = stableId("tab", ex.file);
    const ids = new Map();
    for (const n of ex.nodes) {
      if (n.type === "tab") continue;
      ids.set(n.id, stableId(ex.file, n.id));
      if (isFlowNode(n) && n.z) ids.set(n.z, tab); // the example's own tab id becomes the new tab
    }
    const info = ex.nodes.filter((n) => n.type === "comment").map((n) => n.info || n.name).join("\n\n");
    flows.push({ id: tab, type: "tab", label: ex.name, disabled: false, info });
    const placed = [];
    for (const n of ex.nodes) {
      if (n.type === "tab") continue;
      const m = remap(n, ids);
      m.z = tab;
      if (opts.onceOnStart && m.type === "inject") {
        m.once = true;
        m.onceDelay = 1;
      }
      flows.push(m);
      if (isFlowNode(n)) placed.push(m);
    }
    tabs.push({ name: ex.name, file: ex.file, tab, nodes: placed, idOf: (old) => ids.get(old) ?? old });
  }
  return { flows, tabs };
}

// ---------------------------------------------------------------------------------------------------------------
// Admin API

/** `fetch` against Node-RED's admin API; resolves `{ status, headers, text, json }`. */
async function api(base, method, route, { body, headers = {}, timeoutMs = 15000 } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, signal: AbortSignal.timeout(timeoutMs) };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const res = await fetch(base + route, init);
  const buf = Buffer.from(await res.arrayBuffer());
  const text = buf.toString("utf8");
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, buf, text, json };
}

/** Waits until the admin API answers GET /settings (or `alive()` says the process is gone, or time runs out). */
async function waitReady(base, { timeoutMs = 60000, alive = () => true } = {}) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    if (!alive()) throw new Error("Node-RED exited before it was ready");
    try {
      const r = await api(base, "GET", "/settings", { timeoutMs: 2000 });
      if (r.status === 200) return r.json;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = e.cause?.code || e.message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Node-RED did not answer ${base}/settings within ${timeoutMs / 1000} s (${last})`);
}

/** Every node of the examples with that type, deployed: `{ tab, node }`. */
function nodesOfType(tabs, type) {
  const out = [];
  for (const t of tabs) for (const n of t.nodes) if (n.type === type) out.push({ tab: t, node: n });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Debug messages (the editor's websocket)

/** A WebSocket class: Node's own (Node 22, or Node 20 with --experimental-websocket), else `ws` from node-red. */
function webSocketClass() {
  if (typeof globalThis.WebSocket === "function") return { kind: "web", WS: globalThis.WebSocket };
  const nodeRedDir = path.dirname(require.resolve("node-red/package.json", { paths: [ROOT] }));
  return { kind: "ws", WS: require(require.resolve("ws", { paths: [nodeRedDir] })) };
}

/**
 * Subscribes to the debug sidebar's messages. `onDebug(data, value)` gets each one: `data` as the editor gets it
 * ({id, z, name, msg, format, level?}) and `value` the decoded message property. Resolves once subscribed.
 */
function listenDebug(base, onDebug) {
  const { kind, WS } = webSocketClass();
  const url = base.replace(/^http/, "ws") + "/comms";
  const ws = new WS(url);
  const handle = (text) => {
    let batch;
    try {
      batch = JSON.parse(String(text));
    } catch {
      return;
    }
    for (const m of Array.isArray(batch) ? batch : [batch]) {
      if (m && m.topic === "debug" && m.data) onDebug(m.data, decodeDebug(m.data));
    }
  };
  return new Promise((resolve, reject) => {
    const opened = () => {
      ws.send(JSON.stringify({ subscribe: "debug" }));
      resolve({ close: () => ws.close() });
    };
    if (kind === "web") {
      ws.addEventListener("open", opened);
      ws.addEventListener("error", () => reject(new Error(`websocket ${url} failed`)));
      ws.addEventListener("message", (ev) => handle(ev.data));
    } else {
      ws.on("open", opened);
      ws.on("error", reject);
      ws.on("message", handle);
    }
  });
}

/** The value a debug message shows, decoded as the sidebar decodes it (long arrays come as their first 1000). */
function decodeDebug(data) {
  const fmt = String(data.format || "");
  let v = data.msg;
  if (typeof v === "string" && (fmt === "Object" || fmt.startsWith("array") || fmt === "boolean" || fmt === "number")) {
    try {
      v = JSON.parse(v);
    } catch {
      return v;
    }
  }
  if (v && typeof v === "object" && v.__enc__ && v.type === "array") return Object.assign(v.data.slice(), { encodedLength: v.length });
  return v;
}

module.exports = {
  ROOT,
  EXAMPLES_DIR,
  MODULE,
  readExamples,
  examplesToFlows,
  isFlowNode,
  api,
  waitReady,
  nodesOfType,
  listenDebug,
  decodeDebug,
};
