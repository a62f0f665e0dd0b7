/**
 * A polling loop that never overlaps itself: a timer between polls, "poll now" (also while paused), pause and resume.
 * Each poll answers how many seconds after its start the next one is due, or undefined to schedule none.
 */

/** The longest wait a Node.js timer can hold is 2^31 − 1 ms; a longer one would fire at once, in a loop. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export class PollLoop {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** A "poll" that came while a poll ran: the next one starts as soon as this one ends (polls never overlap). */
  private pollSoon = false;
  private pausedNow = false;
  private closedNow = false;

  constructor(private readonly pollOnce: () => Promise<number | undefined>) {}

  /** No poll is scheduled until resume(). */
  get paused(): boolean {
    return this.pausedNow;
  }

  get closed(): boolean {
    return this.closedNow;
  }

  schedule(ms: number): void {
    if (this.closedNow || this.pausedNow) return;
    this.stopTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, Math.min(MAX_TIMER_MS, Math.max(0, ms)));
  }

  pollNow(): void {
    if (this.running) this.pollSoon = true;
    else {
      this.stopTimer();
      void this.poll();
    }
  }

  pause(): void {
    this.pausedNow = true;
    this.stopTimer();
  }

  /** Polls now and goes on; already polling: nothing to do. */
  resume(): void {
    if (!this.pausedNow) return;
    this.pausedNow = false;
    this.pollNow();
  }

  close(): void {
    this.closedNow = true;
    this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    if (this.closedNow) return;
    const started = Date.now();
    let next: number | undefined;
    this.running = true;
    try {
      next = await this.pollOnce();
    } finally {
      this.running = false;
      if (this.pollSoon) {
        this.pollSoon = false;
        if (!this.closedNow) void this.poll();
      } else if (!this.closedNow && next !== undefined) this.schedule(next * 1000 - (Date.now() - started));
    }
  }
}
