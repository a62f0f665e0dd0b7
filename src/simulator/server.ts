/**
 * The simulator's HTTP/1.1 server: reads each request, gives it to the cloud that owns its path, applies the
 * latency and faults it meets and the cloud's rate limit, and answers. It knows no cloud by name (see cloud.ts).
 * The control API (control.ts) is mounted only when the simulator runs on its own.
 */
import http from "http";
import type { AddressInfo, Socket } from "net";
import type { SimCloud } from "./cloud";
import { redactedTarget, type RouteMatch, type SimRequest, type SimResponse } from "./common";
import { rewriteRequest, type ActiveFault, type FaultTable } from "./faults";
import { sendGzipBomb, sendHuge, sendTrickle } from "./fault-bodies";
import type { RateLimiter } from "./rate-limit";
import type { SimulatorStats } from "./stats";

/** Largest request body accepted (Blynk documents 2 MB per request). */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

export type RouteHandler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => void;

export interface ServerParts {
  /** The clouds, in the order they are asked whether a path is theirs; the last one takes every other path. */
  clouds: readonly SimCloud<never>[];
  faults: FaultTable;
  limiter: RateLimiter;
  stats(): SimulatorStats;
  latency(): number;
  log(line: string): void;
}

/** Sends an answer at once, or with `pace` (a trickle fault) its body one byte at a time. */
export function send(res: http.ServerResponse, r: SimResponse, pace?: { intervalMs: number; wait: (ms: number) => Promise<void> }): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string | number> = { ...(r.headers ?? {}) };
  let payload: string | undefined;
  if (r.status !== 204 && r.status !== 304) payload = r.raw !== undefined ? r.raw : JSON.stringify(r.body ?? {});
  if (payload !== undefined) {
    headers["Content-Type"] = "application/json";
    headers["Content-Length"] = Buffer.byteLength(payload);
  }
  if (pace && payload !== undefined) {
    void sendTrickle(res, r.status, headers, payload, pace.intervalMs, pace.wait);
    return;
  }
  res.writeHead(r.status, headers);
  res.end(payload);
}

/** The body as text; "too-large" past MAX_BODY_BYTES; null when the client went away. */
export function readBody(req: http.IncomingMessage): Promise<string | "too-large" | null> {
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

/** Puts `message` where the provider's error body has its message (Blynk `error.message`, Flatpeak `message`). */
function withMessage(r: SimResponse, message: string): void {
  const body = r.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== "object") return;
  if (body.error && typeof body.error === "object") (body.error as Record<string, unknown>).message = message;
  else if (typeof body.error_description === "string") body.error_description = message;
  else body.message = message;
}

/** One API request on its way: its cloud, route, parsed request and the line it logs. */
interface Exchange {
  cloud: SimCloud<unknown>;
  match: RouteMatch<unknown> | null;
  sreq: SimRequest;
  tooLarge: boolean;
  done(r: SimResponse | string): void;
}

export class SimServer {
  readonly http: http.Server;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly immediates = new Set<NodeJS.Immediate>();
  private readonly sockets = new Set<Socket>();
  private closing = false;
  private closePromise: Promise<void> | null = null;
  private readonly control = new Map<string, RouteHandler>();

