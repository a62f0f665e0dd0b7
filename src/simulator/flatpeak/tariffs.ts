/**
 * The tariffs behind the simulated Flatpeak locations: which tariff a location has, and its price series over a
 * period. A pure function of the location id and the time, so every answer about one half-hour agrees with every
 * other. See docs/simulator.md ("Prices").
 */
import { hash32, Rng } from "../rng";

export interface Tariff {
  name: string;
  timezone: string;
  currency: string;
  /** dynamic: a price per half-hour that follows the market; tou: fixed prices by the hour of the day. */
  kind: "dynamic" | "tou";
  /** tou: [from hour, to hour, price] in local time, covering 0..24. */
  bands?: readonly [number, number, number][];
  /** dynamic: the export price is this share of the import price; absent: no export tariff. */
  exportShare?: number;
}

/** The tariffs, by weight: most locations have the dynamic one. */
export const TARIFFS: readonly Tariff[] = [
  { name: "Dynamic half-hourly (GB)", timezone: "Europe/London", currency: "GBP", kind: "dynamic", exportShare: 0.45 },
  { name: "Time of use HT/NT (DE)", timezone: "Europe/Berlin", currency: "EUR", kind: "tou", bands: [[0, 6, 0.2684], [6, 22, 0.3619], [22, 24, 0.2684]] },
  { name: "Time of use peak (US)", timezone: "America/New_York", currency: "USD", kind: "tou", bands: [[0, 16, 0.1302], [16, 21, 0.3127], [21, 24, 0.1302]] },
];
const WEIGHTS = [6, 3, 1];

export interface PricedInterval {
  start: number;
  end: number;
  price: number;
  confidence: number;
}

const HALF_HOUR = 1_800_000;
const DAY = 86_400_000;
/** Day-ahead prices are published around 11:00 local time (flatpeak-prices.md §8, FC). */
const PUBLISHED_AT_HOUR = 11;

/**
 * A typical day of a dynamic tariff in major units per kWh, by local hour: cheap at night, a morning rise, a dip
 * at noon when solar floods the market, the evening peak from 16:00 to 19:00.
 */
const DAILY_CURVE = [0.168, 0.152, 0.139, 0.128, 0.121, 0.124, 0.158, 0.214, 0.247, 0.229, 0.201, 0.178, 0.161, 0.156, 0.169, 0.203, 0.334, 0.398, 0.371, 0.292, 0.248, 0.221, 0.196, 0.181];

export function idHash(id: string): number {
  return hash32(...Array.from(id, (c) => c.charCodeAt(0)));
}

export function tariffOf(locationId: string): Tariff {
  return new Rng(idHash(locationId)).weighted(TARIFFS, WEIGHTS);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The local calendar day (days since 1970-01-01) and the minutes since local midnight of an instant. */
export function localTime(ms: number, timezone: string): { day: number; minutes: number; weekday: number } {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: timezone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric" });
    formatters.set(timezone, f);
  }
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(ms)) if (p.type !== "literal") parts[p.type] = Number(p.value);
  const day = Date.UTC(parts.year, parts.month - 1, parts.day) / DAY;
  return { day, minutes: parts.hour * 60 + parts.minute, weekday: (day + 4) % 7 };
}

/**
 * The prices from `start` to `end` (whole half-hours of the tariff, or its bands), earliest first, with the
 * confidence known at `now`: 1 for the past, today and, once published (11:00 local), tomorrow; a forecast below
 * that. Dynamic forecasts start at 0.9 and lose 0.1 a day to 0.3; fixed prices start at 0.8 and lose 0.2 every
 * 90 days to 0.2 (flatpeak-prices.md §8, FC).
 */
export function priceSeries(locationId: string, tariff: Tariff, start: number, end: number, now: number, direction: "IMPORT" | "EXPORT"): PricedInterval[] {
  const today = localTime(now, tariff.timezone);
  const out: PricedInterval[] = [];
  for (let t = Math.floor(start / HALF_HOUR) * HALF_HOUR; t < end; t += HALF_HOUR) {
    const local = localTime(t, tariff.timezone);
    const ahead = local.day - today.day;
    let price: number;
    let confidence: number;
    if (tariff.kind === "dynamic") {
      price = dynamicPrice(locationId, local);
      if (direction === "EXPORT") price *= tariff.exportShare ?? 0;
      const published = ahead <= 0 || (ahead === 1 && today.minutes >= PUBLISHED_AT_HOUR * 60);
      confidence = published ? 1 : Math.max(0.3, round1(0.9 - 0.1 * Math.max(0, ahead - 1)));
    } else {
      const hour = local.minutes / 60;
      price = (tariff.bands ?? []).find(([from, to]) => hour >= from && hour < to)?.[2] ?? 0;
      confidence = ahead <= 1 ? 1 : Math.max(0.2, round1(0.8 - 0.2 * Math.floor(ahead / 90)));
    }
    price = Math.round(price * 100_000) / 100_000;
    const last = out[out.length - 1];
    if (tariff.kind === "tou" && last && last.end === t && last.price === price && last.confidence === confidence) last.end = t + HALF_HOUR;
    else out.push({ start: t, end: t + HALF_HOUR, price, confidence });
  }
  return out;
}

/** The daily curve, moved by the day (weather, demand: ±20 %, a bit lower at weekends) and by the half-hour. */
function dynamicPrice(locationId: string, local: { day: number; minutes: number; weekday: number }): number {
  const hour = Math.floor(local.minutes / 60);
  const half = local.minutes % 60 >= 30 ? 0.5 : 0;
  const curve = DAILY_CURVE[hour] + (DAILY_CURVE[(hour + 1) % 24] - DAILY_CURVE[hour]) * half;
  const dayFactor = 0.8 + new Rng(hash32(idHash(locationId), local.day)).next() * 0.4;
  const weekend = local.weekday === 0 || local.weekday === 6 ? 0.9 : 1;
  const noise = (new Rng(hash32(idHash(locationId), local.day, local.minutes)).next() - 0.5) * 0.02;
  return curve * dayFactor * weekend + noise;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** When the cloud recommends asking again: the next day-ahead publication (dynamic) or the next local midnight. */
export function nextUpdate(tariff: Tariff, now: number): number {
  const local = localTime(now, tariff.timezone);
  const midnight = now - local.minutes * 60_000 - (now % 60_000);
  if (tariff.kind === "tou") return midnight + DAY;
  const publish = midnight + PUBLISHED_AT_HOUR * 3_600_000;
  return publish > now ? publish : publish + DAY;
}
