/**
 * Create and update bodies of a device, per release (flatpeak.md §3.1): zero and anode take `reference_id` only
 * (SPEC-2024 DeviceCreate/DeviceUpdate); busbar adds `type`, `locations` (both required on create), the model and
 * `properties`; yotta (no create page found) takes `reference_id`, the model under `properties` and, on update,
 * `controlled` (true to false only). A field the release does not know is 400 `parameter_unknown`.
 */
import { isPlainObject, parseJson, type SimRequest, type SimResponse } from "../common";
import { rich } from "./answers";
import { FLATPEAK_DEVICE_TYPES, type FlatpeakDeviceProperties, type FlatpeakDeviceType } from "./fleet";
import { atLeast, type FlatpeakRelease } from "./release";

export interface DeviceFields {
  reference_id?: string;
  locations?: string[];
  manufacturer?: string;
  model_code?: string;
  model_name?: string;
  properties?: FlatpeakDeviceProperties;
  controlled?: boolean;
}

const MODEL_KEYS = ["manufacturer", "model_code", "model_name"] as const;
const NUMBER_PROPS = ["power_rating_import_kwh", "capacity_kwh", "power_rating_export_kwh", "pv_azimuth", "pv_tilt"] as const;
const BOOLEAN_PROPS = ["pv_terrain_shading", "pv_forecasts_enabled"] as const;
const LOCATION_ID = /^loc_[A-Za-z0-9]+$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

type Bad = (code: string, message: string) => SimResponse;
type Checked = { fields: DeviceFields; type?: FlatpeakDeviceType } | SimResponse;

function allowedKeys(release: FlatpeakRelease, partial: boolean): readonly string[] {
  if (atLeast(release, "yotta")) return partial ? ["reference_id", "properties", "controlled"] : ["reference_id", "properties"];
  if (atLeast(release, "busbar")) return ["reference_id", "type", "locations", ...MODEL_KEYS, "properties"];
  return ["reference_id"];
}

/** Checks a create (required fields present) or update (partial) body; the fields to set, or the 400 answer. */
export function checkDeviceBody(req: SimRequest, live: boolean, release: FlatpeakRelease, partial: boolean): Checked {
  const bad: Bad = (code, message) => rich(400, code, message, partial ? "api.device_update" : "api.device_create", live);
  const parsed = parseJson(req.bodyText);
  if (!parsed.ok) return bad("body_invalid", "The request body is not valid JSON");
  const body = parsed.value === undefined && partial ? {} : parsed.value;
  if (!isPlainObject(body)) return bad("body_invalid", "The request body must be a JSON object");
  const allowed = allowedKeys(release, partial);
  const unknown = Object.keys(body).find((k) => !allowed.includes(k));
  if (unknown !== undefined) return bad("parameter_unknown", `Received unknown parameter: ${unknown.slice(0, 60)}`);
  const fields: DeviceFields = {};
  if (body.reference_id !== undefined) {
    if (typeof body.reference_id !== "string" || body.reference_id.trim() === "" || body.reference_id.length > 255) {
      return bad("reference_id_invalid", "reference_id must be a non-empty string of at most 255 characters");
    }
    fields.reference_id = body.reference_id;
  } else if (!partial) return bad("reference_id_missing", "reference_id is required");
  if (atLeast(release, "yotta")) return checkYotta(body, fields, bad);
  if (atLeast(release, "busbar")) return checkBusbar(body, fields, partial, bad);
  return { fields };
}

function checkModel(source: Record<string, unknown>, fields: DeviceFields, bad: Bad, prefix: string): SimResponse | undefined {
  for (const k of MODEL_KEYS) {
    const v = source[k];
    if (v === undefined) continue;
    if (typeof v !== "string" || v.length > 255) return bad(`${k}_invalid`, `${prefix}${k} must be a string of at most 255 characters`);
    fields[k] = v;
  }
  return undefined;
}

function checkYotta(body: Record<string, unknown>, fields: DeviceFields, bad: Bad): Checked {
  if (body.controlled !== undefined) {
    if (body.controlled !== false) return bad("controlled_invalid", "controlled can only be changed from true to false; the customer restores control through Connect");
    fields.controlled = false;
  }
  if (body.properties !== undefined) {
    const props = body.properties;
    if (!isPlainObject(props)) return bad("properties_invalid", "properties must be an object");
    const unknown = Object.keys(props).find((k) => !(MODEL_KEYS as readonly string[]).includes(k));
    if (unknown !== undefined) return bad("parameter_unknown", `Received unknown parameter: properties.${unknown.slice(0, 60)}`);
    const wrong = checkModel(props, fields, bad, "properties.");
    if (wrong) return wrong;
  }
  return { fields };
}

function checkBusbar(body: Record<string, unknown>, fields: DeviceFields, partial: boolean, bad: Bad): Checked {
  let type: FlatpeakDeviceType | undefined;
  if (body.type !== undefined) {
    if (typeof body.type !== "string" || !FLATPEAK_DEVICE_TYPES.includes(body.type as FlatpeakDeviceType)) {
      return bad("type_invalid", `type must be one of ${FLATPEAK_DEVICE_TYPES.join(", ")}`);
    }
    type = body.type as FlatpeakDeviceType;
  } else if (!partial) return bad("type_missing", "type is required");
  if (body.locations !== undefined) {
    const l = body.locations;
    if (!Array.isArray(l) || l.length === 0 || !l.every((x) => typeof x === "string" && LOCATION_ID.test(x))) {
      return bad("locations_invalid", "locations must be a non-empty array of Flatpeak location ids (loc_…)");
    }
    fields.locations = [...new Set(l as string[])];
  } else if (!partial) return bad("locations_missing", "locations is required");
  const wrong = checkModel(body, fields, bad, "");
  if (wrong) return wrong;
  if (body.properties !== undefined) {
    const props = checkProperties(body.properties, bad);
    if ("status" in props) return props;
    fields.properties = props;
  }
  return { fields, type };
}

function checkProperties(props: unknown, bad: Bad): FlatpeakDeviceProperties | SimResponse {
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
    if (typeof v !== "string" || !RFC3339.test(v) || Number.isNaN(Date.parse(v))) return bad("install_date_invalid", "properties.install_date must be an RFC 3339 date-time");
    out.install_date = v;
  }
  return out as FlatpeakDeviceProperties;
}
