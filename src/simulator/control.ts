/**
 * The control API under /_simulator/ (stats, faults, latency, rate limits, token revocation and expiry, accounts),
 * for loopback clients only. startSimulator mounts it only when asked (`controlApi: true`: the CLI, the tests, the
 * bench); the simulator that Node-RED hosts for an account's `simulate` has none, so no local process can steer it.
 */
import type http from "http";
import { parseJson, type ProviderName, type SimResponse } from "./common";
import { checkProvider, type ActiveFault, type FaultSpec } from "./faults";
import type { RateLimitSpec } from "./rate-limit";
import { readBody, send, type RouteHandler } from "./server";
import type { SimulatorStats } from "./stats";

export const CONTROL_PREFIX = "/_simulator";

/** What the control API steers: the simulator's own programmatic interface. */
export interface Controllable {
  stats(): SimulatorStats;
  resetStats(): void;
  addFault(f: FaultSpec): number;
  removeFault(id: number): void;
  clearFaults(): void;
  setLatency(ms: number): void;
  setRateLimit(provider: ProviderName, spec: RateLimitSpec | null): void;
  revokeTokens(provider?: ProviderName): void;
  expireTokens(provider?: ProviderName): void;
  addAccount(provider: ProviderName, clientId: string, clientSecret: string, release?: string): void;
}

export interface ControlDeps {
  sim: Controllable;
  faults(): ActiveFault[];
  hasFault(id: number): boolean;
  isClosing(): boolean;
}

function isLoopback(addr: string | undefined): boolean {
  if (!addr) return false;
  return addr === "::1" || addr.startsWith("127.") || addr.startsWith("::ffff:127.");
}

type Routes = Record<string, Record<string, () => SimResponse>>;

function routes(deps: ControlDeps, body: Record<string, unknown>): Routes {
  const { sim } = deps;
  return {
    "/_simulator/stats": { GET: () => ({ status: 200, body: sim.stats() }) },
    "/_simulator/stats/reset": { POST: () => (sim.resetStats(), { status: 204 }) },
    "/_simulator/faults": {
      GET: () => ({ status: 200, body: deps.faults() }),
      POST: () => ({ status: 201, body: { id: sim.addFault(body as FaultSpec) } }),
      DELETE: () => (sim.clearFaults(), { status: 204 }),
    },
    "/_simulator/latency": { POST: () => (sim.setLatency(body.ms as number), { status: 204 }) },
    "/_simulator/rate-limit": {
      POST: () => (sim.setRateLimit(checkProvider(body.provider, false) as ProviderName, (body.spec ?? null) as RateLimitSpec | null), { status: 204 }),
    },
    "/_simulator/revoke": { POST: () => (sim.revokeTokens(checkProvider(body.provider, true)), { status: 204 }) },
    "/_simulator/expire": { POST: () => (sim.expireTokens(checkProvider(body.provider, true)), { status: 204 }) },
    "/_simulator/accounts": {
      POST: () => {
        if (typeof body.clientId !== "string" || typeof body.clientSecret !== "string") throw new TypeError("clientId and clientSecret must be strings");
        sim.addAccount(checkProvider(body.provider, false) as ProviderName, body.clientId, body.clientSecret, body.release as string | undefined);
        return { status: 204 };
      },
    },
  };
}

function route(deps: ControlDeps, method: string, path: string, body: Record<string, unknown>): SimResponse {
  const m = /^\/_simulator\/faults\/(\d+)$/.exec(path);
  if (m) {
    const id = Number(m[1]);
    if (method !== "DELETE") return { status: 405, body: { error: "use DELETE" }, headers: { Allow: "DELETE" } };
    if (!deps.hasFault(id)) return { status: 404, body: { error: `no fault ${id}` } };
    deps.sim.removeFault(id);
    return { status: 204 };
  }
  const table = routes(deps, body);
  if (!table[path]) return { status: 404, body: { error: "unknown control endpoint" } };
  const handlers = table[path];
  if (!handlers[method]) return { status: 405, body: { error: `use ${Object.keys(handlers).join(" or ")}` }, headers: { Allow: Object.keys(handlers).join(", ") } };
  return handlers[method]();
}

export function controlApi(deps: ControlDeps): RouteHandler {
  return (req, res: http.ServerResponse, url) => {
    const method = (req.method ?? "GET").toUpperCase();
    const path = url.pathname.replace(/\/+$/, "");
    if (!isLoopback(req.socket.remoteAddress)) return send(res, { status: 403, body: { error: "the control API answers loopback clients only" } });
    void readBody(req).then((text) => {
      if (text === null || deps.isClosing()) return;
      if (text === "too-large") return send(res, { status: 413, body: { error: "body too large" } });
      const parsed = parseJson(text);
      if (!parsed.ok) return send(res, { status: 400, body: { error: "the body is not valid JSON" } });
      let r: SimResponse;
      try {
        r = route(deps, method, path, (parsed.value ?? {}) as Record<string, unknown>);
      } catch (e) {
        r = { status: 400, body: { error: (e as Error).message } };
      }
      send(res, r);
    });
  };
}
