/**
 * The Flatpeak half of the simulator: a seeded fleet of busbar devices and sites, GET /login (and the busbar
 * alias POST /auth/tokens), the device CRUD, the read-only sites, Stripe-style cursor pages, the
 * Flatpeak-Version rules and both error shapes ({message} and the rich envelope). See docs/simulator.md.
 */
import { Rng, isoSeconds, streamOf, STREAM } from "./rng";
import { isPlainObject, parseBasic, parseBearer, parseJson, qp, type RouteMatch, type SimRequest, type SimResponse } from "./common";
import type { TokenStore } from "./tokens";
import { FlatpeakPriceRoom } from "./flatpeak-prices";

// ---------------------------------------------------------------------------------------------------------------
// Shapes

export type FlatpeakDeviceType = "EV_CHARGER" | "ELECTRIC_VEHICLE" | "BATTERY_SYSTEM" | "PV_SYSTEM" | "OTHER";
export const FLATPEAK_DEVICE_TYPES: readonly FlatpeakDeviceType[] = ["EV_CHARGER", "ELECTRIC_VEHICLE", "BATTERY_SYSTEM", "PV_SYSTEM", "OTHER"];

export interface FlatpeakDeviceProperties {
  power_rating_import_kwh?: number;
  capacity_kwh?: number;
  power_rating_export_kwh?: number;
  pv_azimuth?: number;
  pv_tilt?: number;
  pv_terrain_shading?: boolean;
  pv_forecasts_enabled?: boolean;
  install_date?: string;
}

/** A fleet device: exactly the busbar shape GET /devices/{id} returns to the demo account. */
export interface FlatpeakDevice {
  id: string;
  object: "device";
  live_mode: boolean;
  reference_id: string;
  locations: string[];
  manufacturer?: string;
  model_code?: string;
  model_name?: string;
  time_created: string;
  account_id: string;
  properties: FlatpeakDeviceProperties;
  last_seen?: string;
  flex_enabled: boolean;
}

export interface FlatpeakDeviceSummary {
  id: string;
  manufacturer?: string;
  model_code?: string;
  model_name?: string;
  time_created: string;
  properties: Pick<FlatpeakDeviceProperties, "power_rating_import_kwh" | "capacity_kwh" | "power_rating_export_kwh">;
  last_seen?: string;
}

/** A fleet site: the busbar shape; `devices` is computed from the live fleet on every read. */
export interface FlatpeakSite {
  id: string;
  object: "site";
  live_mode: boolean;
  reference_id: string;
  status: "ACTIVE" | "INACTIVE";
  readonly devices: FlatpeakDeviceSummary[];
  time_created: string;
  account_id: string;
}

export interface FlatpeakAccount {
  accountId: string;
  apiKey: string;
}

/** Who is calling: the account and its mode (from the key's prefix). */
export interface FlatpeakPrincipal {
  accountId: string;
  live: boolean;
}

export const FLATPEAK_DEMO = { clientId: "acc_65f0c0ffee00000000000001", clientSecret: "sk_test_simulator_demo_key" } as const;

/** Known releases, oldest first. The account default is the newest (busbar). */
export const FLATPEAK_VERSIONS = ["2024-08-24.zero", "2025-09-14.anode", "2026-08-01.busbar"] as const;
export const FLATPEAK_DEFAULT_VERSION = "2026-08-01.busbar";

// ---------------------------------------------------------------------------------------------------------------
// The catalog: realistic devices per kind

interface CatalogEntry {
  manufacturer: string;
  model_code: string;
  model_name: string;
  /** import rating, capacity, export rating (kW / kWh); undefined: not a property of this kind */
  imp?: number;
  cap?: number;
  exp?: number;
}

type Kind = "battery" | "pv" | "charger" | "ev" | "heat";

const KIND_TYPE: Record<Kind, FlatpeakDeviceType> = {
  battery: "BATTERY_SYSTEM",
  pv: "PV_SYSTEM",
  charger: "EV_CHARGER",
  ev: "ELECTRIC_VEHICLE",
  heat: "OTHER",
};
const KIND_REF: Record<Kind, string> = { battery: "BAT", pv: "PV", charger: "EVC", ev: "EV", heat: "HP" };
const KINDS: readonly Kind[] = ["battery", "pv", "charger", "ev", "heat"];
const KIND_WEIGHTS = [30, 25, 20, 10, 15];

