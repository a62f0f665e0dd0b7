/**
 * Blynk Platform API (blynk.md): `POST /oauth2/token?grant_type=client_credentials` with HTTP Basic →
 * `access_token`, `expires_in`; ids in query parameters; numbered pages (`page` from 0, `size` up to 1000,
 * `totalElements`); 10,000 requests per minute per organization.
 */
import { buildTransport, seconds } from "./base";
import {
  checkTime,
  checkValue,
  datastreamNotFound,
  ExpiringCache,
  findDatastream,
  toTemplateDatastreams,
  type DatastreamRef,
  type RawValue,
  type TemplateDatastream,
} from "./blynk-datastreams";
import { DeviceCloudError, invalidInput, wellFormed } from "./errors";
import {
  asObject,
  checkDeviceName,
  checkEmail,
  checkEventType,
  checkListBy,
  checkMinutes,
  checkOrgId,
  checkSortBy,
  checkSortOrder,
  checkTemplateId,
  checkUserId,
  isBlank,
  wholeNumber,
} from "./checks";
import { numberedPages, type NumberedPage } from "./paging";
import type { Query, Transport } from "./transport";
import type {
  ApiObject,
  CallOptions,
  ClientConfig,
  CreateInput,
  DeviceCloudClient,
  DeviceListOptions,
  DeviceStatus,
  ListOptions,
  Offers,
  Operation,
  Page,
  TokenOption,
  TransferTarget,
} from "./types";

export const BLYNK_MAX_PAGE = 1000;
export const BLYNK_RATE_LIMIT = 10_000;
/** Pages of a fleet listing requested ahead of the consumer (the account's gate bounds what is really in flight). */
const FLEET_PARALLEL = 8;
const ORG = "/api/v1/organization";
/** What this cloud offers, declared once: the nodes, the editor and the docs learn it from here. */
export const BLYNK_OFFERS: Offers = {
  operations: ["listDevices", "getDevice", "deviceStatus", "triggerEvent", "updateMetafield", "manageDevice", "deviceHistory", "watch", "datastream"],
  manageActions: ["create", "rename", "transferToUser", "transferToOrg", "removeOwner", "clearData", "delete"],
  watchKinds: ["status", "activated"],
};
/** Template datastreams and a device's template are read again after this long (a template may gain datastreams). */
export const TEMPLATE_CACHE_MS = 5 * 60_000;
const TEMPLATE_CACHE_ENTRIES = 10_000;
/** History pages of 100: the most both documented limits allow (1..100 in the 2024 docs, up to 1000 in the current spec). */
const HISTORY_PAGE = 100;
const DAY_MS = 86_400_000;

/** One datastream's current value (read). */
export interface DatastreamReading {
  datastreamId: number;
  pin: string | null;
  label: string;
  value: unknown;
  /** ISO 8601, or null when the datastream holds no value. */
  updatedAt: string | null;
}

export class BlynkClient implements DeviceCloudClient {
  readonly provider = "blynk" as const;
  readonly offers = BLYNK_OFFERS;
  readonly transport: Transport;
  private readonly parallel: number;
  private readonly templates = new ExpiringCache<number, TemplateDatastream[]>(TEMPLATE_CACHE_MS, TEMPLATE_CACHE_ENTRIES);
  private readonly deviceTemplates = new ExpiringCache<number, number>(TEMPLATE_CACHE_MS, TEMPLATE_CACHE_ENTRIES);
  /** Q1: set once a write was refused with deviceId in the body alone and accepted with it in the query too. */
  private deviceIdInQuery = false;
  /** Set once the v2 values endpoint answered 404 (or no list) for a device that GET /device knows: reads use GET /device. */
  private v2Missing = false;

  constructor(private readonly config: ClientConfig) {
    this.transport = buildTransport(config, {
      credentialHint: "the client id and client secret (an OAuth2 client with the Platform API scope) and the server region",
      login: (t) => this.login(t),
      defaultRateLimit: BLYNK_RATE_LIMIT,
    });
    this.parallel = config.concurrency ?? 32;
  }

  supports(op: Operation): boolean {
    return this.offers.operations.includes(op);
  }

