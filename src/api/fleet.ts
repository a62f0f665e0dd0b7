/**
 * Fleet administration: the rest of the Blynk Devices API (blynk.md §2) and Flatpeak's device create, update and
 * delete (flatpeak.md §3.1), as functions over the clients. Each checks its inputs before anything is sent
 * (INVALID_INPUT naming the field), answers UNSUPPORTED where the account's cloud does not offer the operation,
 * and goes through the account's transport (gate, token, retries, error mapping) like the clients' own calls.
 * Blynk device tokens are removed from every device that leaves here unless the caller asks for them.
 */
import { PROVIDER_NAMES } from "./base";
import { BLYNK_MAX_PAGE, wholeNumber, withoutToken, type BlynkClient } from "./blynk";
import { DeviceCloudError, invalidInput } from "./errors";
import { asObject, describe, deviceShape, type FlatpeakClient } from "./flatpeak";
import { numberedPages, type NumberedPage } from "./paging";
import type { Query } from "./transport";
import type { ApiObject, CallOptions, ListOptions, Page, Provider } from "./types";

type Client = BlynkClient | FlatpeakClient;

const ORG = "/api/v1/organization";
/** Pages of a Blynk listing requested ahead of the consumer (the account's gate bounds what is really in flight). */
const PARALLEL = 8;

// ---------------------------------------------------------------------------------------------------------------
// Input checks (each throws INVALID_INPUT naming the field)

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

export function notOffered(provider: Provider, what: string): DeviceCloudError {
  return new DeviceCloudError("UNSUPPORTED", `${what} is not offered by ${PROVIDER_NAMES[provider]}: choose an account of the other cloud.`);
}

function blynk(client: Client, what: string): BlynkClient {
  if (client.provider !== "blynk") throw notOffered(client.provider, what);
  return client;
}

function flatpeak(client: Client, what: string): FlatpeakClient {
  if (client.provider !== "flatpeak") throw notOffered(client.provider, what);
  return client;
}