const CATALOG: Record<Kind, CatalogEntry[]> = {
  battery: [
    { manufacturer: "Tesla", model_code: "1707000-21-K", model_name: "Powerwall 3", imp: 5, cap: 13.5, exp: 11.5 },
    { manufacturer: "Tesla", model_code: "3012170-05-C", model_name: "Powerwall 2", imp: 5, cap: 13.5, exp: 5 },
    { manufacturer: "GivEnergy", model_code: "GIV-BAT-9.5", model_name: "Giv-Bat 9.5", imp: 3.6, cap: 9.5, exp: 3.6 },
    { manufacturer: "GivEnergy", model_code: "GIV-AIO-13.5", model_name: "All in One", imp: 6, cap: 13.5, exp: 6 },
    { manufacturer: "sonnen", model_code: "SB10-11", model_name: "sonnenBatterie 10", imp: 4.6, cap: 11, exp: 4.6 },
    { manufacturer: "LG Energy Solution", model_code: "RESU10H-PRIME", model_name: "RESU10H Prime", imp: 5, cap: 9.6, exp: 5 },
    { manufacturer: "BYD", model_code: "HVS-10.2", model_name: "Battery-Box Premium HVS 10.2", imp: 10.2, cap: 10.24, exp: 10.2 },
    { manufacturer: "Huawei", model_code: "LUNA2000-10-S0", model_name: "LUNA2000 10 kWh", imp: 5, cap: 10, exp: 5 },
    { manufacturer: "Fox ESS", model_code: "ECS4100-H4", model_name: "ECS4100", imp: 6, cap: 16.6, exp: 6 },
    { manufacturer: "Nova Systems", model_code: "PICOXN2", model_name: "Pico Ultimate", imp: 14.2, cap: 123, exp: 7 },
  ],
  pv: [
    { manufacturer: "SolarEdge", model_code: "SE5000H-RW000BEN4", model_name: "Home Wave Inverter 5 kW", exp: 5 },
    { manufacturer: "Enphase", model_code: "IQ8M-72-2-INT", model_name: "IQ8M Microinverter System", exp: 4.3 },
    { manufacturer: "Fronius", model_code: "PRIMO-GEN24-6.0-PLUS", model_name: "Primo GEN24 6.0 Plus", exp: 6 },
    { manufacturer: "SMA", model_code: "SB5.0-1AV-41", model_name: "Sunny Boy 5.0", exp: 5 },
    { manufacturer: "Huawei", model_code: "SUN2000-5KTL-L1", model_name: "SUN2000 5 kW Hybrid", exp: 5 },
    { manufacturer: "SolaX Power", model_code: "X1-HYBRID-5.0-D", model_name: "X1-Hybrid G4", exp: 5 },
    { manufacturer: "GivEnergy", model_code: "GIV-HY5.0", model_name: "Hybrid Inverter 5.0", exp: 5 },
  ],
  charger: [
    { manufacturer: "myenergi", model_code: "ZAPPI-2H07UW", model_name: "zappi v2.1", imp: 7.4 },
    { manufacturer: "Ohme", model_code: "OHME-HP-7", model_name: "Home Pro", imp: 7.4 },
    { manufacturer: "Wallbox", model_code: "PLP1-0-2-4-9-002", model_name: "Pulsar Plus", imp: 7.4 },
    { manufacturer: "Wallbox", model_code: "QSX2-EU-7", model_name: "Quasar 2", imp: 7.4, exp: 7.4 },
    { manufacturer: "Easee", model_code: "1HE1", model_name: "Easee One", imp: 22 },
    { manufacturer: "Pod Point", model_code: "S7-UC-05", model_name: "Solo 3", imp: 7 },
    { manufacturer: "Hypervolt", model_code: "HV-HOME3-PRO", model_name: "Home 3 Pro", imp: 7.4 },
    { manufacturer: "Tesla", model_code: "1734412-02-F", model_name: "Wall Connector Gen 3", imp: 11 },
  ],
  ev: [
    { manufacturer: "Tesla", model_code: "MODEL3-LR-2024", model_name: "Model 3 Long Range", imp: 11, cap: 75 },
    { manufacturer: "Nissan", model_code: "ZE1-62", model_name: "Leaf e+", imp: 6.6, cap: 59 },
    { manufacturer: "Volkswagen", model_code: "E11-77", model_name: "ID.3 Pro S", imp: 11, cap: 77 },
    { manufacturer: "Kia", model_code: "CV-77", model_name: "EV6 Long Range", imp: 10.9, cap: 77.4 },
    { manufacturer: "MG Motor", model_code: "MG4-64", model_name: "MG4 Long Range", imp: 11, cap: 64 },
    { manufacturer: "BMW", model_code: "I4-EDRIVE40", model_name: "i4 eDrive40", imp: 11, cap: 80.7 },
  ],
  heat: [
    { manufacturer: "Mitsubishi Electric", model_code: "PUZ-WM85VAA", model_name: "Ecodan 8.5 kW", imp: 2.8 },
    { manufacturer: "Daikin", model_code: "EDLA08E3V3", model_name: "Altherma 3 H HT 8 kW", imp: 2.6 },
    { manufacturer: "Vaillant", model_code: "VWL 75/6 A", model_name: "aroTHERM plus 7 kW", imp: 2.3 },
    { manufacturer: "Samsung", model_code: "AE080RXYDEG", model_name: "EHS Mono 8 kW", imp: 2.7 },
    { manufacturer: "Octopus Energy", model_code: "COSY-6", model_name: "Cosy 6", imp: 2 },
    { manufacturer: "Mixergy", model_code: "MX-210-SOLAR", model_name: "Mixergy Tank 210L", imp: 3 },
  ],
};