  rateLimit(): number {
    return this.transport.gate.currentLimit;
  }

  normalizeDeviceId(value: unknown, field = "deviceId"): number {
    return wholeNumber(value, field, "a Blynk device id");
  }

  /**
   * Devices in pages: every device of the organization (or a search, sorted on request; sub-organizations included
   * on request; a (sub-)organization chosen), those of an owner or of a user's organization (by email), or those
   * activated in the last minutes. Without options: `GET /devices`, every page.
   */
  async *listDevices(opts: DeviceListOptions = {}): AsyncGenerator<Page> {
    const by = checkListBy(opts.by);
    const sortBy = checkSortBy(opts.sortBy);
    const sortOrder = checkSortOrder(opts.sortOrder);
    const orgId = opts.orgId === undefined ? undefined : checkOrgId(opts.orgId, "orgId");
    // Blynk takes an organization on these three listings only (seed 004): the others would drop it unsaid.
    if (orgId !== undefined && (by === "userOrg" || (by === "all" && trimmed(opts.query) !== undefined))) {
      throw invalidInput("orgId", `Blynk takes an organization on the list of all devices (without a search text), by owner and recently activated, not on ${by === "userOrg" ? "the devices of a user's organization" : "a search"}.`);
    }
    const inOrg: Query = orgId === undefined ? {} : { orgId };
    switch (by) {
      case "all":
        yield* this.allDevices(opts, inOrg, sortBy, sortOrder);
        return;
      case "owner":
        yield* this.paged(`${ORG}/device/by-owner`, { ownerEmail: checkEmail(opts.email), ...inOrg }, opts);
        return;
      case "userOrg":
        yield* this.paged(`${ORG}/device/by-user-org`, { userEmail: checkEmail(opts.email) }, opts);
        return;
      case "activated": {
        let items = await this.lastActivated(opts.minutes === undefined ? 5 : opts.minutes, { ...opts, orgId });
        if (opts.max && opts.max > 0) items = items.slice(0, opts.max);
        yield { items, index: 0 };
        return;
      }
    }
  }

  private async *allDevices(opts: DeviceListOptions, inOrg: Query, sortBy: string | undefined, sortOrder: "ASC" | "DESC"): AsyncGenerator<Page> {
    const query = trimmed(opts.query);
    if (query !== undefined && query.length > 255) throw invalidInput("query", "a Blynk search text has at most 255 characters.");
    if (query === undefined && inOrg.orgId !== undefined) {
      yield* this.paged(`${ORG}/devices`, opts.includeSubOrgs === true ? { ...inOrg, includeSubOrgDevices: true } : inOrg, opts);
    } else if (query !== undefined && (sortBy !== undefined || sortOrder === "DESC")) {
      const q: Query = { query, sortOrder };
      if (sortBy !== undefined) q.sortBy = sortBy;
      yield* this.paged(`${ORG}/search/devices`, q, opts);
    } else if (query === undefined && opts.includeSubOrgs === true) {
      yield* this.paged(`${ORG}/devices`, { includeSubOrgDevices: true }, opts);
    } else {
      if (query !== undefined) wellFormed("query", query);
      const size = Math.max(1, Math.min(BLYNK_MAX_PAGE, opts.pageSize ?? BLYNK_MAX_PAGE));
      const pages = numberedPages(
        (page, pageSize, signal) => this.fetchDevicePage(page, pageSize, query, { ...opts, signal }),
        size,
        opts.max ?? 0,
        this.parallel,
        opts.signal,
      );
      yield* pages;
    }
  }

  async getDevice(id: string | number, opts: CallOptions & { detail?: "full" | "base"; includeToken?: boolean } = {}): Promise<ApiObject> {
    const deviceId = this.normalizeDeviceId(id);
    const res = await this.transport.request({
      method: "GET",
      path: opts.detail === "base" ? `${ORG}/device/baseInfo` : `${ORG}/device`,
      query: { deviceId },
      signal: opts.signal,
      onWait: opts.onWait,
    });
    const device = asObject(res.data, "device");
    return opts.includeToken ? device : withoutToken(device);
  }

