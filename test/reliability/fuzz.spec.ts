/**
 * Bad input, fuzzed with fast-check, for every node and property: wrong types, empty, huge, unicode, path-like ids.
 * Never a synchronous throw; always either INVALID_INPUT naming the field ("<field>: …", and no request), or requests
 * whose URL keeps the value inside its own path segment or query value (read back from what the simulator received).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Simulator } from "../../src/simulator";
import { withSimulator } from "../support/sim";
import { account, helper, loadFlow } from "../support/nodes";
import { seedFor, startHelper, stopHelper } from "./helpers";

const RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS) || 120;
const ORG = "/api/v1/organization";

type Outcome =
  | { kind: "output" | "catch"; msg: Record<string, any>; lines: string[] }
  | { kind: "missing" | "timeout"; lines: string[] }
  | { kind: "throw"; error: unknown; lines: string[] };

/** What the simulator received for one message: path (as sent, still encoded) and the decoded query. */
interface Received {
  method: string;
  path: string;
  query: URLSearchParams;
}
type RouteCheck = (r: Received) => string | undefined;

// ---- arbitraries ------------------------------------------------------------------------------------------------

const pathLike = fc.constantFrom(
  "../x", "a/b", "?x=", "%2F", "..%2F..%2Fx", "/", "#", "&", "dev_abc/../x", "dev_a?b=1", "dev_x#y", "dev_%2F", "dev_a/b",
  "dev_a%2Fb", "dev_abc?deviceId=1", "1/2", "1?deviceId=2", "1&deviceId=2", "1#2", "1%26deviceId%3D2", " 42 ", "4 2",
  "0x10", "1e3", "١٢", "-1", "+1", "\u0000", "dev_\u202eabc", "12\n", "\t7\t", "2147483647", "2147483648", "0", "00042",
  "dev_ok", " dev_abc123 ", "dev_", "DEV_abc", "dev_äbc",
);
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.string({ unit: "grapheme" }),
  // Lone surrogates and the characters that matter in a URL.
  fc.string({ unit: fc.constantFrom("\ud800", "\udc00", "a", "/", "%", "?", "&", "=", "#", " ", ".", "+", "d", "e", "v", "_", "1") }),
  fc.constantFrom("", " ", "\n", "\t"),
);
const huge = fc.constantFrom("x".repeat(100_000), "1".repeat(5000), `dev_${"a".repeat(100_000)}`, "é".repeat(70_000), "🙂".repeat(30_000));
const odd = fc.oneof(
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.double(),
  fc.bigInt(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
  fc.constant(Buffer.from("42")),
  fc.constant(() => 42),
);
/** Anything a device id field might be handed. */
const anyId = fc.oneof(
  { weight: 4, arbitrary: pathLike },
  { weight: 3, arbitrary: text },
  { weight: 1, arbitrary: huge },
  { weight: 2, arbitrary: fc.stringMatching(/^dev_[A-Za-z0-9]{1,24}$/) },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2_147_483_647 }).map(String) },
  { weight: 2, arbitrary: odd },
  { weight: 1, arbitrary: pathLike.map((p) => `dev_${p}`) },
);
/** Anything a text field (event code, description, query) might be handed. */
const anyText = fc.oneof({ weight: 4, arbitrary: text }, { weight: 2, arbitrary: pathLike }, { weight: 1, arbitrary: huge }, { weight: 1, arbitrary: fc.integer() }, { weight: 2, arbitrary: odd });
/** A JSON value as a saved flow can hold it (node properties). */
const anyConfig = fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom("", " ", "-1", "1.5", "1e300", "0", "10", "abc", "array", "page", "device", "full", "base", "NaN", "Infinity"), text);
const circular = (() => {
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  return o;
})();
/** A value as a saved flow holds it: JSON (what cannot be JSON becomes its text). */
function asConfig(v: unknown): unknown {
  try {
    const json = JSON.stringify(v);
    return json === undefined ? "" : JSON.parse(json);
  } catch {
    return typeof v === "string" ? v : Object.prototype.toString.call(v);
  }
}
const anyValue = fc.oneof(fc.anything({ maxDepth: 2 }), huge, fc.double(), odd, fc.constant(circular), fc.constant({ big: "x".repeat(70_000) }));

// ---- the harness ------------------------------------------------------------------------------------------------

