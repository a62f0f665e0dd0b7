/**
 * The built-in simulator of both device clouds: one HTTP/1.1 server on loopback that serves the Flatpeak API
 * (/login, /devices…, /sites…) and the Blynk Platform API (/oauth2/token, /api/v1/organization/…) at once, with
 * a seeded fleet, token expiry, fixed-window rate limits, fault injection and a control API under /_simulator/.
 * What it implements, and which choices are inferences, is in docs/simulator.md.
 */
import http from "http";
import type { AddressInfo, Socket } from "net";
import { parseJson, isPlainObject, redactedTarget, type ProviderName, type SimRequest, type SimResponse } from "./common";
import { TokenStore } from "./tokens";
import { Rng, streamOf, STREAM } from "./rng";
import { FlatpeakSim, FLATPEAK_DEMO, type FlatpeakDevice, type FlatpeakPrincipal, type FlatpeakSite } from "./flatpeak";
import { BlynkSim, BLYNK_DEMO, type BlynkDevice, type BlynkOrg, type BlynkPrincipal, type BlynkTag, type BlynkUser } from "./blynk";
import type { TemplateDef } from "./blynk-templates";

export { FLATPEAK_DEMO, FLATPEAK_VERSIONS, FLATPEAK_DEFAULT_VERSION, FLATPEAK_DEVICE_TYPES } from "./flatpeak";
export type { FlatpeakDevice, FlatpeakSite, FlatpeakDeviceSummary, FlatpeakDeviceProperties, FlatpeakDeviceType } from "./flatpeak";
export { BLYNK_DEMO } from "./blynk";
export type { BlynkDevice, BlynkOrg, BlynkUser, BlynkTag, TimelineEvent, LogEntry, HardwareInfo } from "./blynk";
export { BLYNK_TEMPLATES, BLYNK_EVENT_TYPES } from "./blynk-templates";
export type { TemplateDef, MetaFieldDef, EventDef, DataStreamDef, MetaType } from "./blynk-templates";

export interface RateLimitSpec {
  limit: number;
  windowMs: number;
  retryAfter: boolean;
}

export interface SimulatorOptions {
  host?: string;
  port?: number;
  seed?: number;
  flatpeakDevices?: number;
  flatpeakSites?: number;
  blynkDevices?: number;
  tokenLifetimeSec?: { flatpeak?: number; blynk?: number };
  rateLimit?: { flatpeak?: RateLimitSpec | null; blynk?: RateLimitSpec | null };
  latencyMs?: number;
  log?: (line: string) => void;
  /**
   * Epoch ms that the fleet's relative times (Flatpeak last_seen, Blynk connect times and recent activations)
   * count back from. Default: the real time at start. Fix it to make the whole fleet a pure function of
   * (seed, sizes, startTime).
   */
  startTime?: number;
}

export interface FaultSpec {
  provider?: "flatpeak" | "blynk";
  method?: string;
  path?: string;
  includeAuth?: boolean;
  latencyMs?: number;
  status?: number;
  /** With status 429: Retry-After as seconds (rounded up), or a text sent as it is (an HTTP date, or garbage). */
  retryAfter?: number | string;
  /** With status: the message of the provider's error body, instead of the usual one for that status. */
  message?: string;
  drop?: boolean;
  malformed?: boolean;
  hang?: boolean;
  times?: number;
  probability?: number;
}

export interface SimulatorStats {
  requests: number;
  byRoute: Record<string, number>;
  logins: { flatpeak: number; blynk: number };
  inFlight: number;
  maxInFlight: number;
  rateLimited: number;
  perWindow: { provider: "flatpeak" | "blynk"; windowStart: number; accepted: number; rejected: number }[];
  authHeadersSeen: number;
}

export interface SimulatorFleet {
  flatpeak: { devices: FlatpeakDevice[]; sites: FlatpeakSite[] };
  blynk: { devices: BlynkDevice[]; orgs: BlynkOrg[]; users: BlynkUser[]; tags: BlynkTag[]; templates: readonly TemplateDef[] };
}