// Fixed, seed-independent time ranges for creation times (the fleet stays a pure function of seed and sizes).
const DEVICES_FROM = Date.UTC(2023, 0, 1);
const DEVICES_TO = Date.UTC(2026, 5, 1);
const SITES_FROM = Date.UTC(2025, 9, 1);
const SITES_TO = Date.UTC(2026, 5, 1);
const DAY = 86400000;
const MIN = 60000;

const SUMMARY_PROPS = ["power_rating_import_kwh", "capacity_kwh", "power_rating_export_kwh"] as const;
const NUMBER_PROPS = ["power_rating_import_kwh", "capacity_kwh", "power_rating_export_kwh", "pv_azimuth", "pv_tilt"] as const;
const BOOLEAN_PROPS = ["pv_terrain_shading", "pv_forecasts_enabled"] as const;
const ID_RE = /^loc_[A-Za-z0-9]+$/;
const RFC3339_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** An id in MongoDB ObjectId style, as Flatpeak's are: 8 hex of the creation time in seconds, 16 random hex. */
function objectId(prefix: string, timeMs: number, rng: Rng): string {
  const t = Math.floor(timeMs / 1000).toString(16).padStart(8, "0").slice(-8);
  return `${prefix}_${t}${rng.hex(16)}`;
}

export interface FlatpeakHooks {
  tokens: TokenStore;
  /** Seconds a new bearer token lives (expires_in). */
  lifetimeSec(): number;
  onLogin(): void;
}

export interface FlatpeakOptions {
  seed: number;
  devices: number;
  sites: number;
  /** The simulated "now" the relative times (last_seen) are computed from. */
  startTime: number;
}

interface DeviceMeta {
  type: FlatpeakDeviceType;
  seq: number;
}

type Handler = (req: SimRequest, p: FlatpeakPrincipal) => SimResponse;

// ---------------------------------------------------------------------------------------------------------------

export class FlatpeakSim {
  /** Newest first (the API's order). Live: creates, updates and deletes change it. */
  readonly devices: FlatpeakDevice[] = [];
  /** Newest first. */
  readonly sites: FlatpeakSite[] = [];
  private readonly accounts = new Map<string, string>();
  private readonly meta = new Map<string, DeviceMeta>();
  private readonly siteLocation = new Map<string, string>();
  private readonly runtimeRng: Rng;
  private seq = 0;
  private version = 0;
  private indexVersion = -1;
  private rank = new Map<string, number>();
  private byRef = new Map<string, FlatpeakDevice[]>();
  private byLocation = new Map<string, FlatpeakDevice[]>();
  private readonly siteRank = new Map<string, number>();
  /** Locations, prices and slots (flatpeak-prices.ts). */
  private readonly prices = new FlatpeakPriceRoom({
    locationIds: () => {
      this.reindex();
      return [...new Set([...this.byLocation.keys(), ...this.siteLocation.values()])];
    },
    hasLocation: (loc) => {
      this.reindex();
      return this.byLocation.has(loc) || [...this.siteLocation.values()].includes(loc);
    },
    devicesAt: (loc) => {
      this.reindex();
      return (this.byLocation.get(loc) ?? []).map((d) => d.id);
    },
    rich: (...a) => FlatpeakSim.rich(...a),
    notFound: () => FlatpeakSim.notFound(),
    page: (req, who, context, list, rankOf, noun) => this.page(req, who, context, list, rankOf, noun),
  });

  constructor(opts: FlatpeakOptions, private readonly hooks: FlatpeakHooks) {
    this.accounts.set(FLATPEAK_DEMO.clientId, FLATPEAK_DEMO.clientSecret);
    this.runtimeRng = streamOf(opts.seed, STREAM.runtime ^ 0xf1a7);
    this.generate(opts);
  }

