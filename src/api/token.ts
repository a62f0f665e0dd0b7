/**
 * One bearer token per account: fetched once and shared by every concurrent request (single flight), renewed
 * before `expires_in` runs out, dropped when the cloud refuses it. A failed login is remembered, and every message
 * in that time fails at once with the same error instead of logging in again: a refusal for 10 s, a 429 until its
 * Retry-After (the login sets one only up to 5 minutes), anything else (5xx, network, a longer Retry-After) for a
 * back-off that doubles from 1 s to 30 s while logins keep failing.
 */
import { AbortListeners } from "./abort-listeners";
import { CancelledError, DeviceCloudError } from "./errors";

export interface IssuedToken {
  token: string;
  /** Lifetime in seconds, as the cloud said. */
  expiresIn: number;
}

const REFUSED_LOGIN_MEMORY_MS = 10_000;
const FAILED_LOGIN_BACKOFF_MS = 1_000;
const FAILED_LOGIN_BACKOFF_MAX_MS = 30_000;

export class TokenSource {
  private current: { token: string; renewAt: number } | undefined;
  private inflight: Promise<string> | undefined;
  private refused: { error: DeviceCloudError; until: number } | undefined;
  /** Failed logins in a row, for the back-off. */
  private failures = 0;
  /** When the cloud said (Retry-After) the next login may come; set by the login itself before it fails. */
  private retryAt: number | undefined;
  private closed = false;
  private logins = 0;

  /**
   * `aborts`: where the requests waiting for a login listen for their signals; an account shares its own, so that
   * the requests of one call (a poll's thousands) add one listener to its signal.
   */
  constructor(
    private readonly login: () => Promise<IssuedToken>,
    private readonly aborts = new AbortListeners(),
  ) {}

  /** Successful and failed login attempts so far (for tests and the benchmark). */
  get loginCount(): number {
    return this.logins;
  }

  /** The token now in use, if any (used only to redact it from anything a flow can see). */
  get value(): string | undefined {
    return this.current?.token;
  }

  /** The token in force, if one is and it is not due for renewal; never waits and never logs in. */
  peek(): string | undefined {
    return this.current && Date.now() < this.current.renewAt ? this.current.token : undefined;
  }

  async get(signal?: AbortSignal): Promise<string> {
    if (this.closed) throw new CancelledError();
    const now = Date.now();
    if (this.current && now < this.current.renewAt) return this.current.token;
    if (this.refused && now < this.refused.until) throw this.refused.error;
    if (!this.inflight) {
      this.logins++;
      const p = this.login().then(
        (issued) => {
          const lifetimeMs = Math.max(1, issued.expiresIn) * 1000;
          // Renew a little before the end: a tenth of the lifetime, at most a minute.
          const leeway = Math.min(60_000, lifetimeMs / 10);
          this.current = { token: issued.token, renewAt: Date.now() + lifetimeMs - leeway };
          this.refused = undefined;
          this.failures = 0;
          this.retryAt = undefined;
          return issued.token;
        },
        (err: unknown) => {
          this.remember(err);
          throw err;
        },
      );
      this.inflight = p;
      const clear = () => {
        if (this.inflight === p) this.inflight = undefined;
      };
      p.then(clear, clear);
    }
    return waitOrAbort(this.inflight, signal, this.aborts);
  }

  /** The cloud asked (Retry-After) that no login come before `at` (epoch ms); applies when this login fails. */
  notBefore(at: number): void {
    this.retryAt = Math.max(this.retryAt ?? 0, at);
  }

  private remember(err: unknown): void {
    if (!(err instanceof DeviceCloudError)) return;
    const now = Date.now();
    this.failures++;
    let until: number;
    if (err.code === "AUTH_FAILED") until = now + REFUSED_LOGIN_MEMORY_MS;
    else until = now + Math.min(FAILED_LOGIN_BACKOFF_MAX_MS, FAILED_LOGIN_BACKOFF_MS * 2 ** Math.min(this.failures - 1, 16));
    if (this.retryAt !== undefined) until = Math.max(until, this.retryAt);
    this.retryAt = undefined;
    this.refused = { error: err, until };
  }

  /** The cloud refused `token`: forget it, unless a newer one replaced it already. */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }

  close(): void {
    this.closed = true;
    this.current = undefined;
  }
}

/** Resolves as `p` does, or rejects with CancelledError as soon as `signal` aborts. */
export function waitOrAbort<T>(p: Promise<T>, signal: AbortSignal | undefined, aborts: AbortListeners): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new CancelledError());
  return new Promise<T>((resolve, reject) => {
    const unlisten = aborts.add(signal, () => reject(new CancelledError()));
    p.then(
      (v) => {
        unlisten();
        resolve(v);
      },
      (e: unknown) => {
        unlisten();
        reject(e);
      },
    );
  });
}
