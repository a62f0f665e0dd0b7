/**
 * The seeded Flatpeak fleet: devices and sites as records in the busbar shape (the richest one every release can
 * be rendered from), their indexes, and the locations they stand at. The rooms render them per release.
 */
import { Rng, isoSeconds, streamOf, STREAM } from "../rng";
import { CATALOG, KINDS, KIND_REF, KIND_TYPE, KIND_WEIGHTS, type CatalogEntry, type Kind } from "./catalog";

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
  manufacturer: string;
  model_code: string;
  model_name: string;
  time_created: string;
  account_id: string;
  properties: FlatpeakDeviceProperties;
  last_seen?: string;
  flex_enabled: boolean;
}

export interface FlatpeakDeviceSummary {
  id: string;
  manufacturer: string;
  model_code: string;
  model_name: string;
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

export interface FlatpeakFleetOptions {
  seed: number;
  devices: number;
  sites: number;
  /** The simulated "now" the relative times (last_seen) are computed from. */
  startTime: number;
  /** The account the seeded objects name (each caller sees them as its own). */
  accountId: string;
}

interface DeviceMeta {
  type: FlatpeakDeviceType;
  /** Yotta's `controlled`: can only go from true to false. */
  controlled: boolean;
}

// Fixed, seed-independent time ranges for creation times (the fleet stays a pure function of seed and sizes).
const DEVICES_FROM = Date.UTC(2023, 0, 1);
const DEVICES_TO = Date.UTC(2026, 5, 1);
const SITES_FROM = Date.UTC(2025, 9, 1);
const SITES_TO = Date.UTC(2026, 5, 1);
const DAY = 86400000;
const MIN = 60000;
const SUMMARY_PROPS = ["power_rating_import_kwh", "capacity_kwh", "power_rating_export_kwh"] as const;

/** An id in MongoDB ObjectId style, as Flatpeak's are: 8 hex of the creation time in seconds, 16 random hex. */
export function objectId(prefix: string, timeMs: number, rng: Rng): string {
  const t = Math.floor(timeMs / 1000).toString(16).padStart(8, "0").slice(-8);
  return `${prefix}_${t}${rng.hex(16)}`;
}

/** A kind's busbar properties, from its catalog entry and the seed. */
function kindProperties(kind: Kind, entry: CatalogEntry, rng: Rng, created: number): FlatpeakDeviceProperties {
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
  return properties;
}

export class FlatpeakFleet {
  /** Newest first (the API's order). Live: creates, updates and deletes change it. */
  readonly devices: FlatpeakDevice[] = [];
  /** Newest first. */
  readonly sites: FlatpeakSite[] = [];
  readonly runtimeRng: Rng;
  private readonly meta = new Map<string, DeviceMeta>();
  private readonly siteLocation = new Map<string, string>();
  private readonly siteRank = new Map<string, number>();
  private version = 0;
  private indexVersion = -1;
  private rank = new Map<string, number>();
  private byRef = new Map<string, FlatpeakDevice[]>();
  private byLocation = new Map<string, FlatpeakDevice[]>();

  constructor(readonly opts: FlatpeakFleetOptions) {
    this.runtimeRng = streamOf(opts.seed, STREAM.runtime ^ 0xf1a7);
    const rng = streamOf(opts.seed, STREAM.flatpeak);
    const used = new Set<string>();
    this.generateDevices(rng, used);
    this.generateSites(rng, used);
  }

  private generateDevices(rng: Rng, used: Set<string>): void {
    const { devices: n, startTime: start, accountId } = this.opts;
    const times: number[] = [];
    for (let i = 0; i < n; i++) times.push(DEVICES_FROM + Math.floor(rng.next() * (DEVICES_TO - DEVICES_FROM) / 1000) * 1000);
    times.sort((a, b) => b - a);
    for (let i = 0; i < n; i++) {
      const created = times[i];
      // The draws in this order (kind, model, id, properties) keep each seed's fleet as it always was.
      const kind = rng.weighted(KINDS, KIND_WEIGHTS);
      const entry = rng.pick(CATALOG[kind]);
      let id = objectId("dev", created, rng);
      while (used.has(id)) id = objectId("dev", created, rng);
      used.add(id);
      const properties = kindProperties(kind, entry, rng, created);
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
        account_id: accountId,
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
      this.meta.set(id, { type: KIND_TYPE[kind], controlled: true });
    }
  }

