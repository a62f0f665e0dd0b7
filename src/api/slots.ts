/**
 * The cheapest (or dearest) times of a period, computed from a price series: the rules the client falls back on
 * where a release has no slots endpoint or the period is longer than its endpoint allows, and the rules the
 * simulator's slots endpoints answer by. Pure: times are epoch ms, nothing here knows HTTP or Node-RED.
 *
 * The choices, each an inference from the cloud's reference (flatpeak-prices.md §2.2, §2.3, §3.3), documented in
 * the README:
 * - Only the part of each price interval inside the period counts.
 * - Duration: the cheapest (LOW) or dearest (HIGH) intervals are taken until their time adds up to the duration;
 *   a tie goes to the earlier interval; the last one taken is cut to fit, keeping its beginning. The result may be
 *   split into several slots ("the slot may be split into multiple segments"). A series shorter than the
 *   duration gives all of it.
 * - Threshold: relative r in 0.01..1 names the price min + r·(max − min) of the period (the highest price is 1,
 *   the lowest 0.01); absolute names a price in major currency units. LOW takes the intervals at or below it, HIGH
 *   those at or above it.
 * - Touching intervals taken are one slot; its price is the time-weighted average, its confidence the lowest of
 *   its intervals (a slot is as sure as its least sure part).
 */

export interface PricePoint {
  start: number;
  end: number;
  price: number;
  confidence: number;
}

export interface ComputedSlot {
  start: number;
  end: number;
  averagePrice: number;
  confidence: number;
}

export type Segment = "LOW" | "HIGH";

export type SlotRule = { mode: "duration"; minutes: number } | { mode: "threshold"; kind: "relative" | "absolute"; value: number };

const MINUTE = 60_000;

/** The slots of `series` within [start, end) by `rule`, earliest first. */
export function computeSlots(series: readonly PricePoint[], start: number, end: number, segment: Segment, rule: SlotRule): ComputedSlot[] {
  const inside = clip(series, start, end);
  const taken = rule.mode === "duration" ? byDuration(inside, segment, rule.minutes * MINUTE) : byThreshold(inside, segment, rule);
  return merge(taken);
}

/** Total minutes of a list of slots. */
export function totalMinutes(slots: readonly { start: number; end: number }[]): number {
  return Math.round(slots.reduce((sum, s) => sum + (s.end - s.start), 0) / MINUTE);
}

function clip(series: readonly PricePoint[], start: number, end: number): PricePoint[] {
  const out: PricePoint[] = [];
  for (const p of series) {
    const s = Math.max(p.start, start);
    const e = Math.min(p.end, end);
    if (e > s) out.push({ ...p, start: s, end: e });
  }
  return out.sort((a, b) => a.start - b.start);
}

function byDuration(points: PricePoint[], segment: Segment, wantMs: number): PricePoint[] {
  const order = points.slice().sort((a, b) => (segment === "LOW" ? a.price - b.price : b.price - a.price) || a.start - b.start);
  const taken: PricePoint[] = [];
  let left = wantMs;
  for (const p of order) {
    if (left <= 0) break;
    const length = Math.min(p.end - p.start, left);
    taken.push({ ...p, end: p.start + length });
    left -= length;
  }
  return taken.sort((a, b) => a.start - b.start);
}

function byThreshold(points: PricePoint[], segment: Segment, rule: { kind: "relative" | "absolute"; value: number }): PricePoint[] {
  if (points.length === 0) return [];
  let level = rule.value;
  if (rule.kind === "relative") {
    const prices = points.map((p) => p.price);
    const min = Math.min(...prices);
    const max = Math.max(...prices);
    level = min + rule.value * (max - min);
  }
  // A relative level is computed: allow for the rounding of min + r·(max − min) at the ends of the range.
  const eps = rule.kind === "relative" ? 1e-9 : 0;
  return points.filter((p) => (segment === "LOW" ? p.price <= level + eps : p.price >= level - eps));
}

function merge(points: PricePoint[]): ComputedSlot[] {
  const slots: ComputedSlot[] = [];
  let open: { start: number; end: number; weighted: number; confidence: number } | undefined;
  const close = () => {
    if (open) slots.push({ start: open.start, end: open.end, averagePrice: round5(open.weighted / (open.end - open.start)), confidence: open.confidence });
  };
  for (const p of points) {
    if (open && p.start === open.end) {
      open.end = p.end;
      open.weighted += p.price * (p.end - p.start);
      open.confidence = Math.min(open.confidence, p.confidence);
      continue;
    }
    close();
    open = { start: p.start, end: p.end, weighted: p.price * (p.end - p.start), confidence: p.confidence };
  }
  close();
  return slots;
}

/** Prices are given "up to 5 decimal places" (flatpeak-prices.md §8). */
export function round5(n: number): number {
  return Math.round(n * 100_000) / 100_000;
}
