/**
 * What the Blynk client's datastream calls check before anything is sent (blynk-datastreams.md): a datastream named
 * by pin (`V5`) or id (`5`), a value against its datastream's type, a history period; and the expiring cache of
 * template datastreams that resolves pins to ids.
 */
import { DeviceCloudError, invalidInput, wellFormed } from "./errors";
import { describe, INT32_MAX } from "./checks";
import type { ApiObject } from "./types";

/** A template datastream as the client uses it (GET /template/datastreams, §8). */
export interface TemplateDatastream {
  id: number;
  /** `V5` for a virtual pin; null for digital and analog pins, which are addressed by id only. */
  pin: string | null;
  label: string;
  type: string;
  units?: string;
  /** ENUM labels, where the template gives them (the simulator does; the public schema is silent, Q8). */
  options?: string[];
}

/** A datastream as a flow names it: by id, or by virtual pin. */
export type DatastreamRef = { id: number } | { pin: string };

/** What a write sends as the value (DataStreamRawValue: a string, a number, or [lon, lat]). */
export type RawValue = string | number | [number, number];

const INT32_MIN = -2_147_483_648;
/** "Max length of the string value: 1024 bytes" (§11). */
export const MAX_STRING_BYTES = 1024;
const NUMERIC = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

/** `V5`, `v5` or `5` (a datastream id); a number is an id. */
export function parseDatastream(value: unknown, field = "datastream"): DatastreamRef {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= INT32_MAX) return { id: value };
  if (typeof value === "string") {
    const text = value.trim();
    const pin = /^[vV](\d{1,4})$/.exec(text);
    if (pin) return { pin: `V${Number(pin[1])}` };
    if (/^\d{1,10}$/.test(text) && Number(text) <= INT32_MAX) return { id: Number(text) };
  }
  throw invalidInput(field, `a datastream is its id (like 5) or its virtual pin (like V5), got ${describe(value)}.`);
}

export function refText(ref: DatastreamRef): string {
  return "pin" in ref ? ref.pin : `id ${ref.id}`;
}

/** The template's answer, each entry checked; a malformed answer is API_ERROR. */
export function toTemplateDatastreams(data: unknown): TemplateDatastream[] {
  if (!Array.isArray(data)) throw new DeviceCloudError("API_ERROR", "The answer to GET /template/datastreams was not a list.");
  return data.flatMap((raw: ApiObject) => {
    if (!raw || typeof raw !== "object" || typeof raw.id !== "number") return [];
    const pinNumber = typeof raw.pin === "number" ? raw.pin : Number.NaN;
    const virtual = raw.pinType === undefined || raw.pinType === "VIRTUAL";
    const ds: TemplateDatastream = {
      id: raw.id,
      pin: virtual && Number.isInteger(pinNumber) ? `V${pinNumber}` : null,
      label: typeof raw.label === "string" ? raw.label : String(raw.id),
      type: typeof raw.type === "string" ? raw.type.toUpperCase() : "",
    };
    if (typeof raw.units === "string") ds.units = raw.units;
    if (Array.isArray(raw.options) && raw.options.every((o) => typeof o === "string")) ds.options = raw.options as string[];
    return [ds];
  });
}

export function findDatastream(streams: readonly TemplateDatastream[], ref: DatastreamRef): TemplateDatastream | undefined {
  return "pin" in ref ? streams.find((ds) => ds.pin === ref.pin) : streams.find((ds) => ds.id === ref.id);
}

export function datastreamNotFound(ref: DatastreamRef, templateId: number, streams: readonly TemplateDatastream[]): DeviceCloudError {
  const known = streams.map((ds) => ds.pin ?? `id ${ds.id}`).join(", ") || "none";
  return new DeviceCloudError("NOT_FOUND", `datastream: ${refText(ref)} is not a datastream of the device's template ${templateId} (it has ${known}).`);
}

/**
 * The value to send for this datastream, or INVALID_INPUT naming the field (blynk-datastreams.md §11, Q4):
 * INT a whole number in 32 bits; DOUBLE a finite number; numeric strings become numbers; BOOLEAN (and INT, for
 * switches) take true/false and send 1/0, since DataStreamRawValue has no boolean; ENUM a whole number (or, where
 * the template lists them, a label); STRING text of at most 1024 bytes; LOCATION [lon, lat].
 */
