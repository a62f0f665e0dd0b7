/**
 * HTTP for one account: Node's http and https on the account's keep-alive agents (axios's adapter where a proxy may
 * apply), a timeout on every exchange, admission through the account's Gate (concurrency and rate limit), the bearer
 * token, the retry policy and the mapping of every failure to one DeviceCloudError. Nothing here knows Node-RED, and nothing that leaves here carries a header or a token.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import https from "node:https";
import { pipeline, type Readable } from "node:stream";
import zlib from "node:zlib";
import axios, { AxiosHeaders, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from "axios";
import { AbortListeners } from "./abort-listeners";
import { CancelledError, DeviceCloudError, redact, type ErrorCode } from "./errors";
import { Gate } from "./gate";
import { answerData } from "./json";
import { TokenSource, type IssuedToken } from "./token";
import type { TlsOptions } from "./types";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestSpec {
  method: Method;
  /** Path below the base URL, starting with "/", every id already encoded with encodeURIComponent. */
  path: string;
  /**
   * The path with placeholders for the ids in it ("/devices/{id}"): what names the operation when a refusal is
   * remembered, so that a refused operation is believed for every device, not only the one asked. Default: path.
   */
  route?: string;
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  onWait?: (waiting: boolean) => void;
  /**
   * The request changes nothing, so a 5xx or a lost connection may send it again: every GET, and a POST that only
   * computes an answer (Flatpeak's prices and schedules). Default: GET only.
   */
  safeToRetry?: boolean;
}

export interface ApiResponse {
  status: number;
  data: unknown;
  headers: Record<string, string | undefined>;
}

export interface TransportOptions {
  baseUrl: string;
  timeoutMs: number;
  concurrency: number;
  maxRetries: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  rateLimit?: { limit?: number; windowMs: number };
  /** Headers sent on every request (e.g. Flatpeak-Version). */
  headers?: Record<string, string>;
  /** The login: uses `transport.login(spec)` and returns the token. */
  login: (t: Transport) => Promise<IssuedToken>;
  /** What the user must check when a login is refused ("the account id and API key"). */
  credentialHint: string;
  /** Strings that must never appear in an error message (client secret, …). The current token is added. */
  secrets: string[];
  onRequest?: (info: { method: string; path: string }) => void;
  /** The https agent's CA, client certificate and key (a TLS configuration on the account). */
  tls?: TlsOptions;
}

/** Longest Retry-After the client waits for; beyond that the request fails with RATE_LIMITED at once. */
export const MAX_RETRY_AFTER_MS = 300_000;
/** How long a refusal (401/403) that a fresh token did not cure is believed for the same operation. */
export const REFUSAL_MEMORY_MS = 60_000;
/** Operations whose refusal is remembered at once (the oldest is forgotten first). */
const MAX_REMEMBERED_REFUSALS = 256;
/** Retries of a GET after a 5xx or a network error. */
const MAX_ERROR_RETRIES = 2;
/**
 * The TCP keep-alive delay axios sets on the socket of every request it sends. The agents use the same: with
 * Node's default (1 s) the agent and axios would set the socket back and forth on every request, two system calls
 * each time; with the same value Node sees nothing to change.
 */
const AXIOS_KEEPALIVE_MS = 60_000;
/** The largest answer taken, counted after decompression; a larger one is dropped as it arrives (API_ERROR). */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;
/** The most the cloud's own message may add to an error, cut after the secrets are taken out. */
const CLOUD_MESSAGE_CHARS = 300;

/**
 * How an exchange under way is stopped (its timeout, its caller's signal, the account closing): `stop` is set by
 * the path that sends it, `why` by the first of them.
 */
interface Halt {
  stop?: () => void;
  why?: "timeout" | "cancel";
}

/** What an exchange brought back, by either path. */
interface Answer {
  status: number;
  headers: IncomingHttpHeaders | Record<string, unknown>;
  /** The body: its bytes by the direct path, its text by axios's. */
  body: Buffer | string;
}

