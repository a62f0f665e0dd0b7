/**
 * The devices room (flatpeak.md §3.1; seeds 000, 001, 002): the device CRUD, each answer and body in the release
 * the request is on. Zero and anode: the minimal device identifier, bodies of `reference_id` only. Busbar: the
 * seed 002 shape. Yotta: the seed 001 shape, its subsystems drawn from the busbar record.
 */
import { isoSeconds } from "../rng";
import { qp, type RouteMatch, type SimRequest, type SimResponse } from "../common";
import { notFound } from "./answers";
import { checkDeviceBody, type DeviceFields } from "./device-bodies";
import { objectId, type FlatpeakDevice, type FlatpeakDeviceType, type FlatpeakFleet } from "./fleet";
import { tariffOf } from "./tariffs";
import { cursorPage, listAnswer } from "./paging";
import { atLeast, type FlatpeakRelease } from "./release";
import { pathParam, versionedRoute, type FlatpeakPrincipal, type FlatpeakRoom } from "./room";

/**
 * What a device created without them carries in busbar's required manufacturer, model_code and model_name
 * (a guess: the docs make them optional in the create body but required in the answer).
 */
export const UNKNOWN_MODEL = { manufacturer: "Unknown", model_code: "UNKNOWN", model_name: "Unknown" } as const;

export class DevicesRoom implements FlatpeakRoom {
  constructor(private readonly fleet: FlatpeakFleet) {}

  match(path: string): RouteMatch<FlatpeakPrincipal> | null {
    if (path === "/devices") {
      return versionedRoute("/devices", [], { GET: (r, p, v) => this.list(r, p, v), POST: (r, p, v) => this.create(r, p, v) });
    }
    const m = /^\/devices\/([^/]+)$/.exec(path);
    if (!m) return null;
    return versionedRoute("/devices/{id}", [pathParam(m[1])], {
      GET: (r, p, v) => this.get(r, p, v),
      PATCH: (r, p, v) => this.update(r, p, v),
      DELETE: (r) => this.remove(r),
    });
  }

  // ---- rendering -------------------------------------------------------------------------------------------------

  render(d: FlatpeakDevice, p: FlatpeakPrincipal, release: FlatpeakRelease): Record<string, unknown> {
    if (atLeast(release, "yotta")) return this.renderYotta(d, p);
    if (!atLeast(release, "busbar")) {
      const o: Record<string, unknown> = { id: d.id, object: "device", live_mode: p.live, reference_id: d.reference_id };
      if (d.last_seen !== undefined) o.last_seen = d.last_seen;
      o.time_created = d.time_created;
      o.account_id = p.accountId;
      return o;
    }
    const o: Record<string, unknown> = { id: d.id, object: "device", live_mode: p.live, reference_id: d.reference_id, locations: d.locations.slice() };
    o.manufacturer = d.manufacturer;
    o.model_code = d.model_code;
    o.model_name = d.model_name;
    o.time_created = d.time_created;
    o.account_id = p.accountId;
    o.properties = { ...d.properties };
    if (d.last_seen !== undefined) o.last_seen = d.last_seen;
    o.flex_enabled = d.flex_enabled;
    return o;
  }

  /** Seed 001's order and fields; a device not under a flexibility operator's control has no vpp_participation. */
  private renderYotta(d: FlatpeakDevice, p: FlatpeakPrincipal): Record<string, unknown> {
    const controlled = this.fleet.controlled(d.id);
    const o: Record<string, unknown> = { id: d.id, object: "device", live_mode: p.live, controlled };
    o.properties = yottaProperties(d, this.fleet.typeOf(d.id) ?? "OTHER");
    o.consents = {
      time_updated: d.time_created,
      time_created: d.time_created,
      information: true,
      telemetry: d.last_seen !== undefined,
      control: controlled,
      geo_location: false,
    };
    // The zone of its first location's tariff; no geo_location, since the simulated locations have no coordinates.
    if (d.locations.length > 0) o.timezone = tariffOf(d.locations[0]).timezone;
    if (!d.flex_enabled) {
      o.vpp_participation = {
        id: `vpa_${d.id.slice(4)}`,
        provider_name: "Superpower",
        programme_name: "Home Powerflex",
        current_state: "ACTIVE",
        telemetry_active: true,
        control_active: controlled,
      };
    }
    o.time_created = d.time_created;
    o.reference_id = d.reference_id;
    if (d.last_seen !== undefined) o.last_seen = d.last_seen;
    return o;
  }

  // ---- routes ----------------------------------------------------------------------------------------------------

