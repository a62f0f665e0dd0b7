/**
 * The prices room of the Flatpeak simulator: the locations (GET /locations, /locations/{id}), the price series
 * and the cheapest or dearest slots of a period, each release in its own shape (flatpeak-prices.md §2–§4, §6):
 *   zero    GET /tariffs/rates/{loc}, GET /slots/time/{loc}, GET /slots/threshold/{loc}   (query parameters)
 *   anode   POST /prices/{loc}, POST /schedules/duration/{loc}, POST /schedules/limit/{loc}
 *   busbar  POST /prices, POST /schedules/duration, POST /schedules/limit                 (location_id in the body)
 * Slots follow src/api/slots.ts, the rules the client falls back on. See docs/simulator.md ("Prices").
 */
import { computeSlots, totalMinutes, type Segment, type SlotRule } from "../../api/slots";
import { isPlainObject, parseJson, qp, type SimRequest, type SimResponse } from "../common";
import { idHash, nextUpdate, priceSeries, tariffOf, TARIFFS, type Tariff } from "./tariffs";
import { Rng } from "../rng";

export type PriceRelease = "zero" | "anode" | "busbar";

/** Locations every simulator has, besides those of the seeded fleet: two demos and the three documented 422s. */
export const FLATPEAK_PRICE_LOCATIONS = {
  /** Dynamic half-hourly tariff, Europe/London, GBP (the examples use it). */
  demoDynamic: "loc_65f0c0ffee000000000000d1",
  /** Fixed time-of-use tariff, Europe/Berlin, EUR. */
  demoTimeOfUse: "loc_65f0c0ffee000000000000d2",
  noTariff: "loc_65f0c0ffee000000000000e1",
  pendingConnect: "loc_65f0c0ffee000000000000e2",
  noPriceData: "loc_65f0c0ffee000000000000e3",
} as const;

const FIXED: Record<string, Tariff | "no_tariff_connected" | "pending_connect" | "no_price_data"> = {
  [FLATPEAK_PRICE_LOCATIONS.demoDynamic]: TARIFFS[0],
  [FLATPEAK_PRICE_LOCATIONS.demoTimeOfUse]: TARIFFS[1],
  [FLATPEAK_PRICE_LOCATIONS.noTariff]: "no_tariff_connected",
  [FLATPEAK_PRICE_LOCATIONS.pendingConnect]: "pending_connect",
  [FLATPEAK_PRICE_LOCATIONS.noPriceData]: "no_price_data",
};

const NO_PRICES = {
  no_tariff_connected: "No tariff is connected to the queried location",
  pending_connect: "Connect is processing link to tariff source.",
  no_price_data: "Unable to retrieve price data for this location; the tariff.fetch.failed webhook was emitted",
};

const DAY = 86_400_000;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** What the room needs from the rest of the simulator. */
export interface PriceRoomHost {
  /** Every location id the account's devices and sites name. */
  locationIds(): string[];
  hasLocation(id: string): boolean;
  /** The devices at a location (busbar lists them on the location). */
  devicesAt(locationId: string): string[];
  rich(status: number, code: string, message: string, context: string, live: boolean): SimResponse;
  notFound(): SimResponse;
  /** One cursor page of a list in API order (the fleet's pager). */
  page<T extends { id: string }>(req: SimRequest, who: Caller, context: string, list: T[], rankOf: (id: string) => number | undefined, noun: string): { data: T[]; has_more: boolean } | SimResponse;
}

type What = "prices" | "duration" | "threshold";
/** Who asks: the account and its mode. */
export interface Caller {
  accountId: string;
  live: boolean;
}
/** A handler, told the release the request is answered in (after the simulator's version checks). */
type Handler = (req: SimRequest, who: Caller, release: PriceRelease) => SimResponse;

const PRICE_ROUTES: readonly [RegExp, string, PriceRelease, What, "GET" | "POST"][] = [
  [/^\/tariffs\/rates\/([^/]+)$/, "/tariffs/rates/{id}", "zero", "prices", "GET"],
  [/^\/slots\/time\/([^/]+)$/, "/slots/time/{id}", "zero", "duration", "GET"],
  [/^\/slots\/threshold\/([^/]+)$/, "/slots/threshold/{id}", "zero", "threshold", "GET"],
  [/^\/prices\/([^/]+)$/, "/prices/{id}", "anode", "prices", "POST"],
  [/^\/schedules\/duration\/([^/]+)$/, "/schedules/duration/{id}", "anode", "duration", "POST"],
  [/^\/schedules\/limit\/([^/]+)$/, "/schedules/limit/{id}", "anode", "threshold", "POST"],
  [/^\/prices$/, "/prices", "busbar", "prices", "POST"],
  [/^\/schedules\/duration$/, "/schedules/duration", "busbar", "duration", "POST"],
  [/^\/schedules\/limit$/, "/schedules/limit", "busbar", "threshold", "POST"],
];

