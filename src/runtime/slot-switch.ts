/**
 * The switch of `devicecloud-price-slots` (output "switch"): on while a slot lasts, off between slots. Plain
 * timers, no Node-RED: one timer at a time, for the next slot boundary, on the instant itself (epoch ms), so a
 * daylight-saving change between now and then moves nothing. A timer never waits longer than setTimeout can
 * (2^31 − 1 ms, about 24.8 days): a farther boundary is reached by waiting again.
 */
import type { SlotEntry } from "../api";

export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface SwitchState {
  on: boolean;
  /** While on: when the slot ends; while off: when the next slot begins; undefined: no change is planned. */
  at?: number;
}

interface Planned {
  start: number;
  end: number;
  slot: SlotEntry;
}

export class SlotSwitch {
  private planned: Planned[] = [];
  private timer: NodeJS.Timeout | undefined;
  private on = false;
  private current: Planned | undefined;
  private closed = false;

  /** `send` gets each change of state with the slot it concerns; `changed` is told after every step. */
  constructor(private readonly send: (on: boolean, slot: SlotEntry) => void, private readonly changed: () => void = () => {}) {}

  /**
   * Follows `slots` from now on, instead of any plan before. A slot that has begun switches on at once; a switch
   * that was on and is in no slot of the new plan switches off at once.
   */
  plan(slots: readonly SlotEntry[]): void {
    if (this.closed) return;
    this.clearTimer();
    this.planned = slots
      .map((slot) => ({ start: Date.parse(slot.start), end: Date.parse(slot.end), slot }))
      .filter((p) => p.end > p.start)
      .sort((a, b) => a.start - b.start);
    this.step(true);
  }

  state(): SwitchState {
    const now = Date.now();
    if (this.on && this.current) return { on: true, at: this.current.end };
    const next = this.planned.find((p) => p.start > now);
    return { on: false, at: next?.start };
  }

  /** Stops for good: no timer is left and nothing more is sent. */
  close(): void {
    this.closed = true;
    this.clearTimer();
    this.planned = [];
  }

  private step(initial: boolean): void {
    const now = Date.now();
    const active = this.planned.find((p) => p.start <= now && now < p.end);
    if (active) {
      // Touching slots keep the switch on: the next one is announced with true, never off-then-on.
      if (initial || active !== this.current) this.send(true, active.slot);
      this.on = true;
      this.current = active;
    } else if (this.on && this.current) {
      // The slot ended, or a new plan left it out: off, with the slot that was on.
      const ended = this.current.slot;
      this.on = false;
      this.current = undefined;
      this.send(false, ended);
    }
    let next = Infinity;
    for (const p of this.planned) {
      if (p.start > now) next = Math.min(next, p.start);
      else if (p.end > now) next = Math.min(next, p.end);
    }
    this.arm(next);
    this.changed();
  }

  private arm(at: number): void {
    if (!Number.isFinite(at) || this.closed) return;
    const wait = Math.max(0, Math.min(at - Date.now(), MAX_TIMER_MS));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (Date.now() < at) this.arm(at);
      else this.step(false);
    }, wait);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

const clocks = new Map<string, Intl.DateTimeFormat>();

/**
 * "04:30" in the location's time zone; "Mon 04:30" when it is a day or more away. An unknown zone falls back to
 * the Node-RED host's.
 */
export function clockTime(ms: number, timezone: string | null, now = Date.now()): string {
  const key = timezone ?? "";
  let f = clocks.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-GB", { timeZone: timezone ?? undefined, hour: "2-digit", minute: "2-digit", weekday: "short", hourCycle: "h23" });
    } catch {
      f = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", weekday: "short", hourCycle: "h23" });
    }
    clocks.set(key, f);
  }
  const parts = f.formatToParts(ms);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  const time = `${get("hour")}:${get("minute")}`;
  return ms - now >= 86_400_000 ? `${get("weekday")} ${time}` : time;
}
