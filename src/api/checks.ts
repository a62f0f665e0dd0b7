/**
 * What the clients check before anything is sent, and of what comes back: each input check throws INVALID_INPUT
 * naming the field, an answer of the wrong shape is API_ERROR. Shared by both clients and the nodes.
 */
import { DeviceCloudError, invalidInput } from "./errors";
import type { ApiObject, ListBy } from "./types";

export const INT32_MAX = 2_147_483_647;

export function asObject(data: unknown, what: string): ApiObject {
  if (!data || typeof data !== "object" || Array.isArray(data)) {
    throw new DeviceCloudError("API_ERROR", `The cloud's answer was not a ${what} object.`);
  }
  return data as ApiObject;
}

/** A short, safe description of a bad value for an error message. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") {
    if (value.trim() === "") return "an empty string";
    const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

/** A Blynk id: a whole number from 1 to 2³¹−1, given as a number or a string of digits. */
export function wholeNumber(value: unknown, field: string, what: string): number {
  let n: number | undefined;
  if (typeof value === "number") n = value;
  else if (typeof value === "string" && /^\s*\d{1,10}\s*$/.test(value)) n = Number(value.trim());
  if (n === undefined || !Number.isInteger(n) || n < 1 || n > INT32_MAX) {
    throw invalidInput(field, `${what} is a whole number (like 42), got ${describe(value)}.`);
  }
  return n;
}

/** Blynk device names: letters, digits, spaces, apostrophes, underscores and hyphens, at most 50 (blynk.md §2.6). */
export const BLYNK_NAME = /^[\p{L}\p{N} '_-]{1,50}$/u;
export const BLYNK_NAME_MAX = 50;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TEMPLATE_ID = /^TMPL[A-Za-z0-9_-]{1,60}$/;
const SORT_BY = /^[A-Za-z][A-Za-z0-9 _]{0,49}$/;
const EVENT_TYPE = /^[A-Za-z][A-Za-z_]{0,49}$/;
const LOCATION_ID = /^loc_[A-Za-z0-9]+$/;
const FLATPEAK_TEXT_MAX = 255;
export const FLATPEAK_DEVICE_TYPES = ["EV_CHARGER", "ELECTRIC_VEHICLE", "BATTERY_SYSTEM", "PV_SYSTEM", "OTHER"] as const;
export type FlatpeakDeviceType = (typeof FLATPEAK_DEVICE_TYPES)[number];
/** Optional Flatpeak device fields a flow may send besides reference_id, type and locations. */
export const FLATPEAK_EXTRA_FIELDS = ["manufacturer", "model_code", "model_name", "properties"] as const;

function text(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return typeof value === "string" ? value.trim() : undefined;
}

export function checkDeviceName(value: unknown, field = "name"): string {
  const name = text(value);
  if (name === undefined || name === "") throw invalidInput(field, `a device name is required, got ${describe(value)}.`);
  if ([...name].length > BLYNK_NAME_MAX) throw invalidInput(field, `has ${[...name].length} characters; at most ${BLYNK_NAME_MAX} are allowed.`);
  if (!BLYNK_NAME.test(name)) {
    throw invalidInput(field, `only letters, digits, spaces, apostrophes, underscores and hyphens are allowed, got ${describe(value)}.`);
  }
  return name;
}

export function checkEmail(value: unknown, field = "email"): string {
  const email = typeof value === "string" ? value.trim() : undefined;
  if (email === undefined || email === "") throw invalidInput(field, `an email address is required, got ${describe(value)}.`);
  if (email.length > 254 || !EMAIL.test(email)) throw invalidInput(field, `is not an email address (like user@example.com): ${describe(value)}.`);
  return email;
}

/** The window of /device/last-activated: a whole number of minutes from 1 to 60 (blynk.md §2.19). */
export function checkMinutes(value: unknown, field = "minutes"): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 60) {
    throw invalidInput(field, `must be a whole number of minutes from 1 to 60, got ${describe(value)}.`);
  }
  return n;
}

export function checkSortOrder(value: unknown, field = "sortOrder"): "ASC" | "DESC" {
  if (value === undefined || value === null || value === "") return "ASC";
  const v = typeof value === "string" ? value.trim().toUpperCase() : "";
  if (v !== "ASC" && v !== "DESC") throw invalidInput(field, `must be "ASC" or "DESC", got ${describe(value)}.`);
  return v;
}

/** A Blynk search sort field: the API's labels (`Name`, `Activated At`, …); blank: the API's default order. */
export function checkSortBy(value: unknown, field = "sortBy"): string | undefined {
  if (value === undefined || value === null) return undefined;
  const v = typeof value === "string" ? value.trim() : undefined;
  if (v === undefined) throw invalidInput(field, `must be the name of a field (like "Name" or "Activated At"), got ${describe(value)}.`);
  if (v === "") return undefined;
  if (!SORT_BY.test(v)) throw invalidInput(field, `must be the name of a field (like "Name" or "Activated At"), got ${describe(value)}.`);
  return v;
}

/** Blynk's string template id (`TMPL…`), which create takes; not the numeric templateId of a device (blynk.md §0.10). */
export function checkTemplateId(value: unknown, field = "templateId"): string {
  if (typeof value === "number") {
    throw invalidInput(field, `create takes the template's string id, like TMPL8RITg_f9Q, not a number (${value}).`);
  }
  const id = typeof value === "string" ? value.trim() : "";
  if (!TEMPLATE_ID.test(id)) throw invalidInput(field, `a Blynk template id looks like TMPL8RITg_f9Q, got ${describe(value)}.`);
  return id;
}

