/**
 * Admission control for one account: at most `concurrency` requests in flight, at most `limit` requests sent
 * in any sliding window of `windowMs`, and a pause that every request honours after a 429.
 *
 * Why hand-written: the two well-known queue packages do not fit. p-queue is ESM-only (the package must load as
 * CommonJS in Node-RED 4 on Node 20) and Bottleneck has been unmaintained since 2019; neither learns a limit
 * from a 429. The window log is a sliding one on purpose: whatever the cloud's own window alignment is, a
 * sliding window of the same length that holds at most `limit` sends never puts more than `limit` requests into
 * any of the cloud's fixed windows.
 */
import { CancelledError } from "./errors";

export interface GateOptions {
  concurrency: number;
  /** Known limit before any 429 (e.g. Blynk documents 10,000 per minute); undefined: none known. */
  limit?: number;
  windowMs: number;
}

/** The smallest limit learned from a 429; fewer accepted requests in the window teach nothing. */
export const MIN_LEARNED_LIMIT = 10;

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class Gate {
  private readonly concurrency: number;
  private readonly windowMs: number;
  /**
   * The sliding window the gate enforces: the cloud's window plus a guard. The cloud counts a request when it
   * arrives, the gate when it leaves; on a busy event loop or network the two differ by some milliseconds, which
   * would otherwise let a few requests of one window land in the cloud's next one.
   */
  private readonly spanMs: number;
  private limit: number;
  private readonly initialLimit: number;
  private active = 0;
  /** Last time the window was nearly full (90 % of the limit), and last 429. */
  private lastSaturatedAt = 0;
  private last429At = 0;
  /** Send time of the latest request the cloud refused with 429. */
  private lastRefusedSentAt = -Infinity;
  /**
   * Where one of the cloud's windows began, as seen from here: the first request accepted after a refused one.
   * With the window length, it places the cloud's current window when no Retry-After said where it ends.
   */
  private boundary: number | undefined;
  private lastGrowthAt = 0;
  private readonly waiters: Waiter[] = [];
  /** Send times (ms) of requests in the current window, oldest first; `head` skips expired entries. */
  private sends: number[] = [];
  private head = 0;
  /** Send times of requests the cloud accepted (not answered 429), for learning the limit. */
  private accepted: number[] = [];
  private acceptedHead = 0;
  private pausedUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(opts: GateOptions) {
    this.concurrency = Math.max(1, Math.floor(opts.concurrency));
    this.windowMs = opts.windowMs;
    this.spanMs = opts.windowMs + Math.max(250, opts.windowMs * 0.05);
    this.limit = opts.limit && opts.limit > 0 ? Math.floor(opts.limit) : Infinity;
    this.initialLimit = this.limit;
  }

  /** The limit in force (Infinity while none is known). */
  get currentLimit(): number {
    return this.limit;
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** True while a request would have to wait for the rate limit (not merely for a free slot). */
  rateBlocked(now = Date.now()): boolean {
    return now < this.pausedUntil || (this.limit !== Infinity && this.windowCount(now) >= this.limit);
  }

  /**
   * Waits for a free slot and for room in the rate window, then records the send. The caller must call
   * `release()` once the answer is in.
   */
  acquire(signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.reject(new CancelledError());
    if (signal?.aborted) return Promise.reject(new CancelledError());
    const now = Date.now();
    if (this.waiters.length === 0 && this.canStart(now)) {
      this.start();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new CancelledError());
          this.pump();
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
      this.pump();
    });
  }

  release(): void {
    this.active = Math.max(0, this.active - 1);
    this.pump();
  }

  /** Records that the request sent at `sentAt` was accepted by the cloud (any answer but 429). */
  noteAccepted(sentAt: number): void {
    this.accepted.push(sentAt);
    this.trimAccepted(Date.now());
    if (sentAt > this.lastRefusedSentAt && this.lastRefusedSentAt > (this.boundary ?? -Infinity)) this.boundary = sentAt;
  }

  /**
   * A 429 arrived for the request sent at `sentAt`. Everything waits until `pauseMs` from now. From now on the
   * window holds at most as many requests as the cloud accepted in its current window (never more than before):
   * - with Retry-After, the cloud's window is the one ending then. Retry-After comes in whole seconds, so that
   *   window may begin a little later than the cloud's: counting from there can only undercount (safe);
   * - else (or when that rounding left too little to count), when an earlier 429 showed where a window began,
   *   the window containing now, from that boundary;
   * - else the last `windowMs`, which overestimates once if a burst straddled two of the cloud's windows; the
   *   next 429 then finds the boundary and corrects it, since the limit only ever goes down.
   */
  on429(pauseMs: number, windowEndKnown: boolean, sentAt = Date.now(), now = Date.now()): void {
    this.trimAccepted(now);
    const since = (from: number) => {
      let n = 0;
      for (let i = this.accepted.length - 1; i >= this.acceptedHead && this.accepted[i] >= from; i--) n++;
      return n;
    };
    // From the most precise view of the cloud's current window to the least; a view that leaves too little to
    // learn from (Retry-After rounded up to a whole second on a short window) gives way to the next.
    let learned = windowEndKnown ? since(now + pauseMs - this.windowMs) : 0;
    if (learned < MIN_LEARNED_LIMIT && this.boundary !== undefined && this.boundary <= now) {
      learned = since(this.boundary + Math.floor((now - this.boundary) / this.windowMs) * this.windowMs);
    }
    if (learned < MIN_LEARNED_LIMIT) learned = since(now - this.windowMs);
    // A 429 after only a handful of requests was not caused by this account's pace (another client of the same
    // organization, a passing fault): it pauses, but teaches no limit.
    if (learned >= MIN_LEARNED_LIMIT && learned < this.limit) this.limit = learned;
    this.lastRefusedSentAt = Math.max(this.lastRefusedSentAt, sentAt);
    this.last429At = now;
    this.pausedUntil = Math.max(this.pausedUntil, now + Math.max(0, pauseMs));
    this.pump();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const waiters = this.waiters.splice(0);
    for (const w of waiters) {
      if (w.signal && w.onAbort) w.signal.removeEventListener("abort", w.onAbort);
      w.reject(new CancelledError());
    }
  }

  private canStart(now: number): boolean {
    return this.active < this.concurrency && !this.rateBlocked(now);
  }

  private start(): void {
    const now = Date.now();
    this.active++;
    this.sends.push(now);
    if (this.limit !== Infinity && this.windowCount(now) >= this.limit * 0.9) this.lastSaturatedAt = now;
    this.maybeGrow(now);
  }

  /**
   * A learned limit comes back slowly, but only when the account did not need it for a whole window (the window
   * never came near the limit and no 429 came): a flow that keeps the account busy never probes above what the
   * cloud accepted, whether the rate or the concurrency is what holds it back.
   */
  private maybeGrow(now: number): void {
    if (this.limit === this.initialLimit) return;
    const quiet = Math.min(now - this.lastSaturatedAt, now - this.last429At, now - this.lastGrowthAt);
    if (quiet <= this.spanMs) return;
    this.lastGrowthAt = now;
    const grown = Math.ceil(this.limit * 1.25);
    this.limit = grown >= this.initialLimit || grown > 1_000_000 ? this.initialLimit : grown;
  }

  /** Requests sent in the sliding window ending now (recorded always, so a limit learned later counts them). */
  private windowCount(now: number): number {
    const from = now - this.spanMs;
    while (this.head < this.sends.length && this.sends[this.head] <= from) this.head++;
    if (this.head > 1024 && this.head * 2 > this.sends.length) {
      this.sends = this.sends.slice(this.head);
      this.head = 0;
    }
    return this.sends.length - this.head;
  }

  private trimAccepted(now: number): void {
    const from = now - this.windowMs;
    while (this.acceptedHead < this.accepted.length && this.accepted[this.acceptedHead] <= from) this.acceptedHead++;
    if (this.acceptedHead > 1024 && this.acceptedHead * 2 > this.accepted.length) {
      this.accepted = this.accepted.slice(this.acceptedHead);
      this.acceptedHead = 0;
    }
  }

  private pump(): void {
    if (this.closed) return;
    const now = Date.now();
    while (this.waiters.length > 0 && this.canStart(now)) {
      const w = this.waiters.shift()!;
      if (w.signal && w.onAbort) w.signal.removeEventListener("abort", w.onAbort);
      this.start();
      w.resolve();
    }
    if (this.waiters.length > 0 && this.active < this.concurrency) this.wakeLater(now);
  }

  /** Schedules the next pump for when the pause ends or the oldest send leaves the window. */
  private wakeLater(now: number): void {
    let at = this.pausedUntil > now ? this.pausedUntil : now;
    if (this.limit !== Infinity && this.windowCount(now) >= this.limit) {
      const oldest = this.sends[this.head];
      at = Math.max(at, oldest + this.spanMs + 1);
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, Math.max(1, at - now));
  }
}