  private list(req: SimRequest, p: FlatpeakPrincipal, release: FlatpeakRelease): SimResponse {
    const ref = qp(req.query, "reference_id");
    const list = ref === undefined ? this.fleet.devices : this.fleet.withReference(ref);
    const pg = cursorPage(req, p.live, "api.device_list", list, (id) => this.fleet.rankOf(id), "device");
    if ("status" in pg) return pg;
    return listAnswer("/devices", pg, (d) => this.render(d, p, release));
  }

  private get(req: SimRequest, p: FlatpeakPrincipal, release: FlatpeakRelease): SimResponse {
    const d = this.fleet.find(req.params[0]);
    return d ? { status: 200, body: this.render(d, p, release) } : notFound();
  }

  private remove(req: SimRequest): SimResponse {
    return this.fleet.remove(req.params[0]) ? { status: 202, body: { message: "Accepted" } } : notFound();
  }

  private create(req: SimRequest, p: FlatpeakPrincipal, release: FlatpeakRelease): SimResponse {
    const c = checkDeviceBody(req, p.live, release, false);
    if ("status" in c) return c;
    let id = objectId("dev", req.now, this.fleet.runtimeRng);
    while (this.fleet.rankOf(id) !== undefined) id = objectId("dev", req.now, this.fleet.runtimeRng);
    const f = c.fields;
    const d: FlatpeakDevice = {
      id,
      object: "device",
      live_mode: false,
      reference_id: f.reference_id as string,
      locations: f.locations ?? [],
      ...UNKNOWN_MODEL,
      time_created: isoSeconds(req.now),
      account_id: p.accountId,
      properties: f.properties ?? {},
      flex_enabled: true,
    };
    for (const k of ["manufacturer", "model_code", "model_name"] as const) if (f[k] !== undefined) d[k] = f[k];
    this.fleet.add(d, c.type ?? "OTHER");
    return { status: 201, body: this.render(d, p, release) };
  }

  private update(req: SimRequest, p: FlatpeakPrincipal, release: FlatpeakRelease): SimResponse {
    const d = this.fleet.find(req.params[0]);
    if (!d) return notFound();
    const c = checkDeviceBody(req, p.live, release, true);
    if ("status" in c) return c;
    applyFields(d, c.fields);
    this.fleet.changed(d.id, { type: c.type, controlled: c.fields.controlled });
    return { status: 200, body: this.render(d, p, release) };
  }
}

function applyFields(d: FlatpeakDevice, f: DeviceFields): void {
  if (f.reference_id !== undefined) d.reference_id = f.reference_id;
  if (f.locations !== undefined) d.locations = f.locations;
  for (const k of ["manufacturer", "model_code", "model_name"] as const) if (f[k] !== undefined) d[k] = f[k];
  if (f.properties !== undefined) d.properties = { ...d.properties, ...f.properties };
}

/** Yotta's `properties` (seed 001): the model, then only the subsystems the device has. */
function yottaProperties(d: FlatpeakDevice, type: FlatpeakDeviceType): Record<string, unknown> {
  const p = d.properties;
  const out: Record<string, unknown> = { manufacturer: d.manufacturer, model_code: d.model_code, model_name: d.model_name };
  const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  if (type === "BATTERY_SYSTEM" || type === "ELECTRIC_VEHICLE") {
    const power = Math.max(p.power_rating_import_kwh ?? 0, p.power_rating_export_kwh ?? 0) || undefined;
    out.battery = defined({ capacity_kwh: p.capacity_kwh, power_kw: power, charge_power_kw: p.power_rating_import_kwh, discharge_power_kw: p.power_rating_export_kwh });
  } else if (type === "PV_SYSTEM") {
    out.pv = defined({ peak_power_kw: p.power_rating_export_kwh, azimuth: p.pv_azimuth, tilt: p.pv_tilt, terrain_shading: p.pv_terrain_shading, forecasts_enabled: p.pv_forecasts_enabled });
    if (p.power_rating_export_kwh !== undefined) out.inverter = { ac_export_limit_kw: p.power_rating_export_kwh };
  } else if (type === "EV_CHARGER") {
    const max = p.power_rating_import_kwh;
    out.ev_charger = defined({ max_power_kw: max, min_power_kw: 1.4, phases: max !== undefined && max > 7.4 ? 3 : 1, phase_switching: false, v2g_capable: p.power_rating_export_kwh !== undefined });
  } else if (p.power_rating_import_kwh !== undefined) {
    out.heat_pump = { max_power_kw: p.power_rating_import_kwh, min_power_kw: Math.round(p.power_rating_import_kwh * 2) / 10 };
  }
  if (p.install_date !== undefined) out.install_date = p.install_date;
  return out;
}
