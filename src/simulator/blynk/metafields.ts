/** Metafields: read a device's metafields and update one, each value checked against its type. */
import { isPlainObject, jsonInt, type SimRequest, type SimResponse } from "../common";
import type { MetaFieldDef } from "./templates";
import type { BlynkFleet } from "./fleet";
import { EMAIL_RE, answers, bodyDevice, err, nameError, withDevice, type BlynkRoom } from "./http";
import { PREFIX, type BlynkUser } from "./model";

const INVALID = Symbol("invalid");
type Kind = "string" | "number";

function getMetafields(req: SimRequest, f: BlynkFleet): SimResponse {
  return withDevice(f, req, (d) => ({
    status: 200,
    body: f.templateOf(d).metaFields.map((m, i) => ({ id: m.id, name: m.name, isRequired: m.isRequired, includeInProvisioning: m.includeInProvisioning, value: f.metaValue(d, m, i) })),
  }));
}

function updateMetafield(req: SimRequest, f: BlynkFleet): SimResponse {
  const got = bodyDevice(req);
  if ("status" in got) return got;
  const metaId = jsonInt(got.body.metaFieldId);
  if (metaId === undefined) return answers.invalidBody();
  const d = f.byId.get(got.id);
  if (!d) return answers.notFoundDevice(got.id);
  const fields = f.templateOf(d).metaFields;
  const i = fields.findIndex((m) => m.id === metaId);
  if (i < 0) return err(404, "Meta field is not found.");
  const m = fields[i];
  const value = coerceMeta(f, m, got.body.newValue);
  if (value === INVALID) return err(400, "The provided value for metafield is invalid.");
  if (m.type === "DeviceName") {
    d.name = value as string;
    f.change();
  } else if (m.type === "DeviceOwner") {
    d.ownerUserId = (value as BlynkUser).id;
    f.change();
  } else {
    d.metaValues[i] = value;
  }
  return { status: 204 };
}

/** An object value of the allowed keys (missing ones empty), each of its kind and within its range; or INVALID. */
function structured(m: MetaFieldDef, v: unknown, allowed: Record<string, Kind>, ranges: Record<string, [number, number]> = {}): unknown {
  if (!isPlainObject(v)) return INVALID;
  if (v.type !== undefined && v.type !== m.type) return INVALID;
  const out: Record<string, unknown> = {};
  for (const [k, kind] of Object.entries(allowed)) out[k] = kind === "string" ? "" : 0;
  for (const [k, x] of Object.entries(v)) {
    if (k === "type") continue;
    const kind = allowed[k];
    if (!kind || typeof x !== kind) return INVALID;
    if (kind === "number") {
      const r = ranges[k];
      if (!Number.isFinite(x as number) || (r && ((x as number) < r[0] || (x as number) > r[1]))) return INVALID;
    } else if ((x as string).length > 255) return INVALID;
    out[k] = x;
  }
  return out;
}

const LOCATION_KEYS: Record<string, Kind> = { siteName: "string", streetAddress: "string", city: "string", state: "string", zip: "string", country: "string", lat: "number", lon: "number" };
const CONTACT_KEYS: Record<string, Kind> = Object.fromEntries(
  ["contact", "firstName", "lastName", "email", "phone", "streetAddress", "city", "state", "zip", "country"].map((k) => [k, "string" as Kind]),
);

function coerceSwitch(m: MetaFieldDef, v: unknown): unknown {
  if (v === true || v === 1 || v === "1" || v === "true") return m.to;
  if (v === false || v === 0 || v === "0" || v === "false") return m.from;
  if (typeof v === "string") {
    const l = v.toLowerCase();
    if (l === m.from?.toLowerCase()) return m.from;
    if (l === m.to?.toLowerCase()) return m.to;
  }
  return INVALID;
}

/** Checks a new metafield value against its type; returns the value to store or INVALID. */
function coerceMeta(f: BlynkFleet, m: MetaFieldDef, v: unknown): unknown {
  switch (m.type) {
    case "Text":
      return typeof v === "string" && v.length <= 255 ? v : INVALID;
    case "Email":
      return typeof v === "string" && EMAIL_RE.test(v) ? v : INVALID;
    case "DeviceName":
      return nameError(v) ? INVALID : v;
    case "DeviceOwner": {
      if (typeof v !== "string") return INVALID;
      const u = f.userByEmail.get(v.toLowerCase());
      return u && f.inTree(u.orgId) ? u : INVALID;
    }
    case "Number": {
      const n = typeof v === "number" ? v : typeof v === "string" && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/.test(v) ? Number(v) : NaN;
      if (!Number.isFinite(n)) return INVALID;
      if ((m.min !== undefined && n < m.min) || (m.max !== undefined && n > m.max)) return INVALID;
      return n;
    }
    case "Switch":
      return coerceSwitch(m, v);
    case "List":
      return typeof v === "string" && (m.options ?? []).includes(v) ? v : INVALID;
    case "Range": {
      if (!isPlainObject(v) || v.from === undefined || v.to === undefined) return INVALID;
      const r = structured(m, v, { from: "number", to: "number" }, { from: [0, 86399], to: [0, 86399] }) as Record<string, number> | typeof INVALID;
      return r !== INVALID && Number.isInteger(r.from) && Number.isInteger(r.to) ? r : INVALID;
    }
    case "Location":
      return structured(m, v, LOCATION_KEYS, { lat: [-90, 90], lon: [-180, 180] });
    case "Contact":
      return structured(m, v, CONTACT_KEYS);
  }
}

export const metafieldsRoom: BlynkRoom = [
  { method: "GET", path: `${PREFIX}/device/metafield`, handle: (req, _p, f) => getMetafields(req, f) },
  { method: "POST", path: `${PREFIX}/device/metafield`, handle: (req, _p, f) => updateMetafield(req, f) },
];