export class FlatpeakPriceRoom {
  private seq = 0;

  constructor(private readonly host: PriceRoomHost) {}

  /** The route of a path this room serves, or null. Each release answers only its own routes: another release's path is 404, as on the cloud. */
  match(path: string): { pattern: string; params: string[]; handlers: Record<string, Handler> } | null {
    if (path === "/locations") return { pattern: "/locations", params: [], handlers: { GET: (r, who, release) => this.listLocations(r, who, release) } };
    let m = /^\/locations\/([^/]+)$/.exec(path);
    if (m) return { pattern: "/locations/{id}", params: [m[1]], handlers: { GET: (r, who, release) => this.getLocation(r, who, release) } };
    for (const [re, pattern, owner, what, method] of PRICE_ROUTES) {
      m = re.exec(path);
      if (!m) continue;
      const handler: Handler = (r, who, release) => (release === owner ? this.answer(r, who, owner, what) : this.host.notFound());
      return { pattern, params: m.slice(1), handlers: { [method]: handler } };
    }
    return null;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Locations

  private locations(): string[] {
    const all = new Set([...this.host.locationIds(), ...Object.keys(FIXED)]);
    // Newest first: the ids carry their creation time in their first 8 hex digits.
    return [...all].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  }

  private renderLocation(id: string, who: Caller, release: PriceRelease): Record<string, unknown> {
    const fixed = FIXED[id];
    const tariff = typeof fixed === "object" ? fixed : typeof fixed === "string" ? TARIFFS[idHash(id) % 2] : tariffOf(id);
    const importStatus = fixed === "no_tariff_connected" ? "NOT_CONNECTED" : fixed === "pending_connect" ? "PENDING" : fixed === "no_price_data" ? "ERROR" : "CONNECTED";
    const o: Record<string, unknown> = {
      id,
      object: "location",
      live_mode: who.live,
      reference_id: `LOC-${(idHash(id) % 900000) + 100000}`,
      timezone: tariff.timezone,
      currency_code: tariff.currency,
      tariff_status: {
        commodity_import: importStatus,
        commodity_export: importStatus === "CONNECTED" && tariff.exportShare ? "CONNECTED" : "NOT_CONNECTED",
        non_commodity_import: "NOT_SUPPORTED",
        non_commodity_export: "NOT_SUPPORTED",
        local: "NOT_SUPPORTED",
      },
      tariff_elements: [],
      time_created: new Date(parseInt(id.slice(4, 12), 16) * 1000 || 0).toISOString().replace(".000Z", "Z"),
      account_id: who.accountId,
    };
    if (release === "busbar") o.devices = this.host.devicesAt(id);
    return o;
  }

  private listLocations(req: SimRequest, who: Caller, release: PriceRelease): SimResponse {
    const ids = this.locations().map((id) => ({ id }));
    const rank = new Map(ids.map((l, i) => [l.id, i]));
    const pg = this.host.page(req, who, "api.location_list", ids, (id) => rank.get(id), "location");
    if ("status" in pg) return pg;
    return { status: 200, body: { object: "list", url: "/locations", has_more: pg.has_more, data: pg.data.map((l) => this.renderLocation(l.id, who, release)) } };
  }

  private getLocation(req: SimRequest, who: Caller, release: PriceRelease): SimResponse {
    const id = safeDecode(req.params[0]);
    return this.known(id) ? { status: 200, body: this.renderLocation(id, who, release) } : this.host.notFound();
  }

  private known(id: string): boolean {
    return id in FIXED || this.host.hasLocation(id);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Prices and slots

  private answer(req: SimRequest, who: Caller, release: PriceRelease, what: What): SimResponse {
    const context = what === "prices" ? "api.price" : "api.schedule";
    const live = who.live;
    const bad = (code: string, message: string) => this.host.rich(400, code, message, context, live);
    const input = readInput(req, release);
    if ("error" in input) return bad(input.error[0], input.error[1]);
    const p = input.params;
    const locationId = release === "busbar" ? p.location_id : safeDecode(req.params[0]);
    if (typeof locationId !== "string" || locationId === "") return bad("location_id_missing", "location_id is required");
    if (!this.known(locationId)) return this.host.notFound();
    const dirKey = release === "zero" ? "direction" : "tariff_direction";
    const direction = p[dirKey] ?? "IMPORT";
    if (direction !== "IMPORT" && direction !== "EXPORT") return bad(`${dirKey}_invalid`, `${dirKey} must be IMPORT or EXPORT`);
    const period = readPeriod(p, req.now, what !== "prices" && release !== "zero");
    if ("error" in period) return bad(period.error[0], period.error[1]);
    const limitDays = what === "prices" || release === "zero" ? 90 : 3;
    if (period.end - period.start > limitDays * DAY) {
      return bad("period_too_long", `The maximum period between start_time and end_time is ${limitDays} days`);
    }
    let rule: { segment: Segment; rule: SlotRule } | undefined;
    if (what !== "prices") {
      const r = readRule(p, what);
      if ("error" in r) return bad(r.error[0], r.error[1]);
      rule = r;
    }
    const fixed = FIXED[locationId];
    const tariff = typeof fixed === "object" ? fixed : fixed === undefined ? tariffOf(locationId) : undefined;
    const problem = typeof fixed === "string" ? fixed : direction === "EXPORT" && !tariff?.exportShare ? "no_tariff_connected" : undefined;
    if (problem || !tariff) {
      const code = problem ?? "no_tariff_connected";
      return this.host.rich(422, code, NO_PRICES[code], context, live);
    }
    const series = priceSeries(locationId, tariff, period.start, period.end, req.now, direction);
    const fmt = (ms: number) => formatAt(ms, period.offsetMin);
    const common = {
      live_mode: live,
      location_id: locationId,
      location_timezone: tariff.timezone,
      currency_code: tariff.currency,
      [dirKey]: direction,
    };
    const request = { [dirKey]: direction, start_time: fmt(period.start), end_time: fmt(period.end) };
    const next = fmt(nextUpdate(tariff, req.now));
    if (!rule) {
      const data = series.map((s) => ({ valid_from: fmt(s.start), valid_to: fmt(s.end), ...this.money(release, "price", s.price, s.confidence) }));
      if (release === "zero") {
        const withTariff = p.include_tariff === true || p.include_tariff === "true";
        const rows = withTariff ? data : data.map((d) => ({ valid_from: d.valid_from, valid_to: d.valid_to }));
        return this.ok(who, "rts", "tariff_rate", { ...common, last_updated: fmt(req.now), next_update: next, request: { include_tariff: withTariff, include_carbon: false, ...request }, data: rows });
      }
      const extra = release === "anode" ? { next_update: next, request } : {};
      return this.ok(who, "prs", "price", { ...common, last_updated: fmt(req.now), ...extra, data });
    }
    const slots = computeSlots(series, period.start, period.end, rule.segment, rule.rule);
    const data = slots.map((s) => ({ start_time: fmt(s.start), end_time: fmt(s.end), ...this.money(release, "slot", s.averagePrice, s.confidence) }));
    const ruleRequest = rule.rule.mode === "duration" ? { segment: rule.segment, duration: rule.rule.minutes } : { segment: rule.segment, [rule.rule.kind]: rule.rule.value };
    const names: Record<PriceRelease, Record<"duration" | "threshold", [string, string]>> = {
      zero: { duration: ["sta", "slot_time"], threshold: ["slt", "slot_threshold"] },
      anode: { duration: ["std", "schedule_duration"], threshold: ["spl", "schedule_limit"] },
      busbar: { duration: ["std", "schedule_duration"], threshold: ["spl", "schedule_limit"] },
    };
    const [prefix, object] = names[release][what === "duration" ? "duration" : "threshold"];
    const total = what === "threshold" ? { duration: totalMinutes(slots) } : {};
    const extra = release === "busbar" ? (what === "threshold" ? { next_update: next } : {}) : { next_update: next, request: { ...request, ...ruleRequest } };
    return this.ok(who, prefix, object, { ...common, ...total, ...extra, data });
  }

  /** The money block of one entry: zero `tariff{rate|rate_avg}`, anode `price{value|average}`, busbar `price{value}`. */
  private money(release: PriceRelease, kind: "price" | "slot", value: number, confidence: number): Record<string, unknown> {
    if (release === "zero") return { tariff: kind === "price" ? { rate: value, confidence } : { rate_avg: value, confidence } };
    if (release === "anode" && kind === "slot") return { price: { average: value, confidence } };
    return release === "busbar" && kind === "slot" ? { price: { value, confidence }, vpp_event: false } : { price: { value, confidence } };
  }

  private ok(who: Caller, prefix: string, object: string, fields: Record<string, unknown>): SimResponse {
    const id = `${prefix}_${Math.floor(Date.now() / 1000).toString(16)}${new Rng(++this.seq).hex(16)}`;
    return { status: 200, body: { id, object, ...fields, time_created: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"), account_id: who.accountId } };
  }
}

/** The request's parameters: zero's query, the others' JSON body. */
function readInput(req: SimRequest, release: PriceRelease): { params: Record<string, unknown> } | { error: [string, string] } {
  if (release === "zero") {
    const params: Record<string, unknown> = {};
    for (const k of ["start_time", "end_time", "direction", "segment", "duration", "relative", "absolute", "include_tariff", "include_carbon"]) {
      const v = qp(req.query, k);
      if (v !== undefined) params[k] = v;
    }
    return { params };
  }
  const parsed = parseJson(req.bodyText);
  if (!parsed.ok) return { error: ["body_invalid", "The request body is not valid JSON"] };
  if (!isPlainObject(parsed.value)) return { error: ["body_invalid", "The request body must be a JSON object"] };
  return { params: parsed.value };
}

/** start_time (default now, required on anode/busbar schedules) and end_time (required); answers use end_time's offset. */
function readPeriod(p: Record<string, unknown>, now: number, startRequired: boolean): { start: number; end: number; offsetMin: number } | { error: [string, string] } {
  const time = (k: string) => (typeof p[k] === "string" && RFC3339.test(p[k] as string) ? Date.parse(p[k] as string) : NaN);
  if (p.end_time === undefined) return { error: ["end_time_missing", "end_time is required"] };
  const end = time("end_time");
  if (Number.isNaN(end)) return { error: ["end_time_invalid", "end_time must be an RFC 3339 date-time"] };
  if (p.start_time === undefined && startRequired) return { error: ["start_time_missing", "start_time is required"] };
  const start = p.start_time === undefined ? now : time("start_time");
  if (Number.isNaN(start)) return { error: ["start_time_invalid", "start_time must be an RFC 3339 date-time"] };
  if (end <= start) return { error: ["end_time_invalid", "end_time must be after start_time"] };
  const m = /([+-])(\d{2}):(\d{2})$/.exec(p.end_time as string);
  return { start, end, offsetMin: m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0 };
}

function readRule(p: Record<string, unknown>, what: "duration" | "threshold"): { segment: Segment; rule: SlotRule } | { error: [string, string] } {
  if (p.segment !== "LOW" && p.segment !== "HIGH") return { error: ["segment_invalid", "segment is required: LOW or HIGH"] };
  const num = (k: string) => (p[k] === undefined ? undefined : Number(p[k]));
  if (what === "duration") {
    const d = num("duration");
    if (d === undefined || !Number.isInteger(d) || d < 1) return { error: ["duration_invalid", "duration is required: a whole number of minutes from 1"] };
    return { segment: p.segment, rule: { mode: "duration", minutes: d } };
  }
  const abs = num("absolute");
  const rel = num("relative");
  if (abs !== undefined) {
    if (!Number.isFinite(abs)) return { error: ["absolute_invalid", "absolute must be a number (major currency units)"] };
    return { segment: p.segment, rule: { mode: "threshold", kind: "absolute", value: abs } };
  }
  if (rel === undefined) return { error: ["threshold_missing", "Either relative or absolute must be provided"] };
  if (!(rel >= 0.01 && rel <= 1)) return { error: ["relative_invalid", "relative must be from 0.01 (the lowest tariff) to 1 (the highest)"] };
  return { segment: p.segment, rule: { mode: "threshold", kind: "relative", value: rel } };
}

/** RFC 3339 at a fixed offset in minutes ("Z" for 0): the answer's times in the request's own form. */
export function formatAt(ms: number, offsetMin: number): string {
  const local = new Date(ms + offsetMin * 60_000).toISOString().replace(/\.\d{3}Z$/, "");
  if (offsetMin === 0) return `${local}Z`;
  const a = Math.abs(offsetMin);
  return `${local}${offsetMin < 0 ? "-" : "+"}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