describe("reliability: fuzzed input for every node and property (fast-check)", function () {
  this.timeout(120_000);
  let sim: Simulator;
  const lines: string[] = [];
  const seed = seedFor("fuzz");
  let fa: ReturnType<typeof account>;
  let ba: ReturnType<typeof account>;

  before(async () => {
    sim = await withSimulator({ blynkDevices: 200, log: (line) => lines.push(line) });
    fa = account(sim, "flatpeak", "accf");
    ba = account(sim, "blynk", "accb");
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    await startHelper();
    await loadFlow(base(), { ...fa.creds, ...ba.creds });
  });
  afterEach(() => stopHelper());

  function base(): Array<Record<string, unknown>> {
    return [fa.node, ba.node, { id: "c", type: "catch", scope: null, uncaught: false, wires: [["caught"]] }, { id: "out", type: "helper" }, { id: "caught", type: "helper" }];
  }

  /** Deploys the base flow plus `nodes` (a "modified nodes" deploy, as the editor does: the accounts stay). */
  async function deploy(nodes: Array<Record<string, unknown>>): Promise<void> {
    // A node property Node-RED itself cannot turn into a string (e.g. {"toString": null}) makes Node-RED's own
    // deploy throw before any node of ours exists: not a case our nodes can handle, so fast-check skips it.
    for (const n of nodes) {
      for (const v of Object.values(n)) {
        try {
          if (v !== null && typeof v === "object") void String(v);
        } catch {
          fc.pre(false);
        }
      }
    }
    const h = helper as any;
    const all = [{ id: "t1", type: "tab", label: "test" }, ...[...base(), ...nodes].map((n, i) => (n.type === "devicecloud-account" ? n : { z: "t1", x: 100, y: 40 * (i + 1), ...n }))];
    const started = new Promise<void>((resolve) => h._events.once("flows:started", () => resolve()));
    await h._redNodes.setFlows(all, { ...fa.creds, ...ba.creds }, "nodes");
    await started;
  }

  /** Sends one message and waits for its one output or Catch; collects what the simulator received meanwhile. */
  function send(id: string, msg: Record<string, unknown>): Promise<Outcome> {
    lines.length = 0;
    const node = helper.getNode(id);
    if (!node) return Promise.resolve({ kind: "missing", lines: [] });
    const out = helper.getNode("out");
    const caught = helper.getNode("caught");
    return new Promise((resolve) => {
      const finish = (o: Outcome) => {
        clearTimeout(timer);
        out.removeListener("input", onOut);
        caught.removeListener("input", onCatch);
        resolve(o);
      };
      const onOut = (m: Record<string, any>) => finish({ kind: "output", msg: m, lines: [...lines] });
      const onCatch = (m: Record<string, any>) => finish({ kind: "catch", msg: m, lines: [...lines] });
      const timer = setTimeout(() => finish({ kind: "timeout", lines: [...lines] }), 10_000);
      out.on("input", onOut);
      caught.on("input", onCatch);
      try {
        node.receive(msg as never);
      } catch (error) {
        finish({ kind: "throw", error, lines: [...lines] });
      }
    });
  }

  /** The requests of a simulator log line set, logins left out. */
  function received(ls: string[]): Received[] {
    return ls
      .map((l) => l.split(" "))
      .map(([, method, target]) => {
        const q = target.indexOf("?");
        return { method, path: q < 0 ? target : target.slice(0, q), query: new URLSearchParams(q < 0 ? "" : target.slice(q + 1)) };
      })
      .filter((r) => r.path !== "/login" && r.path !== "/oauth2/token");
  }

  /** Either INVALID_INPUT naming `field` with no request, or requests that all pass `route`. */
  function verdict(field: string, o: Outcome, route: RouteCheck): string | undefined {
    if (o.kind === "missing") return "the node was not created";
    if (o.kind === "throw") return `receive() threw: ${String(o.error)}`;
    if (o.kind === "timeout") return "neither an output nor a Catch within 10 s";
    const reqs = received(o.lines);
    if (o.kind === "catch") {
      const e = o.msg.error ?? {};
      if (e.code === "INVALID_INPUT") {
        if (!String(e.message).startsWith(`${field}: `)) return `INVALID_INPUT does not name ${field}: ${e.message}`;
        if (reqs.length > 0) return `INVALID_INPUT after a request: ${o.lines.join(" | ")}`;
        return undefined;
      }
      if (e.code !== "NOT_FOUND" && e.code !== "API_ERROR") return `${e.code}: ${e.message}`;
    }
    if (reqs.length === 0) return `${o.kind} without a request`;
    for (const r of reqs) {
      const bad = route(r);
      if (bad) return `${r.method} ${r.path}?${r.query}: ${bad}`;
    }
    return undefined;
  }

  /**
   * The property over `arb`. `examples` (bugs found before) run first, every time, outside fast-check: shrinking a
   * 100 kB string that failed would take all the memory there is.
   */
  async function holds<T>(arb: fc.Arbitrary<T>, check: (v: T) => Promise<string | undefined>, examples: T[] = [], runs = RUNS): Promise<void> {
    for (const e of examples) assert.equal(await check(e), undefined, `example ${JSON.stringify(e).slice(0, 80)}`);
    await fc.assert(
      fc.asyncProperty(arb, async (v) => {
        const bad = await check(v);
        assert.equal(bad, undefined);
      }),
      { numRuns: runs, seed },
    );
  }

  // ---- what a request may look like --------------------------------------------------------------------------

  /** The id the node must have sent for a raw value, or undefined when no request may follow from it. */
  function expectedId(provider: "flatpeak" | "blynk", raw: unknown): string | undefined {
    if (provider === "flatpeak") return typeof raw === "string" && /^dev_[A-Za-z0-9]+$/.test(raw.trim()) ? raw.trim() : undefined;
    const n = typeof raw === "number" ? raw : typeof raw === "string" && /^\s*\d{1,10}\s*$/.test(raw) ? Number(raw.trim()) : NaN;
    return Number.isInteger(n) && n >= 1 && n <= 2_147_483_647 ? String(n) : undefined;
  }
  const onlyParams = (q: URLSearchParams, names: string[]) => [...q.keys()].every((k) => names.includes(k)) || `unexpected parameters ${[...q.keys()]}`;
  /** A device request: Flatpeak /devices/{id} with the id as one encoded segment; Blynk ?deviceId= with the id. */
  function deviceRoute(provider: "flatpeak" | "blynk", raw: unknown, paths: string[] = []): RouteCheck {
    const id = expectedId(provider, raw);
    return (r) => {
      if (id === undefined) return `no request may follow from ${JSON.stringify(String(raw)).slice(0, 60)}`;
      if (provider === "flatpeak") {
        const m = /^\/devices\/([^/]+)$/.exec(r.path);
        if (!m) return "not one segment below /devices";
        if (decodeURIComponent(m[1]) !== id) return `segment decodes to ${decodeURIComponent(m[1])}, not ${id}`;
        return [...r.query.keys()].length === 0 ? undefined : "unexpected query";
      }
      if (r.method === "POST") {
        if (!paths.includes(r.path)) return "unexpected path";
        return [...r.query.keys()].length === 0 ? undefined : "unexpected query";
      }
      if (![`${ORG}/device`, `${ORG}/device/baseInfo`, `${ORG}/device/online`].includes(r.path)) return "unexpected path";
      const extra = onlyParams(r.query, ["deviceId"]);
      if (extra !== true) return extra;
      return r.query.getAll("deviceId").join(",") === id ? undefined : `deviceId=${r.query.getAll("deviceId")} instead of ${id}`;
    };
  }
  /** A listing: the query text (trimmed) arrives as the value of one parameter, whole. */
  function listRoute(provider: "flatpeak" | "blynk", what: "/devices" | "/sites", query: string | undefined): RouteCheck {
    return (r) => {
      if (provider === "flatpeak") {
        if (r.path !== what) return "unexpected path";
        const extra = onlyParams(r.query, ["limit", "starting_after", "reference_id"]);
        if (extra !== true) return extra;
        return (r.query.get("reference_id") ?? undefined) === query ? undefined : `reference_id=${r.query.get("reference_id")}`;
      }
      if (r.path !== (query === undefined ? `${ORG}/devices` : `${ORG}/search/devices`)) return "unexpected path";
      const extra = onlyParams(r.query, ["query", "page", "size"]);
      if (extra !== true) return extra;
      return (r.query.get("query") ?? undefined) === query ? undefined : `query=${r.query.get("query")}`;
    };
  }
  const blank = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");
  const thermostat = () => (sim.fleet.blynk.devices as unknown as Array<{ id: number; templateId: number }>).find((d) => d.templateId === 353)!.id;

  // ---- device ids --------------------------------------------------------------------------------------------

  const deviceNodes: Array<{ type: string; provider: "flatpeak" | "blynk"; extra?: Record<string, unknown>; post?: string }> = [
    { type: "devicecloud-get-device", provider: "flatpeak" },
    { type: "devicecloud-get-device", provider: "blynk" },
    { type: "devicecloud-device-status", provider: "flatpeak" },
    { type: "devicecloud-device-status", provider: "blynk" },
    { type: "devicecloud-trigger-event", provider: "blynk", extra: { eventCode: "high_temperature" }, post: `${ORG}/device/trigger-event` },
    { type: "devicecloud-update-metafield", provider: "blynk", extra: { metafieldId: "3", value: "v", valueType: "str" }, post: `${ORG}/device/metafield` },
  ];
  for (const d of deviceNodes) {
    it(`${d.type} (${d.provider}): msg.deviceId, msg.payload and msg.payload.id`, async () => {
      await deploy([{ id: "n", type: d.type, account: d.provider === "flatpeak" ? "accf" : "accb", wires: [["out"]], ...d.extra }]);
      await holds(fc.tuple(anyId, fc.constantFrom("deviceId", "payload", "payload.id")), async ([id, where]) => {
        const msg: Record<string, unknown> = where === "deviceId" ? { deviceId: id } : where === "payload" ? { payload: id } : { payload: { id } };
        // A blank msg.deviceId falls back to msg.payload: none here.
        const raw = where === "payload" && !(typeof id === "string" || typeof id === "number") ? undefined : id;
        return verdict("deviceId", await send("n", msg), deviceRoute(d.provider, raw, d.post ? [d.post] : []));
      }, [[`dev_${"a".repeat(100_000)}`, "deviceId"], ["../x", "deviceId"], ["a/b", "payload"], ["?x=", "payload.id"], ["%2F", "deviceId"], [" 42 ", "deviceId"]]);
    });
  }

  it("deviceId through every TypedInput type (str, msg path, flow, global, env) and types a hand-written flow may hold", async () => {
    const types = fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom("str", "msg", "flow", "global", "env") },
      { weight: 1, arbitrary: fc.oneof(fc.constantFrom("num", "json", "bool", "date", "bin", "re", "node", "cred", "jsonata", "foo", ""), fc.string({ maxLength: 8 })) },
    );
    const path = fc.oneof(fc.constantFrom("dev", "a.b", "a[0]", 'a["b"]', "a..b", "[", "a[", "", " ", "payload", "__proto__", "constructor.prototype"), fc.string({ maxLength: 12 }));
    await holds(
      fc.record({ provider: fc.constantFrom("flatpeak" as const, "blynk" as const), type: types, id: anyId, path }),
      async ({ provider, type, id, path }) => {
        const value = type === "msg" ? path : type === "flow" || type === "global" ? "fz" : type === "env" ? "FZ_DEVICE_ID" : typeof id === "string" || typeof id === "number" ? id : "";
        await deploy([{ id: "n", type: "devicecloud-get-device", account: provider === "flatpeak" ? "accf" : "accb", deviceId: value, deviceIdType: type, wires: [["out"]] }]);
        const node = helper.getNode("n");
        if (type === "flow") node?.context().flow.set("fz", id);
        if (type === "global") node?.context().global.set("fz", id);
        if (type === "env") process.env.FZ_DEVICE_ID = String(id);
        const msg: Record<string, unknown> = { dev: id };
        let raw: unknown = id;
        if (type === "msg") raw = path === "dev" ? id : undefined;
        if (type === "env") raw = String(id);
        const known = ["str", "msg", "flow", "global", "env"].includes(type);
        try {
          const o = await send("n", msg);
          // Types outside the five yield whatever Node-RED makes of them: only the shape of the request is checked.
          const route = known && !(type === "msg" && path !== "dev") ? deviceRoute(provider, blank(raw) ? undefined : raw) : shapeOnly(provider);
          return verdict("deviceId", o, route);
        } finally {
          delete process.env.FZ_DEVICE_ID;
        }
      },
      [],
      Math.round(RUNS * 1.5),
    );
  });
  /** A device request of the right shape, whatever the id (for values no test can predict). */
  function shapeOnly(provider: "flatpeak" | "blynk"): RouteCheck {
    return (r) =>
      provider === "flatpeak"
        ? /^\/devices\/dev_[A-Za-z0-9]+$/.test(r.path)
          ? undefined
          : "not /devices/dev_…"
        : /^\d+$/.test(r.query.get("deviceId") ?? "") && [...r.query.keys()].length === 1
          ? undefined
          : "not ?deviceId=<number>";
  }

  // ---- trigger event -----------------------------------------------------------------------------------------

  it("trigger event: eventCode from msg.eventCode and through each TypedInput type", async () => {
    await holds(fc.record({ type: fc.constantFrom("msg.eventCode", "str", "msg", "flow", "global", "env"), code: anyText }), async ({ type, code }) => {
      const node: Record<string, unknown> = { id: "n", type: "devicecloud-trigger-event", account: "accb", wires: [["out"]] };
      if (type === "str") Object.assign(node, { eventCode: typeof code === "string" || typeof code === "number" ? code : "", eventCodeType: "str" });
      else if (type === "msg") Object.assign(node, { eventCode: "code", eventCodeType: "msg" });
      else if (type !== "msg.eventCode") Object.assign(node, { eventCode: "fzcode", eventCodeType: type === "env" ? "env" : type });
      await deploy([node]);
      const n = helper.getNode("n");
      if (type === "flow") n?.context().flow.set("fzcode", code);
      if (type === "global") n?.context().global.set("fzcode", code);
      if (type === "env") process.env.fzcode = String(code);
      try {
        const o = await send("n", { deviceId: thermostat(), eventCode: code, code });
        return verdict("eventCode", o, (r) => (r.path === `${ORG}/device/trigger-event` && [...r.query.keys()].length === 0 ? undefined : "unexpected request"));
      } finally {
        delete process.env.fzcode;
      }
    });
  });

  it("trigger event: description from msg.description and as the node's mustache template", async () => {
    const template = fc.oneof(
      text,
      huge,
      fc.array(fc.constantFrom("{{", "}}", "{{#a}}", "{{/a}}", "{{^a}}", "{{>p}}", "{{=<% %>=}}", "{{{payload}}}", "{{& payload}}", "{{! c}}", "{{payload.x.y}}", "{{seq}}", "x", " ", "é"), { maxLength: 8 }).map((a) => a.join("")),
    );
    await holds(fc.record({ where: fc.constantFrom("msg", "template"), d: fc.oneof(anyText, template) }), async ({ where, d }) => {
      const node: Record<string, unknown> = { id: "n", type: "devicecloud-trigger-event", account: "accb", eventCode: "high_temperature", eventCodeType: "str", wires: [["out"]] };
      if (where === "template") node.description = typeof d === "string" ? d : String(d);
      await deploy([node]);
      const o = await send("n", { deviceId: thermostat(), description: where === "msg" ? d : undefined, payload: { x: { y: "é/?&" } }, seq: 7 });
      return verdict("description", o, (r) => (r.path === `${ORG}/device/trigger-event` && [...r.query.keys()].length === 0 ? undefined : "unexpected request"));
    }, [{ where: "template", d: "{{" }, { where: "template", d: "{{#a}}x" }]);
  });

  // ---- update metafield --------------------------------------------------------------------------------------

  it("update metafield: metafieldId from msg.metafieldId and through each TypedInput type", async () => {
    await holds(fc.record({ type: fc.constantFrom("msg.metafieldId", "num", "msg", "flow", "global", "env"), id: anyId }), async ({ type, id }) => {
      const node: Record<string, unknown> = { id: "n", type: "devicecloud-update-metafield", account: "accb", value: "v", valueType: "str", wires: [["out"]] };
      if (type === "num") Object.assign(node, { metafieldId: typeof id === "string" || typeof id === "number" ? id : "", metafieldIdType: "num" });
      else if (type === "msg") Object.assign(node, { metafieldId: "mf", metafieldIdType: "msg" });
      else if (type !== "msg.metafieldId") Object.assign(node, { metafieldId: "fzmf", metafieldIdType: type });
      await deploy([node]);
      const n = helper.getNode("n");
      if (type === "flow") n?.context().flow.set("fzmf", id);
      if (type === "global") n?.context().global.set("fzmf", id);
      if (type === "env") process.env.fzmf = String(id);
      try {
        const o = await send("n", { deviceId: 1, metafieldId: id, mf: id });
        return verdict("metafieldId", o, (r) => (r.path === `${ORG}/device/metafield` && [...r.query.keys()].length === 0 ? undefined : "unexpected request"));
      } finally {
        delete process.env.fzmf;
      }
    });
  });

  it("update metafield: value from msg.payload and through the str, num, bool and json types", async () => {
    await holds(fc.record({ type: fc.constantFrom("msg", "str", "num", "bool", "json"), v: fc.oneof(anyValue, anyConfig) }), async ({ type, v }) => {
      const node: Record<string, unknown> = { id: "n", type: "devicecloud-update-metafield", account: "accb", metafieldId: "3", metafieldIdType: "num", wires: [["out"]] };
      if (type !== "msg") {
        const c = asConfig(v);
        Object.assign(node, { value: typeof c === "string" ? c : JSON.stringify(c), valueType: type });
      }
      await deploy([node]);
      const o = await send("n", { deviceId: 1, payload: v });
      return verdict("value", o, (r) => (r.path === `${ORG}/device/metafield` && [...r.query.keys()].length === 0 ? undefined : "unexpected request"));
    });
  });

  // ---- listings ----------------------------------------------------------------------------------------------

  const listNodes = [
    { type: "devicecloud-list-devices", provider: "flatpeak" as const, what: "/devices" as const },
    { type: "devicecloud-list-devices", provider: "blynk" as const, what: "/devices" as const },
    { type: "devicecloud-list-sites", provider: "flatpeak" as const, what: "/sites" as const },
  ];
  for (const l of listNodes) {
    it(`${l.type} (${l.provider}): query from msg.query and the node; output and max`, async () => {
      await holds(
        fc.record({ where: fc.constantFrom("msg", "node", "output", "max"), q: anyText, c: anyConfig }),
        async ({ where, q, c }) => {
          const node: Record<string, unknown> = { id: "n", type: l.type, account: l.provider === "flatpeak" ? "accf" : "accb", max: 3, wires: [["out"]] };
          if (where === "node") node.query = asConfig(q);
          if (where === "output") node.output = c;
          if (where === "max") node.max = c;
          await deploy([node]);
          const o = await send("n", where === "msg" ? { query: q } : {});
          const field = where === "msg" || where === "node" ? "query" : where;
          const raw = where === "node" ? asConfig(q) : where === "msg" ? q : undefined;
          // The query that must arrive: the trimmed text; a node's query is read as text whatever it holds.
          let expected = blank(raw) ? undefined : where === "node" ? String(raw).trim() : typeof raw === "string" || typeof raw === "number" ? String(raw).trim() : "(none may be sent)";
          if (expected === "") expected = undefined; // ([] reads as ""): no filter
          // A query of tens of kilobytes makes a URL the server refuses before reading it (HTTP 400/414/431 from a
          // real cloud): API_ERROR, and the simulator never sees the request.
          if (typeof expected === "string" && expected.length > 8000 && o.kind === "catch" && o.msg.error.code === "API_ERROR" && received(o.lines).length === 0) return undefined;
          return verdict(field, o, listRoute(l.provider, l.what, expected));
        },
        [{ where: "msg", q: "\ud800", c: "" }, { where: "node", q: "a\udc00b", c: "" }, { where: "msg", q: "?x=&a/b#%2F", c: "" }],
      );
    });
  }

  it("device status: offlineAfter; get device: detail", async () => {
    await holds(fc.record({ prop: fc.constantFrom("offlineAfter", "detail"), provider: fc.constantFrom("flatpeak" as const, "blynk" as const), c: anyConfig }), async ({ prop, provider, c }) => {
      const type = prop === "offlineAfter" ? "devicecloud-device-status" : "devicecloud-get-device";
      await deploy([{ id: "n", type, account: provider === "flatpeak" ? "accf" : "accb", [prop]: c, wires: [["out"]] }]);
      const id = provider === "flatpeak" ? "dev_000000000000000000000001" : 1;
      return verdict(prop, await send("n", { deviceId: id }), deviceRoute(provider, id));
    });
  });
});