  addAccount(accountId: string, apiKey: string): void {
    this.accounts.set(accountId, apiKey);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Generation

  private generate(opts: FlatpeakOptions): void {
    const rng = streamOf(opts.seed, STREAM.flatpeak);
    const n = opts.devices;
    const start = opts.startTime;
    const used = new Set<string>();
    const times: number[] = [];
    for (let i = 0; i < n; i++) times.push(DEVICES_FROM + Math.floor(rng.next() * (DEVICES_TO - DEVICES_FROM) / 1000) * 1000);
    times.sort((a, b) => b - a);
    const account = FLATPEAK_DEMO.clientId;
    // Oldest gets seq 1, so that (seq desc) is the list order.
    for (let i = 0; i < n; i++) {
      const created = times[i];
      const kind = rng.weighted(KINDS, KIND_WEIGHTS);
      const entry = rng.pick(CATALOG[kind]);
      let id = objectId("dev", created, rng);
      while (used.has(id)) id = objectId("dev", created, rng);
      used.add(id);
      const properties: FlatpeakDeviceProperties = {};
      if (kind === "battery") {
        properties.power_rating_import_kwh = entry.imp;
        properties.capacity_kwh = entry.cap;
        properties.power_rating_export_kwh = entry.exp;
      } else if (kind === "pv") {
        properties.power_rating_export_kwh = rng.chance(0.3) ? rng.float(2.5, 8, 1) : entry.exp;
        properties.pv_azimuth = rng.weighted([180, 90, 270, 135, 225, rng.int(0, 359)], [30, 12, 12, 18, 18, 10]);
        properties.pv_tilt = rng.int(10, 45);
        properties.pv_terrain_shading = rng.chance(0.2);
        properties.pv_forecasts_enabled = rng.chance(0.6);
      } else if (kind === "charger") {
        properties.power_rating_import_kwh = entry.imp;
        if (entry.exp !== undefined) properties.power_rating_export_kwh = entry.exp;
      } else if (kind === "ev") {
        properties.power_rating_import_kwh = entry.imp;
        properties.capacity_kwh = entry.cap;
      } else {
        properties.power_rating_import_kwh = entry.imp;
      }
      if (kind !== "ev" && rng.chance(0.85)) properties.install_date = isoSeconds(created - rng.int(0, 400) * DAY - rng.int(0, 86399) * 1000);
      const dev: FlatpeakDevice = {
        id,
        object: "device",
        live_mode: false,
        reference_id: `${KIND_REF[kind]}-${String(100001 + (n - 1 - i))}`,
        locations: [],
        manufacturer: entry.manufacturer,
        model_code: entry.model_code,
        model_name: entry.model_name,
        time_created: isoSeconds(created),
        account_id: account,
        properties,
        flex_enabled: rng.chance(0.85),
      };
      // last_seen: ~45 % within the last 15 minutes of the start (online), ~30 % minutes to 2 days old,
      // ~10 % days to 2 months old, ~15 % absent (never seen).
      const r = rng.next();
      let seen: number | undefined;
      if (r < 0.45) seen = start - rng.int(5, 14 * 60 + 30) * 1000;
      else if (r < 0.75) seen = start - rng.int(20 * 60, 48 * 3600) * 1000;
      else if (r < 0.85) seen = start - rng.int(2 * 86400, 60 * 86400) * 1000;
      if (seen !== undefined) dev.last_seen = isoSeconds(Math.max(seen, created));
      this.devices.push(dev);
      this.meta.set(id, { type: KIND_TYPE[kind], seq: n - i });
    }
    this.seq = n;

    // Sites: each owns one location and holds 1 to 6 devices; the other devices sit at locations with no site
    // (two devices per location on average, 5 % of them at a second location too).
    const siteTimes: number[] = [];
    for (let i = 0; i < opts.sites; i++) siteTimes.push(SITES_FROM + Math.floor(rng.next() * (SITES_TO - SITES_FROM) / 1000) * 1000);
    siteTimes.sort((a, b) => b - a);
    // Site devices are drawn at random (a partial Fisher-Yates shuffle of the device indices).
    const order = Array.from({ length: n }, (_, i) => i);
    let next = 0;
    for (let i = 0; i < opts.sites; i++) {
      const created = siteTimes[i];
      let id = objectId("ste", created, rng);
      while (used.has(id)) id = objectId("ste", created, rng);
      used.add(id);
      const loc = objectId("loc", created - rng.int(1, 30) * DAY, rng);
      this.siteLocation.set(id, loc);
      const count = rng.int(1, 6);
      for (let k = 0; k < count && next < n; k++, next++) {
        const j = next + Math.floor(rng.next() * (n - next));
        [order[next], order[j]] = [order[j], order[next]];
        this.devices[order[next]].locations.push(loc);
      }
      this.sites.push(this.makeSite({
        id,
        object: "site",
        live_mode: false,
        reference_id: `SITE-${String(1001 + (opts.sites - 1 - i))}`,
        status: rng.chance(0.8) ? "ACTIVE" : "INACTIVE",
        time_created: isoSeconds(created),
        account_id: account,
      }));
    }
    const rest = order.slice(next).sort((a, b) => a - b);
    let loc = "";
    rest.forEach((i, k) => {
      const d = this.devices[i];
      if (k % 2 === 0 || rng.chance(0.1)) loc = objectId("loc", Date.parse(d.time_created) - rng.int(0, 60) * MIN, rng);
      d.locations.push(loc);
      if (rng.chance(0.05)) d.locations.push(objectId("loc", DEVICES_FROM + rng.int(0, 1000) * DAY, rng));
    });
    this.sites.forEach((s, i) => this.siteRank.set(s.id, i));
  }

  private makeSite(fields: Omit<FlatpeakSite, "devices">): FlatpeakSite {
    const site = fields as FlatpeakSite;
    Object.defineProperty(site, "devices", { enumerable: true, get: () => this.siteDevices(site.id) });
    return site;
  }

  private siteDevices(siteId: string): FlatpeakDeviceSummary[] {
    this.reindex();
    const loc = this.siteLocation.get(siteId);
    const list = loc ? this.byLocation.get(loc) ?? [] : [];
    return list.map((d) => {
      const props: FlatpeakDeviceSummary["properties"] = {};
      for (const k of SUMMARY_PROPS) if (d.properties[k] !== undefined) props[k] = d.properties[k];
      const s: Record<string, unknown> = { id: d.id };
      if (d.manufacturer !== undefined) s.manufacturer = d.manufacturer;
      if (d.model_code !== undefined) s.model_code = d.model_code;
      if (d.model_name !== undefined) s.model_name = d.model_name;
      s.time_created = d.time_created;
      s.properties = props;
      if (d.last_seen !== undefined) s.last_seen = d.last_seen;
      return s as unknown as FlatpeakDeviceSummary;
    });
  }

  /** The internal `type` of a device (busbar does not return it). */
  typeOf(id: string): FlatpeakDeviceType | undefined {
    return this.meta.get(id)?.type;
  }

  /** The location a site stands for (not part of the API's site shape). */
  locationOf(siteId: string): string | undefined {
    return this.siteLocation.get(siteId);
  }

  private reindex(): void {
    if (this.indexVersion === this.version) return;
    this.rank = new Map();
    this.byRef = new Map();
    this.byLocation = new Map();
    this.devices.forEach((d, i) => {
      this.rank.set(d.id, i);
      const r = this.byRef.get(d.reference_id);
      if (r) r.push(d);
      else this.byRef.set(d.reference_id, [d]);
      for (const loc of d.locations) {
        const l = this.byLocation.get(loc);
        if (l) {
          if (l[l.length - 1] !== d) l.push(d);
        } else this.byLocation.set(loc, [d]);
      }
    });
    this.indexVersion = this.version;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Errors and the version header

  static notFound(): SimResponse {
    return { status: 404, body: { message: "Not Found" } };
  }

  static badCredentials(): SimResponse {
    return { status: 403, body: { message: "Bad credentials" } };
  }

  static internalError(): SimResponse {
    return { status: 500, body: { message: "Internal Server Error" } };
  }

  /** The rich error envelope of the current guides. */
  static rich(status: number, code: string, message: string, context: string, live: boolean): SimResponse {
    const type = status === 429 ? "rate_limit" : status >= 500 ? "api_error" : "invalid_request";
    return {
      status,
      body: { object: "error", live_mode: live, context, type, code, message, time_created: new Date().toISOString().slice(0, 23) },
    };
  }

  static rateLimited(live: boolean): SimResponse {
    return FlatpeakSim.rich(429, "rate_limit_exceeded", "Too many requests. Slow down and retry later.", "api", live);
  }

  /** The answer a fault with this status gets: the documented {message} bodies for 403/404/500, else the envelope. */
  static errorFor(status: number): SimResponse {
    if (status === 403) return FlatpeakSim.badCredentials();
    if (status === 404) return FlatpeakSim.notFound();
    if (status === 500) return FlatpeakSim.internalError();
    if (status === 429) return FlatpeakSim.rateLimited(false);
    if (status < 400) return status === 204 ? { status } : { status, body: {} };
    const code = status >= 500 ? "service_unavailable" : "request_failed";
    const message = status >= 500 ? `The service failed to answer (${status}). Retry later.` : `The request failed (${status}).`;
    return FlatpeakSim.rich(status, code, message, "api", false);
  }

  static methodNotAllowed(method: string, pattern: string, allow: string[]): SimResponse {
    const r = FlatpeakSim.rich(405, "method_not_allowed", `Method ${method} is not allowed on ${pattern}`, "api", false);
    r.headers = { Allow: allow.join(", ") };
    return r;
  }

  /**
   * Parses the Flatpeak-Version header: `{ inForce }` when it can be used, else the error answer. A date alone
   * ("2024-08-24", the SPEC-2024 info.version) names that release.
   */
  static version(req: SimRequest, live: boolean): { inForce: string } | { error: SimResponse } {
    const raw = req.headers["flatpeak-version"];
    const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
    if (!value) return { inForce: FLATPEAK_DEFAULT_VERSION };
    const m = /^(\d{4}-\d{2}-\d{2})(?:\.([a-z]+))?$/.exec(value);
    const idx = m ? FLATPEAK_VERSIONS.findIndex((v) => v.split(".")[0] === m[1] && (m[2] === undefined || v.split(".")[1] === m[2])) : -1;
    if (idx < 0) {
      return { error: FlatpeakSim.rich(400, "api_version_invalid", `Requested API version ${value} is not a valid API version`, "api", live) };
    }
    const def = FLATPEAK_VERSIONS.indexOf(FLATPEAK_DEFAULT_VERSION);
    if (idx < def) {
      return {
        error: FlatpeakSim.rich(422, "api_version_not_supported", `Requested API version ${m?.[1]} older than account default ${FLATPEAK_DEFAULT_VERSION}`, "api", live),
      };
    }
    return { inForce: FLATPEAK_VERSIONS[idx] };
  }

  /** The version every answer names in its flatpeak-version header: the requested one if usable, else the default. */
  static versionInForce(req: SimRequest): string {
    const v = FlatpeakSim.version(req, false);
    return "inForce" in v ? v.inForce : FLATPEAK_DEFAULT_VERSION;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Auth

  authenticate(req: SimRequest): { principal: FlatpeakPrincipal } | { error: SimResponse } {
    const check = this.hooks.tokens.check<FlatpeakPrincipal>("flatpeak", "access", parseBearer(req.headers.authorization), req.now);
    if (!check.ok) return { error: FlatpeakSim.badCredentials() };
    return { principal: check.record.principal };
  }

  /** GET /login (and POST /auth/tokens): Basic account_id:api_key → {bearer_token, expires_in, live_mode}. */
  private login(req: SimRequest): SimResponse {
    const basic = parseBasic(req.headers.authorization);
    if (!basic || this.accounts.get(basic.user) !== basic.pass) return FlatpeakSim.badCredentials();
    const live = basic.pass.startsWith("sk_live_");
    const v = FlatpeakSim.version(req, live);
    if ("error" in v) return v.error;
    const principal: FlatpeakPrincipal = { accountId: basic.user, live };
    const life = this.hooks.lifetimeSec();
    const token = this.hooks.tokens.issue("flatpeak", "access", principal, basic.user, life * 1000, req.now, 32);
    this.hooks.onLogin();
    return { status: 200, body: { bearer_token: token, expires_in: Math.ceil(life), live_mode: live } };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Routing

  match(path: string): RouteMatch<FlatpeakPrincipal> | null {
    const h = (handlers: Record<string, Handler>) => handlers;
    const withVersion = (fn: Handler): Handler => (req, p) => {
      const v = FlatpeakSim.version(req, p.live);
      return "error" in v ? v.error : fn(req, p);
    };
    if (path === "/login") return { pattern: "/login", authEndpoint: true, params: [], handlers: h({ GET: (req) => this.login(req) }) };
    if (path === "/auth/tokens") return { pattern: "/auth/tokens", authEndpoint: true, params: [], handlers: h({ POST: (req) => this.login(req) }) };
    if (path === "/devices") {
      return {
        pattern: "/devices",
        authEndpoint: false,
        params: [],
        handlers: h({ GET: withVersion((r, p) => this.listDevices(r, p)), POST: withVersion((r, p) => this.createDevice(r, p)) }),
      };
    }
    if (path === "/sites") return { pattern: "/sites", authEndpoint: false, params: [], handlers: h({ GET: withVersion((r, p) => this.listSites(r, p)) }) };
    const priced = this.prices.match(path);
    if (priced) {
      // The prices room answers each release in its own shape, so it reads Flatpeak-Version itself: only a malformed
      // one is refused here.
      const handlers: Record<string, Handler> = {};
      for (const [method, fn] of Object.entries(priced.handlers)) {
        handlers[method] = (req, p) => {
          const v = FlatpeakSim.version(req, p.live);
          return "error" in v && v.error.status === 400 ? v.error : fn(req, p);
        };
      }
      return { pattern: priced.pattern, authEndpoint: false, params: priced.params, handlers };
    }
    let m = /^\/devices\/([^/]+)$/.exec(path);
    if (m) {
      return {
        pattern: "/devices/{id}",
        authEndpoint: false,
        params: [safeDecode(m[1])],
        handlers: h({
          GET: withVersion((r, p) => this.getDevice(r, p)),
          PATCH: withVersion((r, p) => this.updateDevice(r, p)),
          DELETE: withVersion((r) => this.deleteDevice(r)),
        }),
      };
    }
    m = /^\/sites\/([^/]+)$/.exec(path);
    if (m) return { pattern: "/sites/{id}", authEndpoint: false, params: [safeDecode(m[1])], handlers: h({ GET: withVersion((r, p) => this.getSite(r, p)) }) };
    return null;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Rendering

  private renderDevice(d: FlatpeakDevice, p: FlatpeakPrincipal): Record<string, unknown> {
    const o: Record<string, unknown> = { id: d.id, object: "device", live_mode: p.live, reference_id: d.reference_id, locations: d.locations.slice() };
    if (d.manufacturer !== undefined) o.manufacturer = d.manufacturer;
    if (d.model_code !== undefined) o.model_code = d.model_code;
    if (d.model_name !== undefined) o.model_name = d.model_name;
    o.time_created = d.time_created;
    o.account_id = p.accountId;
    o.properties = { ...d.properties };
    if (d.last_seen !== undefined) o.last_seen = d.last_seen;
    o.flex_enabled = d.flex_enabled;
    return o;
  }

  private renderSite(s: FlatpeakSite, p: FlatpeakPrincipal): Record<string, unknown> {
    return {
      id: s.id,
      object: "site",
      live_mode: p.live,
      reference_id: s.reference_id,
      status: s.status,
      devices: this.siteDevices(s.id),
      time_created: s.time_created,
      account_id: p.accountId,
    };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Lists

  /**
   * One cursor page of `list` (in API order). `rankOf` gives an item's place in the unfiltered list, so that a
   * cursor works even when its object does not match the filter (Stripe's behaviour).
   */
  private page<T extends { id: string }>(
    req: SimRequest,
    p: FlatpeakPrincipal,
    context: string,
    list: T[],
    rankOf: (id: string) => number | undefined,
    noun: string,
  ): { data: T[]; has_more: boolean } | SimResponse {
    const limitRaw = qp(req.query, "limit");
    let limit = 30;
    if (limitRaw !== undefined) {
      if (!/^\d+$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > 100) {
        return FlatpeakSim.rich(400, "limit_invalid", "limit must be an integer between 1 and 100", context, p.live);
      }
      limit = Number(limitRaw);
    }
    const after = qp(req.query, "starting_after");
    const before = qp(req.query, "ending_before");
    if (after !== undefined && before !== undefined) {
      return FlatpeakSim.rich(400, "pagination_cursor_conflict", "Use either starting_after or ending_before, not both", context, p.live);
    }
    // First position in `list` whose rank is above `r` (list ranks are increasing).
    const firstAbove = (r: number, inclusive: boolean): number => {
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const mr = rankOf(list[mid].id) ?? -1;
        if (inclusive ? mr >= r : mr > r) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    };
    if (after !== undefined) {
      const r = rankOf(after);
      if (r === undefined) return FlatpeakSim.rich(400, "starting_after_invalid", `starting_after: no such ${noun}: ${after}`, context, p.live);
      const start = firstAbove(r, false);
      return { data: list.slice(start, start + limit), has_more: start + limit < list.length };
    }
    if (before !== undefined) {
      const r = rankOf(before);
      if (r === undefined) return FlatpeakSim.rich(400, "ending_before_invalid", `ending_before: no such ${noun}: ${before}`, context, p.live);
      const end = firstAbove(r, true);
      const begin = Math.max(0, end - limit);
      return { data: list.slice(begin, end), has_more: begin > 0 };
    }
    return { data: list.slice(0, limit), has_more: limit < list.length };
  }

  private listDevices(req: SimRequest, p: FlatpeakPrincipal): SimResponse {
    this.reindex();
    const ref = qp(req.query, "reference_id");
    const list = ref === undefined ? this.devices : this.byRef.get(ref) ?? [];
    const pg = this.page(req, p, "api.device_list", list, (id) => this.rank.get(id), "device");
    if ("status" in pg) return pg;
    return { status: 200, body: { object: "list", url: "/devices", has_more: pg.has_more, data: pg.data.map((d) => this.renderDevice(d, p)) } };
  }

  private listSites(req: SimRequest, p: FlatpeakPrincipal): SimResponse {
    const ref = qp(req.query, "reference_id");
    const list = ref === undefined ? this.sites : this.sites.filter((s) => s.reference_id === ref);
    const pg = this.page(req, p, "api.site_list", list, (id) => this.siteRank.get(id), "site");
    if ("status" in pg) return pg;
    return { status: 200, body: { object: "list", url: "/sites", has_more: pg.has_more, data: pg.data.map((s) => this.renderSite(s, p)) } };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Single objects

  private find(id: string): FlatpeakDevice | undefined {
    this.reindex();
    const i = this.rank.get(id);
    return i === undefined ? undefined : this.devices[i];
  }

  private getDevice(req: SimRequest, p: FlatpeakPrincipal): SimResponse {
    const d = this.find(req.params[0]);
    return d ? { status: 200, body: this.renderDevice(d, p) } : FlatpeakSim.notFound();
  }

  private getSite(req: SimRequest, p: FlatpeakPrincipal): SimResponse {
    const i = this.siteRank.get(req.params[0]);
    return i === undefined ? FlatpeakSim.notFound() : { status: 200, body: this.renderSite(this.sites[i], p) };
  }

  private deleteDevice(req: SimRequest): SimResponse {
    const d = this.find(req.params[0]);
    if (!d) return FlatpeakSim.notFound();
    this.devices.splice(this.rank.get(d.id) as number, 1);
    this.meta.delete(d.id);
    this.version++;
    return { status: 202, body: { message: "Accepted" } };
  }

  /** Checks a create (all required) or update (partial) body; returns the fields to set or the 400 answer. */
  private checkBody(req: SimRequest, p: FlatpeakPrincipal, partial: boolean): { fields: Record<string, unknown>; type?: FlatpeakDeviceType } | SimResponse {
    const context = partial ? "api.device_update" : "api.device_create";
    const bad = (code: string, message: string) => FlatpeakSim.rich(400, code, message, context, p.live);
    const parsed = parseJson(req.bodyText);
    if (!parsed.ok) return bad("body_invalid", "The request body is not valid JSON");
    const body = parsed.value === undefined && partial ? {} : parsed.value;
    if (!isPlainObject(body)) return bad("body_invalid", "The request body must be a JSON object");
    const fields: Record<string, unknown> = {};
    let type: FlatpeakDeviceType | undefined;
    if (body.reference_id !== undefined) {
      if (typeof body.reference_id !== "string" || body.reference_id.trim() === "" || body.reference_id.length > 255) {
        return bad("reference_id_invalid", "reference_id must be a non-empty string of at most 255 characters");
      }
      fields.reference_id = body.reference_id;
    } else if (!partial) return bad("reference_id_missing", "reference_id is required");
    if (body.type !== undefined) {
      if (typeof body.type !== "string" || !FLATPEAK_DEVICE_TYPES.includes(body.type as FlatpeakDeviceType)) {
        return bad("type_invalid", `type must be one of ${FLATPEAK_DEVICE_TYPES.join(", ")}`);
      }
      type = body.type as FlatpeakDeviceType;
    } else if (!partial) return bad("type_missing", "type is required");
    if (body.locations !== undefined) {
      const l = body.locations;
      if (!Array.isArray(l) || l.length === 0 || !l.every((x) => typeof x === "string" && ID_RE.test(x))) {
        return bad("locations_invalid", "locations must be a non-empty array of Flatpeak location ids (loc_…)");
      }
      fields.locations = [...new Set(l as string[])];
    } else if (!partial) return bad("locations_missing", "locations is required");
    for (const k of ["manufacturer", "model_code", "model_name"] as const) {
      if (body[k] === undefined) continue;
      if (typeof body[k] !== "string" || (body[k] as string).length > 255) return bad(`${k}_invalid`, `${k} must be a string of at most 255 characters`);
      fields[k] = body[k];
    }
    if (body.properties !== undefined) {
      const props = body.properties;
      if (!isPlainObject(props)) return bad("properties_invalid", "properties must be an object");
      const out: Record<string, unknown> = {};
      for (const k of NUMBER_PROPS) {
        const v = props[k];
        if (v === undefined) continue;
        const max = k === "pv_azimuth" ? 360 : k === "pv_tilt" ? 90 : Number.MAX_VALUE;
        if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > max) return bad(`${k}_invalid`, `properties.${k} must be a number from 0 to ${max === Number.MAX_VALUE ? "any" : max}`);
        out[k] = v;
      }
      for (const k of BOOLEAN_PROPS) {
        const v = props[k];
        if (v === undefined) continue;
        if (typeof v !== "boolean") return bad(`${k}_invalid`, `properties.${k} must be a boolean`);
        out[k] = v;
      }
      if (props.install_date !== undefined) {
        const v = props.install_date;
        if (typeof v !== "string" || !RFC3339_RE.test(v) || Number.isNaN(Date.parse(v))) return bad("install_date_invalid", "properties.install_date must be an RFC 3339 date-time");
        out.install_date = v;
      }
      fields.properties = out;
    }
    return { fields, type };
  }

  private createDevice(req: SimRequest, p: FlatpeakPrincipal): SimResponse {
    const c = this.checkBody(req, p, false);
    if ("status" in c) return c;
    this.reindex();
    let id = objectId("dev", req.now, this.runtimeRng);
    while (this.rank.has(id)) id = objectId("dev", req.now, this.runtimeRng);
    const f = c.fields;
    const d: FlatpeakDevice = {
      id,
      object: "device",
      live_mode: false,
      reference_id: f.reference_id as string,
      locations: f.locations as string[],
      time_created: isoSeconds(req.now),
      account_id: FLATPEAK_DEMO.clientId,
      properties: (f.properties as FlatpeakDeviceProperties | undefined) ?? {},
      flex_enabled: true,
    };
    for (const k of ["manufacturer", "model_code", "model_name"] as const) if (f[k] !== undefined) d[k] = f[k] as string;
    this.devices.unshift(d);
    this.meta.set(id, { type: c.type as FlatpeakDeviceType, seq: ++this.seq });
    this.version++;
    return { status: 201, body: this.renderDevice(d, p) };
  }

  private updateDevice(req: SimRequest, p: FlatpeakPrincipal): SimResponse {
    const d = this.find(req.params[0]);
    if (!d) return FlatpeakSim.notFound();
    const c = this.checkBody(req, p, true);
    if ("status" in c) return c;
    const f = c.fields;
    if (f.reference_id !== undefined) d.reference_id = f.reference_id as string;
    if (f.locations !== undefined) d.locations = f.locations as string[];
    for (const k of ["manufacturer", "model_code", "model_name"] as const) if (f[k] !== undefined) d[k] = f[k] as string;
    if (f.properties !== undefined) d.properties = { ...d.properties, ...(f.properties as FlatpeakDeviceProperties) };
    const m = this.meta.get(d.id);
    if (m && c.type) m.type = c.type;
    this.version++;
    return { status: 200, body: this.renderDevice(d, p) };
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