  constructor(private readonly parts: ServerParts) {
    this.http = http.createServer((req, res) => this.onRequest(req, res));
    this.http.keepAliveTimeout = 65000;
    this.http.headersTimeout = 66000;
    this.http.on("connection", (s: Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    this.http.on("clientError", (_e, socket: Socket) => {
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
      else socket.destroy();
    });
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** Serves `handler` for every path under `prefix` (the control API). */
  mount(prefix: string, handler: RouteHandler): void {
    this.control.set(prefix, handler);
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.http.once("error", reject);
      this.http.listen(port, host, () => {
        this.http.off("error", reject);
        resolve(this.http.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    if (this.closePromise) return this.closePromise;
    this.closing = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const im of this.immediates) clearImmediate(im);
    this.immediates.clear();
    this.closePromise = new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
      for (const s of this.sockets) s.destroy();
    });
    return this.closePromise;
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://simulator.invalid");
    } catch {
      return send(res, { status: 400, body: { message: "Bad Request" } });
    }
    for (const [prefix, handler] of this.control) {
      if (url.pathname === prefix || url.pathname.startsWith(prefix + "/")) return handler(req, res, url);
    }
    const stats = this.parts.stats();
    stats.inFlight++;
    if (stats.inFlight > stats.maxInFlight) stats.maxInFlight = stats.inFlight;
    let counted = true;
    res.on("close", () => {
      if (counted) {
        counted = false;
        this.parts.stats().inFlight--;
      }
    });
    this.handleApi(req, res, url).catch((e: Error) => {
      this.parts.log(`request failed: ${e.message}`);
      if (!res.headersSent) send(res, { status: 500, body: { message: "Internal Server Error" } });
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  /** One turn of the event loop: requests that arrive together are in flight together, as on a real server. */
  private yieldTurn(): Promise<void> {
    return new Promise((resolve) => {
      const im = setImmediate(() => {
        this.immediates.delete(im);
        resolve();
      });
      this.immediates.add(im);
    });
  }

  private async handleApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const t0 = Date.now();
    const method = (req.method ?? "GET").toUpperCase();
    const path = url.pathname;
    const { clouds, log } = this.parts;
    const cloud = (clouds.find((c) => c.owns(path)) ?? clouds[clouds.length - 1]) as unknown as SimCloud<unknown>;
    const match = cloud.match(path);
    const stats = this.parts.stats();
    const routeKey = `${method} ${match ? match.pattern : "(unmatched)"}`;
    stats.requests++;
    stats.byRoute[routeKey] = (stats.byRoute[routeKey] ?? 0) + 1;
    if (req.headers.authorization !== undefined) stats.authHeadersSeen++;
    const target = redactedTarget(path, url.searchParams);
    /** Set by a trickle fault once the request has met its faults. */
    let pace: { intervalMs: number; wait: (ms: number) => Promise<void> } | undefined = undefined;
    const done = (r: SimResponse | string) => {
      if (typeof r !== "string") send(res, r, pace);
      log(`${cloud.name} ${method} ${target} ${typeof r === "string" ? r : r.status} ${Date.now() - t0}ms`);
    };

    const bodyText = await readBody(req);
    if (bodyText === null || this.closing) return;
    await this.yieldTurn();
    if (this.closing) return;
    const sreq: SimRequest = { method, path, query: url.searchParams, headers: req.headers, bodyText: bodyText === "too-large" ? "" : bodyText, now: Date.now(), params: match?.params ?? [] };
    const ex: Exchange = { cloud, match, sreq, tooLarge: bodyText === "too-large", done };
    const hits = this.parts.faults.pick(cloud.name, method, path, match?.authEndpoint ?? false);
    const delay = this.parts.latency() + hits.reduce((s, f) => s + (f.latencyMs ?? 0), 0);
    if (delay > 0) {
      await this.sleep(delay);
      if (this.closing) return;
      sreq.now = Date.now();
    }
    rewriteRequest(sreq.query, hits);
    if (this.applyFault(ex, req, res, hits)) return;
    const trickle = hits.find((f) => f.trickleMs !== undefined);
    if (trickle) pace = { intervalMs: trickle.trickleMs as number, wait: (ms) => this.sleep(ms) };
    done(cloud.finalize(this.answer(ex, target), sreq));
  }

  /** Acts on the first fault that replaces the answer (drop, hang, malformed, a huge body, status); true when one did. */
  private applyFault(ex: Exchange, req: http.IncomingMessage, res: http.ServerResponse, hits: ActiveFault[]): boolean {
    const fault = hits.find((f) => f.drop || f.hang || f.malformed || f.hugeBytes || f.gzipBombBytes || f.status !== undefined);
    if (!fault) return false;
    if (fault.drop) {
      req.socket.destroy();
      ex.done("dropped");
    } else if (fault.hang) {
      ex.done("hanging");
    } else if (fault.malformed) {
      ex.done(ex.cloud.finalize({ status: 200, raw: '{"object":"list","data":[{"id":' }, ex.sreq));
    } else if (fault.hugeBytes) {
      sendHuge(res, fault.hugeBytes);
      ex.done("huge body");
    } else if (fault.gzipBombBytes) {
      sendGzipBomb(res, fault.gzipBombBytes);
      ex.done("gzip bomb");
    } else {
      const r = ex.cloud.errors.forStatus(fault.status as number, ex.match?.authEndpoint ?? false);
      if (fault.status === 429 && fault.retryAfter !== undefined) {
        r.headers = { ...(r.headers ?? {}), "Retry-After": typeof fault.retryAfter === "string" ? fault.retryAfter : String(Math.ceil(fault.retryAfter)) };
      }
      if (fault.message !== undefined) withMessage(r, fault.message);
      ex.done(ex.cloud.finalize(r, ex.sreq));
    }
    return true;
  }

  /** The cloud's answer: its route's handler after authentication and the rate limit, or the error in their way. */
  private answer(ex: Exchange, target: string): SimResponse {
    const { cloud, match, sreq } = ex;
    if (ex.tooLarge) {
      const r = cloud.errors.tooLarge(`The request body is larger than ${MAX_BODY_BYTES} bytes`);
      r.headers = { Connection: "close" };
      return r;
    }
    if (!match) return cloud.errors.notFound();
    const handler = match.handlers[sreq.method];
    if (!handler) return cloud.errors.methodNotAllowed(sreq.method, match.pattern, Object.keys(match.handlers));
    try {
      if (match.authEndpoint) return handler(sreq, undefined);
      const a = cloud.authenticate(sreq);
      if ("error" in a) return a.error;
      const rl = this.parts.limiter.check(cloud.name, cloud.rateAccount(a.principal), sreq.now);
      if (!rl.ok) {
        const r = cloud.errors.rateLimited(a.principal);
        if (rl.retryAfter !== undefined) r.headers = { "Retry-After": String(rl.retryAfter) };
        return r;
      }
      return handler(sreq, a.principal);
    } catch (e) {
      this.parts.log(`${cloud.name} ${sreq.method} ${target} handler failed: ${(e as Error).message}`);
      return cloud.errors.internal();
    }
  }
}
