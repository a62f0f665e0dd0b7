/**
 * Fleet administration: the rest of the Blynk Devices API (blynk.md §2) and Flatpeak's device create, update and
 * delete (flatpeak.md §3.1), as functions over the clients. Each checks its inputs before anything is sent
 * (INVALID_INPUT naming the field), answers UNSUPPORTED where the account's cloud does not offer the operation,
 * and goes through the account's transport (gate, token, retries, error mapping) like the clients' own calls.
 * Blynk device tokens are removed from every device that leaves here unless the caller asks for them.
 */
import { PROVIDER_NAMES } from "./base";
import { BLYNK_MAX_PAGE, withoutToken, type BlynkClient } from "./blynk";
import { asObject, checkDeviceName, checkDeviceType, checkEmail, checkEventType, checkFlatpeakExtra, checkLocations, checkMinutes, checkOrgId, checkReferenceId, checkSortBy, checkSortOrder, checkTemplateId, checkUserId, describe } from "./checks";
import { DeviceCloudError, invalidInput } from "./errors";
import { deviceShape, type FlatpeakClient } from "./flatpeak";
import { numberedPages, type NumberedPage } from "./paging";
import type { Query } from "./transport";
import type { ApiObject, CallOptions, ListOptions, Page, Provider } from "./types";

type Client = BlynkClient | FlatpeakClient;

const ORG = "/api/v1/organization";
/** Pages of a Blynk listing requested ahead of the consumer (the account's gate bounds what is really in flight). */
const PARALLEL = 8;

export * from "./checks";

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
