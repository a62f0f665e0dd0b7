/**
 * Admission control for one account: at most `concurrency` requests in flight, a documented rate limit spent
 * evenly (a token bucket), and fair turns between the calls that wait.
 *
 * Why hand-written: the two well-known queue packages do not fit. p-queue is ESM-only (the package must load as
 * CommonJS in Node-RED 4 on Node 20) and Bottleneck has been unmaintained since 2019; neither serves waiting callers
 * in turns.
 *
 * - **Rate.** A known limit of `limit` requests per `windowMs` (Blynk: 10,000 per minute) is a bucket of
 *   `burst` tokens (a sixtieth of the limit) that refills at `(limit - burst)` per window plus a guard. Any of the
 *   cloud's windows, wherever it starts, then holds at most `burst + (limit - burst)` requests, and a request that
 *   finds the bucket empty waits for one token (6 ms at Blynk's limit), never for a window to pass. The guard covers
 *   the send-to-arrival delay: the cloud counts a request when it arrives, the gate when it leaves.
 * - **Turns.** Each waiting call (a message, a listing, one poll of a watch: whatever shares a lane key) has its own
 *   queue; free slots go round the queues one request at a time. A poll of 10,000 devices is one queue, so a
 *   message of another node waits for one turn, not for the poll.
 * - **Memory.** A few numbers and the waiting requests: nothing grows with the requests sent.
 */
import { AbortListeners } from "./abort-listeners";
import { CancelledError } from "./errors";

export interface GateOptions {
  concurrency: number;
  /** Requests per window the cloud documents (Blynk: 10,000 per minute); undefined: none documented. */
  limit?: number;
  windowMs: number;
  /** Where the waiters listen for their signals; an account shares its own with the gate (one listener a signal). */
  aborts?: AbortListeners;
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
  lane: Lane;
  settled: boolean;
  /** Stops listening for the waiter's signal. */
  unlisten?: () => void;
}

interface Lane {
  key: object;
  waiters: Waiter[];
  head: number;
  live: number;
}

/** The lane of requests that name none. */
const SHARED_LANE = {};

export class Gate {
  private readonly concurrency: number;
  private readonly limit: number;
  /** Bucket size and refill rate (tokens per ms); Infinity and 0 without a limit. */
  readonly burst: number;
  readonly ratePerMs: number;
  private tokens: number;
  private refilledAt = Date.now();
  private active = 0;
  private waiting = 0;
  /** Lanes with waiters, in turn order: the first one is served next, then moves to the back. */
  private readonly lanes = new Map<object, Lane>();
  private readonly aborts: AbortListeners;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(opts: GateOptions) {
    this.concurrency = Math.max(1, Math.floor(opts.concurrency));
    this.aborts = opts.aborts ?? new AbortListeners();
    this.limit = opts.limit && opts.limit > 0 ? Math.floor(opts.limit) : Infinity;
    if (this.limit === Infinity) {
      this.burst = Infinity;
      this.ratePerMs = 0;
    } else {
      this.burst = Math.max(1, Math.ceil(this.limit / 60));
      const guardMs = Math.max(250, opts.windowMs * 0.02);
      this.ratePerMs = Math.max(1, this.limit - this.burst) / (opts.windowMs + guardMs);
    }
    this.tokens = this.burst;
  }

  /** The documented limit per window (Infinity when none is). */
  get currentLimit(): number {
    return this.limit;
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting;
  }

  /**
   * True when a request arriving now would wait for the rate limit, not merely for a free slot: the bucket does not
   * hold a token for it and for every request already waiting.
   */
  rateBlocked(now = Date.now()): boolean {
    return this.refill(now) < 1 + this.waiting;
  }

  /**
   * Waits for a free slot and a token, then takes them. `lane` groups the requests of one call (default: one shared
   * lane); lanes take turns. The caller must call `release()` once the answer is in.
   */
  acquire(signal?: AbortSignal, lane: object = SHARED_LANE): Promise<void> {
    if (this.closed || signal?.aborted) return Promise.reject(new CancelledError());
    if (this.waiting === 0 && this.canStart(Date.now())) {
      this.start();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      let l = this.lanes.get(lane);
      if (!l) {
        l = { key: lane, waiters: [], head: 0, live: 0 };
        this.lanes.set(lane, l);
      }
      const waiter: Waiter = { resolve, reject, lane: l, settled: false };
      if (signal) {
        waiter.unlisten = this.aborts.add(signal, () => {
          this.settle(waiter);
          reject(new CancelledError());
        });
      }
      l.waiters.push(waiter);
      l.live++;
      this.waiting++;
      this.pump();
    });
  }

  release(): void {
    this.active = Math.max(0, this.active - 1);
    this.pump();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const lane of this.lanes.values()) {
      for (let i = lane.head; i < lane.waiters.length; i++) {
        const w = lane.waiters[i];
        if (w.settled) continue;
        this.settle(w);
        w.reject(new CancelledError());
      }
    }
    this.lanes.clear();
  }

  /** Tokens in the bucket now. */
  private refill(now: number): number {
    if (this.limit === Infinity) return Infinity;
    if (now > this.refilledAt) {
      this.tokens = Math.min(this.burst, this.tokens + (now - this.refilledAt) * this.ratePerMs);
      this.refilledAt = now;
    }
    return this.tokens;
  }

  private canStart(now: number): boolean {
    return this.active < this.concurrency && this.refill(now) >= 1;
  }

  private start(): void {
    this.active++;
    if (this.limit !== Infinity) this.tokens -= 1;
  }

  /** Takes a waiter out of its lane's count (served, aborted or closed); the lane goes when it has none left. */
  private settle(w: Waiter): void {
    if (w.settled) return;
    w.settled = true;
    w.unlisten?.();
    this.waiting--;
    if (--w.lane.live === 0 && this.lanes.get(w.lane.key) === w.lane) this.lanes.delete(w.lane.key);
  }

  /** The next live waiter of the lane whose turn it is; that lane moves to the back of the turn order. */
  private nextWaiter(): Waiter | undefined {
    for (const lane of this.lanes.values()) {
      while (lane.head < lane.waiters.length && lane.waiters[lane.head].settled) lane.head++;
      const w = lane.waiters[lane.head++];
      if (lane.head > 1024 && lane.head * 2 > lane.waiters.length) {
        lane.waiters = lane.waiters.slice(lane.head);
        lane.head = 0;
      }
      this.lanes.delete(lane.key);
      if (lane.live > 1) this.lanes.set(lane.key, lane);
      return w;
    }
    return undefined;
  }

  private pump(): void {
    if (this.closed) return;
    const now = Date.now();
    while (this.waiting > 0 && this.canStart(now)) {
      const w = this.nextWaiter();
      if (!w) break;
      this.settle(w);
      this.start();
      w.resolve();
    }
    if (this.waiting > 0 && this.active < this.concurrency) this.wakeLater(now);
  }

  /** Schedules the next pump for when the bucket holds a whole token again (at most 1/rate ms away). */
  private wakeLater(now: number): void {
    if (this.timer) return;
    const ms = Math.max(1, Math.ceil((1 - this.refill(now)) / this.ratePerMs));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, ms);
  }
}
