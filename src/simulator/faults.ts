/**
 * Fault injection: the faults a test or the CLI's control API has set (latency, an error status, a dropped,
 * hanging or malformed answer), and which of them a request meets. Probabilities draw from the seeded fault
 * stream, so a run with the same seed meets the same faults.
 */
import { isPlainObject, type ProviderName } from "./common";
import type { Rng } from "./rng";

export interface FaultSpec {
  provider?: ProviderName;
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
  /** Answer 200 with a JSON body of this many bytes. */
  hugeBytes?: number;
  /** Answer 200 gzip-compressed: this many bytes once unpacked. */
  gzipBombBytes?: number;
  /** Send the real answer's headers at once, then its body one byte every this many ms. */
  trickleMs?: number;
  /** Flatpeak lists: ignore `starting_after`, so every page is the first one again. */
  repeatCursor?: boolean;
  /** Blynk pages: at most this many items, whatever `size` asks for. */
  pageLimit?: number;
  times?: number;
  probability?: number;
}

export interface ActiveFault extends FaultSpec {
  id: number;
  remaining: number;
}

export function checkLatency(ms: unknown): number {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) throw new RangeError("latency must be a number of milliseconds >= 0");
  return ms;
}

export function checkProvider(p: unknown, optional: boolean): ProviderName | undefined {
  if (p === undefined && optional) return undefined;
  if (p !== "flatpeak" && p !== "blynk") throw new TypeError('provider must be "flatpeak" or "blynk"');
  return p;
}

export function checkFault(f: FaultSpec): FaultSpec {
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
  for (const k of ["hugeBytes", "gzipBombBytes", "trickleMs", "pageLimit"] as const) {
    const v = f[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 2 ** 32)) throw new RangeError(`fault.${k} must be a whole number from 1 to 2^32`);
  }
  for (const k of ["includeAuth", "drop", "malformed", "hang", "repeatCursor"] as const) if (f[k] !== undefined && typeof f[k] !== "boolean") throw new TypeError(`fault.${k} must be a boolean`);
  return f;
}

/** The faults that change what is asked rather than what is answered: a cursor ignored, a page size capped. */
export function rewriteRequest(query: URLSearchParams, hits: readonly FaultSpec[]): void {
  if (hits.some((f) => f.repeatCursor)) query.delete("starting_after");
  const pageLimit = hits.find((f) => f.pageLimit !== undefined)?.pageLimit;
  const size = query.get("size");
  if (pageLimit !== undefined && (!size || !(Number(size) <= pageLimit))) query.set("size", String(pageLimit));
}

export class FaultTable {
  private faults: ActiveFault[] = [];
  private nextId = 1;

  constructor(private readonly rng: Rng) {}

  add(f: FaultSpec): number {
    const spec = checkFault(f);
    const id = this.nextId++;
    this.faults.push({ ...spec, id, remaining: spec.times ?? Infinity });
    return id;
  }

  has(id: number): boolean {
    return this.faults.some((f) => f.id === id);
  }

  remove(id: number): void {
    this.faults = this.faults.filter((f) => f.id !== id);
  }

  clear(): void {
    this.faults = [];
  }

  list(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /**
   * The faults a request meets (each counts one of its `times`). A fault without an explicit path spares the
   * token endpoint unless it says includeAuth.
   */
  pick(provider: ProviderName, method: string, path: string, authEndpoint: boolean): ActiveFault[] {
    const hits: ActiveFault[] = [];
    for (const f of this.faults) {
      if (f.provider && f.provider !== provider) continue;
      if (f.method && f.method.toUpperCase() !== method) continue;
      const explicitPath = f.path !== undefined && f.path !== "/";
      if (explicitPath && !path.startsWith(f.path as string)) continue;
      if (authEndpoint && !f.includeAuth && !explicitPath) continue;
      if (f.probability !== undefined && f.probability < 1 && !(this.rng.next() < f.probability)) continue;
      hits.push(f);
    }
    for (const f of hits) if (--f.remaining <= 0) this.faults = this.faults.filter((x) => x !== f);
    return hits;
  }
}