export class Transport {
  readonly gate: Gate;
  readonly tokens: TokenSource;
  /**
   * axios's Node http adapter and the account's request configuration, merged with axios's defaults once, for the
   * requests that may go through a proxy (see exchange()): a request only adds its own method, URL, body, headers
   * and signal. axios's request pipeline around the adapter (merging the configuration, interceptors, transforms,
   * header flattening) did nothing this account uses: it has no interceptors and no transforms.
   */
  private readonly adapter: AxiosAdapter;
  private readonly baseUrl: string;
  private readonly loopback: boolean;
  private readonly config: InternalAxiosRequestConfig;
  private readonly headers: Record<string, string>;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly closeController = new AbortController();
  /** Where everything waiting under a signal listens for it: one listener on a signal, however many wait. */
  private readonly aborts = new AbortListeners();
  private readonly host: string;
  private requestCount = 0;
  /** Until when a refusal of an operation ("METHOD /path") is final, after a fresh token was refused too. */
  private readonly refusals = new Map<string, number>();
  /**
   * Credentials this account has sent (the Basic credentials of its logins, the last bearer tokens), kept to take
   * them out of any cloud message that repeats them: some clouds echo the request in their error bodies.
   */
  private readonly sentSecrets = new Set<string>();
  /** The requests waiting for a login, each told (onWait) while that login waits out a 429. */
  private readonly loginWaiters = new Set<{ onWait: (waiting: boolean) => void; told: boolean }>();
  private loginRateLimited = false;

  constructor(private readonly opts: TransportOptions) {
    const url = new URL(opts.baseUrl);
    this.host = url.host;
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
    this.loopback = isLoopbackHost(url.hostname);
    const agentOptions = { keepAlive: true, keepAliveMsecs: AXIOS_KEEPALIVE_MS, maxSockets: opts.concurrency, scheduling: "lifo" as const };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent({ ...agentOptions, ...opts.tls });
    this.adapter = axios.getAdapter("http");
    // axios's defaults but their headers (by method, for its pipeline): each request brings all of its own.
    const { headers: _byMethod, ...defaults } = axios.defaults;
    this.config = axios.mergeConfig(defaults, {
      baseURL: this.baseUrl,
      // The account's timeout bounds the whole exchange (see exchange()); axios's own stops once the headers came.
      timeout: 0,
      maxContentLength: MAX_ANSWER_BYTES,
      maxBodyLength: MAX_ANSWER_BYTES,
      decompress: true,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      // Never follow a redirect: it could carry the credentials to another host.
      maxRedirects: 0,
      // The body goes as the JSON text made in exchange(), the answer comes back as text and is parsed once, there.
      responseType: "text",
      validateStatus: () => true,
      transitional: { clarifyTimeoutError: true, silentJSONParsing: true, forcedJSONParsing: false },
    }) as InternalAxiosRequestConfig;
    this.headers = { Accept: "application/json", "Accept-Encoding": "gzip, deflate, br", "User-Agent": "node-red-devicecloud", ...(opts.headers ?? {}) };
    this.gate = new Gate({
      concurrency: opts.concurrency,
      limit: opts.rateLimit?.limit,
      windowMs: opts.rateLimit?.windowMs ?? 60_000,
      aborts: this.aborts,
    });
    this.tokens = new TokenSource(() => opts.login(this), this.aborts);
  }

  /** HTTP requests sent so far (logins included). */
  get requests(): number {
    return this.requestCount;
  }

  get closed(): boolean {
    return this.closeController.signal.aborted;
  }

  /**
   * A bearer request with the full policy: gate, token renewal on 401/403, retries, error mapping. It runs under the
   * caller's signal; the account closing ends it as well, each wait seeing to that itself (the gate and the token
   * source are closed with the account, an exchange and a sleep listen to its close signal too: untilCancelled). No
   * signal is made per request to join the two: an AbortController and its listeners cost about a tenth of a
   * request's CPU.
   */
  request(spec: RequestSpec): Promise<ApiResponse> {
    return this.send(spec, spec.signal ?? this.closeController.signal);
  }