/** A Blynk user id: int64 in the API, so any whole number JavaScript holds exactly. */
export function checkUserId(value: unknown, field: string): number {
  let n: number | undefined;
  if (typeof value === "number") n = value;
  else if (typeof value === "string" && /^\s*\d{1,16}\s*$/.test(value)) n = Number(value.trim());
  if (n === undefined || !Number.isSafeInteger(n) || n < 1) throw invalidInput(field, `a Blynk user id is a whole number (like 202), got ${describe(value)}.`);
  return n;
}

export function checkOrgId(value: unknown, field: string): number {
  return wholeNumber(value, field, "a Blynk organization id");
}

/** A Blynk timeline event type filter (`INFORMATION`, `WARNING`, `CRITICAL`, …), sent upper case; blank: all. */
export function checkEventType(value: unknown, field = "eventType"): string | undefined {
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) return undefined;
  const v = typeof value === "string" ? value.trim() : "";
  if (!EVENT_TYPE.test(v)) throw invalidInput(field, `must be an event type such as INFORMATION, WARNING or CRITICAL, got ${describe(value)}.`);
  return v.toUpperCase();
}

export function checkReferenceId(value: unknown, field = "referenceId"): string {
  const v = text(value);
  if (v === undefined || v === "") throw invalidInput(field, `a reference id is required, got ${describe(value)}.`);
  if (v.length > FLATPEAK_TEXT_MAX) throw invalidInput(field, `has ${v.length} characters; at most ${FLATPEAK_TEXT_MAX} are allowed.`);
  return v;
}

export function checkDeviceType(value: unknown, field = "deviceType"): FlatpeakDeviceType {
  const v = typeof value === "string" ? value.trim().toUpperCase() : "";
  if (!(FLATPEAK_DEVICE_TYPES as readonly string[]).includes(v)) {
    throw invalidInput(field, `must be one of ${FLATPEAK_DEVICE_TYPES.join(", ")}, got ${describe(value)}.`);
  }
  return v as FlatpeakDeviceType;
}

/** Flatpeak location ids: an array, or a text of ids separated by commas or spaces; at least one `loc_…`. */
export function checkLocations(value: unknown, field = "locations"): string[] {
  let list: unknown[];
  if (Array.isArray(value)) list = value;
  else if (typeof value === "string") list = value.split(/[\s,]+/).filter((s) => s !== "");
  else throw invalidInput(field, `must be location ids (loc_…), as an array or separated by commas, got ${describe(value)}.`);
  if (list.length === 0) throw invalidInput(field, "at least one location id (loc_…) is required.");
  const out: string[] = [];
  for (const item of list) {
    const id = typeof item === "string" ? item.trim() : "";
    if (!LOCATION_ID.test(id)) throw invalidInput(field, `a Flatpeak location id looks like loc_d47751032d2748d2, got ${describe(item)}.`);
    if (!out.includes(id)) out.push(id);
  }
  return out;
}

/** The optional fields of a Flatpeak device (msg.device): manufacturer, model_code, model_name, properties. */
export function checkFlatpeakExtra(value: unknown, field = "device"): ApiObject {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value) || Buffer.isBuffer(value)) {
    throw invalidInput(field, `must be an object with ${FLATPEAK_EXTRA_FIELDS.join(", ")}, got ${describe(value)}.`);
  }
  const out: ApiObject = {};
  for (const [k, v] of Object.entries(value as ApiObject)) {
    if (v === undefined) continue;
    if (k === "properties") {
      if (!v || typeof v !== "object" || Array.isArray(v)) throw invalidInput(`${field}.properties`, `must be an object, got ${describe(v)}.`);
      out.properties = v;
    } else if (k === "manufacturer" || k === "model_code" || k === "model_name") {
      if (typeof v !== "string" || v.length > FLATPEAK_TEXT_MAX) {
        throw invalidInput(`${field}.${k}`, `must be a text of at most ${FLATPEAK_TEXT_MAX} characters, got ${describe(v)}.`);
      }
      out[k] = v;
    } else {
      throw invalidInput(field, `${JSON.stringify(k).slice(0, 40)} is not a device field this node sends; use ${FLATPEAK_EXTRA_FIELDS.join(", ")}.`);
    }
  }
  return out;
}

export const LIST_BY: readonly ListBy[] = ["all", "owner", "userOrg", "activated"];
/** The listings as an UNSUPPORTED message names them. */
export const LIST_BY_NAMES: Record<ListBy, string> = {
  all: "list devices",
  owner: "listing the devices of an owner",
  userOrg: "listing the devices of a user's organization",
  activated: "listing recently activated devices",
};

/** Which devices a listing gives; absent: all. */
export function checkListBy(value: unknown, field = "listBy"): ListBy {
  const by = value === undefined ? "all" : value;
  if (!LIST_BY.includes(by as ListBy)) throw invalidInput(field, `must be one of ${LIST_BY.join(", ")}, got ${describe(by)}.`);
  return by as ListBy;
}

export function isBlank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === "string" && v.trim() === "");
}