function trimmed(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Listing

export type ListBy = "all" | "owner" | "userOrg" | "activated";
export const LIST_BY: readonly ListBy[] = ["all", "owner", "userOrg", "activated"];
const LIST_BY_NAMES: Record<ListBy, string> = {
  all: "list devices",
  owner: "listing the devices of an owner",
  userOrg: "listing the devices of a user's organization",
  activated: "listing recently activated devices",
};

export interface FleetListOptions extends ListOptions {
  /** Which devices: all (default), of an owner (email), in a user's organization (email), activated recently. */
  by?: ListBy;
  /** owner / userOrg: the email address. */
  email?: string;
  /** activated: the window in minutes, 1 to 60 (default 5). */
  minutes?: number;
  /** all, Blynk, without a search text: include the devices of sub-organizations. */
  includeSubOrgs?: boolean;
  /** all (without a search text), owner, activated, Blynk: the (sub-)organization; absent: the token's. */
  orgId?: number;
  /** all, Blynk, with a search text: sort field and order. */
  sortBy?: string;
  sortOrder?: "ASC" | "DESC" | string;
}

/**
 * Devices in pages, as the client's listDevices, with Blynk's other listings. With none of the new options it
 * is exactly the client's listDevices (same requests, same pages).
 */
export async function* listFleet(client: Client, opts: FleetListOptions = {}): AsyncGenerator<Page> {
  const by = opts.by === undefined ? "all" : opts.by;
  if (!LIST_BY.includes(by)) throw invalidInput("listBy", `must be one of ${LIST_BY.join(", ")}, got ${describe(by)}.`);
  if (client.provider === "flatpeak") {
    if (by !== "all") throw notOffered("flatpeak", LIST_BY_NAMES[by]);
    yield* client.listDevices(opts);
    return;
  }
  const sortBy = checkSortBy(opts.sortBy);
  const sortOrder = checkSortOrder(opts.sortOrder);
  const orgId = opts.orgId === undefined ? undefined : checkOrgId(opts.orgId, "orgId");
  // Blynk takes an organization on these three listings only (seed 004): the others would drop it unsaid.
  if (orgId !== undefined && (by === "userOrg" || (by === "all" && trimmed(opts.query) !== undefined))) {
    throw invalidInput("orgId", `Blynk takes an organization on the list of all devices (without a search text), by owner and recently activated, not on ${by === "userOrg" ? "the devices of a user's organization" : "a search"}.`);
  }
  const inOrg: Query = orgId === undefined ? {} : { orgId };
  switch (by) {
    case "all": {
      const query = trimmed(opts.query);
      if (query !== undefined && query.length > 255) throw invalidInput("query", "a Blynk search text has at most 255 characters.");
      if (query === undefined && orgId !== undefined) {
        yield* blynkPaged(client, `${ORG}/devices`, opts.includeSubOrgs === true ? { ...inOrg, includeSubOrgDevices: true } : inOrg, opts);
      } else if (query !== undefined && (sortBy !== undefined || sortOrder === "DESC")) {
        const q: Query = { query, sortOrder };
        if (sortBy !== undefined) q.sortBy = sortBy;
        yield* blynkPaged(client, `${ORG}/search/devices`, q, opts);
      } else if (query === undefined && opts.includeSubOrgs === true) {
        yield* blynkPaged(client, `${ORG}/devices`, { includeSubOrgDevices: true }, opts);
      } else {
        yield* client.listDevices(opts);
      }
      return;
    }
    case "owner":
      yield* blynkPaged(client, `${ORG}/device/by-owner`, { ownerEmail: checkEmail(opts.email), ...inOrg }, opts);
      return;
    case "userOrg":
      yield* blynkPaged(client, `${ORG}/device/by-user-org`, { userEmail: checkEmail(opts.email) }, opts);
      return;
    case "activated": {
      let items = await lastActivated(client, opts.minutes === undefined ? 5 : opts.minutes, { ...opts, orgId });
      if (opts.max && opts.max > 0) items = items.slice(0, opts.max);
      yield { items, index: 0 };
      return;
    }
  }
}

/**
 * `GET /device/last-activated?minutes=&orgId=`: devices activated in the last 1 to 60 minutes (not those of
 * sub-organizations). The answer is read as an array, a page or a single object, and each entry's activation
 * time and owner are given the Device schema's names `activatedAt` and `ownerUserId` (blynk.md §2.19: the docs
 * disagree with `activationTime` and `ownerId`).
 */
export async function lastActivated(client: Client, minutes: unknown, opts: CallOptions & { orgId?: number } = {}): Promise<ApiObject[]> {
  const c = blynk(client, LIST_BY_NAMES.activated);
  const query: Query = { minutes: checkMinutes(minutes) };
  if (opts.orgId !== undefined) query.orgId = checkOrgId(opts.orgId, "orgId");
  const res = await c.transport.request({ method: "GET", path: `${ORG}/device/last-activated`, query, signal: opts.signal, onWait: opts.onWait });
  const data = res.data;
  let list: unknown[];
  if (data === undefined || data === null) list = [];
  else if (Array.isArray(data)) list = data;
  else if (typeof data === "object" && Array.isArray((data as ApiObject).content)) list = (data as ApiObject).content as unknown[];
  else if (typeof data === "object" && (data as ApiObject).id !== undefined) list = [data];
  else throw new DeviceCloudError("API_ERROR", "The answer to GET /device/last-activated was not a list of devices.", { status: res.status });
  return list.filter((x): x is ApiObject => !!x && typeof x === "object" && !Array.isArray(x)).map(normalizeActivation);
}

export function normalizeActivation(raw: ApiObject): ApiObject {
  const out: ApiObject = { ...raw };
  if (out.activatedAt === undefined && out.activationTime !== undefined) out.activatedAt = out.activationTime;
  if (out.ownerUserId === undefined && out.ownerId !== undefined) out.ownerUserId = out.ownerId;
  delete out.activationTime;
  delete out.ownerId;
  return withoutToken(out);
}

async function blynkPage(c: BlynkClient, path: string, query: Query, page: number, size: number, opts: CallOptions): Promise<NumberedPage> {
  const res = await c.transport.request({ method: "GET", path, query: { ...query, page, size }, signal: opts.signal, onWait: opts.onWait });
  const body = asObject(res.data, "page");
  if (!Array.isArray(body.content)) throw new DeviceCloudError("API_ERROR", `The answer to GET ${path} had no content list.`, { status: res.status });
  const total = typeof body.totalElements === "number" ? body.totalElements : Number(body.totalElements);
  return { content: body.content as ApiObject[], totalElements: Number.isFinite(total) ? total : body.content.length };
}

/** A Blynk listing of `{content, totalElements}` pages, tokens removed. */
async function* blynkPaged(c: BlynkClient, path: string, query: Query, opts: ListOptions): AsyncGenerator<Page> {
  const size = Math.max(1, Math.min(BLYNK_MAX_PAGE, opts.pageSize ?? BLYNK_MAX_PAGE));
  const pages = numberedPages((page, pageSize, signal) => blynkPage(c, path, query, page, pageSize, { ...opts, signal }), size, opts.max ?? 0, PARALLEL, opts.signal);
  for await (const page of pages) yield { ...page, items: page.items.map(withoutToken) };
}

// ---------------------------------------------------------------------------------------------------------------
// History (Blynk): timeline, actions log, tags, metafields

/** `GET /device/timeline`: the device's events, newest first, optionally of one type, in pages. */
export async function* deviceTimeline(client: Client, id: unknown, opts: ListOptions & { eventType?: string } = {}): AsyncGenerator<Page> {
  const c = blynk(client, "the device timeline");
  const deviceId = c.normalizeDeviceId(id);
  const eventType = checkEventType(opts.eventType);
  const q: Query = { deviceId };
  if (eventType !== undefined) q.eventType = eventType;
  yield* blynkPaged(c, `${ORG}/device/timeline`, q, opts);
}

/** `GET /device/logs`: what users did to the device (dashboard, app, voice assistants), in pages. */
export async function* deviceLogs(client: Client, id: unknown, opts: ListOptions = {}): AsyncGenerator<Page> {
  const c = blynk(client, "the device actions log");
  const deviceId = c.normalizeDeviceId(id);
  yield* blynkPaged(c, `${ORG}/device/logs`, { deviceId }, opts);
}

/** `GET /device/tags`: `[{id, name, tagOwnerOrgId}]`. */
export async function deviceTags(client: Client, id: unknown, opts: CallOptions = {}): Promise<ApiObject[]> {
  const c = blynk(client, "the device tags");
  return arrayAnswer(c, "/device/tags", c.normalizeDeviceId(id), opts);
}

/** `GET /device/metafield`: `[{id, name, isRequired, includeInProvisioning, value: {type, …}}]`, values typed by `type`. */
export async function deviceMetafields(client: Client, id: unknown, opts: CallOptions = {}): Promise<ApiObject[]> {
  const c = blynk(client, "the device metafields");
  return arrayAnswer(c, "/device/metafield", c.normalizeDeviceId(id), opts);
}

async function arrayAnswer(c: BlynkClient, path: string, deviceId: number, opts: CallOptions): Promise<ApiObject[]> {
  const res = await c.transport.request({ method: "GET", path: `${ORG}${path}`, query: { deviceId }, signal: opts.signal, onWait: opts.onWait });
  if (res.data === undefined) return [];
  if (!Array.isArray(res.data)) throw new DeviceCloudError("API_ERROR", `The answer to GET ${path} was not a list.`, { status: res.status });
  return res.data as ApiObject[];
}

// ---------------------------------------------------------------------------------------------------------------
// Changing one device

export interface CreateInput {
  /** Blynk */
  templateId?: unknown;
  name?: unknown;
  ownerId?: unknown;
  orgId?: unknown;
  /** Flatpeak */
  referenceId?: unknown;
  deviceType?: unknown;
  locations?: unknown;
  extra?: unknown;
}

export type TokenOption = CallOptions & { includeToken?: boolean };

/**
 * Blynk: `POST /device/create` `{templateId, name, orgId?, ownerId?}` → the new device (201).
 * Flatpeak: `POST /devices` → 201, the body by release: zero and anode `{reference_id}`; busbar
 * `{reference_id, type, locations, manufacturer?, model_code?, model_name?, properties?}`; yotta
 * `{reference_id, properties?: {manufacturer?, model_code?, model_name?}}`.
 */
export async function createDevice(client: Client, input: CreateInput, opts: TokenOption = {}): Promise<ApiObject> {
  if (client.provider === "blynk") {
    const body: ApiObject = { templateId: checkTemplateId(input.templateId), name: checkDeviceName(input.name) };
    if (!blank(input.orgId)) body.orgId = checkOrgId(input.orgId, "orgId");
    if (!blank(input.ownerId)) body.ownerId = checkUserId(input.ownerId, "ownerId");
    const res = await client.transport.request({ method: "POST", path: `${ORG}/device/create`, body, signal: opts.signal, onWait: opts.onWait });
    const device = asObject(res.data, "device");
    return opts.includeToken ? device : withoutToken(device);
  }
  const c = flatpeak(client, "create");
  const referenceId = checkReferenceId(input.referenceId);
  const extra = checkFlatpeakExtra(input.extra);
  // Busbar's type and locations, checked before any request wherever they are given; required on busbar only.
  const type = blank(input.deviceType) ? undefined : checkDeviceType(input.deviceType);
  const locations = blank(input.locations) ? undefined : checkLocations(input.locations);
  const release = await c.version(opts);
  const body: ApiObject = { reference_id: referenceId };
  if (deviceShape(release) === "busbar") {
    body.type = type ?? checkDeviceType(input.deviceType);
    body.locations = locations ?? checkLocations(input.locations);
  }
  Object.assign(body, flatpeakExtraFor(release, extra));
  const res = await c.transport.request({ method: "POST", path: "/devices", body, signal: opts.signal, onWait: opts.onWait });
  return asObject(res.data, "device");
}

/**
 * The optional device fields as the account's release takes them: busbar at the top level; yotta the model under
 * `properties` (seed 001); zero and anode none at all (their bodies are `reference_id` only), so asking for one is
 * INVALID_INPUT rather than a field silently dropped.
 */
function flatpeakExtraFor(release: string | undefined, extra: ApiObject): ApiObject {
  const fields = Object.keys(extra);
  if (fields.length === 0) return {};
  const shape = deviceShape(release);
  if (shape === "yotta") {
    if (extra.properties !== undefined) {
      throw invalidInput("device.properties", `the ${release} release takes only manufacturer, model_code and model_name (sent under properties).`);
    }
    return { properties: extra };
  }
  if (shape === "minimal") {
    throw invalidInput(`device.${fields[0]}`, `the account answers in ${release}, whose devices have a reference id only; set its API version to 2026-08-01.busbar or later to send ${fields.join(", ")}.`);
  }
  return extra;
}

/** Blynk: `PUT /device?deviceId=` `{name}` → the device (200). */
export async function renameDevice(client: Client, id: unknown, name: unknown, opts: TokenOption = {}): Promise<ApiObject> {
  const c = blynk(client, "rename");
  const deviceId = c.normalizeDeviceId(id);
  const body = { name: checkDeviceName(name) };
  const res = await c.transport.request({ method: "PUT", path: `${ORG}/device`, query: { deviceId }, body, signal: opts.signal, onWait: opts.onWait });
  // The docs answer 200 with the device; a bare 2xx still means it was renamed.
  const device = res.data === undefined ? { id: deviceId, name: body.name } : asObject(res.data, "device");
  return opts.includeToken ? device : withoutToken(device);
}

/** Flatpeak: `PATCH /devices/{id}` with reference_id and/or the optional fields (as the release takes them) → the device (200). */
export async function updateDevice(client: Client, id: unknown, input: { referenceId?: unknown; extra?: unknown }, opts: CallOptions = {}): Promise<ApiObject> {
  const c = flatpeak(client, "update");
  const deviceId = c.normalizeDeviceId(id);
  const extra = checkFlatpeakExtra(input.extra);
  const referenceId = blank(input.referenceId) ? undefined : checkReferenceId(input.referenceId);
  if (referenceId === undefined && Object.keys(extra).length === 0) {
    throw invalidInput("referenceId", "nothing to update: set the reference id (or msg.referenceId), or fields in msg.device.");
  }
  const body: ApiObject = flatpeakExtraFor(await c.version(opts), extra);
  if (referenceId !== undefined) body.reference_id = referenceId;
  const res = await c.transport.request({
    method: "PATCH",
    path: `/devices/${encodeURIComponent(deviceId)}`,
    body,
    signal: opts.signal,
    onWait: opts.onWait,
  });
  return asObject(res.data, "device");
}

export type TransferTarget = { userId: unknown } | { orgId: unknown };

/**
 * Blynk: `POST /device/transfer/to-owner` `{deviceId, newUserId}` or `/transfer/to-organization`
 * `{deviceId, newOrgId}` (204). The bodies carry the old endpoint's field names (blynk.md §2.13, an inference to
 * verify against a live organization). Should a server not know the new path (a bare 404 or a 405: nothing was
 * processed), the request goes once to the old `POST /device/transfer` with the same body.
 */
export async function transferDevice(client: Client, id: unknown, target: TransferTarget, opts: CallOptions = {}): Promise<void> {
  const c = blynk(client, "transfer");
  const deviceId = c.normalizeDeviceId(id);
  const toUser = "userId" in target;
  const body: ApiObject = toUser ? { deviceId, newUserId: checkUserId(target.userId, "newUserId") } : { deviceId, newOrgId: checkOrgId(target.orgId, "newOrgId") };
  const path = `${ORG}/device/transfer/${toUser ? "to-owner" : "to-organization"}`;
  try {
    await c.transport.request({ method: "POST", path, body, signal: opts.signal, onWait: opts.onWait });
  } catch (err) {
    if (!unknownRoute(err)) throw err;
    await c.transport.request({ method: "POST", path: `${ORG}/device/transfer`, body, signal: opts.signal, onWait: opts.onWait });
  }
}

/** A 404 that names nothing (the route itself is unknown) or a 405: the request was not processed. */
function unknownRoute(err: unknown): boolean {
  if (!(err instanceof DeviceCloudError)) return false;
  if (err.status === 405) return true;
  return err.status === 404 && /HTTP 404(: Not Found)?\)/i.test(err.message);
}