  private async send(spec: RequestSpec, signal: AbortSignal): Promise<ApiResponse> {
    const safeToRetry = spec.safeToRetry ?? spec.method === "GET";
    let rateRetries = 0;
    let errorRetries = 0;
    let renewed = false;
    for (;;) {
      if (signal.aborted || this.closed) throw new CancelledError();
      // Log in (or join the login in flight) before queueing: a login needs no slot, and bad credentials fail at once.
      if (this.tokens.peek() === undefined) await this.waitForLogin(spec.onWait, signal);
      await this.admit(signal, spec.signal, spec.onWait);
      // The wait for the gate can be long. Send the token in force now, not the one read before the wait: another
      // request may have renewed it meanwhile (after a 401 or at its expiry), and sending the refused one would spend
      // this request's one renewal on a token already known to be dead (AUTH_FAILED with good credentials).
      let token = this.tokens.peek();
      if (token === undefined) {
        try {
          token = await this.tokens.get(signal);
        } catch (err) {
          this.gate.release();
          throw err;
        }
      }
      let res: ApiResponse;
      try {
        this.remember(token);
        res = await this.exchange(spec, `Bearer ${token}`, signal);
      } catch (err) {
        this.gate.release();
        if (err instanceof CancelledError) throw err;
        const mapped = err as DeviceCloudError;
        if (safeToRetry && worthRetrying(mapped) && errorRetries < MAX_ERROR_RETRIES) {
          await this.sleep(this.backoff(errorRetries++), signal);
          continue;
        }
        throw mapped;
      }
      this.gate.release();

      const operation = `${spec.method} ${spec.route ?? spec.path}`;
      if (res.status >= 200 && res.status < 300) {
        if (this.refusals.size > 0) this.refusals.delete(operation);
        return res;
      }
      if (res.status === 401 || res.status === 403) {
        // One fresh token per refusal, unless a fresh token was refused for this operation within the last minute:
        // then the refusal is the cloud's answer (a missing scope or permission), and logging in again cures nothing.
        if (!renewed && !this.refusedRecently(operation)) {
          renewed = true;
          this.tokens.invalidate(token);
          continue;
        }
        if (renewed) this.rememberRefusal(operation);
        throw this.httpError("AUTH_FAILED", res, spec);
      }
      if (res.status === 429) {
        const wait = this.retryDelay(res, rateRetries);
        if (wait > MAX_RETRY_AFTER_MS) throw this.tooLongError(res, wait);
        if (rateRetries >= this.opts.maxRetries) throw this.httpError("RATE_LIMITED", res, spec, rateRetries);
        rateRetries++;
        spec.onWait?.(true);
        try {
          await this.sleep(wait, signal);
        } finally {
          spec.onWait?.(false);
        }
        continue;
      }
      if (res.status >= 500 && safeToRetry && errorRetries < MAX_ERROR_RETRIES) {
        await this.sleep(this.backoff(errorRetries++), signal);
        continue;
      }
      if (res.status === 404) throw this.httpError("NOT_FOUND", res, spec);
      throw this.httpError("API_ERROR", res, spec);
    }
  }

  /**
   * A login request with HTTP Basic: no bearer, no concurrency slot (a data request holding a slot may be the one
   * waiting for this login), transient failures retried a bounded number of times, refusals never retried.
   */
  async login(spec: RequestSpec & { user: string; password: string }): Promise<ApiResponse> {
    const signal = this.closeController.signal;
    const basic = Buffer.from(`${spec.user}:${spec.password}`, "utf8").toString("base64");
    this.remember(basic);
    let retries = 0;
    for (;;) {
      let res: ApiResponse;
      try {
        res = await this.exchange(spec, `Basic ${basic}`, signal);
      } catch (err) {
        if (err instanceof CancelledError) throw err;
        const mapped = err as DeviceCloudError;
        if (worthRetrying(mapped) && retries < MAX_ERROR_RETRIES) {
          await this.sleep(this.backoff(retries++), signal);
          continue;
        }
        throw new DeviceCloudError(mapped.code, `Login failed: ${mapped.message}`, { status: mapped.status });
      }
      if (res.status >= 200 && res.status < 300) return res;
      const transient = res.status === 429 || res.status >= 500;
      if (transient) {
        const wait = res.status === 429 ? this.retryDelay(res, retries) : this.backoff(retries);
        if (wait <= MAX_RETRY_AFTER_MS && retries < this.opts.maxRetries) {
          retries++;
          if (res.status === 429) this.tellLoginWaiters(true);
          try {
            await this.sleep(wait, signal);
          } finally {
            this.tellLoginWaiters(false);
          }
          continue;
        }
        // The token source holds every message back until then instead of logging in again for each; a wait over
        // 5 minutes fails this message alone, and the others log in again after the usual back-off.
        if (res.status === 429 && wait <= MAX_RETRY_AFTER_MS) this.tokens.notBefore(Date.now() + wait);
      }
      const cloud = this.cloudMessage(res.data);
      const refused =
        res.status === 401 ||
        res.status === 403 ||
        (res.status === 400 && /invalid_client|invalid_grant|unauthorized_client|credential/i.test(cloud ?? ""));
      if (refused) {
        throw new DeviceCloudError(
          "AUTH_FAILED",
          this.redact(
            `The cloud refused the credentials (HTTP ${res.status}${cloud ? `: ${cloud}` : ""}). Check ${this.opts.credentialHint} in the account node.`,
          ),
          { status: res.status },
        );
      }
      const code: ErrorCode = res.status === 429 ? "RATE_LIMITED" : "API_ERROR";
      throw new DeviceCloudError(
        code,
        this.redact(`Login failed: the cloud answered HTTP ${res.status}${cloud ? `: ${cloud}` : ""}.`),
        { status: res.status },
      );
    }
  }

