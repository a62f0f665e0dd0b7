/** Loading our nodes (the compiled nodes/, as shipped) into a real Node-RED runtime with the test helper. */
import path from "node:path";
import helper from "node-red-node-test-helper";
import { i18n } from "@node-red/util";
import type { Simulator } from "../../src/simulator";
import { SECRETS } from "./sim";

helper.init(require.resolve("node-red"));
export { helper };

const built = path.join(__dirname, "..", "..", "..", "nodes");
const MODULE = "@devicecloud/node-red-devicecloud";

/** A node file, loaded as Node-RED loads it, with RED._ translating as Node-RED's does (see `translated`). */
export const load = (name: string) => translated(name, require(path.join(built, `${name}.js`)));

/**
 * The test helper's RED._ gives back the key it is asked for. Node-RED's translates it with Node-RED's i18n, from
 * the node's catalogue or the one the key names ("namespace:key"); so here too, with the shipped catalogues, and a
 * status reads as a user sees it: "ok · 12:03:41".
 */
function translated(name: string, register: (RED: unknown) => unknown) {
  const namespace = `${MODULE}/${name}`;
  const _ = (key: string, vars?: Record<string, string | number>) => i18n._(key.includes(":") ? key : `${namespace}:${key}`, vars);
  // Registered when the helper loads the node, as Node-RED does, once its i18n is set up.
  let ready: Promise<unknown> | undefined;
  return (RED: object) => {
    ready ??= i18n.registerMessageCatalog(namespace, path.join(built, "locales"), `${name}.json`);
    return ready.then(() => register(Object.assign(Object.create(RED), { _ })));
  };
}

/** The package's node types, from package.json (scripts/node-types.js). */
export const { NODE_TYPES, FLOW_TYPES } = require(path.join(built, "..", "scripts", "node-types.js")) as { NODE_TYPES: string[]; FLOW_TYPES: string[] };
export const OUR_NODES = NODE_TYPES.map(load);
export const JOIN_NODE = require("@node-red/nodes/core/sequence/17-split.js");
export const CATCH_NODE = require("@node-red/nodes/core/common/25-catch.js");
export const ALL_NODES = [...OUR_NODES, JOIN_NODE, CATCH_NODE];

export function account(sim: Simulator, provider: "flatpeak" | "blynk", id = "acc", extra: Record<string, unknown> = {}) {
  return {
    node: { id, type: "devicecloud-account", name: `${provider} test`, provider, server: sim.url, ...extra },
    creds: { [id]: { ...SECRETS[provider] } },
  };
}

/** Loads a flow on tab "t1": flow nodes get z/x/y; resolves once started. */
export async function loadFlow(flow: Array<Record<string, unknown>>, creds: Record<string, unknown> = {}): Promise<void> {
  const nodes = [{ id: "t1", type: "tab", label: "test" }, ...flow.map((n, i) => (n.type === "devicecloud-account" ? n : { z: "t1", x: 100, y: 40 * (i + 1), ...n }))];
  await helper.load(ALL_NODES, nodes as never, creds);
}

/** Resolves with the next `count` messages arriving at a helper node. */
export function nextMessages(id: string, count = 1): Promise<Array<Record<string, any>>> {
  const node = helper.getNode(id);
  const got: Array<Record<string, any>> = [];
  return new Promise((resolve) => {
    const on = (msg: Record<string, any>) => {
      got.push(msg);
      if (got.length === count) {
        node.removeListener("input", on);
        resolve(got);
      }
    };
    node.on("input", on);
  });
}

/** Sends each `[node, msg, out]`'s msg into its node; resolves with the first message at each `out`, in that order. */
export async function firstOut(...sends: Array<[node: string, msg: Record<string, unknown>, out: string]>): Promise<Array<Record<string, any>>> {
  const got = sends.map(([, , out]) => nextMessages(out));
  for (const [node, msg] of sends) helper.getNode(node).receive(msg);
  return (await Promise.all(got)).map(([m]) => m);
}

/** An outcome's status text: the word or code, then the host's local time to the second ("ok · 12:03:41"). */
export const withTime = (text: string) => new RegExp(`^${text} · \\d{2}:\\d{2}:\\d{2}$`);

/** Every status a node set, in order. */
export function statuses(id: string): Array<Record<string, any>> {
  const seen: Array<Record<string, any>> = [];
  (helper.getNode(id) as any).on("call:status", (call: { args: unknown[] }) => seen.push(call.args[0] as Record<string, any>));
  return seen;
}

/** Each test in a fresh runtime; with a simulator, its faults and counters cleared first. */
export function freshRuntimeEach(sim?: () => Simulator): void {
  beforeEach((done) => {
    sim?.().clearFaults();
    sim?.().resetStats();
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((r) => helper.stopServer(() => r()));
  });
}