  /**
   * Sites: each owns one location and holds 1 to 6 devices; the other devices sit at locations with no site
   * (two devices per location on average, 5 % of them at a second location too).
   */
  private generateSites(rng: Rng, used: Set<string>): void {
    const n = this.devices.length;
    const count = this.opts.sites;
    const siteTimes: number[] = [];
    for (let i = 0; i < count; i++) siteTimes.push(SITES_FROM + Math.floor(rng.next() * (SITES_TO - SITES_FROM) / 1000) * 1000);
    siteTimes.sort((a, b) => b - a);
    // Site devices are drawn at random (a partial Fisher-Yates shuffle of the device indices).
    const order = Array.from({ length: n }, (_, i) => i);
    let next = 0;
    for (let i = 0; i < count; i++) {
      const created = siteTimes[i];
      let id = objectId("ste", created, rng);
      while (used.has(id)) id = objectId("ste", created, rng);
      used.add(id);
      const loc = objectId("loc", created - rng.int(1, 30) * DAY, rng);
      this.siteLocation.set(id, loc);
      const members = rng.int(1, 6);
      for (let k = 0; k < members && next < n; k++, next++) {
        const j = next + Math.floor(rng.next() * (n - next));
        [order[next], order[j]] = [order[j], order[next]];
        this.devices[order[next]].locations.push(loc);
      }
      this.sites.push(this.makeSite({
        id,
        object: "site",
        live_mode: false,
        reference_id: `SITE-${String(1001 + (count - 1 - i))}`,
        status: rng.chance(0.8) ? "ACTIVE" : "INACTIVE",
        time_created: isoSeconds(created),
        account_id: this.opts.accountId,
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

  /** The busbar summaries of the devices at a site's location, newest first. */
  siteDevices(siteId: string): FlatpeakDeviceSummary[] {
    const loc = this.siteLocation.get(siteId);
    return (loc ? this.devicesAt(loc) : []).map((d) => {
      const props: FlatpeakDeviceSummary["properties"] = {};
      for (const k of SUMMARY_PROPS) if (d.properties[k] !== undefined) props[k] = d.properties[k];
      const s: FlatpeakDeviceSummary = { id: d.id, manufacturer: d.manufacturer, model_code: d.model_code, model_name: d.model_name, time_created: d.time_created, properties: props };
      if (d.last_seen !== undefined) s.last_seen = d.last_seen;
      return s;
    });
  }

  // ---- lookups -------------------------------------------------------------------------------------------------

  find(id: string): FlatpeakDevice | undefined {
    this.reindex();
    const i = this.rank.get(id);
    return i === undefined ? undefined : this.devices[i];
  }

  /** A device's place in the list (for cursors), also for devices a filter leaves out. */
  rankOf(id: string): number | undefined {
    this.reindex();
    return this.rank.get(id);
  }

  withReference(ref: string): FlatpeakDevice[] {
    this.reindex();
    return this.byRef.get(ref) ?? [];
  }

  devicesAt(locationId: string): FlatpeakDevice[] {
    this.reindex();
    return this.byLocation.get(locationId) ?? [];
  }

  /** Every location a device or site stands at. */
  locationIds(): string[] {
    this.reindex();
    const ids = new Set(this.byLocation.keys());
    for (const loc of this.siteLocation.values()) ids.add(loc);
    return [...ids];
  }

  siteAt(i: number): FlatpeakSite | undefined {
    return this.sites[i];
  }

  siteRankOf(id: string): number | undefined {
    return this.siteRank.get(id);
  }

  /** The internal `type` of a device (busbar does not return it). */
  typeOf(id: string): FlatpeakDeviceType | undefined {
    return this.meta.get(id)?.type;
  }

  controlled(id: string): boolean {
    return this.meta.get(id)?.controlled ?? true;
  }

  /** The location a site stands for (not part of the API's site shape). */
  locationOf(siteId: string): string | undefined {
    return this.siteLocation.get(siteId);
  }

  // ---- changes -------------------------------------------------------------------------------------------------

  add(d: FlatpeakDevice, type: FlatpeakDeviceType): void {
    this.devices.unshift(d);
    this.meta.set(d.id, { type, controlled: true });
    this.version++;
  }

  /** After a device's fields changed in place. */
  changed(id: string, change: { type?: FlatpeakDeviceType; controlled?: boolean } = {}): void {
    const m = this.meta.get(id);
    if (m && change.type) m.type = change.type;
    if (m && change.controlled === false) m.controlled = false;
    this.version++;
  }

  remove(id: string): boolean {
    const i = this.rankOf(id);
    if (i === undefined) return false;
    this.devices.splice(i, 1);
    this.meta.delete(id);
    this.version++;
    return true;
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
}