  /** Waits for the token (a login in flight, or a new one); a login answered 429 shows as a rate-limit wait. */
  private async waitForLogin(onWait: ((waiting: boolean) => void) | undefined, signal: AbortSignal): Promise<void> {
    if (!onWait) {
      await this.tokens.get(signal);
      return;
    }
    const waiter = { onWait, told: false };
    this.loginWaiters.add(waiter);
    if (this.loginRateLimited) {
      waiter.told = true;
      onWait(true);
    }
    try {
      await this.tokens.get(signal);
    } finally {
      this.loginWaiters.delete(waiter);
      if (waiter.told) onWait(false);
    }
  }

  private tellLoginWaiters(waiting: boolean): void {
    if (this.loginRateLimited === waiting) return;
    this.loginRateLimited = waiting;
    for (const w of this.loginWaiters) {
      if (w.told === waiting) continue;
      w.told = waiting;
      w.onWait(waiting);
    }
  }

  close(): void {
    if (this.closeController.signal.aborted) return;
    this.closeController.abort();
    this.gate.close();
    this.tokens.close();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /**
   * Waits for the gate, telling the caller when the wait is for the rate limit. The caller's own signal names the
   * lane: the requests of one message, listing or poll share it, and lanes take turns.
   */
  private async admit(signal: AbortSignal, lane: AbortSignal | undefined, onWait?: (waiting: boolean) => void): Promise<void> {
    const blocked = this.gate.rateBlocked();
    if (blocked) onWait?.(true);
    try {
      await this.gate.acquire(signal, lane);
    } finally {
      if (blocked) onWait?.(false);
    }
  }

  /**
   * One HTTP exchange, bounded as a whole: the account's timeout runs from sending the request to the last byte of
   * the answer (a cloud that sends its headers at once and then trickles the body still times out). Resolves with
   * any answer; rejects with a mapped DeviceCloudError or CancelledError.
   */
  private async exchange(spec: RequestSpec, authorization: string, signal: AbortSignal): Promise<ApiResponse> {
    this.requestCount++;
    this.opts.onRequest?.({ method: spec.method, path: spec.path });
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    if (body !== undefined && Buffer.byteLength(body) > MAX_ANSWER_BYTES) {
      throw new DeviceCloudError("INVALID_INPUT", `The request to ${spec.method} ${spec.path} would be larger than 64 MiB; nothing was sent.`, { field: "payload" });
    }
    const closing = this.closeController.signal;
    if (signal.aborted || closing.aborted) throw new CancelledError();
    const halt: Halt = {};
    const stop = (why: Halt["why"]) => {
      if (halt.why) return;
      halt.why = why;
      halt.stop?.();
    };
    const timer = setTimeout(() => stop("timeout"), this.opts.timeoutMs);
    const unlisten = this.untilCancelled(signal, () => stop("cancel"));
    const headers: Record<string, string> = { ...this.headers, Authorization: authorization };
    // As axios's pipeline did: a body is JSON; a POST, PUT or PATCH without one says form (an OAuth token request).
    if (body !== undefined) headers["Content-Type"] = "application/json";
    else if (spec.method !== "GET" && spec.method !== "DELETE") headers["Content-Type"] = "application/x-www-form-urlencoded";
    const target = `${spec.path}${queryString(spec.query)}`;
    let res: Answer;
    try {
      // Proxies from the environment apply to the clouds, never to a server on this machine (the simulator).
      res = this.loopback || !proxyInEnvironment() ? await this.direct(spec, target, headers, body, halt) : await this.throughAxios(spec, target, headers, body, halt);
    } catch (err) {
      if (err instanceof DeviceCloudError) throw err;
      const cancelled = signal.aborted || closing.aborted;
      if (halt.why === "timeout" && !cancelled) throw this.timeoutError();
      if (cancelled || halt.why || axios.isCancel(err)) throw new CancelledError();
      throw this.networkError(err, spec);
    } finally {
      clearTimeout(timer);
      unlisten();
    }
    const answered: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(res.headers ?? {})) {
      if (k.toLowerCase() === "set-cookie") continue;
      answered[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v == null ? undefined : String(v);
    }
    let data: unknown;
    try {
      data = answerData(res.body);
    } catch {
      // An error answer may be HTML or plain text: its status still says what happened.
      if (res.status >= 200 && res.status < 300) {
        throw new DeviceCloudError(
          "API_ERROR",
          `The cloud at ${this.host} answered ${spec.method} ${spec.path} with HTTP ${res.status} but a body that is not JSON.`,
          { status: res.status },
        );
      }
      data = undefined;
    }
    if (res.status >= 300 && res.status < 400) {
      const to = safeHost(answered["location"]);
      throw new DeviceCloudError(
        "API_ERROR",
        `The cloud answered HTTP ${res.status}, a redirect${to ? ` to ${to}` : ""}, which is not followed with credentials. Set the account's server${to ? ` to ${to}` : " to the right region"}.`,
        { status: res.status },
      );
    }
    return { status: res.status, data, headers: answered };
  }

  /**
   * The exchange by Node's http and https on the account's own agents. Where no proxy can apply (a loopback server,
   * or no proxy named in the environment) it does what axios's adapter does for this account, without what the
   * account does not use: the adapter cost about 40 % of a request's CPU on the client (77 µs of 216 at 32 in
   * flight, 111 of 285 one at a time), measured against this path in the same process.
   */
  private direct(spec: RequestSpec, target: string, headers: OutgoingHttpHeaders, body: string | undefined, halt: Halt): Promise<Answer> {
    // A body is sent with its length, never chunked; a POST without one says 0, as axios did.
    if (body !== undefined) headers["Content-Length"] = Buffer.byteLength(body);
    else if (spec.method !== "GET" && spec.method !== "DELETE") headers["Content-Length"] = 0;
    const url = `${this.baseUrl}${target}`;
    return new Promise<Answer>((resolve, reject) => {
      const secure = url.startsWith("https:");
      const req = (secure ? https : http).request(url, { method: spec.method, headers, agent: secure ? this.httpsAgent : this.httpAgent }, (res) => {
        readBody(res, spec.method, () => this.tooLargeError(spec)).then((bytes) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes }), reject);
      });
      // Destroying the request ends its answer too, wherever it is: an error on the request or on the answer's body.
      halt.stop = () => req.destroy(Object.assign(new Error("the exchange was stopped"), { code: "ABORT_ERR" }));
      req.on("error", reject);
      req.end(body);
    });
  }

  /**
   * The exchange by axios's adapter, which takes the proxy from the environment (HTTPS_PROXY, NO_PROXY, …) and opens
   * the tunnel through it.
   */
  private async throughAxios(spec: RequestSpec, target: string, headers: Record<string, string>, body: string | undefined, halt: Halt): Promise<Answer> {
    const controller = new AbortController();
    halt.stop = () => controller.abort();
    const res: AxiosResponse<string> = await this.adapter({
      ...this.config,
      method: spec.method,
      url: target,
      data: body,
      headers: new AxiosHeaders(headers),
      signal: controller.signal,
    });
    return { status: res.status, headers: res.headers, body: typeof res.data === "string" ? res.data : "" };
  }

  private tooLargeError(spec: RequestSpec): DeviceCloudError {
    return new DeviceCloudError(
      "API_ERROR",
      `The cloud's answer to ${spec.method} ${spec.path} was too large (answer too large: over 64 MiB once unpacked); it was dropped, not kept.`,
    );
  }

  private timeoutError(): DeviceCloudError {
    return new DeviceCloudError("TIMEOUT", `No complete answer from ${this.host} within ${Math.round(this.opts.timeoutMs / 100) / 10} s.`);
  }

  private networkError(err: unknown, spec: RequestSpec): DeviceCloudError {
    const e = err as { code?: string; message?: string };
    const code = typeof e?.code === "string" ? e.code : "";
    if (code === "ETIMEDOUT" || code === "ECONNABORTED") return this.timeoutError();
    if (code === "ERR_BAD_RESPONSE" && /maxContentLength/.test(e?.message ?? "")) return this.tooLargeError(spec);
    const reasons: Record<string, string> = {
      ECONNREFUSED: "the connection was refused",
      ECONNRESET: "the connection was reset",
      ENOTFOUND: "the host name was not found",
      EAI_AGAIN: "the host name could not be resolved right now",
      EHOSTUNREACH: "the host is unreachable",
      ENETUNREACH: "the network is unreachable",
      EPIPE: "the connection was closed",
      ERR_BAD_RESPONSE: "the answer was malformed",
    };
    const lost = reasons[code];
    // A connection lost during the handshake says "TLS" in its message too, but it is no verdict on a certificate.
    if (!lost && /CERTIFICATE_REQUIRED|ALERT_HANDSHAKE_FAILURE/.test(code)) {
      return new CertificateRefused(`Could not reach ${this.host}: it asks for a client certificate (${code}); give one in a TLS configuration on the account.`);
    }
    if (!lost && /certificate|self[- ]signed|CERT_|SSL|TLS/i.test(`${code} ${e?.message ?? ""}`)) {
      const untrusted = /SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|CERT_UNTRUSTED/.test(code);
      const hint = untrusted ? ": no CA this account trusts signed it (if your own CA did, add it in a TLS configuration on the account)" : "";
      return new CertificateRefused(`Could not reach ${this.host}: its TLS certificate was not accepted (${code || "TLS"})${hint}.`);
    }
    const reason = lost ?? (/hang up/i.test(e?.message ?? "") ? "the connection was closed before an answer" : "a network error");
    return new DeviceCloudError("NETWORK", `Could not reach ${this.host}: ${reason}${code ? ` (${code})` : ""}.`);
  }

  private httpError(code: ErrorCode, res: ApiResponse, spec: RequestSpec, retries = 0): DeviceCloudError {
    const cloud = this.cloudMessage(res.data);
    const said = cloud ? `: ${cloud}` : "";
    let message: string;
    switch (code) {
      case "AUTH_FAILED":
        message = `The cloud refused access (HTTP ${res.status}${said}) even with a fresh token. Check ${this.opts.credentialHint} in the account node and what they are allowed to do.`;
        break;
      case "NOT_FOUND":
        message = `Not found (HTTP 404${said}): ${spec.method} ${spec.path}. Check the id and that this account can see it.`;
        break;
      case "RATE_LIMITED":
        message = `The cloud still answered 429 Too Many Requests${said} after ${retries} ${retries === 1 ? "retry" : "retries"}; send fewer messages or wait a while.`;
        break;
      default:
        message = `The cloud answered HTTP ${res.status}${said} to ${spec.method} ${spec.path}.`;
    }
    const cloudCode = res.data && typeof res.data === "object" ? (res.data as Record<string, unknown>).code : undefined;
    return new DeviceCloudError(code, this.redact(message), {
      status: res.status,
      cloudCode: typeof cloudCode === "string" && /^[a-z0-9_.]{1,64}$/.test(cloudCode) ? cloudCode : undefined,
    });
  }

  /**
   * The cloud's own message from any of the error shapes of both APIs, its secrets taken out before it is cut to
   * CLOUD_MESSAGE_CHARS (a secret across the cut would otherwise leave its first part).
   */
  cloudMessage(data: unknown): string | undefined {
    if (!data || typeof data !== "object") return undefined;
    const d = data as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? this.redact(v.trim()).slice(0, CLOUD_MESSAGE_CHARS) : undefined);
    if (d.error && typeof d.error === "object") return str((d.error as Record<string, unknown>).message);
    if (typeof d.error === "string") {
      const desc = str(d.error_description);
      return desc ? `${desc} (${str(d.error)})` : str(d.error);
    }
    const message = str(d.message);
    const code = str(d.code);
    if (message && code) return `${message} (${code})`;
    return message ?? code;
  }

  private redact(text: string): string {
    return redact(text, [...this.opts.secrets, ...this.sentSecrets, this.tokens.value ?? ""]);
  }

  private remember(secret: string): void {
    if (this.sentSecrets.has(secret)) return;
    this.sentSecrets.add(secret);
    // A few are enough (the login and the latest tokens); the oldest goes first.
    if (this.sentSecrets.size > 16) this.sentSecrets.delete(this.sentSecrets.values().next().value as string);
  }

  /** Milliseconds to wait before the next attempt after a 429: its Retry-After, else the growing back-off. */
  private retryDelay(res: ApiResponse, attempt: number): number {
    return parseRetryAfter(res.headers["retry-after"], Date.now()) ?? this.backoff(attempt);
  }

  private tooLongError(res: ApiResponse, waitMs: number): DeviceCloudError {
    const cloud = this.cloudMessage(res.data);
    const wait = waitMs >= 172_800_000 ? `${Math.round(waitMs / 86_400_000)} days` : waitMs >= 3_600_000 ? `${Math.round(waitMs / 360_000) / 10} h` : `${Math.ceil(waitMs / 1000)} s`;
    return new DeviceCloudError(
      "RATE_LIMITED",
      this.redact(
        `The cloud answered 429 Too Many Requests${cloud ? `: ${cloud}` : ""} and asked to wait ${wait}, longer than the ${MAX_RETRY_AFTER_MS / 60_000} minutes a message waits; it was not sent again.`,
      ),
      { status: res.status },
    );
  }

  private refusedRecently(operation: string): boolean {
    const until = this.refusals.get(operation);
    if (until === undefined) return false;
    if (Date.now() < until) return true;
    this.refusals.delete(operation);
    return false;
  }

  private rememberRefusal(operation: string): void {
    this.refusals.delete(operation);
    this.refusals.set(operation, Date.now() + REFUSAL_MEMORY_MS);
    if (this.refusals.size > MAX_REMEMBERED_REFUSALS) this.refusals.delete(this.refusals.keys().next().value as string);
  }

  /** Exponential backoff with jitter: base·2ⁿ, capped, times a random factor in [0.5, 1). */
  private backoff(attempt: number): number {
    const raw = Math.min(this.opts.maxBackoffMs, this.opts.baseBackoffMs * 2 ** attempt);
    return Math.round(raw * (0.5 + Math.random() * 0.5));
  }

  /** Waits `ms`, or rejects with CancelledError when `signal` aborts or the account closes; leaves no timer and no listener behind. */
  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    if (signal.aborted || this.closed) return Promise.reject(new CancelledError());
    return new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        unlisten();
        resolve();
      }, ms);
      const unlisten = this.untilCancelled(signal, () => {
        clearTimeout(t);
        unlisten();
        reject(new CancelledError());
      });
    });
  }

  /** Calls `cancel` once when `signal` aborts or the account closes; the function returned stops that. */
  private untilCancelled(signal: AbortSignal, cancel: () => void): () => void {
    const closing = this.closeController.signal;
    const unlisten = this.aborts.add(signal, cancel);
    if (signal === closing) return unlisten;
    const unlistenClose = this.aborts.add(closing, cancel);
    return () => {
      unlisten();
      unlistenClose();
    };
  }
}

