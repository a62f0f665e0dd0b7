/**
 * Fixed-window rate limits per cloud and account, as both clouds enforce them: a window starts at the server's
 * start plus a whole number of windows; past `limit` requests in a window answer 429 (with Retry-After when the
 * spec says so). Every window's accepted and rejected counts go to the stats.
 */
import { isPlainObject, type ProviderName } from "./common";
import type { SimulatorStats } from "./stats";

export interface RateLimitSpec {
  limit: number;
  windowMs: number;
  retryAfter: boolean;
}

export const DEFAULT_BLYNK_RATE_LIMIT: Readonly<RateLimitSpec> = Object.freeze({ limit: 10000, windowMs: 60000, retryAfter: false });

export function checkSpec(spec: RateLimitSpec | null | undefined, what: string): RateLimitSpec | null {
  if (spec === null || spec === undefined) return null;
  if (!isPlainObject(spec) || !Number.isInteger(spec.limit) || spec.limit < 0 || !(spec.windowMs > 0) || typeof spec.retryAfter !== "boolean") {
    throw new TypeError(`${what}: a rate limit is {limit: whole number >= 0, windowMs: > 0, retryAfter: boolean} or null`);
  }
  return { limit: spec.limit, windowMs: spec.windowMs, retryAfter: spec.retryAfter };
}

export type RateVerdict = { ok: true } | { ok: false; retryAfter?: number };

export class RateLimiter {
  private readonly windows = new Map<string, { idx: number; count: number }>();
  private readonly perWindowIndex = new Map<string, SimulatorStats["perWindow"][number]>();

  constructor(
    private readonly limits: Record<ProviderName, RateLimitSpec | null>,
    private readonly start: number,
    private readonly stats: () => SimulatorStats,
  ) {}

  set(provider: ProviderName, spec: RateLimitSpec | null): void {
    this.limits[provider] = checkSpec(spec, "rate limit");
    for (const k of [...this.windows.keys()]) if (k.startsWith(`${provider}\u0000`)) this.windows.delete(k);
  }

  /** Forgets the per-window stats entries (the stats were reset). */
  resetStats(): void {
    this.perWindowIndex.clear();
  }

  check(provider: ProviderName, account: string, now: number): RateVerdict {
    const spec = this.limits[provider];
    if (!spec) return { ok: true };
    const idx = Math.floor((now - this.start) / spec.windowMs);
    const windowStart = this.start + idx * spec.windowMs;
    const key = `${provider}\u0000${account}`;
    let w = this.windows.get(key);
    if (!w || w.idx !== idx) {
      w = { idx, count: 0 };
      this.windows.set(key, w);
    }
    const entry = this.windowEntry(provider, windowStart);
    if (w.count < spec.limit) {
      w.count++;
      entry.accepted++;
      return { ok: true };
    }
    entry.rejected++;
    this.stats().rateLimited++;
    return spec.retryAfter ? { ok: false, retryAfter: Math.max(1, Math.ceil((windowStart + spec.windowMs - now) / 1000)) } : { ok: false };
  }

  /** The stats entry of a window (the last 1000 windows are kept). */
  private windowEntry(provider: ProviderName, windowStart: number): SimulatorStats["perWindow"][number] {
    const stats = this.stats();
    const wkey = `${provider}\u0000${windowStart}`;
    let entry = this.perWindowIndex.get(wkey);
    if (!entry) {
      entry = { provider, windowStart, accepted: 0, rejected: 0 };
      this.perWindowIndex.set(wkey, entry);
      stats.perWindow.push(entry);
      if (stats.perWindow.length > 1000) this.perWindowIndex.delete(`${stats.perWindow[0].provider}\u0000${stats.perWindow.shift()?.windowStart}`);
    }
    return entry;
  }
}
