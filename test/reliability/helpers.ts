/** What the reliability specs share: a seeded PRNG, an unhandled-rejection trap, resource counts, call recorders. */
import { createHook } from "node:async_hooks";
import type { Node } from "node-red";
import { FLOW_TYPES as ALL_FLOW_TYPES, helper } from "../support/nodes";
import { OFFERS } from "../../src/api";
import type { Operation } from "../../src/api/types";

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function prng(seed: number): { next(): number; int(lo: number, hi: number): number; pick<T>(xs: readonly T[]): T; chance(p: number): boolean } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
  };
}

/** The seed of a randomized spec: RELIABILITY_SEED when set (to replay a run), else a fresh one. Always printed. */
export function seedFor(what: string): number {
  const env = process.env.RELIABILITY_SEED;
  const seed = env !== undefined && env !== "" && Number.isFinite(Number(env)) ? Number(env) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  console.log(`      [${what}] seed ${seed} (replay with RELIABILITY_SEED=${seed})`);
  return seed;
}

/** Records every unhandled rejection while installed (mocha's own handler stays in place too). */
export function trapUnhandled(): { readonly seen: unknown[]; stop(): void } {
  const seen: unknown[] = [];
  const on = (reason: unknown) => seen.push(reason);
  process.on("unhandledRejection", on);
  return { seen, stop: () => process.off("unhandledRejection", on) };
}

/** Active libuv resources by type (sockets, timers, servers…), as Node reports them. */
export function activeResources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

/**
 * Every async resource (socket, server, timer, immediate…) created while tracking is on and not yet destroyed, by
 * type. Unlike getActiveResourcesInfo() this also sees what is unref'd, such as an idle keep-alive socket.
 */
export function trackResources(): { live(): Record<string, number>; stacks(type: string): string[]; stop(): void } {
  const live = new Map<number, string>();
  const where = new Map<number, string>();
  const hook = createHook({
    init(id, type) {
      if (type === "PROMISE") return;
      live.set(id, type);
      if (process.env.RELIABILITY_STACKS) where.set(id, new Error().stack ?? "");
    },
    destroy(id) {
      live.delete(id);
      where.delete(id);
    },
  }).enable();
  return {
    stacks: (type) => [...live].filter(([, t]) => t === type).map(([id]) => where.get(id) ?? "(set RELIABILITY_STACKS=1)"),
    live() {
      const out: Record<string, number> = {};
      for (const type of live.values()) out[type] = (out[type] ?? 0) + 1;
      return out;
    },
    stop: () => hook.disable(),
  };
}

/** Types whose count grew by more than `slack` from `before` to `after`. */
export function grown(before: Record<string, number>, after: Record<string, number>, slack: number): string[] {
  const out: string[] = [];
  for (const [k, n] of Object.entries(after)) if (n - (before[k] ?? 0) > slack) out.push(`${k}: ${before[k] ?? 0} → ${n}`);
  return out;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitFor(cond: () => boolean, timeoutMs: number, stepMs = 20): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) return false;
    await sleep(stepMs);
  }
  return true;
}

/** Stops the Node-RED test helper's flows and server (as afterEach does in the node specs). */
export async function stopHelper(): Promise<void> {
  await helper.unload();
  await new Promise<void>((r) => helper.stopServer(() => r()));
}

export function startHelper(): Promise<void> {
  return new Promise<void>((resolve) => helper.startServer(() => resolve()));
}

export interface Call {
  kind: "send" | "error" | "status" | "log" | "warn" | "debug" | "trace" | "complete";
  args: unknown[];
  at: number;
}

/**
 * Records what a node does, straight on the instance (so it keeps working after the helper's own spies are
 * restored by unload): every send, error (done(err) ends in node.error), status, log line and completion.
 */
export function recordCalls(node: Node): Call[] {
  const calls: Call[] = [];
  const n = node as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const kind of ["send", "error", "status", "log", "warn", "debug", "trace"] as const) {
    const orig = n[kind];
    n[kind] = function (this: unknown, ...args: unknown[]) {
      calls.push({ kind, args, at: Date.now() });
      return orig.apply(this, args);
    };
  }
  const complete = n._complete;
  n._complete = function (this: unknown, ...args: unknown[]) {
    calls.push({ kind: "complete", args, at: Date.now() });
    return complete.apply(this, args);
  };
  return calls;
}

/**
 * The flow node types these specs drive with one message shape (an account, a device id, a value): every type of
 * package.json but those named below, whose flows need more (the fleet nodes an action or a kind: see
 * test/nodes/fleet.spec.ts and the soak; the price nodes a location: test/nodes/prices.spec.ts). A new node is
 * driven here unless it is named below.
 */
const OWN_FLOWS = new Set(["devicecloud-manage-device", "devicecloud-device-history", "devicecloud-watch", "devicecloud-prices", "devicecloud-price-slots"]);
export const FLOW_TYPES: readonly FlowType[] = ALL_FLOW_TYPES.filter((t) => !OWN_FLOWS.has(t));
export type FlowType = string;

/** The operation a node type performs: its name in camel case (devicecloud-get-device: getDevice). */
const operationOf = (type: string) => type.replace(/^devicecloud-/, "").replace(/-(\w)/g, (_m, c: string) => c.toUpperCase()) as Operation;

/** Which of FLOW_TYPES each cloud offers, as its client declares its operations. */
export const SUPPORTED: Record<"flatpeak" | "blynk", ReadonlySet<FlowType>> = {
  flatpeak: new Set(FLOW_TYPES.filter((t) => OFFERS.flatpeak.operations.includes(operationOf(t)))),
  blynk: new Set(FLOW_TYPES.filter((t) => OFFERS.blynk.operations.includes(operationOf(t)))),
};