/**
 * A TLS handshake that refused a certificate (untrusted, another name, expired, a client certificate asked for, any
 * TLS alert): NETWORK, as any server not reached, but never tried again, since the next handshake meets the same
 * certificates and only makes the error later.
 */
class CertificateRefused extends DeviceCloudError {
  constructor(message: string) {
    super("NETWORK", message);
  }
}

/** Whether sending again may help after an exchange failed: a lost connection may, a refused certificate cannot. */
function worthRetrying(err: DeviceCloudError): boolean {
  return err.code === "NETWORK" && !(err instanceof CertificateRefused);
}

/**
 * "?a=1&b=x%20y": `:`, `$` and `,` as they are (as axios leaves them), a space as %20, which every server reads as a
 * space; a `+` for a space is read so only by a form decoder, and Blynk's sort labels ("Activated At") have spaces.
 * "" for none.
 */
function queryString(query: Query | undefined): string {
  if (!query) return "";
  let out = "";
  for (const k in query) {
    const v = query[k];
    if (v === undefined) continue;
    out += `${out === "" ? "?" : "&"}${encodeParam(k)}=${encodeParam(String(v))}`;
  }
  return out;
}

function encodeParam(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ":").replace(/%24/g, "$").replace(/%2C/gi, ",");
}

/** Whether the environment names a proxy at all; axios decides then which requests it applies to (NO_PROXY). */
function proxyInEnvironment(): boolean {
  const env = process.env;
  return Boolean(env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy || env.ALL_PROXY || env.all_proxy);
}