/** Blynk: `DELETE /device/owner?deviceId=` (204). */
export async function removeOwner(client: Client, id: unknown, opts: CallOptions = {}): Promise<void> {
  const c = blynk(client, "remove owner");
  await c.transport.request({ method: "DELETE", path: `${ORG}/device/owner`, query: { deviceId: c.normalizeDeviceId(id) }, signal: opts.signal, onWait: opts.onWait });
}

/** Blynk: `DELETE /device/clear?deviceId=` (204): erases the device's data and statistics. Destructive. */
export async function clearData(client: Client, id: unknown, opts: CallOptions = {}): Promise<void> {
  const c = blynk(client, "clear data");
  await c.transport.request({ method: "DELETE", path: `${ORG}/device/clear`, query: { deviceId: c.normalizeDeviceId(id) }, signal: opts.signal, onWait: opts.onWait });
}

/** Blynk: `DELETE /device?deviceId=` (204). Flatpeak: `DELETE /devices/{id}` (202). Destructive. */
export async function deleteDevice(client: Client, id: unknown, opts: CallOptions = {}): Promise<void> {
  if (client.provider === "blynk") {
    await client.transport.request({ method: "DELETE", path: `${ORG}/device`, query: { deviceId: client.normalizeDeviceId(id) }, signal: opts.signal, onWait: opts.onWait });
    return;
  }
  const deviceId = client.normalizeDeviceId(id);
  await client.transport.request({ method: "DELETE", path: `/devices/${encodeURIComponent(deviceId)}`, signal: opts.signal, onWait: opts.onWait });
}

function blank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === "string" && v.trim() === "");
}
