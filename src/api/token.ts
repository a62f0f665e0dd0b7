/**
 * One bearer token per account: fetched once and shared by every concurrent request (single flight), renewed
 * before `expires_in` runs out, dropped when the cloud refuses it. A login the cloud refused is remembered for a
 * short while, so a flow that keeps sending with wrong credentials does not hammer the login endpoint.
 */
import { CancelledError, DeviceCloudError } from "./errors";

export interface IssuedToken {
  token: string;
  /** Lifetime in seconds, as the cloud said. */
  expiresIn: number;
}

const REFUSED_LOGIN_MEMORY_MS = 10_000;

export class TokenSource {
  private current: { token: string; renewAt: number } | undefined;
  private inflight: Promise<string> | undefined;
  private refused: { error: DeviceCloudError; until: number } | undefined;
  private closed = false;
  private logins = 0;

  constructor(private readonly login: () => Promise<IssuedToken>) {}

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
          return issued.token;
        },
        (err: unknown) => {
          if (err instanceof DeviceCloudError && err.code === "AUTH_FAILED") {
            this.refused = { error: err, until: Date.now() + REFUSED_LOGIN_MEMORY_MS };
          }
          throw err;
        },
      );
      this.inflight = p;
      const clear = () => {
        if (this.inflight === p) this.inflight = undefined;
      };
      p.then(clear, clear);
    }
    return waitOrAbort(this.inflight, signal);
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
export function waitOrAbort<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new CancelledError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CancelledError());
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