export function checkValue(ds: TemplateDatastream, value: unknown, field = "value"): RawValue {
  const what = `${ds.pin ?? `datastream ${ds.id}`} (${ds.label}) is ${ds.type || "a datastream"}`;
  const fail = (expected: string): never => {
    throw invalidInput(field, `${what}: ${expected}, got ${describe(value)}.`);
  };
  if (value === undefined || value === null) throw invalidInput(field, "no value: the value to write is missing (by default it is msg.payload).");
  const n = typeof value === "number" ? value : typeof value === "string" && NUMERIC.test(value) ? Number(value) : Number.NaN;
  switch (ds.type) {
    case "INT":
      if (typeof value === "boolean") return value ? 1 : 0;
      return Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX ? n : fail(`a whole number from ${INT32_MIN} to ${INT32_MAX}`);
    case "DOUBLE":
      return Number.isFinite(n) ? n : fail("a number");
    case "BOOLEAN":
      if (value === true || value === "true") return 1;
      if (value === false || value === "false") return 0;
      return n === 0 || n === 1 ? n : fail("true, false, 1 or 0");
    case "ENUM":
      return enumValue(ds, value, n, fail);
    case "STRING":
      return stringValue(value, field, fail);
    case "LOCATION":
      return locationValue(value, fail);
    default:
      return rawValue(value, field, fail);
  }
}

function enumValue(ds: TemplateDatastream, value: unknown, n: number, fail: (e: string) => never): number {
  const labels = ds.options;
  if (typeof value === "string" && labels && labels.includes(value)) return labels.indexOf(value);
  const expected = labels ? `one of ${labels.map((l, i) => `${i} (${l})`).join(", ")}` : "a whole number";
  if (!Number.isInteger(n) || n < 0 || n > INT32_MAX) return fail(expected);
  return labels && n >= labels.length ? fail(expected) : n;
}

function stringValue(value: unknown, field: string, fail: (e: string) => never): string {
  const text = typeof value === "string" ? value : typeof value === "number" && Number.isFinite(value) ? String(value) : fail("text");
  wellFormed(field, text);
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_STRING_BYTES) throw invalidInput(field, `is ${bytes} bytes of text; a datastream holds at most ${MAX_STRING_BYTES}.`);
  return text;
}

function locationValue(value: unknown, fail: (e: string) => never): [number, number] {
  const ok =
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === "number" &&
    typeof value[1] === "number" &&
    Math.abs(value[0]) <= 180 &&
    Math.abs(value[1]) <= 90;
  return ok ? [value[0] as number, value[1] as number] : fail("[longitude, latitude], each a number (longitude -180..180, latitude -90..90)");
}

/** A type this client does not know: anything DataStreamRawValue allows is sent as it is. */
function rawValue(value: unknown, field: string, fail: (e: string) => never): RawValue {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string") return stringValue(value, field, fail);
  if (Array.isArray(value)) return locationValue(value, fail);
  return fail("a number, a text or [lon, lat]");
}

/** A history bound: ISO 8601 text with an offset, or milliseconds since 1970. */
export function checkTime(value: unknown, field: string, fallback: number): number {
  if (value === undefined || value === null || value === "") return fallback;
  let ms = Number.NaN;
  if (typeof value === "number") ms = value;
  else if (value instanceof Date) ms = value.getTime();
  else if (typeof value === "string" && /^\d{1,15}$/.test(value.trim())) ms = Number(value.trim());
  else if (typeof value === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/i.test(value.trim())) ms = Date.parse(value.trim());
  if (!Number.isInteger(ms) || ms < 0 || ms > 8.64e15) {
    throw invalidInput(field, `a time is ISO 8601 with an offset (2026-08-01T10:00:00Z) or milliseconds since 1970, got ${describe(value)}.`);
  }
  return ms;
}

/**
 * Values that expire, each asked for once however many callers want it at the same time, with a bounded number
 * of entries (the oldest go first).
 */
export class ExpiringCache<K, V> {
  private readonly entries = new Map<K, { at: number; value: Promise<V> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** The cached value (and when it was fetched), or a fresh one from `load`; a failed load is not kept. */
  async get(key: K, load: () => Promise<V>, now = Date.now()): Promise<{ value: V; at: number }> {
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return { value: await hit.value, at: hit.at };
    const entry = { at: now, value: load() };
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as K);
    entry.value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return { value: await entry.value, at: now };
  }

  forget(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