/**
 * An answer's body, its bytes: unpacked as its Content-Encoding says (gzip, deflate, br), refused once it passes
 * MAX_ANSWER_BYTES unpacked, a leading byte-order mark dropped. A body that ends before its end is a lost connection.
 */
function readBody(res: IncomingMessage, method: string, tooLarge: () => DeviceCloudError): Promise<Buffer> {
  const encoding = String(res.headers["content-encoding"] ?? "").trim().toLowerCase();
  // Nothing to unpack: an empty body labelled gzip would otherwise fail as a cut-off stream.
  const empty = method === "HEAD" || res.statusCode === 204 || res.statusCode === 304 || res.headers["content-length"] === "0";
  const unpack = empty ? undefined : encoding === "gzip" || encoding === "x-gzip" || encoding === "deflate" ? zlib.createUnzip() : encoding === "br" ? zlib.createBrotliDecompress() : undefined;
  const body: Readable = unpack ? pipeline(res, unpack, noop) : res;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    body.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_ANSWER_BYTES) {
        settled = true;
        reject(tooLarge());
        res.destroy();
        body.destroy();
        return;
      }
      chunks.push(chunk);
    });
    body.once("end", () => {
      settled = true;
      const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, bytes);
      resolve(all[0] === 0xef && all[1] === 0xbb && all[2] === 0xbf ? all.subarray(3) : all);
    });
    body.once("error", (err) => {
      settled = true;
      reject(err);
    });
    // A body closed without either would otherwise leave the message waiting for its timeout.
    body.once("close", () => {
      if (!settled) reject(Object.assign(new Error("the connection was closed before the whole answer"), { code: "ECONNRESET" }));
    });
  });
}

function noop(): void {}

function safeHost(location: string | undefined): string | undefined {
  if (!location) return undefined;
  try {
    return new URL(location).host || undefined;
  } catch {
    return undefined;
  }
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Retry-After in milliseconds from now (RFC 9110 §10.2.3): whole seconds, or an HTTP date (a past date is 0).
 * Anything else (empty, negative, a fraction, a date in another form) is no Retry-After at all: undefined.
 */
export function parseRetryAfter(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (/^\d{1,15}$/.test(value)) return Number(value) * 1000;
  // asctime has no zone; HTTP dates are always GMT.
  const at = IMF_FIXDATE.test(value) || RFC850_DATE.test(value) ? Date.parse(value) : ASCTIME_DATE.test(value) ? Date.parse(`${value} GMT`) : NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const DAY = "(Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const MONTH = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
const IMF_FIXDATE = new RegExp(`^${DAY}, \\d{2} ${MONTH} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT$`);
const RFC850_DATE = new RegExp(`^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \\d{2}-${MONTH}-\\d{2} \\d{2}:\\d{2}:\\d{2} GMT$`);
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} [ \\d]\\d \\d{2}:\\d{2}:\\d{2} \\d{4}$`);