export interface Simulator {
  readonly url: string;
  readonly port: number;
  readonly credentials: { flatpeak: { clientId: string; clientSecret: string }; blynk: { clientId: string; clientSecret: string } };
  addAccount(provider: "flatpeak" | "blynk", clientId: string, clientSecret: string): void;
  addFault(f: FaultSpec): number;
  removeFault(id: number): void;
  clearFaults(): void;
  setLatency(ms: number): void;
  setRateLimit(provider: "flatpeak" | "blynk", spec: RateLimitSpec | null): void;
  revokeTokens(provider?: "flatpeak" | "blynk"): void;
  expireTokens(provider?: "flatpeak" | "blynk"): void;
  stats(): SimulatorStats;
  resetStats(): void;
  /** Live data (read it, don't change it): the same objects the server answers from. */
  readonly fleet: SimulatorFleet;
  close(): Promise<void>;
}

export const DEFAULT_BLYNK_RATE_LIMIT: Readonly<RateLimitSpec> = Object.freeze({ limit: 10000, windowMs: 60000, retryAfter: false });
/** Largest request body accepted (Blynk documents 2 MB per request). */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;
const PROVIDERS: readonly ProviderName[] = ["flatpeak", "blynk"];

interface ActiveFault extends FaultSpec {
  id: number;
  remaining: number;
}

function checkCount(name: string, v: number | undefined, def: number): number {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || v < 0 || v > 5_000_000) throw new RangeError(`${name} must be a whole number from 0 to 5000000`);
  return v;
}

function checkSpec(spec: RateLimitSpec | null | undefined, what: string): RateLimitSpec | null {
  if (spec === null || spec === undefined) return null;
  if (!isPlainObject(spec) || !Number.isInteger(spec.limit) || spec.limit < 0 || !(spec.windowMs > 0) || typeof spec.retryAfter !== "boolean") {
    throw new TypeError(`${what}: a rate limit is {limit: whole number >= 0, windowMs: > 0, retryAfter: boolean} or null`);
  }
  return { limit: spec.limit, windowMs: spec.windowMs, retryAfter: spec.retryAfter };
}

function checkLatency(ms: unknown): number {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) throw new RangeError("latency must be a number of milliseconds >= 0");
  return ms;
}

function checkProvider(p: unknown, optional: boolean): ProviderName | undefined {
  if (p === undefined && optional) return undefined;
  if (p !== "flatpeak" && p !== "blynk") throw new TypeError('provider must be "flatpeak" or "blynk"');
  return p;
}

function checkFault(f: FaultSpec): FaultSpec {
  if (!isPlainObject(f as unknown)) throw new TypeError("a fault is an object");
  checkProvider(f.provider, true);
  if (f.method !== undefined && (typeof f.method !== "string" || !/^[A-Za-z]+$/.test(f.method))) throw new TypeError("fault.method must be an HTTP method");
  if (f.path !== undefined && (typeof f.path !== "string" || !f.path.startsWith("/"))) throw new TypeError("fault.path must be a path prefix starting with /");
  if (f.latencyMs !== undefined) checkLatency(f.latencyMs);
  if (f.status !== undefined && (!Number.isInteger(f.status) || f.status < 200 || f.status > 599)) throw new RangeError("fault.status must be an HTTP status from 200 to 599");
  if (f.retryAfter !== undefined && typeof f.retryAfter !== "string" && (typeof f.retryAfter !== "number" || !(f.retryAfter >= 0))) {
    throw new RangeError("fault.retryAfter must be a number of seconds >= 0 or a text");
  }
  if (f.message !== undefined && (typeof f.message !== "string" || f.message.length > 1000)) throw new TypeError("fault.message must be a text of at most 1000 characters");
  if (f.times !== undefined && (!Number.isInteger(f.times) || f.times < 1)) throw new RangeError("fault.times must be a whole number >= 1");
  if (f.probability !== undefined && (typeof f.probability !== "number" || !(f.probability >= 0 && f.probability <= 1))) {
    throw new RangeError("fault.probability must be from 0 to 1");
  }
  for (const k of ["includeAuth", "drop", "malformed", "hang"] as const) if (f[k] !== undefined && typeof f[k] !== "boolean") throw new TypeError(`fault.${k} must be a boolean`);
  return f;
}

/** Puts `message` where the provider's error body has its message (Blynk `error.message`, Flatpeak `message`). */
function withMessage(r: SimResponse, message: string): void {
  const body = r.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== "object") return;
  if (body.error && typeof body.error === "object") (body.error as Record<string, unknown>).message = message;
  else if (typeof body.error_description === "string") body.error_description = message;
  else body.message = message;
}

function isLoopback(addr: string | undefined): boolean {
  if (!addr) return false;
  return addr === "::1" || addr.startsWith("127.") || addr.startsWith("::ffff:127.");
}