  async deviceStatus(id: string | number, opts: CallOptions = {}): Promise<DeviceStatus> {
    const deviceId = this.normalizeDeviceId(id);
    const res = await this.transport.request({
      method: "GET",
      path: `${ORG}/device/online`,
      query: { deviceId },
      signal: opts.signal,
      onWait: opts.onWait,
    });
    const body = asObject(res.data, "online status");
    if (typeof body.connected !== "boolean") {
      throw new DeviceCloudError("API_ERROR", "The answer to GET /device/online had no connected flag.", { status: res.status });
    }
    return { deviceId, online: body.connected, lastSeen: null, source: "connection" };
  }

  async triggerEvent(id: string | number, eventCode: string, description: string | undefined, opts: CallOptions = {}): Promise<void> {
    const deviceId = this.normalizeDeviceId(id);
    const body: Record<string, unknown> = { deviceId, eventCode };
    if (description !== undefined && description !== "") body.eventDescription = description;
    await this.transport.request({ method: "POST", path: `${ORG}/device/trigger-event`, body, signal: opts.signal, onWait: opts.onWait });
  }

  async updateMetafield(id: string | number, metafieldId: number, value: unknown, opts: CallOptions = {}): Promise<void> {
    const deviceId = this.normalizeDeviceId(id);
    await this.transport.request({
      method: "POST",
      path: `${ORG}/device/metafield`,
      body: { deviceId, metaFieldId: metafieldId, newValue: value },
      signal: opts.signal,
      onWait: opts.onWait,
    });
  }

  /** `GET /device/metafield`: `[{id, name, isRequired, includeInProvisioning, value: {type, …}}]`, values typed by `type`. */
  async listMetafields(id: string | number, opts: CallOptions = {}): Promise<ApiObject[]> {
    return this.listOf("/device/metafield", this.normalizeDeviceId(id), opts);
  }

  /** One page for the editor's device picker; `cursor` is the page number as a string. */
  async browseDevices(opts: CallOptions & { query?: string; cursor?: string; pageSize?: number } = {}) {
    const page = opts.cursor && /^\d+$/.test(opts.cursor) ? Number(opts.cursor) : 0;
    const size = Math.min(opts.pageSize ?? 50, BLYNK_MAX_PAGE);
    const query = opts.query && opts.query.trim() !== "" ? wellFormed("query", opts.query.trim().slice(0, 255)) : undefined;
    const body = await this.fetchDevicePage(page, size, query, opts);
    const seen = page * size + body.content.length;
    return { items: body.content, next: seen < body.totalElements && body.content.length > 0 ? String(page + 1) : null, total: body.totalElements };
  }

  async testConnection(opts: CallOptions = {}): Promise<{ devices: number; total: number }> {
    const body = await this.fetchDevicePage(0, 1, undefined, opts);
    return { devices: body.content.length, total: body.totalElements };
  }

  close(): void {
    this.templates.clear();
    this.deviceTemplates.clear();
    this.transport.close();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Fleet administration (blynk.md §2): history, and changing one device

  /**
   * `GET /device/last-activated?minutes=&orgId=`: devices activated in the last 1 to 60 minutes (not those of
   * sub-organizations). The answer is read as an array, a page or a single object, and each entry's activation
   * time and owner are given the Device schema's names `activatedAt` and `ownerUserId` (blynk.md §2.19: the docs
   * disagree with `activationTime` and `ownerId`).
   */
  async lastActivated(minutes: unknown, opts: CallOptions & { orgId?: number } = {}): Promise<ApiObject[]> {
    const query: Query = { minutes: checkMinutes(minutes) };
    if (opts.orgId !== undefined) query.orgId = checkOrgId(opts.orgId, "orgId");
    const res = await this.transport.request({ method: "GET", path: `${ORG}/device/last-activated`, query, signal: opts.signal, onWait: opts.onWait });
    const data = res.data;
    let list: unknown[];
    if (data === undefined || data === null) list = [];
    else if (Array.isArray(data)) list = data;
    else if (typeof data === "object" && Array.isArray((data as ApiObject).content)) list = (data as ApiObject).content as unknown[];
    else if (typeof data === "object" && (data as ApiObject).id !== undefined) list = [data];
    else throw new DeviceCloudError("API_ERROR", "The answer to GET /device/last-activated was not a list of devices.", { status: res.status });
    return list.filter((x): x is ApiObject => !!x && typeof x === "object" && !Array.isArray(x)).map(normalizeActivation);
  }

  /** `GET /device/timeline`: the device's events, newest first, optionally of one type, in pages. */
  async *deviceTimeline(id: unknown, opts: ListOptions & { eventType?: string } = {}): AsyncGenerator<Page> {
    const deviceId = this.normalizeDeviceId(id);
    const eventType = checkEventType(opts.eventType);
    const q: Query = { deviceId };
    if (eventType !== undefined) q.eventType = eventType;
    yield* this.paged(`${ORG}/device/timeline`, q, opts);
  }

  /** `GET /device/logs`: what users did to the device (dashboard, app, voice assistants), in pages. */
  async *deviceLogs(id: unknown, opts: ListOptions = {}): AsyncGenerator<Page> {
    const deviceId = this.normalizeDeviceId(id);
    yield* this.paged(`${ORG}/device/logs`, { deviceId }, opts);
  }

  /** `GET /device/tags`: `[{id, name, tagOwnerOrgId}]`. */
  async deviceTags(id: unknown, opts: CallOptions = {}): Promise<ApiObject[]> {
    return this.listOf("/device/tags", this.normalizeDeviceId(id), opts);
  }

  /** `POST /device/create` `{templateId, name, orgId?, ownerId?}` → the new device (201). */
  async createDevice(input: CreateInput, opts: TokenOption = {}): Promise<ApiObject> {
    const body: ApiObject = { templateId: checkTemplateId(input.templateId), name: checkDeviceName(input.name) };
    if (!isBlank(input.orgId)) body.orgId = checkOrgId(input.orgId, "orgId");
    if (!isBlank(input.ownerId)) body.ownerId = checkUserId(input.ownerId, "ownerId");
    const res = await this.transport.request({ method: "POST", path: `${ORG}/device/create`, body, signal: opts.signal, onWait: opts.onWait });
    const device = asObject(res.data, "device");
    return opts.includeToken ? device : withoutToken(device);
  }

  /** `PUT /device?deviceId=` `{name}` → the device (200). */
  async renameDevice(id: unknown, name: unknown, opts: TokenOption = {}): Promise<ApiObject> {
    const deviceId = this.normalizeDeviceId(id);
    const body = { name: checkDeviceName(name) };
    const res = await this.transport.request({ method: "PUT", path: `${ORG}/device`, query: { deviceId }, body, signal: opts.signal, onWait: opts.onWait });
    // The docs answer 200 with the device; a bare 2xx still means it was renamed.
    const device = res.data === undefined ? { id: deviceId, name: body.name } : asObject(res.data, "device");
    return opts.includeToken ? device : withoutToken(device);
  }

  /**
   * `POST /device/transfer/to-owner` `{deviceId, newUserId}` or `/transfer/to-organization` `{deviceId, newOrgId}`
   * (204). The bodies carry the old endpoint's field names (blynk.md §2.13, an inference to verify against a live
   * organization). Should a server not know the new path (a bare 404 or a 405: nothing was processed), the request
   * goes once to the old `POST /device/transfer` with the same body.
   */
  async transferDevice(id: unknown, target: TransferTarget, opts: CallOptions = {}): Promise<void> {
    const deviceId = this.normalizeDeviceId(id);
    const toUser = "userId" in target;
    const body: ApiObject = toUser ? { deviceId, newUserId: checkUserId(target.userId, "newUserId") } : { deviceId, newOrgId: checkOrgId(target.orgId, "newOrgId") };
    const path = `${ORG}/device/transfer/${toUser ? "to-owner" : "to-organization"}`;
    try {
      await this.transport.request({ method: "POST", path, body, signal: opts.signal, onWait: opts.onWait });
    } catch (err) {
      if (!unknownRoute(err)) throw err;
      await this.transport.request({ method: "POST", path: `${ORG}/device/transfer`, body, signal: opts.signal, onWait: opts.onWait });
    }
  }

  /** `DELETE /device/owner?deviceId=` (204). */
  async removeOwner(id: unknown, opts: CallOptions = {}): Promise<void> {
    await this.deleteAt("/device/owner", id, opts);
  }

  /** `DELETE /device/clear?deviceId=` (204): erases the device's data and statistics. Destructive. */
  async clearData(id: unknown, opts: CallOptions = {}): Promise<void> {
    await this.deleteAt("/device/clear", id, opts);
  }

  /** `DELETE /device?deviceId=` (204). Destructive. */
  async deleteDevice(id: unknown, opts: CallOptions = {}): Promise<void> {
    await this.deleteAt("/device", id, opts);
  }

  private async deleteAt(path: string, id: unknown, opts: CallOptions): Promise<void> {
    await this.transport.request({ method: "DELETE", path: `${ORG}${path}`, query: { deviceId: this.normalizeDeviceId(id) }, signal: opts.signal, onWait: opts.onWait });
  }

  /** A short list the API answers at once, for one device (tags, metafields). */
  private async listOf(path: string, deviceId: number, opts: CallOptions): Promise<ApiObject[]> {
    const res = await this.transport.request({ method: "GET", path: `${ORG}${path}`, query: { deviceId }, signal: opts.signal, onWait: opts.onWait });
    if (res.data === undefined) return [];
    if (!Array.isArray(res.data)) throw new DeviceCloudError("API_ERROR", `The answer to GET ${path} was not a list.`, { status: res.status });
    return res.data as ApiObject[];
  }

  /** A listing of `{content, totalElements}` pages (tokens removed as each page arrives, see fetchPage). */
  private async *paged(path: string, query: Query, opts: ListOptions): AsyncGenerator<Page> {
    const size = Math.max(1, Math.min(BLYNK_MAX_PAGE, opts.pageSize ?? BLYNK_MAX_PAGE));
    const pages = numberedPages((page, pageSize, signal) => this.fetchPage(path, { ...query, page, size: pageSize }, { ...opts, signal }), size, opts.max ?? 0, FLEET_PARALLEL, opts.signal);
    yield* pages;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Datastreams (blynk-datastreams.md)

  /** The datastreams of a template (GET /template/datastreams), cached for TEMPLATE_CACHE_MS. */
  async templateDatastreams(templateId: number, opts: CallOptions = {}): Promise<TemplateDatastream[]> {
    return (await this.cachedDatastreams(templateId, opts)).value;
  }

  /** The events of a template that a flow can trigger: those with an eventCode (GET /template/events). */
  async templateEvents(templateId: number, opts: CallOptions = {}): Promise<ApiObject[]> {
    const res = await this.transport.request({ method: "GET", path: `${ORG}/template/events`, query: { templateId }, signal: opts.signal, onWait: opts.onWait });
    if (!Array.isArray(res.data)) throw new DeviceCloudError("API_ERROR", "The answer to GET /template/events was not a list.");
    return (res.data as ApiObject[]).filter((e) => e && typeof e.eventCode === "string" && e.eventCode !== "");
  }

  /**
   * The numeric template id of a device (GET /device/baseInfo), cached like the template. Which path the current
   * docs' second "get device" has is an inference (blynk.md §2.5): where the server knows no baseInfo (a bare 404
   * or a 405, nothing processed), the full GET /device gives the same templateId.
   */
  async templateOf(id: string | number, opts: CallOptions = {}): Promise<number> {
    const deviceId = this.normalizeDeviceId(id);
    const { value } = await this.deviceTemplates.get(deviceId, async () => {
      const device = await this.getDevice(deviceId, { ...opts, detail: "base" }).catch((err: unknown) => {
        if (!unknownRoute(err)) throw err;
        return this.getDevice(deviceId, opts);
      });
      if (typeof device.templateId !== "number") throw new DeviceCloudError("API_ERROR", "The device's answer had no templateId.");
      return device.templateId;
    });
    return value;
  }

  /** A datastream of the device's template by pin or id; NOT_FOUND when it has none such (after one fresh look). */
  async resolveDatastream(id: string | number, ref: DatastreamRef, opts: CallOptions = {}): Promise<TemplateDatastream> {
    const templateId = await this.templateOf(id, opts);
    const cached = await this.cachedDatastreams(templateId, opts);
    let streams = cached.value;
    let found = findDatastream(streams, ref);
    // A pin the cached template lacks may be a datastream added since: look once more before NOT_FOUND.
    if (!found && Date.now() - cached.at > 1000) {
      this.templates.forget(templateId);
      streams = (await this.cachedDatastreams(templateId, opts)).value;
      found = findDatastream(streams, ref);
    }
    if (!found) throw datastreamNotFound(ref, templateId, streams);
    return found;
  }

  /** Writes one value (POST /device/datastream) after checking it against the datastream's type. Never repeated. */
  async writeDatastream(id: string | number, ref: DatastreamRef, value: unknown, opts: CallOptions = {}): Promise<{ datastream: TemplateDatastream; value: RawValue }> {
    const deviceId = this.normalizeDeviceId(id);
    const datastream = await this.resolveDatastream(deviceId, ref, opts);
    const raw = checkValue(datastream, value);
    await this.postWrite("/device/datastream", deviceId, { dataStreamId: datastream.id, value: raw }, opts, { dataStreamId: datastream.id });
    return { datastream, value: raw };
  }

  /** Writes several values of one device in one request (POST /device/datastreams); every value is checked first. */
  async writeDatastreams(id: string | number, values: ReadonlyArray<[DatastreamRef, unknown, string]>, opts: CallOptions = {}) {
    const deviceId = this.normalizeDeviceId(id);
    const written: { datastream: TemplateDatastream; value: RawValue }[] = [];
    for (const [ref, value, field] of values) {
      const datastream = await this.resolveDatastream(deviceId, ref, opts);
      if (written.some((w) => w.datastream.id === datastream.id)) throw invalidInput(field, `names datastream ${datastream.id} a second time.`);
      written.push({ datastream, value: checkValue(datastream, value, field) });
    }
    const map: Record<string, RawValue> = {};
    for (const w of written) map[String(w.datastream.id)] = w.value;
    await this.postWrite("/device/datastreams", deviceId, { values: map }, opts);
    return written;
  }

  /** Current values: of one datastream, or of every datastream of the device's template (value null where none). */
  async readDatastreams(id: string | number, ref: DatastreamRef | undefined, opts: CallOptions = {}): Promise<DatastreamReading[]> {
    const deviceId = this.normalizeDeviceId(id);
    const templateId = await this.templateOf(deviceId, opts);
    const wanted = ref ? [await this.resolveDatastream(deviceId, ref, opts)] : await this.templateDatastreams(templateId, opts);
    const values = await this.currentValues(deviceId, wanted, ref !== undefined, opts);
    return wanted.map((ds) => {
      const v = values.get(ds.id);
      const at = typeof v?.updatedAt === "number" ? new Date(v.updatedAt).toISOString() : null;
      return { datastreamId: ds.id, pin: ds.pin, label: ds.label, value: v && "value" in v ? v.value : null, updatedAt: at };
    });
  }

  /** Every point of one datastream between from and to (default: the last 24 hours), oldest first, every page read. */
  async datastreamHistory(id: string | number, ref: DatastreamRef, period: { from?: unknown; to?: unknown }, opts: CallOptions = {}) {
    const deviceId = this.normalizeDeviceId(id);
    const to = checkTime(period.to, "to", Date.now());
    const from = checkTime(period.from, "from", to - DAY_MS);
    if (from > to) throw invalidInput("from", `the period starts (${new Date(from).toISOString()}) after it ends (${new Date(to).toISOString()}).`);
    const datastream = await this.resolveDatastream(deviceId, ref, opts);
    // The 2024 docs require `pin`, the current spec lists dataStreamId "as an alternative to pin": both are sent, so
    // either reading finds the datastream (a datastream without a virtual pin has only its id).
    const which = datastream.pin ? { pin: datastream.pin.toLowerCase(), dataStreamId: datastream.id } : { dataStreamId: datastream.id };
    const pages = numberedPages(
      async (page, size, signal) => {
        const res = await this.transport.request({ method: "GET", path: `${ORG}/device/datastream/history`, query: { deviceId, ...which, from, to, page, size }, signal, onWait: opts.onWait });
        return historyPage(res.data);
      },
      HISTORY_PAGE,
      0,
      this.parallel,
      opts.signal,
    );
    const points: { time: number; value: unknown }[] = [];
    for await (const page of pages) for (const p of page.items) points.push({ time: p.createdAt as number, value: p.value });
    points.sort((a, b) => a.time - b.time);
    return { datastream, from, to, points: points.map((p) => ({ time: new Date(p.time).toISOString(), value: p.value })) };
  }

  private cachedDatastreams(templateId: number, opts: CallOptions) {
    return this.templates.get(templateId, async () => {
      const res = await this.transport.request({ method: "GET", path: `${ORG}/template/datastreams`, query: { templateId }, signal: opts.signal, onWait: opts.onWait });
      return toTemplateDatastreams(res.data);
    });
  }

  /**
   * A write is a POST: the transport never repeats it after a 5xx, a dropped connection or a timeout. Q1: deviceId
   * goes in the body as the 2024 docs show; a 400 (the request was refused, nothing written) is answered once
   * more with the identifiers (deviceId, and `ids`) in the query too, as the 2026 README puts every identifier,
   * and later writes do that at once.
   */
  private async postWrite(path: string, deviceId: number, fields: ApiObject, opts: CallOptions, ids: Query = {}): Promise<void> {
    const send = (inQuery: boolean) =>
      this.transport.request({
        method: "POST",
        path: `${ORG}${path}`,
        query: inQuery ? { deviceId, ...ids } : undefined,
        body: { deviceId, ...fields },
        signal: opts.signal,
        onWait: opts.onWait,
      });
    if (this.deviceIdInQuery) {
      await send(true);
      return;
    }
    try {
      await send(false);
    } catch (err) {
      if (!(err instanceof DeviceCloudError) || err.status !== 400) throw err;
      await send(true);
      this.deviceIdInQuery = true;
    }
  }

  /**
   * Values by datastream id: from the v2 values endpoint, or the device's dataStreamValues where v2 does not answer,
   * or answers with something other than the list it is read to give (a top-level list is an inference, Q3); where
   * the device has no dataStreamValues either, the 2024 reference's read by pin.
   */
  private async currentValues(deviceId: number, wanted: readonly TemplateDatastream[], one: boolean, opts: CallOptions): Promise<Map<number, ApiObject>> {
    let list: unknown;
    if (!this.v2Missing) {
      try {
        const query = one ? { deviceId, dataStreamIds: wanted[0].id } : { deviceId };
        list = (await this.transport.request({ method: "GET", path: `/api/v2/organization/device/datastreams`, query, signal: opts.signal, onWait: opts.onWait })).data;
      } catch (err) {
        if (!(err instanceof DeviceCloudError) || (err.code !== "NOT_FOUND" && err.status !== 405)) throw err;
      }
    }
    if (!Array.isArray(list)) {
      list = (await this.getDevice(deviceId, opts)).dataStreamValues;
      this.v2Missing = true;
    }
    if (list === undefined) return this.valuesByPin(deviceId, wanted, opts);
    if (!Array.isArray(list)) throw new DeviceCloudError("API_ERROR", "The device's datastream values were not a list.");
    const out = new Map<number, ApiObject>();
    for (const v of list as ApiObject[]) if (v && typeof v.dataStreamId === "number") out.set(v.dataStreamId, v);
    return out;
  }

  /** `GET /device/datastreams?deviceId=&pins=v1,v5` → `{"v1": 1, "v5": 21.5}`: values of virtual pins, without their time. */
  private async valuesByPin(deviceId: number, wanted: readonly TemplateDatastream[], opts: CallOptions): Promise<Map<number, ApiObject>> {
    const ids = new Map(wanted.flatMap((ds) => (ds.pin ? [[ds.pin.toLowerCase(), ds.id] as const] : [])));
    const out = new Map<number, ApiObject>();
    if (ids.size === 0) return out;
    const query = { deviceId, pins: [...ids.keys()].join(",") };
    const res = await this.transport.request({ method: "GET", path: `${ORG}/device/datastreams`, query, signal: opts.signal, onWait: opts.onWait });
    for (const [pin, value] of Object.entries(asObject(res.data ?? {}, "datastream values"))) {
      const id = ids.get(pin.toLowerCase());
      if (id !== undefined) out.set(id, { dataStreamId: id, value });
    }
    return out;
  }

  private async login(t: Transport) {
    const res = await t.login({
      method: "POST",
      path: "/oauth2/token",
      query: { grant_type: "client_credentials" },
      user: this.config.clientId,
      password: this.config.clientSecret,
    });
    const body = (res.data ?? {}) as Record<string, unknown>;
    if (typeof body.access_token !== "string" || body.access_token === "") {
      throw new DeviceCloudError("API_ERROR", "The token answer had no access_token; check the account's server.", { status: res.status });
    }
    return { token: body.access_token, expiresIn: seconds(body.expires_in, 300) };
  }

  private fetchDevicePage(page: number, size: number, query: string | undefined, opts: CallOptions): Promise<NumberedPage> {
    return query === undefined
      ? this.fetchPage(`${ORG}/devices`, { page, size }, opts, "The cloud's page of devices")
      : this.fetchPage(`${ORG}/search/devices`, { query, page, size }, opts, "The cloud's page of devices");
  }

  /**
   * A page of devices, their tokens removed at once: the parsed originals die young (a page waiting its turn among
   * those fetched in parallel holds only the copies), and no listing copies its devices a second time.
   */
  private async fetchPage(path: string, query: Query, opts: CallOptions, what = `The answer to GET ${path}`): Promise<NumberedPage> {
    const res = await this.transport.request({ method: "GET", path, query, signal: opts.signal, onWait: opts.onWait });
    const body = asObject(res.data, "page");
    if (!Array.isArray(body.content)) throw new DeviceCloudError("API_ERROR", `${what} had no content list.`, { status: res.status });
    const total = typeof body.totalElements === "number" ? body.totalElements : Number(body.totalElements);
    return { content: (body.content as ApiObject[]).map(withoutToken), totalElements: Number.isFinite(total) ? total : body.content.length };
  }
}

/** One page of GET /device/datastream/history: `{content: [{createdAt, value}], totalElements}`. */
function historyPage(data: unknown): NumberedPage {
  const body = asObject(data, "history page");
  if (!Array.isArray(body.content)) throw new DeviceCloudError("API_ERROR", "The history page had no content list.");
  const content = body.content as ApiObject[];
  if (!content.every((p) => p && typeof p.createdAt === "number")) throw new DeviceCloudError("API_ERROR", "A history point had no createdAt time.");
  const total = Number(body.totalElements);
  return { content, totalElements: Number.isFinite(total) ? total : content.length };
}

/**
 * Activation entries as the cloud returns them, tokens removed, with the Device schema's names (`activatedAt`,
 * `ownerUserId`) added where the entry spells them the other documented way: a flow reads either spelling.
 */
export function normalizeActivation(raw: ApiObject): ApiObject {
  const out: ApiObject = { ...withoutToken(raw) };
  if (out.activatedAt === undefined && out.activationTime !== undefined) out.activatedAt = out.activationTime;
  if (out.ownerUserId === undefined && out.ownerId !== undefined) out.ownerUserId = out.ownerId;
  return out;
}

/** A 404 that names nothing (the route itself is unknown) or a 405: the request was not processed. */
function unknownRoute(err: unknown): boolean {
  if (!(err instanceof DeviceCloudError)) return false;
  if (err.status === 405) return true;
  return err.status === 404 && /HTTP 404(: Not Found)?\)/i.test(err.message);
}

function trimmed(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** The device's auth token is a secret: it leaves the client only when a node asks for it (includeToken). */
export function withoutToken(device: ApiObject): ApiObject {
  if (!device || typeof device !== "object" || !("token" in device)) return device;
  // Rest destructuring builds the copy without the key; `delete` on a copy would leave 100,000 listed devices as
  // slow dictionary-mode objects (measured by the benchmark: 2-3 times the time and heap).
  const { token: _token, ...copy } = device;
  return copy;
}