function emptyStats(): SimulatorStats {
  return { requests: 0, byRoute: {}, logins: { flatpeak: 0, blynk: 0 }, inFlight: 0, maxInFlight: 0, rateLimited: 0, perWindow: [], authHeadersSeen: 0 };
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const host = opts.host ?? "127.0.0.1";
  const port = opts.port ?? 0;
  const seed = opts.seed ?? 1;
  if (typeof seed !== "number" || !Number.isFinite(seed)) throw new TypeError("seed must be a finite number");
  const sizes = {
    flatpeakDevices: checkCount("flatpeakDevices", opts.flatpeakDevices, 240),
    flatpeakSites: checkCount("flatpeakSites", opts.flatpeakSites, 8),
    blynkDevices: checkCount("blynkDevices", opts.blynkDevices, 2400),
  };
  const lifetime = { flatpeak: opts.tokenLifetimeSec?.flatpeak ?? 3600, blynk: opts.tokenLifetimeSec?.blynk ?? 86400 };
  for (const p of PROVIDERS) if (!(lifetime[p] > 0)) throw new RangeError(`tokenLifetimeSec.${p} must be > 0`);
  const limits: Record<ProviderName, RateLimitSpec | null> = {
    flatpeak: checkSpec(opts.rateLimit?.flatpeak, "rateLimit.flatpeak"),
    blynk: opts.rateLimit?.blynk === undefined ? { ...DEFAULT_BLYNK_RATE_LIMIT } : checkSpec(opts.rateLimit.blynk, "rateLimit.blynk"),
  };
  let latency = checkLatency(opts.latencyMs ?? 0);
  const log = opts.log ?? (() => undefined);
  const realStart = Date.now();
  const dataStart = opts.startTime ?? realStart;
  const seedInt = Math.trunc(seed) >>> 0;

  const tokens = new TokenStore();
  let stats = emptyStats();
  const flatpeak = new FlatpeakSim(
    { seed: seedInt, devices: sizes.flatpeakDevices, sites: sizes.flatpeakSites, startTime: dataStart },
    { tokens, lifetimeSec: () => lifetime.flatpeak, onLogin: () => stats.logins.flatpeak++ },
  );
  const blynk = new BlynkSim(
    { seed: seedInt, devices: sizes.blynkDevices, startTime: dataStart },
    { tokens, lifetimeSec: () => lifetime.blynk, onLogin: () => stats.logins.blynk++ },
  );

  // ---- faults ------------------------------------------------------------------------------------------------
  const faultRng: Rng = streamOf(seedInt, STREAM.faults);
  let faults: ActiveFault[] = [];
  let nextFaultId = 1;

  function pickFaults(provider: ProviderName, method: string, path: string, authEndpoint: boolean): ActiveFault[] {
    const hits: ActiveFault[] = [];
    for (const f of faults) {
      if (f.provider && f.provider !== provider) continue;
      if (f.method && f.method.toUpperCase() !== method) continue;
      const explicitPath = f.path !== undefined && f.path !== "/";
      if (explicitPath && !path.startsWith(f.path as string)) continue;
      if (authEndpoint && !f.includeAuth && !explicitPath) continue;
      if (f.probability !== undefined && f.probability < 1 && !(faultRng.next() < f.probability)) continue;
      hits.push(f);
    }
    for (const f of hits) if (--f.remaining <= 0) faults = faults.filter((x) => x !== f);
    return hits;
  }

  // ---- rate limits -------------------------------------------------------------------------------------------
  const windows = new Map<string, { idx: number; count: number }>();
  const perWindowIndex = new Map<string, SimulatorStats["perWindow"][number]>();

  function rateCheck(provider: ProviderName, account: string, now: number): { ok: true } | { ok: false; retryAfter?: number } {
    const spec = limits[provider];
    if (!spec) return { ok: true };
    const idx = Math.floor((now - realStart) / spec.windowMs);
    const windowStart = realStart + idx * spec.windowMs;
    const key = `${provider}\u0000${account}`;
    let w = windows.get(key);
    if (!w || w.idx !== idx) {
      w = { idx, count: 0 };
      windows.set(key, w);
    }
    const wkey = `${provider}\u0000${windowStart}`;
    let entry = perWindowIndex.get(wkey);
    if (!entry) {
      entry = { provider, windowStart, accepted: 0, rejected: 0 };
      perWindowIndex.set(wkey, entry);
      stats.perWindow.push(entry);
      if (stats.perWindow.length > 1000) perWindowIndex.delete(`${stats.perWindow[0].provider}\u0000${stats.perWindow.shift()?.windowStart}`);
    }
    if (w.count < spec.limit) {
      w.count++;
      entry.accepted++;
      return { ok: true };
    }
    entry.rejected++;
    stats.rateLimited++;
    return spec.retryAfter ? { ok: false, retryAfter: Math.max(1, Math.ceil((windowStart + spec.windowMs - now) / 1000)) } : { ok: false };
  }

  // ---- timers and sockets ------------------------------------------------------------------------------------
  const timers = new Set<NodeJS.Timeout>();
  const immediates = new Set<NodeJS.Immediate>();
  const sockets = new Set<Socket>();
  let closing = false;

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  }

  /** One turn of the event loop: requests that arrive together are in flight together, as on a real server. */
  function yieldTurn(): Promise<void> {
    return new Promise((resolve) => {
      const im = setImmediate(() => {
        immediates.delete(im);
        resolve();
      });
      immediates.add(im);
    });
  }

  function send(res: http.ServerResponse, r: SimResponse): void {
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string | number> = { ...(r.headers ?? {}) };
    let payload: string | undefined;
    if (r.status !== 204 && r.status !== 304) payload = r.raw !== undefined ? r.raw : JSON.stringify(r.body ?? {});
    if (payload !== undefined) {
      headers["Content-Type"] = "application/json";
      headers["Content-Length"] = Buffer.byteLength(payload);
    }
    res.writeHead(r.status, headers);
    res.end(payload);
  }

  /** The body as text; "too-large" past MAX_BODY_BYTES; null when the client went away. */
  function readBody(req: http.IncomingMessage): Promise<string | "too-large" | null> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      const finish = (v: string | "too-large" | null) => {
        if (!done) {
          done = true;
          resolve(v);
        }
      };
      req.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) finish("too-large");
        else chunks.push(c);
      });
      req.on("end", () => finish(Buffer.concat(chunks).toString("utf8")));
      req.on("error", () => finish(null));
      req.on("close", () => finish(req.complete ? Buffer.concat(chunks).toString("utf8") : null));
    });
  }

  // ---- the API -----------------------------------------------------------------------------------------------
  async function handleApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const t0 = Date.now();
    const method = (req.method ?? "GET").toUpperCase();
    const path = url.pathname;
    const provider: ProviderName = path.startsWith("/api/") || path.startsWith("/oauth2/") ? "blynk" : "flatpeak";
    const match = provider === "blynk" ? blynk.match(path) : flatpeak.match(path);
    const routeKey = `${method} ${match ? match.pattern : "(unmatched)"}`;
    stats.requests++;
    stats.byRoute[routeKey] = (stats.byRoute[routeKey] ?? 0) + 1;
    if (req.headers.authorization !== undefined) stats.authHeadersSeen++;
    const target = redactedTarget(path, url.searchParams);
    const done = (r: SimResponse | string) => {
      if (typeof r === "string") log(`${provider} ${method} ${target} ${r} ${Date.now() - t0}ms`);
      else {
        send(res, r);
        log(`${provider} ${method} ${target} ${r.status} ${Date.now() - t0}ms`);
      }
    };

    const bodyText = await readBody(req);
    if (bodyText === null || closing) return;
    await yieldTurn();
    if (closing) return;
    const sreq: SimRequest = { method, path, query: url.searchParams, headers: req.headers, bodyText: bodyText === "too-large" ? "" : bodyText, now: Date.now(), params: match?.params ?? [] };
    const finalize = (r: SimResponse): SimResponse => {
      if (provider === "flatpeak") r.headers = { ...(r.headers ?? {}), "flatpeak-version": FlatpeakSim.versionInForce(sreq) };
      return r;
    };

    const hits = pickFaults(provider, method, path, match?.authEndpoint ?? false);
    const delay = latency + hits.reduce((s, f) => s + (f.latencyMs ?? 0), 0);
    if (delay > 0) {
      await sleep(delay);
      if (closing) return;
      sreq.now = Date.now();
    }
    const fault = hits.find((f) => f.drop || f.hang || f.malformed || f.status !== undefined);
    if (fault?.drop) {
      req.socket.destroy();
      return done("dropped");
    }
    if (fault?.hang) return done("hanging");
    if (fault?.malformed) return done(finalize({ status: 200, raw: '{"object":"list","data":[{"id":' }));
    if (fault?.status !== undefined) {
      const r = provider === "flatpeak" ? FlatpeakSim.errorFor(fault.status) : BlynkSim.errorFor(fault.status, match?.authEndpoint ?? false);
      if (fault.status === 429 && fault.retryAfter !== undefined) {
        r.headers = { ...(r.headers ?? {}), "Retry-After": typeof fault.retryAfter === "string" ? fault.retryAfter : String(Math.ceil(fault.retryAfter)) };
      }
      if (fault.message !== undefined) withMessage(r, fault.message);
      return done(finalize(r));
    }

    if (bodyText === "too-large") {
      const msg = `The request body is larger than ${MAX_BODY_BYTES} bytes`;
      const r = provider === "flatpeak" ? FlatpeakSim.rich(413, "body_too_large", msg, "api", false) : { status: 413, body: { error: { message: msg } } };
      r.headers = { Connection: "close" };
      return done(finalize(r));
    }
    if (!match) return done(finalize(provider === "flatpeak" ? FlatpeakSim.notFound() : BlynkSim.notFoundRoute()));
    const handler = match.handlers[method];
    if (!handler) {
      const allow = Object.keys(match.handlers);
      return done(finalize(provider === "flatpeak" ? FlatpeakSim.methodNotAllowed(method, match.pattern, allow) : BlynkSim.methodNotAllowed(allow)));
    }
    try {
      if (match.authEndpoint) return done(finalize((handler as (r: SimRequest, p: unknown) => SimResponse)(sreq, undefined)));
      if (provider === "flatpeak") {
        const a = flatpeak.authenticate(sreq);
        if ("error" in a) return done(finalize(a.error));
        const rl = rateCheck("flatpeak", a.principal.accountId, sreq.now);
        if (!rl.ok) {
          const r = FlatpeakSim.rateLimited(a.principal.live);
          if (rl.retryAfter !== undefined) r.headers = { "Retry-After": String(rl.retryAfter) };
          return done(finalize(r));
        }
        return done(finalize((handler as (r: SimRequest, p: FlatpeakPrincipal) => SimResponse)(sreq, a.principal)));
      }
      const a = blynk.authenticate(sreq);
      if ("error" in a) return done(a.error);
      const rl = rateCheck("blynk", `org:${a.principal.orgId}`, sreq.now);
      if (!rl.ok) {
        const r = BlynkSim.rateLimited();
        if (rl.retryAfter !== undefined) r.headers = { "Retry-After": String(rl.retryAfter) };
        return done(r);
      }
      return done((handler as (r: SimRequest, p: BlynkPrincipal) => SimResponse)(sreq, a.principal));
    } catch (e) {
      log(`${provider} ${method} ${target} handler failed: ${(e as Error).message}`);
      return done(finalize(provider === "flatpeak" ? FlatpeakSim.internalError() : BlynkSim.errorFor(500, false)));
    }
  }

  // ---- the control API ---------------------------------------------------------------------------------------
  function handleControl(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    const method = (req.method ?? "GET").toUpperCase();
    const path = url.pathname.replace(/\/+$/, "");
    if (!isLoopback(req.socket.remoteAddress)) return send(res, { status: 403, body: { error: "the control API answers loopback clients only" } });
    void readBody(req).then((text) => {
      if (text === null || closing) return;
      if (text === "too-large") return send(res, { status: 413, body: { error: "body too large" } });
      const parsed = parseJson(text);
      if (!parsed.ok) return send(res, { status: 400, body: { error: "the body is not valid JSON" } });
      const body = (parsed.value ?? {}) as Record<string, unknown>;
      const routes: Record<string, Record<string, () => SimResponse>> = {
        "/_simulator/stats": { GET: () => ({ status: 200, body: sim.stats() }) },
        "/_simulator/stats/reset": { POST: () => (sim.resetStats(), { status: 204 }) },
        "/_simulator/faults": {
          GET: () => ({ status: 200, body: faults.map((f) => ({ ...f })) }),
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
            sim.addAccount(checkProvider(body.provider, false) as ProviderName, body.clientId, body.clientSecret);
            return { status: 204 };
          },
        },
      };
      let r: SimResponse;
      try {
        const m = /^\/_simulator\/faults\/(\d+)$/.exec(path);
        if (m) {
          const id = Number(m[1]);
          if (method !== "DELETE") r = { status: 405, body: { error: "use DELETE" }, headers: { Allow: "DELETE" } };
          else if (!faults.some((f) => f.id === id)) r = { status: 404, body: { error: `no fault ${id}` } };
          else {
            sim.removeFault(id);
            r = { status: 204 };
          }
        } else if (!routes[path]) r = { status: 404, body: { error: "unknown control endpoint" } };
        else if (!routes[path][method]) r = { status: 405, body: { error: `use ${Object.keys(routes[path]).join(" or ")}` }, headers: { Allow: Object.keys(routes[path]).join(", ") } };
        else r = routes[path][method]();
      } catch (e) {
        r = { status: 400, body: { error: (e as Error).message } };
      }
      send(res, r);
    });
  }

  // ---- the server --------------------------------------------------------------------------------------------
  const server = http.createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://simulator.invalid");
    } catch {
      return send(res, { status: 400, body: { message: "Bad Request" } });
    }
    if (url.pathname === "/_simulator" || url.pathname.startsWith("/_simulator/")) return handleControl(req, res, url);
    stats.inFlight++;
    if (stats.inFlight > stats.maxInFlight) stats.maxInFlight = stats.inFlight;
    let counted = true;
    res.on("close", () => {
      if (counted) {
        counted = false;
        stats.inFlight--;
      }
    });
    handleApi(req, res, url).catch((e: Error) => {
      log(`request failed: ${e.message}`);
      if (!res.headersSent) send(res, { status: 500, body: { message: "Internal Server Error" } });
    });
  });
  server.keepAliveTimeout = 65000;
  server.headersTimeout = 66000;
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("clientError", (_e, socket: Socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const urlHost = addr.family === "IPv6" || addr.address.includes(":") ? `[${addr.address}]` : addr.address;
  let closePromise: Promise<void> | null = null;

  const sim: Simulator = {
    url: `http://${urlHost}:${addr.port}`,
    port: addr.port,
    credentials: {
      flatpeak: { clientId: FLATPEAK_DEMO.clientId, clientSecret: FLATPEAK_DEMO.clientSecret },
      blynk: { clientId: BLYNK_DEMO.clientId, clientSecret: BLYNK_DEMO.clientSecret },
    },
    addAccount(provider, clientId, clientSecret) {
      checkProvider(provider, false);
      if (typeof clientId !== "string" || clientId === "" || typeof clientSecret !== "string") throw new TypeError("clientId and clientSecret must be strings");
      if (provider === "flatpeak") flatpeak.addAccount(clientId, clientSecret);
      else blynk.addAccount(clientId, clientSecret);
    },
    addFault(f) {
      const spec = checkFault(f);
      const id = nextFaultId++;
      faults.push({ ...spec, id, remaining: spec.times ?? Infinity });
      return id;
    },
    removeFault(id) {
      faults = faults.filter((f) => f.id !== id);
    },
    clearFaults() {
      faults = [];
    },
    setLatency(ms) {
      latency = checkLatency(ms);
    },
    setRateLimit(provider, spec) {
      checkProvider(provider, false);
      limits[provider] = checkSpec(spec, "rate limit");
      for (const k of [...windows.keys()]) if (k.startsWith(`${provider}\u0000`)) windows.delete(k);
    },
    revokeTokens(provider) {
      tokens.revoke(checkProvider(provider, true));
    },
    expireTokens(provider) {
      tokens.expire(Date.now(), checkProvider(provider, true));
    },
    stats() {
      return {
        ...stats,
        byRoute: { ...stats.byRoute },
        logins: { ...stats.logins },
        perWindow: stats.perWindow.map((w) => ({ ...w })),
      };
    },
    resetStats() {
      const inFlight = stats.inFlight;
      stats = emptyStats();
      stats.inFlight = inFlight;
      stats.maxInFlight = inFlight;
      perWindowIndex.clear();
    },
    get fleet(): SimulatorFleet {
      return {
        flatpeak: { devices: flatpeak.devices, sites: flatpeak.sites },
        blynk: { devices: blynk.devices, orgs: blynk.orgs, users: blynk.users, tags: blynk.tags, templates: blynk.templates },
      };
    },
    close() {
      if (closePromise) return closePromise;
      closing = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const im of immediates) clearImmediate(im);
      immediates.clear();
      closePromise = new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      });
      return closePromise;
    },
  };
  return sim;
}
